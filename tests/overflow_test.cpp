// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Overflow is never silent. With real sockets on 127.0.0.1 these tests
// check the policy of a bounded MessagePort (SetMaxQueueLength: drop-newest)
// and that the statistics account for every datagram:
//
//   socket: received == delivered + dropped_by_port + truncated
//   socket: datagrams sent to it == received + dropped_by_kernel
//   port:   posted == sum of the sockets' delivered (+ accepted PostMessage)
//   port:   dropped == sum of the sockets' dropped_by_port (+ refused PostMessage)
//
// dropped_by_kernel is the socket's SO_MEMINFO drop counter, read when the
// statistics are taken, so it is exact at once. The tests still send one
// "probe" datagram once a flood has been read, to know the reactor has
// caught up with everything the kernel queued before it.
//
// (truncated cannot be provoked with real sockets: the receive buffer is
// larger than any UDP datagram. fault_injection_test covers it through the
// syscall seam.)
//
// Every flood is bounded in count and time; every wait has a timeout.

#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <any>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/event.hpp>
#include <ro/message_port.hpp>

#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_test::Clock;
using ro_test::kLoopback;
using ro_test::MakeReceiver;

// Why the kernel's per-socket drop counter (SO_MEMINFO) cannot be read on
// this machine, or "" when it can. qemu-user 7.2 (the cross builds' test
// runner) hands back a truncated SO_MEMINFO, so the library reports 0 kernel
// drops there and the flood tests cannot balance their books.
std::string KernelDropCounterUnavailable() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket() failed: ") + std::strerror(errno);
  std::uint32_t info[SK_MEMINFO_VARS] = {};
  socklen_t length = sizeof info;
  const int rc = getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &length);
  const int error = errno;
  close(fd);
  if (rc != 0) {
    return std::string("getsockopt(SO_MEMINFO) failed (qemu-user does not emulate it?): ") +
           std::strerror(error);
  }
  if (length < sizeof(std::uint32_t) * (SK_MEMINFO_DROPS + 1)) {
    return "getsockopt(SO_MEMINFO) returned " + std::to_string(length) + " of " +
           std::to_string(sizeof info) +
           " bytes, without the drop counter (qemu-user 7.2 truncates SO_MEMINFO): "
           "kernel drops cannot be counted here";
  }
  return {};
}
using ro_test::ReceiveOne;
using ro_test::WaitFor;

std::string Numbered(std::uint64_t n) { return "seq:" + std::to_string(n); }

// An application event, for PostMessage.
class Note final : public ro::Event {
 public:
  [[nodiscard]] std::string_view TypeName() const override { return "overflow.Note"; }
};

// Waits until `socket` has read `count` datagrams and counted each of them
// (see ro_test::WaitForSettledStatistics), with a message on failure.
::testing::AssertionResult Settled(const ro::DatagramSocket& socket, std::uint64_t count,
                                   std::chrono::milliseconds limit = ro_test::kPatience) {
  if (ro_test::WaitForSettledStatistics(socket, count, limit)) {
    return ::testing::AssertionSuccess();
  }
  const ro::SocketStatistics s = socket.GetStatistics();
  return ::testing::AssertionFailure()
         << "expected " << count << " datagrams read and counted; received " << s.received
         << ", delivered " << s.delivered << ", dropped_by_port " << s.dropped_by_port
         << ", truncated " << s.truncated << ", dropped_by_kernel " << s.dropped_by_kernel;
}

// Waits until the socket's counters stop moving for `quiet`, at most `limit`.
void WaitUntilQuiet(const ro::DatagramSocket& socket, std::chrono::milliseconds quiet = 200ms,
                    std::chrono::milliseconds limit = 10s) {
  const auto deadline = Clock::now() + limit;
  std::uint64_t last = socket.GetStatistics().received;
  auto since = Clock::now();
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    const std::uint64_t now = socket.GetStatistics().received;
    if (now != last) {
      last = now;
      since = Clock::now();
    } else if (Clock::now() - since >= quiet) {
      return;
    }
  }
}

// Holds the library's reactor thread (the one that reads sockets) inside a
// port watchdog handler, so that datagrams pile up in the kernel the way
// they do when a player is too busy to read them. Bounded: the handler lets
// go by itself after `limit`. The handler shares its state by shared_ptr,
// so it may even outlive this object safely.
class ReactorHold {
 public:
  explicit ReactorHold(std::chrono::seconds limit = 20s) : state_(std::make_shared<State>()) {
    port_.SetWatchdogHandler([state = state_, limit] {
      state->holding = true;
      (void)state->release_future.wait_for(limit);
      state->holding = false;
    });
    // The watchdog fires after 1 s without GetMessage on port_.
    port_.SetWatchdogTimeout(1);
  }
  ~ReactorHold() { Release(); }
  ReactorHold(const ReactorHold&) = delete;
  ReactorHold& operator=(const ReactorHold&) = delete;

  // True once the reactor thread is held.
  bool WaitUntilHolding() {
    return WaitFor([this] { return state_->holding.load(); }, 10s);
  }

  // Lets the reactor go and waits until the handler has returned, so that
  // the reactor reads sockets again.
  void Release() {
    port_.SetWatchdogTimeout(0);  // never fires if it has not yet
    if (!released_) {
      released_ = true;
      state_->release.set_value();
    }
    (void)WaitFor([this] { return !state_->holding.load(); }, 10s);
  }

 private:
  struct State {
    std::promise<void> release;
    std::shared_future<void> release_future = release.get_future().share();
    std::atomic<bool> holding{false};
  };
  std::shared_ptr<State> state_;
  ro::MessagePort port_;
  bool released_ = false;
};

// --- Drop-newest ------------------------------------------------------------

// A port bounded to N events keeps the N oldest and refuses the rest; the
// refused datagrams are counted on the socket (dropped_by_port) and on the
// port (dropped). Once the application makes room, datagrams are accepted
// again.
TEST(Overflow, BoundedPortKeepsTheOldestAndCountsTheNewestAsDropped) {
  constexpr std::size_t kBound = 10;
  constexpr std::uint64_t kSent = 50;
  ro::MessagePort port;
  port.SetMaxQueueLength(kBound);
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();

  ro::DatagramSocket sender;
  for (std::uint64_t i = 0; i < kSent; ++i) {
    ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), Numbered(i)), 0)
        << sender.GetFailureReason();
    // One at a time: the kernel never has to drop, so any loss below is the
    // port's.
    ASSERT_TRUE(Settled(receiver, i + 1));
  }

  ro::SocketStatistics s = receiver.GetStatistics();
  EXPECT_EQ(s.received, kSent);
  EXPECT_EQ(s.delivered, kBound);
  EXPECT_EQ(s.dropped_by_port, kSent - kBound);
  EXPECT_EQ(s.truncated, 0U);
  EXPECT_EQ(s.dropped_by_kernel, 0U);

  ro::PortStatistics p = port.GetStatistics();
  EXPECT_EQ(p.posted, kBound);
  EXPECT_EQ(p.dropped, kSent - kBound);
  EXPECT_EQ(p.queued, kBound);
  EXPECT_EQ(p.high_water, kBound);
  EXPECT_EQ(port.GetQueueLength(), kBound);

  // Drop-newest: what is queued is the first kBound datagrams, in order.
  for (std::uint64_t i = 0; i < kBound; ++i) {
    const auto event = ReceiveOne(port);
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->GetString(), Numbered(i));
  }
  EXPECT_EQ(port.GetMessage(), nullptr);

  // Room again: the next datagrams are delivered.
  for (std::uint64_t i = kSent; i < kSent + 3; ++i) {
    ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), Numbered(i)), 0);
    const auto event = ReceiveOne(port);
    ASSERT_NE(event, nullptr) << "a drained port did not accept datagrams again";
    EXPECT_EQ(event->GetString(), Numbered(i));
  }
  ASSERT_TRUE(Settled(receiver, kSent + 3));
  s = receiver.GetStatistics();
  EXPECT_EQ(s.delivered, kBound + 3);
  EXPECT_EQ(s.dropped_by_port, kSent - kBound);
  p = port.GetStatistics();
  EXPECT_EQ(p.posted, kBound + 3);
  EXPECT_EQ(p.delivered, kBound + 3);
  EXPECT_EQ(p.dropped, kSent - kBound);
}

// Lowering the bound below the current length keeps what is queued (nothing
// already accepted is thrown away) and refuses new events until the queue
// is below the bound; 0 makes the port unbounded again.
// A flood that nobody reads stops at the port's default memory budget
// (64 MiB) instead of growing the process without end: the rest is dropped
// and counted on both the socket and the port.
TEST(Overflow, AnUnreadFloodOfLargeDatagramsStopsAtTheDefaultMemoryBudget) {
  constexpr std::size_t kBudget = std::size_t{64} << 20;
  constexpr std::size_t kPayload = 60000;
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  receiver.SetReceiveBufferSize(8 << 20);
  ro::DatagramSocket sender;
  const std::string payload(kPayload, 'x');
  // Bounded: 3,000 datagrams (~180 MB, three times the budget) or 30 s.
  const auto deadline = Clock::now() + 30s;
  int sent = 0;
  while (sent < 3000 && Clock::now() < deadline && port.GetStatistics().dropped < 50) {
    if (receiver.GetStatistics().received + 64 < static_cast<std::uint64_t>(sent)) {
      std::this_thread::sleep_for(100us);  // let the reader keep up: no kernel drops
      continue;
    }
    ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), payload), 0);
    ++sent;
  }
  WaitUntilQuiet(receiver);
  const ro::PortStatistics stats = port.GetStatistics();
  const ro::SocketStatistics socket = receiver.GetStatistics();
  EXPECT_GT(stats.dropped, 0u) << "the queue grew past 64 MiB without dropping: " << stats.queued
                               << " events, " << stats.queued_bytes << " bytes";
  EXPECT_LE(stats.queued_bytes, kBudget);
  EXPECT_GT(stats.queued_bytes, kBudget - (kPayload + 128)) << "dropped before the budget";
  EXPECT_EQ(stats.queued_bytes, stats.queued * (kPayload + 128));
  EXPECT_EQ(socket.dropped_by_port, stats.dropped);
  EXPECT_EQ(socket.received, socket.delivered + socket.dropped_by_port + socket.truncated);
}

TEST(Overflow, LoweringTheBoundKeepsQueuedEventsAndRefusesNewOnes) {
  ro::MessagePort port;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(port.PostMessage(std::make_shared<Note>()));
  port.SetMaxQueueLength(2);
  EXPECT_EQ(port.GetQueueLength(), 5U);
  EXPECT_FALSE(port.PostMessage(std::make_shared<Note>()));
  for (int i = 0; i < 4; ++i) ASSERT_NE(port.GetMessage(), nullptr);
  EXPECT_TRUE(port.PostMessage(std::make_shared<Note>())) << "1 queued, bound 2: room for one";
  EXPECT_FALSE(port.PostMessage(std::make_shared<Note>()));
  port.SetMaxQueueLength(0);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(port.PostMessage(std::make_shared<Note>()));
  const ro::PortStatistics p = port.GetStatistics();
  EXPECT_EQ(p.posted, 106U);
  EXPECT_EQ(p.dropped, 2U);
  EXPECT_EQ(p.queued, 102U);
}

// Two sockets and the application share one bounded port: the port's
// counters are the sum of what each source had accepted and refused.
TEST(Overflow, PortCountersAreTheSumOfEverySourcesCounters) {
  constexpr std::size_t kBound = 8;
  ro::MessagePort port;
  port.SetMaxQueueLength(kBound);
  ro::DatagramSocket a = MakeReceiver(port);
  ro::DatagramSocket b = MakeReceiver(port);
  ASSERT_GT(a.GetLocalPort(), 0);
  ASSERT_GT(b.GetLocalPort(), 0);
  ro::DatagramSocket sender;
  std::uint64_t app_accepted = 0;
  std::uint64_t app_refused = 0;
  for (std::uint64_t i = 0; i < 12; ++i) {
    ASSERT_EQ(sender.SendTo(kLoopback, a.GetLocalPort(), Numbered(i)), 0);
    ASSERT_TRUE(Settled(a, i + 1));
    ASSERT_EQ(sender.SendTo(kLoopback, b.GetLocalPort(), Numbered(i)), 0);
    ASSERT_TRUE(Settled(b, i + 1));
    (port.PostMessage(std::make_shared<Note>()) ? app_accepted : app_refused) += 1;
  }
  const ro::SocketStatistics sa = a.GetStatistics();
  const ro::SocketStatistics sb = b.GetStatistics();
  const ro::PortStatistics p = port.GetStatistics();
  EXPECT_EQ(p.posted, sa.delivered + sb.delivered + app_accepted);
  EXPECT_EQ(p.dropped, sa.dropped_by_port + sb.dropped_by_port + app_refused);
  EXPECT_EQ(p.posted, kBound);
  EXPECT_EQ(p.posted + p.dropped, 12U * 3U);
}

// --- Every datagram accounted for -------------------------------------------

// Two unpaced senders flood a socket whose bounded port the application
// reads slowly. Whatever was lost on the way - in the kernel, because the
// reactor could not keep up, or at the port, because the application could
// not - every datagram sent is counted exactly once.
TEST(Overflow, EveryDatagramSentIsDeliveredOrCounted) {
  if (const std::string why = KernelDropCounterUnavailable(); !why.empty()) GTEST_SKIP() << why;
  constexpr std::size_t kBound = 256;
  constexpr std::uint64_t kPerSender = 20'000;
  constexpr auto kFloodLimit = 5s;

  ro::MessagePort port;
  port.SetMaxQueueLength(kBound);
  ro::DatagramSocket receiver = MakeReceiver(port);
  const int target = receiver.GetLocalPort();
  ASSERT_GT(target, 0) << receiver.GetFailureReason();

  std::atomic<bool> stop_reading{false};
  std::atomic<std::uint64_t> read{0};
  // The slow application: one event, then a 1 ms nap, so at most about
  // 1,000 events/s (the senders manage far more, even under TSan).
  std::thread reader([&] {
    const auto deadline = Clock::now() + 30s;
    while (!stop_reading && Clock::now() < deadline) {
      if (port.WaitMessage(10) != nullptr) ++read;
      std::this_thread::sleep_for(1ms);
    }
  });

  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> failed{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 2; ++t) {
    senders.emplace_back([&] {
      ro::DatagramSocket sender;
      const auto deadline = Clock::now() + kFloodLimit;
      for (std::uint64_t i = 0; i < kPerSender; ++i) {
        if (sender.SendTo(kLoopback, target, Numbered(i)) == 0) {
          ++sent;
        } else {
          ++failed;
        }
        if (i % 256 == 255 && Clock::now() >= deadline) break;
      }
    });
  }
  for (std::thread& t : senders) t.join();
  WaitUntilQuiet(receiver);
  stop_reading = true;
  reader.join();

  // The probe carries the kernel's final drop count (see the file comment).
  ro::DatagramSocket prober;
  ASSERT_EQ(prober.SendTo(kLoopback, target, "probe"), 0) << prober.GetFailureReason();
  const std::uint64_t total = sent + 1;
  ASSERT_TRUE(WaitFor([&] {
    const ro::SocketStatistics s = receiver.GetStatistics();
    return s.received + s.dropped_by_kernel == total &&
           s.received == s.delivered + s.dropped_by_port + s.truncated;
  })) << "sent "
      << total << ", received " << receiver.GetStatistics().received << ", dropped_by_kernel "
      << receiver.GetStatistics().dropped_by_kernel;

  EXPECT_EQ(failed.load(), 0U);
  const ro::SocketStatistics s = receiver.GetStatistics();
  const ro::PortStatistics p = port.GetStatistics();
  EXPECT_EQ(s.received + s.dropped_by_kernel, total);
  EXPECT_EQ(s.received, s.delivered + s.dropped_by_port + s.truncated);
  EXPECT_EQ(s.truncated, 0U);
  EXPECT_EQ(p.posted, s.delivered);
  EXPECT_EQ(p.dropped, s.dropped_by_port);
  EXPECT_EQ(p.delivered, read.load());
  EXPECT_EQ(p.posted, p.delivered + p.queued);
  EXPECT_LE(p.high_water, kBound);
  // The bound was reached (the reader is far slower than the senders), so
  // the port's side of the accounting was exercised.
  EXPECT_GT(s.dropped_by_port, 0U);
  RecordProperty("sent", std::to_string(total));
  RecordProperty("dropped_by_kernel", std::to_string(s.dropped_by_kernel));
  RecordProperty("dropped_by_port", std::to_string(s.dropped_by_port));
}

// A socket with the smallest receive buffer is flooded while the reactor
// thread cannot read it: the kernel drops what does not fit, and
// dropped_by_kernel reports exactly how many.
TEST(Overflow, KernelDropsAreCountedWhenTheReceiveBufferOverflows) {
  if (const std::string why = KernelDropCounterUnavailable(); !why.empty()) GTEST_SKIP() << why;
  constexpr std::uint64_t kFlood = 200;
  constexpr std::size_t kBound = 2;
  ro::MessagePort port;
  port.SetMaxQueueLength(kBound);
  ro::DatagramSocket receiver;
  receiver.SetPort(port);
  // The kernel rounds this up to its minimum (a few small datagrams).
  ASSERT_TRUE(receiver.SetReceiveBufferSize(1)) << receiver.GetFailureReason();
  ASSERT_TRUE(receiver.BindToLocalPort(0)) << receiver.GetFailureReason();
  const int target = receiver.GetLocalPort();
  ro::DatagramSocket sender;
  // Makes sure the receiver has started reading before the reactor is held.
  ASSERT_EQ(sender.SendTo(kLoopback, target, "before"), 0);
  ASSERT_TRUE(Settled(receiver, 1));

  {
    ReactorHold hold;
    ASSERT_TRUE(hold.WaitUntilHolding()) << "the watchdog handler never ran";
    for (std::uint64_t i = 0; i < kFlood; ++i) {
      ASSERT_EQ(sender.SendTo(kLoopback, target, Numbered(i)), 0) << sender.GetFailureReason();
    }
    hold.Release();
  }
  WaitUntilQuiet(receiver);
  ASSERT_EQ(sender.SendTo(kLoopback, target, "probe"), 0);
  const std::uint64_t total = 1 + kFlood + 1;
  ASSERT_TRUE(WaitFor([&] {
    const ro::SocketStatistics s = receiver.GetStatistics();
    return s.received + s.dropped_by_kernel == total &&
           s.received == s.delivered + s.dropped_by_port + s.truncated;
  })) << "sent "
      << total << ", received " << receiver.GetStatistics().received << ", dropped_by_kernel "
      << receiver.GetStatistics().dropped_by_kernel;

  const ro::SocketStatistics s = receiver.GetStatistics();
  EXPECT_GT(s.dropped_by_kernel, 0U) << "a " << receiver.GetReceiveBufferSize()
                                     << "-byte buffer held all " << kFlood << " datagrams";
  EXPECT_LT(s.received, total);
  EXPECT_EQ(s.delivered, kBound);
  EXPECT_EQ(s.dropped_by_port, s.received - kBound);
  const ro::PortStatistics p = port.GetStatistics();
  EXPECT_EQ(p.posted, s.delivered);
  EXPECT_EQ(p.dropped, s.dropped_by_port);

  // Drop-newest across both losses: the queue holds "before" and the first
  // flood datagram, the oldest the kernel kept.
  const auto first = ReceiveOne(port);
  const auto second = ReceiveOne(port);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->GetString(), "before");
  EXPECT_EQ(second->GetString(), Numbered(0));
}

}  // namespace
