// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Failure paths of ro::DatagramSocket: bad hosts and ports, ports in use,
// non-multicast groups, closed and moved-from sockets, GetFailureReason()
// (errno-like: it names the call and the cause and survives later
// successes), and receive errors that must not stop a socket.
//
// Traffic goes to 127.0.0.1 only. The JoinMulticastGroup arguments used here
// are not multicast groups: they must be refused before any join happens.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ro/byte_array.hpp>
#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_test::kLoopback;
using ro_test::MakeReceiver;
using ro_test::ReceiveOne;
using ro_test::StaysEmpty;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// True if every byte of `text` is printable ASCII: a reason is a sentence to
// show to a person, not a carrier for raw argument bytes.
bool IsPrintable(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x7f;
  });
}

bool IsPrintableHost(std::string_view host) { return IsPrintable(host); }

const std::vector<std::string>& BadHosts() {
  static const std::vector<std::string> hosts = {
      "",
      "not a host",
      "256.1.1.1",
      "1.2.3",
      "127.0.0.1:80",
      "::g",
      std::string(300, 'h'),
      std::string("127.0.0.1\0x", 11),
  };
  return hosts;
}

TEST(Failure, FreshSocketHasNoFailureReason) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.GetFailureReason(), "");
  ASSERT_TRUE(udp.BindToLocalPort(0)) << udp.GetFailureReason();
  EXPECT_EQ(udp.GetFailureReason(), "") << "a success must not invent a reason";
}

TEST(Failure, SendToRejectsMalformedHostsWithEinval) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();

  for (const std::string& host : BadHosts()) {
    SCOPED_TRACE("host of " + std::to_string(host.size()) + " bytes: " +
                 (IsPrintableHost(host) ? host.substr(0, 40) : std::string("<binary>")));
    ro::DatagramSocket udp;
    EXPECT_EQ(udp.SendTo(host, receiver.GetLocalPort(), "x"), -EINVAL);
    const std::string reason = udp.GetFailureReason();
    EXPECT_FALSE(reason.empty());
    EXPECT_TRUE(Contains(reason, "SendTo")) << reason;
    EXPECT_TRUE(IsPrintable(reason)) << "reason with raw bytes: " << reason;
    if (IsPrintableHost(host)) {
      // The host is quoted; a very long one may be shortened, but its start
      // must be recognisable.
      const std::string quoted = "\"" + host.substr(0, 32) + (host.size() <= 32 ? "\"" : "");
      EXPECT_TRUE(Contains(reason, quoted)) << "expected " << quoted << " in: " << reason;
    }
    // Input errors are caught before any side effect.
    EXPECT_EQ(udp.GetLocalPort(), 0) << "a refused SendTo must not bind";

    // The ByteArray overload validates the same way.
    ro::ByteArray bytes;
    bytes.FromAsciiString("x");
    EXPECT_EQ(udp.SendTo(host, receiver.GetLocalPort(), bytes), -EINVAL);
    EXPECT_TRUE(Contains(udp.GetFailureReason(), "SendTo")) << udp.GetFailureReason();
  }
  EXPECT_TRUE(StaysEmpty(port, 100ms)) << "a refused SendTo sent something";
}

TEST(Failure, SendToRejectsPortsOutsideOneTo65535WithEinval) {
  for (const int bad_port : {-1, 0, 65536, 100000}) {
    SCOPED_TRACE("port " + std::to_string(bad_port));
    ro::DatagramSocket udp;
    EXPECT_EQ(udp.SendTo(kLoopback, bad_port, "x"), -EINVAL);
    const std::string reason = udp.GetFailureReason();
    EXPECT_TRUE(Contains(reason, "SendTo")) << reason;
    EXPECT_TRUE(Contains(reason, std::to_string(bad_port))) << reason;
    EXPECT_EQ(udp.GetLocalPort(), 0) << "a refused SendTo must not bind";
  }
}

TEST(Failure, BindToLocalPortRejectsPortsOutsideTheRange) {
  for (const int bad_port : {-1, 65536}) {
    SCOPED_TRACE("port " + std::to_string(bad_port));
    ro::DatagramSocket udp;
    EXPECT_FALSE(udp.BindToLocalPort(bad_port));
    const std::string reason = udp.GetFailureReason();
    EXPECT_TRUE(Contains(reason, "BindToLocalPort")) << reason;
    EXPECT_TRUE(Contains(reason, std::to_string(bad_port))) << reason;
    EXPECT_EQ(udp.GetLocalPort(), 0);

    // The socket is still usable.
    EXPECT_TRUE(udp.BindToLocalPort(0)) << udp.GetFailureReason();
    EXPECT_GT(udp.GetLocalPort(), 0);
  }
}

TEST(Failure, BindToAPortInUseFailsAndNamesTheCause) {
  ro::DatagramSocket holder;
  ASSERT_TRUE(holder.BindToLocalPort(0)) << holder.GetFailureReason();
  ro::DatagramSocket udp;
  EXPECT_FALSE(udp.BindToLocalPort(holder.GetLocalPort()));
  const std::string reason = udp.GetFailureReason();
  EXPECT_TRUE(Contains(reason, "BindToLocalPort")) << reason;
  EXPECT_TRUE(Contains(reason, std::to_string(holder.GetLocalPort()))) << reason;
  EXPECT_TRUE(Contains(reason, "Address already in use")) << reason;
}

TEST(Failure, LocalhostIsAcceptedAsTheIpv4Loopback) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo("localhost", receiver.GetLocalPort(), "via localhost"), 0)
      << sender.GetFailureReason();
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "via localhost");
  EXPECT_EQ(event->GetSourceHost(), "127.0.0.1");
  EXPECT_EQ(event->GetDestinationHost(), "127.0.0.1");
  EXPECT_EQ(sender.GetFailureReason(), "");
}

TEST(Failure, JoinMulticastGroupRefusesAddressesThatAreNotGroups) {
  // None of these is a multicast group: they are refused by parsing alone.
  for (const std::string_view group : {"10.0.0.1", "garbage", ""}) {
    SCOPED_TRACE("group \"" + std::string(group) + "\"");
    ro::DatagramSocket udp;
    EXPECT_FALSE(udp.JoinMulticastGroup(group));
    const std::string reason = udp.GetFailureReason();
    EXPECT_TRUE(Contains(reason, "JoinMulticastGroup")) << reason;
    EXPECT_TRUE(Contains(reason, "\"" + std::string(group) + "\"")) << reason;
    EXPECT_EQ(udp.GetLocalPort(), 0) << "a refused join must not bind";
  }
}

TEST(Failure, ReasonStaysAfterALaterSuccessLikeErrno) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();

  ro::DatagramSocket udp;
  ASSERT_EQ(udp.SendTo("not a host", receiver.GetLocalPort(), "x"), -EINVAL);
  const std::string first = udp.GetFailureReason();
  ASSERT_FALSE(first.empty());

  ASSERT_EQ(udp.SendTo(kLoopback, receiver.GetLocalPort(), "ok"), 0) << udp.GetFailureReason();
  EXPECT_EQ(udp.GetFailureReason(), first) << "a success must not clear the reason";
  ASSERT_NE(ReceiveOne(port), nullptr);

  // A newer failure replaces it.
  ASSERT_EQ(udp.SendTo(kLoopback, 0, "x"), -EINVAL);
  const std::string second = udp.GetFailureReason();
  EXPECT_NE(second, first);
  EXPECT_TRUE(Contains(second, "SendTo")) << second;

  EXPECT_FALSE(udp.BindToLocalPort(0)) << "auto-bound by the successful SendTo";
  const std::string third = udp.GetFailureReason();
  EXPECT_TRUE(Contains(third, "BindToLocalPort")) << third;
  EXPECT_EQ(udp.SendTo(kLoopback, receiver.GetLocalPort(), "ok"), 0);
  EXPECT_EQ(udp.GetFailureReason(), third);
}

TEST(Failure, FailedSendToCallsAreCountedAsSendErrors) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0) << receiver.GetFailureReason();
  ro::DatagramSocket udp;
  ASSERT_EQ(udp.SendTo(kLoopback, receiver.GetLocalPort(), "ok"), 0);
  EXPECT_EQ(udp.SendTo("not a host", receiver.GetLocalPort(), "x"), -EINVAL);
  EXPECT_EQ(udp.SendTo(kLoopback, 0, "x"), -EINVAL);
  EXPECT_EQ(udp.SendTo(kLoopback, receiver.GetLocalPort(), ro_test::Pattern(65508)), -EMSGSIZE);
  const ro::SocketStatistics stats = udp.GetStatistics();
  EXPECT_EQ(stats.sent, 1U);
  // SocketStatistics::send_errors: "SendTo calls that returned a negative
  // code".
  EXPECT_EQ(stats.send_errors, 3U);
}

TEST(Failure, CallsAfterCloseFailCleanly) {
  ro::MessagePort port;
  ro::DatagramSocket udp = MakeReceiver(port);
  ASSERT_GT(udp.GetLocalPort(), 0) << udp.GetFailureReason();
  udp.Close();

  EXPECT_EQ(udp.SendTo(kLoopback, 9, "x"), -EBADF);
  std::string reason = udp.GetFailureReason();
  EXPECT_TRUE(Contains(reason, "SendTo")) << reason;
  EXPECT_TRUE(Contains(reason, "close")) << reason;

  EXPECT_FALSE(udp.BindToLocalPort(0));
  reason = udp.GetFailureReason();
  EXPECT_TRUE(Contains(reason, "BindToLocalPort")) << reason;
  EXPECT_TRUE(Contains(reason, "close")) << reason;

  EXPECT_FALSE(udp.JoinMulticastGroup("garbage"));
  EXPECT_FALSE(udp.GetFailureReason().empty());

  // Harmless afterwards: a second Close, and the other calls.
  udp.Close();
  udp.SetPort(port);
  udp.SetUserData(1);
  (void)udp.GetUserData();
  (void)udp.GetIdentity();
  (void)udp.GetStatistics();
  udp.Close();
  EXPECT_EQ(udp.SendTo(kLoopback, 9, ro::ByteArray{1, 2, 3}), -EBADF);
  EXPECT_TRUE(StaysEmpty(port, 50ms));
}

TEST(Failure, CloseBeforeAnyBindMakesSendToFail) {
  ro::DatagramSocket udp;
  udp.Close();
  EXPECT_EQ(udp.SendTo(kLoopback, 9, "x"), -EBADF) << "a closed socket must not auto-bind";
  EXPECT_EQ(udp.GetLocalPort(), 0);
  EXPECT_FALSE(udp.GetFailureReason().empty());
  EXPECT_FALSE(udp.BindToLocalPort(0));
  EXPECT_EQ(udp.GetLocalPort(), 0);
  udp.Close();
}

TEST(Failure, MovedFromSocketFailsCleanlyAndTheMovedToSocketKeepsWorking) {
  ro::MessagePort port;
  ro::DatagramSocket original = MakeReceiver(port);
  const int local = original.GetLocalPort();
  ASSERT_GT(local, 0) << original.GetFailureReason();
  const int identity = original.GetIdentity();

  ro::DatagramSocket moved(std::move(original));

  // NOLINTBEGIN(bugprone-use-after-move): using the moved-from object is the test.
  EXPECT_EQ(original.SendTo(kLoopback, local, "x"), -EBADF);
  EXPECT_EQ(original.SendTo(kLoopback, local, ro::ByteArray{1}), -EBADF);
  EXPECT_FALSE(original.BindToLocalPort(0));
  EXPECT_EQ(original.GetLocalPort(), 0);
  EXPECT_FALSE(original.JoinMulticastGroup("garbage"));
  EXPECT_TRUE(Contains(original.GetFailureReason(), "moved")) << original.GetFailureReason();
  original.SetPort(port);
  original.SetUserData(std::string("ignored"));
  (void)original.GetUserData();
  (void)original.GetIdentity();
  (void)original.GetStatistics();
  original.Close();
  original.Close();
  // NOLINTEND(bugprone-use-after-move)

  EXPECT_EQ(moved.GetLocalPort(), local);
  EXPECT_EQ(moved.GetIdentity(), identity);
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, local, "to the moved-to socket"), 0)
      << sender.GetFailureReason();
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr) << "the moved-to socket stopped receiving";
  EXPECT_EQ(event->GetString(), "to the moved-to socket");
  EXPECT_EQ(event->GetSourceIdentity(), identity);
}

TEST(Failure, MoveAssignedFromSocketFailsCleanly) {
  ro::MessagePort port;
  ro::DatagramSocket original = MakeReceiver(port);
  ASSERT_GT(original.GetLocalPort(), 0) << original.GetFailureReason();
  ro::DatagramSocket target;
  target = std::move(original);
  // NOLINTBEGIN(bugprone-use-after-move)
  EXPECT_EQ(original.SendTo(kLoopback, 9, "x"), -EBADF);
  EXPECT_FALSE(original.BindToLocalPort(0));
  EXPECT_EQ(original.GetLocalPort(), 0);
  EXPECT_TRUE(Contains(original.GetFailureReason(), "moved")) << original.GetFailureReason();
  // NOLINTEND(bugprone-use-after-move)
  EXPECT_GT(target.GetLocalPort(), 0);
}

// A datagram to a port where nothing listens makes loopback answer with an
// ICMP port-unreachable; whatever the kernel reports for it on the sending
// socket must not stop that socket from receiving.
TEST(Failure, ReceiveErrorsDoNotStopTheSocket) {
  int closed_port = 0;
  {
    ro::DatagramSocket gone;
    ASSERT_TRUE(gone.BindToLocalPort(0)) << gone.GetFailureReason();
    closed_port = gone.GetLocalPort();
  }

  ro::MessagePort port;
  ro::DatagramSocket a = MakeReceiver(port);
  ASSERT_GT(a.GetLocalPort(), 0) << a.GetFailureReason();
  EXPECT_EQ(a.SendTo(kLoopback, closed_port, "nobody home"), 0) << a.GetFailureReason();
  for (int i = 0; i < 4; ++i) (void)a.SendTo(kLoopback, closed_port, "still nobody");
  std::this_thread::sleep_for(50ms);

  ro::DatagramSocket b;
  ro::MessagePort b_port;
  b.SetPort(b_port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(b.SendTo(kLoopback, a.GetLocalPort(), "after the error " + std::to_string(i)), 0)
        << b.GetFailureReason();
    const auto event = ReceiveOne(port);
    ASSERT_NE(event, nullptr) << "socket A stopped receiving after an ICMP error; stats: "
                              << "receive_errors " << a.GetStatistics().receive_errors
                              << ", reason: " << a.GetFailureReason();
    EXPECT_EQ(event->GetString(), "after the error " + std::to_string(i));
  }
  // And A still sends.
  EXPECT_EQ(a.SendTo(kLoopback, b.GetLocalPort(), "reply"), 0) << a.GetFailureReason();
  const auto reply = ReceiveOne(b_port);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->GetString(), "reply");
}

}  // namespace
