// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The system calls of sys.hpp as the installed library makes them: straight
// to the OS. (Test builds link sys_seam.cpp instead.)

#include "sys.hpp"

#include <unistd.h>

namespace ro::detail::sys {

int socket(int domain, int type, int protocol) { return ::socket(domain, type, protocol); }
int bind(int fd, const sockaddr* addr, socklen_t len) { return ::bind(fd, addr, len); }
int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  return ::setsockopt(fd, level, name, value, len);
}
int getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  return ::getsockopt(fd, level, name, value, len);
}
int getsockname(int fd, sockaddr* addr, socklen_t* len) { return ::getsockname(fd, addr, len); }
ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr,
               socklen_t addr_len) {
  return ::sendto(fd, buf, len, flags, addr, addr_len);
}
ssize_t sendmsg(int fd, const msghdr* message, int flags) { return ::sendmsg(fd, message, flags); }
ssize_t send(int fd, const void* buf, size_t len, int flags) { return ::send(fd, buf, len, flags); }
ssize_t recv(int fd, void* buf, size_t len, int flags) { return ::recv(fd, buf, len, flags); }
int recvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout) {
  return SystemRecvmmsg(fd, msgs, vlen, flags, timeout);
}
int close(int fd) { return ::close(fd); }
int poll(pollfd* fds, nfds_t count, int timeout_ms) { return ::poll(fds, count, timeout_ms); }
int getifaddrs(ifaddrs** list) { return ::getifaddrs(list); }
void freeifaddrs(ifaddrs* list) { ::freeifaddrs(list); }

}  // namespace ro::detail::sys
