// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_TIMER_HPP_
#define RO_TIMER_HPP_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <ro/event.hpp>
#include <ro/export.hpp>
#include <ro/message_port.hpp>

namespace ro {

namespace detail {
class TimerImpl;
}  // namespace detail

/// `roTimerEvent`: a Timer fired.
///
/// @par Thread safety
/// Immutable; safe to read from any number of threads at once.
class RO_API TimerEvent final : public Event {
 public:
  /// An event raised by the Timer with `identity`, carrying `user_data`
  /// (nullptr: Invalid).
  TimerEvent(int identity, std::shared_ptr<const UserData> user_data) noexcept;
  ~TimerEvent() override;
  TimerEvent(const TimerEvent&) = delete;
  TimerEvent& operator=(const TimerEvent&) = delete;

  /// "roTimerEvent".
  [[nodiscard]] std::string_view TypeName() const override;
  /// The Timer's user data when it fired.
  [[nodiscard]] UserData GetUserData() const override;
  /// The Timer's GetIdentity().
  [[nodiscard]] int GetSourceIdentity() const override { return identity_; }

 private:
  int identity_;
  std::shared_ptr<const UserData> user_data_;
};

/// `roTimer`: posts a TimerEvent to a MessagePort after an interval
/// (SetElapsed) or at a date and time, once or repeatedly (SetDate,
/// SetTime, SetDayOfWeek, SetDateTime), as the vendor's object does.
///
/// **Interval.** `SetElapsed(s, ms)` then Start() fires once, `s` seconds
/// and `ms` milliseconds later, on the monotonic clock (setting the system
/// clock does not move it). As on the players, a repeating interval is a
/// Start() from the handler of each event. Start() while pending restarts
/// the countdown.
///
/// **Date and time.** SetDate(year, month, day), SetTime(hour, minute,
/// second, millisecond) and SetDayOfWeek(0 = Sunday .. 6) describe a moment
/// in local time (the TZ of the process); -1 in a field is a wildcard that
/// matches any value. With no wildcard the timer fires once; with a wildcard
/// it fires every time the rest matches, and then the second and
/// millisecond must be 0 (the vendor fires at most once a minute, on the
/// whole minute). Fields never set are wildcards, except the second and
/// millisecond, which are 0. SetDateTime(time_point) fires once at that
/// instant. These follow the system clock: a clock that is set forwards
/// past the moment fires the timer at once.
///
/// The last SetElapsed() or date/time call chooses the kind; settings take
/// effect at the next Start(). Start() returns false (see
/// GetFailureReason()) when nothing was set, a field is out of range, a
/// repeating spec has a non-zero second, or the spec can never occur (a
/// one-shot moment in the past, 31 February). Events go to the port set
/// when the timer fires; without a port they are dropped.
///
/// **Example**
/// ```
/// ro::Timer heartbeat;                      // CreateObject("roTimer")
/// heartbeat.SetPort(port);
/// heartbeat.SetElapsed(5, 0);
/// heartbeat.Start();
/// ...
/// if (ro::Type(msg) == "roTimerEvent") heartbeat.Start();  // again in 5 s
/// ```
///
/// The reactor thread sleeps until the next due time (one kernel timer per
/// started Timer): no wake-ups while no timer is due.
///
/// @par Thread safety
/// Every member may be called from any thread; calls on one Timer serialise
/// on it. Destroying (or moving from) a Timer while another thread still
/// calls into that same object is a data race, as for any C++ object.
///
/// @par Lifetime
/// Move-only. Stop() and the destructor stop deliveries before they return:
/// no event of this timer is posted afterwards. Events already queued stay
/// valid. A moved-from Timer is empty: Start() fails and the setters do
/// nothing.
class RO_API Timer {
 public:
  /// A stopped timer with nothing set.
  Timer();
  ~Timer();
  /// Takes over `other`'s settings, port, identity and pending event;
  /// `other` is left empty.
  Timer(Timer&& other) noexcept;
  /// Stops this timer, then takes over `other`'s; `other` is left empty.
  Timer& operator=(Timer&& other) noexcept;
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// Sets the port that receives the TimerEvents (held weakly: it does not
  /// keep the queue alive).
  void SetPort(const MessagePort& port);

  /// Fire once, `seconds` + `milliseconds` after Start().
  void SetElapsed(int seconds, int milliseconds);

  /// The time of day to fire at; -1 is a wildcard.
  void SetTime(int hour, int minute, int second, int millisecond);
  /// The three-argument form: hour, minute, second; millisecond 0.
  void SetTime(int hour, int minute, int second);

  /// The date to fire on (month 1..12, day 1..31); -1 is a wildcard.
  void SetDate(int year, int month, int day);

  /// The day of the week to fire on, 0 (Sunday) .. 6; -1 is a wildcard.
  void SetDayOfWeek(int day_of_week);

  /// Fire once at `when` (roDateTime's role; no wildcards).
  void SetDateTime(std::chrono::system_clock::time_point when);

  /// Starts (or restarts) the timer with the current settings.
  /// @returns false, with GetFailureReason() / GetFailureCode() set, when the
  /// settings cannot fire (see the class notes) or the object is empty.
  bool Start();

  /// Stops the timer: no event is posted after Stop() returns. Settings are
  /// kept, so Start() starts it again. Harmless when stopped.
  void Stop();

  /// Sets the value that the events carry from now on.
  void SetUserData(UserData data);
  /// `SetUserData("text")` stores a std::string, as BrightScript stores a
  /// String.
  void SetUserData(const char* text) { SetUserData(detail::TextUserData(text)); }

  /// The value set by SetUserData(), or an empty std::any (Invalid).
  [[nodiscard]] UserData GetUserData() const;

  /// A process-unique, non-zero id that the events carry as
  /// GetSourceIdentity(); 0 for a moved-from timer.
  [[nodiscard]] int GetIdentity() const;

  /// Why the last Start() failed (*extension*); empty if none did.
  [[nodiscard]] std::string GetFailureReason() const;

  /// The negative errno-style code of the failure GetFailureReason()
  /// describes (*extension*): -EINVAL for settings that cannot fire, -EBADF
  /// for a moved-from timer, or what creating the kernel timer failed with;
  /// 0 when none.
  [[nodiscard]] int GetFailureCode() const;

 private:
  std::shared_ptr<detail::TimerImpl> impl_;
};

}  // namespace ro

#endif  // RO_TIMER_HPP_
