// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "receive_batch.hpp"

#include <arpa/inet.h>
#include <linux/prctl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <ro/datagram_event.hpp>

#include "datagram_event_factory.hpp"
#include "object_core.hpp"
#include "port_state.hpp"
#include "sys.hpp"

namespace ro::detail {
namespace {

// Datagrams read per recvmmsg call.
constexpr unsigned kBatch = 32;
// Larger than any UDP payload (65,507 over IPv4, 65,527 over IPv6), so a
// datagram only truncates if it is an IPv6 jumbogram; that is still detected.
constexpr std::size_t kSlotBytes = 65536;
constexpr std::size_t kControlBytes = 128;
// Payload bytes that share one allocation (see datagram_event_factory.hpp).
constexpr std::size_t kBlockPayloadBytes = 16 * 1024;

// Receive buffers shared by every socket drained on one thread: a drain
// copies each datagram out into its right-sized event before the next one.
//
// Memory on demand: the 32 slots of 64 KiB (2 MiB) are one anonymous
// mapping made on a thread's first drain, with MAP_NORESERVE, so they are
// address space, not memory: the kernel writes only the bytes each datagram
// has, and a page becomes resident the first time a datagram reaches it. A
// thread that only ever receives small datagrams holds one page per slot it
// has used (at most 128 KiB); pages are added only as large datagrams
// arrive, and no commit charge is taken for the rest (which matters on
// devices with overcommit disabled). The slots stay 64 KiB, so no datagram
// is ever truncated.
struct ReceiveScratch {
  explicit ReceiveScratch(char* slots) : data(slots) {
    for (unsigned i = 0; i < kBatch; ++i) {
      iov[i].iov_base = data + i * kSlotBytes;
      iov[i].iov_len = kSlotBytes;
      msghdr& h = msgs[i].msg_hdr;
      h.msg_name = &names[i];
      h.msg_iov = &iov[i];
      h.msg_iovlen = 1;
      h.msg_control = control[i];
    }
    Prepare(kBatch);
  }
  ~ReceiveScratch() {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    munmap(data - page, kBatch * kSlotBytes + 2 * page);
  }
  ReceiveScratch(const ReceiveScratch&) = delete;
  ReceiveScratch& operator=(const ReceiveScratch&) = delete;

  // The slots, between two inaccessible guard pages (an overrun faults
  // instead of corrupting a neighbour, and the mapping stays one region of
  // its own in /proc/<pid>/smaps). Null when the address space is
  // exhausted (no exception: the library also builds without them).
  static char* Map() {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* p = mmap(nullptr, kBatch * kSlotBytes + 2 * page, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    char* slots = static_cast<char*>(p) + page;
    if (mprotect(slots, kBatch * kSlotBytes, PROT_READ | PROT_WRITE) != 0) {
      munmap(p, kBatch * kSlotBytes + 2 * page);
      return nullptr;
    }
    // Named in /proc/<pid>/smaps ("[anon:ro-receive-scratch]") where the
    // kernel supports it (CONFIG_ANON_VMA_NAME); ignored elsewhere.
    (void)prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, slots, kBatch * kSlotBytes, "ro-receive-scratch");
    return slots;
  }

  // Resets what the kernel overwrites in the first `count` headers. Every
  // header is ready for the next call between drains.
  void Prepare(unsigned count) noexcept {
    for (unsigned i = 0; i < count; ++i) {
      msghdr& h = msgs[i].msg_hdr;
      h.msg_namelen = sizeof names[i];
      h.msg_controllen = kControlBytes;
      h.msg_flags = 0;
    }
  }

  char* data;
  mmsghdr msgs[kBatch] = {};
  iovec iov[kBatch] = {};
  sockaddr_in6 names[kBatch] = {};
  alignas(cmsghdr) char control[kBatch][kControlBytes] = {};
  Message batch[kBatch];
};

// Made on a thread's first drain: a thread that never drains (and every
// thread of a process that never receives) pays one pointer of TLS. Null if
// the slots cannot be mapped (tried again at the next drain).
ReceiveScratch* Scratch() {
  thread_local std::unique_ptr<ReceiveScratch> scratch;
  if (!scratch) {
    if (char* slots = ReceiveScratch::Map()) scratch = std::make_unique<ReceiveScratch>(slots);
  }
  return scratch.get();
}

// Errors that mean the socket itself is unusable (a library bug, not the
// network); everything else (ICMP-reported errors, memory pressure, ...) is
// counted and the socket keeps receiving (bun#28690).
bool StopsReceiving(int err) {
  return err == EBADF || err == ENOTSOCK || err == EFAULT || err == EINVAL;
}

// Reads addresses from one received datagram's header and control messages.
void ParseReceived(const msghdr& header, DatagramAddresses& out) {
  const auto* name = static_cast<const sockaddr_in6*>(header.msg_name);
  if (name->sin6_family == AF_INET6) {
    out.ipv6 = true;
    std::memcpy(out.source, &name->sin6_addr, 16);
    out.source_port = ntohs(name->sin6_port);
    out.source_scope = name->sin6_scope_id;
  } else {
    const auto* in = reinterpret_cast<const sockaddr_in*>(name);
    out.ipv6 = false;
    std::memcpy(out.source, &in->sin_addr, 4);
    out.source_port = ntohs(in->sin_port);
  }
  for (const cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&header), const_cast<cmsghdr*>(c))) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      out.interface_index = info.ipi_ifindex;
      out.has_destination = true;
      if (out.ipv6) {  // IPv4 traffic on a dual-stack socket: keep it mapped
        std::memset(out.destination, 0, 10);
        out.destination[10] = out.destination[11] = 0xff;
        std::memcpy(out.destination + 12, &info.ipi_addr, 4);
      } else {
        std::memcpy(out.destination, &info.ipi_addr, 4);
      }
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      out.interface_index = static_cast<int>(info.ipi6_ifindex);
      out.has_destination = true;
      std::memcpy(out.destination, &info.ipi6_addr, 16);
    }
  }
}

// How many datagrams from `first` go into the next block, and their
// payload bytes: as many as fit in kBlockPayloadBytes (at least one), so
// that an event the application keeps pins little memory.
std::size_t PlanBlock(const ReceiveScratch& scratch, unsigned first, unsigned count,
                      std::size_t& events) {
  std::size_t bytes = 0;
  events = 0;
  for (unsigned i = first; i < count; ++i) {
    const mmsghdr& m = scratch.msgs[i];
    if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0) continue;
    if (events > 0 && bytes + m.msg_len > kBlockPayloadBytes) break;
    bytes += m.msg_len;
    ++events;
  }
  return bytes;
}

// Turns `count` received datagrams into events and posts them in one go.
// Returns how many the port accepted.
std::size_t PostBatch(ReceiveScratch& scratch, unsigned count, PortState* port,
                      const ObjectCore& owner, ReceiveCounters& counters, ReadAheadSource* source) {
  // The user data as it is now, after the datagrams arrived: a datagram
  // sent after SetUserData() returned carries the new value.
  const std::shared_ptr<const UserData> user_data =
      port != nullptr ? owner.SharedUserData() : nullptr;
  const int identity = owner.Identity();
  std::size_t made = 0;
  std::uint64_t truncated = 0;
  std::shared_ptr<DatagramEventFactory::Block> block;
  std::size_t block_room = 0;  // events the current block still has space for
  for (unsigned i = 0; i < count; ++i) {
    const mmsghdr& m = scratch.msgs[i];
    if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
      ++truncated;
      continue;
    }
    if (port == nullptr) continue;
    if (block_room == 0) {
      std::size_t events = 0;
      const std::size_t bytes = PlanBlock(scratch, i, count, events);
      block = DatagramEventFactory::MakeBlock(events, bytes, user_data);
      block_room = events;
    }
    DatagramEvent* event = block->Add(static_cast<const char*>(scratch.iov[i].iov_base), m.msg_len);
    // Parsed straight into the event: a copy from a stack temporary would
    // reload, 16 bytes at a time, what the parse has just stored piecewise
    // (a store-forwarding stall per datagram).
    ParseReceived(m.msg_hdr, DatagramEventFactory::Addresses(*event));
    DatagramEventFactory::SetIdentity(*event, identity);
    // Shares the block's ownership: the block lives while any of its events does.
    scratch.batch[made++] = Message(block, event);
    --block_room;
  }
  block.reset();
  const std::size_t accepted = port != nullptr ? port->PostBatch(scratch.batch, made, source) : 0;
  for (std::size_t i = accepted; i < made; ++i) scratch.batch[i].reset();
  counters.received.fetch_add(count, std::memory_order_relaxed);
  counters.delivered.fetch_add(accepted, std::memory_order_relaxed);
  counters.dropped_by_port.fetch_add(count - truncated - accepted, std::memory_order_relaxed);
  if (truncated != 0) counters.truncated.fetch_add(truncated, std::memory_order_relaxed);
  return accepted;
}

}  // namespace

Drained DrainSocket(int fd, PortState* port, const ObjectCore& owner, ReceiveCounters& counters,
                    ReadAheadSource* source, unsigned budget) {
  Drained drained;
  ReceiveScratch* const mapped = Scratch();
  if (mapped == nullptr) {
    // No memory to read into: the socket stops, counted (receive_errors).
    counters.receive_errors.fetch_add(1, std::memory_order_relaxed);
    drained.result = DrainResult::kBroken;
    drained.error = ENOMEM;
    return drained;
  }
  ReceiveScratch& scratch = *mapped;
  while (budget > 0) {
    const unsigned asked = std::min(kBatch, budget);
    int count = 0;
    do {
      count = sys::recvmmsg(fd, scratch.msgs, asked, MSG_DONTWAIT, nullptr);
    } while (count < 0 && errno == EINTR);
    if (count < 0) {
      const int err = errno;
      scratch.Prepare(1);
      if (err == EAGAIN || err == EWOULDBLOCK) return drained;
      counters.receive_errors.fetch_add(1, std::memory_order_relaxed);
      if (StopsReceiving(err)) {
        drained.result = DrainResult::kBroken;
        drained.error = err;
        return drained;
      }
      --budget;
      continue;
    }
    budget -= static_cast<unsigned>(count);
    drained.read += static_cast<unsigned>(count);
    drained.delivered +=
        PostBatch(scratch, static_cast<unsigned>(count), port, owner, counters, source);
    // The kernel wrote into the headers it filled (and at most the one it
    // failed on): only those are reset, not all 32 (a round trip reads one).
    scratch.Prepare(std::min(asked, static_cast<unsigned>(count) + 1));
    if (static_cast<unsigned>(count) < asked) return drained;
  }
  drained.result = DrainResult::kMore;
  return drained;
}

}  // namespace ro::detail
