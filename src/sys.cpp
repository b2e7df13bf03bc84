// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "sys.hpp"

#include <unistd.h>

namespace ro::detail::sys {
namespace {

int SystemRecvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout) {
  return ::recvmmsg(fd, msgs, vlen, flags, timeout);
}

constexpr SyscallTable kSystemCalls = {
    ::socket, ::bind,         ::setsockopt, ::getsockopt, ::getsockname,
    ::sendto, SystemRecvmmsg, ::close,      ::getifaddrs, ::freeifaddrs,
};

SyscallTable g_calls = kSystemCalls;

}  // namespace

SyscallTable& Calls() noexcept { return g_calls; }

void Reset() noexcept { g_calls = kSystemCalls; }

}  // namespace ro::detail::sys
