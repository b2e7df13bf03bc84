// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// rodatagram-cat with multicast (listen --group) and broadcast (send
// BCAST-LOCAL-SUBNETS).
//
// Registered with NETNS: each test runs in a fresh private network namespace
// with only the loopback interface (tests/netns/run-in-netns); the broadcast
// test adds a port-less bridge d0 198.51.100.1/24 there (a dummy interface
// where the kernel has one). Nothing leaves the namespace. A test refuses to
// run in the machine's own namespace.

#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "cli_util.hpp"
#include "multicast_support.hpp"
#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_test::Child;
using ro_test::ListeningPort;
using ro_test::ReceiveOne;
using ro_test::RunCat;

std::string NamespaceOf(const char* path) {
  char target[128] = {};
  const ssize_t n = readlink(path, target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string();
}

class CliNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string mine = NamespaceOf("/proc/self/ns/net");
    ASSERT_FALSE(mine.empty());
    ASSERT_NE(mine, NamespaceOf("/proc/1/ns/net"))
        << "not in a private network namespace; run through tests/netns/run-in-netns";
  }
};

TEST_F(CliNetns, ListenGroupReceivesMulticast) {
  RO_SKIP_WITHOUT_MULTICAST_OPTIONS();
  Child listener({"listen", "0", "--group", "239.255.0.1", "--count", "1", "--timeout-ms", "5000"});
  const int port = ListeningPort(listener);
  ASSERT_GT(port, 0) << listener.err();
  EXPECT_NE(listener.err().find("(group 239.255.0.1)"), std::string::npos) << listener.err();

  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.SetMulticastInterface("lo")) << sender.GetFailureReason();
  ASSERT_EQ(sender.SendTo("239.255.0.1", port, "to the group"), 0) << sender.GetFailureReason();
  ASSERT_EQ(listener.Finish(10s), 0) << listener.err();
  EXPECT_EQ(listener.out(),
            "127.0.0.1:" + std::to_string(sender.GetLocalPort()) + " to the group\n");
}

TEST_F(CliNetns, ListenGroupOnOneInterface) {
  RO_SKIP_WITHOUT_MULTICAST_OPTIONS();
  Child listener({"listen", "0", "--group", "239.255.0.2", "--interface", "lo", "--count", "1",
                  "--timeout-ms", "5000"});
  const int port = ListeningPort(listener);
  ASSERT_GT(port, 0) << listener.err();
  ro::DatagramSocket sender;
  ASSERT_TRUE(sender.SetMulticastInterface("lo"));
  ASSERT_EQ(sender.SendTo("239.255.0.2", port, "on lo"), 0) << sender.GetFailureReason();
  ASSERT_EQ(listener.Finish(10s), 0) << listener.err();
  EXPECT_NE(listener.out().find(" on lo\n"), std::string::npos) << listener.out();

  const auto no_such = RunCat(
      {"listen", "0", "--group", "239.255.0.2", "--interface", "nope0", "--timeout-ms", "100"});
  EXPECT_EQ(no_such.status, 1);
  EXPECT_NE(no_such.err.find("nope0"), std::string::npos) << no_such.err;
}

TEST_F(CliNetns, SendToLocalSubnetsBroadcasts) {
  // NOLINTNEXTLINE(cert-env33-c): fixed commands, in the private namespace.
  ASSERT_EQ(std::system("(ip link add d0 type dummy 2>/dev/null || ip link add d0 type bridge) && "
                        "ip addr add 198.51.100.1/24 broadcast 198.51.100.255 dev d0 && "
                        "ip link set d0 up"),
            0);
  ro::MessagePort port;
  ro::DatagramSocket receiver = ro_test::MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  const auto result =
      RunCat({"send", "BCAST-LOCAL-SUBNETS", std::to_string(receiver.GetLocalPort()), "hi all"});
  EXPECT_EQ(result.status, 0) << result.err;
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "hi all");
  EXPECT_EQ(event->GetDestinationHost(), "198.51.100.255");
}

}  // namespace
