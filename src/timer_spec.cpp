// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "timer_spec.hpp"

#include <chrono>
#include <ctime>
#include <optional>
#include <string>

#include <fmt/core.h>

namespace ro::detail {
namespace {

using SystemClock = std::chrono::system_clock;

bool InRange(int value, int low, int high) noexcept {
  return value == kAny || (value >= low && value <= high);
}

bool Matches(int spec, int value) noexcept { return spec == kAny || spec == value; }

// Local time of a day: mktime normalises day overflow (32 January is
// 1 February); noon keeps DST changes away from the date.
std::optional<std::tm> LocalDay(int year, int month, int day) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = 12;
  tm.tm_isdst = -1;
  if (std::mktime(&tm) == static_cast<std::time_t>(-1)) return std::nullopt;
  return tm;
}

// The local moment h:m:s on the day of `day`, if it exists (not skipped by
// a DST change).
std::optional<SystemClock::time_point> LocalMoment(const std::tm& day, int hour, int minute,
                                                   int second) {
  std::tm tm = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1) || tm.tm_hour != hour || tm.tm_min != minute) {
    return std::nullopt;
  }
  return SystemClock::from_time_t(t);
}

// Days searched for a match of a repeating spec: 29 February on a given
// weekday recurs within 28 years.
constexpr int kSearchDays = 366 * 29;

}  // namespace

std::string CheckSpec(const DateSpec& s) {
  if (!InRange(s.year, 1970, 9999)) return fmt::format("year {} is not 1970..9999 or -1", s.year);
  if (!InRange(s.month, 1, 12)) return fmt::format("month {} is not 1..12 or -1", s.month);
  if (!InRange(s.day, 1, 31)) return fmt::format("day {} is not 1..31 or -1", s.day);
  if (!InRange(s.day_of_week, 0, 6)) {
    return fmt::format("day of week {} is not 0 (Sunday)..6 or -1", s.day_of_week);
  }
  if (!InRange(s.hour, 0, 23)) return fmt::format("hour {} is not 0..23 or -1", s.hour);
  if (!InRange(s.minute, 0, 59)) return fmt::format("minute {} is not 0..59 or -1", s.minute);
  if (s.second < 0 || s.second > 59 || s.millisecond < 0 || s.millisecond > 999) {
    return fmt::format("second {} and millisecond {} must be 0..59 and 0..999 (no wildcard)",
                       s.second, s.millisecond);
  }
  if (s.Repeats() && (s.second != 0 || s.millisecond != 0)) {
    return fmt::format(
        "a spec with a wildcard fires on the whole minute: second and millisecond must be 0 "
        "(got {} and {})",
        s.second, s.millisecond);
  }
  return {};
}

std::optional<SystemClock::time_point> NextMatch(const DateSpec& s, SystemClock::time_point from) {
  const std::time_t from_t = SystemClock::to_time_t(from);
  std::tm now{};
  if (localtime_r(&from_t, &now) == nullptr) return std::nullopt;

  if (!s.Repeats()) {
    const auto day = LocalDay(s.year, s.month, s.day);
    if (!day || day->tm_mday != s.day || !Matches(s.day_of_week, day->tm_wday)) {
      return std::nullopt;  // 31 April, or a date that is not that weekday
    }
    const auto moment = LocalMoment(*day, s.hour, s.minute, s.second);
    if (!moment) return std::nullopt;
    const auto when = *moment + std::chrono::milliseconds(s.millisecond);
    if (when < from) return std::nullopt;  // in the past: it will never occur
    return when;
  }

  for (int offset = 0; offset < kSearchDays; ++offset) {
    const auto day = LocalDay(now.tm_year + 1900, now.tm_mon + 1, now.tm_mday + offset);
    if (!day) return std::nullopt;
    if (!Matches(s.year, day->tm_year + 1900) || !Matches(s.month, day->tm_mon + 1) ||
        !Matches(s.day, day->tm_mday) || !Matches(s.day_of_week, day->tm_wday)) {
      continue;
    }
    for (int h = 0; h < 24; ++h) {
      if (!Matches(s.hour, h)) continue;
      for (int m = 0; m < 60; ++m) {
        if (!Matches(s.minute, m)) continue;
        const auto moment = LocalMoment(*day, h, m, 0);
        if (moment && *moment >= from) return moment;
      }
    }
  }
  return std::nullopt;
}

}  // namespace ro::detail
