// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Tests of the legacy objects ro::DatagramSender (roDatagramSender) and
// ro::DatagramReceiver (roDatagramReceiver) on loopback: destinations and
// their validation, source ports, the events a receiver posts, user data,
// identity and moved-from objects. Broadcast is tested in
// legacy_netns_test.cpp, inside a private network namespace.
//
// Traffic goes to 127.0.0.1 and ::1 only: no test here calls Send() with a
// broadcast destination.

#include <any>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ro/byte_array.hpp>
#include <ro/datagram_event.hpp>
#include <ro/datagram_receiver.hpp>
#include <ro/datagram_sender.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>
#include <ro/ro.hpp>

#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_test::kLoopback;
using ro_test::kLoopback6;
using ro_test::ReceiveMany;
using ro_test::ReceiveOne;
using ro_test::StaysEmpty;

// A receiver on a free port that delivers to `port`.
ro::DatagramReceiver MakeLegacyReceiver(const ro::MessagePort& port) {
  ro::DatagramReceiver receiver(0);
  receiver.SetPort(port);
  return receiver;
}

TEST(LegacySender, SendsTextAndBytesToAReceiver) {
  ro::MessagePort port;
  ro::DatagramReceiver receiver = MakeLegacyReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  EXPECT_EQ(receiver.GetFailureReason(), "");

  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination(kLoopback, receiver.GetLocalPort()))
      << sender.GetFailureReason();
  ASSERT_EQ(sender.Send("mute:off"), 0) << sender.GetFailureReason();
  ro::ByteArray bytes{0x00, 0x01, 0xff};
  ASSERT_EQ(sender.Send(bytes), 0) << sender.GetFailureReason();

  const auto events = ReceiveMany(port, 2);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0]->TypeName(), "roDatagramEvent");
  EXPECT_EQ(events[0]->GetString(), "mute:off");
  EXPECT_EQ(events[0]->GetSourceHost(), kLoopback);
  EXPECT_EQ(events[0]->GetSourcePort(), sender.GetSourcePort());
  EXPECT_EQ(events[1]->GetByteArray(), bytes);
  EXPECT_EQ(sender.GetFailureReason(), "");
}

TEST(LegacySender, LocalhostAndIpv6LoopbackAreDestinations) {
  ro::MessagePort port;
  ro::DatagramReceiver receiver = MakeLegacyReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination("localhost", receiver.GetLocalPort()));
  ASSERT_EQ(sender.Send("via localhost"), 0) << sender.GetFailureReason();
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "via localhost");

  if (!ro_test::HasIpv6Loopback()) GTEST_SKIP() << "no ::1 on this machine";
  ro::MessagePort port6;
  ro::DatagramSocket listener6;
  listener6.SetPort(port6);
  ASSERT_TRUE(listener6.BindToLocalAddress(kLoopback6, 0)) << listener6.GetFailureReason();
  ro::DatagramSender sender6;
  ASSERT_TRUE(sender6.SetDestination(kLoopback6, listener6.GetLocalPort()));
  ASSERT_EQ(sender6.Send("over IPv6"), 0) << sender6.GetFailureReason();
  const auto event6 = ReceiveOne(port6);
  ASSERT_NE(event6, nullptr);
  EXPECT_EQ(event6->GetString(), "over IPv6");
  EXPECT_EQ(event6->GetSourceHost(), kLoopback6);
}

TEST(LegacySender, SendBeforeSetDestinationFails) {
  ro::DatagramSender sender;
  EXPECT_EQ(sender.Send("nowhere"), -EDESTADDRREQ);
  EXPECT_EQ(sender.GetFailureCode(), -EDESTADDRREQ);
  EXPECT_NE(sender.GetFailureReason().find("SetDestination"), std::string::npos)
      << sender.GetFailureReason();
  EXPECT_EQ(sender.GetSourcePort(), 0) << "a refused Send must not bind";
}

TEST(LegacySender, SetDestinationValidates) {
  ro::DatagramSender sender;
  struct Case {
    const char* host;
    int port;
  };
  const std::vector<Case> bad = {
      {"127.0.0.1", 0},
      {"127.0.0.1", 65536},
      {"127.0.0.1", -1},
      {"", 5000},
      {"example.com", 5000},
      {"127.0.0.256", 5000},
      {"BCAST-SUBNET-", 5000},
      {"BCAST-SUBNET-x", 5000},
      {"BCAST-SUBNET--1", 5000},
      {"BCAST-SUBNET-+1", 5000},
      {"BCAST-SUBNET-1 ", 5000},
      {"bcast-local-subnets", 5000},
      {"BCAST-LOCAL-SUBNETS ", 5000},
      {"fe80::1%no-such-if0", 5000},
  };
  for (const Case& c : bad) {
    EXPECT_FALSE(sender.SetDestination(c.host, c.port)) << c.host << " " << c.port;
    EXPECT_EQ(sender.GetFailureCode(), -EINVAL) << c.host << " " << c.port;
    EXPECT_NE(sender.GetFailureReason().find("SetDestination"), std::string::npos)
        << sender.GetFailureReason();
  }
  // Accepted without sending anything: broadcast names are resolved at Send.
  const std::vector<Case> good = {
      {"127.0.0.1", 1},          {"localhost", 65535},          {"::1", 5000},
      {"255.255.255.255", 5000}, {"BCAST-LOCAL-SUBNETS", 5000}, {"BCAST-SUBNET-0", 5000},
      {"BCAST-SUBNET-12", 5000},
  };
  for (const Case& c : good) {
    EXPECT_TRUE(sender.SetDestination(c.host, c.port))
        << c.host << " " << c.port << ": " << sender.GetFailureReason();
  }
}

TEST(LegacySender, RefusedDestinationKeepsThePreviousOne) {
  ro::MessagePort port;
  ro::DatagramReceiver receiver = MakeLegacyReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination(kLoopback, receiver.GetLocalPort()));
  EXPECT_FALSE(sender.SetDestination("not an address", receiver.GetLocalPort()));
  ASSERT_EQ(sender.Send("still here"), 0) << sender.GetFailureReason();
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "still here");
}

TEST(LegacySender, SetSourcePortChoosesTheSourcePortOnce) {
  ro::MessagePort port;
  ro::DatagramReceiver receiver = MakeLegacyReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0);

  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetSourcePort(0)) << sender.GetFailureReason();
  const int source = sender.GetSourcePort();
  ASSERT_GT(source, 0);
  ASSERT_TRUE(sender.SetDestination(kLoopback, receiver.GetLocalPort()));
  ASSERT_EQ(sender.Send("from a chosen port"), 0) << sender.GetFailureReason();
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetSourcePort(), source);

  EXPECT_FALSE(sender.SetSourcePort(0)) << "the source port is chosen once";
  EXPECT_EQ(sender.GetFailureCode(), -EINVAL) << sender.GetFailureReason();
  EXPECT_EQ(sender.GetSourcePort(), source);

  ro::DatagramSender after_send;
  ASSERT_TRUE(after_send.SetDestination(kLoopback, receiver.GetLocalPort()));
  ASSERT_EQ(after_send.Send("auto-bound"), 0);
  EXPECT_GT(after_send.GetSourcePort(), 0);
  EXPECT_FALSE(after_send.SetSourcePort(0)) << "Send already chose the port";
  ASSERT_NE(ReceiveOne(port), nullptr);
}

TEST(LegacySender, SetSourcePortRefusesBadAndBusyPorts) {
  ro::DatagramSender sender;
  EXPECT_FALSE(sender.SetSourcePort(-1));
  EXPECT_FALSE(sender.SetSourcePort(65536));
  ro::DatagramReceiver busy(0);
  ASSERT_GT(busy.GetLocalPort(), 0);
  EXPECT_FALSE(sender.SetSourcePort(busy.GetLocalPort()));
  EXPECT_EQ(sender.GetFailureCode(), -EADDRINUSE) << sender.GetFailureReason();
}

TEST(LegacySender, UserDataAndIdentity) {
  ro::DatagramSender a;
  ro::DatagramSender b;
  EXPECT_FALSE(a.GetUserData().has_value());
  a.SetUserData(std::string("lights"));
  ASSERT_TRUE(a.GetUserData().has_value());
  EXPECT_EQ(std::any_cast<std::string>(a.GetUserData()), "lights");
  EXPECT_NE(a.GetIdentity(), 0);
  EXPECT_NE(b.GetIdentity(), 0);
  EXPECT_NE(a.GetIdentity(), b.GetIdentity());
}

TEST(LegacySender, ConcurrentSendsAllArrive) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  constexpr std::size_t kTotal = kThreads * kEach;
  ro::MessagePort port;
  ro::DatagramReceiver receiver = MakeLegacyReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination(kLoopback, receiver.GetLocalPort()));
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&sender, t] {
      for (int i = 0; i < kEach; ++i) (void)sender.Send(std::to_string(t * 1000 + i));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ReceiveMany(port, kTotal).size(), kTotal);
}

TEST(LegacySender, MovedFromSenderFails) {
  ro::DatagramSender sender;
  ro::DatagramSender other(std::move(sender));
  // NOLINTBEGIN(bugprone-use-after-move): moved-from behaviour is the test.
  EXPECT_FALSE(sender.SetDestination(kLoopback, 9));
  EXPECT_EQ(sender.Send("x"), -EBADF);
  EXPECT_FALSE(sender.SetSourcePort(0));
  EXPECT_EQ(sender.GetIdentity(), 0);
  EXPECT_NE(sender.GetFailureReason().find("moved from"), std::string::npos);
  // NOLINTEND(bugprone-use-after-move)
  EXPECT_NE(other.GetIdentity(), 0);
}

TEST(LegacyReceiver, EventsCarryUserDataSnapshotAndIdentity) {
  ro::MessagePort port;
  ro::DatagramReceiver receiver(0);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  receiver.SetPort(port);
  EXPECT_FALSE(receiver.GetUserData().has_value());
  receiver.SetUserData(std::string("port 5000"));
  EXPECT_NE(receiver.GetIdentity(), 0);

  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "first"), 0);
  auto first = ReceiveOne(port);
  ASSERT_NE(first, nullptr);
  receiver.SetUserData(std::string("changed"));
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "second"), 0);
  auto second = ReceiveOne(port);
  ASSERT_NE(second, nullptr);

  EXPECT_EQ(first->TypeName(), "roDatagramEvent");
  EXPECT_EQ(std::any_cast<std::string>(first->GetUserData()), "port 5000");
  EXPECT_EQ(std::any_cast<std::string>(second->GetUserData()), "changed");
  EXPECT_EQ(first->GetSourceIdentity(), receiver.GetIdentity());
  EXPECT_EQ(first->GetSourcePort(), sender.GetLocalPort());
  EXPECT_EQ(first->GetSourceHost(), kLoopback);
}

TEST(LegacyReceiver, SetPortAfterDatagramsArriveStillDelivers) {
  ro::DatagramReceiver receiver(0);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "early"), 0);
  ro::MessagePort port;
  receiver.SetPort(port);
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr) << "a datagram queued in the kernel before SetPort is delivered";
  EXPECT_EQ(event->GetString(), "early");
}

TEST(LegacyReceiver, FailedBindIsReportedNotThrown) {
  ro::DatagramReceiver first(0);
  ASSERT_GT(first.GetLocalPort(), 0);
  ro::DatagramReceiver second(first.GetLocalPort());
  EXPECT_EQ(second.GetLocalPort(), 0);
  EXPECT_EQ(second.GetFailureCode(), -EADDRINUSE) << second.GetFailureReason();

  ro::DatagramReceiver negative(-1);
  EXPECT_EQ(negative.GetLocalPort(), 0);
  EXPECT_NE(negative.GetFailureReason(), "");
  ro::DatagramReceiver too_large(65536);
  EXPECT_EQ(too_large.GetLocalPort(), 0);
  EXPECT_NE(too_large.GetFailureReason(), "");
}

TEST(LegacyReceiver, DestroyedReceiverStopsDeliveringButEventsLive) {
  ro::MessagePort port;
  ro::DatagramSocket sender;
  ro::Message kept;
  int local_port = 0;
  {
    ro::DatagramReceiver receiver = MakeLegacyReceiver(port);
    local_port = receiver.GetLocalPort();
    ASSERT_GT(local_port, 0);
    ASSERT_EQ(sender.SendTo(kLoopback, local_port, "kept"), 0);
    kept = ro_test::NextMessage(port);
    ASSERT_NE(kept, nullptr);
  }
  ASSERT_EQ(sender.SendTo(kLoopback, local_port, "after"), 0);
  EXPECT_TRUE(StaysEmpty(port));
  EXPECT_EQ(kept->As<ro::DatagramEvent>()->GetString(), "kept");
}

TEST(LegacyReceiver, MoveKeepsTheBinding) {
  ro::MessagePort port;
  ro::DatagramReceiver receiver = MakeLegacyReceiver(port);
  const int local_port = receiver.GetLocalPort();
  ASSERT_GT(local_port, 0);
  ro::DatagramReceiver moved(std::move(receiver));
  EXPECT_EQ(moved.GetLocalPort(), local_port);
  // NOLINTNEXTLINE(bugprone-use-after-move): moved-from behaviour is the test.
  EXPECT_EQ(receiver.GetLocalPort(), 0);
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, local_port, "moved"), 0);
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetSourceIdentity(), moved.GetIdentity());
}

TEST(LegacyObjects, UmbrellaHeaderHasThem) {
  // <ro/ro.hpp> is enough for a port of an old script.
  ro::DatagramSender sender;
  ro::DatagramReceiver receiver(0);
  EXPECT_NE(sender.GetIdentity(), receiver.GetIdentity());
}

}  // namespace
