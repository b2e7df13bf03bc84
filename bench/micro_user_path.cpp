// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The library's own cost per datagram, without the kernel's: recvmmsg is
// replaced through the syscall seam (src/sys.hpp) by a copy of a 64-byte
// datagram with its address and IP_PKTINFO, so what is timed is the rest of
// the receive path: events built, posted, waited for and released. The
// kernel's receive (~600-900 ns a datagram here) is the same for every
// receiver; this is the part a library adds to it, measured without the
// kernel's noise.
//
//   micro_user_path [reps=300] [batch=4000]
//
// Each repetition sends one real datagram to the socket (its edge starts the
// drain), serves `batch` copies through the seam, then lets the real one
// through; the clock runs over the `batch` + 1 ro::Wait calls. Rows: the
// default mode (a library thread may read while the application works:
// when it does, a repetition is faster, hence min and median) and Wait(io)
// (one thread). The first row is the harness alone: a C loop reading the
// same copies; the difference to it is the library's.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <ro/asio.hpp>
#include <ro/ro.hpp>

#include "bench_common.hpp"
#include "sys.hpp"

namespace {

constexpr std::size_t kSize = 64;
unsigned g_left = 0;  // copies the seam still serves before the real socket

// Fills up to `vlen` headers as the kernel would for a 64-byte datagram
// from 127.0.0.1:4242 with IP_PKTINFO.
int CopyRecvmmsg(int fd, mmsghdr* msgs, unsigned vlen, int flags, timespec* timeout) {
  if (g_left == 0) return ::recvmmsg(fd, msgs, vlen, flags, timeout);
  const unsigned n = std::min(vlen, g_left);
  for (unsigned i = 0; i < n; ++i) {
    msghdr& h = msgs[i].msg_hdr;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_port = htons(4242);
    from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::memcpy(h.msg_name, &from, sizeof from);
    h.msg_namelen = sizeof from;
    std::memset(h.msg_iov[0].iov_base, static_cast<int>(i), kSize);
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_ifindex = 1;
    info.ipi_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    h.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
    h.msg_flags = 0;
    msgs[i].msg_len = kSize;
  }
  g_left -= n;
  return static_cast<int>(n);
}

// The harness alone: the same copies read by a C loop into its own headers
// and summed, as the C receivers of the drain benchmark do.
std::vector<double> RunCopiesOnly(int reps, unsigned batch) {
  constexpr unsigned kVlen = 32;
  std::vector<char> data(kVlen * bench::kMaxDatagram);
  mmsghdr msgs[kVlen] = {};
  iovec iov[kVlen] = {};
  sockaddr_in6 names[kVlen] = {};
  alignas(cmsghdr) char control[kVlen][128] = {};
  std::vector<double> ns;
  std::uint64_t sum = 0;
  for (int r = 0; r < reps; ++r) {
    g_left = batch;
    const auto t0 = bench::NowNs();
    for (unsigned done = 0; done < batch;) {
      for (unsigned i = 0; i < kVlen; ++i) {
        iov[i] = {data.data() + i * bench::kMaxDatagram, bench::kMaxDatagram};
        msgs[i].msg_hdr = {&names[i],  sizeof names[i],   &iov[i], 1,
                           control[i], sizeof control[i], 0};
      }
      const int got = CopyRecvmmsg(-1, msgs, kVlen, 0, nullptr);
      for (int i = 0; i < got; ++i) sum += bench::SumBytes(iov[i].iov_base, msgs[i].msg_len);
      done += static_cast<unsigned>(got);
    }
    ns.push_back(static_cast<double>(bench::NowNs() - t0) / batch);
  }
  bench::WorkSink() ^= sum;
  std::sort(ns.begin(), ns.end());
  return ns;
}

// ns per datagram of each repetition.
std::vector<double> Run(bool own_loop, int reps, unsigned batch) {
  ro::MessagePort port;
  asio::io_context io(1);
  ro::DatagramSocket udp = own_loop ? ro::MakeDatagramSocket(io) : ro::DatagramSocket();
  udp.BindToLocalAddress("127.0.0.1", 0);
  udp.SetPort(port);
  int kick_port = 0;
  const int kick = bench::BindLoopback(0, &kick_port);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<std::uint16_t>(udp.GetLocalPort()));
  std::vector<double> ns;
  std::uint64_t sum = 0;
  for (int r = 0; r < reps; ++r) {
    g_left = batch;
    sendto(kick, "x", 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    const auto t0 = bench::NowNs();
    for (unsigned i = 0; i <= batch; ++i) {
      const ro::Message msg = own_loop ? ro::Wait(5000, port, io) : ro::Wait(5000, port);
      if (!msg) return {};
      if (const auto* ev = msg->As<ro::DatagramEvent>()) {
        const std::string_view p = ev->GetPayload();
        sum += bench::SumBytes(p.data(), p.size());
      }
    }
    ns.push_back(static_cast<double>(bench::NowNs() - t0) / batch);
  }
  close(kick);
  bench::WorkSink() ^= sum;
  std::sort(ns.begin(), ns.end());
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args = bench::ParseArgs(argc, argv);
  bench::BoundLifetime(300);
  const auto reps = static_cast<int>(args.Int("reps", 300));
  const auto batch = static_cast<unsigned>(args.Int("batch", 4000));
  ro::detail::sys::Calls().recvmmsg = CopyRecvmmsg;
  std::printf(
      "| receive path without the kernel (%u x %zu B, %d reps) | min ns/datagram | median |\n",
      batch, kSize, reps);
  std::printf("|---|---|---|\n");
  const std::vector<double> copies = RunCopiesOnly(reps, batch);
  std::printf("| C loop over the same copies (the harness alone) | %.1f | %.1f |\n", copies.front(),
              copies[copies.size() / 2]);
  for (const bool own_loop : {false, true}) {
    const std::vector<double> ns = Run(own_loop, reps, batch);
    if (ns.empty()) {
      std::fprintf(stderr, "micro_user_path: a Wait timed out\n");
      return 1;
    }
    std::printf("| %s | %.1f | %.1f |\n", own_loop ? "rodatagram Wait(io)" : "rodatagram",
                ns.front(), ns[ns.size() / 2]);
  }
  return 0;
}
