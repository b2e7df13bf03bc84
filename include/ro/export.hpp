// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_EXPORT_HPP_
#define RO_EXPORT_HPP_

/// Marks a class or function as part of the library's binary interface.
/// The library is built with hidden visibility; only what carries RO_API is
/// exported from the shared object.
#if defined(__GNUC__) || defined(__clang__)
#  define RO_API __attribute__((visibility("default")))
#else
#  define RO_API
#endif

#endif  // RO_EXPORT_HPP_
