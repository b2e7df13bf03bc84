// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Waiting for a socket to become readable on an io_context without an
// epoll_ctl per wait.
//
// Asio registers every descriptor once, edge-triggered. Its public
// async_wait is not speculative, so each wait re-arms the descriptor with
// epoll_ctl(EPOLL_CTL_MOD): 0.7 us of the ~11 us loopback round trip here
// (docs/architecture.md, "Waiting without re-arming"). A drain already reads
// until the socket is empty, which is what an edge-triggered registration
// needs, so the re-arm buys nothing. This watch waits with a read operation
// whose perform step reports "done and exhausted": the reactor then queues
// the next wait without touching epoll, and an edge that arrives between
// the drain and the next wait marks the descriptor speculative again, so
// that wait completes at once. This is the reactor's own rule for stream
// reads (asio/detail/impl/epoll_reactor.ipp, start_op and perform_io).
//
// It uses Asio's reactor interface (asio::detail), which the public API
// does not offer; the version is checked at compile time.

#ifndef RO_SRC_READINESS_WATCH_HPP_
#define RO_SRC_READINESS_WATCH_HPP_

#include <memory>
#include <system_error>

#include <asio/detail/epoll_reactor.hpp>
#include <asio/detail/reactor_op.hpp>
#include <asio/io_context.hpp>
#include <asio/version.hpp>

// Checked against the epoll reactor of Asio 1.22 (Debian 12's libasio-dev,
// the project's fixed stack); another Asio is to be checked against the
// rule above (the reactor interface is internal and changes between
// releases) before it is let in.
static_assert(ASIO_VERSION / 100 == 1022,
              "readiness_watch.hpp was checked against Asio 1.22 only: see its comment");

namespace ro::detail {

class ReadinessWatch {
 public:
  /// Called on the loop when the descriptor is readable, or with
  /// operation_aborted once the watch is released while a wait is pending.
  using Callback = void (*)(void* target, const std::error_code& ec);

  explicit ReadinessWatch(asio::io_context& io);
  ~ReadinessWatch();
  ReadinessWatch(const ReadinessWatch&) = delete;
  ReadinessWatch& operator=(const ReadinessWatch&) = delete;

  /// Registers `fd` with the loop (once). Returns 0 or -errno.
  int Watch(int fd);

  /// Waits once: `callback(target, ec)` runs on the loop when the
  /// descriptor has data. `keep_alive` owns `target` and is held until the
  /// callback has run (or the loop is destroyed). One wait at a time.
  void AsyncWait(std::shared_ptr<void> keep_alive, void* target, Callback callback);

  /// The watched descriptor, or -1.
  [[nodiscard]] int Fd() const noexcept { return fd_; }

  /// Stops watching; a pending wait completes with operation_aborted. The
  /// descriptor stays open (the caller owns it).
  void Release();

 private:
  class WaitOp : public asio::detail::reactor_op {
   public:
    WaitOp();
    std::shared_ptr<void> keep_alive;
    void* target = nullptr;
    Callback callback = nullptr;

   private:
    static status Perform(asio::detail::reactor_op* op);
    static void Complete(void* owner, asio::detail::operation* base, const std::error_code& ec,
                         std::size_t bytes);
  };

  asio::detail::epoll_reactor& reactor_;
  asio::detail::epoll_reactor::per_descriptor_data data_ = nullptr;
  int fd_ = -1;
  // One wait at a time, so one operation, reused: no allocation per wait.
  WaitOp op_;
};

}  // namespace ro::detail

#endif  // RO_SRC_READINESS_WATCH_HPP_
