// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Contender "C recvmmsg": the best a hand-written loop does. Blocking
// recvmmsg() of up to 32 datagrams with MSG_WAITFORONE (wait for the first,
// then take what is queued), echoes answered with one sendmmsg() per batch.
//
//   rx_c_recvmmsg drain n=<count> rcvbuf=<bytes> [pktinfo=1] [ovfl=1] [stride=<bytes>]
//                       [work=<iterations>]
//   rx_c_recvmmsg echo [eventloop=1]
//   rx_c_recvmmsg idle
//
// pktinfo=1 / ovfl=1 turn on IP_PKTINFO / SO_RXQ_OVFL with a control buffer
// per datagram, as rodatagram does: an A/B of what those options cost the
// kernel on the receive path (not part of the default suite). stride=<bytes>
// spaces the receive buffers differently from the default 64 KiB (buffers
// 64 KiB apart share cache sets); below 64 KiB it also shortens them.
//
// echo eventloop=1 is no recvmmsg loop: per round trip it asks the kernel
// what an event loop that reports each datagram's destination must (the
// "C event loop +pktinfo" row of the ping-pong). The socket sits in an epoll
// set (edge-triggered); each datagram is read with recvmsg(MSG_DONTWAIT) and
// its IP_PKTINFO control message; the loop waits in epoll_wait only when a
// read finds nothing. No library built on such a loop does less, so its ratio
// to the blocking recvfrom echo is the limit for all of them.

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "bench_common.hpp"

namespace {

constexpr unsigned kBatch = 32;

// One batch of receive headers over `kBatch` full-size buffers.
struct Batch {
  explicit Batch(std::size_t slot_stride = bench::kMaxDatagram)
      : stride(slot_stride), data(kBatch * slot_stride) {}

  void Prepare() {
    for (unsigned i = 0; i < kBatch; ++i) {
      iov[i].iov_base = data.data() + i * stride;
      iov[i].iov_len = std::min(stride, bench::kMaxDatagram);
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &names[i];
      msgs[i].msg_hdr.msg_namelen = sizeof names[i];
    }
  }

  void WithControl() {
    for (unsigned i = 0; i < kBatch; ++i) {
      msgs[i].msg_hdr.msg_control = control[i];
      msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
  }

  std::size_t stride;
  std::vector<char> data;
  mmsghdr msgs[kBatch] = {};
  iovec iov[kBatch] = {};
  sockaddr_in6 names[kBatch] = {};
  alignas(cmsghdr) char control[kBatch][128] = {};
};

int Drain(int fd, std::uint64_t n, bool control, std::size_t stride, std::uint64_t work) {
  Batch batch(stride);
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::int64_t first = 0;
  while (count < n) {
    batch.Prepare();
    if (control) batch.WithControl();
    const int got = recvmmsg(fd, batch.msgs, kBatch, MSG_WAITFORONE, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (count == 0) first = bench::NowNs();
    for (int i = 0; i < got; ++i) {
      sum += bench::SumBytes(batch.iov[i].iov_base, batch.msgs[i].msg_len);
      if (work != 0) bench::WorkSink() ^= bench::Work(work, sum);
      ++count;
    }
  }
  bench::PrintDrainResult(count, sum, first, bench::NowNs());
  return 0;
}

int Echo(int fd) {
  Batch batch;
  for (;;) {
    batch.Prepare();
    const int got = recvmmsg(fd, batch.msgs, kBatch, MSG_WAITFORONE, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    // Send each datagram back to its sender, all in one call.
    for (int i = 0; i < got; ++i) batch.iov[i].iov_len = batch.msgs[i].msg_len;
    sendmmsg(fd, batch.msgs, static_cast<unsigned>(got), 0);
  }
}

int EventLoopEcho(int fd) {
  const int poller = epoll_create1(EPOLL_CLOEXEC);
  epoll_event interest{};
  interest.events = EPOLLIN | EPOLLET;
  interest.data.fd = fd;
  if (poller < 0 || epoll_ctl(poller, EPOLL_CTL_ADD, fd, &interest) != 0) return 1;
  Batch batch;
  batch.Prepare();
  batch.WithControl();
  msghdr& message = batch.msgs[0].msg_hdr;
  for (;;) {
    message.msg_namelen = sizeof batch.names[0];
    message.msg_controllen = sizeof batch.control[0];
    const ssize_t got = recvmsg(fd, &message, MSG_DONTWAIT);
    if (got < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return 1;
      epoll_event ready{};
      epoll_wait(poller, &ready, 1, -1);
      continue;
    }
    sendto(fd, batch.iov[0].iov_base, static_cast<std::size_t>(got), MSG_NOSIGNAL,
           static_cast<const sockaddr*>(message.msg_name), message.msg_namelen);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args = bench::ParseArgs(argc, argv);
  bench::BoundLifetime(static_cast<unsigned>(args.Int("lifetime", 120)));
  int port = 0;
  const int fd = bench::BindLoopback(static_cast<int>(args.Int("rcvbuf", 0)), &port);
  const int on = 1;
  // An event loop's echo reads each datagram's destination too.
  if (args.Int("pktinfo", 0) != 0 || args.Int("eventloop", 0) != 0) {
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  }
  if (args.Int("ovfl", 0) != 0) setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  const bool control = args.Int("pktinfo", 0) != 0 || args.Int("ovfl", 0) != 0;
  bench::PrintReady(port);
  if (args.mode == "drain") {
    const auto stride =
        static_cast<std::size_t>(args.Int("stride", static_cast<long>(bench::kMaxDatagram)));
    return Drain(fd, static_cast<std::uint64_t>(args.Int("n", 0)), control, stride,
                 static_cast<std::uint64_t>(args.Int("work", 0)));
  }
  if (args.mode == "echo") {
    return args.Int("eventloop", 0) != 0 ? EventLoopEcho(fd) : Echo(fd);
  }
  if (args.mode == "idle") {
    bench::SleepInReceive(fd);
    return 0;
  }
  std::fprintf(stderr, "rx_c_recvmmsg: unknown mode '%s'\n", args.mode.c_str());
  return 2;
}
