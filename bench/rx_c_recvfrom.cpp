// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Contender "C recvfrom": the loop a C programmer writes first. One blocking
// recvfrom() per datagram, one sendto() per echo.
//
//   rx_c_recvfrom drain n=<count> rcvbuf=<bytes> [work=<iterations>]
//   rx_c_recvfrom echo
//   rx_c_recvfrom idle

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <vector>

#include "bench_common.hpp"

namespace {

int Drain(int fd, std::uint64_t n, std::uint64_t work) {
  std::vector<char> buf(bench::kMaxDatagram);
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::int64_t first = 0;
  while (count < n) {
    const ssize_t got = recvfrom(fd, buf.data(), buf.size(), 0, nullptr, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    // The clock is read only at the first and the N-th datagram.
    if (count == 0) first = bench::NowNs();
    sum += bench::SumBytes(buf.data(), static_cast<std::size_t>(got));
    if (work != 0) bench::WorkSink() ^= bench::Work(work, sum);
    ++count;
  }
  bench::PrintDrainResult(count, sum, first, bench::NowNs());
  return 0;
}

int Echo(int fd) {
  std::vector<char> buf(bench::kMaxDatagram);
  for (;;) {
    sockaddr_in6 from{};
    socklen_t from_len = sizeof from;
    const ssize_t got =
        recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    sendto(fd, buf.data(), static_cast<std::size_t>(got), 0, reinterpret_cast<sockaddr*>(&from),
           from_len);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args = bench::ParseArgs(argc, argv);
  bench::BoundLifetime(static_cast<unsigned>(args.Int("lifetime", 120)));
  int port = 0;
  const int fd = bench::BindLoopback(static_cast<int>(args.Int("rcvbuf", 0)), &port);
  bench::PrintReady(port);
  if (args.mode == "drain") {
    return Drain(fd, static_cast<std::uint64_t>(args.Int("n", 0)),
                 static_cast<std::uint64_t>(args.Int("work", 0)));
  }
  if (args.mode == "echo") return Echo(fd);
  if (args.mode == "idle") {
    bench::SleepInReceive(fd);
    return 0;
  }
  std::fprintf(stderr, "rx_c_recvfrom: unknown mode '%s'\n", args.mode.c_str());
  return 2;
}
