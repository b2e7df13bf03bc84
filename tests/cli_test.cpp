// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Tests of the rodatagram-cat tool, run as a child process the way a test
// harness runs it: listen, send, request, the output format, exit codes and
// command-line errors. Multicast and broadcast are in cli_netns_test.cpp.
//
// Traffic goes to 127.0.0.1 and ::1 only.

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <ro/byte_array.hpp>
#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "cli_util.hpp"
#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_test::Child;
using ro_test::kLoopback;
using ro_test::ListeningPort;
using ro_test::ReceiveOne;
using ro_test::RunCat;

constexpr int kUsage = 64;
constexpr int kTimeout = 2;

// Answers the first `count` datagrams on a free loopback port with `prefix`
// + the payload (or stays silent with count 0), for at most 5 s.
class Responder {
 public:
  explicit Responder(int count, std::string prefix = "pong:") {
    udp_.SetPort(port_);
    if (!udp_.BindToLocalPort(0)) return;
    thread_ = std::thread([this, count, prefix] {
      for (int answered = 0; answered < count && !stop_;) {
        auto event = ReceiveOne(port_, 100ms);
        if (event == nullptr) {
          if (std::chrono::steady_clock::now() > give_up_) return;
          continue;
        }
        (void)udp_.SendTo(event->GetSourceHost(), event->GetSourcePort(),
                          prefix + event->GetString());
        ++answered;
      }
    });
  }

  ~Responder() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  [[nodiscard]] int Port() const { return udp_.GetLocalPort(); }

 private:
  ro::MessagePort port_;
  ro::DatagramSocket udp_;
  std::atomic<bool> stop_{false};
  const std::chrono::steady_clock::time_point give_up_ = std::chrono::steady_clock::now() + 5s;
  std::thread thread_;
};

TEST(Cli, HelpAndVersion) {
  const auto help = RunCat({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("usage:"), std::string::npos);
  for (const char* mode : {"listen PORT", "send HOST PORT", "request HOST PORT"}) {
    EXPECT_NE(help.out.find(mode), std::string::npos) << mode;
  }
  const auto version = RunCat({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out.rfind("rodatagram-cat ", 0), 0U) << version.out;
}

TEST(Cli, BadCommandLinesExit64WithAMessage) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"shout", "127.0.0.1", "9", "x"},
      {"listen"},
      {"listen", "70000"},
      {"listen", "-1"},
      {"listen", "5x"},
      {"listen", "0", "--interface", "lo"},
      {"listen", "0", "--group", "10.0.0.1"},
      {"listen", "0", "--count", "0"},
      {"listen", "0", "--count"},
      {"listen", "0", "--timeout-ms", "soon"},
      {"listen", "0", "--bogus"},
      {"send", "127.0.0.1", "9"},
      {"send", "example.com", "9", "x"},
      {"send", "127.0.0.1", "0", "x"},
      {"send", "127.0.0.1", "9", "--hex", "zz"},
      {"send", "127.0.0.1", "9", "--hex", "abc"},
      {"send", "127.0.0.1", "9", "x", "--count", "1"},
      {"request", "127.0.0.1", "9", "x"},
      {"request", "127.0.0.1", "9", "x", "--timeout", "0"},
      {"request", "no.such.host", "9", "x", "--timeout", "100"},
  };
  for (const auto& args : bad) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    const auto result = RunCat(args);
    EXPECT_EQ(result.status, kUsage) << line << "\n" << result.err;
    EXPECT_NE(result.err.find("rodatagram-cat: "), std::string::npos) << line;
    EXPECT_EQ(result.out, "") << line;
  }
}

TEST(Cli, SendDeliversTextAndHex) {
  ro::MessagePort port;
  ro::DatagramSocket receiver = ro_test::MakeReceiver(port);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  const std::string to = std::to_string(receiver.GetLocalPort());

  auto text = RunCat({"send", kLoopback, to, "hello world"});
  EXPECT_EQ(text.status, 0) << text.err;
  auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "hello world");

  auto hex = RunCat({"send", kLoopback, to, "--hex", "00ff0a41"});
  EXPECT_EQ(hex.status, 0) << hex.err;
  event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetByteArray(), (ro::ByteArray{0x00, 0xff, 0x0a, 0x41}));

  auto dashes = RunCat({"send", kLoopback, to, "--", "--not-an-option"});
  EXPECT_EQ(dashes.status, 0) << dashes.err;
  event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "--not-an-option");
}

TEST(Cli, ListenPrintsOneLinePerDatagramWithItsSource) {
  Child listener({"listen", "0", "--count", "3", "--timeout-ms", "5000"});
  ASSERT_TRUE(listener.started());
  const int port = ListeningPort(listener);
  ASSERT_GT(port, 0) << listener.err();

  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, port, "plain text"), 0);
  ASSERT_EQ(sender.SendTo(kLoopback, port, std::string("a\\b\nc\r\td\x01\xff", 10)), 0);
  ASSERT_EQ(sender.SendTo(kLoopback, port, ""), 0);
  ASSERT_EQ(listener.Finish(10s), 0) << listener.err();
  const std::string source = std::string(kLoopback) + ":" + std::to_string(sender.GetLocalPort());
  EXPECT_EQ(listener.out(),
            source + " plain text\n" + source + " a\\\\b\\nc\\r\\td\\x01\\xff\n" + source + " \n");
}

TEST(Cli, ListenHexPrintsUpperCaseHex) {
  Child listener({"listen", "0", "--hex", "--count=1", "--timeout-ms=5000"});
  const int port = ListeningPort(listener);
  ASSERT_GT(port, 0) << listener.err();
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo(kLoopback, port, ro::ByteArray{0x00, 0xab, 0x10}), 0);
  ASSERT_EQ(listener.Finish(10s), 0) << listener.err();
  EXPECT_EQ(listener.out(), "127.0.0.1:" + std::to_string(sender.GetLocalPort()) + " 00AB10\n");
}

TEST(Cli, ListenTimeoutExitsTwoOnlyWhenACountWasExpected) {
  const auto short_of_count = RunCat({"listen", "0", "--count", "1", "--timeout-ms", "200"});
  EXPECT_EQ(short_of_count.status, kTimeout) << short_of_count.err;
  EXPECT_NE(short_of_count.err.find("0 of 1"), std::string::npos) << short_of_count.err;

  const auto timed = RunCat({"listen", "0", "--timeout-ms", "200"});
  EXPECT_EQ(timed.status, 0) << timed.err;
  EXPECT_EQ(timed.out, "");
}

TEST(Cli, ListenOnABusyPortFails) {
  ro::MessagePort port;
  ro::DatagramSocket busy = ro_test::MakeReceiver(port);
  ASSERT_GT(busy.GetLocalPort(), 0);
  const auto result =
      RunCat({"listen", std::to_string(busy.GetLocalPort()), "--timeout-ms", "100"});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find("in use"), std::string::npos) << result.err;
}

TEST(Cli, RequestPrintsTheFirstReply) {
  Responder responder(1);
  ASSERT_GT(responder.Port(), 0);
  const auto result =
      RunCat({"request", kLoopback, std::to_string(responder.Port()), "ping", "--timeout", "5000"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "127.0.0.1:" + std::to_string(responder.Port()) + " pong:ping\n");
}

TEST(Cli, RequestHexSendsAndPrintsBytes) {
  Responder responder(1, std::string("\x01", 1));
  ASSERT_GT(responder.Port(), 0);
  const auto result = RunCat({"request", kLoopback, std::to_string(responder.Port()), "--hex",
                              "ff00", "--timeout-ms", "5000"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "127.0.0.1:" + std::to_string(responder.Port()) + " 01FF00\n");
}

TEST(Cli, RequestOverIpv6BracketsTheHost) {
  if (!ro_test::HasIpv6Loopback()) GTEST_SKIP() << "no ::1 on this machine";
  ro::MessagePort port;
  ro::DatagramSocket responder;
  responder.SetPort(port);
  ASSERT_TRUE(responder.BindToLocalAddress("::1", 0)) << responder.GetFailureReason();
  Child request(
      {"request", "::1", std::to_string(responder.GetLocalPort()), "v6", "--timeout", "5000"});
  const auto event = ReceiveOne(port);
  ASSERT_NE(event, nullptr);
  ASSERT_EQ(responder.SendTo(event->GetSourceHost(), event->GetSourcePort(), "six"), 0);
  ASSERT_EQ(request.Finish(10s), 0) << request.err();
  EXPECT_EQ(request.out(), "[::1]:" + std::to_string(responder.GetLocalPort()) + " six\n");
}

TEST(Cli, RequestTimesOutWithExitTwo) {
  Responder silent(0);
  ASSERT_GT(silent.Port(), 0);
  const auto started = std::chrono::steady_clock::now();
  const auto result =
      RunCat({"request", kLoopback, std::to_string(silent.Port()), "anyone?", "--timeout", "300"});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(result.status, kTimeout) << result.err;
  EXPECT_NE(result.err.find("no reply"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 5s);
}

}  // namespace
