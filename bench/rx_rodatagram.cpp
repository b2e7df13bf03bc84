// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Contender "rodatagram": the BrightScript pattern translated line for line.
// DatagramSocket -> MessagePort, the application thread sleeping in
// ro::Wait(), every datagram's payload read through the event.
//
//   rx_rodatagram drain  n=<count> rcvbuf=<bytes> [loop=1] [destination=0] [work=<iterations>]
//   rx_rodatagram echo   [loop=1] [destination=0]
//   rx_rodatagram idle
//   rx_rodatagram memory n=<count> rcvbuf=<bytes>     (never consumes)
//   rx_rodatagram scale  n=<count> sockets=<k> rcvbuf=<bytes>
//
// Default: a thread in ro::Wait drives the library's loop itself; the
// library thread reads while the application is busy. loop=1: the socket
// runs on an io_context of this program and ro::Wait runs it on the
// application thread (<ro/asio.hpp>): no library thread at all.
// destination=0: SetReceiveDestination(false).

#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <ro/asio.hpp>
#include <ro/ro.hpp>

#include "bench_common.hpp"

namespace {

// A receive stalled this long means the run is broken; the driver sees the
// missing RESULT and discards the run.
constexpr int kStallMs = 30000;

// The application's own loop for loop=1 (unused otherwise).
asio::io_context g_loop;
bool g_use_loop = false;
bool g_destination = true;
std::uint64_t g_work = 0;  // iterations of bench::Work per datagram

void Configure(const bench::Args& args) {
  g_use_loop = args.Int("loop", 0) != 0;
  g_destination = args.Int("destination", 1) != 0;
  g_work = static_cast<std::uint64_t>(args.Int("work", 0));
}

ro::Message WaitFor(int timeout_ms, const ro::MessagePort& port) {
  return g_use_loop ? ro::Wait(timeout_ms, port, g_loop) : ro::Wait(timeout_ms, port);
}

ro::DatagramSocket BoundSocket(const ro::MessagePort& port, int rcvbuf) {
  ro::DatagramSocket udp = g_use_loop ? ro::MakeDatagramSocket(g_loop) : ro::DatagramSocket();
  if (rcvbuf > 0) udp.SetReceiveBufferSize(rcvbuf);
  if (!g_destination) udp.SetReceiveDestination(false);
  if (!udp.BindToLocalAddress("127.0.0.1", 0)) {
    std::fprintf(stderr, "rx_rodatagram: %s\n", udp.GetFailureReason().c_str());
    std::exit(2);
  }
  udp.SetPort(port);
  return udp;
}

// Waits for `n` datagrams on `port` and prints the drain result.
int DrainPort(const ro::MessagePort& port, std::uint64_t n) {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::int64_t first = 0;
  while (count < n) {
    const ro::Message msg = WaitFor(kStallMs, port);
    if (!msg) return 1;
    const auto* ev = msg->As<ro::DatagramEvent>();
    if (ev == nullptr) continue;
    if (count == 0) first = bench::NowNs();
    const std::string_view payload = ev->GetPayload();
    sum += bench::SumBytes(payload.data(), payload.size());
    if (g_work != 0) bench::WorkSink() ^= bench::Work(g_work, sum);
    ++count;
  }
  bench::PrintDrainResult(count, sum, first, bench::NowNs());
  return 0;
}

int Drain(const bench::Args& args) {
  ro::MessagePort port;
  ro::DatagramSocket udp = BoundSocket(port, static_cast<int>(args.Int("rcvbuf", 0)));
  bench::PrintReady(udp.GetLocalPort());
  return DrainPort(port, static_cast<std::uint64_t>(args.Int("n", 0)));
}

// The BrightScript echo: reply to GetSourceHost():GetSourcePort().
int Echo() {
  ro::MessagePort port;
  ro::DatagramSocket udp = BoundSocket(port, 0);
  bench::PrintReady(udp.GetLocalPort());
  for (;;) {
    const ro::Message msg = WaitFor(0, port);
    if (const auto* ev = msg->As<ro::DatagramEvent>()) {
      udp.SendTo(ev->GetSourceHost(), ev->GetSourcePort(), ev->GetPayload());
    }
  }
}

int Idle() {
  ro::MessagePort port;
  ro::DatagramSocket udp = BoundSocket(port, 0);
  bench::PrintReady(udp.GetLocalPort());
  (void)WaitFor(0, port);
  return 0;
}

// Heap bytes in use: arena chunks plus mmap()ed ones (mallinfo2 walks every
// arena, so the reactor thread's allocations count too).
std::size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// Bytes of heap per queued event: the socket fills the port, nobody consumes.
int Memory(const bench::Args& args) {
  const auto n = static_cast<std::size_t>(args.Int("n", 0));
  ro::MessagePort port;
  ro::DatagramSocket udp = BoundSocket(port, static_cast<int>(args.Int("rcvbuf", 0)));
  // Warm up first: the reactor thread, its receive buffers and the first
  // queue block exist before the "before" reading.
  for (int i = 0; i < 64; ++i) udp.SendTo("127.0.0.1", udp.GetLocalPort(), "warm-up");
  for (int i = 0; i < 64; ++i) {
    if (!ro::Wait(kStallMs, port)) return 1;
  }
  const std::size_t before = HeapInUse();
  bench::PrintReady(udp.GetLocalPort());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStallMs);
  while (port.GetQueueLength() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::size_t after = HeapInUse();
  const std::size_t queued = port.GetQueueLength();
  const ro::SocketStatistics stats = udp.GetStatistics();
  std::printf("RESULT count=%zu heap_bytes=%zu kernel_drops=%llu\n", queued, after - before,
              static_cast<unsigned long long>(stats.dropped_by_kernel));
  std::fflush(stdout);
  return queued == n ? 0 : 1;
}

// One reactor, many sockets, one port: the datagrams are spread over the
// sockets by the driver.
int Scale(const bench::Args& args) {
  const long sockets = args.Int("sockets", 1);
  ro::MessagePort port;
  std::vector<ro::DatagramSocket> udp;
  udp.reserve(static_cast<std::size_t>(sockets));
  std::string ports;
  for (long i = 0; i < sockets; ++i) {
    udp.push_back(BoundSocket(port, static_cast<int>(args.Int("rcvbuf", 0))));
    ports += (i == 0 ? "" : ",") + std::to_string(udp.back().GetLocalPort());
  }
  bench::ReadyCpuNs() = bench::CpuNs();
  std::printf("READY port=%s\n", ports.c_str());
  std::fflush(stdout);
  return DrainPort(port, static_cast<std::uint64_t>(args.Int("n", 0)));
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args = bench::ParseArgs(argc, argv);
  Configure(args);
  bench::BoundLifetime(static_cast<unsigned>(args.Int("lifetime", 120)));
  if (args.mode == "drain") return Drain(args);
  if (args.mode == "echo") return Echo();
  if (args.mode == "idle") return Idle();
  if (args.mode == "memory") return Memory(args);
  if (args.mode == "scale") return Scale(args);
  std::fprintf(stderr, "rx_rodatagram: unknown mode '%s'\n", args.mode.c_str());
  return 2;
}
