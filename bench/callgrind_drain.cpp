// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The instruction-count harness, run under `valgrind --tool=callgrind`:
// counts the instructions rodatagram spends per delivered datagram over a
// fixed drain, reactor thread and application thread together. Valgrind
// runs one thread at a time, so the count repeats run after run where
// wall-clock time on a shared VM does not.
//
//   callgrind_drain [n=20000] [sockets=4]    drain, print RESULT
//   callgrind_drain --key                    print the build's baseline key
//
// The datagrams are queued before the sockets get their port (a socket only
// starts receiving then), so every recvmmsg batch is full, as in the drain
// benchmark. Spreading them over a few sockets keeps each socket's queue
// within the default net.core.rmem_max: the check needs no sysctl.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

// Without valgrind's headers the harness still builds (the check then
// skips for want of valgrind itself); the client requests become no-ops.
#if __has_include(<valgrind/callgrind.h>)
#  include <valgrind/callgrind.h>
#else
#  define CALLGRIND_ZERO_STATS
#  define CALLGRIND_DUMP_STATS_AT(name)
#endif

#include <ro/ro.hpp>

#include "bench_common.hpp"

namespace {

constexpr std::size_t kPayload = 64;
// Generous: under valgrind everything runs some 50 times slower.
constexpr int kStallMs = 20000;

// Queues `n` pattern datagrams on 127.0.0.1:`port` from a plain socket.
bool Fill(int port, std::uint64_t first_seq, std::uint64_t n) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return false;
  char payload[kPayload];
  bool ok = true;
  for (std::uint64_t i = 0; i < n && ok; ++i) {
    for (std::size_t j = 0; j < kPayload; ++j) {
      payload[j] = static_cast<char>(bench::PatternByte(first_seq + i, j));
    }
    ok = send(fd, payload, sizeof payload, 0) == static_cast<ssize_t>(sizeof payload);
  }
  close(fd);
  return ok;
}

// The application side: what the drain benchmark's rodatagram contender does.
bool Consume(const ro::MessagePort& port, std::uint64_t n, std::uint64_t& sum) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const ro::Message msg = ro::Wait(kStallMs, port);
    if (!msg) return false;
    const auto* ev = msg->As<ro::DatagramEvent>();
    if (ev == nullptr) return false;
    const std::string_view payload = ev->GetPayload();
    sum += bench::SumBytes(payload.data(), payload.size());
  }
  return true;
}

// The kernel's receive queue of 127.0.0.1:`port` in bytes (/proc/net/udp).
long QueuedBytes(int port) {
  std::FILE* f = std::fopen("/proc/net/udp", "r");
  if (f == nullptr) return -1;
  char line[512];
  char local[32];
  std::snprintf(local, sizeof local, "0100007F:%04X", port);
  long bytes = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    char address[64];
    unsigned long tx = 0;
    unsigned long rx = 0;
    if (std::sscanf(line, "%*d: %63s %*s %*x %lx:%lx", address, &tx, &rx) == 3 &&
        std::strcmp(address, local) == 0) {
      bytes = static_cast<long>(rx);
    }
  }
  std::fclose(f);
  return bytes;
}

// Waits until loopback has finished queueing what was sent: under load the
// kernel may finish delivery later, in ksoftirqd, and a drain that starts
// early reads short batches and counts more instructions.
void Settle(const std::vector<int>& ports) {
  long previous = -2;
  int stable = 0;
  for (int i = 0; i < 200 && stable < 3; ++i) {
    long total = 0;
    for (const int port : ports) total += QueuedBytes(port);
    stable = total == previous ? stable + 1 : 0;
    previous = total;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ro::DatagramSocket Bound() {
  ro::DatagramSocket udp;
  udp.SetReceiveBufferSize(4 << 20);
  udp.BindToLocalAddress("127.0.0.1", 0);
  return udp;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--key") == 0) {
    std::puts(RODATAGRAM_BENCH_CONFIG_KEY);
    return 0;
  }
  const bench::Args args = bench::ParseArgs(argc, argv);
  const auto n = static_cast<std::uint64_t>(args.Int("n", 20000));
  const auto sockets = static_cast<std::uint64_t>(args.Int("sockets", 4));
  bench::BoundLifetime(600);

  // Warm-up outside the count: reactor thread, receive buffers, queue block.
  ro::MessagePort port;
  std::uint64_t sum = 0;
  {
    ro::DatagramSocket warm = Bound();
    warm.SetPort(port);
    if (!Fill(warm.GetLocalPort(), 0, 1000) || !Consume(port, 1000, sum)) {
      std::fprintf(stderr, "callgrind_drain: warm-up failed\n");
      return 1;
    }
  }

  std::vector<ro::DatagramSocket> udp;
  for (std::uint64_t s = 0; s < sockets; ++s) {
    udp.push_back(Bound());
    if (!Fill(udp.back().GetLocalPort(), s * (n / sockets), n / sockets)) {
      std::fprintf(stderr, "callgrind_drain: fill failed\n");
      return 1;
    }
  }
  const std::uint64_t total = (n / sockets) * sockets;
  std::vector<int> ports;
  for (const auto& u : udp) ports.push_back(u.GetLocalPort());
  Settle(ports);

  sum = 0;
  CALLGRIND_ZERO_STATS;
  for (auto& u : udp) u.SetPort(port);
  // Let the reactor queue everything before the application thread reads:
  // then neither thread ever waits for the other, and the count does not
  // depend on how valgrind happens to interleave them (with both running,
  // the number of sleeps and wake-ups varied it by +-6 %). Wake-ups are
  // mostly kernel work anyway, which callgrind does not count.
  for (int i = 0; i < kStallMs / 10 && port.GetQueueLength() < total; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool ok = Consume(port, total, sum);
  CALLGRIND_DUMP_STATS_AT("drain");

  std::uint64_t kernel_drops = 0;
  for (const auto& u : udp) kernel_drops += u.GetStatistics().dropped_by_kernel;
  std::printf("RESULT count=%llu sum=%llu kernel_drops=%llu\n",
              static_cast<unsigned long long>(ok ? total : 0), static_cast<unsigned long long>(sum),
              static_cast<unsigned long long>(kernel_drops));
  return ok && kernel_drops == 0 ? 0 : 1;
}
