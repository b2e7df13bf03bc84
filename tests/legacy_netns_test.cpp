// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Broadcast tests of ro::DatagramSender: "BCAST-LOCAL-SUBNETS",
// "BCAST-SUBNET-n" and "255.255.255.255".
//
// Registered with NETNS: each test runs in a fresh private network namespace
// (tests/netns/run-in-netns) that has only the loopback interface, and adds
// its own interfaces there: d0 198.51.100.1/24 and d1 203.0.113.1/24
// (documentation ranges). They are dummy interfaces, or bridges without
// ports where the kernel has no dummy driver; either way nothing leaves the
// namespace, and the kernel loops every broadcast back to local sockets,
// which is what the tests receive. A test refuses to run in the machine's
// own namespace.

#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_receiver.hpp>
#include <ro/datagram_sender.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_test::ReceiveMany;
using ro_test::ReceiveOne;
using ro_test::StaysEmpty;

std::string NamespaceOf(const char* path) {
  char target[128] = {};
  const ssize_t n = readlink(path, target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string();
}

class LegacyBroadcast : public ::testing::Test {
 protected:
  void SetUp() override {
    // Adding interfaces outside a private namespace would change the
    // machine's network: refuse unless run through run-in-netns.
    const std::string mine = NamespaceOf("/proc/self/ns/net");
    ASSERT_FALSE(mine.empty()) << "cannot read /proc/self/ns/net";
    ASSERT_NE(mine, NamespaceOf("/proc/1/ns/net"))
        << "not in a private network namespace; run through tests/netns/run-in-netns";
    struct if_nameindex* names = if_nameindex();
    ASSERT_NE(names, nullptr);
    std::vector<std::string> others;
    for (const struct if_nameindex* i = names; i->if_index != 0; ++i) {
      if (std::string(i->if_name) != "lo") others.emplace_back(i->if_name);
    }
    if_freenameindex(names);
    ASSERT_TRUE(others.empty()) << "the namespace is not fresh: it has " << others.front();
  }

  static int Run(const std::string& command) {
    const int status = std::system(command.c_str());  // NOLINT(cert-env33-c): fixed commands
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Adds interface `name`, up, with `address` (CIDR) and the rest of `ip
  // addr add`'s arguments in `extra`.
  static void AddInterface(const std::string& name, const std::string& address,
                           const std::string& extra = "") {
    ASSERT_EQ(Run("ip link add " + name + " type dummy 2>/dev/null || ip link add " + name +
                  " type bridge"),
              0);
    ASSERT_EQ(Run("ip addr add " + address + " " + extra + " dev " + name), 0);
    ASSERT_EQ(Run("ip link set " + name + " up"), 0);
  }

  // d0 with an explicit broadcast address, d1 without one (the sender
  // computes address | ~netmask).
  static void AddTwoSubnets() {
    AddInterface("d0", "198.51.100.1/24", "broadcast 198.51.100.255");
    AddInterface("d1", "203.0.113.1/24");
  }

  void SetUpReceiver() {
    receiver_.SetPort(port_);
    ASSERT_GT(receiver_.GetLocalPort(), 0) << receiver_.GetFailureReason();
  }

  // The destination addresses of the next `count` datagrams, then checks
  // that no more come.
  std::multiset<std::string> Destinations(std::size_t count) {
    std::multiset<std::string> out;
    for (const auto& event : ReceiveMany(port_, count)) out.insert(event->GetDestinationHost());
    EXPECT_TRUE(StaysEmpty(port_, 100ms)) << "more datagrams than subnets";
    return out;
  }

  ro::MessagePort port_;
  ro::DatagramReceiver receiver_{0};
};

TEST_F(LegacyBroadcast, LocalSubnetsReachesEverySubnetOnce) {
  AddTwoSubnets();
  SetUpReceiver();
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination("BCAST-LOCAL-SUBNETS", receiver_.GetLocalPort()));
  ASSERT_EQ(sender.Send("to all"), 0) << sender.GetFailureReason();
  EXPECT_EQ(Destinations(2), (std::multiset<std::string>{"198.51.100.255", "203.0.113.255"}));
}

TEST_F(LegacyBroadcast, SubnetNumbersFollowInterfaceIndexOrder) {
  AddTwoSubnets();
  ASSERT_LT(if_nametoindex("d0"), if_nametoindex("d1"));
  SetUpReceiver();
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination("BCAST-SUBNET-0", receiver_.GetLocalPort()));
  ASSERT_EQ(sender.Send("zero"), 0) << sender.GetFailureReason();
  EXPECT_EQ(Destinations(1), std::multiset<std::string>{"198.51.100.255"});

  ASSERT_TRUE(sender.SetDestination("BCAST-SUBNET-1", receiver_.GetLocalPort()));
  ASSERT_EQ(sender.Send("one"), 0) << sender.GetFailureReason();
  const auto event = ReceiveOne(port_);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetDestinationHost(), "203.0.113.255");
  EXPECT_EQ(event->GetString(), "one");
  EXPECT_EQ(event->GetSourceHost(), "203.0.113.1");
  EXPECT_EQ(event->GetSourcePort(), sender.GetSourcePort());

  ASSERT_TRUE(sender.SetDestination("BCAST-SUBNET-2", receiver_.GetLocalPort()));
  EXPECT_EQ(sender.Send("two"), ro::DatagramSocket::kNetworkNotUp);
  EXPECT_NE(sender.GetFailureReason().find("0 = d0, 1 = d1"), std::string::npos)
      << sender.GetFailureReason();
  EXPECT_TRUE(StaysEmpty(port_, 100ms));
}

TEST_F(LegacyBroadcast, SubnetOfAnInterfaceWithTwoAddressesGetsBoth) {
  AddInterface("d0", "198.51.100.1/24", "broadcast 198.51.100.255");
  ASSERT_EQ(Run("ip addr add 192.0.2.1/24 broadcast 192.0.2.255 dev d0"), 0);
  SetUpReceiver();
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination("BCAST-SUBNET-0", receiver_.GetLocalPort()));
  ASSERT_EQ(sender.Send("both"), 0) << sender.GetFailureReason();
  EXPECT_EQ(Destinations(2), (std::multiset<std::string>{"192.0.2.255", "198.51.100.255"}));
}

TEST_F(LegacyBroadcast, DownInterfacesAndLoopbackAreSkipped) {
  AddTwoSubnets();
  ASSERT_EQ(Run("ip link set d0 down"), 0);
  SetUpReceiver();
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination("BCAST-LOCAL-SUBNETS", receiver_.GetLocalPort()));
  ASSERT_EQ(sender.Send("up only"), 0) << sender.GetFailureReason();
  EXPECT_EQ(Destinations(1), std::multiset<std::string>{"203.0.113.255"});

  ASSERT_TRUE(sender.SetDestination("BCAST-SUBNET-0", receiver_.GetLocalPort()));
  ASSERT_EQ(sender.Send("renumbered"), 0) << sender.GetFailureReason();
  EXPECT_EQ(Destinations(1), std::multiset<std::string>{"203.0.113.255"})
      << "numbering counts only the interfaces that are up";
}

TEST_F(LegacyBroadcast, NoBroadcastInterfaceIsNetworkUnreachable) {
  SetUpReceiver();  // only lo, which is never a broadcast subnet
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination("BCAST-LOCAL-SUBNETS", receiver_.GetLocalPort()));
  EXPECT_EQ(sender.Send("nowhere"), ro::DatagramSocket::kNetworkNotUp);
  EXPECT_EQ(sender.GetFailureCode(), ro::DatagramSocket::kNetworkNotUp);
  EXPECT_NE(sender.GetFailureReason().find("no interface"), std::string::npos)
      << sender.GetFailureReason();
  ASSERT_TRUE(sender.SetDestination("BCAST-SUBNET-0", receiver_.GetLocalPort()));
  EXPECT_EQ(sender.Send("nowhere"), ro::DatagramSocket::kNetworkNotUp);
  EXPECT_TRUE(StaysEmpty(port_, 100ms));
}

TEST_F(LegacyBroadcast, LimitedBroadcastFollowsTheDefaultRoute) {
  AddTwoSubnets();
  SetUpReceiver();
  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination("255.255.255.255", receiver_.GetLocalPort()));
  EXPECT_EQ(sender.Send("no route"), ro::DatagramSocket::kNetworkNotUp)
      << "without a route there is no way out";

  ASSERT_EQ(Run("ip route add default dev d0"), 0);
  ASSERT_EQ(sender.Send("limited"), 0) << sender.GetFailureReason();
  const auto event = ReceiveOne(port_);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "limited");
  EXPECT_EQ(event->GetDestinationHost(), "255.255.255.255");
}

TEST_F(LegacyBroadcast, SocketNeedsSetBroadcastButSenderDoesNot) {
  AddTwoSubnets();
  SetUpReceiver();
  ro::DatagramSocket socket;
  EXPECT_EQ(socket.SendTo("198.51.100.255", receiver_.GetLocalPort(), "refused"), -EACCES);
  ASSERT_TRUE(socket.SetBroadcast(true));
  ASSERT_EQ(socket.SendTo("198.51.100.255", receiver_.GetLocalPort(), "allowed"), 0)
      << socket.GetFailureReason();
  const auto event = ReceiveOne(port_);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "allowed");

  ro::DatagramSender sender;
  ASSERT_TRUE(sender.SetDestination("198.51.100.255", receiver_.GetLocalPort()));
  ASSERT_EQ(sender.Send("numeric broadcast"), 0) << sender.GetFailureReason();
  const auto numeric = ReceiveOne(port_);
  ASSERT_NE(numeric, nullptr);
  EXPECT_EQ(numeric->GetString(), "numeric broadcast");
}

}  // namespace
