// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The process-wide reactor: one asio::io_context and one thread that runs
// it, shared by every socket, hotplug monitor and port watchdog. It starts
// when the first object needs it and then lives for the rest of the process
// (an idle reactor sleeps in epoll_wait with no timers: zero wake-ups).

#ifndef RO_SRC_REACTOR_HPP_
#define RO_SRC_REACTOR_HPP_

#include <asio/io_context.hpp>

namespace ro::detail {

class Reactor {
 public:
  /// The shared reactor. Its thread is not started yet.
  static Reactor& Instance();

  asio::io_context& Context() noexcept { return io_; }

  /// Starts the reactor thread if it is not running yet. Cheap after the
  /// first call.
  void EnsureRunning();

  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

 private:
  Reactor() = default;
  ~Reactor() = default;

  asio::io_context io_{1};
};

}  // namespace ro::detail

#endif  // RO_SRC_REACTOR_HPP_
