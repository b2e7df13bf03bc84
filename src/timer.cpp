// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// ro::Timer: one timerfd per started timer, watched by the shared reactor.
// A timerfd rather than an asio timer because Asio caps every timer wait at
// five minutes (one wake-up per five minutes while a far timer is pending),
// and because CLOCK_REALTIME with TFD_TIMER_CANCEL_ON_SET reports clock
// changes, which date/time timers must follow.

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio/posix/stream_descriptor.hpp>
#include <fmt/core.h>

#include <ro/timer.hpp>

#include "mutex.hpp"
#include "object_core.hpp"
#include "port_state.hpp"
#include "reactor.hpp"
#include "status.hpp"
#include "timer_spec.hpp"

namespace ro {

TimerEvent::TimerEvent(int identity, std::shared_ptr<const UserData> user_data) noexcept
    : identity_(identity), user_data_(std::move(user_data)) {}

TimerEvent::~TimerEvent() = default;

std::string_view TimerEvent::TypeName() const { return "roTimerEvent"; }

UserData TimerEvent::GetUserData() const { return user_data_ ? *user_data_ : UserData(); }

namespace detail {
namespace {

using SystemClock = std::chrono::system_clock;

timespec ToTimespec(std::chrono::nanoseconds ns) noexcept {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(ns);
  timespec ts{};
  ts.tv_sec = static_cast<std::time_t>(secs.count());
  ts.tv_nsec = static_cast<long>((ns - secs).count());
  return ts;
}

}  // namespace

class TimerImpl : public std::enable_shared_from_this<TimerImpl> {
 public:
  TimerImpl() = default;

  ObjectCore& Core() noexcept { return core_; }

  void SetPort(const MessagePort& port) RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    port_ = PortAccess::State(port);
  }

  void SetElapsed(int seconds, int milliseconds) RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    kind_ = Kind::kElapsed;
    elapsed_seconds_ = seconds;
    elapsed_milliseconds_ = milliseconds;
  }

  // Applies `edit` to the date/time spec and makes it the timer's kind.
  template <class Edit>
  void EditSpec(Edit edit) RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    kind_ = Kind::kDate;
    edit(spec_);
  }

  void SetDateTime(SystemClock::time_point when) RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    kind_ = Kind::kInstant;
    instant_ = when;
  }

  Status Start() RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    StopLocked();
    const auto now = SystemClock::now();
    switch (kind_) {
      case Kind::kNone:
        return Status::Failure(-EINVAL,
                               "Start() failed: nothing to time; call SetElapsed, SetTime, "
                               "SetDate or SetDateTime first");
      case Kind::kElapsed:
        if (elapsed_seconds_ < 0 || elapsed_milliseconds_ < 0) {
          return Status::Failure(-EINVAL,
                                 fmt::format("Start() failed: SetElapsed({}, {}) is negative",
                                             elapsed_seconds_, elapsed_milliseconds_));
        }
        break;
      case Kind::kDate: {
        const std::string problem = CheckSpec(spec_);
        if (!problem.empty()) return Status::Failure(-EINVAL, "Start() failed: " + problem);
        const auto next = NextMatch(spec_, now);
        if (!next) {
          return Status::Failure(
              -EINVAL,
              "Start() failed: the date and time never occur (a one-shot moment in the past, or "
              "a date that does not exist or is not that weekday)");
        }
        target_ = *next;
        break;
      }
      case Kind::kInstant:
        if (instant_ < now) {
          return Status::Failure(-EINVAL, "Start() failed: SetDateTime() is in the past");
        }
        target_ = instant_;
        break;
    }
    const int rc = ArmLocked();
    if (rc != 0) {
      return Status::Failure(rc, fmt::format("Start() failed: timerfd: {}", std::strerror(-rc)));
    }
    running_ = true;
    WaitLocked();
    Reactor::Instance().EnsureRunning();
    return {};
  }

  void Stop() RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    StopLocked();
  }

 private:
  enum class Kind { kNone, kElapsed, kDate, kInstant };

  // Deliveries end here: a handler that runs later sees another generation.
  void StopLocked() RO_REQUIRES(mutex_) {
    running_ = false;
    ++generation_;
    if (fd_) {
      const itimerspec off{};
      ::timerfd_settime(fd_->native_handle(), 0, &off, nullptr);
      std::error_code ignored;
      fd_->cancel(ignored);
    }
  }

  // Creates the timerfd for the clock this kind needs and sets it; 0 or
  // -errno.
  int ArmLocked() RO_REQUIRES(mutex_) {
    const int clock = kind_ == Kind::kElapsed ? CLOCK_MONOTONIC : CLOCK_REALTIME;
    if (!fd_ || fd_clock_ != clock) {
      fd_.reset();
      const int fd = ::timerfd_create(clock, TFD_NONBLOCK | TFD_CLOEXEC);
      if (fd < 0) return -errno;
      fd_ = std::make_unique<asio::posix::stream_descriptor>(Reactor::Instance().Context(), fd);
      fd_clock_ = clock;
    }
    itimerspec spec{};
    int flags = 0;
    if (kind_ == Kind::kElapsed) {
      const auto delay =
          std::chrono::seconds(elapsed_seconds_) + std::chrono::milliseconds(elapsed_milliseconds_);
      // An all-zero it_value disarms: "now" is one nanosecond.
      spec.it_value = delay.count() == 0 ? timespec{0, 1} : ToTimespec(delay);
    } else {
      flags = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;
      spec.it_value = ToTimespec(target_.time_since_epoch());
    }
    if (::timerfd_settime(fd_->native_handle(), flags, &spec, nullptr) != 0) return -errno;
    return 0;
  }

  void WaitLocked() RO_REQUIRES(mutex_) {
    fd_->async_wait(asio::posix::stream_descriptor::wait_read,
                    [self = shared_from_this(), generation = generation_](std::error_code ec) {
                      self->OnReadable(generation, ec);
                    });
  }

  // Runs on the reactor thread.
  void OnReadable(std::uint64_t generation, std::error_code ec) RO_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    if (ec || generation != generation_ || !running_) return;
    std::uint64_t expirations = 0;
    const ssize_t n = ::read(fd_->native_handle(), &expirations, sizeof expirations);
    if (n < 0 && errno == ECANCELED) {
      OnClockSetLocked();
      return;
    }
    if (n != static_cast<ssize_t>(sizeof expirations)) {
      WaitLocked();  // spurious readiness: nothing expired
      return;
    }
    FireLocked();
  }

  // The system clock was set: a date/time timer follows it.
  void OnClockSetLocked() RO_REQUIRES(mutex_) {
    const auto now = SystemClock::now();
    if (kind_ == Kind::kDate && spec_.Repeats()) {
      const auto next = NextMatch(spec_, now);
      if (!next) {
        running_ = false;
        return;
      }
      target_ = *next;
    } else if (target_ <= now) {
      FireLocked();  // the clock moved past the moment: it occurred
      return;
    }
    if (ArmLocked() == 0) {
      WaitLocked();
    } else {
      running_ = false;
    }
  }

  void FireLocked() RO_REQUIRES(mutex_) {
    if (auto port = port_.lock()) {
      port->Post(std::make_shared<TimerEvent>(core_.Identity(), core_.SharedUserData()));
    }
    if (kind_ == Kind::kDate && spec_.Repeats()) {
      // The next match after this one: a minute on, at the least.
      const auto next = NextMatch(spec_, target_ + std::chrono::minutes(1));
      if (next) {
        target_ = *next;
        if (ArmLocked() == 0) {
          WaitLocked();
          return;
        }
      }
    }
    running_ = false;
  }

  ObjectCore core_;
  Mutex mutex_;
  std::weak_ptr<PortState> port_ RO_GUARDED_BY(mutex_);
  Kind kind_ RO_GUARDED_BY(mutex_) = Kind::kNone;
  int elapsed_seconds_ RO_GUARDED_BY(mutex_) = 0;
  int elapsed_milliseconds_ RO_GUARDED_BY(mutex_) = 0;
  DateSpec spec_ RO_GUARDED_BY(mutex_);
  SystemClock::time_point instant_ RO_GUARDED_BY(mutex_){};
  SystemClock::time_point target_ RO_GUARDED_BY(mutex_){};
  bool running_ RO_GUARDED_BY(mutex_) = false;
  std::uint64_t generation_ RO_GUARDED_BY(mutex_) = 0;
  std::unique_ptr<asio::posix::stream_descriptor> fd_ RO_GUARDED_BY(mutex_);
  int fd_clock_ RO_GUARDED_BY(mutex_) = -1;
};

}  // namespace detail

Timer::Timer() : impl_(std::make_shared<detail::TimerImpl>()) {}

Timer::~Timer() {
  if (impl_) impl_->Stop();
}

Timer::Timer(Timer&& other) noexcept = default;

Timer& Timer::operator=(Timer&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->Stop();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void Timer::SetPort(const MessagePort& port) {
  if (impl_) impl_->SetPort(port);
}

void Timer::SetElapsed(int seconds, int milliseconds) {
  if (impl_) impl_->SetElapsed(seconds, milliseconds);
}

void Timer::SetTime(int hour, int minute, int second, int millisecond) {
  if (!impl_) return;
  impl_->EditSpec([&](detail::DateSpec& s) {
    s.hour = hour;
    s.minute = minute;
    s.second = second;
    s.millisecond = millisecond;
  });
}

void Timer::SetTime(int hour, int minute, int second) { SetTime(hour, minute, second, 0); }

void Timer::SetDate(int year, int month, int day) {
  if (!impl_) return;
  impl_->EditSpec([&](detail::DateSpec& s) {
    s.year = year;
    s.month = month;
    s.day = day;
  });
}

void Timer::SetDayOfWeek(int day_of_week) {
  if (!impl_) return;
  impl_->EditSpec([&](detail::DateSpec& s) { s.day_of_week = day_of_week; });
}

void Timer::SetDateTime(std::chrono::system_clock::time_point when) {
  if (impl_) impl_->SetDateTime(when);
}

bool Timer::Start() { return impl_ && impl_->Core().RecordOk(impl_->Start()); }

void Timer::Stop() {
  if (impl_) impl_->Stop();
}

void Timer::SetUserData(UserData data) {
  if (impl_) impl_->Core().SetUserData(std::move(data));
}

UserData Timer::GetUserData() const { return impl_ ? impl_->Core().GetUserData() : UserData(); }

int Timer::GetIdentity() const { return impl_ ? impl_->Core().Identity() : 0; }

std::string Timer::GetFailureReason() const {
  return impl_ ? impl_->Core().FailureReason() : "the Timer was moved from";
}

int Timer::GetFailureCode() const { return impl_ ? impl_->Core().FailureCode() : -EBADF; }

}  // namespace ro
