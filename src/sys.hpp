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

#include <atomic>

#include <ro/export.hpp>

namespace ro::detail::sys {

template <class Pointer>
class AtomicCall;

/// One entry of the table: a function pointer that a test may replace while
/// the reactor thread calls through it (an atomic load per call, a plain
/// load on x86).
template <class R, class... Args>
class AtomicCall<R (*)(Args...)> {
 public:
  using Pointer = R (*)(Args...);

  constexpr AtomicCall() noexcept : pointer_(nullptr) {}
  constexpr AtomicCall(Pointer p) noexcept : pointer_(p) {}  // NOLINT: implicit by design
  AtomicCall(const AtomicCall& other) noexcept : pointer_(other.Get()) {}
  AtomicCall& operator=(const AtomicCall& other) noexcept { return *this = other.Get(); }
  AtomicCall& operator=(Pointer p) noexcept {
    pointer_.store(p, std::memory_order_release);
    return *this;
  }
  ~AtomicCall() = default;

  R operator()(Args... args) const { return Get()(args...); }
  [[nodiscard]] Pointer Get() const noexcept { return pointer_.load(std::memory_order_acquire); }

 private:
  std::atomic<Pointer> pointer_;
};

/// The system calls the library makes on sockets. Tests replace entries
/// through Calls() and restore them with Reset().
struct SyscallTable {
  AtomicCall<int (*)(int domain, int type, int protocol)> socket;
  AtomicCall<int (*)(int fd, const sockaddr* addr, socklen_t len)> bind;
  AtomicCall<int (*)(int fd, int level, int name, const void* value, socklen_t len)> setsockopt;
  AtomicCall<int (*)(int fd, int level, int name, void* value, socklen_t* len)> getsockopt;
  AtomicCall<int (*)(int fd, sockaddr* addr, socklen_t* len)> getsockname;
  AtomicCall<ssize_t (*)(int fd, const void* buf, size_t len, int flags, const sockaddr* addr,
                         socklen_t addr_len)>
      sendto;
  AtomicCall<int (*)(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout)>
      recvmmsg;
  AtomicCall<int (*)(int fd)> close;
  AtomicCall<int (*)(ifaddrs** list)> getifaddrs;
  AtomicCall<void (*)(ifaddrs* list)> freeifaddrs;
};

/// The table in use (testing seam; not part of the public API).
RO_API SyscallTable& Calls() noexcept;

/// Restores the real system calls.
RO_API void Reset() noexcept;

}  // namespace ro::detail::sys

#endif  // RO_SRC_SYS_HPP_
