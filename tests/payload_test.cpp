// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Payload tests of ro::DatagramSocket / ro::DatagramEvent on loopback: empty
// datagrams, binary bytes (zero bytes included), sizes up to the IPv4
// maximum of 65,507 bytes, the -EMSGSIZE refusal just above it, and a
// thousand datagrams of varied sizes in order.
//
// Traffic goes to 127.0.0.1 only.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <ro/byte_array.hpp>
#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using ro_test::FirstDifference;
using ro_test::kLoopback;
using ro_test::MakeReceiver;
using ro_test::Pattern;
using ro_test::ReceiveMany;
using ro_test::ReceiveOne;
using ro_test::StaysEmpty;

constexpr std::size_t kMaxIpv4Payload = 65507;

// A receiving socket and its port, plus a bound sender.
struct Loop {
  Loop() : receiver(MakeReceiver(port)) { (void)sender.BindToLocalPort(0); }

  [[nodiscard]] bool Ready() const {
    return receiver.GetLocalPort() > 0 && sender.GetLocalPort() > 0;
  }
  [[nodiscard]] int Target() const { return receiver.GetLocalPort(); }

  ro::MessagePort port;
  ro::DatagramSocket receiver;
  ro::DatagramSocket sender;
};

// The receive scratches of the draining threads in /proc/self/smaps: each
// is a 2 MiB read-write mapping between two inaccessible guard pages. How
// many there are, the largest resident size (kB), and whether each was
// mapped without a commit charge (VmFlags "nr").
struct Scratches {
  int count = 0;
  long worst_rss_kb = 0;
  bool all_noreserve = true;
};

struct Mapping {
  unsigned long long start = 0, end = 0;
  std::string perms;
  long rss_kb = 0;
  bool noreserve = false;
};

Scratches FindScratches() {
  std::vector<Mapping> maps;
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  while (std::getline(smaps, line)) {
    std::istringstream in(line);
    std::string first;
    in >> first;
    const auto dash = first.find('-');
    if (dash != std::string::npos && first.back() != ':') {
      Mapping m;
      m.start = std::stoull(first.substr(0, dash), nullptr, 16);
      m.end = std::stoull(first.substr(dash + 1), nullptr, 16);
      in >> m.perms;
      maps.push_back(m);
    } else if (!maps.empty() && first == "Rss:") {
      in >> maps.back().rss_kb;
    } else if (!maps.empty() && first == "VmFlags:") {
      std::string flag;
      while (in >> flag) maps.back().noreserve = maps.back().noreserve || flag == "nr";
    }
  }
  Scratches found;
  for (std::size_t i = 1; i + 1 < maps.size(); ++i) {
    const Mapping& m = maps[i];
    const bool guarded = maps[i - 1].end == m.start && maps[i - 1].perms == "---p" &&
                         maps[i + 1].start == m.end && maps[i + 1].perms == "---p";
    if (m.end - m.start != (2ULL << 20) || m.perms != "rw-p" || !guarded) continue;
    ++found.count;
    found.worst_rss_kb = std::max(found.worst_rss_kb, m.rss_kb);
    found.all_noreserve = found.all_noreserve && m.noreserve;
  }
  return found;
}

// Memory on demand: a process that receives small datagrams holds only the
// pages of the receive scratch that the datagrams reached (one per slot),
// and the rest of the 2 MiB is neither resident nor charged; large
// datagrams still arrive whole (LargestIpv4DatagramArrivesWhole).
TEST(Payload, SmallDatagramsMakeOnlyAFewPagesOfTheReceiveScratchResident) {
#ifdef RODATAGRAM_TEST_EMULATOR
  GTEST_SKIP() << "runs under " RODATAGRAM_TEST_EMULATOR
                  ": /proc/self/smaps there describes "
                  "the emulator's own memory, not the program's mappings";
#endif
  ro::MessagePort port;
  ro::DatagramSocket receiver = MakeReceiver(port);
  ro::DatagramSocket sender;
  // Rounds of 32 (one batch) that the default receive buffer holds.
  constexpr std::size_t kBatch = 32;
  for (int round = 0; round < 10; ++round) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      ASSERT_EQ(sender.SendTo(kLoopback, receiver.GetLocalPort(), std::string(64, 'a')), 0);
    }
    ASSERT_EQ(ReceiveMany(port, kBatch).size(), kBatch);
  }
  const Scratches scratches = FindScratches();
  ASSERT_GT(scratches.count, 0) << "no guarded 2 MiB receive scratch in /proc/self/smaps";
  EXPECT_TRUE(scratches.all_noreserve) << "a scratch takes a commit charge (no MAP_NORESERVE)";
  EXPECT_LE(scratches.worst_rss_kb, 32 * 4) << "more than one page per slot is resident";
}

TEST(Payload, EmptyStringDatagramArrivesWithSizeZero) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), std::string_view{}), 0)
      << loop.sender.GetFailureReason();

  const auto event = ReceiveOne(loop.port);
  ASSERT_NE(event, nullptr) << "a 0-byte datagram is a datagram and must arrive";
  EXPECT_EQ(event->GetPayloadSize(), 0U);
  EXPECT_EQ(event->GetString(), "");
  EXPECT_TRUE(event->GetPayload().empty());
  EXPECT_EQ(event->GetByteArray().Count(), 0);
  EXPECT_EQ(event->GetSourcePort(), loop.sender.GetLocalPort());
}

TEST(Payload, EmptyByteArrayDatagramArrivesWithSizeZero) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  const ro::ByteArray empty;
  ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), empty), 0)
      << loop.sender.GetFailureReason();

  const auto event = ReceiveOne(loop.port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetPayloadSize(), 0U);
  EXPECT_EQ(event->GetString(), "");
  EXPECT_TRUE(event->GetByteArray().empty());
}

TEST(Payload, AllByteValuesArriveExactFromAByteArray) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  const ro::ByteArray all = ro_test::AllByteValues();
  ASSERT_EQ(all.Count(), 256);
  ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), all), 0) << loop.sender.GetFailureReason();

  const auto event = ReceiveOne(loop.port);
  ASSERT_NE(event, nullptr);
  ASSERT_EQ(event->GetPayloadSize(), 256U);
  const ro::ByteArray bytes = event->GetByteArray();
  EXPECT_EQ(bytes, all);
  for (int i = 0; i < 256 && i < bytes.Count(); ++i) {
    ASSERT_EQ(bytes[static_cast<std::size_t>(i)], i) << "byte " << i;
  }
  // GetString is binary-safe: the zero byte at index 0 does not cut it.
  const std::string text = event->GetString();
  ASSERT_EQ(text.size(), 256U);
  EXPECT_EQ(FirstDifference(text, all.View()), -1);
  EXPECT_EQ(event->GetPayload(), all.View());
}

TEST(Payload, AllByteValuesArriveExactFromAStringWithZeroBytes) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  std::string text;
  for (int i = 0; i < 256; ++i) text.push_back(static_cast<char>(i));
  // Starts with a zero byte and has more text after it.
  const std::string_view packet(text.data(), text.size());
  ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), packet), 0)
      << loop.sender.GetFailureReason();

  const auto event = ReceiveOne(loop.port);
  ASSERT_NE(event, nullptr);
  ASSERT_EQ(event->GetPayloadSize(), 256U) << "the string was cut at a zero byte";
  EXPECT_EQ(FirstDifference(event->GetString(), text), -1);
  EXPECT_EQ(event->GetByteArray(), ro_test::AllByteValues());
}

TEST(Payload, EmbeddedZeroBytesInTheMiddleAreKept) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  const std::string text("abc\0def\0\0", 9);
  ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), text), 0);
  const auto event = ReceiveOne(loop.port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), text);
  EXPECT_EQ(event->GetPayloadSize(), 9U);
}

TEST(Payload, Utf8TextArrivesUnchanged) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  const std::string text = "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\xba";  // "café ✓ 📺"
  ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), text), 0);
  const auto event = ReceiveOne(loop.port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), text);
}

TEST(Payload, SizesAcrossCommonBoundariesArriveWhole) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  const std::vector<std::size_t> sizes = {1,    2,     255,   256,   508,   1024,
                                          1400, 1472,  1473,  1500,  4096,  8192,
                                          9000, 16384, 32768, 65000, 65506, 65507};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string packet = Pattern(sizes[i], static_cast<std::uint32_t>(i));
    ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), packet), 0)
        << "size " << sizes[i] << ": " << loop.sender.GetFailureReason();
    const auto event = ReceiveOne(loop.port);
    ASSERT_NE(event, nullptr) << "size " << sizes[i] << " never arrived";
    ASSERT_EQ(event->GetPayloadSize(), sizes[i]);
    ASSERT_EQ(FirstDifference(event->GetPayload(), packet), -1) << "size " << sizes[i];
  }
  EXPECT_EQ(loop.receiver.GetStatistics().truncated, 0U);
}

TEST(Payload, LargestIpv4DatagramArrivesWhole) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  const std::string text = Pattern(kMaxIpv4Payload, 7);
  ro::ByteArray bytes(text.data(), text.size());

  // Three times each way, one at a time, so that no socket buffer limit is
  // involved.
  for (int round = 0; round < 3; ++round) {
    const int rc = round % 2 == 0 ? loop.sender.SendTo(kLoopback, loop.Target(), text)
                                  : loop.sender.SendTo(kLoopback, loop.Target(), bytes);
    ASSERT_EQ(rc, 0) << loop.sender.GetFailureReason();
    const auto event = ReceiveOne(loop.port);
    ASSERT_NE(event, nullptr) << "round " << round << ": the 65,507-byte datagram never arrived";
    ASSERT_EQ(event->GetPayloadSize(), kMaxIpv4Payload) << "round " << round;
    EXPECT_EQ(FirstDifference(event->GetPayload(), text), -1) << "round " << round;
    EXPECT_EQ(event->GetByteArray(), bytes) << "round " << round;
  }
  EXPECT_TRUE(ro_test::WaitForSettledStatistics(loop.receiver, 3));
  const ro::SocketStatistics stats = loop.receiver.GetStatistics();
  EXPECT_EQ(stats.delivered, 3U);
  EXPECT_EQ(stats.truncated, 0U);
}

TEST(Payload, OneByteOverTheIpv4MaximumIsRefusedWithEmsgsize) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  const std::string text = Pattern(kMaxIpv4Payload + 1, 8);

  EXPECT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), text), -EMSGSIZE);
  EXPECT_EQ(loop.sender.GetFailureCode(), -EMSGSIZE);
  const std::string reason = loop.sender.GetFailureReason();
  EXPECT_NE(reason.find("SendTo"), std::string::npos) << reason;
  EXPECT_NE(reason.find("65508"), std::string::npos)
      << "the reason should give the size: " << reason;

  const ro::ByteArray bytes(text.data(), text.size());
  EXPECT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), bytes), -EMSGSIZE);
  EXPECT_EQ(loop.sender.GetFailureCode(), -EMSGSIZE);

  EXPECT_TRUE(StaysEmpty(loop.port, 200ms)) << "an oversized datagram must not arrive at all";
  EXPECT_EQ(loop.receiver.GetStatistics().received, 0U);
  const ro::SocketStatistics sent = loop.sender.GetStatistics();
  EXPECT_EQ(sent.sent, 0U);
  EXPECT_EQ(sent.send_errors, 2U);

  // The socket still sends normal datagrams afterwards.
  ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(), "small"), 0)
      << loop.sender.GetFailureReason();
  const auto event = ReceiveOne(loop.port);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "small");
}

TEST(Payload, AThousandDatagramsOfVariedSizesArriveAllInOrderByteExact) {
  Loop loop;
  ASSERT_TRUE(loop.Ready()) << loop.receiver.GetFailureReason() << loop.sender.GetFailureReason();
  constexpr int kCount = 1000;
  // Collected every 25 sends: 25 datagrams of up to 2,000 bytes take at
  // most ~115 KB of kernel memory on loopback, well inside a default 208 KB
  // receive buffer (100 at once may not fit and the kernel then drops).
  constexpr int kBatch = 25;
  const auto size_of = [](int index) {
    return static_cast<std::size_t>(1 + (static_cast<long long>(index) * 7919) % 2000);
  };

  int received = 0;
  for (int batch_start = 0; batch_start < kCount; batch_start += kBatch) {
    for (int i = batch_start; i < batch_start + kBatch; ++i) {
      ASSERT_EQ(loop.sender.SendTo(kLoopback, loop.Target(),
                                   Pattern(size_of(i), static_cast<std::uint32_t>(i))),
                0)
          << "datagram " << i << ": " << loop.sender.GetFailureReason();
    }
    const auto events = ReceiveMany(loop.port, kBatch);
    ASSERT_EQ(events.size(), static_cast<std::size_t>(kBatch))
        << "batch at " << batch_start << ": kernel drops "
        << loop.receiver.GetStatistics().dropped_by_kernel;
    for (const auto& event : events) {
      const std::string expected = Pattern(size_of(received), static_cast<std::uint32_t>(received));
      ASSERT_EQ(event->GetPayloadSize(), expected.size()) << "datagram " << received;
      ASSERT_EQ(FirstDifference(event->GetPayload(), expected), -1) << "datagram " << received;
      ++received;
    }
  }
  EXPECT_EQ(received, kCount);
  EXPECT_TRUE(StaysEmpty(loop.port, 100ms));

  EXPECT_TRUE(ro_test::WaitForSettledStatistics(loop.receiver, kCount));
  const ro::SocketStatistics rx = loop.receiver.GetStatistics();
  EXPECT_EQ(rx.received, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(rx.delivered, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(rx.dropped_by_kernel, 0U);
  EXPECT_EQ(loop.sender.GetStatistics().sent, static_cast<std::uint64_t>(kCount));
}

}  // namespace
