// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// A thread that waits on a port reads ahead from the socket that last
// delivered there before it lets the loop sleep (src/read_ahead.hpp;
// docs/architecture.md, "Reading ahead of the loop"). The syscall seam
// counts the receive calls on the server's socket: a read ahead after a
// single datagram is a recvmmsg for one datagram, which the loop's drain
// (32 at a time) never makes. The peer is a plain POSIX socket on the test
// thread; every datagram goes to 127.0.0.1 and every wait is bounded.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>
#include <ro/timer.hpp>

#include "sys.hpp"
#include "test_util.hpp"

namespace {

namespace sys = ro::detail::sys;
using namespace std::chrono_literals;
using ro_test::Clock;
using ro_test::MakeReceiver;

sys::SyscallTable g_real;
std::atomic<int> g_server_port{0};
// recvmmsg calls on the server's socket that asked for one datagram and got it.
std::atomic<int> g_single_reads{0};

int CountingRecvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout) {
  const int count = g_real.recvmmsg(fd, msgs, vlen, flags, timeout);
  const int saved_errno = errno;
  if (vlen == 1 && count == 1 && ro_test::LocalPortOf(fd) == g_server_port.load()) {
    g_single_reads.fetch_add(1);
  }
  errno = saved_errno;
  return count;
}

std::string PayloadOf(const ro::Message& msg) {
  const auto* event = msg ? msg->As<ro::DatagramEvent>() : nullptr;
  return event != nullptr ? std::string(event->GetPayload()) : std::string("(no datagram)");
}

class ReadAhead : public ::testing::Test {
 protected:
  // The seam is swapped before any socket exists and restored after the
  // test's sockets are gone (src/sys.hpp).
  void SetUp() override {
    sys::Reset();
    g_real = sys::Calls();
    g_server_port = 0;
    g_single_reads = 0;
    sys::Calls().recvmmsg = CountingRecvmmsg;
  }
  void TearDown() override { sys::Reset(); }

  // Binds `server` on `port`, and has it deliver one datagram from the loop,
  // as an echo's first request is: from then on it is the port's source to
  // read ahead from, one datagram at a time.
  void Start(ro::DatagramSocket& server, const ro::MessagePort& port) {
    server = MakeReceiver(port);
    ASSERT_GT(server.GetLocalPort(), 0) << server.GetFailureReason();
    g_server_port = server.GetLocalPort();
    ASSERT_TRUE(peer_.Send(server.GetLocalPort(), "first"));
    ASSERT_EQ(PayloadOf(ro::Wait(3000, port)), "first");
  }

  ro_test::UdpPeer peer_;
};

TEST_F(ReadAhead, AReplyAlreadyQueuedIsReadWithOneSingleDatagramReadInsteadOfTheLoop) {
  ro::MessagePort port;
  ro::DatagramSocket server;
  Start(server, port);
  const int before = g_single_reads.load();
  constexpr int kRounds = 100;
  for (int i = 0; i < kRounds; ++i) {
    const std::string text = "request " + std::to_string(i);
    ASSERT_TRUE(peer_.Send(server.GetLocalPort(), text));
    ASSERT_EQ(PayloadOf(ro::Wait(3000, port)), text);
  }
  // The loop still runs once every 16 messages, and whenever a read ahead
  // finds nothing (on a loaded machine the datagram may still be in the
  // kernel's backlog) or the library thread has the loop; most waits read
  // the datagram themselves (49 of 100 in the worst run seen, under
  // ThreadSanitizer with both CPUs busy). Before, every datagram came
  // through epoll_wait and a drain of up to 32: no such read at all.
  EXPECT_GE(g_single_reads.load() - before, kRounds / 5);
}

TEST_F(ReadAhead, ABurstThatArrivesWhileReadingOneAtATimeIsDeliveredWholeAndInOrder) {
  ro::MessagePort port;
  ro::DatagramSocket server;
  Start(server, port);
  // A datagram a read ahead left behind must still be drained: if it were
  // stranded (no edge left to wake the loop), its Wait would time out. Only
  // a burst that this thread reads ahead one datagram at a time proves
  // that; if the library thread read it instead (it takes the loop when the
  // application stays away from Wait for 1 ms, as a slow sanitizer build
  // may), the burst is sent again, up to 20 times.
  constexpr int kBurst = 20;
  bool proved = false;
  for (int attempt = 0; attempt < 20 && !proved; ++attempt) {
    // One single datagram, read ahead: the socket now reads one at a time.
    const std::string single = "single " + std::to_string(attempt);
    ASSERT_TRUE(peer_.Send(server.GetLocalPort(), single));
    ASSERT_EQ(PayloadOf(ro::Wait(3000, port)), single);
    const int before = g_single_reads.load();
    for (int i = 0; i < kBurst; ++i) {
      ASSERT_TRUE(peer_.Send(server.GetLocalPort(), "burst " + std::to_string(i)));
    }
    const auto start = Clock::now();
    for (int i = 0; i < kBurst; ++i) {
      ASSERT_EQ(PayloadOf(ro::Wait(2000, port)), "burst " + std::to_string(i))
          << "attempt " << attempt;
    }
    EXPECT_LT(Clock::now() - start, 2s);
    proved = g_single_reads.load() > before;
  }
  EXPECT_TRUE(ro_test::StaysEmpty(port));
#if defined(RODATAGRAM_TEST_EMULATOR) || defined(__SANITIZE_THREAD__)
  // Under qemu-user and ThreadSanitizer (3 runs in 6 here) the application
  // comes back to Wait more slowly than the library thread's 1 ms take-over:
  // it reads every burst, and only the native passes can show the read ahead
  // (the bursts above were still delivered whole and in order).
  if (!proved) GTEST_SKIP() << "too slow here: the library thread read every burst";
#endif
  EXPECT_TRUE(proved) << "no burst was read ahead one datagram at a time: the test proved nothing";
}

TEST_F(ReadAhead, TheLoopsTimerStillFiresWhileEveryReadAheadFindsAReply) {
  ro::MessagePort port;
  ro::DatagramSocket server;
  Start(server, port);
  ro::Timer timer;
  timer.SetPort(port);
  timer.SetElapsed(0, 50);
  ASSERT_TRUE(timer.Start());
  // Each wait finds a datagram already queued, so a read ahead always
  // succeeds; only the loop runs the timer.
  bool fired = false;
  int rounds = 0;
  const auto deadline = Clock::now() + 5s;
  while (!fired && rounds < 200'000 && Clock::now() < deadline) {
    ASSERT_TRUE(peer_.Send(server.GetLocalPort(), "tick"));
    const ro::Message msg = ro::Wait(3000, port);
    ASSERT_NE(msg, nullptr);
    if (ro::Type(msg) == "roTimerEvent") {
      fired = true;
      ASSERT_EQ(PayloadOf(ro::Wait(3000, port)), "tick");
    } else {
      ASSERT_EQ(PayloadOf(msg), "tick");
    }
    ++rounds;
  }
  EXPECT_TRUE(fired) << "no timer event in " << rounds << " waits";
  EXPECT_GE(g_single_reads.load(), rounds / 5) << "reads ahead did not keep finding replies";
}

TEST_F(ReadAhead, ASecondSocketOnThePortIsDeliveredWhileTheFirstKeepsReadingAhead) {
  ro::MessagePort port;
  ro::DatagramSocket server;
  Start(server, port);
  ro::DatagramSocket other = MakeReceiver(port);
  ASSERT_GT(other.GetLocalPort(), 0) << other.GetFailureReason();
  ASSERT_TRUE(peer_.Send(other.GetLocalPort(), "other"));
  bool delivered = false;
  int rounds = 0;
  for (; rounds < 1000 && !delivered; ++rounds) {
    ASSERT_TRUE(peer_.Send(server.GetLocalPort(), "tick"));
    std::string payload = PayloadOf(ro::Wait(3000, port));
    if (payload == "other") {
      delivered = true;
      payload = PayloadOf(ro::Wait(3000, port));
    }
    ASSERT_EQ(payload, "tick");
  }
  // The loop runs at least once every 16 messages, and the other socket's
  // edge is waiting there.
  EXPECT_TRUE(delivered) << "the other socket's datagram never came in " << rounds << " waits";
  EXPECT_LE(rounds, 100);
}

}  // namespace
