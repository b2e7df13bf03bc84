// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// An application that works on every message while datagrams keep coming
// leaves the reading to the library thread, which reads the next batch
// while the application works through the last (docs/architecture.md, "Who
// runs the loop"). The syscall seam records which thread read each
// datagram of the server's socket. The peer is a plain POSIX socket on the
// test thread; every datagram goes to 127.0.0.1 and every wait is bounded.

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "sys.hpp"
#include "test_util.hpp"

namespace {

namespace sys = ro::detail::sys;
using namespace std::chrono_literals;
using ro_test::Clock;
using ro_test::MakeReceiver;

sys::SyscallTable g_real;
std::atomic<int> g_server_port{0};
std::atomic<long> g_app_thread{0};
constexpr int kBatch = 16;
// The batch the application has asked the peer for; datagrams the peer has
// sent; read from the server's socket; and of those, read by the
// application thread.
std::atomic<int> g_requested{-1};
std::atomic<int> g_sent{0};
std::atomic<int> g_read{0};
std::atomic<int> g_read_by_app{0};

long ThreadId() { return static_cast<long>(syscall(SYS_gettid)); }

int RecordingRecvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout) {
  const bool server = ro_test::LocalPortOf(fd) == g_server_port.load();
  if (server) {
    // A reader wakes at a batch's first datagram; it reads whole batches, as
    // it does from a socket that a stream keeps full, once the peer has sent
    // the rest (20 ms at most).
    const auto until = Clock::now() + 20ms;
    while (g_sent.load() < (g_requested.load() + 1) * kBatch && Clock::now() < until) {
      std::this_thread::yield();
    }
  }
  const int count = g_real.recvmmsg(fd, msgs, vlen, flags, timeout);
  const int saved_errno = errno;
  if (count > 0 && server) {
    g_read.fetch_add(count);
    if (ThreadId() == g_app_thread.load()) g_read_by_app.fetch_add(count);
  }
  errno = saved_errno;
  return count;
}

// The application's work on one message: a few microseconds of CPU.
void WorkFor(std::chrono::nanoseconds spell) {
  const auto until = Clock::now() + spell;
  while (Clock::now() < until) {
  }
}

class Pipelining : public ::testing::Test {
 protected:
  // The seam is swapped before any socket exists and restored after the
  // test's sockets are gone (src/sys.hpp).
  void SetUp() override {
    sys::Reset();
    g_real = sys::Calls();
    g_server_port = 0;
    g_app_thread = ThreadId();
    g_requested = -1;
    g_sent = 0;
    g_read = 0;
    g_read_by_app = 0;
    sys::Calls().recvmmsg = RecordingRecvmmsg;
  }
  void TearDown() override { sys::Reset(); }
};

// What one run of batches did.
struct Batches {
  int received = 0;
  std::chrono::nanoseconds per_message{0};  // the application's, between blocking waits
};

// The peer sends `batches` batches of kBatch datagrams of `size` bytes, batch
// b when the application asks for it, so that the application waits on an
// empty port after every batch; the application spends `work` on each.
Batches RunBatches(int batches, std::size_t size, std::chrono::nanoseconds work) {
  ro::MessagePort port;
  ro::DatagramSocket server = MakeReceiver(port);
  g_server_port = server.GetLocalPort();
  if (g_server_port.load() <= 0) return {};
  std::atomic<bool> stop{false};
  std::thread peer([&] {
    ro_test::UdpPeer socket;
    const std::string payload(size, 'p');
    for (int b = 0; b < batches && !stop.load(); ++b) {
      while (g_requested.load() < b && !stop.load()) std::this_thread::yield();
      for (int i = 0; i < kBatch; ++i) {
        if (!socket.Send(g_server_port.load(), payload)) return;
        g_sent.fetch_add(1);
      }
    }
  });
  Batches run;
  // From the batch's first message to the end of its last: what the reactor
  // sees of the application (the waits that pop without blocking included).
  Clock::duration working{0};
  for (int b = 0; b < batches; ++b) {
    g_requested = b;
    Clock::time_point first{};
    int i = 0;
    for (; i < kBatch; ++i) {
      const ro::Message msg = ro::Wait(3000, port);
      const auto* event = msg ? msg->As<ro::DatagramEvent>() : nullptr;
      if (event == nullptr) break;
      if (i == 0) first = Clock::now();
      ++run.received;
      const std::string_view payload = event->GetPayload();
      if (payload.size() != size || payload.front() != 'p') break;
      WorkFor(work);
    }
    if (i < kBatch) break;
    working += Clock::now() - first;
  }
  stop = true;
  peer.join();
  if (run.received > 0) {
    run.per_message = std::chrono::duration_cast<std::chrono::nanoseconds>(working) / run.received;
  }
  return run;
}

// 16 messages of 2 us each take the application ~35 us, less than
// Reactor::kBusy (50 us): counted by time alone it was not busy, took the
// loop back from the library thread at the end of each batch and read every
// later batch itself, in series with its work.
TEST_F(Pipelining, AnApplicationWorkingThroughBatchesLeavesTheReadingToTheLibraryThread) {
  constexpr int kBatches = 40;
  const Batches run = RunBatches(kBatches, 16, 2us);
  ASSERT_EQ(run.received, kBatches * kBatch) << "a datagram did not arrive within 3 s";
  // A guard: every datagram went through the recording seam.
  ASSERT_EQ(g_read.load(), kBatches * kBatch);
  // The application reads the first batches itself (it drives the loop
  // until its work shows), the library thread the rest.
  EXPECT_LT(4 * g_read_by_app.load(), g_read.load())
      << "the application thread read " << g_read_by_app.load() << " of " << g_read.load()
      << " datagrams itself";
}

// 300 ns on each 1,200-byte datagram is less than the library thread's read
// would add to it (the application would take the datagram's 19 cache lines
// from the other CPU): counted at 250 ns per message whatever their size,
// the application handed its reads over and paid more per datagram.
TEST_F(Pipelining, AnApplicationDoingLittleWithEachLargeDatagramReadsThemItself) {
  constexpr int kBatches = 40;
  const Batches run = RunBatches(kBatches, 1200, 300ns);
  ASSERT_EQ(run.received, kBatches * kBatch) << "a datagram did not arrive within 3 s";
  ASSERT_EQ(g_read.load(), kBatches * kBatch);
  // A guard: where the application's own time per message already reaches
  // what handing 1,200 bytes over costs (a sanitizer or emulator build), it
  // is rightly busy and this proves nothing.
  if (run.per_message >= 500ns) {
    GTEST_SKIP() << "the application spent " << run.per_message.count()
                 << " ns on each datagram here: too slow to show it";
  }
  EXPECT_GT(2 * g_read_by_app.load(), g_read.load())
      << "the application thread read only " << g_read_by_app.load() << " of " << g_read.load()
      << " datagrams itself (" << run.per_message.count() << " ns per message)";
}

}  // namespace
