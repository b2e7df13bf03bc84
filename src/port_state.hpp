// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The queue behind ro::MessagePort handles.

#ifndef RO_SRC_PORT_STATE_HPP_
#define RO_SRC_PORT_STATE_HPP_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <asio/steady_timer.hpp>

#include <ro/message_port.hpp>

#include "mutex.hpp"

namespace ro::detail {

class PortState : public std::enable_shared_from_this<PortState> {
 public:
  PortState();
  ~PortState();
  PortState(const PortState&) = delete;
  PortState& operator=(const PortState&) = delete;

  /// Appends one event; false if the queue is full.
  bool Post(Message msg);

  /// Appends `count` events from `msgs` (moved from) under one lock with at
  /// most one wake-up. Returns how many were accepted: the queue takes a
  /// prefix, the rest is dropped (drop-newest).
  std::size_t PostBatch(Message* msgs, std::size_t count);

  Message Wait(int timeout_ms);
  /// Wait that runs `io` on the calling thread instead of sleeping.
  Message WaitRunning(int timeout_ms, asio::io_context& io);
  Message Get();
  Message Peek();

  void SetMaxLength(std::size_t max_events);
  std::size_t Length();
  PortStatistics Statistics();
  int Identity() const noexcept { return identity_; }

  int SetWatchdogTimeout(int seconds);
  void DeferWatchdog(int seconds);
  void DeferWatchdog();
  void SetWatchdogHandler(std::function<void()> handler);

 private:
  using Clock = std::chrono::steady_clock;

  // Returns how many of `count` fit.
  std::size_t Room(std::size_t count) const noexcept RO_REQUIRES(mutex_);
  Message PopLocked() RO_REQUIRES(mutex_);
  // Waits up to `timeout_ms` (0: forever) for a message and takes it.
  Message Sleep(int timeout_ms) RO_EXCLUDES(mutex_);
  // Interrupts the loops of threads in WaitRunning(); `waiting` was copied
  // under mutex_.
  static void WakeLoops(const std::vector<asio::io_context*>& waiting);
  void NoteActivity() noexcept;
  void ScheduleWatchdogLocked(Clock::time_point when) RO_REQUIRES(watchdog_mutex_);
  void OnWatchdogTimer(std::uint64_t generation);

  const int identity_;

  Mutex mutex_;
  std::condition_variable ready_;
  std::deque<Message> queue_ RO_GUARDED_BY(mutex_);
  std::size_t waiters_ RO_GUARDED_BY(mutex_) = 0;
  // Threads in WaitRunning().
  std::vector<asio::io_context*> loop_waiters_ RO_GUARDED_BY(mutex_);
  std::size_t max_length_ RO_GUARDED_BY(mutex_) = 0;
  std::uint64_t posted_ RO_GUARDED_BY(mutex_) = 0;
  std::uint64_t delivered_ RO_GUARDED_BY(mutex_) = 0;
  std::uint64_t dropped_ RO_GUARDED_BY(mutex_) = 0;
  std::size_t high_water_ RO_GUARDED_BY(mutex_) = 0;

  // Watchdog. The receive path never touches it; Get/Wait only record the
  // time of the last call when it is armed.
  std::atomic<bool> watchdog_armed_{false};
  std::atomic<Clock::rep> last_activity_{0};
  std::atomic<int> blocked_in_wait_{0};
  Mutex watchdog_mutex_;
  int watchdog_seconds_ RO_GUARDED_BY(watchdog_mutex_) = 0;
  Clock::time_point deferred_until_ RO_GUARDED_BY(watchdog_mutex_){};
  std::uint64_t watchdog_generation_ RO_GUARDED_BY(watchdog_mutex_) = 0;
  std::function<void()> watchdog_handler_ RO_GUARDED_BY(watchdog_mutex_);
  std::unique_ptr<asio::steady_timer> watchdog_timer_ RO_GUARDED_BY(watchdog_mutex_);
};

/// Lets library code reach the queue behind a public handle.
struct PortAccess {
  static const std::shared_ptr<PortState>& State(const MessagePort& port) noexcept {
    return port.state_;
  }
};

}  // namespace ro::detail

#endif  // RO_SRC_PORT_STATE_HPP_
