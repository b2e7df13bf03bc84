// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Lifetime tests of ro::DatagramSocket: destroying or closing a socket under
// a flood stops its deliveries before the call returns, events outlive their
// socket, a socket survives its MessagePort, moves keep the receiving socket,
// the delivery statistics add up, and a destroyed socket's port is free at
// once.
//
// Traffic goes to 127.0.0.1 only. Every flood is bounded in count and time.

#include <any>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ro/byte_array.hpp>
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
using ro_test::ReceiveMany;
using ro_test::ReceiveOne;
using ro_test::StaysEmpty;
using ro_test::WaitFor;

// Sends small datagrams to 127.0.0.1:`target` from its own thread and
// socket until stopped, for at most `limit` and kMaxDatagrams datagrams.
class Flood {
 public:
  static constexpr std::uint64_t kMaxDatagrams = 2'000'000;

  explicit Flood(int target, std::chrono::milliseconds limit = 5s)
      : thread_([this, target, limit] { Run(target, limit); }) {}
  ~Flood() { Stop(); }
  Flood(const Flood&) = delete;
  Flood& operator=(const Flood&) = delete;

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // Datagrams handed to the kernel so far.
  [[nodiscard]] std::uint64_t Sent() const { return sent_.load(); }
  // SendTo calls that failed (there should be none).
  [[nodiscard]] std::uint64_t Failed() const { return failed_.load(); }

 private:
  void Run(int target, std::chrono::milliseconds limit) {
    ro::DatagramSocket socket;
    const auto deadline = Clock::now() + limit;
    for (std::uint64_t i = 0; i < kMaxDatagrams && !stop_; ++i) {
      if (socket.SendTo(kLoopback, target, "flood") == 0) {
        ++sent_;
      } else {
        ++failed_;
      }
      // Pace a little so the queue of an unread port stays modest.
      if (i % 64 == 63) {
        if (Clock::now() >= deadline) break;
        std::this_thread::sleep_for(200us);
      }
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::thread thread_;  // last: starts after the counters exist
};

std::uint64_t Posted(const ro::MessagePort& port) { return port.GetStatistics().posted; }

enum class Stop { kDestroy, kClose };

// Floods a receiving socket until more than `threshold` events are queued,
// stops it (destructor or Close()), and checks that not one event is posted
// in the following `quiet` while the flood goes on.
void CheckNoLateEvents(Stop how, std::uint64_t threshold, std::chrono::milliseconds quiet) {
  ro::MessagePort port;
  auto receiver = std::make_unique<ro::DatagramSocket>(MakeReceiver(port));
  const int target = receiver->GetLocalPort();
  ASSERT_GT(target, 0) << receiver->GetFailureReason();

  Flood flood(target);
  ASSERT_TRUE(WaitFor([&] { return Posted(port) > threshold; }))
      << "the flood never got going: posted " << Posted(port) << ", sent " << flood.Sent();

  std::uint64_t received_at_stop = 0;
  if (how == Stop::kDestroy) {
    receiver.reset();
  } else {
    receiver->Close();
    received_at_stop = receiver->GetStatistics().received;
  }
  const std::uint64_t posted_at_stop = Posted(port);
  const std::uint64_t sent_at_stop = flood.Sent();

  std::this_thread::sleep_for(quiet);
  EXPECT_EQ(Posted(port), posted_at_stop)
      << (how == Stop::kDestroy ? "destroyed" : "closed") << " socket posted "
      << Posted(port) - posted_at_stop << " event(s) after it returned";
  if (how == Stop::kClose) {
    EXPECT_EQ(receiver->GetStatistics().received, received_at_stop)
        << "a closed socket went on reading";
  }
  EXPECT_GT(flood.Sent(), sent_at_stop) << "the flood had stopped: the check proved nothing";
  flood.Stop();
  EXPECT_EQ(flood.Failed(), 0U);
}

TEST(Lifetime, DestroyingASocketUnderAFloodStopsDeliveriesBeforeTheDestructorReturns) {
  CheckNoLateEvents(Stop::kDestroy, 100, 300ms);
}

TEST(Lifetime, ClosingASocketUnderAFloodStopsDeliveriesBeforeCloseReturns) {
  CheckNoLateEvents(Stop::kClose, 100, 300ms);
}

TEST(Lifetime, DestroyUnderFloodRepeatedQuicklyNeverPostsLate) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    CheckNoLateEvents(round % 4 == 3 ? Stop::kClose : Stop::kDestroy, 20, 30ms);
    if (HasFatalFailure()) return;
  }
}

TEST(Lifetime, EventsOutliveTheSocketThatReceivedThem) {
  ro::MessagePort port;
  std::shared_ptr<const ro::DatagramEvent> taken;
  int identity = 0;
  int sender_port = 0;
  {
    ro::DatagramSocket receiver = MakeReceiver(port);
    ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
    receiver.SetUserData(std::string("kiosk-7"));
    identity = receiver.GetIdentity();
    ro::DatagramSocket sender;
    ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "taken"), 0);
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "queued " + std::to_string(i)),
                0);
    }
    sender_port = sender.GetLocalPort();
    taken = ReceiveOne(port);
    ASSERT_NE(taken, nullptr);
    ASSERT_TRUE(WaitFor([&] { return port.GetQueueLength() == 3; }))
        << "queued: " << port.GetQueueLength();
    // Both sockets are destroyed here, with three events still queued.
  }

  EXPECT_EQ(taken->GetString(), "taken");
  EXPECT_EQ(taken->GetPayload(), "taken");
  EXPECT_EQ(taken->GetByteArray().ToAsciiString(), "taken");
  EXPECT_EQ(taken->GetSourceHost(), "127.0.0.1");
  EXPECT_EQ(taken->GetSourcePort(), sender_port);
  EXPECT_EQ(taken->GetSourceIdentity(), identity);
  const ro::UserData data = taken->GetUserData();
  ASSERT_NE(std::any_cast<std::string>(&data), nullptr);
  EXPECT_EQ(std::any_cast<std::string>(data), "kiosk-7");

  // Events still queued when the socket died are delivered intact.
  for (int i = 0; i < 3; ++i) {
    const auto event = ReceiveOne(port, 1s);
    ASSERT_NE(event, nullptr) << "queued event " << i << " vanished with its socket";
    EXPECT_EQ(event->GetString(), "queued " + std::to_string(i));
    EXPECT_EQ(event->GetSourceIdentity(), identity);
    EXPECT_TRUE(event->GetUserData().has_value());
  }
  EXPECT_TRUE(StaysEmpty(port, 50ms));
}

TEST(Lifetime, SocketOutlivesItsPortAndCountsDropsUntilGivenANewPort) {
  ro::MessagePort sender_port;
  ro::DatagramSocket sender = MakeReceiver(sender_port);
  ASSERT_GT(sender.GetLocalPort(), 0) << sender.GetFailureReason();

  auto first_port = std::make_optional<ro::MessagePort>();
  ro::DatagramSocket receiver = MakeReceiver(*first_port);
  const int target = receiver.GetLocalPort();
  ASSERT_GT(target, 0) << receiver.GetFailureReason();

  ASSERT_EQ(sender.SendTo(kLoopback, target, "first"), 0);
  const auto first = ReceiveOne(*first_port);
  ASSERT_NE(first, nullptr);

  first_port.reset();  // the last handle: the queue is gone
  constexpr int kDropped = 10;
  for (int i = 0; i < kDropped; ++i) {
    ASSERT_EQ(sender.SendTo(kLoopback, target, "into the void"), 0);
  }
  ASSERT_TRUE(WaitFor([&] { return receiver.GetStatistics().dropped_by_port == kDropped; }))
      << "dropped_by_port " << receiver.GetStatistics().dropped_by_port;

  // The socket itself still works.
  EXPECT_EQ(receiver.SendTo(kLoopback, sender.GetLocalPort(), "still alive"), 0)
      << receiver.GetFailureReason();
  const auto alive = ReceiveOne(sender_port);
  ASSERT_NE(alive, nullptr);
  EXPECT_EQ(alive->GetString(), "still alive");

  ro::MessagePort second_port;
  receiver.SetPort(second_port);
  ASSERT_EQ(sender.SendTo(kLoopback, target, "resumed"), 0);
  const auto resumed = ReceiveOne(second_port);
  ASSERT_NE(resumed, nullptr) << "deliveries did not resume on the new port";
  EXPECT_EQ(resumed->GetString(), "resumed");

  EXPECT_TRUE(ro_test::WaitForSettledStatistics(receiver, kDropped + 2))
      << "received " << receiver.GetStatistics().received;
  const ro::SocketStatistics stats = receiver.GetStatistics();
  EXPECT_EQ(stats.received, static_cast<std::uint64_t>(kDropped + 2));
  EXPECT_EQ(stats.delivered, 2U);
  EXPECT_EQ(stats.dropped_by_port, static_cast<std::uint64_t>(kDropped));
  EXPECT_EQ(stats.received, stats.delivered + stats.dropped_by_port + stats.truncated);
}

TEST(Lifetime, DroppingThePortUnderAFloodIsSafe) {
  auto port = std::make_optional<ro::MessagePort>();
  ro::DatagramSocket receiver = MakeReceiver(*port);
  const int target = receiver.GetLocalPort();
  ASSERT_GT(target, 0) << receiver.GetFailureReason();

  Flood flood(target);
  ASSERT_TRUE(WaitFor([&] { return Posted(*port) > 100; }));
  port.reset();
  const std::uint64_t dropped = receiver.GetStatistics().dropped_by_port;
  ASSERT_TRUE(WaitFor([&] { return receiver.GetStatistics().dropped_by_port > dropped + 100; }))
      << "the socket stopped reading once its port was gone";
  flood.Stop();

  ro::MessagePort next;
  receiver.SetPort(next);
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, target, "after the flood"), 0);
  // Flood datagrams still in the kernel buffer may come first.
  bool found = false;
  for (int i = 0; i < 100'000 && !found; ++i) {
    const auto event = ReceiveOne(next, 2s);
    if (event == nullptr) break;
    found = event->GetString() == "after the flood";
  }
  EXPECT_TRUE(found) << "deliveries did not resume on the new port";
}

TEST(Lifetime, MoveConstructAndMoveAssignKeepTheReceivingSocket) {
  ro::MessagePort port;
  ro::DatagramSocket sender;
  auto original = std::make_unique<ro::DatagramSocket>(MakeReceiver(port));
  const int local = original->GetLocalPort();
  ASSERT_GT(local, 0) << original->GetFailureReason();
  const int identity = original->GetIdentity();
  original->SetUserData(std::string("moved along"));

  ro::DatagramSocket moved(std::move(*original));
  original.reset();  // destroying the moved-from object must not close the socket
  EXPECT_EQ(moved.GetLocalPort(), local);
  EXPECT_EQ(moved.GetIdentity(), identity);
  ASSERT_EQ(sender.SendTo(kLoopback, local, "after move-construct"), 0);
  auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr) << "no delivery after move construction";
  EXPECT_EQ(event->GetString(), "after move-construct");
  EXPECT_EQ(event->GetSourceIdentity(), identity);
  const ro::UserData data = event->GetUserData();
  ASSERT_NE(std::any_cast<std::string>(&data), nullptr);
  EXPECT_EQ(std::any_cast<std::string>(data), "moved along");

  // Move-assign over a socket that is itself bound and receiving.
  ro::MessagePort other_port;
  auto target = std::make_unique<ro::DatagramSocket>(MakeReceiver(other_port));
  const int replaced_port = target->GetLocalPort();
  ASSERT_GT(replaced_port, 0) << target->GetFailureReason();
  *target = std::move(moved);
  EXPECT_EQ(target->GetLocalPort(), local);
  EXPECT_EQ(target->GetIdentity(), identity);
  {
    ro::DatagramSocket emptied = std::move(moved);  // NOLINT(bugprone-use-after-move)
    (void)emptied;
  }  // destroying the moved-from object (moved again, still empty) changes nothing

  ASSERT_EQ(sender.SendTo(kLoopback, local, "after move-assign"), 0);
  event = ReceiveOne(port);
  ASSERT_NE(event, nullptr) << "no delivery after move assignment";
  EXPECT_EQ(event->GetString(), "after move-assign");
  EXPECT_EQ(event->GetSourceIdentity(), identity);

  // The assignment closed the target's previous socket: its port is free.
  ro::DatagramSocket rebinder;
  EXPECT_TRUE(rebinder.BindToLocalPort(replaced_port)) << rebinder.GetFailureReason();
  EXPECT_EQ(rebinder.GetLocalPort(), replaced_port);
  EXPECT_TRUE(StaysEmpty(other_port, 50ms));

  target.reset();
  ASSERT_EQ(sender.SendTo(kLoopback, local, "after destruction"), 0);
  EXPECT_TRUE(StaysEmpty(port, 200ms)) << "the destroyed moved-to socket still delivers";
}

TEST(Lifetime, MovingAReceivingSocketUnderAFloodKeepsDelivering) {
  ro::MessagePort port;
  auto original = std::make_unique<ro::DatagramSocket>(MakeReceiver(port));
  const int target = original->GetLocalPort();
  ASSERT_GT(target, 0) << original->GetFailureReason();
  Flood flood(target);
  ASSERT_TRUE(WaitFor([&] { return Posted(port) > 100; }));

  auto moved = std::make_unique<ro::DatagramSocket>(std::move(*original));
  original.reset();
  std::uint64_t mark = Posted(port);
  EXPECT_TRUE(WaitFor([&] { return Posted(port) > mark + 100; }))
      << "deliveries stopped after moving and destroying the moved-from object";

  ro::DatagramSocket assigned;
  assigned = std::move(*moved);
  moved.reset();
  mark = Posted(port);
  EXPECT_TRUE(WaitFor([&] { return Posted(port) > mark + 100; }))
      << "deliveries stopped after move assignment";

  assigned.Close();
  mark = Posted(port);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Posted(port), mark);
  flood.Stop();
}

TEST(Lifetime, StatisticsAccountForEveryDatagram) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  ro::DatagramSocket sender;
  constexpr int kCount = 50;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "n" + std::to_string(i)), 0);
  }
  ASSERT_TRUE(ro_test::WaitForSettledStatistics(receiver, kCount))
      << "received " << receiver.GetStatistics().received;

  const ro::SocketStatistics rx = receiver.GetStatistics();
  EXPECT_EQ(rx.received, rx.delivered + rx.dropped_by_port + rx.truncated);
  EXPECT_EQ(rx.delivered, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(rx.dropped_by_port, 0U);
  EXPECT_EQ(rx.truncated, 0U);
  EXPECT_EQ(rx.dropped_by_kernel, 0U);
  EXPECT_EQ(rx.receive_errors, 0U);
  EXPECT_EQ(rx.sent, 0U);
  EXPECT_EQ(rx.send_errors, 0U);

  const ro::SocketStatistics tx = sender.GetStatistics();
  EXPECT_EQ(tx.sent, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(tx.send_errors, 0U);
  EXPECT_EQ(tx.received, 0U);

  const ro::PortStatistics ps = port.GetStatistics();
  EXPECT_EQ(ps.posted, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(ps.queued, static_cast<std::size_t>(kCount));
  EXPECT_EQ(ReceiveMany(port, kCount).size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(port.GetStatistics().delivered, static_cast<std::uint64_t>(kCount));
}

TEST(Lifetime, StatisticsCountDatagramsRefusedByABoundedPort) {
  ro::MessagePort port;
  port.SetMaxQueueLength(10);
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  ro::DatagramSocket sender;
  constexpr int kCount = 30;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "n" + std::to_string(i)), 0);
  }
  ASSERT_TRUE(ro_test::WaitForSettledStatistics(receiver, kCount))
      << "received " << receiver.GetStatistics().received;

  const ro::SocketStatistics rx = receiver.GetStatistics();
  EXPECT_EQ(rx.received, rx.delivered + rx.dropped_by_port + rx.truncated);
  EXPECT_EQ(rx.delivered, 10U);
  EXPECT_EQ(rx.dropped_by_port, 20U);
  EXPECT_EQ(port.GetStatistics().dropped, 20U);
  EXPECT_EQ(port.GetStatistics().posted, 10U);

  // Drop-newest: the first ten are the ones queued.
  const auto events = ReceiveMany(port, 10);
  ASSERT_EQ(events.size(), 10U);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]->GetString(), "n" + std::to_string(i));
  }
  EXPECT_TRUE(StaysEmpty(port, 50ms));
}

TEST(Lifetime, APortIsFreeForANewSocketRightAfterTheOldOneIsDestroyed) {
  ro::MessagePort port;
  ro::DatagramSocket sender;
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int local = 0;
    {
      ro::DatagramSocket old = MakeReceiver(port);  // receiving: the reactor holds it too
      local = old.GetLocalPort();
      ASSERT_GT(local, 0) << old.GetFailureReason();
      ASSERT_EQ(sender.SendTo(kLoopback, local, "old"), 0);
      ASSERT_NE(ReceiveOne(port), nullptr);
    }
    ro::DatagramSocket fresh;
    fresh.SetPort(port);
    ASSERT_TRUE(fresh.BindToLocalPort(local))
        << "the destroyed socket still holds its port: " << fresh.GetFailureReason();
    ASSERT_EQ(fresh.GetLocalPort(), local) << fresh.GetFailureReason();
    ASSERT_EQ(sender.SendTo(kLoopback, local, "fresh"), 0);
    const auto event = ReceiveOne(port);
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->GetString(), "fresh");
    EXPECT_EQ(event->GetSourceIdentity(), fresh.GetIdentity());
  }
}

TEST(Lifetime, APortIsFreeForANewSocketRightAfterTheOldOneIsClosed) {
  ro::MessagePort port;
  ro::DatagramSocket old = MakeReceiver(port);
  const int local = old.GetLocalPort();
  ASSERT_GT(local, 0) << old.GetFailureReason();
  old.Close();
  ro::DatagramSocket fresh;
  EXPECT_TRUE(fresh.BindToLocalPort(local)) << fresh.GetFailureReason();
  EXPECT_EQ(fresh.GetLocalPort(), local);
}

TEST(Lifetime, APortIsFreeRightAfterDestroyingItsSocketUnderAFlood) {
  ro::MessagePort port;
  auto old = std::make_unique<ro::DatagramSocket>(MakeReceiver(port));
  const int local = old->GetLocalPort();
  ASSERT_GT(local, 0) << old->GetFailureReason();
  Flood flood(local);
  ASSERT_TRUE(WaitFor([&] { return Posted(port) > 100; }));
  old.reset();
  ro::DatagramSocket fresh;
  EXPECT_TRUE(fresh.BindToLocalPort(local)) << fresh.GetFailureReason();
  EXPECT_EQ(fresh.GetLocalPort(), local);
  flood.Stop();
}

}  // namespace
