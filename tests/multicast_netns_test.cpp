// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Multicast on every interface and the socket-option extensions of
// ro::DatagramSocket, proven on a private topology (tests/netns_rig.hpp): a
// device namespace with veth links to peer namespaces, no multicast route
// anywhere.
//
// Covered: one JoinMulticastGroup hears a sender on every link, with the
// right GetDestinationHost / GetInterfaceIndex / GetInterfaceName /
// GetSourceHost; idempotent re-joins; LeaveMulticastGroup; a join with no
// usable interface; joining on one named interface; IPv6 groups; TTL, loop,
// multicast interface and broadcast as seen on the wire; SetReuseAddress; the
// IP_MULTICAST_ALL choice (a socket hears only its own groups); unicast vs
// multicast vs broadcast destinations; the receive buffer option.
//
// The binary runs under tests/netns/run-in-netns. Nothing here runs in the
// machine's namespace: the rig refuses to start in a namespace with any
// interface but lo. Every wait is bounded.

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/event.hpp>
#include <ro/message_port.hpp>

#include "netns_rig.hpp"
#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_netns::Namespace;
using ro_netns::NetnsRig;
using ro_netns::NetnsTest;
using ro_test::ReceiveMany;
using ro_test::ReceiveOne;
using ro_test::StaysEmpty;
using std::chrono::milliseconds;
using Datagram = std::shared_ptr<const ro::DatagramEvent>;

// Organisation-local scope (239.192/14): never routed beyond a site, and in
// these namespaces never beyond a veth anyway.
constexpr const char* kGroup = "239.192.0.1";
constexpr const char* kOtherGroup = "239.192.0.2";
// A transient (flag T) link-local-scope IPv6 group.
constexpr const char* kGroup6 = "ff12::db:1";
constexpr int kPort = 5000;

// How long "nothing arrives" is watched. Every datagram here crosses one veth
// inside one kernel and arrives in well under a millisecond.
constexpr milliseconds kQuiet = 300ms;

/// A socket in peer `k`'s namespace that sends out of its one link: the
/// peer has no multicast route, so it names its interface. Bound to
/// `bind_port` (0: any), IPv6 ("::") if `ipv6`; delivers to `port` if given.
ro::DatagramSocket MakePeerSocket(NetnsRig& rig, int k, const ro::MessagePort* port = nullptr,
                                  int bind_port = 0, bool ipv6 = false) {
  ro::DatagramSocket socket;
  if (port != nullptr) socket.SetPort(*port);
  // The first calls create the kernel socket: they must run in the peer.
  EXPECT_TRUE(rig.RunInPeer(k, [&] {
    EXPECT_TRUE(socket.SetMulticastInterface(rig.PeerInterface(k))) << socket.GetFailureReason();
    const bool bound =
        ipv6 ? socket.BindToLocalAddress("::", bind_port) : socket.BindToLocalPort(bind_port);
    EXPECT_TRUE(bound) << socket.GetFailureReason();
  }));
  return socket;
}

/// A socket in peer `k`'s namespace bound to `bind_port` and joined to
/// `group` there, delivering to `port`: a host on link k listening.
ro::DatagramSocket MakePeerListener(NetnsRig& rig, int k, const ro::MessagePort& port,
                                    int bind_port, const char* group) {
  ro::DatagramSocket socket = MakePeerSocket(rig, k, &port, bind_port);
  EXPECT_TRUE(rig.RunInPeer(
      k, [&] { EXPECT_TRUE(socket.JoinMulticastGroup(group)) << socket.GetFailureReason(); }));
  return socket;
}

/// A device socket (this thread's namespace) on `bind_port` joined to
/// `group`, delivering to `port`.
ro::DatagramSocket MakeDeviceListener(const ro::MessagePort& port, int bind_port,
                                      const char* group) {
  ro::DatagramSocket socket;
  socket.SetPort(port);
  EXPECT_TRUE(socket.BindToLocalPort(bind_port)) << socket.GetFailureReason();
  EXPECT_TRUE(socket.JoinMulticastGroup(group)) << socket.GetFailureReason();
  return socket;
}

/// Datagrams by payload (payloads are unique within a test).
std::map<std::string, Datagram> ByPayload(const std::vector<Datagram>& events) {
  std::map<std::string, Datagram> out;
  for (const Datagram& event : events) out[event->GetString()] = event;
  return out;
}

/// Checks that `event` came from peer `k` over link k to `destination`, as
/// seen by a socket in the device namespace.
void ExpectFromLink(const NetnsRig& rig, int k, const Datagram& event,
                    const std::string& destination) {
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetSourceHost(), rig.PeerAddress(k));
  EXPECT_EQ(event->GetDestinationHost(), destination);
  EXPECT_EQ(event->GetInterfaceIndex(), rig.DeviceInterfaceIndex(k));
  EXPECT_EQ(event->GetInterfaceName(), rig.DeviceInterface(k));
}

std::string LinkText(int k) { return "hello from link " + std::to_string(k); }

/// Reads the IPv4 routing tables of this thread's namespace.
std::string Ipv4Routes(NetnsRig& rig) {
  const ro_netns::CommandResult routes =
      rig.RunCommandInDevice({"ip", "-4", "route", "show", "table", "all"});
  EXPECT_TRUE(routes.ok) << routes.output;
  return routes.output;
}

/// A plain POSIX UDP socket (not the library under test) joined to a group
/// on one interface, reporting the TTL each datagram carried on the wire
/// (IP_RECVTTL). Construct it on a thread inside the namespace it listens
/// in; receive from any thread.
class TtlReceiver {
 public:
  struct Received {
    std::string payload;
    int ttl = -1;
  };

  TtlReceiver(const std::string& interface, const char* group, int port) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      Fail("socket");
      return;
    }
    const int on = 1;
    if (setsockopt(fd_, IPPROTO_IP, IP_RECVTTL, &on, sizeof on) != 0) {
      Fail("IP_RECVTTL");
      return;
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(static_cast<std::uint16_t>(port));
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
      {
        Fail("bind");
        return;
      }
    }
    ip_mreqn request{};
    inet_pton(AF_INET, group, &request.imr_multiaddr);
    request.imr_ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
    if (setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof request) != 0) {
      {
        Fail("IP_ADD_MEMBERSHIP on " + interface);
        return;
      }
    }
  }
  ~TtlReceiver() {
    if (fd_ >= 0) close(fd_);
  }
  TtlReceiver(const TtlReceiver&) = delete;
  TtlReceiver& operator=(const TtlReceiver&) = delete;

  [[nodiscard]] const std::string& Error() const { return error_; }

  /// The next datagram within `limit`, or nullopt.
  std::optional<Received> Receive(milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (fd_ < 0 || poll(&p, 1, static_cast<int>(limit.count())) != 1) return std::nullopt;
    char data[2048];
    alignas(cmsghdr) char control[256];
    iovec iov{data, sizeof data};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd_, &header, MSG_DONTWAIT);
    if (n < 0) return std::nullopt;
    Received out;
    out.payload.assign(data, static_cast<std::size_t>(n));
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
        std::memcpy(&out.ttl, CMSG_DATA(c), sizeof out.ttl);
      }
    }
    return out;
  }

 private:
  void Fail(const std::string& what) { error_ = what + ": " + ro_netns::ErrnoText(errno); }

  int fd_ = -1;
  std::string error_;
};

/// A TtlReceiver in peer `k`'s namespace on its link.
std::unique_ptr<TtlReceiver> MakeTtlReceiver(NetnsRig& rig, int k, const char* group, int port) {
  std::unique_ptr<TtlReceiver> receiver;
  EXPECT_TRUE(rig.RunInPeer(
      k, [&] { receiver = std::make_unique<TtlReceiver>(rig.PeerInterface(k), group, port); }));
  return receiver;
}

class MulticastNetns : public NetnsTest {};

// --- Joining on every interface --------------------------------------------------

TEST_F(MulticastNetns, OneJoinHearsASenderOnEachOfThreeLinks) {
  ASSERT_TRUE(rig_.AddLinks(3));
  // The point of the rig: no route tells the kernel where 239.192.0.1 is, so
  // only per-interface joins can hear all three links.
  const std::string routes = Ipv4Routes(rig_);
  ASSERT_EQ(routes.find("224.0.0.0"), std::string::npos) << routes;
  ASSERT_EQ(routes.find("default"), std::string::npos) << routes;

  ro::MessagePort port;
  ro::DatagramSocket listener = MakeDeviceListener(port, kPort, kGroup);
  std::map<int, ro::DatagramSocket> senders;
  for (int k = 0; k < 3; ++k) senders.emplace(k, MakePeerSocket(rig_, k));
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(senders.at(k).SendTo(kGroup, kPort, LinkText(k)), 0)
        << senders.at(k).GetFailureReason();
  }

  const auto events = ByPayload(ReceiveMany(port, 3));
  ASSERT_EQ(events.size(), 3U) << "the device heard only some of the three links";
  for (int k = 0; k < 3; ++k) {
    SCOPED_TRACE("link " + std::to_string(k));
    ASSERT_EQ(events.count(LinkText(k)), 1U);
    const Datagram& event = events.at(LinkText(k));
    ExpectFromLink(rig_, k, event, kGroup);
    EXPECT_EQ(event->GetSourcePort(), senders.at(k).GetLocalPort());
    EXPECT_EQ(event->GetSourceIdentity(), listener.GetIdentity());
  }
  EXPECT_TRUE(StaysEmpty(port, kQuiet)) << "a datagram was delivered more than once";
}

TEST_F(MulticastNetns, JoiningTwiceSucceedsAndStillDeliversEachDatagramOnce) {
  ASSERT_TRUE(rig_.AddLinks(2));
  ro::MessagePort port;
  ro::DatagramSocket listener = MakeDeviceListener(port, kPort, kGroup);
  // Every interface is already a member: "already joined" counts as success.
  EXPECT_TRUE(listener.JoinMulticastGroup(kGroup)) << listener.GetFailureReason();
  EXPECT_TRUE(listener.JoinMulticastGroup(kGroup)) << listener.GetFailureReason();

  ro::DatagramSocket sender = MakePeerSocket(rig_, 1);
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "once"), 0) << sender.GetFailureReason();
  const Datagram event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "once");
  ExpectFromLink(rig_, 1, event, kGroup);
  EXPECT_TRUE(StaysEmpty(port, kQuiet)) << "a repeated join delivered the datagram twice";
}

TEST_F(MulticastNetns, JoinWithNoUpMulticastInterfaceFailsWithAReason) {
  // A namespace of our own (not the device): only lo, and lo is down.
  std::string error;
  const Namespace empty = Namespace::Create(&error);
  ASSERT_TRUE(empty.Valid()) << error;

  const auto join_in_empty = [&](std::string* reason) {
    bool joined = true;
    ro::DatagramSocket socket;
    EXPECT_TRUE(ro_netns::InNamespace(empty, [&] {
      joined = socket.JoinMulticastGroup(kGroup);
      *reason = socket.GetFailureReason();
    }));
    return joined;
  };

  std::string reason;
  EXPECT_FALSE(join_in_empty(&reason)) << "joined with only a down lo";
  EXPECT_NE(reason.find("JoinMulticastGroup"), std::string::npos) << reason;
  EXPECT_NE(reason.find(kGroup), std::string::npos) << reason;
  EXPECT_NE(reason.find("interface"), std::string::npos) << reason;

  // Up but without IFF_MULTICAST (lo's default) is still not usable.
  ASSERT_TRUE(ro_netns::RunIn(empty, {"ip", "link", "set", "lo", "up", "multicast", "off"}).ok);
  EXPECT_FALSE(join_in_empty(&reason)) << "joined on an interface without IFF_MULTICAST";
  EXPECT_NE(reason.find("no interface is up and multicast-capable"), std::string::npos) << reason;

  // Control: the same namespace with lo multicast-capable joins.
  ASSERT_TRUE(ro_netns::RunIn(empty, {"ip", "link", "set", "lo", "multicast", "on"}).ok);
  EXPECT_TRUE(join_in_empty(&reason)) << reason;
}

TEST_F(MulticastNetns, JoinOnOneNamedInterfaceHearsOnlyThatLink) {
  ASSERT_TRUE(rig_.AddLinks(3));
  ro::MessagePort port;
  ro::DatagramSocket listener;
  listener.SetPort(port);
  ASSERT_TRUE(listener.BindToLocalPort(kPort)) << listener.GetFailureReason();
  ASSERT_TRUE(listener.JoinMulticastGroup(kGroup, rig_.DeviceInterface(1)))
      << listener.GetFailureReason();

  std::map<int, ro::DatagramSocket> senders;
  for (int k = 0; k < 3; ++k) senders.emplace(k, MakePeerSocket(rig_, k));
  for (int k = 0; k < 3; ++k) ASSERT_EQ(senders.at(k).SendTo(kGroup, kPort, LinkText(k)), 0);
  const Datagram event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), LinkText(1));
  ExpectFromLink(rig_, 1, event, kGroup);
  EXPECT_TRUE(StaysEmpty(port, kQuiet)) << "heard a link it did not join";

  // The interface may also be named by one of its addresses.
  ASSERT_TRUE(listener.JoinMulticastGroup(kGroup, rig_.DeviceAddress(2)))
      << listener.GetFailureReason();
  ASSERT_EQ(senders.at(2).SendTo(kGroup, kPort, "by address"), 0);
  const Datagram second = ReceiveOne(port);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->GetString(), "by address");
  ExpectFromLink(rig_, 2, second, kGroup);

  EXPECT_FALSE(listener.JoinMulticastGroup(kGroup, "no-such-if0"));
  EXPECT_EQ(listener.GetFailureCode(), -ENODEV) << listener.GetFailureReason();
}

// --- Leaving ---------------------------------------------------------------------

TEST_F(MulticastNetns, LeaveMulticastGroupSilencesTheSocket) {
  ASSERT_TRUE(rig_.AddLinks(2));
  // A witness on the same port proves each datagram did reach the device.
  ro::MessagePort port;
  ro::MessagePort witness_port;
  ro::DatagramSocket listener;
  ro::DatagramSocket witness;
  listener.SetPort(port);
  witness.SetPort(witness_port);
  ASSERT_TRUE(listener.SetReuseAddress(true));
  ASSERT_TRUE(witness.SetReuseAddress(true));
  ASSERT_TRUE(listener.BindToLocalPort(kPort)) << listener.GetFailureReason();
  ASSERT_TRUE(witness.BindToLocalPort(kPort)) << witness.GetFailureReason();
  ASSERT_TRUE(listener.JoinMulticastGroup(kGroup)) << listener.GetFailureReason();
  ASSERT_TRUE(witness.JoinMulticastGroup(kGroup)) << witness.GetFailureReason();

  std::map<int, ro::DatagramSocket> senders;
  for (int k = 0; k < 2; ++k) senders.emplace(k, MakePeerSocket(rig_, k));
  ASSERT_EQ(senders.at(0).SendTo(kGroup, kPort, "while joined"), 0);
  const Datagram joined = ReceiveOne(port);
  ASSERT_NE(joined, nullptr) << "not heard before leaving";
  EXPECT_EQ(joined->GetString(), "while joined");
  ASSERT_NE(ReceiveOne(witness_port), nullptr);

  ASSERT_TRUE(listener.LeaveMulticastGroup(kGroup)) << listener.GetFailureReason();
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(senders.at(k).SendTo(kGroup, kPort, "after leave " + std::to_string(k)), 0);
  }
  EXPECT_EQ(ReceiveMany(witness_port, 2).size(), 2U) << "the datagrams did not reach the device";
  EXPECT_TRUE(StaysEmpty(port, kQuiet)) << "the socket still hears the group it left";

  // Leaving again: the socket is no longer a member.
  EXPECT_FALSE(listener.LeaveMulticastGroup(kGroup));
  EXPECT_EQ(listener.GetFailureCode(), -EADDRNOTAVAIL) << listener.GetFailureReason();
}

TEST_F(MulticastNetns, LeavingAGroupNeverJoinedFailsWithAReason) {
  ASSERT_TRUE(rig_.AddLinks(1));
  ro::DatagramSocket never;
  EXPECT_FALSE(never.LeaveMulticastGroup(kGroup));
  EXPECT_EQ(never.GetFailureCode(), -EADDRNOTAVAIL);
  const std::string fresh_reason = never.GetFailureReason();
  EXPECT_NE(fresh_reason.find("LeaveMulticastGroup"), std::string::npos) << fresh_reason;
  EXPECT_NE(fresh_reason.find(kGroup), std::string::npos) << fresh_reason;

  ro::MessagePort port;
  ro::DatagramSocket other = MakeDeviceListener(port, kPort, kGroup);
  EXPECT_FALSE(other.LeaveMulticastGroup(kOtherGroup)) << "left a group it never joined";
  EXPECT_EQ(other.GetFailureCode(), -EADDRNOTAVAIL) << other.GetFailureReason();

  EXPECT_FALSE(other.LeaveMulticastGroup("198.51.100.1")) << "a unicast address is no group";
}

// --- IPv6 ------------------------------------------------------------------------

TEST_F(MulticastNetns, Ipv6GroupIsHeardOnTwoLinks) {
  if (!rig_.HasIpv6()) GTEST_SKIP() << "the kernel has no IPv6";
  ASSERT_TRUE(rig_.AddLinks(2));
  ro::MessagePort port;
  ro::DatagramSocket listener;
  listener.SetPort(port);
  ASSERT_TRUE(listener.BindToLocalAddress("::", kPort)) << listener.GetFailureReason();
  ASSERT_TRUE(listener.JoinMulticastGroup(kGroup6)) << listener.GetFailureReason();

  std::map<int, ro::DatagramSocket> senders;
  for (int k = 0; k < 2; ++k) {
    senders.emplace(k, MakePeerSocket(rig_, k, nullptr, 0, /*ipv6=*/true));
  }
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(senders.at(k).SendTo(kGroup6, kPort, LinkText(k)), 0)
        << senders.at(k).GetFailureReason();
  }
  const auto events = ByPayload(ReceiveMany(port, 2));
  ASSERT_EQ(events.size(), 2U) << "the device heard only some of the two links";
  for (int k = 0; k < 2; ++k) {
    SCOPED_TRACE("link " + std::to_string(k));
    ASSERT_EQ(events.count(LinkText(k)), 1U);
    const Datagram& event = events.at(LinkText(k));
    // A link-local source carries its scope: the receiving interface.
    EXPECT_EQ(event->GetSourceHost(),
              rig_.PeerAddress6(k) + "%" + std::to_string(rig_.DeviceInterfaceIndex(k)));
    EXPECT_EQ(event->GetDestinationHost(), kGroup6);
    EXPECT_EQ(event->GetInterfaceIndex(), rig_.DeviceInterfaceIndex(k));
    EXPECT_EQ(event->GetInterfaceName(), rig_.DeviceInterface(k));
  }
  EXPECT_TRUE(StaysEmpty(port, kQuiet));
}

TEST_F(MulticastNetns, DualStackSocketHearsAnIpv4GroupToo) {
  if (!rig_.HasIpv6()) GTEST_SKIP() << "the kernel has no IPv6";
  ASSERT_TRUE(rig_.AddLinks(2));
  ro::MessagePort port;
  ro::DatagramSocket listener;
  listener.SetPort(port);
  ASSERT_TRUE(listener.BindToLocalAddress("::", kPort)) << listener.GetFailureReason();
  ASSERT_TRUE(listener.JoinMulticastGroup(kGroup)) << listener.GetFailureReason();

  ro::DatagramSocket sender = MakePeerSocket(rig_, 1);
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "v4 to a dual-stack socket"), 0);
  const Datagram event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  ExpectFromLink(rig_, 1, event, kGroup);
}

TEST_F(MulticastNetns, DualStackSocketSendsToAnIpv4GroupOutOfTheChosenInterface) {
  if (!rig_.HasIpv6()) GTEST_SKIP() << "the kernel has no IPv6";
  ASSERT_TRUE(rig_.AddLinks(2));
  const std::unique_ptr<TtlReceiver> wire = MakeTtlReceiver(rig_, 1, kGroup, kPort);
  ASSERT_NE(wire, nullptr);
  ASSERT_EQ(wire->Error(), "");

  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.BindToLocalAddress("::", 0)) << sender.GetFailureReason();
  ASSERT_TRUE(sender.SetMulticastInterface(rig_.DeviceInterface(1))) << sender.GetFailureReason();
  ASSERT_TRUE(sender.SetMulticastTTL(4)) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "v4 from a dual-stack socket"), 0)
      << sender.GetFailureReason();
  const auto received = wire->Receive(2s);
  ASSERT_TRUE(received.has_value()) << "not sent out of the chosen interface";
  EXPECT_EQ(received->payload, "v4 from a dual-stack socket");
  EXPECT_EQ(received->ttl, 4);
}

// --- Options observable on the wire ----------------------------------------------

TEST_F(MulticastNetns, MulticastTtlIsOneByDefaultAndSetMulticastTtlChangesItOnTheWire) {
  ASSERT_TRUE(rig_.AddLinks(1));
  const std::unique_ptr<TtlReceiver> wire = MakeTtlReceiver(rig_, 0, kGroup, kPort);
  ASSERT_NE(wire, nullptr);
  ASSERT_EQ(wire->Error(), "");

  // The device has no multicast route: a sender must name its interface.
  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.SetMulticastInterface(rig_.DeviceInterface(0))) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "default"), 0) << sender.GetFailureReason();
  auto received = wire->Receive(2s);
  ASSERT_TRUE(received.has_value()) << "nothing on the wire";
  EXPECT_EQ(received->payload, "default");
  EXPECT_EQ(received->ttl, 1);

  ASSERT_TRUE(sender.SetMulticastTTL(2)) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "two"), 0) << sender.GetFailureReason();
  received = wire->Receive(2s);
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->payload, "two");
  EXPECT_EQ(received->ttl, 2);

  // TTL 0 reaches the kernel as asked. (Whether the kernel then keeps the
  // datagram on the host differs: Linux 6.18 still sends it onto a directly
  // attached link, with TTL 0, which no router forwards.)
  ASSERT_TRUE(sender.SetMulticastTTL(0)) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "zero"), 0) << sender.GetFailureReason();
  if (const auto zero = wire->Receive(kQuiet)) {
    EXPECT_EQ(zero->ttl, 0);
  }

  EXPECT_FALSE(sender.SetMulticastTTL(256));
  EXPECT_EQ(sender.GetFailureCode(), -EINVAL);
}

TEST_F(MulticastNetns, MulticastTtlSetBeforeTheSocketExistsIsApplied) {
  ASSERT_TRUE(rig_.AddLinks(1));
  const std::unique_ptr<TtlReceiver> wire = MakeTtlReceiver(rig_, 0, kGroup, kPort);
  ASSERT_NE(wire, nullptr);
  ASSERT_EQ(wire->Error(), "");

  ro::DatagramSocket sender;  // no kernel socket yet: the options are remembered
  ASSERT_TRUE(sender.SetMulticastTTL(3)) << sender.GetFailureReason();
  ASSERT_TRUE(sender.SetMulticastInterface(rig_.DeviceInterface(0)));
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "three"), 0) << sender.GetFailureReason();
  const auto received = wire->Receive(2s);
  ASSERT_TRUE(received.has_value()) << "nothing on the wire";
  EXPECT_EQ(received->ttl, 3);
}

TEST_F(MulticastNetns, SetMulticastInterfaceChoosesTheLinkAndItsAddress) {
  ASSERT_TRUE(rig_.AddLinks(2));
  ro::MessagePort port0;
  ro::MessagePort port1;
  ro::DatagramSocket peer0 = MakePeerListener(rig_, 0, port0, kPort, kGroup);
  ro::DatagramSocket peer1 = MakePeerListener(rig_, 1, port1, kPort, kGroup);

  ro::DatagramSocket sender;
  // Without an interface and without a multicast route the kernel has
  // nowhere to send: the failure is reported, not lost.
  EXPECT_EQ(sender.SendTo(kGroup, kPort, "nowhere"), ro::DatagramSocket::kNetworkNotUp);
  EXPECT_EQ(sender.GetFailureCode(), ro::DatagramSocket::kNetworkNotUp);
  EXPECT_NE(sender.GetFailureReason().find("SendTo"), std::string::npos);

  ASSERT_TRUE(sender.SetMulticastInterface(rig_.DeviceInterface(1))) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "out of dev1"), 0) << sender.GetFailureReason();
  const Datagram on1 = ReceiveOne(port1);
  ASSERT_NE(on1, nullptr) << "not sent out of the chosen interface";
  EXPECT_EQ(on1->GetString(), "out of dev1");
  // By name the library also picks the interface's address as the source.
  EXPECT_EQ(on1->GetSourceHost(), rig_.DeviceAddress(1));
  EXPECT_TRUE(StaysEmpty(port0, kQuiet)) << "sent out of an interface not chosen";

  ASSERT_TRUE(sender.SetMulticastInterface(rig_.DeviceAddress(0))) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "out of dev0"), 0) << sender.GetFailureReason();
  const Datagram on0 = ReceiveOne(port0);
  ASSERT_NE(on0, nullptr) << "not sent out of the interface chosen by address";
  EXPECT_EQ(on0->GetSourceHost(), rig_.DeviceAddress(0));
  EXPECT_TRUE(StaysEmpty(port1, kQuiet));

  EXPECT_FALSE(sender.SetMulticastInterface("203.0.113.200")) << "no interface has it";
  EXPECT_EQ(sender.GetFailureCode(), -ENODEV);
}

TEST_F(MulticastNetns, SetMulticastLoopDecidesWhetherLocalMembersHearTheSender) {
  ASSERT_TRUE(rig_.AddLinks(1));
  ro::MessagePort local_port;
  ro::DatagramSocket member = MakeDeviceListener(local_port, kPort, kGroup);
  // The peer proves every datagram really was sent.
  ro::MessagePort wire_port;
  ro::DatagramSocket wire = MakePeerListener(rig_, 0, wire_port, kPort, kGroup);

  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.SetMulticastInterface(rig_.DeviceInterface(0)));
  ASSERT_TRUE(sender.SetMulticastLoop(false)) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "loop off"), 0) << sender.GetFailureReason();
  const Datagram sent_off = ReceiveOne(wire_port);
  ASSERT_NE(sent_off, nullptr) << "the datagram never left";
  EXPECT_EQ(sent_off->GetString(), "loop off");
  EXPECT_TRUE(StaysEmpty(local_port, kQuiet)) << "loop off, yet a local member heard it";

  ASSERT_TRUE(sender.SetMulticastLoop(true)) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "loop on"), 0) << sender.GetFailureReason();
  const Datagram looped = ReceiveOne(local_port);
  ASSERT_NE(looped, nullptr) << "loop on, yet the local member did not hear it";
  EXPECT_EQ(looped->GetString(), "loop on");
  EXPECT_EQ(looped->GetSourcePort(), sender.GetLocalPort());
  ASSERT_NE(ReceiveOne(wire_port), nullptr);

  // The default is on.
  ro::DatagramSocket plain;
  ASSERT_TRUE(plain.SetMulticastInterface(rig_.DeviceInterface(0)));
  ASSERT_EQ(plain.SendTo(kGroup, kPort, "default loop"), 0) << plain.GetFailureReason();
  const Datagram by_default = ReceiveOne(local_port);
  ASSERT_NE(by_default, nullptr) << "loopback is not on by default";
  EXPECT_EQ(by_default->GetString(), "default loop");
}

TEST_F(MulticastNetns, BroadcastFailsWithoutSetBroadcastAndIsReceivedWithIt) {
  ASSERT_TRUE(rig_.AddLinks(1));
  ro::MessagePort peer_port;
  ro::DatagramSocket peer = MakePeerSocket(rig_, 0, &peer_port, kPort);
  const std::string broadcast = rig_.BroadcastAddress(0);

  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.BindToLocalPort(0)) << sender.GetFailureReason();
  EXPECT_EQ(sender.SendTo(broadcast, kPort, "not allowed"), -EACCES);
  EXPECT_EQ(sender.GetFailureCode(), -EACCES);
  EXPECT_TRUE(StaysEmpty(peer_port, kQuiet)) << "a refused broadcast reached the peer";

  ASSERT_TRUE(sender.SetBroadcast(true)) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(broadcast, kPort, "allowed"), 0) << sender.GetFailureReason();
  const Datagram event = ReceiveOne(peer_port);
  ASSERT_NE(event, nullptr) << "the broadcast did not reach the peer";
  EXPECT_EQ(event->GetString(), "allowed");
  EXPECT_EQ(event->GetSourceHost(), rig_.DeviceAddress(0));
  EXPECT_EQ(event->GetDestinationHost(), broadcast);
}

// --- Sharing a port --------------------------------------------------------------

TEST_F(MulticastNetns, SetReuseAddressLetsTwoSocketsBindOnePort) {
  ro::DatagramSocket first;
  ro::DatagramSocket second;
  ASSERT_TRUE(first.SetReuseAddress(true));
  ASSERT_TRUE(second.SetReuseAddress(true));
  ASSERT_TRUE(first.BindToLocalPort(kPort)) << first.GetFailureReason();
  EXPECT_TRUE(second.BindToLocalPort(kPort)) << second.GetFailureReason();
  EXPECT_EQ(second.GetLocalPort(), kPort);

  // Too late once bound.
  EXPECT_FALSE(first.SetReuseAddress(false));
  EXPECT_EQ(first.GetFailureCode(), -EINVAL) << first.GetFailureReason();
}

TEST_F(MulticastNetns, WithoutReuseTheSecondBindFailsNamingSetReuseAddress) {
  ro::DatagramSocket first;
  ro::DatagramSocket second;
  ASSERT_TRUE(first.BindToLocalPort(kPort)) << first.GetFailureReason();
  EXPECT_FALSE(second.BindToLocalPort(kPort)) << "address reuse is on by default";
  EXPECT_EQ(second.GetFailureCode(), -EADDRINUSE);
  const std::string reason = second.GetFailureReason();
  EXPECT_NE(reason.find("BindToLocalPort"), std::string::npos) << reason;
  EXPECT_NE(reason.find("SetReuseAddress"), std::string::npos) << reason;

  // Both sides must opt in: one socket alone is not enough.
  ro::DatagramSocket late;
  ASSERT_TRUE(late.SetReuseAddress(true));
  EXPECT_FALSE(late.BindToLocalPort(kPort));
}

TEST_F(MulticastNetns, SocketsSharingAPortHearOnlyTheGroupsTheyJoined) {
  // Linux's default IP_MULTICAST_ALL=1 would hand both sockets both groups;
  // the library turns it off.
  ASSERT_TRUE(rig_.AddLinks(1));
  ro::MessagePort port_a;
  ro::MessagePort port_b;
  ro::DatagramSocket a;
  ro::DatagramSocket b;
  a.SetPort(port_a);
  b.SetPort(port_b);
  ASSERT_TRUE(a.SetReuseAddress(true));
  ASSERT_TRUE(b.SetReuseAddress(true));
  ASSERT_TRUE(a.BindToLocalPort(kPort)) << a.GetFailureReason();
  ASSERT_TRUE(b.BindToLocalPort(kPort)) << b.GetFailureReason();
  ASSERT_TRUE(a.JoinMulticastGroup(kGroup)) << a.GetFailureReason();
  ASSERT_TRUE(b.JoinMulticastGroup(kOtherGroup)) << b.GetFailureReason();

  ro::DatagramSocket sender = MakePeerSocket(rig_, 0);
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "for a"), 0);
  ASSERT_EQ(sender.SendTo(kOtherGroup, kPort, "for b"), 0);

  const Datagram heard_a = ReceiveOne(port_a);
  const Datagram heard_b = ReceiveOne(port_b);
  ASSERT_NE(heard_a, nullptr);
  ASSERT_NE(heard_b, nullptr);
  EXPECT_EQ(heard_a->GetString(), "for a");
  EXPECT_EQ(heard_a->GetDestinationHost(), kGroup);
  EXPECT_EQ(heard_b->GetString(), "for b");
  EXPECT_EQ(heard_b->GetDestinationHost(), kOtherGroup);
  EXPECT_TRUE(StaysEmpty(port_a, kQuiet)) << "a heard the group only b joined";
  EXPECT_TRUE(StaysEmpty(port_b, 50ms)) << "b heard the group only a joined";
}

// --- Destination and interface of a received datagram ---------------------------

TEST_F(MulticastNetns, DestinationHostTellsUnicastMulticastAndBroadcastApart) {
  ASSERT_TRUE(rig_.AddLinks(2));
  ro::MessagePort port;
  ro::DatagramSocket listener = MakeDeviceListener(port, kPort, kGroup);

  ro::DatagramSocket sender = MakePeerSocket(rig_, 1);
  ASSERT_TRUE(sender.SetBroadcast(true)) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(rig_.DeviceAddress(1), kPort, "unicast"), 0) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, kPort, "multicast"), 0) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(rig_.BroadcastAddress(1), kPort, "broadcast"), 0)
      << sender.GetFailureReason();

  const auto events = ByPayload(ReceiveMany(port, 3));
  ASSERT_EQ(events.size(), 3U);
  ExpectFromLink(rig_, 1, events.at("unicast"), rig_.DeviceAddress(1));
  ExpectFromLink(rig_, 1, events.at("multicast"), kGroup);
  ExpectFromLink(rig_, 1, events.at("broadcast"), rig_.BroadcastAddress(1));
}

// --- Receive buffer -------------------------------------------------------------

TEST_F(MulticastNetns, ReceiveBufferSizeSetBeforeBindIsApplied) {
  constexpr int kAsked = 100'000;
  int rmem_max = 0;
  std::ifstream("/proc/sys/net/core/rmem_max") >> rmem_max;
  ASSERT_GT(rmem_max, 0);

  ro::DatagramSocket socket;
  EXPECT_EQ(socket.GetReceiveBufferSize(), 0) << "no kernel socket yet";
  ASSERT_TRUE(socket.SetReceiveBufferSize(kAsked)) << socket.GetFailureReason();
  ASSERT_TRUE(socket.BindToLocalPort(0)) << socket.GetFailureReason();
  // Linux doubles the request (bookkeeping) after capping it at rmem_max.
  EXPECT_EQ(socket.GetReceiveBufferSize(), 2 * std::min(kAsked, rmem_max));

  EXPECT_FALSE(socket.SetReceiveBufferSize(0));
  EXPECT_EQ(socket.GetFailureCode(), -EINVAL);
}

}  // namespace
