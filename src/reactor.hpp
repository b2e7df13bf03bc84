// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The process-wide reactor: one asio::io_context shared by every socket,
// hotplug monitor and port watchdog, and the library thread that runs it.
// The thread starts when the first object needs it and then lives for the
// rest of the process (an idle reactor sleeps in epoll_wait with no timers:
// zero wake-ups).
//
// The loop has one driver at a time (docs/architecture.md, "Who runs the
// loop"): a thread blocked in ro::Wait on an empty port drives it itself
// when nobody else does, so a datagram it waits for wakes only that thread;
// the library thread drives while the application is away from Wait (busy)
// for longer than kTakeOver, and hands the loop back to the next thread that
// waits. Every thread that runs the loop does so through a Runner, so that
// fork() can bring them all to a stop outside any handler.

#ifndef RO_SRC_REACTOR_HPP_
#define RO_SRC_REACTOR_HPP_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <optional>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "mutex.hpp"

namespace ro::detail {

class PortState;

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

  /// How long the application may stay away from Wait, with nobody driving
  /// the loop, before the library thread drives it again.
  static constexpr std::chrono::microseconds kTakeOver{1000};
  /// While waiting threads keep driving, the library thread looks whether
  /// one has stopped every kTakeOver at first, then less and less often, at
  /// most this far apart: an application that stops waiting in the middle
  /// of a stream is read for again within about kLookMax + kTakeOver.
  static constexpr std::chrono::microseconds kLookMax{8000};
  /// An application that works at least this long after a blocking wait
  /// returned, before it waits on an empty port again, is busy: when its
  /// drive leaves events queued, the library thread takes the loop at once
  /// and reads while the application works through them (pipelining; one
  /// wake-up per batch), and it does not take the loop back from the
  /// library thread.
  static constexpr std::chrono::microseconds kBusy{50};
  /// One that took at least kBusyRun messages since that wait without
  /// blocking is judged per message instead: busy if it spent at least
  /// kBusyPerMessage on each plus 1 ns per kBusyBytesPerNanosecond bytes
  /// of them (PortState::Cost). It works through batches (a batch the
  /// library thread posts is 32 datagrams, which such an application may
  /// finish in less than kBusy), and the library thread's reads pay only
  /// when its work per message exceeds what handing a message to another
  /// CPU costs: a wake-up's share and the cache lines the message fills. A
  /// drain that only pops (~50 ns a message, or ~250 ns summing 1,200
  /// bytes) or an echo (one message per wait) is not busy: it reads
  /// fastest on its own thread.
  static constexpr unsigned kBusyRun = 8;
  static constexpr std::chrono::nanoseconds kBusyPerMessage{250};
  static constexpr std::size_t kBusyBytesPerNanosecond = 4;

  /// What a thread's waits returned since one last blocked (that one
  /// included), without blocking.
  struct Taken {
    unsigned messages = 0;
    std::size_t bytes = 0;  ///< their PortState::Cost
  };

  /// A thread about to block in a wait on `port` (whose queue is empty)
  /// asks to drive the loop. True: it drives, until DoneDriving(). False:
  /// another thread drives; the caller is registered as a sleeper (until
  /// DoneSleeping()) and `port` is offered the loop (PortState::OfferLoop)
  /// when it becomes free. The library thread, if it drives, is asked to
  /// stop after its current handler. `taken`: what the calling thread
  /// took since its last blocking wait returned.
  bool TryDrive(PortState* port, const Taken& taken) RO_EXCLUDES(mutex_);
  /// `backlog`: the driver leaves events queued on its port.
  void DoneDriving(bool backlog) RO_EXCLUDES(mutex_);
  /// `pass_offer`: the caller was offered the loop but returns a message
  /// instead; the next sleeper gets the offer.
  void DoneSleeping(PortState* port, bool pass_offer) RO_EXCLUDES(mutex_);

  /// True if the calling thread is running the loop now.
  static bool InLoop() noexcept;

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

  enum class Driver { kNone, kLibrary, kWaiter };
  using Clock = std::chrono::steady_clock;

  void StartThreadLocked() RO_REQUIRES(mutex_);
  void ThreadMain() RO_EXCLUDES(mutex_);
  // The library thread waits until it should drive.
  void ParkLocked(std::unique_lock<std::mutex>& lock) RO_REQUIRES(mutex_);
  void OfferLoopLocked() RO_REQUIRES(mutex_);
  void Enter() RO_EXCLUDES(mutex_);
  void Leave() RO_EXCLUDES(mutex_);

  static void AtForkPrepare();
  static void AtForkParent();
  static void AtForkChild();

  // One driver at a time: Asio's single-thread mode (no wake-up of another
  // thread after each handler).
  asio::io_context io_{1};
  // Keeps the loop from running out of work, in every process.
  asio::executor_work_guard<asio::io_context::executor_type> work_;

  Mutex mutex_;
  std::atomic<bool> started_{false};
  // fork(): runners_ counts threads inside the loop; a prepared fork sets
  // fork_pending_ and waits (on gate_) until no thread is inside.
  std::atomic<int> runners_{0};
  std::atomic<bool> fork_pending_{false};
  std::condition_variable gate_;

  // Who drives the loop. The library thread sleeps on park_ while it does
  // not; `epoch_` counts the drives of waiting threads, so that a library
  // thread that finds one drive still going sleeps without a timeout
  // (`deep_`: the driver wakes it when it stops).
  Driver driver_ RO_GUARDED_BY(mutex_) = Driver::kNone;
  std::uint64_t epoch_ RO_GUARDED_BY(mutex_) = 0;
  Clock::time_point last_drive_end_ RO_GUARDED_BY(mutex_){};
  bool deep_ RO_GUARDED_BY(mutex_) = false;
  // The application was busy (kBusy, kBusyRun) since a blocking wait last
  // returned (last_return_) before it waited on an empty port again.
  bool busy_ RO_GUARDED_BY(mutex_) = false;
  Clock::time_point last_return_ RO_GUARDED_BY(mutex_){};
  // A busy application left a backlog: the library thread drives now.
  bool hand_over_ RO_GUARDED_BY(mutex_) = false;
  std::condition_variable park_;
  // Set when a waiting thread wants the loop from the library thread.
  std::atomic<bool> yield_{false};
  // Threads blocked in a wait while another drives, by port.
  std::vector<PortState*> sleepers_ RO_GUARDED_BY(mutex_);
};

}  // namespace ro::detail

#endif  // RO_SRC_REACTOR_HPP_
