// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// A noise-resistant companion of the drain benchmark: every receiver drains
// a small batch (fits the default net.core.rmem_max, so no sysctl) queued on
// 127.0.0.1, many times, interleaved, in one process. Another process's
// work can only make a repetition slower, so the minimum over repetitions
// is what the receive path itself costs; the median is shown beside it.
//
//   micro_drain [reps=100] [batch=4000] [size=64] [only=<variant>]
//
// Variants: the C loops, the C recvmmsg loop with rodatagram's socket
// options (IP_PKTINFO, SO_RXQ_OVFL: what they cost the kernel) and with
// other receive-buffer layouts (64 KiB slots alias in the caches), the
// IP_PKTINFO loop with the least an event-and-port API adds (QueuedEvents),
// plain Asio, and rodatagram (fresh DatagramSocket per repetition; the clock runs
// from SetPort, which starts its receiving, to the batch-th ro::Wait).

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

#include <ro/asio.hpp>
#include <ro/ro.hpp>

#include "bench_common.hpp"

namespace {

constexpr unsigned kVlen = 32;

// Queues `n` pattern datagrams of `size` bytes on 127.0.0.1:`port`.
void Fill(int port, unsigned n, std::size_t size) {
  static int fd = -1;
  static int connected_to = -1;
  if (fd < 0) fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (connected_to != port) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
    connected_to = port;
  }
  std::vector<char> data(64 * size);
  mmsghdr msgs[64] = {};
  iovec iov[64] = {};
  for (unsigned sent = 0; sent < n;) {
    const unsigned count = std::min(64U, n - sent);
    for (unsigned b = 0; b < count; ++b) {
      char* p = data.data() + b * size;
      for (std::size_t j = 0; j < size; ++j)
        p[j] = static_cast<char>(bench::PatternByte(sent + b, j));
      iov[b] = {p, size};
      msgs[b].msg_hdr = {};
      msgs[b].msg_hdr.msg_iov = &iov[b];
      msgs[b].msg_hdr.msg_iovlen = 1;
    }
    const int got = sendmmsg(fd, msgs, count, 0);
    if (got <= 0) return;
    sent += static_cast<unsigned>(got);
  }
}

// A plain socket for the C variants, kept across repetitions.
struct CSocket {
  CSocket(bool pktinfo, bool ovfl) {
    fd = bench::BindLoopback(4 << 20, &port);
    const int on = 1;
    if (pktinfo) setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    if (ovfl) setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  }
  int fd = -1;
  int port = 0;
};

// Receive headers over kVlen buffers `stride` bytes apart.
struct Slots {
  Slots(std::size_t stride_bytes, bool with_control)
      : stride(stride_bytes), control(with_control), data(kVlen * stride_bytes) {}

  // One recvmmsg of up to kVlen datagrams into fresh headers.
  int Receive(int fd) {
    for (unsigned i = 0; i < kVlen; ++i) {
      iov[i] = {data.data() + i * stride, std::min(stride, bench::kMaxDatagram)};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &names[i];
      msgs[i].msg_hdr.msg_namelen = sizeof names[i];
      if (control) {
        msgs[i].msg_hdr.msg_control = cmsg[i];
        msgs[i].msg_hdr.msg_controllen = sizeof cmsg[i];
      }
    }
    return recvmmsg(fd, msgs, kVlen, MSG_WAITFORONE, nullptr);
  }

  std::size_t stride;
  bool control;
  std::vector<char> data;
  mmsghdr msgs[kVlen] = {};
  iovec iov[kVlen] = {};
  sockaddr_in6 names[kVlen] = {};
  alignas(cmsghdr) char cmsg[kVlen][128] = {};
};

volatile std::uint64_t g_sink = 0;  // keeps the payload sums alive

struct Variant {
  std::string name;
  // Fills, then drains `batch` datagrams; returns ns per datagram of the
  // drain alone.
  std::function<double(unsigned batch, std::size_t size)> run;
};

double PerDatagram(std::int64_t t0, std::int64_t t1, unsigned batch) {
  return static_cast<double>(t1 - t0) / batch;
}

Variant Recvfrom() {
  auto s = std::make_shared<CSocket>(false, false);
  return {"C recvfrom", [s](unsigned batch, std::size_t size) {
            Fill(s->port, batch, size);
            std::vector<char> buf(bench::kMaxDatagram);
            std::uint64_t sum = 0;
            const auto t0 = bench::NowNs();
            for (unsigned i = 0; i < batch; ++i) {
              sockaddr_in6 from{};
              socklen_t len = sizeof from;
              const ssize_t got = recvfrom(s->fd, buf.data(), buf.size(), 0,
                                           reinterpret_cast<sockaddr*>(&from), &len);
              if (got > 0) sum += bench::SumBytes(buf.data(), static_cast<std::size_t>(got));
            }
            const auto t1 = bench::NowNs();
            g_sink = g_sink + sum;
            return PerDatagram(t0, t1, batch);
          }};
}

Variant Recvmmsg(const std::string& name, bool pktinfo, bool ovfl, std::size_t stride) {
  auto s = std::make_shared<CSocket>(pktinfo, ovfl);
  auto slots = std::make_shared<Slots>(stride, pktinfo || ovfl);
  return {name, [s, slots](unsigned batch, std::size_t size) {
            Fill(s->port, batch, size);
            std::uint64_t sum = 0;
            const auto t0 = bench::NowNs();
            for (unsigned done = 0; done < batch;) {
              const int got = slots->Receive(s->fd);
              if (got <= 0) break;
              for (int i = 0; i < got; ++i) {
                sum += bench::SumBytes(slots->iov[i].iov_base, slots->msgs[i].msg_len);
              }
              done += static_cast<unsigned>(got);
            }
            const auto t1 = bench::NowNs();
            g_sink = g_sink + sum;
            return PerDatagram(t0, t1, batch);
          }};
}

// The least a port-and-event API does per datagram on top of the bare
// IP_PKTINFO loop: each datagram becomes an event that holds its addresses
// and its own copy of the payload (the receive buffers are reused), one
// allocation per batch; the batch is appended to a locked queue under one
// lock, and each event is taken out under the lock, one per call, as
// ro::Wait() returns them. One thread, no reference counts, no wake-ups:
// a floor for any implementation of that API, not a design.
Variant QueuedEvents() {
  struct Event {
    sockaddr_in6 source;
    in_pktinfo destination;
    std::uint32_t size;
    const char* payload;
  };
  struct Block {
    std::unique_ptr<char[]> bytes;
    int left = 0;
  };
  struct Queue {
    std::mutex mutex;
    std::deque<std::pair<const Event*, Block*>> events;
  };
  auto s = std::make_shared<CSocket>(true, false);
  auto slots = std::make_shared<Slots>(bench::kMaxDatagram, true);
  auto queue = std::make_shared<Queue>();
  return {"C recvmmsg +pktinfo, events in a locked queue",
          [s, slots, queue](unsigned batch, std::size_t size) {
            Fill(s->port, batch, size);
            std::uint64_t sum = 0;
            const auto t0 = bench::NowNs();
            for (unsigned done = 0; done < batch;) {
              const int got = slots->Receive(s->fd);
              if (got <= 0) break;
              std::size_t bytes = static_cast<std::size_t>(got) * sizeof(Event);
              for (int i = 0; i < got; ++i) bytes += slots->msgs[i].msg_len;
              auto* block = new Block{std::make_unique<char[]>(bytes), got};
              auto* events = reinterpret_cast<Event*>(block->bytes.get());
              char* payload = block->bytes.get() + static_cast<std::size_t>(got) * sizeof(Event);
              for (int i = 0; i < got; ++i) {
                msghdr& h = slots->msgs[i].msg_hdr;
                Event& e = events[i];
                std::memcpy(&e.source, h.msg_name, sizeof e.source);
                for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
                  if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                    std::memcpy(&e.destination, CMSG_DATA(c), sizeof e.destination);
                  }
                }
                e.size = slots->msgs[i].msg_len;
                e.payload = payload;
                std::memcpy(payload, slots->iov[i].iov_base, e.size);
                payload += e.size;
              }
              {
                const std::lock_guard<std::mutex> lock(queue->mutex);
                for (int i = 0; i < got; ++i) queue->events.emplace_back(&events[i], block);
              }
              for (int i = 0; i < got; ++i) {
                std::pair<const Event*, Block*> item;
                {
                  const std::lock_guard<std::mutex> lock(queue->mutex);
                  item = queue->events.front();
                  queue->events.pop_front();
                }
                sum += bench::SumBytes(item.first->payload, item.first->size);
                if (--item.second->left == 0) delete item.second;
              }
              done += static_cast<unsigned>(got);
            }
            const auto t1 = bench::NowNs();
            g_sink = g_sink + sum;
            return PerDatagram(t0, t1, batch);
          }};
}

Variant Asio() {
  struct State {
    asio::io_context io{1};
    asio::ip::udp::socket socket{io, {asio::ip::address_v4::loopback(), 0}};
    asio::ip::udp::endpoint from;
    std::vector<char> buffer = std::vector<char>(bench::kMaxDatagram);
    unsigned left = 0;
    std::uint64_t sum = 0;

    void Receive() {
      socket.async_receive_from(asio::buffer(buffer), from,
                                [this](const asio::error_code& ec, std::size_t n) {
                                  if (ec) return;
                                  sum += bench::SumBytes(buffer.data(), n);
                                  if (--left > 0) Receive();
                                });
    }
  };
  auto s = std::make_shared<State>();
  s->socket.set_option(asio::socket_base::receive_buffer_size(4 << 20));
  return {"Asio", [s](unsigned batch, std::size_t size) {
            Fill(s->socket.local_endpoint().port(), batch, size);
            s->left = batch;
            const auto t0 = bench::NowNs();
            s->io.restart();
            s->Receive();
            s->io.run();
            const auto t1 = bench::NowNs();
            g_sink = g_sink + s->sum;
            return PerDatagram(t0, t1, batch);
          }};
}

Variant Rodatagram(bool own_loop) {
  auto port = std::make_shared<ro::MessagePort>();
  auto io = std::make_shared<asio::io_context>(1);
  return {own_loop ? "rodatagram Wait(io)" : "rodatagram",
          [port, io, own_loop](unsigned batch, std::size_t size) {
            ro::DatagramSocket udp = own_loop ? ro::MakeDatagramSocket(*io) : ro::DatagramSocket();
            udp.SetReceiveBufferSize(4 << 20);
            udp.BindToLocalAddress("127.0.0.1", 0);
            Fill(udp.GetLocalPort(), batch, size);
            std::uint64_t sum = 0;
            const auto t0 = bench::NowNs();
            udp.SetPort(*port);  // receiving starts here
            for (unsigned i = 0; i < batch; ++i) {
              const ro::Message msg = own_loop ? ro::Wait(5000, *port, *io) : ro::Wait(5000, *port);
              if (!msg) break;
              if (const auto* ev = msg->As<ro::DatagramEvent>()) {
                const std::string_view p = ev->GetPayload();
                sum += bench::SumBytes(p.data(), p.size());
              }
            }
            const auto t1 = bench::NowNs();
            g_sink = g_sink + sum;
            return PerDatagram(t0, t1, batch);
          }};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args = bench::ParseArgs(argc, argv);
  bench::BoundLifetime(600);
  const auto reps = static_cast<int>(args.Int("reps", 100));
  const auto batch = static_cast<unsigned>(args.Int("batch", 4000));
  const auto size = static_cast<std::size_t>(args.Int("size", 64));
  const std::string only = args.values.count("only") != 0 ? args.values.at("only") : "";

  std::vector<Variant> variants = {
      Recvfrom(),
      Recvmmsg("C recvmmsg", false, false, bench::kMaxDatagram),
      Recvmmsg("C recvmmsg +pktinfo", true, false, bench::kMaxDatagram),
      QueuedEvents(),
      Recvmmsg("C recvmmsg +ovfl", false, true, bench::kMaxDatagram),
      Recvmmsg("C recvmmsg +pktinfo+ovfl", true, true, bench::kMaxDatagram),
      Recvmmsg("C recvmmsg, slots 64 KiB + 4160 B apart", false, false, 65536 + 4160),
      Recvmmsg("C recvmmsg, 2 KiB slots", false, false, 2048),
      Asio(),
      Rodatagram(false),
      Rodatagram(true),
  };
  if (!only.empty()) {
    variants.erase(std::remove_if(variants.begin(), variants.end(),
                                  [&](const Variant& v) { return v.name != only; }),
                   variants.end());
  }
  std::vector<std::vector<double>> ns(variants.size());
  for (int r = 0; r < reps; ++r) {
    for (std::size_t v = 0; v < variants.size(); ++v) ns[v].push_back(variants[v].run(batch, size));
  }
  std::printf(
      "| receiver (batch of %u x %zu B, %d reps) | min ns/datagram | median | vs C recvfrom (min) "
      "|\n",
      batch, size, reps);
  std::printf("|---|---|---|---|\n");
  const double base = *std::min_element(ns[0].begin(), ns[0].end());
  for (std::size_t v = 0; v < variants.size(); ++v) {
    const double best = *std::min_element(ns[v].begin(), ns[v].end());
    std::printf("| %s | %.0f | %.0f | %.2fx |\n", variants[v].name.c_str(), best, Median(ns[v]),
                base / best);
  }
  return 0;
}
