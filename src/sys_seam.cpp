// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The system calls of sys.hpp for test and fuzz builds: each goes through
// a table that tests patch (see tests/fault_injection_test.cpp). Linked into
// rodatagram_seam only; never installed.

#if !defined(RO_SYSCALL_SEAM)
#  error "sys_seam.cpp is built with RO_SYSCALL_SEAM defined (the rodatagram_seam target)"
#endif

#include <unistd.h>

#include "sys.hpp"

namespace ro::detail::sys {
namespace {

// A prvalue, so that g_calls below is constant-initialized (no static
// initialization order question for code that runs before main).
constexpr SyscallTable SystemCalls() {
  return {::socket, ::bind,    ::setsockopt, ::getsockopt, ::getsockname,
          ::sendto, ::sendmsg, ::send,       ::recv,       SystemRecvmmsg,
          ::close,  ::poll,    ::getifaddrs, ::freeifaddrs};
}

SyscallTable g_calls = SystemCalls();

}  // namespace

SyscallTable& Calls() noexcept { return g_calls; }

void Reset() noexcept {
  const SyscallTable system = SystemCalls();
  g_calls = system;
}

int socket(int domain, int type, int protocol) { return g_calls.socket(domain, type, protocol); }
int bind(int fd, const sockaddr* addr, socklen_t len) { return g_calls.bind(fd, addr, len); }
int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  return g_calls.setsockopt(fd, level, name, value, len);
}
int getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  return g_calls.getsockopt(fd, level, name, value, len);
}
int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  return g_calls.getsockname(fd, addr, len);
}
ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr,
               socklen_t addr_len) {
  return g_calls.sendto(fd, buf, len, flags, addr, addr_len);
}
ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  return g_calls.sendmsg(fd, message, flags);
}
ssize_t send(int fd, const void* buf, size_t len, int flags) {
  return g_calls.send(fd, buf, len, flags);
}
ssize_t recv(int fd, void* buf, size_t len, int flags) { return g_calls.recv(fd, buf, len, flags); }
int recvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout) {
  return g_calls.recvmmsg(fd, msgs, vlen, flags, timeout);
}
int close(int fd) { return g_calls.close(fd); }
int poll(pollfd* fds, nfds_t count, int timeout_ms) { return g_calls.poll(fds, count, timeout_ms); }
int getifaddrs(ifaddrs** list) { return g_calls.getifaddrs(list); }
void freeifaddrs(ifaddrs* list) { g_calls.freeifaddrs(list); }

}  // namespace ro::detail::sys
