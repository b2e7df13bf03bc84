// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The process-wide reactor: one asio::io_context shared by every socket,
// hotplug monitor and port watchdog, and the library thread that runs it.
// The thread starts when the first object needs it and then lives for the
// rest of the process (an idle reactor sleeps in epoll_wait with no timers:
// zero wake-ups).
//
// Every thread that runs the io_context (the library thread, and threads
// waiting on a port that drive the loop themselves) does so through a
// Runner, so that fork() can bring them all to a stop outside any handler
// (see AtFork* in reactor.cpp and docs/architecture.md, "fork()").

#ifndef RO_SRC_REACTOR_HPP_
#define RO_SRC_REACTOR_HPP_

#include <atomic>
#include <condition_variable>
#include <optional>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "mutex.hpp"

namespace ro::detail {

class Reactor {
 public:
  /// The shared reactor. Its thread is not started yet.
  static Reactor& Instance();

  asio::io_context& Context() noexcept { return io_; }

  /// Starts the library thread if it is not running yet. Cheap after the
  /// first call.
  void EnsureRunning() RO_EXCLUDES(mutex_);

  /// True once the library thread has been started (in this process).
  bool Started() const noexcept { return started_.load(std::memory_order_acquire); }

  /// Marks the calling thread as running the io_context for its scope.
  /// The constructor waits while a fork() is being prepared.
  class Runner {
   public:
    explicit Runner(Reactor& reactor);
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

   private:
    Reactor& reactor_;
  };

  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

 private:
  Reactor();
  ~Reactor() = default;

  void StartThreadLocked() RO_REQUIRES(mutex_);
  void ThreadMain();
  void Enter() RO_EXCLUDES(mutex_);
  void Leave() RO_EXCLUDES(mutex_);

  static void AtForkPrepare();
  static void AtForkParent();
  static void AtForkChild();

  // Several threads may run the loop at once (the library thread and
  // waiting threads), so no concurrency hint of 1.
  asio::io_context io_;
  // Keeps the loop from running out of work, in every process.
  asio::executor_work_guard<asio::io_context::executor_type> work_;

  Mutex mutex_;
  std::atomic<bool> started_{false};
  // fork(): runners_ counts threads inside the loop; a prepared fork sets
  // fork_pending_ and waits (on gate_) until no thread is inside.
  std::atomic<int> runners_{0};
  std::atomic<bool> fork_pending_{false};
  std::condition_variable gate_;
};

}  // namespace ro::detail

#endif  // RO_SRC_REACTOR_HPP_
