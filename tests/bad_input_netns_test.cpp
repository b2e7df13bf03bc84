// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The rows of the bad-input table (docs/reliability.md) that need a real
// multicast group, a broadcast address or an address that is not loopback.
// They run in a private network namespace (tests/netns/run-in-netns) in
// which only lo exists, so a join or a send that the library should have
// refused can never reach a real network.

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "multicast_support.hpp"
#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using ro_test::kLoopback;
using ro_test::MakeReceiver;
using ro_test::ReceiveOne;

constexpr const char* kGroup = "239.255.42.99";

// Library bug (reported): a scope on an address where the kernel ignores it
// (an IPv4-mapped address, any IPv6 address that is not link-local) was
// dropped, and the datagram left by the default route. It is honoured now:
// the datagram leaves through the interface named. In this namespace lo and
// a veth pair (v0, v1) exist; a datagram to 127.0.0.1 sent out of v0 never
// reaches a socket on lo, one sent out of lo does.
TEST(BadInputNetns, AScopeTheKernelWouldIgnoreStillChoosesTheInterface) {
  ASSERT_EQ(std::system("ip link add v0 type veth peer name v1 && ip link set v0 up && "
                        "ip link set v1 up"),
            0)
      << "cannot add a veth pair in the test's private namespace";
  for (const auto& [receiver_address, destination] :
       std::vector<std::pair<std::string, std::string>>{{kLoopback, "::ffff:127.0.0.1"},
                                                        {"::1", "::1"}}) {
    SCOPED_TRACE(destination);
    ro::MessagePort port;
    ro::DatagramSocket receiver;
    receiver.SetPort(port);
    ASSERT_TRUE(receiver.BindToLocalAddress(receiver_address, 0)) << receiver.GetFailureReason();
    ro::DatagramSocket sender;
    // Out of v0 the kernel either sends it (onto the veth) or refuses the
    // route; either way it must not arrive on lo.
    const int rc = sender.SendTo(destination + "%v0", receiver.GetLocalPort(), "out of v0");
    EXPECT_TRUE(rc == 0 || rc == sender.GetFailureCode()) << sender.GetFailureReason();
    EXPECT_EQ(ReceiveOne(port, 300ms), nullptr)
        << "the scope %v0 was ignored: the datagram went out of lo";
    ASSERT_EQ(sender.SendTo(destination + "%lo", receiver.GetLocalPort(), "out of lo"), 0)
        << sender.GetFailureReason();
    const auto event = ReceiveOne(port);
    ASSERT_NE(event, nullptr) << "a datagram sent out of the scope's interface lo was lost";
    EXPECT_EQ(event->GetString(), "out of lo");
  }
}

TEST(BadInputNetns, JoinMulticastGroupOnAnUnknownInterfaceIsRefused) {
  const std::string long_name(16, 'e');
  for (const auto& [interface, why] : std::vector<std::pair<std::string, std::string>>{
           {"nosuchif0", R"(no interface is called "nosuchif0")"},
           {"127.0.0.2", R"(no interface has the address "127.0.0.2")"},
           {long_name, "\"" + long_name + "\" is neither an interface name nor an address"},
           {"lo\0x"s, R"("lo\x00x" is neither an interface name nor an address)"},
           {"", "name one interface"},
           {"0.0.0.0", "name one interface"}}) {
    SCOPED_TRACE(interface);
    ro::DatagramSocket udp;
    EXPECT_FALSE(udp.JoinMulticastGroup(kGroup, interface));
    const std::string shown =
        interface.find('\0') != std::string::npos ? R"("lo\x00x")" : "\"" + interface + "\"";
    EXPECT_EQ(udp.GetFailureReason(),
              "JoinMulticastGroup(\"" + std::string(kGroup) + "\", " + shown + "): " + why);
    EXPECT_EQ(udp.GetLocalPort(), 0);
  }
}

TEST(BadInputNetns, JoinMulticastGroupWithAnIpv6GroupOnAnIpv4SocketIsRefused) {
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.BindToLocalPort(0));
  EXPECT_FALSE(udp.JoinMulticastGroup("ff02::1"));
  EXPECT_EQ(udp.GetFailureReason(),
            R"(JoinMulticastGroup("ff02::1"): this socket is IPv4; an IPv6 group needs an IPv6 )"
            "socket");
  EXPECT_FALSE(udp.JoinMulticastGroup("ff02::1", "lo"));
  EXPECT_EQ(udp.GetFailureReason(),
            R"(JoinMulticastGroup("ff02::1", "lo"): this socket is IPv4; an IPv6 group needs an )"
            "IPv6 socket");
}

// Joining twice is harmless (re-joins after a roNetworkAttached are the
// documented pattern); the socket still receives the group once per
// datagram.
TEST(BadInputNetns, JoiningTheSameGroupTwiceSucceedsAndDeliversOnce) {
  RO_SKIP_WITHOUT_MULTICAST_OPTIONS();
  ro::MessagePort port;
  ro::DatagramSocket udp = MakeReceiver(port);
  ASSERT_GT(udp.GetLocalPort(), 0);
  EXPECT_TRUE(udp.JoinMulticastGroup(kGroup, "lo")) << udp.GetFailureReason();
  EXPECT_TRUE(udp.JoinMulticastGroup(kGroup, "lo")) << udp.GetFailureReason();
  EXPECT_TRUE(udp.JoinMulticastGroup(kGroup)) << udp.GetFailureReason();
  EXPECT_EQ(udp.GetFailureReason(), "");
  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.SetMulticastTTL(0));
  ASSERT_TRUE(sender.SetMulticastInterface("lo")) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo(kGroup, udp.GetLocalPort(), "once"), 0) << sender.GetFailureReason();
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "once");
  EXPECT_TRUE(ro_test::StaysEmpty(port, 100ms)) << "a double join delivered twice";
}

TEST(BadInputNetns, LeavingAGroupNotJoinedIsRefused) {
  RO_SKIP_WITHOUT_MULTICAST_OPTIONS();
  ro::DatagramSocket udp;
  EXPECT_FALSE(udp.LeaveMulticastGroup(kGroup));
  EXPECT_EQ(udp.GetFailureReason(), "LeaveMulticastGroup(\"" + std::string(kGroup) +
                                        "\"): this socket has not joined that group");
  ASSERT_TRUE(udp.JoinMulticastGroup(kGroup, "lo")) << udp.GetFailureReason();
  EXPECT_TRUE(udp.LeaveMulticastGroup(kGroup)) << udp.GetFailureReason();
  EXPECT_FALSE(udp.LeaveMulticastGroup(kGroup)) << "left twice";
  EXPECT_EQ(udp.GetFailureReason(), "LeaveMulticastGroup(\"" + std::string(kGroup) +
                                        "\"): this socket has not joined that group");
}

TEST(BadInputNetns, MulticastCallsOnAClosedSocketAreRefused) {
  RO_SKIP_WITHOUT_MULTICAST_OPTIONS();
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.JoinMulticastGroup(kGroup, "lo")) << udp.GetFailureReason();
  udp.Close();
  const std::string group = "\"" + std::string(kGroup) + "\"";
  EXPECT_FALSE(udp.JoinMulticastGroup(kGroup));
  EXPECT_EQ(udp.GetFailureReason(), "JoinMulticastGroup(" + group + "): the socket is closed");
  EXPECT_FALSE(udp.JoinMulticastGroup(kGroup, "lo"));
  EXPECT_EQ(udp.GetFailureReason(),
            "JoinMulticastGroup(" + group + ", \"lo\"): the socket is closed");
  EXPECT_FALSE(udp.LeaveMulticastGroup(kGroup));
  EXPECT_EQ(udp.GetFailureReason(), "LeaveMulticastGroup(" + group + "): the socket is closed");
}

// Without SetBroadcast(true) the kernel refuses a broadcast destination
// (here lo's own 127.255.255.255).
TEST(BadInputNetns, SendToABroadcastAddressWithoutSetBroadcastIsEacces) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.SendTo("127.255.255.255", 9, "x"), -EACCES);
  EXPECT_EQ(udp.GetFailureReason(),
            R"(SendTo("127.255.255.255", 9) of 1 bytes failed: Permission denied (EACCES))");
}

TEST(BadInputNetns, BindToAnAddressThisHostDoesNotHaveIsEaddrnotavail) {
  ro::DatagramSocket udp;
  EXPECT_FALSE(udp.BindToLocalAddress("192.0.2.1", 0));
  EXPECT_EQ(udp.GetFailureReason(),
            R"(BindToLocalAddress("192.0.2.1", 0) failed: Cannot assign requested address )"
            "(EADDRNOTAVAIL)");
  EXPECT_EQ(udp.GetLocalPort(), 0);
}

// 0.0.0.0 as a destination is not refused: Linux delivers it to this host,
// as Node.js dgram and a plain sendto() do.
TEST(BadInputNetns, SendToTheWildcardAddressReachesThisHost) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.SendTo("0.0.0.0", receiver.GetLocalPort(), "to 0.0.0.0"), 0)
      << udp.GetFailureReason();
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "to 0.0.0.0");
  EXPECT_EQ(event->GetDestinationHost(), kLoopback);
}

}  // namespace
