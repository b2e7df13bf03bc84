// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The bad-input table of docs/reliability.md, one test per row: every ro
// call given hostile arguments, and the exact result the table documents
// (return value and GetFailureReason() sentence). A row changes here and in
// the table together.
//
// Traffic goes to 127.0.0.1 and ::1 only. Rows that need a real multicast
// group or an address other than loopback are in bad_input_netns_test.cpp,
// which runs in a private network namespace.
//
// Nothing here may hang: the calls that could block are run through
// ReturnsWithin(), which fails the test and ends the process if they do not
// return in time.

#include <any>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ro/byte_array.hpp>
#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/event.hpp>
#include <ro/message_port.hpp>
#include <ro/network_hotplug.hpp>

#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using ro_test::Clock;
using ro_test::kLoopback;
using ro_test::kLoopback6;
using ro_test::MakeReceiver;
using ro_test::ReceiveOne;
using ro_test::StaysEmpty;

// Runs `call` on a helper thread and waits at most `limit` for its result.
// A call that does not return in time fails the test and ends the process
// at once: a hang must fail the suite, never stall it.
template <class Call>
auto ReturnsWithin(Call call, std::chrono::milliseconds limit = 5s) {
  std::packaged_task<decltype(call())()> task(std::move(call));
  auto result = task.get_future();
  std::thread(std::move(task)).detach();
  if (result.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "the call did not return within " << limit.count() << " ms";
    std::fflush(nullptr);
    std::_Exit(1);
  }
  return result.get();
}

// The number of milliseconds a call took.
template <class Call>
long long MillisecondsOf(Call call) {
  const auto start = Clock::now();
  call();
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::string P(int port) { return std::to_string(port); }

// The start of every SendTo reason: the call with its arguments.
std::string SendCall(std::string_view quoted_host, int port, std::size_t bytes) {
  return "SendTo(" + std::string(quoted_host) + ", " + P(port) + ") of " + std::to_string(bytes) +
         " bytes";
}

// An application event for PostMessage.
class Note final : public ro::Event {
 public:
  [[nodiscard]] std::string_view TypeName() const override { return "bad_input.Note"; }
};

// Fixture of the socket rows: a receiver on 127.0.0.1 whose port the rows
// send to, so that anything sent by mistake would be seen.
class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = MakeReceiver(port_);
    target_ = receiver_.GetLocalPort();
    ASSERT_GT(target_, 0) << receiver_.GetFailureReason();
  }

  // A refused call must not have sent anything.
  void ExpectNothingSent() { EXPECT_TRUE(StaysEmpty(port_, 50ms)) << "a refused call sent"; }

  ro::MessagePort port_;
  ro::DatagramSocket receiver_;
  int target_ = 0;
};

// === DatagramSocket::SendTo: hosts ===========================================

TEST_F(BadInput, SendToAnEmptyHostIsEinvalAndDoesNotBind) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.SendTo("", target_, "x"), -EINVAL);
  EXPECT_EQ(udp.GetFailureReason(),
            SendCall(R"("")", target_, 1) + R"(: "" is not a valid host: the host is empty)");
  EXPECT_EQ(udp.GetLocalPort(), 0);
  EXPECT_EQ(udp.GetStatistics().send_errors, 1U);
  ExpectNothingSent();
}

TEST_F(BadInput, SendToAnOverlongHostIsEinvalAndTheReasonShortensIt) {
  ro::DatagramSocket udp;
  const std::string host(100'000, '1');
  const std::string shown = "\"" + std::string(64, '1') + "...\" (100000 chars)";
  EXPECT_EQ(udp.SendTo(host, target_, "x"), -EINVAL);
  EXPECT_EQ(udp.GetFailureReason(), SendCall(shown, target_, 1) + ": " + shown +
                                        " is not a valid host: the host is 100000 characters "
                                        "long, longer than any numeric address");
  // 64 characters is already longer than any numeric address with a scope.
  EXPECT_EQ(udp.SendTo(std::string(64, '1'), target_, "x"), -EINVAL);
  EXPECT_NE(udp.GetFailureReason().find("the host is 64 characters long"), std::string::npos)
      << udp.GetFailureReason();
  EXPECT_EQ(udp.GetLocalPort(), 0);
  ExpectNothingSent();
}

TEST_F(BadInput, SendToAHostNameOrMalformedAddressIsEinvalAndNothingIsResolved) {
  for (const std::string host :
       {"example.com", "not a host", "LOCALHOST", "256.1.1.1", "1.2.3", "127.1", "0x7f.0.0.1",
        " 127.0.0.1", "127.0.0.1 ", "127.0.0.1:80", "[::1]", "::g", "127.0.0.1%lo",
        // Edges of the inline dotted-quad parser, each refused as inet_pton does.
        "127.0.0.01", "127.000.0.1", "0127.0.0.1", "127.0.0.256", "127.0.0.1000", "127.0.0.",
        "127..0.1", ".127.0.0.1", "127.0.0.1.", "127.0.0.1.1", "1.2.3.-4", "1.2.3.+4"}) {
    SCOPED_TRACE(host);
    ro::DatagramSocket udp;
    EXPECT_EQ(udp.SendTo(host, target_, "x"), -EINVAL);
    const std::string quoted = "\"" + host + "\"";
    EXPECT_EQ(udp.GetFailureReason(),
              SendCall(quoted, target_, 1) + ": " + quoted +
                  " is not a valid host: it is not a numeric IPv4 or IPv6 address (host names "
                  "are not resolved)");
    EXPECT_EQ(udp.GetLocalPort(), 0);
  }
  ExpectNothingSent();
}

TEST_F(BadInput, SendToADottedQuadAtEachOctetEdgeReachesThatAddress) {
  ro::MessagePort port;
  ro::DatagramSocket receiver;
  receiver.SetPort(port);
  ASSERT_TRUE(receiver.BindToLocalAddress("0.0.0.0", 0)) << receiver.GetFailureReason();
  ro::DatagramSocket udp;
  for (const char* host :
       {"127.0.0.1", "127.0.0.0", "127.9.99.199", "127.255.255.254", "127.10.0.1"}) {
    SCOPED_TRACE(host);
    ASSERT_EQ(udp.SendTo(host, receiver.GetLocalPort(), host), 0) << udp.GetFailureReason();
    const ro::Message msg = ro::Wait(3000, port);
    ASSERT_NE(msg, nullptr);
    const auto* event = msg->As<ro::DatagramEvent>();
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->GetString(), host);
    EXPECT_EQ(event->GetDestinationHost(), host);
  }
}

TEST_F(BadInput, SendToAHostWithRawBytesIsEinvalAndTheReasonEscapesThem) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.SendTo("\xff\xfe", target_, "x"), -EINVAL);
  EXPECT_EQ(udp.GetFailureReason(),
            SendCall(R"("\xff\xfe")", target_, 1) +
                R"(: "\xff\xfe" is not a valid host: it is not a numeric IPv4 or IPv6 address )"
                "(host names are not resolved)");
  EXPECT_EQ(udp.SendTo("127.0.0.1\0x"s, target_, "x"), -EINVAL);
  EXPECT_EQ(udp.GetFailureReason(),
            SendCall(R"("127.0.0.1\x00x")", target_, 1) +
                R"(: "127.0.0.1\x00x" is not a valid host: the host contains a NUL byte)");
  EXPECT_EQ(udp.GetLocalPort(), 0);
  ExpectNothingSent();
}

TEST_F(BadInput, SendToAnUnknownIpv6ScopeIsEinval) {
  for (const auto& [host, scope] : std::vector<std::pair<std::string, std::string>>{
           {"::1%nosuchif0", "nosuchif0"}, {"::1%0", "0"}, {"::1%", ""}, {"::1%1abc", "1abc"}}) {
    SCOPED_TRACE(host);
    ro::DatagramSocket udp;
    EXPECT_EQ(udp.SendTo(host, target_, "x"), -EINVAL);
    const std::string quoted = "\"" + host + "\"";
    EXPECT_EQ(udp.GetFailureReason(), SendCall(quoted, target_, 1) + ": " + quoted +
                                          " is not a valid host: the IPv6 scope \"" + scope +
                                          "\" is not a known interface");
    EXPECT_EQ(udp.GetLocalPort(), 0);
  }
}

// Library bug (reported): a numeric scope is converted with strtoul and cast
// to unsigned without a range check, so out-of-range numbers wrap around
// ("%4294967297" becomes interface 1) or name no interface at all, and are
// accepted, where the same scope given as an unknown name is refused.
TEST_F(BadInput, SendToAnOutOfRangeNumericIpv6ScopeIsEinval) {
  for (const std::string host :
       {"::1%4294967297", "::1%4294967295", "::1%-1", "::1%99999999999999999999999"}) {
    SCOPED_TRACE(host);
    ro::DatagramSocket udp;
    EXPECT_EQ(udp.SendTo(host, target_, "x"), -EINVAL) << "accepted as a scope";
    EXPECT_NE(udp.GetFailureReason().find("is not a known interface"), std::string::npos)
        << udp.GetFailureReason();
  }
}

// Library bug (reported): the scope was read with strtoul, which skips
// blanks and takes a sign, so "+1", " 1" and "-18446744073709551615" all
// named interface 1. A scope is an interface name or its index in digits.
TEST_F(BadInput, SendToASignedOrBlankNumericIpv6ScopeIsEinval) {
  for (const std::string host :
       {"::1%+1", "::1% 1", "::1%-18446744073709551615", "::1%1 ", "::1%0x1", "::1%99999999999"}) {
    SCOPED_TRACE(host);
    ro::DatagramSocket udp;
    EXPECT_EQ(udp.SendTo(host, target_, "x"), -EINVAL) << "accepted as interface 1";
    EXPECT_EQ(udp.GetFailureCode(), -EINVAL);
    EXPECT_EQ(udp.GetLocalPort(), 0);
  }
  ExpectNothingSent();
}

// === DatagramSocket::SendTo: ports and payloads ==============================

TEST_F(BadInput, SendToAPortOutsideOneTo65535IsEinvalAndDoesNotBind) {
  for (const int bad : {0, -1, 65536, INT_MIN, INT_MAX}) {
    SCOPED_TRACE(bad);
    ro::DatagramSocket udp;
    EXPECT_EQ(udp.SendTo(kLoopback, bad, "x"), -EINVAL);
    EXPECT_EQ(udp.GetFailureReason(),
              SendCall(R"("127.0.0.1")", bad, 1) + ": the port " + P(bad) + " is outside 1..65535");
    EXPECT_EQ(udp.GetLocalPort(), 0);
  }
  ExpectNothingSent();
}

// The size limit is the kernel's: the socket is created and bound (as for
// any first SendTo) before the kernel refuses the datagram.
TEST_F(BadInput, SendToAPayloadOverTheIpv4MaximumIsEmsgsize) {
  ro::DatagramSocket udp;
  for (const std::size_t size : {std::size_t{65'508}, std::size_t{1} << 20}) {
    SCOPED_TRACE(size);
    EXPECT_EQ(udp.SendTo(kLoopback, target_, std::string(size, 'a')), -EMSGSIZE);
    EXPECT_EQ(udp.GetFailureReason(),
              SendCall(R"("127.0.0.1")", target_, size) +
                  " failed: Message too long (EMSGSIZE); the UDP maximum is 65507 bytes over IPv4");
  }
  EXPECT_GT(udp.GetLocalPort(), 0) << "bound before the kernel refused the size";
  ro::ByteArray big;
  big.FromAsciiString(std::string(65'508, 'b'));
  EXPECT_EQ(udp.SendTo(kLoopback, target_, big), -EMSGSIZE);
  EXPECT_EQ(udp.GetStatistics().send_errors, 3U);
  ExpectNothingSent();
  // The maximum itself is sent whole.
  EXPECT_EQ(udp.SendTo(kLoopback, target_, std::string(65'507, 'a')), 0);
  const auto event = ReceiveOne(port_);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetPayloadSize(), 65'507U);
}

TEST_F(BadInput, SendToAPayloadOverTheIpv6MaximumIsEmsgsize) {
  if (!ro_test::HasIpv6Loopback()) GTEST_SKIP() << "no ::1 on this machine";
  ro::MessagePort port6;
  ro::DatagramSocket receiver6;
  receiver6.SetPort(port6);
  ASSERT_TRUE(receiver6.BindToLocalAddress(kLoopback6, 0)) << receiver6.GetFailureReason();
  const int target6 = receiver6.GetLocalPort();
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.SendTo(kLoopback6, target6, std::string(65'528, 'a')), -EMSGSIZE);
  EXPECT_EQ(udp.GetFailureReason(),
            SendCall(R"("::1")", target6, 65'528) +
                " failed: Message too long (EMSGSIZE); the UDP maximum is 65527 bytes over IPv6");
  EXPECT_EQ(udp.SendTo(kLoopback6, target6, std::string(65'527, 'a')), 0);
  const auto event = ReceiveOne(port6);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetPayloadSize(), 65'527U);
}

// Library bug (reported): a dual-stack socket (created by a first SendTo to
// an IPv6 host) sending an oversize datagram to an IPv4 host reports the
// IPv6 maximum (65527), although the datagram is IPv4 and 65,508 bytes
// already fail. The reason must give the limit that applies.
TEST_F(BadInput, SendToAnIpv4HostFromADualStackSocketReportsTheIpv4Maximum) {
  if (!ro_test::HasIpv6Loopback()) GTEST_SKIP() << "no ::1 on this machine";
  ro::DatagramSocket udp;
  ASSERT_EQ(udp.SendTo(kLoopback6, 9, "makes the socket IPv6"), 0) << udp.GetFailureReason();
  EXPECT_EQ(udp.SendTo(kLoopback, target_, std::string(65'508, 'a')), -EMSGSIZE);
  EXPECT_EQ(udp.GetFailureReason(),
            SendCall(R"("127.0.0.1")", target_, 65'508) +
                " failed: Message too long (EMSGSIZE); the UDP maximum is 65507 bytes over IPv4");
}

TEST_F(BadInput, SendToAnEmptyPayloadSendsAnEmptyDatagram) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.SendTo(kLoopback, target_, ""), 0) << udp.GetFailureReason();
  EXPECT_EQ(udp.SendTo(kLoopback, target_, ro::ByteArray{}), 0) << udp.GetFailureReason();
  for (int i = 0; i < 2; ++i) {
    const auto event = ReceiveOne(port_);
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->GetString(), "");
    EXPECT_EQ(event->GetPayloadSize(), 0U);
  }
  EXPECT_EQ(udp.GetFailureReason(), "");
}

TEST_F(BadInput, SendToAnIpv6HostFromAnIpv4SocketIsEafnosupport) {
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.BindToLocalPort(0)) << udp.GetFailureReason();
  for (const std::string host : {"::1", "::ffff:127.0.0.1"}) {
    SCOPED_TRACE(host);
    EXPECT_EQ(udp.SendTo(host, target_, "x"), -EAFNOSUPPORT);
    EXPECT_EQ(udp.GetFailureReason(), SendCall("\"" + host + "\"", target_, 1) +
                                          ": this socket is IPv4 (bound by BindToLocalPort); an "
                                          "IPv6 destination needs an IPv6 socket");
  }
  ExpectNothingSent();
}

// === DatagramSocket: binding =================================================

TEST_F(BadInput, BindToLocalPortOutsideZeroTo65535IsRefusedAndTheSocketStaysUsable) {
  ro::DatagramSocket udp;
  for (const int bad : {-1, 65536, INT_MIN, INT_MAX}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(udp.BindToLocalPort(bad));
    EXPECT_EQ(udp.GetFailureReason(),
              "BindToLocalPort(" + P(bad) + "): the port must be in 0..65535");
    EXPECT_EQ(udp.GetLocalPort(), 0);
  }
  EXPECT_TRUE(udp.BindToLocalPort(0)) << udp.GetFailureReason();
}

TEST_F(BadInput, BindingASecondTimeIsRefusedAndKeepsTheFirstPort) {
  ro::MessagePort port;
  ro::DatagramSocket udp = MakeReceiver(port);
  const int first = udp.GetLocalPort();
  ASSERT_GT(first, 0);
  EXPECT_FALSE(udp.BindToLocalPort(0));
  EXPECT_EQ(udp.GetFailureReason(),
            "BindToLocalPort(0): the socket is already bound to port " + P(first));
  EXPECT_FALSE(udp.BindToLocalAddress(kLoopback, 0));
  EXPECT_EQ(
      udp.GetFailureReason(),
      R"(BindToLocalAddress("127.0.0.1", 0): the socket is already bound to port )" + P(first));
  EXPECT_EQ(udp.GetLocalPort(), first);
  // A SendTo binds implicitly: a later bind is a re-bind too.
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, first, "still here"), 0);
  EXPECT_FALSE(sender.BindToLocalPort(0));
  EXPECT_EQ(sender.GetFailureReason(),
            "BindToLocalPort(0): the socket is already bound to port " + P(sender.GetLocalPort()));
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr) << "the refused re-bind disturbed the bound socket";
  EXPECT_EQ(event->GetString(), "still here");
}

TEST_F(BadInput, BindToAPortInUseIsEaddrinuseWithAHint) {
  ro::DatagramSocket udp;
  EXPECT_FALSE(udp.BindToLocalPort(target_));
  EXPECT_EQ(udp.GetFailureReason(),
            "BindToLocalPort(" + P(target_) +
                ") failed: Address already in use (EADDRINUSE); sockets that share a port must all "
                "call SetReuseAddress(true) before binding");
  EXPECT_EQ(udp.GetLocalPort(), 0);
  EXPECT_TRUE(udp.BindToLocalPort(0)) << "a failed bind leaves the socket usable";
}

TEST_F(BadInput, BindToLocalAddressWithAnInvalidAddressIsRefused) {
  for (const auto& [address, why] : std::vector<std::pair<std::string, std::string>>{
           {"", "the host is empty"},
           {"garbage", "it is not a numeric IPv4 or IPv6 address (host names are not resolved)"},
           {"127.0.0.1\0"s, "the host contains a NUL byte"}}) {
    SCOPED_TRACE(address);
    ro::DatagramSocket udp;
    EXPECT_FALSE(udp.BindToLocalAddress(address, 0));
    std::string quoted = "\"" + address + "\"";
    if (address.find('\0') != std::string::npos) quoted = R"("127.0.0.1\x00")";
    EXPECT_EQ(udp.GetFailureReason(), "BindToLocalAddress(" + quoted + ", 0): " + quoted +
                                          " is not a valid address: " + why);
    EXPECT_EQ(udp.GetLocalPort(), 0);
  }
}

TEST_F(BadInput, BindToLocalAddressOutsideZeroTo65535IsRefused) {
  ro::DatagramSocket udp;
  for (const int bad : {-1, 65536, INT_MIN}) {
    EXPECT_FALSE(udp.BindToLocalAddress(kLoopback, bad));
    EXPECT_EQ(udp.GetFailureReason(),
              R"(BindToLocalAddress("127.0.0.1", )" + P(bad) + "): the port must be in 0..65535");
  }
  EXPECT_TRUE(udp.BindToLocalAddress(kLoopback, 0)) << udp.GetFailureReason();
}

// A failed BindToLocalPort has already created the (IPv4) kernel socket, so
// the socket stays IPv4: an IPv6 address is refused afterwards, an IPv4 one
// works.
TEST_F(BadInput, BindToAnIpv6AddressAfterAFailedIpv4BindIsRefused) {
  ro::DatagramSocket udp;
  ASSERT_FALSE(udp.BindToLocalPort(target_));
  EXPECT_FALSE(udp.BindToLocalAddress(kLoopback6, 0));
  EXPECT_EQ(udp.GetFailureReason(), R"(BindToLocalAddress("::1", 0): the socket is already IPv4)");
  EXPECT_TRUE(udp.BindToLocalAddress(kLoopback, 0)) << udp.GetFailureReason();
}

// === DatagramSocket: multicast arguments (parsing only; see the netns file) ==

TEST_F(BadInput, JoinMulticastGroupWithAUnicastAddressIsRefused) {
  for (const std::string group : {"127.0.0.1", "10.0.0.1", "255.255.255.255", "::1"}) {
    SCOPED_TRACE(group);
    ro::DatagramSocket udp;
    EXPECT_FALSE(udp.JoinMulticastGroup(group));
    EXPECT_EQ(udp.GetFailureReason(), "JoinMulticastGroup(\"" + group +
                                          "\"): not a multicast address (224.0.0.0/4 or ff00::/8)");
    EXPECT_FALSE(udp.LeaveMulticastGroup(group));
    EXPECT_EQ(udp.GetFailureReason(), "LeaveMulticastGroup(\"" + group +
                                          "\"): not a multicast address (224.0.0.0/4 or ff00::/8)");
    EXPECT_EQ(udp.GetLocalPort(), 0) << "a refused join must not bind";
  }
}

TEST_F(BadInput, JoinMulticastGroupWithSomethingNotAnAddressIsRefused) {
  for (const std::string group : {"", "localhost", "239.1.2.3x", "example.com", "[ff02::1]"}) {
    SCOPED_TRACE(group);
    ro::DatagramSocket udp;
    EXPECT_FALSE(udp.JoinMulticastGroup(group));
    EXPECT_EQ(udp.GetFailureReason(),
              "JoinMulticastGroup(\"" + group + "\"): not an IPv4 or IPv6 address");
    EXPECT_FALSE(udp.JoinMulticastGroup(group, "lo"));
    EXPECT_EQ(udp.GetFailureReason(),
              "JoinMulticastGroup(\"" + group + "\", \"lo\"): not an IPv4 or IPv6 address");
    EXPECT_EQ(udp.GetLocalPort(), 0);
  }
}

// === DatagramSocket: options =================================================

TEST_F(BadInput, SetMulticastTtlOutsideZeroTo255IsRefused) {
  ro::DatagramSocket udp;
  for (const int bad : {-1, 256, INT_MIN, INT_MAX}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(udp.SetMulticastTTL(bad));
    EXPECT_EQ(udp.GetFailureReason(), "SetMulticastTTL(" + P(bad) + "): the TTL must be in 0..255");
  }
  EXPECT_TRUE(udp.SetMulticastTTL(0));
  EXPECT_TRUE(udp.SetMulticastTTL(255));
}

TEST_F(BadInput, SetMulticastInterfaceWithAnUnknownInterfaceIsRefused) {
  ro::DatagramSocket udp;
  const std::string long_name(16, 'e');  // IF_NAMESIZE counts the NUL
  const std::string huge(100'000, 'x');
  const std::string huge_shown = "\"" + std::string(64, 'x') + "...\" (100000 chars)";
  for (const auto& [name, reason] : std::vector<std::pair<std::string, std::string>>{
           {"nosuchif0", R"(no interface is called "nosuchif0")"},
           {"localhost", R"(no interface is called "localhost")"},
           {"127.0.0.2", R"(no interface has the address "127.0.0.2")"},
           {long_name, "\"" + long_name + "\" is neither an interface name nor an address"},
           {"lo\0x"s, R"("lo\x00x" is neither an interface name nor an address)"},
           {huge, huge_shown + " is neither an interface name nor an address"}}) {
    SCOPED_TRACE(name.substr(0, 20));
    EXPECT_FALSE(udp.SetMulticastInterface(name));
    const std::string shown = name == huge                           ? huge_shown
                              : name.find('\0') != std::string::npos ? R"("lo\x00x")"
                                                                     : "\"" + name + "\"";
    EXPECT_EQ(udp.GetFailureReason(), "SetMulticastInterface(" + shown + "): " + reason);
  }
  // "", "0.0.0.0" and "::" restore the routing table's choice.
  for (const std::string reset : {"", "0.0.0.0", "::"})
    EXPECT_TRUE(udp.SetMulticastInterface(reset));
}

int KernelReceiveBufferMaximum() {
  std::ifstream file("/proc/sys/net/core/rmem_max");
  int value = 0;
  file >> value;
  return value;
}

TEST_F(BadInput, SetReceiveBufferSizeZeroOrNegativeIsRefusedAndKeepsTheBuffer) {
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.BindToLocalPort(0));
  const int before = udp.GetReceiveBufferSize();
  ASSERT_GT(before, 0);
  for (const int bad : {0, -1, INT_MIN}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(udp.SetReceiveBufferSize(bad));
    EXPECT_EQ(udp.GetFailureReason(),
              "SetReceiveBufferSize(" + P(bad) + "): the size must be positive");
    EXPECT_EQ(udp.GetReceiveBufferSize(), before);
  }
}

// Out-of-range sizes that are positive are the kernel's to clamp: 1 gives
// its minimum, INT_MAX gives net.core.rmem_max (both doubled, as Linux
// reports). The socket still receives with the minimum.
TEST_F(BadInput, SetReceiveBufferSizeExtremesAreClampedByTheKernel) {
  ro::MessagePort port;
  ro::DatagramSocket udp;
  udp.SetPort(port);
  ASSERT_TRUE(udp.BindToLocalPort(0));
  EXPECT_TRUE(udp.SetReceiveBufferSize(INT_MAX)) << udp.GetFailureReason();
  EXPECT_EQ(udp.GetReceiveBufferSize(), 2 * KernelReceiveBufferMaximum());
  EXPECT_TRUE(udp.SetReceiveBufferSize(1)) << udp.GetFailureReason();
  const int minimum = udp.GetReceiveBufferSize();
  EXPECT_GT(minimum, 1);
  EXPECT_LT(minimum, 16 * 1024);
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, udp.GetLocalPort(), "fits"), 0);
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "fits");
}

TEST_F(BadInput, SetReuseAddressOrPortAfterBindingIsRefused) {
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.BindToLocalPort(0));
  EXPECT_FALSE(udp.SetReuseAddress(true));
  EXPECT_EQ(udp.GetFailureReason(),
            "SetReuseAddress(true): must be called before the socket is bound");
  EXPECT_FALSE(udp.SetReusePort(false));
  EXPECT_EQ(udp.GetFailureReason(),
            "SetReusePort(false): must be called before the socket is bound");
}

// === DatagramSocket: closed ==================================================

TEST_F(BadInput, SendToOnAClosedSocketIsEbadf) {
  ro::DatagramSocket bound;
  ASSERT_TRUE(bound.BindToLocalPort(0));
  bound.Close();
  ro::DatagramSocket never_bound;
  never_bound.Close();
  for (ro::DatagramSocket* udp : {&bound, &never_bound}) {
    EXPECT_EQ(udp->SendTo(kLoopback, target_, "x"), -EBADF);
    EXPECT_EQ(udp->GetFailureReason(),
              SendCall(R"("127.0.0.1")", target_, 1) + ": the socket is closed");
    EXPECT_EQ(udp->SendTo(kLoopback, target_, ro::ByteArray{1, 2}), -EBADF);
  }
  EXPECT_EQ(never_bound.GetLocalPort(), 0) << "a closed socket must not bind";
  ExpectNothingSent();
}

TEST_F(BadInput, BooleanCallsOnAClosedSocketAreRefusedWithClosedReason) {
  ro::DatagramSocket udp;
  udp.Close();
  const std::vector<std::pair<std::string, std::function<bool()>>> calls = {
      {"BindToLocalPort(0)", [&] { return udp.BindToLocalPort(0); }},
      {R"(BindToLocalAddress("127.0.0.1", 0))",
       [&] { return udp.BindToLocalAddress(kLoopback, 0); }},
      {"SetMulticastTTL(1)", [&] { return udp.SetMulticastTTL(1); }},
      {"SetMulticastLoop(false)", [&] { return udp.SetMulticastLoop(false); }},
      {R"(SetMulticastInterface("lo"))", [&] { return udp.SetMulticastInterface("lo"); }},
      {"SetBroadcast(true)", [&] { return udp.SetBroadcast(true); }},
      {"SetReuseAddress(true)", [&] { return udp.SetReuseAddress(true); }},
      {"SetReusePort(true)", [&] { return udp.SetReusePort(true); }},
      {"SetReceiveBufferSize(65536)", [&] { return udp.SetReceiveBufferSize(65536); }},
      {"SetAutoRejoin(true)", [&] { return udp.SetAutoRejoin(true); }},
  };
  for (const auto& [name, call] : calls) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(call());
    EXPECT_EQ(udp.GetFailureReason(), name + ": the socket is closed");
  }
  EXPECT_EQ(udp.GetReceiveBufferSize(), 0);
  EXPECT_TRUE(udp.SetAutoRejoin(false)) << "turning re-join off is always possible";
}

// Library bug (reported): on a socket that was bound and then closed,
// SetReuseAddress / SetReusePort say "must be called before the socket is
// bound" - advice that cannot be followed - instead of "the socket is
// closed" like every other call.
TEST_F(BadInput, ReuseOptionsOnAClosedBoundSocketSayItIsClosed) {
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.BindToLocalPort(0));
  udp.Close();
  EXPECT_FALSE(udp.SetReuseAddress(true));
  EXPECT_EQ(udp.GetFailureReason(), "SetReuseAddress(true): the socket is closed");
  EXPECT_FALSE(udp.SetReusePort(true));
  EXPECT_EQ(udp.GetFailureReason(), "SetReusePort(true): the socket is closed");
}

TEST_F(BadInput, ClosingTwiceIsHarmlessAndTheLocalPortIsStillReported) {
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.BindToLocalPort(0));
  const int local = udp.GetLocalPort();
  udp.Close();
  udp.Close();
  EXPECT_EQ(udp.GetLocalPort(), local) << "GetLocalPort() keeps the port it was bound to";
  EXPECT_EQ(udp.GetFailureReason(), "");
  // The port itself is free again.
  ro::DatagramSocket next;
  EXPECT_TRUE(next.BindToLocalPort(local)) << next.GetFailureReason();
}

// === DatagramSocket: moved-from ==============================================

TEST_F(BadInput, EveryCallOnAMovedFromSocketFailsOrDoesNothing) {
  ro::DatagramSocket original;
  ro::DatagramSocket moved(std::move(original));
  constexpr const char* kReason =
      "DatagramSocket: this object was moved from; it no longer has a socket";
  // NOLINTBEGIN(bugprone-use-after-move): using the moved-from object is the test.
  EXPECT_EQ(original.GetFailureReason(), kReason);
  EXPECT_EQ(original.SendTo(kLoopback, target_, "x"), -EBADF);
  EXPECT_EQ(original.SendTo(kLoopback, target_, ro::ByteArray{1}), -EBADF);
  EXPECT_FALSE(original.BindToLocalPort(0));
  EXPECT_FALSE(original.BindToLocalAddress(kLoopback, 0));
  EXPECT_FALSE(original.JoinMulticastGroup("garbage"));
  EXPECT_FALSE(original.JoinMulticastGroup("garbage", "lo"));
  EXPECT_FALSE(original.LeaveMulticastGroup("garbage"));
  EXPECT_FALSE(original.SetAutoRejoin(true));
  EXPECT_FALSE(original.SetMulticastTTL(1));
  EXPECT_FALSE(original.SetMulticastLoop(true));
  EXPECT_FALSE(original.SetMulticastInterface("lo"));
  EXPECT_FALSE(original.SetBroadcast(true));
  EXPECT_FALSE(original.SetReuseAddress(true));
  EXPECT_FALSE(original.SetReusePort(true));
  EXPECT_FALSE(original.SetReceiveBufferSize(65536));
  EXPECT_EQ(original.GetReceiveBufferSize(), 0);
  EXPECT_EQ(original.GetLocalPort(), 0);
  EXPECT_EQ(original.GetIdentity(), 0);
  original.SetPort(port_);
  original.SetUserData(42);
  EXPECT_FALSE(original.GetUserData().has_value());
  const ro::SocketStatistics s = original.GetStatistics();
  EXPECT_EQ(s.received + s.sent + s.send_errors + s.receive_errors, 0U);
  original.Close();
  EXPECT_EQ(original.GetFailureReason(), kReason);
  // Assigning a socket to it makes it a working socket again.
  original = ro::DatagramSocket();
  EXPECT_EQ(original.GetFailureReason(), "");
  EXPECT_EQ(original.SendTo(kLoopback, target_, "revived"), 0) << original.GetFailureReason();
  // NOLINTEND(bugprone-use-after-move)
  const auto event = ReceiveOne(port_);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "revived");
}

TEST_F(BadInput, SelfMoveAssignmentKeepsTheSocket) {
  ro::MessagePort port;
  ro::DatagramSocket udp = MakeReceiver(port);
  const int local = udp.GetLocalPort();
  const int identity = udp.GetIdentity();
  ro::DatagramSocket& alias = udp;
  udp = std::move(alias);
  EXPECT_EQ(udp.GetLocalPort(), local);
  EXPECT_EQ(udp.GetIdentity(), identity);
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, local, "after self-move"), 0);
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr) << "self-move closed the socket";
  EXPECT_EQ(event->GetString(), "after self-move");
}

// === DatagramSocket: SetPort and SetUserData =================================

// A socket whose port is a moved-from handle has nowhere to deliver: if it
// never had a port it does not start reading (datagrams wait in the kernel
// and are delivered once a real port is set); if it was reading, what it
// reads is counted as dropped_by_port.
TEST_F(BadInput, SetPortWithAMovedFromPortDeliversNothingAndLosesNothingSilently) {
  ro::MessagePort gone;
  ro::MessagePort keeper(std::move(gone));
  ro::DatagramSocket sender;

  ro::DatagramSocket never_had_one;
  never_had_one.SetPort(gone);  // NOLINT(bugprone-use-after-move)
  ASSERT_TRUE(never_had_one.BindToLocalPort(0));
  ASSERT_EQ(sender.SendTo(kLoopback, never_had_one.GetLocalPort(), "waits"), 0);
  EXPECT_TRUE(StaysEmpty(keeper, 100ms));
  EXPECT_EQ(never_had_one.GetStatistics().received, 0U) << "not reading without a port";
  ro::MessagePort real;
  never_had_one.SetPort(real);
  const auto waited = ReceiveOne(real);
  ASSERT_NE(waited, nullptr) << "the datagram that waited in the kernel was lost";
  EXPECT_EQ(waited->GetString(), "waits");

  ro::MessagePort first;
  ro::DatagramSocket was_reading = MakeReceiver(first);
  ASSERT_GT(was_reading.GetLocalPort(), 0);
  was_reading.SetPort(gone);  // NOLINT(bugprone-use-after-move)
  ASSERT_EQ(sender.SendTo(kLoopback, was_reading.GetLocalPort(), "dropped"), 0);
  ASSERT_TRUE(ro_test::WaitForSettledStatistics(was_reading, 1));
  EXPECT_EQ(was_reading.GetStatistics().dropped_by_port, 1U);
  EXPECT_TRUE(StaysEmpty(first, 50ms));
}

TEST_F(BadInput, EmptyUserDataIsInvalidInEvents) {
  ro::MessagePort port;
  ro::DatagramSocket udp = MakeReceiver(port);
  udp.SetUserData(std::string("set"));
  udp.SetUserData(ro::UserData{});
  EXPECT_FALSE(udp.GetUserData().has_value());
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, udp.GetLocalPort(), "x"), 0);
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_FALSE(event->GetUserData().has_value());
}

// === MessagePort =============================================================

TEST(BadInputPort, PostingNullptrIsRefusedAndNotCounted) {
  ro::MessagePort port;
  EXPECT_FALSE(port.PostMessage(nullptr));
  EXPECT_FALSE(port.PostMessage(ro::Message{}));
  const ro::PortStatistics p = port.GetStatistics();
  EXPECT_EQ(p.posted, 0U);
  EXPECT_EQ(p.dropped, 0U);
  EXPECT_EQ(p.queued, 0U);
  EXPECT_EQ(port.GetMessage(), nullptr);
}

TEST(BadInputPort, NegativeTimeoutsDoNotWait) {
  ro::MessagePort port;
  for (const int timeout : {-1, -100, INT_MIN}) {
    SCOPED_TRACE(timeout);
    ro::Message got;
    const long long ms =
        MillisecondsOf([&] { got = ReturnsWithin([&] { return port.WaitMessage(timeout); }); });
    EXPECT_EQ(got, nullptr);
    EXPECT_LT(ms, 1000) << "a negative timeout waited";
    EXPECT_EQ(ReturnsWithin([&] { return ro::Wait(timeout, port); }), nullptr);
  }
  // With an event queued, a negative timeout returns it, like GetMessage().
  ASSERT_TRUE(port.PostMessage(std::make_shared<Note>()));
  EXPECT_NE(port.WaitMessage(-1), nullptr);
}

// INT_MAX milliseconds (about 24.8 days) must not overflow into an
// immediate timeout: the wait returns the event posted 50 ms later.
TEST(BadInputPort, TheLargestTimeoutStillWaitsForTheEvent) {
  ro::MessagePort port;
  std::thread poster([port] {
    std::this_thread::sleep_for(50ms);
    (void)port.PostMessage(std::make_shared<Note>());
  });
  const ro::Message got = ReturnsWithin([&] { return port.WaitMessage(INT_MAX); }, 10s);
  poster.join();
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->TypeName(), "bad_input.Note");
}

// A moved-from handle has no queue. It refuses posts and returns nullptr at
// once from every wait - even WaitMessage(0), which on a real port waits
// forever: nothing could ever arrive.
TEST(BadInputPort, AMovedFromPortRefusesPostsAndNeverBlocks) {
  ro::MessagePort original;
  ro::MessagePort moved(std::move(original));
  // NOLINTBEGIN(bugprone-use-after-move)
  EXPECT_EQ(ReturnsWithin([&] { return original.WaitMessage(0); }), nullptr);
  EXPECT_EQ(ReturnsWithin([&] { return ro::Wait(0, original); }), nullptr);
  EXPECT_EQ(original.WaitMessage(100), nullptr);
  EXPECT_EQ(original.GetMessage(), nullptr);
  EXPECT_EQ(original.PeekMessage(), nullptr);
  EXPECT_FALSE(original.PostMessage(std::make_shared<Note>()));
  EXPECT_EQ(original.GetIdentity(), 0);
  EXPECT_EQ(original.GetQueueLength(), 0U);
  EXPECT_EQ(original.SetWatchdogTimeout(5), 0);
  original.DeferWatchdog();
  original.DeferWatchdog(5);
  original.SetWatchdogHandler([] {});
  original.SetMaxQueueLength(1);
  const ro::PortStatistics p = original.GetStatistics();
  EXPECT_EQ(p.posted + p.delivered + p.dropped + p.queued + p.high_water, 0U);
  EXPECT_FALSE(original == moved);
  // NOLINTEND(bugprone-use-after-move)
  EXPECT_NE(moved.GetIdentity(), 0);
}

TEST(BadInputPort, SelfAssignmentKeepsTheQueue) {
  ro::MessagePort port;
  ASSERT_TRUE(port.PostMessage(std::make_shared<Note>()));
  const int identity = port.GetIdentity();
  ro::MessagePort& alias = port;
  port = alias;
  port = std::move(alias);
  EXPECT_EQ(port.GetIdentity(), identity);
  EXPECT_NE(port.GetMessage(), nullptr);
}

TEST(BadInputPort, NegativeWatchdogTimeoutDisarmsAndReturnsThePreviousTimeout) {
  ro::MessagePort port;
  EXPECT_EQ(port.SetWatchdogTimeout(30), 0);
  EXPECT_EQ(port.SetWatchdogTimeout(-5), 30) << "returns the previous timeout";
  EXPECT_EQ(port.SetWatchdogTimeout(0), 0) << "-5 was taken as 0 (disarmed)";
  EXPECT_EQ(port.SetWatchdogTimeout(INT_MIN), 0);
  // Deferring a disarmed watchdog, by any amount, does nothing.
  port.DeferWatchdog(-1);
  port.DeferWatchdog(INT_MIN);
  port.DeferWatchdog(INT_MAX);
  EXPECT_EQ(port.SetWatchdogTimeout(0), 0);
}

// INT_MAX seconds (68 years) neither overflows the deadline into the past
// nor fires; deferring by INT_MAX or by a negative amount is harmless.
TEST(BadInputPort, TheLargestWatchdogTimeoutDoesNotFire) {
  std::atomic<int> fired{0};  // declared first: outlives the port's handler
  ro::MessagePort port;
  port.SetWatchdogHandler([&fired] { ++fired; });
  EXPECT_EQ(port.SetWatchdogTimeout(INT_MAX), 0);
  port.DeferWatchdog(INT_MAX);
  port.DeferWatchdog(-1);
  port.DeferWatchdog(INT_MIN);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(fired.load(), 0);
  EXPECT_EQ(port.SetWatchdogTimeout(0), INT_MAX);
}

TEST(BadInputPort, MaxQueueLengthZeroMeansUnboundedAndHugeIsHarmless) {
  ro::MessagePort port;
  port.SetMaxQueueLength(0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(port.PostMessage(std::make_shared<Note>()));
  port.SetMaxQueueLength(SIZE_MAX);
  EXPECT_TRUE(port.PostMessage(std::make_shared<Note>()));
  EXPECT_EQ(port.GetStatistics().dropped, 0U);
  EXPECT_EQ(port.GetQueueLength(), 1001U);
}

TEST(BadInputPort, GetAndPeekOnAnEmptyPortReturnNullptrAtOnce) {
  ro::MessagePort port;
  EXPECT_EQ(ReturnsWithin([&] { return port.GetMessage(); }), nullptr);
  EXPECT_EQ(ReturnsWithin([&] { return port.PeekMessage(); }), nullptr);
  EXPECT_EQ(port.GetStatistics().delivered, 0U);
}

// === NetworkHotplug ==========================================================

TEST(BadInputHotplug, EveryCallOnAMovedFromHotplugFailsOrDoesNothing) {
  ro::NetworkHotplug original;
  ro::NetworkHotplug moved(std::move(original));
  ro::MessagePort port;
  // NOLINTBEGIN(bugprone-use-after-move)
  original.SetPort(port);
  original.SetUserData(1);
  EXPECT_FALSE(original.GetUserData().has_value());
  EXPECT_EQ(original.GetIdentity(), 0);
  EXPECT_EQ(original.GetFailureReason(),
            "NetworkHotplug: this object was moved from; it no longer watches anything");
  // NOLINTEND(bugprone-use-after-move)
  EXPECT_NE(moved.GetIdentity(), 0);
}

// === ByteArray ===============================================================

ro::ByteArray Filled() {
  ro::ByteArray bytes;
  bytes.FromAsciiString("previous contents");
  return bytes;
}

TEST(BadInputByteArray, HexOfOddLengthIsRefusedAndEmptiesTheArray) {
  for (const std::string hex : {"a", "abc", "0a0"}) {
    SCOPED_TRACE(hex);
    ro::ByteArray bytes = Filled();
    EXPECT_FALSE(bytes.FromHexString(hex));
    EXPECT_EQ(bytes.Count(), 0);
  }
}

TEST(BadInputByteArray, HexWithANonHexCharacterIsRefusedAndEmptiesTheArray) {
  for (const std::string& hex :
       std::vector<std::string>{"zz", "0x12", " 12", "12 ", "1-", "\xc3\xa9", "1\0"s, "+1"}) {
    SCOPED_TRACE(::testing::PrintToString(hex));
    ro::ByteArray bytes = Filled();
    EXPECT_FALSE(bytes.FromHexString(hex));
    EXPECT_EQ(bytes.Count(), 0);
  }
}

TEST(BadInputByteArray, EmptyHexAndBase64AreValidAndEmpty) {
  ro::ByteArray bytes = Filled();
  EXPECT_TRUE(bytes.FromHexString(""));
  EXPECT_EQ(bytes.Count(), 0);
  bytes = Filled();
  EXPECT_TRUE(bytes.FromBase64String(""));
  EXPECT_EQ(bytes.Count(), 0);
}

TEST(BadInputByteArray, MalformedBase64IsRefusedAndEmptiesTheArray) {
  for (const std::string& text : std::vector<std::string>{
           "A", "AAAAA", "AB=", "QQ=", "QQ===", "=AAA", "A===", "Q=Q=", "Zg==Zg==", "Zm9v YmFy",
           "QUJD\n", "-_8=", "QUJD\0"s, "QU*D"}) {
    SCOPED_TRACE(::testing::PrintToString(text));
    ro::ByteArray bytes = Filled();
    EXPECT_FALSE(bytes.FromBase64String(text));
    EXPECT_EQ(bytes.Count(), 0);
  }
}

// RFC 4648 lets a decoder accept these; rodatagram does (section 3.2 and
// 3.5): missing padding, and non-zero bits after the last byte.
TEST(BadInputByteArray, UnpaddedOrNonCanonicalBase64IsAccepted) {
  ro::ByteArray bytes;
  EXPECT_TRUE(bytes.FromBase64String("QQ"));
  EXPECT_EQ(bytes.ToAsciiString(), "A");
  EXPECT_TRUE(bytes.FromBase64String("QR=="));
  EXPECT_EQ(bytes.ToAsciiString(), "A");
  EXPECT_TRUE(bytes.FromBase64String("QUI"));
  EXPECT_EQ(bytes.ToAsciiString(), "AB");
}

TEST(BadInputByteArray, AsciiWithZeroBytesKeepsThemButToAsciiStringStopsAtTheFirst) {
  ro::ByteArray bytes;
  bytes.FromAsciiString("a\0b"s);
  EXPECT_EQ(bytes.Count(), 3);
  EXPECT_EQ(bytes.ToAsciiString(), "a");
  EXPECT_EQ(bytes.View(), "a\0b"s);
}

TEST(BadInputByteArray, DecodingAViewOfTheArrayItselfWorks) {
  ro::ByteArray bytes;
  bytes.FromAsciiString("4142");
  EXPECT_TRUE(bytes.FromHexString(bytes.View()));
  EXPECT_EQ(bytes.ToAsciiString(), "AB");
  bytes.FromAsciiString("QUJD");
  EXPECT_TRUE(bytes.FromBase64String(bytes.View()));
  EXPECT_EQ(bytes.ToAsciiString(), "ABC");
  bytes.FromAsciiString("self");
  bytes.FromAsciiString(bytes.View());
  EXPECT_EQ(bytes.ToAsciiString(), "self");
}

TEST(BadInputByteArray, OutOfRangeIndexesAndLengthsAreClipped) {
  const ro::ByteArray bytes{0x01, 0xff};
  EXPECT_EQ(bytes.GetSignedByte(1), -1);
  EXPECT_EQ(bytes.GetSignedByte(2), 0);
  EXPECT_EQ(bytes.GetSignedByte(SIZE_MAX), 0);
  EXPECT_EQ(bytes.GetCRC32(2, 1), 0U) << "CRC-32 of no bytes";
  EXPECT_EQ(bytes.GetCRC32(SIZE_MAX, SIZE_MAX), 0U);
  EXPECT_EQ(bytes.GetCRC32(0, SIZE_MAX), bytes.GetCRC32()) << "start + length must not overflow";
  EXPECT_EQ(bytes.GetCRC32(1, SIZE_MAX), ro::ByteArray{0xff}.GetCRC32());
}

TEST(BadInputByteArray, ConstructingFromANullPointerGivesAnEmptyArray) {
  EXPECT_EQ(ro::ByteArray(nullptr, 0).Count(), 0);
  EXPECT_EQ(ro::ByteArray(nullptr, 5).Count(), 0);
}

}  // namespace
