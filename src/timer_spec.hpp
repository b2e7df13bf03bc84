// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The date/time spec of ro::Timer (SetDate / SetTime / SetDayOfWeek) and
// the search for its next occurrence in local time. Exported for the unit
// tests only.

#ifndef RO_SRC_TIMER_SPEC_HPP_
#define RO_SRC_TIMER_SPEC_HPP_

#include <chrono>
#include <optional>
#include <string>

#include <ro/export.hpp>

namespace ro::detail {

/// The vendor's wildcard.
constexpr int kAny = -1;

// The vendor's date/time fields; kAny is the wildcard.
struct DateSpec {
  int year = kAny;
  int month = kAny;
  int day = kAny;
  int day_of_week = kAny;
  int hour = kAny;
  int minute = kAny;
  int second = 0;
  int millisecond = 0;

  [[nodiscard]] bool Repeats() const noexcept {
    return year == kAny || month == kAny || day == kAny || hour == kAny || minute == kAny;
  }
};

/// Why `spec` cannot describe a moment (a field out of range, or a
/// repeating spec whose second or millisecond is not 0), or "" if it can.
RO_API std::string CheckSpec(const DateSpec& spec);

/// The first moment at or after `from` that `spec` (already checked)
/// matches, in the local time of the process; nullopt if none ever does (a
/// one-shot moment before `from`, 31 April, a date on another weekday).
RO_API std::optional<std::chrono::system_clock::time_point> NextMatch(
    const DateSpec& spec, std::chrono::system_clock::time_point from);

}  // namespace ro::detail

#endif  // RO_SRC_TIMER_SPEC_HPP_
