// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "sys.hpp"

#include <unistd.h>

namespace ro::detail::sys {
namespace {

int SystemRecvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout) {
  return ::recvmmsg(fd, msgs, vlen, flags, timeout);
}

// A prvalue, so that g_calls below is constant-initialized (no static
// initialization order question for code that runs before main).
constexpr SyscallTable SystemCalls() {
  return {::socket, ::bind,         ::setsockopt, ::getsockopt, ::getsockname,
          ::sendto, SystemRecvmmsg, ::close,      ::getifaddrs, ::freeifaddrs};
}

SyscallTable g_calls = SystemCalls();

}  // namespace

SyscallTable& Calls() noexcept { return g_calls; }

void Reset() noexcept {
  const SyscallTable system = SystemCalls();
  g_calls.socket = system.socket;
  g_calls.bind = system.bind;
  g_calls.setsockopt = system.setsockopt;
  g_calls.getsockopt = system.getsockopt;
  g_calls.getsockname = system.getsockname;
  g_calls.sendto = system.sendto;
  g_calls.recvmmsg = system.recvmmsg;
  g_calls.close = system.close;
  g_calls.getifaddrs = system.getifaddrs;
  g_calls.freeifaddrs = system.freeifaddrs;
}

}  // namespace ro::detail::sys
