// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Tests of the roMessagePort watchdog: SetWatchdogTimeout, DeferWatchdog,
// SetWatchdogHandler (extension) and the default log-and-abort handler.
// Every timing test uses a 1 s timeout; the whole file runs in about 25 s.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include <ro/message_port.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// Counts the runs of a port's watchdog handler and remembers the first one.
// Shared with the handler, which runs on the library's reactor thread.
struct FireProbe {
  std::atomic<int> count{0};
  std::atomic<Clock::rep> first_fire{0};

  [[nodiscard]] int Count() const { return count.load(); }

  // When the handler first ran, or nullopt if it has not.
  [[nodiscard]] std::optional<Clock::time_point> FirstFire() const {
    if (count.load() == 0) return std::nullopt;
    return Clock::time_point(Clock::duration(first_fire.load()));
  }
};

// Installs a counting handler on `port`.
std::shared_ptr<FireProbe> InstallProbe(const ro::MessagePort& port) {
  auto probe = std::make_shared<FireProbe>();
  port.SetWatchdogHandler([probe] {
    // first_fire is stored before count so that a reader who sees count > 0
    // also sees the time.
    if (probe->count.load() == 0) probe->first_fire.store(Clock::now().time_since_epoch().count());
    probe->count.fetch_add(1);
  });
  return probe;
}

// Polls (every 5 ms) until the handler has run or `limit` passes.
bool WaitForFire(const FireProbe& probe, milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  const auto max_rounds = limit.count() / 5 + 1;
  for (long long round = 0; round <= max_rounds && Clock::now() < deadline; ++round) {
    if (probe.Count() > 0) return true;
    std::this_thread::sleep_for(5ms);
  }
  return probe.Count() > 0;
}

// Milliseconds from `from` to the first run of the handler (-1 if none).
long long FireDelayMs(const FireProbe& probe, Clock::time_point from) {
  const auto fired = probe.FirstFire();
  if (!fired) return -1;
  return std::chrono::duration_cast<milliseconds>(*fired - from).count();
}

TEST(Watchdog, SetTimeoutReturnsThePreviousTimeout) {
  ro::MessagePort port;
  const auto probe = InstallProbe(port);
  EXPECT_EQ(port.SetWatchdogTimeout(5), 0);
  EXPECT_EQ(port.SetWatchdogTimeout(7), 5);
  EXPECT_EQ(port.SetWatchdogTimeout(0), 7);
  EXPECT_EQ(port.SetWatchdogTimeout(0), 0);

  // A negative value is stored as 0 (disarmed).
  EXPECT_EQ(port.SetWatchdogTimeout(9), 0);
  EXPECT_EQ(port.SetWatchdogTimeout(-3), 9);
  EXPECT_EQ(port.SetWatchdogTimeout(0), 0);

  // Copies share one watchdog.
  const ro::MessagePort copy = port;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.SetWatchdogTimeout(4), 0);
  EXPECT_EQ(port.SetWatchdogTimeout(0), 4);
  EXPECT_EQ(probe->Count(), 0);
}

TEST(Watchdog, FiresOnceWhenThePortIsNotServiced) {
  ro::MessagePort port;
  const auto probe = InstallProbe(port);
  const auto armed = Clock::now();
  port.SetWatchdogTimeout(1);

  ASSERT_TRUE(WaitForFire(*probe, 4000ms)) << "the watchdog did not fire within 4 s";
  const long long delay = FireDelayMs(*probe, armed);
  EXPECT_GE(delay, 800) << "fired too early";
  EXPECT_LE(delay, 4000);

  std::this_thread::sleep_for(2s);
  EXPECT_EQ(probe->Count(), 1) << "the handler must run once per arming";
}

TEST(Watchdog, GetMessageKeepsItQuiet) {
  ro::MessagePort port;
  const auto probe = InstallProbe(port);
  port.SetWatchdogTimeout(1);

  const auto stop = Clock::now() + 2500ms;
  for (int i = 0; i < 20 && Clock::now() < stop; ++i) {
    EXPECT_EQ(port.GetMessage(), nullptr);
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(probe->Count(), 0) << "fired although GetMessage() ran every 200 ms";

  (void)port.GetMessage();
  const auto last_call = Clock::now();
  ASSERT_TRUE(WaitForFire(*probe, 4000ms)) << "did not fire after GetMessage() calls stopped";
  EXPECT_GE(FireDelayMs(*probe, last_call), 800);
}

TEST(Watchdog, TimeBlockedInWaitDoesNotCount) {
  ro::MessagePort port;
  const auto probe = InstallProbe(port);
  port.SetWatchdogTimeout(1);

  const auto wait_start = Clock::now();
  const ro::Message msg = port.WaitMessage(3000);
  const auto wait_end = Clock::now();
  const int count_at_return = probe->Count();
  EXPECT_EQ(msg, nullptr);
  EXPECT_GE(std::chrono::duration_cast<milliseconds>(wait_end - wait_start).count(), 2900);
  EXPECT_EQ(count_at_return, 0) << "fired while the application was blocked in WaitMessage()";

  ASSERT_TRUE(WaitForFire(*probe, 4000ms)) << "did not fire after the wait returned";
  const long long delay = FireDelayMs(*probe, wait_end);
  EXPECT_GE(delay, 800) << "the deadline did not restart when the wait returned";
  EXPECT_LE(delay, 4000);
}

TEST(Watchdog, DeferPushesTheDeadlineOut) {
  ro::MessagePort port;
  const auto probe = InstallProbe(port);
  port.SetWatchdogTimeout(1);
  const auto deferred = Clock::now();
  port.DeferWatchdog(3);

  std::this_thread::sleep_for(2s);
  EXPECT_EQ(probe->Count(), 0) << "fired before the deferred deadline";

  ASSERT_TRUE(WaitForFire(*probe, 4000ms)) << "did not fire after the deferral ran out";
  const long long delay = FireDelayMs(*probe, deferred);
  EXPECT_GE(delay, 2800);
  EXPECT_LE(delay, 6000);
}

TEST(Watchdog, DeferNeverBringsTheDeadlineCloser) {
  ro::MessagePort port;
  const auto probe = InstallProbe(port);
  port.SetWatchdogTimeout(1);
  port.DeferWatchdog(3);
  port.DeferWatchdog(1);

  std::this_thread::sleep_for(2s);
  EXPECT_EQ(probe->Count(), 0) << "DeferWatchdog(1) brought a 3 s deferral closer";
  EXPECT_EQ(port.SetWatchdogTimeout(0), 1);
}

TEST(Watchdog, DeferWithoutArgumentUsesTheConfiguredTimeout) {
  ro::MessagePort port;
  const auto probe = InstallProbe(port);
  port.SetWatchdogTimeout(1);
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(probe->Count(), 0) << "fired before its 1 s timeout";
  const auto deferred = Clock::now();
  port.DeferWatchdog();

  ASSERT_TRUE(WaitForFire(*probe, 4000ms)) << "did not fire after DeferWatchdog()";
  const long long delay = FireDelayMs(*probe, deferred);
  EXPECT_GE(delay, 800) << "DeferWatchdog() did not push the deadline out by the timeout";
  EXPECT_LE(delay, 4000);
}

TEST(Watchdog, ZeroOrNegativeTimeoutDisarms) {
  ro::MessagePort zeroed;
  ro::MessagePort negated;
  const auto zeroed_probe = InstallProbe(zeroed);
  const auto negated_probe = InstallProbe(negated);
  zeroed.SetWatchdogTimeout(1);
  negated.SetWatchdogTimeout(1);
  EXPECT_EQ(zeroed.SetWatchdogTimeout(0), 1);
  EXPECT_EQ(negated.SetWatchdogTimeout(-5), 1);

  std::this_thread::sleep_for(2s);
  EXPECT_EQ(zeroed_probe->Count(), 0) << "SetWatchdogTimeout(0) did not disarm";
  EXPECT_EQ(negated_probe->Count(), 0) << "SetWatchdogTimeout(-5) did not disarm";
  EXPECT_EQ(negated.SetWatchdogTimeout(0), 0) << "a negative timeout was not stored as 0";
}

TEST(Watchdog, HandlerOfADestroyedPortNeverRuns) {
  std::shared_ptr<FireProbe> probe;
  {
    ro::MessagePort port;
    probe = InstallProbe(port);
    port.SetWatchdogTimeout(1);
  }  // last handle gone while armed
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(probe->Count(), 0);
}

TEST(WatchdogDeathTest, DefaultHandlerLogsAndAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ro::MessagePort port;
        port.SetWatchdogTimeout(1);
        std::this_thread::sleep_for(5s);
      },
      "[Ww]atchdog");
}

TEST(WatchdogDeathTest, EmptyHandlerRestoresTheDefault) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ro::MessagePort port;
        port.SetWatchdogHandler([] {});
        port.SetWatchdogHandler({});
        port.SetWatchdogTimeout(1);
        std::this_thread::sleep_for(5s);
      },
      "[Ww]atchdog");
}

}  // namespace
