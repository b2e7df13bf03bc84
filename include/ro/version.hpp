// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_VERSION_HPP_
#define RO_VERSION_HPP_

/// Library version as MMmmpp (major * 10000 + minor * 100 + patch).
/// CMake reads this line; it is the single source of the version.
#define RODATAGRAM_VERSION 100

#define RODATAGRAM_VERSION_MAJOR (RODATAGRAM_VERSION / 10000)
#define RODATAGRAM_VERSION_MINOR (RODATAGRAM_VERSION / 100 % 100)
#define RODATAGRAM_VERSION_PATCH (RODATAGRAM_VERSION % 100)

#include <ro/export.hpp>

namespace ro {

/// Version of the library the program runs against, as MMmmpp.
/// Compare with RODATAGRAM_VERSION to detect a header/library mismatch.
RO_API int Version() noexcept;

}  // namespace ro

#endif  // RO_VERSION_HPP_
