// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Every system call the library makes on a socket (UDP and rtnetlink) goes
// through these functions. The installed library defines them in sys.cpp as
// plain calls to the OS. Test and fuzz builds link sys_seam.cpp instead,
// where each goes through a table that a test may patch to inject rare
// errors (EINTR, ENOBUFS, EMSGSIZE, ...) deterministically, the way {fmt}
// routes its OS layer through FMT_SYSTEM. The table is declared only when
// RO_SYSCALL_SEAM is defined, so it can never reach the shipped interface.

#ifndef RO_SRC_SYS_HPP_
#define RO_SRC_SYS_HPP_

#include <ifaddrs.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#if defined(RO_SYSCALL_SEAM)
#  include <atomic>
#endif

namespace ro::detail::sys {

int socket(int domain, int type, int protocol);
int bind(int fd, const sockaddr* addr, socklen_t len);
int setsockopt(int fd, int level, int name, const void* value, socklen_t len);
int getsockopt(int fd, int level, int name, void* value, socklen_t* len);
int getsockname(int fd, sockaddr* addr, socklen_t* len);
ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr,
               socklen_t addr_len);
ssize_t sendmsg(int fd, const msghdr* message, int flags);
ssize_t send(int fd, const void* buf, size_t len, int flags);
ssize_t recv(int fd, void* buf, size_t len, int flags);
int recvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout);
int close(int fd);
int poll(pollfd* fds, nfds_t count, int timeout_ms);
int getifaddrs(ifaddrs** list);
void freeifaddrs(ifaddrs* list);

/// The kernel's recvmmsg, except that a call for one datagram is made as
/// recvmsg: the same result (msg_len set; -1 and errno on failure) for
/// ~100 ns less per call (measured here: a read ahead of an echo asks for
/// one datagram per round trip).
inline int SystemRecvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout) {
  if (vlen != 1 || timeout != nullptr) return ::recvmmsg(fd, msgs, vlen, flags, timeout);
  const ssize_t got = ::recvmsg(fd, &msgs[0].msg_hdr, flags & ~MSG_WAITFORONE);
  if (got < 0) return -1;
  msgs[0].msg_len = static_cast<unsigned int>(got);
  return 1;
}

#if defined(RO_SYSCALL_SEAM)

template <class Pointer>
class AtomicCall;

/// One entry of the table: a function pointer that a test may replace while
/// the reactor thread calls through it.
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

/// The patchable table (test and fuzz builds only).
struct SyscallTable {
  AtomicCall<int (*)(int, int, int)> socket;
  AtomicCall<int (*)(int, const sockaddr*, socklen_t)> bind;
  AtomicCall<int (*)(int, int, int, const void*, socklen_t)> setsockopt;
  AtomicCall<int (*)(int, int, int, void*, socklen_t*)> getsockopt;
  AtomicCall<int (*)(int, sockaddr*, socklen_t*)> getsockname;
  AtomicCall<ssize_t (*)(int, const void*, size_t, int, const sockaddr*, socklen_t)> sendto;
  AtomicCall<ssize_t (*)(int, const msghdr*, int)> sendmsg;
  AtomicCall<ssize_t (*)(int, const void*, size_t, int)> send;
  AtomicCall<ssize_t (*)(int, void*, size_t, int)> recv;
  AtomicCall<int (*)(int, mmsghdr*, unsigned int, int, timespec*)> recvmmsg;
  AtomicCall<int (*)(int)> close;
  AtomicCall<int (*)(pollfd*, nfds_t, int)> poll;
  AtomicCall<int (*)(ifaddrs**)> getifaddrs;
  AtomicCall<void (*)(ifaddrs*)> freeifaddrs;
};

/// The table in use. Tests replace entries and restore them with Reset().
SyscallTable& Calls() noexcept;

/// Restores the real system calls.
void Reset() noexcept;

#endif  // RO_SYSCALL_SEAM

}  // namespace ro::detail::sys

#endif  // RO_SRC_SYS_HPP_
