// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Tests of the everyday ro::DatagramSocket (roDatagramSocket) calls on
// loopback: binding, local ports, sending before a bind, the fields of a
// received ro::DatagramEvent, identity, user data, SetPort ordering, IPv6 and
// concurrent senders.
//
// Traffic goes to 127.0.0.1 and ::1 only.

#include <any>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
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
using ro_test::kLoopback;
using ro_test::kLoopback6;
using ro_test::MakeReceiver;
using ro_test::ReceiveMany;
using ro_test::ReceiveOne;
using ro_test::StaysEmpty;
using ro_test::WaitFor;

// The user data of `event` as a string, or "<none>" / "<not a string>".
std::string UserDataText(const ro::Event& event) {
  const ro::UserData data = event.GetUserData();
  if (!data.has_value()) return "<none>";
  const auto* text = std::any_cast<std::string>(&data);
  return text == nullptr ? "<not a string>" : *text;
}

TEST(SocketBasics, LocalPortIsZeroBeforeAnyBind) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.GetLocalPort(), 0);
  ro::MessagePort port;
  udp.SetPort(port);
  EXPECT_EQ(udp.GetLocalPort(), 0) << "SetPort alone must not bind";
  EXPECT_EQ(udp.GetFailureReason(), "");
}

TEST(SocketBasics, BindToLocalPortZeroPicksAFreePort) {
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.BindToLocalPort(0)) << udp.GetFailureReason();
  const int local = udp.GetLocalPort();
  EXPECT_GE(local, 1);
  EXPECT_LE(local, 65535);
  EXPECT_EQ(udp.GetLocalPort(), local) << "the port must be stable";

  ro::DatagramSocket other;
  ASSERT_TRUE(other.BindToLocalPort(0)) << other.GetFailureReason();
  EXPECT_NE(other.GetLocalPort(), local) << "two live sockets cannot share a chosen port";
}

TEST(SocketBasics, BindingAPortInUseFailsWithAddressAlreadyInUse) {
  ro::DatagramSocket first;
  ASSERT_TRUE(first.BindToLocalPort(0)) << first.GetFailureReason();
  const int taken = first.GetLocalPort();

  ro::DatagramSocket second;
  EXPECT_FALSE(second.BindToLocalPort(taken));
  EXPECT_EQ(second.GetFailureCode(), -EADDRINUSE);
  // One check of the wording: the reason names the call and the cause.
  const std::string reason = second.GetFailureReason();
  EXPECT_NE(reason.find("BindToLocalPort"), std::string::npos) << reason;
  EXPECT_NE(reason.find("Address already in use"), std::string::npos) << reason;
  EXPECT_EQ(second.GetLocalPort(), 0) << "a failed bind must not report a port";

  // The failed socket can still bind elsewhere.
  EXPECT_TRUE(second.BindToLocalPort(0)) << second.GetFailureReason();
  EXPECT_GT(second.GetLocalPort(), 0);
  EXPECT_NE(second.GetLocalPort(), taken);
}

TEST(SocketBasics, SecondBindFailsAndTheSocketKeepsItsFirstPort) {
  ro::MessagePort port;
  ro::DatagramSocket udp = MakeReceiver(port);
  const int first = udp.GetLocalPort();
  ASSERT_GT(first, 0) << udp.GetFailureReason();

  EXPECT_FALSE(udp.BindToLocalPort(0));
  EXPECT_EQ(udp.GetFailureCode(), -EINVAL) << udp.GetFailureReason();
  EXPECT_EQ(udp.GetLocalPort(), first);

  // Binding to the port it already has is a second bind too.
  EXPECT_FALSE(udp.BindToLocalPort(first));
  EXPECT_EQ(udp.GetFailureCode(), -EINVAL) << udp.GetFailureReason();
  EXPECT_EQ(udp.GetLocalPort(), first);

  // And it still receives on the first port.
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, first, "still here"), 0) << sender.GetFailureReason();
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr) << "nothing arrived on the first port after a failed rebind";
  EXPECT_EQ(event->GetString(), "still here");
}

TEST(SocketBasics, DatagramEventCarriesPayloadSourceIdentityAndDestination) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();

  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.BindToLocalPort(0)) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "hello, player"), 0)
      << sender.GetFailureReason();

  const ro::Message msg = ro_test::NextMessage(port);
  ASSERT_NE(msg, nullptr) << "no event within " << ro_test::kPatience.count() << " ms";
  EXPECT_EQ(msg->TypeName(), "roDatagramEvent");
  const auto* event = msg->As<ro::DatagramEvent>();
  ASSERT_NE(event, nullptr);

  EXPECT_EQ(event->GetString(), "hello, player");
  EXPECT_EQ(event->GetPayload(), "hello, player");
  EXPECT_EQ(event->GetPayloadSize(), 13U);
  ro::ByteArray expected;
  expected.FromAsciiString("hello, player");
  EXPECT_EQ(event->GetByteArray(), expected);

  EXPECT_EQ(event->GetSourceHost(), "127.0.0.1");
  EXPECT_EQ(event->GetSourcePort(), sender.GetLocalPort());
  EXPECT_EQ(event->GetSourceIdentity(), receiver.GetIdentity());
  EXPECT_NE(event->GetSourceIdentity(), sender.GetIdentity());

  EXPECT_EQ(event->GetDestinationHost(), "127.0.0.1");
  EXPECT_GT(event->GetInterfaceIndex(), 0);
  EXPECT_EQ(event->GetInterfaceName(), "lo");

  EXPECT_TRUE(StaysEmpty(port, 100ms)) << "one datagram must make one event";
}

TEST(SocketBasics, SetReceiveDestinationFalseLeavesTheDestinationOut) {
  ro::MessagePort port;
  ro::DatagramSocket receiver;
  receiver.SetPort(port);
  ASSERT_TRUE(receiver.SetReceiveDestination(false)) << receiver.GetFailureReason();
  ASSERT_TRUE(receiver.BindToLocalPort(0)) << receiver.GetFailureReason();
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "first"), 0);
  ro::Message msg = ro_test::NextMessage(port);
  ASSERT_NE(msg, nullptr);
  const auto* event = msg->As<ro::DatagramEvent>();
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "first");
  EXPECT_EQ(event->GetSourceHost(), "127.0.0.1");
  EXPECT_EQ(event->GetDestinationHost(), "");
  EXPECT_EQ(event->GetInterfaceIndex(), 0);
  EXPECT_EQ(event->GetInterfaceName(), "");

  // Switched back on for a socket that already exists.
  ASSERT_TRUE(receiver.SetReceiveDestination(true)) << receiver.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "second"), 0);
  msg = ro_test::NextMessage(port);
  ASSERT_NE(msg, nullptr);
  event = msg->As<ro::DatagramEvent>();
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "second");
  EXPECT_EQ(event->GetDestinationHost(), "127.0.0.1");
  EXPECT_EQ(event->GetInterfaceName(), "lo");
}

TEST(SocketBasics, SendToAcceptsAByteArray) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();

  ro::ByteArray packet;
  ASSERT_TRUE(packet.FromHexString("48690a00ff"));
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), packet), 0)
      << sender.GetFailureReason();

  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetByteArray(), packet);
  EXPECT_EQ(event->GetByteArray().ToHexString(), "48690A00FF");
  EXPECT_EQ(event->GetPayloadSize(), 5U);
}

TEST(SocketBasics, SendBeforeBindAutoBindsAndReceivesReplies) {
  ro::MessagePort server_port;
  ro::DatagramSocket server = MakeReceiver(server_port);
  ASSERT_GT(server.GetLocalPort(), 0) << server.GetFailureReason();

  ro::MessagePort client_port;
  ro::DatagramSocket client;
  client.SetPort(client_port);
  ASSERT_EQ(client.GetLocalPort(), 0);
  ASSERT_EQ(client.SendTo(kLoopback, server.GetLocalPort(), "M-SEARCH"), 0)
      << client.GetFailureReason();
  const int client_local = client.GetLocalPort();
  EXPECT_GT(client_local, 0) << "SendTo before a bind must bind an ephemeral port";
  EXPECT_LE(client_local, 65535);

  const auto request = ReceiveOne(server_port);
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->GetString(), "M-SEARCH");
  EXPECT_EQ(request->GetSourceHost(), "127.0.0.1");
  EXPECT_EQ(request->GetSourcePort(), client_local);

  // Reply to the source, as SSDP does.
  ASSERT_EQ(server.SendTo(request->GetSourceHost(), request->GetSourcePort(), "HTTP/1.1 200 OK"), 0)
      << server.GetFailureReason();
  const auto reply = ReceiveOne(client_port);
  ASSERT_NE(reply, nullptr) << "the reply to the auto-bound port never arrived";
  EXPECT_EQ(reply->GetString(), "HTTP/1.1 200 OK");
  EXPECT_EQ(reply->GetSourcePort(), server.GetLocalPort());
  EXPECT_EQ(reply->GetSourceIdentity(), client.GetIdentity());

  // Later sends reuse the same local port.
  ASSERT_EQ(client.SendTo(kLoopback, server.GetLocalPort(), "again"), 0);
  EXPECT_EQ(client.GetLocalPort(), client_local);
  const auto again = ReceiveOne(server_port);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->GetSourcePort(), client_local);
}

TEST(SocketBasics, RepliesToAnAutoBoundSocketArriveOnceSetPortIsCalledLater) {
  ro::MessagePort server_port;
  ro::DatagramSocket server = MakeReceiver(server_port);
  ASSERT_GT(server.GetLocalPort(), 0) << server.GetFailureReason();

  ro::DatagramSocket client;  // no port yet
  ASSERT_EQ(client.SendTo(kLoopback, server.GetLocalPort(), "ping"), 0)
      << client.GetFailureReason();
  const auto request = ReceiveOne(server_port);
  ASSERT_NE(request, nullptr);
  ASSERT_EQ(server.SendTo(kLoopback, request->GetSourcePort(), "pong"), 0)
      << server.GetFailureReason();

  ro::MessagePort client_port;
  client.SetPort(client_port);
  const auto reply = ReceiveOne(client_port);
  ASSERT_NE(reply, nullptr) << "a reply that reached the kernel before SetPort was lost";
  EXPECT_EQ(reply->GetString(), "pong");
}

TEST(SocketBasics, DatagramsSentBeforeSetPortAreDeliveredWhenSetPortIsCalled) {
  ro::DatagramSocket receiver;
  ASSERT_TRUE(receiver.BindToLocalPort(0)) << receiver.GetFailureReason();
  ro::DatagramSocket sender;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "early " + std::to_string(i)), 0)
        << sender.GetFailureReason();
  }
  std::this_thread::sleep_for(100ms);
  // Without a port the socket does not read: the datagrams wait in the
  // kernel buffer rather than being read and dropped.
  EXPECT_EQ(receiver.GetStatistics().received, 0U);
  EXPECT_EQ(receiver.GetStatistics().dropped_by_port, 0U);

  ro::MessagePort port;
  receiver.SetPort(port);
  const auto events = ReceiveMany(port, 3);
  ASSERT_EQ(events.size(), 3U) << "datagrams queued before SetPort were lost";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events[static_cast<std::size_t>(i)]->GetString(), "early " + std::to_string(i));
  }
}

TEST(SocketBasics, SetPortAgainMovesDeliveriesToTheNewPort) {
  ro::MessagePort first_port;
  ro::MessagePort second_port;
  ro::DatagramSocket receiver = MakeReceiver(first_port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  ro::DatagramSocket sender;

  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "one"), 0);
  const auto one = ReceiveOne(first_port);
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->GetString(), "one");

  receiver.SetPort(second_port);
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "two"), 0);
  const auto two = ReceiveOne(second_port);
  ASSERT_NE(two, nullptr) << "nothing reached the replacement port";
  EXPECT_EQ(two->GetString(), "two");
  EXPECT_TRUE(StaysEmpty(first_port, 100ms)) << "the replaced port still gets events";
}

TEST(SocketBasics, IdentityIsNonZeroDistinctAndStable) {
  ro::DatagramSocket a;
  ro::DatagramSocket b;
  ro::DatagramSocket c;
  const std::set<int> ids = {a.GetIdentity(), b.GetIdentity(), c.GetIdentity()};
  EXPECT_EQ(ids.size(), 3U) << "identities must be distinct";
  EXPECT_EQ(ids.count(0), 0U) << "identity 0 means 'no source object'";

  const int before = a.GetIdentity();
  ASSERT_TRUE(a.BindToLocalPort(0)) << a.GetFailureReason();
  EXPECT_EQ(a.GetIdentity(), before);
  ASSERT_EQ(b.SendTo(kLoopback, a.GetLocalPort(), "x"), 0);
  a.SetUserData(std::string("data"));
  EXPECT_EQ(a.GetIdentity(), before);
  EXPECT_EQ(a.GetIdentity(), a.GetIdentity());

  {
    // A later socket gets yet another identity, even after others die.
    ro::DatagramSocket d;
    EXPECT_EQ(ids.count(d.GetIdentity()), 0U);
    EXPECT_NE(d.GetIdentity(), 0);
  }
}

TEST(SocketBasics, TwoSocketsOnOnePortAreToldApartByIdentity) {
  ro::MessagePort port;
  ro::DatagramSocket a = MakeReceiver(port);
  ro::DatagramSocket b = MakeReceiver(port);
  ASSERT_GT(a.GetLocalPort(), 0) << a.GetFailureReason();
  ASSERT_GT(b.GetLocalPort(), 0) << b.GetFailureReason();
  a.SetUserData(std::string("a"));
  b.SetUserData(std::string("b"));

  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, a.GetLocalPort(), "to a"), 0);
  const auto first = ReceiveOne(port);
  ASSERT_EQ(sender.SendTo(kLoopback, b.GetLocalPort(), "to b"), 0);
  const auto second = ReceiveOne(port);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  EXPECT_EQ(first->GetString(), "to a");
  EXPECT_EQ(first->GetSourceIdentity(), a.GetIdentity());
  EXPECT_EQ(UserDataText(*first), "a");
  EXPECT_EQ(second->GetString(), "to b");
  EXPECT_EQ(second->GetSourceIdentity(), b.GetIdentity());
  EXPECT_EQ(UserDataText(*second), "b");
}

TEST(SocketBasics, UserDataIsEmptyByDefaultAndReturnsWhatWasSet) {
  ro::DatagramSocket udp;
  EXPECT_FALSE(udp.GetUserData().has_value()) << "Invalid by default";

  udp.SetUserData(42);
  ASSERT_TRUE(udp.GetUserData().has_value());
  const ro::UserData number = udp.GetUserData();
  ASSERT_NE(std::any_cast<int>(&number), nullptr);
  EXPECT_EQ(std::any_cast<int>(number), 42);

  udp.SetUserData(std::string("player-1"));
  const ro::UserData text = udp.GetUserData();
  ASSERT_NE(std::any_cast<std::string>(&text), nullptr);
  EXPECT_EQ(std::any_cast<std::string>(text), "player-1");

  udp.SetUserData(ro::UserData{});
  EXPECT_FALSE(udp.GetUserData().has_value()) << "setting Invalid clears the user data";
}

TEST(SocketBasics, EventWithoutUserDataHasNone) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "x"), 0);
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_FALSE(event->GetUserData().has_value());
}

TEST(SocketBasics, EventUserDataIsASnapshotTakenWhenTheDatagramArrived) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  ro::DatagramSocket sender;

  receiver.SetUserData(std::string("a"));
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "1"), 0);
  const auto e1 = ReceiveOne(port);
  ASSERT_NE(e1, nullptr);
  EXPECT_EQ(UserDataText(*e1), "a");

  receiver.SetUserData(std::string("b"));
  EXPECT_EQ(UserDataText(*e1), "a") << "an event's user data must not follow the socket's";
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "2"), 0);
  const auto e2 = ReceiveOne(port);
  ASSERT_NE(e2, nullptr);
  EXPECT_EQ(UserDataText(*e2), "b");
  EXPECT_EQ(UserDataText(*e1), "a");

  receiver.SetUserData(ro::UserData{});
  ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), "3"), 0);
  const auto e3 = ReceiveOne(port);
  ASSERT_NE(e3, nullptr);
  EXPECT_FALSE(e3->GetUserData().has_value());
  EXPECT_EQ(UserDataText(*e2), "b");
}

TEST(SocketBasics, GlobalWaitReturnsDatagramEventsThatArriveWhileWaiting) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  const int target = receiver.GetLocalPort();

  // The datagram is sent while this thread is already blocked in Wait():
  // delivery must not depend on the application calling into the socket.
  std::atomic<int> send_result{1};
  std::thread later([&] {
    std::this_thread::sleep_for(100ms);
    ro::DatagramSocket sender;
    send_result = sender.SendTo(kLoopback, target, "while waiting");
  });
  const auto start = ro_test::Clock::now();
  const ro::Message msg = ro::Wait(5000, port);
  later.join();
  ASSERT_EQ(send_result.load(), 0);
  ASSERT_NE(msg, nullptr) << "Wait timed out";
  EXPECT_LT(ro_test::Clock::now() - start, 4s) << "Wait was not woken by the delivery";
  const auto* event = msg->As<ro::DatagramEvent>();
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "while waiting");
}

TEST(SocketBasics, ConcurrentSendToOnOneSocketDeliversEveryDatagram) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  const int target = receiver.GetLocalPort();

  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.BindToLocalPort(0)) << sender.GetFailureReason();
  constexpr int kThreads = 4;
  // 100 small datagrams in all: they fit a default receive buffer even if
  // the reader falls behind, so any loss is the library's.
  constexpr int kPerThread = 25;
  constexpr std::size_t kTotal = std::size_t{kThreads} * kPerThread;
  std::array<std::atomic<int>, kThreads> failures{};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string text = std::to_string(t) + ":" + std::to_string(i);
        if (sender.SendTo(kLoopback, target, text) != 0) ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[static_cast<std::size_t>(t)].load(), 0) << "thread " << t;
  }
  EXPECT_EQ(sender.GetStatistics().sent, kTotal);

  const auto events = ReceiveMany(port, kTotal);
  ASSERT_EQ(events.size(), kTotal)
      << "receiver stats: received " << receiver.GetStatistics().received << ", kernel drops "
      << receiver.GetStatistics().dropped_by_kernel;
  // Each thread's datagrams arrive exactly once and in that thread's order.
  std::array<int, kThreads> next{};
  for (const auto& event : events) {
    const std::string text = event->GetString();
    const auto colon = text.find(':');
    ASSERT_NE(colon, std::string::npos) << text;
    const int t = std::stoi(text.substr(0, colon));
    const int i = std::stoi(text.substr(colon + 1));
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(i, next[static_cast<std::size_t>(t)]) << "thread " << t << " out of order";
    next[static_cast<std::size_t>(t)] = i + 1;
    EXPECT_EQ(event->GetSourcePort(), sender.GetLocalPort());
  }
}

// BindToLocalPort binds IPv4 only, so an IPv6 socket exists only through
// SendTo("::1", ...) before any bind. The first datagram of each socket goes
// to the IPv4 port of a socket this test holds, where nothing listens on
// IPv6: it is refused on loopback and only serves to bind the sender.
TEST(SocketBasics, Ipv6SendBeforeBindAutoBindsAndExchangesOverLoopback) {
  if (!ro_test::HasIpv6Loopback()) GTEST_SKIP() << "no ::1 on this host";

  ro::DatagramSocket ipv4_only;
  ASSERT_TRUE(ipv4_only.BindToLocalPort(0)) << ipv4_only.GetFailureReason();
  const int nowhere = ipv4_only.GetLocalPort();

  ro::MessagePort server_port;
  ro::DatagramSocket server;
  server.SetPort(server_port);
  ASSERT_EQ(server.SendTo(kLoopback6, nowhere, "bind me"), 0) << server.GetFailureReason();
  const int server_local = server.GetLocalPort();
  ASSERT_GT(server_local, 0) << "SendTo(\"::1\") before a bind must bind an IPv6 socket";

  ro::MessagePort client_port;
  ro::DatagramSocket client;
  client.SetPort(client_port);
  ASSERT_EQ(client.SendTo(kLoopback6, server_local, "hello over ::1"), 0)
      << client.GetFailureReason();
  ASSERT_GT(client.GetLocalPort(), 0);

  const auto request = ReceiveOne(server_port);
  ASSERT_NE(request, nullptr) << "the IPv6 datagram never arrived";
  EXPECT_EQ(request->GetString(), "hello over ::1");
  EXPECT_EQ(request->GetSourceHost(), "::1");
  EXPECT_EQ(request->GetSourcePort(), client.GetLocalPort());
  EXPECT_EQ(request->GetSourceIdentity(), server.GetIdentity());
  EXPECT_EQ(request->GetDestinationHost(), "::1");
  EXPECT_EQ(request->GetInterfaceName(), "lo");

  ASSERT_EQ(server.SendTo(request->GetSourceHost(), request->GetSourcePort(), "reply over ::1"), 0)
      << server.GetFailureReason();
  const auto reply = ReceiveOne(client_port);
  ASSERT_NE(reply, nullptr) << "the IPv6 reply never arrived";
  EXPECT_EQ(reply->GetString(), "reply over ::1");
  EXPECT_EQ(reply->GetSourceHost(), "::1");
  EXPECT_EQ(reply->GetSourcePort(), server_local);

  // The refused "bind me" datagram went nowhere: the IPv4 socket on that
  // port number never saw an IPv6 datagram.
  EXPECT_EQ(ipv4_only.GetStatistics().received, 0U);
}

}  // namespace
