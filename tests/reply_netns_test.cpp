// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// DatagramSocket::ReplyTo: a multi-homed responder answers from the address
// and interface a request arrived on; and SendTo's "network is not up"
// code. On the rig of tests/netns_rig.hpp (private namespaces, documentation
// addresses only).

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "netns_rig.hpp"
#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_netns::NetnsTest;
using ro_test::ReceiveOne;
using Datagram = std::shared_ptr<const ro::DatagramEvent>;

/// A responder on the device: a wildcard socket (IPv4 or dual-stack).
struct Responder {
  explicit Responder(const char* wildcard) {
    socket.SetPort(port);
    EXPECT_TRUE(socket.BindToLocalAddress(wildcard, 0)) << socket.GetFailureReason();
  }
  ro::MessagePort port;
  ro::DatagramSocket socket;
};

/// A peer socket in peer namespace `k`, bound to `address` (port 0).
struct Peer {
  Peer(ro_netns::NetnsRig& rig, int k, const std::string& address) {
    socket.SetPort(port);
    EXPECT_TRUE(rig.RunInPeer(k, [&] {
      EXPECT_TRUE(socket.BindToLocalAddress(address, 0)) << socket.GetFailureReason();
    }));
  }
  ro::MessagePort port;
  ro::DatagramSocket socket;
};

class ReplyNetns : public NetnsTest {};

TEST_F(ReplyNetns, AReplyLeavesFromTheSecondAddressARequestWasSentTo) {
  ASSERT_TRUE(rig_.AddLinks(1));
  const std::string second = "198.51.100.3";  // beside .1 on dev0
  ASSERT_EQ(std::system(("ip addr add " + second + "/28 dev " + rig_.DeviceInterface(0)).c_str()),
            0);
  Responder responder("0.0.0.0");
  Peer peer(rig_, 0, rig_.PeerAddress(0));

  ASSERT_EQ(peer.socket.SendTo(second, responder.socket.GetLocalPort(), "ping"), 0)
      << peer.socket.GetFailureReason();
  const Datagram request = ReceiveOne(responder.port);
  ASSERT_NE(request, nullptr);
  ASSERT_EQ(request->GetDestinationHost(), second);

  // A plain SendTo answers from the primary address, which the peer did not
  // ask: the guard that this test can tell the two apart.
  ASSERT_EQ(responder.socket.SendTo(request->GetSourceHost(), request->GetSourcePort(), "plain"),
            0);
  const Datagram plain = ReceiveOne(peer.port);
  ASSERT_NE(plain, nullptr);
  ASSERT_EQ(plain->GetSourceHost(), rig_.DeviceAddress(0));

  ASSERT_EQ(responder.socket.ReplyTo(*request, "pong"), 0) << responder.socket.GetFailureReason();
  const Datagram reply = ReceiveOne(peer.port);
  ASSERT_NE(reply, nullptr) << "the reply never reached the peer";
  EXPECT_EQ(reply->GetString(), "pong");
  EXPECT_EQ(reply->GetSourceHost(), second) << "the reply did not leave from the arrival address";
}

TEST_F(ReplyNetns, AnIpv6ReplyLeavesFromTheLinkLocalAddressARequestWasSentTo) {
  ASSERT_TRUE(rig_.AddLinks(1));
  if (!rig_.HasIpv6()) GTEST_SKIP() << "IPv6 is disabled in this kernel";
  const std::string second = "fe80::d0:3";
  ASSERT_EQ(
      std::system(
          ("ip -6 addr add " + second + "/64 dev " + rig_.DeviceInterface(0) + " nodad").c_str()),
      0);
  Responder responder("::");
  Peer peer(rig_, 0, rig_.PeerAddress6(0) + "%" + rig_.PeerInterface(0));
  ASSERT_TRUE(rig_.RunInPeer(0, [&] {
    EXPECT_EQ(peer.socket.SendTo(second + "%" + rig_.PeerInterface(0),
                                 responder.socket.GetLocalPort(), "ping6"),
              0)
        << peer.socket.GetFailureReason();
  }));
  const Datagram request = ReceiveOne(responder.port);
  ASSERT_NE(request, nullptr);
  ASSERT_EQ(request->GetDestinationHost(), second);
  ASSERT_EQ(responder.socket.ReplyTo(*request, "pong6"), 0) << responder.socket.GetFailureReason();
  const Datagram reply = ReceiveOne(peer.port);
  ASSERT_NE(reply, nullptr) << "the IPv6 reply never reached the peer";
  EXPECT_EQ(reply->GetSourceHost().substr(0, second.size()), second)
      << "the reply did not leave from the arrival address";
}

TEST_F(ReplyNetns, AReplyLeavesByTheLinkARequestArrivedOnEvenWithoutARoute) {
  // Peer 1 asks from an address outside every subnet of the device (which
  // has no default route): only the arrival interface leads back to it.
  ASSERT_TRUE(rig_.AddLinks(2));
  const std::string far = "203.0.113.100";
  ASSERT_TRUE(rig_.RunInPeer(1, [&] {
    EXPECT_EQ(std::system(("ip addr add " + far + "/32 dev " + rig_.PeerInterface(1)).c_str()), 0);
  }));
  Responder responder("0.0.0.0");
  Peer peer(rig_, 1, far);
  ASSERT_EQ(peer.socket.SendTo(rig_.DeviceAddress(1), responder.socket.GetLocalPort(), "ping"), 0)
      << peer.socket.GetFailureReason();
  const Datagram request = ReceiveOne(responder.port);
  ASSERT_NE(request, nullptr);
  ASSERT_EQ(request->GetSourceHost(), far);
  ASSERT_EQ(request->GetInterfaceIndex(), rig_.DeviceInterfaceIndex(1));

  // Without the arrival interface there is no route back: the players'
  // "network is not up".
  EXPECT_EQ(responder.socket.SendTo(far, request->GetSourcePort(), "plain"),
            ro::DatagramSocket::kNetworkNotUp);
  EXPECT_EQ(responder.socket.GetFailureCode(), ro::DatagramSocket::kNetworkNotUp);
  EXPECT_NE(responder.socket.GetFailureReason().find("ENETUNREACH"), std::string::npos)
      << responder.socket.GetFailureReason();

  ASSERT_EQ(responder.socket.ReplyTo(*request, "pong"), 0) << responder.socket.GetFailureReason();
  const Datagram reply = ReceiveOne(peer.port);
  ASSERT_NE(reply, nullptr) << "the reply did not go back out of the arrival link";
  EXPECT_EQ(reply->GetSourceHost(), rig_.DeviceAddress(1));
}

TEST_F(ReplyNetns, AReplyToAMulticastRequestLeavesFromTheArrivalInterfacesAddress) {
  ASSERT_TRUE(rig_.AddLinks(2));
  constexpr const char* kGroup = "239.255.0.7";
  Responder responder("0.0.0.0");
  ASSERT_TRUE(responder.socket.JoinMulticastGroup(kGroup)) << responder.socket.GetFailureReason();
  Peer peer(rig_, 1, rig_.PeerAddress(1));
  ASSERT_TRUE(rig_.RunInPeer(
      1, [&] { EXPECT_TRUE(peer.socket.SetMulticastInterface(rig_.PeerInterface(1))); }));
  ASSERT_EQ(peer.socket.SendTo(kGroup, responder.socket.GetLocalPort(), "search"), 0)
      << peer.socket.GetFailureReason();
  const Datagram request = ReceiveOne(responder.port);
  ASSERT_NE(request, nullptr);
  ASSERT_EQ(request->GetDestinationHost(), kGroup);
  ASSERT_EQ(responder.socket.ReplyTo(*request, "here"), 0) << responder.socket.GetFailureReason();
  const Datagram reply = ReceiveOne(peer.port);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->GetSourceHost(), rig_.DeviceAddress(1));
}

TEST_F(ReplyNetns, SendToWithNoRouteReturnsThePlayersNetworkNotUpCode) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.SendTo("198.51.100.200", 9, "nowhere"), -128);
  EXPECT_EQ(udp.GetFailureCode(), -128);
  EXPECT_NE(udp.GetFailureReason().find("Network is unreachable (ENETUNREACH)"), std::string::npos)
      << udp.GetFailureReason();
}

}  // namespace
