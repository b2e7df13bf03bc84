// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// What every benchmark contender shares: the command line, the line protocol
// it speaks with the driver on stdout, the clock and the payload checksum.
//
// Protocol (one line each, on stdout, flushed):
//   READY port=<p>[,<p>...]     the socket(s) are bound and receiving
//   RESULT key=value ...        the measurement, then the process exits 0
// The driver (bench_driver.cpp) never trusts a contender's own verdict: it
// checks the count and the byte sum against what it sent.

#ifndef RO_BENCH_BENCH_COMMON_HPP_
#define RO_BENCH_BENCH_COMMON_HPP_

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace bench {

/// CLOCK_MONOTONIC in nanoseconds: the clock every contender reports in
/// (Node's process.hrtime.bigint() reads the same clock through libuv).
inline std::int64_t NowNs() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// CPU time of the whole process (every thread), user plus system, in
/// nanoseconds. The kernel keeps the sum exactly (sum_exec_runtime).
inline std::int64_t CpuNs() noexcept {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto us = [](const timeval& tv) {
    return static_cast<std::int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
  };
  return (us(usage.ru_utime) + us(usage.ru_stime)) * 1000;
}

/// Largest UDP payload plus one: a receive never truncates silently.
inline constexpr std::size_t kMaxDatagram = 65536;

/// A contender's arguments: `<mode> key=value ...`, in any order.
struct Args {
  std::string mode;
  std::map<std::string, std::string> values;

  long Int(const std::string& key, long fallback) const {
    const auto it = values.find(key);
    return it == values.end() ? fallback : std::strtol(it->second.c_str(), nullptr, 10);
  }
};

inline Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const char* eq = std::strchr(argv[i], '=');
    if (eq == nullptr) {
      args.mode = argv[i];  // the one word without '='
    } else {
      args.values[std::string(argv[i], static_cast<std::size_t>(eq - argv[i]))] = eq + 1;
    }
  }
  return args;
}

/// Every contender dies by itself if the driver never finishes with it: a
/// benchmark must not leave processes behind. SIGALRM's default action
/// terminates the process; an armed alarm costs no wake-ups until it fires.
inline void BoundLifetime(unsigned seconds) { alarm(seconds); }

/// Sum of all payload bytes: the "application touches the payload" work that
/// every contender does for every datagram, and the driver's integrity check.
inline std::uint64_t SumBytes(const void* data, std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < size; ++i) sum += p[i];
  return sum;
}

/// The application's work per datagram in the "work" suite: `iterations`
/// rounds of a 64-bit LCG the compiler cannot fold, the same loop in every
/// contender; the driver calibrates `iterations` to about 1 us on this
/// machine and passes the same count to everyone (work=<iterations>).
inline std::uint64_t Work(std::uint64_t iterations, std::uint64_t seed) noexcept {
  std::uint64_t x = seed;
  for (std::uint64_t i = 0; i < iterations; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    asm volatile("" : "+r"(x));
  }
  return x;
}

/// What Work() returned, kept so that the loop is never optimised out.
inline std::uint64_t& WorkSink() noexcept {
  static std::uint64_t sink = 0;
  return sink;
}

/// Byte `j` of datagram `i` as the driver's sender fills it.
inline unsigned char PatternByte(std::uint64_t i, std::size_t j) noexcept {
  return static_cast<unsigned char>((i * 7 + j) & 0xff);
}

/// CPU time when the contender said READY: a drain's CPU cost is what the
/// process spends after it (it is idle until the datagrams come).
inline std::int64_t& ReadyCpuNs() noexcept {
  static std::int64_t cpu = 0;
  return cpu;
}

inline void PrintReady(int port) {
  ReadyCpuNs() = CpuNs();
  std::printf("READY port=%d\n", port);
  std::fflush(stdout);
}

inline void PrintDrainResult(std::uint64_t count, std::uint64_t sum, std::int64_t first_ns,
                             std::int64_t last_ns) {
  std::printf("RESULT count=%llu sum=%llu first_ns=%lld last_ns=%lld cpu_ns=%lld\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(sum),
              static_cast<long long>(first_ns), static_cast<long long>(last_ns),
              static_cast<long long>(CpuNs() - ReadyCpuNs()));
  std::fflush(stdout);
}

/// A blocking IPv4 UDP socket bound to 127.0.0.1 on a free port, with a
/// receive buffer of `rcvbuf` bytes if positive (capped by rmem_max).
/// Exits the process on failure: a contender without a socket has nothing
/// to measure.
inline int BindLoopback(int rcvbuf, int* port_out) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("socket");
    std::exit(2);
  }
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("bind");
    std::exit(2);
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port_out = ntohs(addr.sin_port);
  return fd;
}

/// Blocks the calling thread until a signal ends the process: the "idle"
/// mode of the C contenders, whose application thread sleeps in a receive.
inline void SleepInReceive(int fd) {
  char buf[64];
  for (;;) {
    if (recv(fd, buf, sizeof buf, 0) < 0 && errno != EINTR) return;
  }
}

}  // namespace bench

#endif  // RO_BENCH_BENCH_COMMON_HPP_
