// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <algorithm>
#include <cstdlib>
#include <utility>

#include <asio/post.hpp>
#include <fmt/core.h>

#include <ro/asio.hpp>
#include <ro/message_port.hpp>

#include "object_core.hpp"
#include "port_state.hpp"
#include "reactor.hpp"

namespace ro {
namespace detail {

PortState::PortState() : identity_(NextIdentity()) {}

PortState::~PortState() = default;

std::size_t PortState::Room(std::size_t count) const noexcept {
  if (max_length_ == 0) return count;
  const std::size_t free = max_length_ > queue_.size() ? max_length_ - queue_.size() : 0;
  return std::min(count, free);
}

bool PortState::Post(Message msg) {
  if (!msg) return false;
  bool wake = false;
  std::vector<asio::io_context*> loops;
  {
    MutexLock lock(mutex_);
    if (Room(1) == 0) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(msg));
    ++posted_;
    high_water_ = std::max(high_water_, queue_.size());
    wake = waiters_ > 0;
    if (!loop_waiters_.empty()) loops = loop_waiters_;
  }
  // Notify outside the lock so the woken waiter does not block on it again.
  if (wake) ready_.notify_one();
  if (!loops.empty()) WakeLoops(loops);
  return true;
}

std::size_t PortState::PostBatch(Message* msgs, std::size_t count) {
  std::size_t accepted = 0;
  std::size_t waiters = 0;
  std::vector<asio::io_context*> loops;
  {
    MutexLock lock(mutex_);
    accepted = Room(count);
    for (std::size_t i = 0; i < accepted; ++i) queue_.push_back(std::move(msgs[i]));
    posted_ += accepted;
    dropped_ += count - accepted;
    high_water_ = std::max(high_water_, queue_.size());
    waiters = waiters_;
    if (accepted > 0 && !loop_waiters_.empty()) loops = loop_waiters_;
  }
  // One wake-up per batch, and none at all when nobody sleeps.
  if (accepted > 0 && waiters > 0) {
    if (accepted > 1 && waiters > 1) {
      ready_.notify_all();
    } else {
      ready_.notify_one();
    }
  }
  if (!loops.empty()) WakeLoops(loops);
  return accepted;
}

void PortState::WakeLoops(const std::vector<asio::io_context*>& waiting) {
  for (asio::io_context* io : waiting) {
    // A post from a handler that runs inside that very loop needs no wake-up:
    // the loop returns to WaitRunning() as soon as the handler is done.
    if (!io->get_executor().running_in_this_thread()) asio::post(*io, [] {});
  }
}

Message PortState::PopLocked() {
  Message msg = std::move(queue_.front());
  queue_.pop_front();
  ++delivered_;
  return msg;
}

Message PortState::Wait(int timeout_ms) {
  NoteActivity();
  Message msg = Sleep(timeout_ms);
  NoteActivity();
  return msg;
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
  if (timeout_ms < 0) return Get();
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    {
      MutexLock lock(mutex_);
      if (!queue_.empty()) break;
      loop_waiters_.push_back(&io);
    }
    blocked_in_wait_.fetch_add(1, std::memory_order_relaxed);
    const std::size_t ran = timeout_ms == 0 ? io.run_one() : io.run_one_until(deadline);
    blocked_in_wait_.fetch_sub(1, std::memory_order_relaxed);
    {
      MutexLock lock(mutex_);
      loop_waiters_.erase(std::find(loop_waiters_.begin(), loop_waiters_.end(), &io));
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
  MutexLock lock(mutex_);
  return queue_.empty() ? nullptr : PopLocked();
}

Message PortState::Peek() {
  MutexLock lock(mutex_);
  return queue_.empty() ? nullptr : queue_.front();
}

void PortState::SetMaxLength(std::size_t max_events) {
  MutexLock lock(mutex_);
  max_length_ = max_events;
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

void PortState::ScheduleWatchdogLocked(Clock::time_point when) {
  Reactor& reactor = Reactor::Instance();
  if (!watchdog_timer_) watchdog_timer_ = std::make_unique<asio::steady_timer>(reactor.Context());
  watchdog_timer_->expires_at(when);
  // The timer holds the port weakly: a port whose last handle is gone never
  // fires its watchdog.
  watchdog_timer_->async_wait(
      [weak = weak_from_this(), generation = watchdog_generation_](const asio::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->OnWatchdogTimer(generation);
      });
  reactor.EnsureRunning();
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
