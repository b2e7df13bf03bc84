// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The one place where the library calls the operating system for sockets.
// Every call goes through a table of function pointers so that tests can
// inject rare errors (EINTR, ENOBUFS, EMSGSIZE, ...) deterministically, the
// way {fmt} routes its OS layer through FMT_SYSTEM.

#ifndef RO_SRC_SYS_HPP_
#define RO_SRC_SYS_HPP_

#include <ifaddrs.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <ro/export.hpp>

namespace ro::detail::sys {

/// The system calls the library makes on sockets. Tests replace entries
/// through Calls() and restore them with Reset(); never while sockets are in
/// use from other threads.
struct SyscallTable {
  int (*socket)(int domain, int type, int protocol);
  int (*bind)(int fd, const sockaddr* addr, socklen_t len);
  int (*setsockopt)(int fd, int level, int name, const void* value, socklen_t len);
  int (*getsockopt)(int fd, int level, int name, void* value, socklen_t* len);
  int (*getsockname)(int fd, sockaddr* addr, socklen_t* len);
  ssize_t (*sendto)(int fd, const void* buf, size_t len, int flags, const sockaddr* addr,
                    socklen_t addr_len);
  int (*recvmmsg)(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout);
  int (*close)(int fd);
  int (*getifaddrs)(ifaddrs** list);
  void (*freeifaddrs)(ifaddrs* list);
};

/// The table in use (testing seam; not part of the public API).
RO_API SyscallTable& Calls() noexcept;

/// Restores the real system calls.
RO_API void Reset() noexcept;

}  // namespace ro::detail::sys

#endif  // RO_SRC_SYS_HPP_
