// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// How scripts use events and user data (issue 12): type(msg) on a timed-out
// wait, a datagram event used as a string, SetUserData("literal").

#include <any>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <ro/ro.hpp>

namespace {

using namespace std::string_view_literals;

struct TickEvent final : ro::Event {
  std::string_view TypeName() const override { return "tick"; }
};

// Sends `payload` over loopback to a socket on `port` and returns the event.
ro::Message Receive(std::string_view payload) {
  ro::MessagePort port;
  ro::DatagramSocket receiver;
  receiver.SetPort(port);
  EXPECT_TRUE(receiver.BindToLocalPort(0)) << receiver.GetFailureReason();
  ro::DatagramSocket sender;
  EXPECT_EQ(sender.SendTo("127.0.0.1", receiver.GetLocalPort(), payload), 0)
      << sender.GetFailureReason();
  return ro::Wait(3000, port);
}

const std::string* StringIn(const ro::UserData& data) { return std::any_cast<std::string>(&data); }

TEST(TypeTest, TypeOfATimedOutWaitIsInvalid) {
  ro::MessagePort port;
  const ro::Message msg = ro::Wait(10, port);
  ASSERT_EQ(msg, nullptr);
  EXPECT_EQ(ro::Type(msg), "Invalid");
  EXPECT_EQ(ro::Type(nullptr), "Invalid");
}

TEST(TypeTest, TypeOfAnEventIsItsTypeName) {
  ro::MessagePort port;
  ASSERT_TRUE(port.PostMessage(std::make_shared<TickEvent>()));
  EXPECT_EQ(ro::Type(port.GetMessage()), "tick");
  const ro::Message datagram = Receive("x");
  ASSERT_NE(datagram, nullptr);
  EXPECT_EQ(ro::Type(datagram), "roDatagramEvent");
}

TEST(DatagramEventAsStringTest, ComparesConvertsAndStreamsAsItsPayload) {
  const ro::Message msg = Receive("pause");
  ASSERT_NE(msg, nullptr);
  const auto* ev = msg->As<ro::DatagramEvent>();
  ASSERT_NE(ev, nullptr);
  const std::string copy(*ev);  // msg$ = event
  EXPECT_EQ(copy, "pause");
  const std::string_view view = *ev;
  EXPECT_EQ(view.data(), ev->GetPayload().data());  // no copy
  EXPECT_TRUE(*ev == "pause");                      // if event = "pause"
  EXPECT_TRUE("pause" == *ev);
  EXPECT_TRUE(*ev != "play");
  EXPECT_FALSE(*ev == "paus");
  EXPECT_EQ(std::string_view(*ev).substr(0, 3), "pau");  // left(event, 3)
  std::ostringstream printed;
  printed << *ev;  // print event
  EXPECT_EQ(printed.str(), "pause");
  EXPECT_EQ(ro::DatagramString(msg), "pause");
}

// The source text is written by hand (not inet_ntop); each octet width and
// the largest octets must come out as the sender's address.
TEST(DatagramEventAddressTest, SourceHostIsTheSendersDottedQuadForEveryOctetWidth) {
  ro::MessagePort port;
  ro::DatagramSocket receiver;
  receiver.SetPort(port);
  ASSERT_TRUE(receiver.BindToLocalAddress("127.0.0.1", 0)) << receiver.GetFailureReason();
  for (const char* source : {"127.0.0.1", "127.9.10.99", "127.100.200.255", "127.255.255.254"}) {
    ro::DatagramSocket sender;
    ASSERT_TRUE(sender.BindToLocalAddress(source, 0)) << sender.GetFailureReason();
    ASSERT_EQ(sender.SendTo("127.0.0.1", receiver.GetLocalPort(), "x"), 0)
        << sender.GetFailureReason();
    const ro::Message msg = ro::Wait(3000, port);
    ASSERT_NE(msg, nullptr) << source;
    const auto* ev = msg->As<ro::DatagramEvent>();
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(ev->GetSourceHost(), source);
    EXPECT_EQ(ev->GetSourcePort(), sender.GetLocalPort());
  }
}

TEST(DatagramEventAsStringTest, BinaryPayloadsKeepTheirZeroBytes) {
  const std::string_view payload("a\0b", 3);
  const ro::Message msg = Receive(payload);
  ASSERT_NE(msg, nullptr);
  const auto& ev = *msg->As<ro::DatagramEvent>();
  EXPECT_TRUE(ev == payload);
  EXPECT_FALSE(ev == "a");
  std::ostringstream printed;
  printed.width(10);  // a payload is data: no padding
  printed << ev;
  EXPECT_EQ(printed.str(), payload);
  EXPECT_EQ(ro::DatagramString(msg), payload);
}

TEST(DatagramEventAsStringTest, DatagramStringOfAnythingElseIsEmpty) {
  EXPECT_EQ(ro::DatagramString(nullptr), "");
  EXPECT_EQ(ro::DatagramString(std::make_shared<TickEvent>()), "");
}

TEST(UserDataLiteralTest, EveryObjectStoresALiteralAsStdString) {
  ro::DatagramSocket socket;
  socket.SetUserData("brightWall");
  ASSERT_NE(StringIn(socket.GetUserData()), nullptr);
  EXPECT_EQ(*StringIn(socket.GetUserData()), "brightWall");

  ro::NetworkHotplug hotplug;
  hotplug.SetUserData("hotplug");
  ASSERT_NE(StringIn(hotplug.GetUserData()), nullptr);
  EXPECT_EQ(*StringIn(hotplug.GetUserData()), "hotplug");

  ro::DatagramSender sender;
  sender.SetUserData("sender");
  ASSERT_NE(StringIn(sender.GetUserData()), nullptr);
  EXPECT_EQ(*StringIn(sender.GetUserData()), "sender");

  ro::DatagramReceiver receiver(0);
  receiver.SetUserData("port 5000");
  ASSERT_NE(StringIn(receiver.GetUserData()), nullptr);
  EXPECT_EQ(*StringIn(receiver.GetUserData()), "port 5000");

  ro::Timer timer;
  timer.SetUserData("timer");
  ASSERT_NE(StringIn(timer.GetUserData()), nullptr);
  EXPECT_EQ(*StringIn(timer.GetUserData()), "timer");
}

TEST(UserDataLiteralTest, ANullCharPointerStoresInvalid) {
  ro::DatagramSocket socket;
  socket.SetUserData("x");
  socket.SetUserData(static_cast<const char*>(nullptr));
  EXPECT_FALSE(socket.GetUserData().has_value());
}

TEST(UserDataLiteralTest, OtherValuesAreStoredAsGiven) {
  ro::DatagramSocket socket;
  socket.SetUserData(42);
  EXPECT_EQ(std::any_cast<int>(socket.GetUserData()), 42);
  socket.SetUserData(std::string("s"));
  EXPECT_EQ(*StringIn(socket.GetUserData()), "s");
}

TEST(UserDataLiteralTest, TheDatagramEventCarriesTheLiteralAsStdString) {
  ro::MessagePort port;
  ro::DatagramSocket receiver;
  receiver.SetPort(port);
  receiver.SetUserData("control");
  ASSERT_TRUE(receiver.BindToLocalPort(0));
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo("127.0.0.1", receiver.GetLocalPort(), "go"), 0);
  const ro::Message msg = ro::Wait(3000, port);
  ASSERT_NE(msg, nullptr);
  const ro::UserData data = msg->GetUserData();
  ASSERT_NE(StringIn(data), nullptr);
  EXPECT_EQ(*StringIn(data), "control");  // msg.GetUserData() = "control"
}

}  // namespace
