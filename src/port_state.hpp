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
#include "read_ahead.hpp"

namespace ro::detail {

class Reactor;

class PortState : public std::enable_shared_from_this<PortState> {
 public:
  PortState();
  ~PortState();
  PortState(const PortState&) = delete;
  PortState& operator=(const PortState&) = delete;

  /// What an event is charged against the memory budget: its payload plus
  /// what an event costs around it (the event, its share of its batch's
  /// block and of the queue).
  static constexpr std::size_t kEventOverhead = 128;
  /// The default budget: far above what a player's queue holds in normal
  /// use (a second of 64-byte datagrams at 100,000/s is ~19 MiB), low
  /// enough that a flood nobody reads cannot exhaust a player's memory.
  static constexpr std::size_t kDefaultMaxBytes = std::size_t{64} << 20;

  static std::size_t Cost(const Message& msg) noexcept;

  /// Appends one event; false if the queue is full.
  bool Post(Message msg);

  /// Appends `count` events from `msgs` (moved from) under one lock with at
  /// most one wake-up. Returns how many were accepted: the queue takes a
  /// prefix, the rest is dropped (drop-newest). `source`, if given, is the
  /// socket the events came from: the port's next waiter reads ahead from it.
  std::size_t PostBatch(Message* msgs, std::size_t count, ReadAheadSource* source = nullptr);

  /// Waits for a message; 0 waits forever, negative not at all. With the
  /// library's loop started, the waiting thread drives that loop itself
  /// when nobody else does (Reactor::TryDrive).
  Message Wait(int timeout_ms);
  /// The loop is free: one thread sleeping in Wait() on this port should
  /// drive it (called by the Reactor, with its lock held).
  void OfferLoop() RO_EXCLUDES(mutex_);
  /// Wait that runs `io` on the calling thread instead of sleeping.
  Message WaitRunning(int timeout_ms, asio::io_context& io);
  Message Get();
  Message Peek();

  void SetMaxLength(std::size_t max_events);
  /// Returns the previous budget.
  std::size_t SetMaxBytes(std::size_t max_bytes);
  std::size_t Length();
  PortStatistics Statistics();
  int Identity() const noexcept { return identity_; }

  int SetWatchdogTimeout(int seconds);
  void DeferWatchdog(int seconds);
  void DeferWatchdog();
  void SetWatchdogHandler(std::function<void()> handler);

  /// A socket on an application's io_context `io` posts to this port from
  /// now on (Add) or no longer (Remove; called while `io` is still alive).
  /// The watchdog's timer runs on the first such loop, so that a port served
  /// only by the application's loop never starts the library's thread.
  void AddServingLoop(asio::io_context& io) RO_EXCLUDES(watchdog_mutex_);
  void RemoveServingLoop(asio::io_context& io) RO_EXCLUDES(watchdog_mutex_);

 private:
  using Clock = std::chrono::steady_clock;

  // True if one more event of `cost` fits both bounds.
  bool FitsLocked(std::size_t cost) const noexcept RO_REQUIRES(mutex_);
  void AppendLocked(Message msg, std::size_t cost) RO_REQUIRES(mutex_);
  Message PopLocked() RO_REQUIRES(mutex_);
  // The oldest message, or null if the queue is empty.
  Message TryPop() RO_EXCLUDES(mutex_);
  // Waits up to `timeout_ms` (0: forever) for a message and takes it.
  Message Sleep(int timeout_ms) RO_EXCLUDES(mutex_);
  Message WaitDriving(int timeout_ms, Reactor& reactor) RO_EXCLUDES(mutex_);
  // Runs the library's loop on this thread until a message or the deadline.
  // `backlog`: events are still queued after the one returned.
  Message Drive(Reactor& reactor, bool forever, Clock::time_point deadline, bool& backlog)
      RO_EXCLUDES(mutex_);
  // Sleeps until a message, an offer of the loop, or the deadline. True if
  // the loop was offered and there is no message; `unused_offer`: it was
  // offered, but a message came too.
  bool SleepForLoop(bool forever, Clock::time_point deadline, bool& unused_offer)
      RO_EXCLUDES(mutex_);
  // Interrupts the loops of threads in WaitRunning() and Drive().
  void WakeLoopsLocked() RO_REQUIRES(mutex_);
  // Before the waiting thread runs `io` (which may sleep in epoll_wait):
  // reads ahead from the socket that last delivered here. True if that
  // posted anything.
  bool ReadAhead(const asio::io_context& io) RO_EXCLUDES(mutex_);
  void NoteActivity() noexcept;
  void EraseLoopWaiterLocked(asio::io_context& io) RO_REQUIRES(mutex_);
  void ScheduleWatchdogLocked(Clock::time_point when) RO_REQUIRES(watchdog_mutex_);
  void OnWatchdogTimer(std::uint64_t generation);

  const int identity_;

  Mutex mutex_;
  std::condition_variable ready_;
  std::deque<Message> queue_ RO_GUARDED_BY(mutex_);
  std::size_t waiters_ RO_GUARDED_BY(mutex_) = 0;
  bool loop_offered_ RO_GUARDED_BY(mutex_) = false;
  // Threads in WaitRunning().
  std::vector<asio::io_context*> loop_waiters_ RO_GUARDED_BY(mutex_);
  std::size_t max_length_ RO_GUARDED_BY(mutex_) = 0;
  std::size_t max_bytes_ RO_GUARDED_BY(mutex_) = kDefaultMaxBytes;
  std::size_t queued_bytes_ RO_GUARDED_BY(mutex_) = 0;
  std::uint64_t posted_ RO_GUARDED_BY(mutex_) = 0;
  std::uint64_t delivered_ RO_GUARDED_BY(mutex_) = 0;
  std::uint64_t dropped_ RO_GUARDED_BY(mutex_) = 0;
  std::size_t high_water_ RO_GUARDED_BY(mutex_) = 0;
  // The socket that last delivered here, and how many reads ahead have
  // found something in a row (see ReadAhead). Null after one found nothing.
  ReadAheadSource* read_ahead_raw_ RO_GUARDED_BY(mutex_) = nullptr;
  std::weak_ptr<ReadAheadSource> read_ahead_ RO_GUARDED_BY(mutex_);
  unsigned read_ahead_run_ RO_GUARDED_BY(mutex_) = 0;

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
  asio::io_context* timer_loop_ RO_GUARDED_BY(watchdog_mutex_) = nullptr;  // watchdog_timer_'s
  std::vector<asio::io_context*> serving_loops_ RO_GUARDED_BY(watchdog_mutex_);
};

/// Lets library code reach the queue behind a public handle.
struct PortAccess {
  static const std::shared_ptr<PortState>& State(const MessagePort& port) noexcept {
    return port.state_;
  }
};

}  // namespace ro::detail

#endif  // RO_SRC_PORT_STATE_HPP_
