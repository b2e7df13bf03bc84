// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Wording shared by every failure reason the library writes.

#ifndef RO_SRC_TEXT_HPP_
#define RO_SRC_TEXT_HPP_

#include <string>
#include <string_view>

namespace ro::detail {

/// "Address already in use (EADDRINUSE)".
std::string ErrorText(int err);

/// An argument as shown in a reason: quoted, printable ASCII as is, the rest
/// as \xHH, long values shortened.
std::string Quote(std::string_view text);

}  // namespace ro::detail

#endif  // RO_SRC_TEXT_HPP_
