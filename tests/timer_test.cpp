// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// clang-format off
#include <ro/timer.hpp>  // First: proves the header is self-contained.
// clang-format on

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include <ro/message_port.hpp>

#include "timer_spec.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Waits for the next event on `port` and requires a roTimerEvent.
const ro::TimerEvent* WaitTimer(const ro::MessagePort& port, ro::Message& hold, int ms = 3000) {
  hold = ro::Wait(ms, port);
  return hold ? hold->As<ro::TimerEvent>() : nullptr;
}

long long Elapsed(Clock::time_point since) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - since).count();
}

TEST(TimerTest, AnElapsedTimerFiresOnceAfterTheInterval) {
  ro::MessagePort port;
  ro::Timer timer;
  timer.SetPort(port);
  timer.SetElapsed(0, 150);
  const auto start = Clock::now();
  ASSERT_TRUE(timer.Start()) << timer.GetFailureReason();
  ro::Message msg;
  const auto* ev = WaitTimer(port, msg);
  ASSERT_NE(ev, nullptr);
  EXPECT_GE(Elapsed(start), 149);
  EXPECT_EQ(ro::Type(msg), "roTimerEvent");
  EXPECT_EQ(ro::Wait(400, port), nullptr) << "SetElapsed fires once, as on the players";
}

TEST(TimerTest, StartFromTheHandlerRepeatsAsInTheVendorExample) {
  ro::MessagePort port;
  ro::Timer timer;
  timer.SetPort(port);
  timer.SetElapsed(0, 40);
  const auto start = Clock::now();
  ASSERT_TRUE(timer.Start());
  for (int i = 0; i < 3; ++i) {
    ro::Message msg;
    ASSERT_NE(WaitTimer(port, msg), nullptr) << i;
    ASSERT_TRUE(timer.Start());
  }
  EXPECT_GE(Elapsed(start), 3 * 40 - 1);
  timer.Stop();
}

TEST(TimerTest, StartWhilePendingRestartsTheCountdown) {
  ro::MessagePort port;
  ro::Timer timer;
  timer.SetPort(port);
  timer.SetElapsed(0, 300);
  ASSERT_TRUE(timer.Start());
  std::this_thread::sleep_for(milliseconds(200));
  const auto restart = Clock::now();
  ASSERT_TRUE(timer.Start());
  ro::Message msg;
  ASSERT_NE(WaitTimer(port, msg), nullptr);
  EXPECT_GE(Elapsed(restart), 299);
  EXPECT_EQ(ro::Wait(400, port), nullptr) << "one countdown, one event";
}

TEST(TimerTest, StopBeforeItFiresDeliversNothingAndStartAgainWorks) {
  ro::MessagePort port;
  ro::Timer timer;
  timer.SetPort(port);
  timer.SetElapsed(0, 80);
  ASSERT_TRUE(timer.Start());
  timer.Stop();
  timer.Stop();  // harmless twice
  EXPECT_EQ(ro::Wait(300, port), nullptr);
  ASSERT_TRUE(timer.Start());
  ro::Message msg;
  EXPECT_NE(WaitTimer(port, msg), nullptr);
}

TEST(TimerTest, NoEventIsPostedAfterStopOrTheDestructorReturns) {
  ro::MessagePort port;
  // Zero-length timers race their own Stop / destructor on the reactor.
  for (int i = 0; i < 300; ++i) {
    ro::Timer stopped;
    stopped.SetPort(port);
    stopped.SetElapsed(0, 0);
    ASSERT_TRUE(stopped.Start());
    if (i % 2 == 0) std::this_thread::yield();
    stopped.Stop();
    const auto posted = port.GetStatistics().posted;
    {
      ro::Timer destroyed;
      destroyed.SetPort(port);
      destroyed.SetElapsed(0, 0);
      ASSERT_TRUE(destroyed.Start());
    }
    const auto after_destroy = port.GetStatistics().posted;
    EXPECT_LE(after_destroy, posted + 1);
    std::this_thread::sleep_for(milliseconds(1));
    ASSERT_EQ(port.GetStatistics().posted, after_destroy) << "an event arrived after it was gone";
  }
}

TEST(TimerTest, DestroyingAPendingTimerDeliversNothing) {
  ro::MessagePort port;
  {
    ro::Timer timer;
    timer.SetPort(port);
    timer.SetElapsed(0, 50);
    ASSERT_TRUE(timer.Start());
  }
  EXPECT_EQ(ro::Wait(300, port), nullptr);
  EXPECT_EQ(port.GetStatistics().posted, 0U);
}

TEST(TimerTest, EventsCarryTheUserDataAsAStringAndTheIdentity) {
  ro::MessagePort port;
  ro::Timer timer;
  timer.SetPort(port);
  EXPECT_FALSE(timer.GetUserData().has_value());
  timer.SetUserData("heartbeat");
  timer.SetElapsed(0, 10);
  ASSERT_TRUE(timer.Start());
  ro::Message msg;
  const auto* ev = WaitTimer(port, msg);
  ASSERT_NE(ev, nullptr);
  const ro::UserData data = ev->GetUserData();
  ASSERT_NE(std::any_cast<std::string>(&data), nullptr) << "a literal is stored as std::string";
  EXPECT_EQ(std::any_cast<std::string>(data), "heartbeat");
  EXPECT_NE(timer.GetIdentity(), 0);
  EXPECT_EQ(ev->GetSourceIdentity(), timer.GetIdentity());
  timer.SetUserData("changed");  // a snapshot: the queued event keeps its value
  EXPECT_EQ(std::any_cast<std::string>(ev->GetUserData()), "heartbeat");
  ro::Timer other;
  EXPECT_NE(other.GetIdentity(), timer.GetIdentity());
}

TEST(TimerTest, TheEventGoesToThePortSetWhenItFires) {
  ro::MessagePort first;
  ro::MessagePort second;
  ro::Timer timer;
  timer.SetPort(first);
  timer.SetElapsed(0, 150);
  ASSERT_TRUE(timer.Start());
  timer.SetPort(second);
  ro::Message msg;
  EXPECT_NE(WaitTimer(second, msg), nullptr);
  EXPECT_EQ(first.GetMessage(), nullptr);
}

TEST(TimerTest, WithoutAPortTheEventIsDroppedSafely) {
  ro::Timer timer;
  timer.SetElapsed(0, 0);
  ASSERT_TRUE(timer.Start());
  std::this_thread::sleep_for(milliseconds(50));
  ro::MessagePort late;
  timer.SetPort(late);
  EXPECT_EQ(ro::Wait(100, late), nullptr);
}

TEST(TimerTest, SetDateTimeFiresOnceAtThatInstant) {
  ro::MessagePort port;
  ro::Timer timer;
  timer.SetPort(port);
  const auto when = std::chrono::system_clock::now() + milliseconds(250);
  timer.SetDateTime(when);
  ASSERT_TRUE(timer.Start()) << timer.GetFailureReason();
  ro::Message msg;
  ASSERT_NE(WaitTimer(port, msg), nullptr);
  EXPECT_GE(std::chrono::system_clock::now(), when);
  EXPECT_EQ(ro::Wait(300, port), nullptr);
}

TEST(TimerTest, AOneShotDateAndTimeFiresAtThatLocalMoment) {
  ro::MessagePort port;
  ro::Timer timer;
  timer.SetPort(port);
  const auto when = std::chrono::system_clock::now() + std::chrono::seconds(2);
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  ASSERT_NE(localtime_r(&t, &local), nullptr);
  timer.SetDate(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
  timer.SetTime(local.tm_hour, local.tm_min, local.tm_sec, 0);
  ASSERT_TRUE(timer.Start()) << timer.GetFailureReason();
  ro::Message msg;
  ASSERT_NE(WaitTimer(port, msg, 4000), nullptr);
  EXPECT_GE(std::chrono::system_clock::now(), std::chrono::system_clock::from_time_t(t));
  EXPECT_EQ(ro::Wait(300, port), nullptr);
}

TEST(TimerTest, StartRefusesSettingsThatCannotFire) {
  ro::Timer timer;
  EXPECT_FALSE(timer.Start());
  EXPECT_EQ(timer.GetFailureCode(), -EINVAL);
  EXPECT_NE(timer.GetFailureReason().find("SetElapsed"), std::string::npos);

  timer.SetElapsed(-1, 0);
  EXPECT_FALSE(timer.Start());
  EXPECT_NE(timer.GetFailureReason().find("negative"), std::string::npos);

  timer.SetDateTime(std::chrono::system_clock::now() - std::chrono::seconds(1));
  EXPECT_FALSE(timer.Start());
  EXPECT_NE(timer.GetFailureReason().find("past"), std::string::npos);

  ro::Timer every_second;  // the vendor does not support per-second timers
  every_second.SetDate(-1, -1, -1);
  every_second.SetTime(-1, -1, 30, 0);
  EXPECT_FALSE(every_second.Start());
  EXPECT_NE(every_second.GetFailureReason().find("whole minute"), std::string::npos);

  ro::Timer bad_month;
  bad_month.SetDate(2030, 13, 1);
  bad_month.SetTime(0, 0, 0, 0);
  EXPECT_FALSE(bad_month.Start());
  EXPECT_NE(bad_month.GetFailureReason().find("month 13"), std::string::npos);

  ro::Timer never;  // 31 February
  never.SetDate(2030, 2, 31);
  never.SetTime(0, 0, 0, 0);
  EXPECT_FALSE(never.Start());
  EXPECT_NE(never.GetFailureReason().find("never occur"), std::string::npos);
}

TEST(TimerTest, AMovedFromTimerIsEmptyAndTheNewOneKeepsThePendingEvent) {
  ro::MessagePort port;
  ro::Timer timer;
  timer.SetPort(port);
  timer.SetElapsed(0, 100);
  ASSERT_TRUE(timer.Start());
  const int identity = timer.GetIdentity();
  ro::Timer moved(std::move(timer));
  EXPECT_EQ(moved.GetIdentity(), identity);
  EXPECT_FALSE(timer.Start());  // NOLINT(bugprone-use-after-move): the documented empty state
  EXPECT_EQ(timer.GetFailureCode(), -EBADF);
  EXPECT_EQ(timer.GetIdentity(), 0);
  ro::Message msg;
  const auto* ev = WaitTimer(port, msg);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->GetSourceIdentity(), identity);
  ro::Timer assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.GetIdentity(), identity);
}

// Voluntary context switches of every thread but this one: the reactor
// thread's wake-ups.
long long OtherThreadsSwitches() {
  long long total = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  const std::string self = std::to_string(gettid());
  while (const dirent* entry = readdir(dir)) {
    const std::string tid = entry->d_name;
    if (tid == "." || tid == ".." || tid == self) continue;
    std::ifstream status("/proc/self/task/" + tid + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) total += std::atoll(line.c_str() + 24);
    }
  }
  closedir(dir);
  return total;
}

#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;  // its own background thread wakes periodically
#else
constexpr bool kThreadSanitizer = false;
#endif

TEST(TimerTest, PendingTimersCauseNoWakeUpsUntilDue) {
  if (kThreadSanitizer) {
    GTEST_SKIP() << "ThreadSanitizer's background thread wakes by itself; the count of other "
                    "threads' wake-ups proves nothing here (the plain and ASan passes run it)";
  }
  ro::MessagePort port;
  ro::Timer far_interval;
  far_interval.SetPort(port);
  far_interval.SetElapsed(3600, 0);
  ASSERT_TRUE(far_interval.Start());
  ro::Timer far_date;
  far_date.SetPort(port);
  far_date.SetDate(2037, 12, 1);  // before 2038: armhf's time_t is 32 bits
  far_date.SetTime(0, 0, 0, 0);
  ASSERT_TRUE(far_date.Start()) << far_date.GetFailureReason();
  std::this_thread::sleep_for(milliseconds(100));  // let the reactor settle in epoll_wait
  const long long before = OtherThreadsSwitches();
  ASSERT_GE(before, 0);
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(OtherThreadsSwitches(), before) << "the reactor woke while no timer was due";
  EXPECT_EQ(port.GetMessage(), nullptr);
}

// --- The date/time spec (src/timer_spec.hpp), in UTC ------------------------

class TimerSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  static std::chrono::system_clock::time_point Utc(int y, int mo, int d, int h, int mi) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
  }
};

TEST_F(TimerSpecTest, TheSonosRenewalSpecFiresAtQuarterPastEveryHour) {
  ro::detail::DateSpec spec;  // SetDate(-1, -1, -1) : SetTime(-1, 25, 0, 0)
  spec.minute = 25;
  ASSERT_EQ(ro::detail::CheckSpec(spec), "");
  EXPECT_EQ(ro::detail::NextMatch(spec, Utc(2030, 1, 1, 10, 0)), Utc(2030, 1, 1, 10, 25));
  EXPECT_EQ(ro::detail::NextMatch(spec, Utc(2030, 1, 1, 10, 25)), Utc(2030, 1, 1, 10, 25));
  EXPECT_EQ(ro::detail::NextMatch(spec, Utc(2030, 1, 1, 10, 26)), Utc(2030, 1, 1, 11, 25));
  EXPECT_EQ(ro::detail::NextMatch(spec, Utc(2030, 12, 31, 23, 30)), Utc(2031, 1, 1, 0, 25));
}

TEST_F(TimerSpecTest, EveryMinuteFiresOnTheNextWholeMinute) {
  ro::detail::DateSpec spec;  // SetTime(-1, -1, 0, 0), the vendor's example
  const auto from = Utc(2030, 1, 1, 10, 0) + std::chrono::seconds(1);
  EXPECT_EQ(ro::detail::NextMatch(spec, from), Utc(2030, 1, 1, 10, 1));
}

TEST_F(TimerSpecTest, ADayOfWeekSpecFindsTheNextSuchDay) {
  ro::detail::DateSpec spec;  // Mondays at 06:00 (1 January 2030 is a Tuesday)
  spec.day_of_week = 1;
  spec.hour = 6;
  spec.minute = 0;
  EXPECT_EQ(ro::detail::NextMatch(spec, Utc(2030, 1, 1, 0, 0)), Utc(2030, 1, 7, 6, 0));
}

TEST_F(TimerSpecTest, LeapDaysAndImpossibleDatesAreHandled) {
  ro::detail::DateSpec leap;  // every 29 February at noon
  leap.month = 2;
  leap.day = 29;
  leap.hour = 12;
  leap.minute = 0;
  EXPECT_EQ(ro::detail::NextMatch(leap, Utc(2029, 3, 1, 0, 0)), Utc(2032, 2, 29, 12, 0));
  ro::detail::DateSpec april31 = leap;
  april31.month = 4;
  april31.day = 31;
  EXPECT_EQ(ro::detail::NextMatch(april31, Utc(2030, 1, 1, 0, 0)), std::nullopt);
}

TEST_F(TimerSpecTest, AOneShotSpecMatchesOnlyItsMomentAndItsWeekday) {
  ro::detail::DateSpec once;
  once.year = 2030;
  once.month = 1;
  once.day = 1;
  once.hour = 8;
  once.minute = 30;
  once.second = 15;
  once.millisecond = 500;
  ASSERT_EQ(ro::detail::CheckSpec(once), "");
  const auto expected = Utc(2030, 1, 1, 8, 30) + milliseconds(15500);
  EXPECT_EQ(ro::detail::NextMatch(once, Utc(2029, 6, 1, 0, 0)), expected);
  EXPECT_EQ(ro::detail::NextMatch(once, expected + milliseconds(1)), std::nullopt);
  once.day_of_week = 2;  // a Tuesday: consistent
  EXPECT_EQ(ro::detail::NextMatch(once, Utc(2029, 6, 1, 0, 0)), expected);
  once.day_of_week = 3;
  EXPECT_EQ(ro::detail::NextMatch(once, Utc(2029, 6, 1, 0, 0)), std::nullopt);
}

TEST_F(TimerSpecTest, CheckSpecNamesTheFieldOutOfRange) {
  ro::detail::DateSpec spec;
  spec.hour = 24;
  EXPECT_NE(ro::detail::CheckSpec(spec).find("hour 24"), std::string::npos);
  spec.hour = 1;
  spec.day_of_week = 7;
  EXPECT_NE(ro::detail::CheckSpec(spec).find("day of week 7"), std::string::npos);
  spec.day_of_week = -1;
  spec.millisecond = 1000;
  EXPECT_NE(ro::detail::CheckSpec(spec).find("millisecond 1000"), std::string::npos);
}

}  // namespace
