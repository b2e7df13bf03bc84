// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <algorithm>
#include <cstdlib>
#include <utility>

#include <asio/post.hpp>
#include <fmt/core.h>

#include <ro/asio.hpp>
#include <ro/datagram_event.hpp>
#include <ro/message_port.hpp>

#include "datagram_cast.hpp"
#include "object_core.hpp"
#include "port_state.hpp"
#include "reactor.hpp"

namespace ro {
namespace detail {

PortState::PortState() : identity_(NextIdentity()) {}

PortState::~PortState() = default;

std::size_t PortState::Cost(const Message& msg) noexcept {
  const DatagramEvent* datagram = AsDatagram(*msg);
  return kEventOverhead + (datagram != nullptr ? datagram->GetPayloadSize() : 0);
}

bool PortState::FitsLocked(std::size_t cost) const noexcept {
  if (max_length_ != 0 && queue_.size() >= max_length_) return false;
  return max_bytes_ == 0 || queued_bytes_ + cost <= max_bytes_;
}

void PortState::AppendLocked(Message msg, std::size_t cost) {
  queue_.push_back(std::move(msg));
  queued_bytes_ += cost;
  ++posted_;
  high_water_ = std::max(high_water_, queue_.size());
}

bool PortState::Post(Message msg) {
  if (!msg) return false;
  const std::size_t cost = Cost(msg);
  bool wake = false;
  {
    MutexLock lock(mutex_);
    if (!FitsLocked(cost)) {
      ++dropped_;
      return false;
    }
    AppendLocked(std::move(msg), cost);
    wake = waiters_ > 0;
    WakeLoopsLocked();
  }
  // Notify outside the lock so the woken waiter does not block on it again.
  if (wake) ready_.notify_one();
  return true;
}

std::size_t PortState::PostBatch(Message* msgs, std::size_t count, ReadAheadSource* source) {
  std::size_t accepted = 0;
  std::size_t waiters = 0;
  std::size_t total = 0;  // charged outside the lock
  for (std::size_t i = 0; i < count; ++i) total += Cost(msgs[i]);
  {
    MutexLock lock(mutex_);
    if (max_length_ == 0 && (max_bytes_ == 0 || queued_bytes_ + total <= max_bytes_)) {
      // The whole batch fits: append it with the counters updated once.
      for (std::size_t i = 0; i < count; ++i) queue_.push_back(std::move(msgs[i]));
      accepted = count;
      queued_bytes_ += total;
      posted_ += count;
      high_water_ = std::max(high_water_, queue_.size());
    } else {
      // Drop-newest: the queue takes a prefix of the batch.
      for (; accepted < count; ++accepted) {
        const std::size_t cost = Cost(msgs[accepted]);
        if (!FitsLocked(cost)) break;
        AppendLocked(std::move(msgs[accepted]), cost);
      }
    }
    dropped_ += count - accepted;
    waiters = waiters_;
    if (accepted > 0) WakeLoopsLocked();
    // A weak reference is taken only when the source changes, not per batch.
    if (source != nullptr && accepted > 0 && source != read_ahead_raw_) {
      read_ahead_raw_ = source;
      read_ahead_ = source->WeakSource();
      read_ahead_run_ = 0;
    }
  }
  // One wake-up per batch, and none at all when nobody sleeps.
  if (accepted > 0 && waiters > 0) {
    if (accepted > 1 && waiters > 1) {
      ready_.notify_all();
    } else {
      ready_.notify_one();
    }
  }
  return accepted;
}

namespace {

// The loop whose waiter is reading ahead on this thread (ReadAhead): it
// looks at its queue right after, so a post from the read needs no wake-up.
thread_local const asio::io_context* t_reading_ahead_for = nullptr;

// How many reads ahead may find something in a row before the waiter runs
// its loop once anyway: the loop's timers, posts and other sockets never
// wait longer than this many messages.
constexpr unsigned kReadAheadRun = 16;

// What this thread's waits returned since one last blocked (that one
// included): how the reactor tells a thread working through batches from a
// drain or an echo (Reactor::TryDrive).
thread_local Reactor::Taken t_taken;

}  // namespace

void PortState::WakeLoopsLocked() {
  // Posted with mutex_ held: a waiter unregisters its loop under mutex_
  // before it returns, so every loop listed here is still alive (posting
  // after unlocking raced with a waiter destroying its io_context).
  for (asio::io_context* io : loop_waiters_) {
    // A post from a handler that runs inside that very loop (or from a read
    // ahead of it) needs no wake-up: the loop returns to the waiter as soon
    // as the handler is done.
    if (io != t_reading_ahead_for && !io->get_executor().running_in_this_thread()) {
      asio::post(*io, [] {});
    }
  }
}

// Player scripts answer what they receive and wait again: by the time the
// answer is sent the peer has often replied. Asio would find that reply by
// epoll_wait (the edge it left) and then read; reading first, without
// epoll, saves that system call and the reactor's dispatch. It is only an
// extra read: the socket's wait stays queued on the loop, so whatever it
// leaves is still drained at the next edge, and a read that finds nothing
// stops reading ahead until the socket delivers from the loop again.
bool PortState::ReadAhead(const asio::io_context& io) {
  ReadAheadSource* raw = nullptr;
  std::shared_ptr<ReadAheadSource> source;
  {
    MutexLock lock(mutex_);
    raw = read_ahead_raw_;
    if (raw == nullptr) return false;
    if (++read_ahead_run_ > kReadAheadRun) {
      read_ahead_run_ = 0;
      return false;
    }
    source = read_ahead_.lock();
  }
  if (source) {
    t_reading_ahead_for = &io;
    const bool posted = source->ReadAhead(*this);
    t_reading_ahead_for = nullptr;
    if (posted) return true;
  }
  MutexLock lock(mutex_);
  if (read_ahead_raw_ == raw) {
    read_ahead_raw_ = nullptr;
    read_ahead_.reset();
    read_ahead_run_ = 0;
  }
  return false;
}

Message PortState::PopLocked() {
  Message msg = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= Cost(msg);
  ++delivered_;
  return msg;
}

Message PortState::TryPop() {
  MutexLock lock(mutex_);
  if (queue_.empty()) return nullptr;
  // Built in the caller's result: moved through a temporary, the message
  // would be stored and reloaded in halves (a store-forwarding stall).
  return PopLocked();
}

Message PortState::Wait(int timeout_ms) {
  NoteActivity();
  // The common case while datagrams arrive: one lock, no clock.
  Message msg = TryPop();
  if (!msg && timeout_ms >= 0) {
    Reactor& reactor = Reactor::Instance();
    // Without the library's loop there is nothing to drive (sockets on the
    // application's own io_context, PostMessage only); a handler that waits
    // (nested in the loop) sleeps rather than drive it again.
    msg = reactor.Started() && !Reactor::InLoop() ? WaitDriving(timeout_ms, reactor)
                                                  : Sleep(timeout_ms);
    t_taken = {};
  }
  if (msg) {
    ++t_taken.messages;
    // PopLocked() computed this too; passing it out through every pop path
    // measured no faster (micro_user_path, 41.5-42.0 ns either way).
    t_taken.bytes += Cost(msg);
  }
  NoteActivity();
  return msg;
}

void PortState::OfferLoop() {
  {
    MutexLock lock(mutex_);
    loop_offered_ = true;
  }
  ready_.notify_all();
}

Message PortState::WaitDriving(int timeout_ms, Reactor& reactor) {
  const bool forever = timeout_ms == 0;
  // wait(0, port) reads no clock.
  const Clock::time_point deadline =
      forever ? Clock::time_point::max() : Clock::now() + std::chrono::milliseconds(timeout_ms);
  // No look at the queue here: Wait() has just looked, Drive() looks again
  // under the lock it registers with, and SleepForLoop() wakes for it.
  for (;;) {
    if (!forever && Clock::now() >= deadline) return nullptr;
    if (reactor.TryDrive(this, t_taken)) {
      struct Done {
        Reactor& reactor;
        bool backlog = false;
        ~Done() { reactor.DoneDriving(backlog); }
      } done{reactor};
      return Drive(reactor, forever, deadline, done.backlog);
    }
    bool unused_offer = false;
    const bool offered = SleepForLoop(forever, deadline, unused_offer);
    reactor.DoneSleeping(this, unused_offer);
    if (!offered) return Get();
  }
}

void PortState::EraseLoopWaiterLocked(asio::io_context& io) {
  loop_waiters_.erase(std::find(loop_waiters_.begin(), loop_waiters_.end(), &io));
}

Message PortState::Drive(Reactor& reactor, bool forever, Clock::time_point deadline,
                         bool& backlog) {
  asio::io_context& io = reactor.Context();
  {
    MutexLock lock(mutex_);
    if (!queue_.empty()) return PopLocked();
    // A post from another thread interrupts the loop (WakeLoopsLocked); one
    // from a handler this thread runs needs no wake-up.
    loop_waiters_.push_back(&io);
  }
  blocked_in_wait_.fetch_add(1, std::memory_order_relaxed);
  struct Unregister {
    PortState& port;
    asio::io_context& io;
    bool done = false;  // unregistered with the pop, under the same lock
    ~Unregister() {
      port.blocked_in_wait_.fetch_sub(1, std::memory_order_relaxed);
      if (done) return;
      MutexLock lock(port.mutex_);
      port.EraseLoopWaiterLocked(io);
    }
  } unregister{*this, io};
  for (;;) {
    {
      Reactor::Runner runner(reactor);
      if (ReadAhead(io)) {
        // Read without the loop; the queue is looked at below.
      } else if (forever) {
        io.run_one();
      } else {
        io.run_one_until(deadline);
      }
    }
    {
      MutexLock lock(mutex_);
      if (!queue_.empty()) {
        Message msg = PopLocked();
        backlog = !queue_.empty();
        EraseLoopWaiterLocked(io);
        unregister.done = true;
        return msg;
      }
    }
    if (!forever && Clock::now() >= deadline) return nullptr;
  }
}

bool PortState::SleepForLoop(bool forever, Clock::time_point deadline, bool& unused_offer) {
  WaitLock lock(mutex_);
  // wait() re-takes mutex_ before it calls this.
  const auto woken = [this]()
                         RO_NO_THREAD_SAFETY_ANALYSIS { return !queue_.empty() || loop_offered_; };
  ++waiters_;
  blocked_in_wait_.fetch_add(1, std::memory_order_relaxed);
  if (forever) {
    ready_.wait(lock.Native(), woken);
  } else {
    ready_.wait_until(lock.Native(), deadline, woken);
  }
  blocked_in_wait_.fetch_sub(1, std::memory_order_relaxed);
  --waiters_;
  const bool offered = loop_offered_;
  loop_offered_ = false;
  // With a message to return, the offer goes on to another sleeper.
  unused_offer = offered && !queue_.empty();
  return offered && queue_.empty();
}

Message PortState::Sleep(int timeout_ms) {
  WaitLock lock(mutex_);
  if (queue_.empty() && timeout_ms >= 0) {
    // wait() re-takes mutex_ before it calls this.
    const auto has_message = [this]() RO_NO_THREAD_SAFETY_ANALYSIS { return !queue_.empty(); };
    ++waiters_;
    blocked_in_wait_.fetch_add(1, std::memory_order_relaxed);
    if (timeout_ms == 0) {
      ready_.wait(lock.Native(), has_message);
    } else {
      ready_.wait_for(lock.Native(), std::chrono::milliseconds(timeout_ms), has_message);
    }
    blocked_in_wait_.fetch_sub(1, std::memory_order_relaxed);
    --waiters_;
  }
  return queue_.empty() ? nullptr : PopLocked();
}

Message PortState::WaitRunning(int timeout_ms, asio::io_context& io) {
  // The common case while datagrams arrive: no clock (a read costs ~20 ns
  // in a VM).
  if (Message msg = Get(); msg || timeout_ms < 0) return msg;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    {
      MutexLock lock(mutex_);
      if (!queue_.empty()) break;
      loop_waiters_.push_back(&io);
    }
    blocked_in_wait_.fetch_add(1, std::memory_order_relaxed);
    const std::size_t ran = ReadAhead(io)     ? 1
                            : timeout_ms == 0 ? io.run_one()
                                              : io.run_one_until(deadline);
    blocked_in_wait_.fetch_sub(1, std::memory_order_relaxed);
    {
      MutexLock lock(mutex_);
      EraseLoopWaiterLocked(io);
      if (!queue_.empty()) break;
    }
    if (ran == 0 && io.stopped()) {
      // Nothing left to drive (no work, or the application stopped it).
      if (timeout_ms == 0) return Wait(0);
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      return left > 0 ? Wait(static_cast<int>(left)) : Get();
    }
    if (timeout_ms != 0 && Clock::now() >= deadline) break;
  }
  return Get();
}

Message PortState::Get() {
  NoteActivity();
  return TryPop();
}

Message PortState::Peek() {
  MutexLock lock(mutex_);
  return queue_.empty() ? nullptr : queue_.front();
}

void PortState::SetMaxLength(std::size_t max_events) {
  MutexLock lock(mutex_);
  max_length_ = max_events;
}

std::size_t PortState::SetMaxBytes(std::size_t max_bytes) {
  MutexLock lock(mutex_);
  return std::exchange(max_bytes_, max_bytes);
}

std::size_t PortState::Length() {
  MutexLock lock(mutex_);
  return queue_.size();
}

PortStatistics PortState::Statistics() {
  MutexLock lock(mutex_);
  PortStatistics stats;
  stats.posted = posted_;
  stats.delivered = delivered_;
  stats.dropped = dropped_;
  stats.queued = queue_.size();
  stats.queued_bytes = queued_bytes_;
  stats.high_water = high_water_;
  return stats;
}

void PortState::NoteActivity() noexcept {
  if (watchdog_armed_.load(std::memory_order_relaxed)) {
    last_activity_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
}

int PortState::SetWatchdogTimeout(int seconds) {
  seconds = std::max(seconds, 0);
  MutexLock lock(watchdog_mutex_);
  const int previous = watchdog_seconds_;
  watchdog_seconds_ = seconds;
  ++watchdog_generation_;
  if (seconds > 0) {
    const auto now = Clock::now();
    last_activity_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    deferred_until_ = {};
    watchdog_armed_.store(true, std::memory_order_relaxed);
    ScheduleWatchdogLocked(now + std::chrono::seconds(seconds));
  } else {
    watchdog_armed_.store(false, std::memory_order_relaxed);
    if (watchdog_timer_) watchdog_timer_->cancel();
  }
  return previous;
}

void PortState::DeferWatchdog(int seconds) {
  MutexLock lock(watchdog_mutex_);
  if (watchdog_seconds_ == 0) return;
  deferred_until_ =
      std::max(deferred_until_, Clock::now() + std::chrono::seconds(std::max(seconds, 0)));
}

void PortState::DeferWatchdog() {
  MutexLock lock(watchdog_mutex_);
  if (watchdog_seconds_ == 0) return;
  deferred_until_ =
      std::max(deferred_until_, Clock::now() + std::chrono::seconds(watchdog_seconds_));
}

void PortState::SetWatchdogHandler(std::function<void()> handler) {
  MutexLock lock(watchdog_mutex_);
  watchdog_handler_ = std::move(handler);
}

void PortState::AddServingLoop(asio::io_context& io) {
  MutexLock lock(watchdog_mutex_);
  serving_loops_.push_back(&io);
  // A timer already armed on the library's loop moves to this one.
  if (watchdog_seconds_ > 0 && timer_loop_ != serving_loops_.front()) {
    ScheduleWatchdogLocked(Clock::now());
  }
}

void PortState::RemoveServingLoop(asio::io_context& io) {
  MutexLock lock(watchdog_mutex_);
  const auto it = std::find(serving_loops_.begin(), serving_loops_.end(), &io);
  if (it == serving_loops_.end()) return;
  serving_loops_.erase(it);
  if (timer_loop_ != &io) return;
  // The timer must go while `io` is alive; an armed watchdog moves to the
  // next serving loop (or the library's). Its handler re-checks the deadline.
  watchdog_timer_.reset();
  timer_loop_ = nullptr;
  if (watchdog_seconds_ > 0) ScheduleWatchdogLocked(Clock::now());
}

void PortState::ScheduleWatchdogLocked(Clock::time_point when) {
  Reactor& reactor = Reactor::Instance();
  asio::io_context& loop = serving_loops_.empty() ? reactor.Context() : *serving_loops_.front();
  if (watchdog_timer_ && timer_loop_ != &loop) watchdog_timer_.reset();
  if (!watchdog_timer_) {
    watchdog_timer_ = std::make_unique<asio::steady_timer>(loop);
    timer_loop_ = &loop;
  }
  watchdog_timer_->expires_at(when);
  // The timer holds the port weakly: a port whose last handle is gone never
  // fires its watchdog.
  watchdog_timer_->async_wait(
      [weak = weak_from_this(), generation = watchdog_generation_](const asio::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->OnWatchdogTimer(generation);
      });
  if (&loop == &reactor.Context()) reactor.EnsureRunning();
}

void PortState::OnWatchdogTimer(std::uint64_t generation) {
  std::function<void()> fire;
  {
    MutexLock lock(watchdog_mutex_);
    if (generation != watchdog_generation_ || watchdog_seconds_ == 0) return;
    const auto now = Clock::now();
    const auto timeout = std::chrono::seconds(watchdog_seconds_);
    // Time spent blocked in a wait on this port does not count; look again
    // one timeout later (the wait records its end as activity).
    if (blocked_in_wait_.load(std::memory_order_relaxed) > 0) {
      ScheduleWatchdogLocked(now + timeout);
      return;
    }
    const Clock::time_point last_activity{
        Clock::duration(last_activity_.load(std::memory_order_relaxed))};
    const auto deadline = std::max(last_activity + timeout, deferred_until_);
    if (now < deadline) {
      ScheduleWatchdogLocked(deadline);
      return;
    }
    // Fires once per arming.
    const int seconds = watchdog_seconds_;
    watchdog_seconds_ = 0;
    watchdog_armed_.store(false, std::memory_order_relaxed);
    ++watchdog_generation_;
    fire = watchdog_handler_;
    if (!fire) {
      fire = [seconds, id = identity_] {
        fmt::print(stderr,
                   "rodatagram: roMessagePort {} watchdog fired: no GetMessage/WaitMessage "
                   "for {} s; aborting\n",
                   id, seconds);
        std::abort();
      };
    }
  }
  fire();
}

}  // namespace detail

MessagePort::MessagePort() : state_(std::make_shared<detail::PortState>()) {}
MessagePort::~MessagePort() = default;
MessagePort::MessagePort(const MessagePort& other) noexcept = default;
MessagePort::MessagePort(MessagePort&& other) noexcept = default;
MessagePort& MessagePort::operator=(const MessagePort& other) noexcept = default;
MessagePort& MessagePort::operator=(MessagePort&& other) noexcept = default;

// A moved-from handle has no queue: it behaves as an empty port that
// refuses posts, rather than crashing.
Message MessagePort::WaitMessage(int timeout_ms) const {
  return state_ ? state_->Wait(timeout_ms) : nullptr;
}
Message MessagePort::GetMessage() const { return state_ ? state_->Get() : nullptr; }
Message MessagePort::PeekMessage() const { return state_ ? state_->Peek() : nullptr; }
bool MessagePort::PostMessage(Message msg) const { return state_ && state_->Post(std::move(msg)); }
int MessagePort::SetWatchdogTimeout(int seconds) const {
  return state_ ? state_->SetWatchdogTimeout(seconds) : 0;
}
void MessagePort::DeferWatchdog() const {
  if (state_) state_->DeferWatchdog();
}
void MessagePort::DeferWatchdog(int seconds) const {
  if (state_) state_->DeferWatchdog(seconds);
}
void MessagePort::SetWatchdogHandler(std::function<void()> handler) const {
  if (state_) state_->SetWatchdogHandler(std::move(handler));
}
void MessagePort::SetMaxQueueLength(std::size_t max_events) const {
  if (state_) state_->SetMaxLength(max_events);
}
std::size_t MessagePort::SetMaxQueueBytes(std::size_t max_bytes) const {
  return state_ ? state_->SetMaxBytes(max_bytes) : 0;
}
std::size_t MessagePort::GetQueueLength() const { return state_ ? state_->Length() : 0; }
PortStatistics MessagePort::GetStatistics() const {
  return state_ ? state_->Statistics() : PortStatistics{};
}
int MessagePort::GetIdentity() const { return state_ ? state_->Identity() : 0; }

Message Wait(int timeout_ms, const MessagePort& port) { return port.WaitMessage(timeout_ms); }

Message Wait(int timeout_ms, const MessagePort& port, asio::io_context& io) {
  const auto& state = detail::PortAccess::State(port);
  return state ? state->WaitRunning(timeout_ms, io) : nullptr;
}

}  // namespace ro
