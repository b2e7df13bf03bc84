// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <ro/version.hpp>

namespace ro {

int Version() noexcept { return RODATAGRAM_VERSION; }

}  // namespace ro
