// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "socket_impl.hpp"

#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include <asio/post.hpp>
#include <fmt/core.h>

#include "port_state.hpp"
#include "reactor.hpp"
#include "sys.hpp"
#include "text.hpp"

namespace ro::detail {
namespace {

std::string ReuseHint(int err) {
  return err == EADDRINUSE ? "; sockets that share a port must all call SetReuseAddress(true) "
                             "before binding"
                           : "";
}

Status Closed(const std::string& call) {
  return Status::Failure(-EBADF, call + ": the socket is closed");
}

Status ParseGroup(std::string_view group, const std::string& call, Endpoint& address) {
  std::string why;
  if (!ParseHost(group, 1, address, why) || group == "localhost") {
    return Status::Failure(-EINVAL, call + ": not an IPv4 or IPv6 address");
  }
  if (!IsMulticast(address)) {
    return Status::Failure(-EINVAL, call + ": not a multicast address (224.0.0.0/4 or ff00::/8)");
  }
  return {};
}

// The control message that sends from `source`'s interface and address, or
// through the interface a scope named where the kernel would ignore it.
// Returns the bytes of `control` used (0: none needed).
std::size_t SourceControl(const Endpoint& target, const Endpoint& destination,
                          const SendSource* source, char* control, std::size_t room) {
  unsigned index = source != nullptr ? source->interface_index : 0;
  if (index == 0 && destination.Scope() != 0 && !KernelHonoursScope(destination)) {
    index = destination.Scope();
  }
  const Endpoint* from =
      source != nullptr && source->address.family != AF_UNSPEC ? &source->address : nullptr;
  if (index == 0 && from == nullptr) return 0;
  std::memset(control, 0, room);
  auto* c = reinterpret_cast<cmsghdr*>(control);
  const bool v4 = target.family == AF_INET || IN6_IS_ADDR_V4MAPPED(&target.storage.sin6_addr);
  if (v4) {
    // Also for IPv4 peers of a dual-stack socket: the kernel sends those
    // through its IPv4 path, which reads IP_PKTINFO.
    in_pktinfo info{};
    info.ipi_ifindex = static_cast<int>(index);
    if (from != nullptr) {
      if (from->family == AF_INET) {
        info.ipi_spec_dst = from->V4Address();
      } else {
        std::memcpy(&info.ipi_spec_dst, &from->storage.sin6_addr.s6_addr[12], 4);
      }
    }
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    return CMSG_SPACE(sizeof info);
  }
  in6_pktinfo info{};
  info.ipi6_ifindex = index;
  if (from != nullptr && from->family == AF_INET6) info.ipi6_addr = from->storage.sin6_addr;
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof info);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  return CMSG_SPACE(sizeof info);
}

}  // namespace

SocketImpl::~SocketImpl() {
  // The facade calls Close(); this is only reached with the socket closed,
  // or never opened.
  Close();
}

int SocketImpl::FdLocked() const {
  ReaderLock lock(fd_mutex_);
  return fd_;
}

void SocketImpl::SetPort(const MessagePort& port) {
  MutexLock lock(mutex_);
  const std::shared_ptr<PortState>& next = PortAccess::State(port);
  if (OnApplicationLoop()) {
    // The port's watchdog runs on the loop that serves the port.
    if (const auto previous = port_.lock(); previous && state_ != State::kClosed) {
      previous->RemoveServingLoop(io_);
    }
    if (next && state_ != State::kClosed) next->AddServingLoop(io_);
  }
  port_ = next;
  has_port_ = next != nullptr;
  StartReceivingLocked();
}

bool SocketImpl::OnApplicationLoop() const noexcept {
  return &io_ != &Reactor::Instance().Context();
}

Status SocketImpl::OpenLocked(int family) {
  const int fd = OpenUdpSocket(family, options_);
  if (fd < 0) return Status::Failure(fd, "cannot create a socket: " + ErrorText(-fd));
  {
    WriterLock lock(fd_mutex_);
    fd_ = fd;
    family_ = family;
  }
  state_ = State::kOpen;
  return {};
}

int SocketImpl::BindLocked(const Endpoint& local) {
  const int fd = FdLocked();
  if (sys::bind(fd, local.Address(), local.length) != 0) return -errno;
  sockaddr_in6 bound{};
  socklen_t length = sizeof bound;
  if (sys::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return -errno;
  // sin_port and sin6_port sit at the same offset.
  local_port_.store(ntohs(bound.sin6_port), std::memory_order_relaxed);
  WriterLock lock(fd_mutex_);
  state_ = State::kBound;
  return 0;
}

Status SocketImpl::Bind(const std::string& call, const std::optional<Endpoint>& local, int port) {
  if (port < 0 || port > 65535) {
    return Status::Failure(-EINVAL, call + ": the port must be in 0..65535");
  }
  MutexLock lock(mutex_);
  const State state = state_;
  if (state == State::kClosed) return Closed(call);
  if (state != State::kIdle && state != State::kOpen) {
    return Status::Failure(
        -EINVAL, fmt::format("{}: the socket is already bound to port {}", call, LocalPort()));
  }
  int family = local ? local->family : AF_INET;
  if (state == State::kIdle) {
    if (Status s = OpenLocked(family); !s.ok()) return std::move(s).Within(call);
  } else {
    ReaderLock fd_lock(fd_mutex_);
    if (local && local->family != family_) {
      return Status::Failure(-EAFNOSUPPORT, fmt::format("{}: the socket is already IPv{}", call,
                                                        family_ == AF_INET ? 4 : 6));
    }
    family = family_;
  }
  if (const int rc = BindLocked(local ? *local : AnyEndpoint(family, port)); rc < 0) {
    return Status::Failure(rc,
                           fmt::format("{} failed: {}{}", call, ErrorText(-rc), ReuseHint(-rc)));
  }
  StartReceivingLocked();
  return {};
}

Status SocketImpl::EnsureBoundForSendLocked(int family, const SendCall& call) {
  State state = state_;
  if (state == State::kClosed) return Closed(call.Text());
  if (state == State::kIdle) {
    if (Status s = OpenLocked(family); !s.ok()) return std::move(s).Within(call.Text());
    state = State::kOpen;
  }
  if (state == State::kOpen) {
    // Bind an ephemeral port now rather than letting sendto() do it, so that
    // replies are received from the first datagram on.
    int own_family = AF_UNSPEC;
    {
      ReaderLock lock(fd_mutex_);
      own_family = family_;
    }
    if (const int rc = BindLocked(AnyEndpoint(own_family, 0)); rc < 0) {
      return Status::Failure(
          rc, fmt::format("{}: cannot bind an ephemeral port: {}", call.Text(), ErrorText(-rc)));
    }
    StartReceivingLocked();
  }
  return {};
}

std::string SendCall::Text() const {
  return fmt::format("SendTo({}, {}) of {} bytes", Quote(host), port, size);
}

Status SocketImpl::SendTo(std::string_view host, int port, std::string_view packet,
                          const SendSource* source) {
  // Formatted only on failure: a send is on every echo's path.
  const SendCall call{host, port, packet.size()};
  Status result;
  if (port < 1 || port > 65535) {
    result = Status::Failure(-EINVAL,
                             fmt::format("{}: the port {} is outside 1..65535", call.Text(), port));
  }
  Endpoint destination;
  std::string why;
  if (result.ok() && !ParseHost(host, port, destination, why)) {
    result = Status::Failure(
        -EINVAL, fmt::format("{}: {} is not a valid host: {}", call.Text(), Quote(host), why));
  }
  // Two rounds at most: the first may find no bound socket and make one.
  for (int round = 0; result.ok() && round < 2; ++round) {
    {
      // Shared: concurrent senders do not serialise on the library.
      ReaderLock lock(fd_mutex_);
      const State state = state_;
      if (state == State::kBound || state == State::kReceiving || state == State::kStopped) {
        result = SendLocked(destination, packet, source, call);
        break;
      }
    }
    MutexLock lock(mutex_);
    result = EnsureBoundForSendLocked(destination.family, call);
  }
  if (result.ok()) {
    sent_.fetch_add(1, std::memory_order_relaxed);
  } else {
    send_errors_.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

Status SocketImpl::SendLocked(const Endpoint& destination, std::string_view packet,
                              const SendSource* source, const SendCall& call) {
  const Endpoint* target = &destination;
  Endpoint mapped;
  if (destination.family != family_) {
    if (family_ == AF_INET) {
      return Status::Failure(-EAFNOSUPPORT,
                             call.Text() +
                                 ": this socket is IPv4 (bound by BindToLocalPort); an IPv6 "
                                 "destination needs an IPv6 socket");
    }
    mapped = MapToV6(destination);
    target = &mapped;
  }
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))];
  const std::size_t control_size =
      SourceControl(*target, destination, source, control, sizeof control);
  ssize_t rc = 0;
  do {
    if (control_size == 0) {
      rc = sys::sendto(fd_, packet.data(), packet.size(), MSG_NOSIGNAL, target->Address(),
                       target->length);
    } else {
      iovec io{const_cast<char*>(packet.data()), packet.size()};
      msghdr message{};
      message.msg_name = const_cast<sockaddr*>(target->Address());
      message.msg_namelen = target->length;
      message.msg_iov = &io;
      message.msg_iovlen = 1;
      message.msg_control = control;
      message.msg_controllen = control_size;
      rc = sys::sendmsg(fd_, &message, MSG_NOSIGNAL);
    }
  } while (rc < 0 && errno == EINTR);
  if (rc >= 0) return {};
  const int err = errno;
  std::string hint;
  if (err == EMSGSIZE) {
    // The caller's family, not the socket's: an IPv4 peer of a dual-stack
    // socket still has the IPv4 limit.
    hint = fmt::format("; the UDP maximum is {} bytes over IPv{}",
                       destination.family == AF_INET ? 65507 : 65527,
                       destination.family == AF_INET ? 4 : 6);
  }
  return Status::Failure(-err, fmt::format("{} failed: {}{}", call.Text(), ErrorText(err), hint));
}

Status SocketImpl::Join(const std::string& call, std::string_view group,
                        const std::optional<std::string_view>& interface) {
  Endpoint address;
  if (Status s = ParseGroup(group, call, address); !s.ok()) return s;
  // Interfaces are listed under mutex_: the re-join listener also takes it,
  // so a link that attaches meanwhile is either in this list or handled by
  // the listener once the group is remembered.
  MutexLock lock(mutex_);
  if (state_ == State::kClosed) return Closed(call);
  std::set<unsigned> indexes;
  if (interface) {
    InterfaceChoice chosen;
    if (Status s = ResolveInterface(*interface, chosen); !s.ok()) return std::move(s).Within(call);
    if (chosen.index == 0) return Status::Failure(-EINVAL, call + ": name one interface");
    indexes.insert(chosen.index);
  } else if (Status s = MulticastInterfaces(indexes); !s.ok()) {
    return std::move(s).Within(call);
  }
  if (indexes.empty()) {
    return Status::Failure(-ENODEV, call + ": no interface is up and multicast-capable");
  }
  if (state_ == State::kIdle) {
    if (Status s = OpenLocked(address.family); !s.ok()) return std::move(s).Within(call);
  }
  {
    ReaderLock fd_lock(fd_mutex_);
    if (address.family == AF_INET6 && family_ == AF_INET) {
      return Status::Failure(-EAFNOSUPPORT,
                             call + ": this socket is IPv4; an IPv6 group needs an IPv6 socket");
    }
  }
  return membership_.Join(FdLocked(), address, indexes).Within(call);
}

Status SocketImpl::Leave(const std::string& call, std::string_view group) {
  Endpoint address;
  if (Status s = ParseGroup(group, call, address); !s.ok()) return s;
  MutexLock lock(mutex_);
  if (state_ == State::kClosed) return Closed(call);
  return membership_.Leave(FdLocked(), address).Within(call);
}

Status SocketImpl::SetAutoRejoin(bool enable) {
  const std::string call = fmt::format("SetAutoRejoin({})", enable);
  std::shared_ptr<LinkWatcher::Subscription> subscription;
  if (enable) {
    {
      MutexLock lock(mutex_);
      if (state_ == State::kClosed) return Closed(call);
      if (rejoin_) return {};
    }
    // Subscribed outside mutex_: the listener takes mutex_.
    Status s = LinkWatcher::Subscribe(
        io_,
        [weak = weak_from_this()](const std::vector<LinkChange>& changes) {
          if (auto self = weak.lock()) self->OnLinksChanged(changes);
        },
        subscription);
    if (!s.ok()) return std::move(s).Within(call);
    MutexLock lock(mutex_);
    if (state_ != State::kClosed && !rejoin_) {
      rejoin_ = std::move(subscription);
      // Interfaces that attached between the joins and now raised no change
      // for the watcher: join them here, once.
      std::set<unsigned> indexes;
      if (state_ != State::kIdle && MulticastInterfaces(indexes).ok()) {
        rejoin_errors_.fetch_add(membership_.JoinAll(FdLocked(), indexes),
                                 std::memory_order_relaxed);
      }
    }
  } else {
    MutexLock lock(mutex_);
    subscription = std::move(rejoin_);
  }
  // Cancelled outside mutex_, which a running listener may be waiting for.
  if (subscription) subscription->Cancel();
  return {};
}

void SocketImpl::OnLinksChanged(const std::vector<LinkChange>& changes) {
  MutexLock lock(mutex_);
  const State state = state_;
  if (state == State::kClosed || state == State::kIdle) return;
  // Background work: a failed re-join is counted, never reported as the
  // application's failure.
  rejoin_errors_.fetch_add(membership_.OnLinksChanged(FdLocked(), changes),
                           std::memory_order_relaxed);
}

Status SocketImpl::ApplyLocked(const std::string& call, bool before_bind,
                               const SocketOptions& next) {
  const State state = state_;
  if (state == State::kClosed) return Closed(call);
  if (before_bind && state != State::kIdle && state != State::kOpen) {
    return Status::Failure(-EINVAL, call + ": must be called before the socket is bound");
  }
  if (state != State::kIdle) {
    ReaderLock lock(fd_mutex_);
    if (const int rc = ApplyOptions(fd_, family_, next); rc < 0) {
      return Status::Failure(rc, fmt::format("{} failed: {}", call, ErrorText(-rc)));
    }
  }
  options_ = next;
  return {};
}

int SocketImpl::ReceiveBufferSize() {
  MutexLock lock(mutex_);
  const State state = state_;
  if (state == State::kIdle || state == State::kClosed) return 0;
  return detail::ReceiveBufferSize(FdLocked());
}

void SocketImpl::StartReceivingLocked() {
  if (state_ != State::kBound || !has_port_) return;
  state_ = State::kReceiving;
  if (!readiness_) readiness_.emplace(io_);
  if (readiness_->Watch(FdLocked()) != 0) {
    state_ = State::kStopped;
    counters_.receive_errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // The first drain runs on the loop, like every later one: an
  // edge-triggered readiness that fired before anyone waited is not lost,
  // because the drain reads until the socket is empty before waiting.
  asio::post(io_, [self = shared_from_this()] { self->OnReadable({}); });
  if (!OnApplicationLoop()) Reactor::Instance().EnsureRunning();
}

Drained SocketImpl::DrainLocked(PortState* port, unsigned budget) {
  const Drained drained = DrainSocket(readiness_->Fd(), port, core_, counters_, this, budget);
  // A read that found nothing (an edge a read ahead had already taken) says
  // nothing about the peer.
  if (drained.read != 0) one_at_a_time_ = drained.read == 1;
  // Counted in receive_errors; sends still work.
  if (drained.result == DrainResult::kBroken) state_ = State::kStopped;
  return drained;
}

void SocketImpl::OnReadable(const asio::error_code& ec) {
  MutexLock lock(mutex_);
  if (state_ != State::kReceiving || ec) return;
  const std::shared_ptr<PortState> port = port_.lock();
  switch (DrainLocked(port.get(), kWakeupBudget).result) {
    case DrainResult::kMore:
      asio::post(io_, [self = shared_from_this()] { self->OnReadable({}); });
      break;
    case DrainResult::kEmpty:
      readiness_->AsyncWait(shared_from_this(), this, [](void* self, const std::error_code& e) {
        static_cast<SocketImpl*>(self)->OnReadable(e);
      });
      break;
    case DrainResult::kBroken:
      break;
  }
}

bool SocketImpl::ReadAhead(const PortState& port) {
  MutexLock lock(mutex_);
  if (state_ != State::kReceiving) return false;
  const std::shared_ptr<PortState> current = port_.lock();
  if (current.get() != &port) return false;
  // No wait is started here: the one this socket has queued on the loop
  // (or the drain it has posted) stays, and takes whatever this leaves. So
  // this need not read until the socket is empty: after a single datagram
  // it asks for one (recvmmsg then skips the second, empty read).
  return DrainLocked(current.get(), one_at_a_time_ ? 1 : kWakeupBudget).delivered != 0;
}

void SocketImpl::Close() {
  std::shared_ptr<LinkWatcher::Subscription> rejoin;
  {
    MutexLock lock(mutex_);
    if (state_ == State::kClosed) return;
    rejoin = std::move(rejoin_);
    if (const auto port = port_.lock(); port && OnApplicationLoop()) {
      port->RemoveServingLoop(io_);
    }
    // Keep the kernel's drop count readable after the socket is gone.
    dropped_by_kernel_.store(KernelDrops(), std::memory_order_relaxed);
    // Holding mutex_ means no drain is running; a pending wait completes
    // with operation_aborted and finds the socket closed.
    if (readiness_) readiness_->Release();
    WriterLock fd_lock(fd_mutex_);  // waits for sends in flight
    if (fd_ >= 0) sys::close(fd_);
    fd_ = -1;
    state_ = State::kClosed;
  }
  // Cancelled outside mutex_, which a running listener may be waiting for.
  if (rejoin) rejoin->Cancel();
}

// The kernel's count of datagrams it dropped for this socket (receive buffer
// full). Read on demand with SO_MEMINFO rather than SO_RXQ_OVFL, which would
// add a control message to every datagram received.
std::uint64_t SocketImpl::KernelDrops() const {
  ReaderLock lock(fd_mutex_);
  if (fd_ < 0) return dropped_by_kernel_.load(std::memory_order_relaxed);
  std::uint32_t info[SK_MEMINFO_VARS] = {};
  socklen_t length = sizeof info;
  if (sys::getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, info, &length) != 0 ||
      length < sizeof(std::uint32_t) * (SK_MEMINFO_DROPS + 1)) {
    return dropped_by_kernel_.load(std::memory_order_relaxed);
  }
  return info[SK_MEMINFO_DROPS];
}

SocketStatistics SocketImpl::Statistics() const {
  SocketStatistics s;
  s.received = counters_.received.load(std::memory_order_relaxed);
  s.delivered = counters_.delivered.load(std::memory_order_relaxed);
  s.dropped_by_port = counters_.dropped_by_port.load(std::memory_order_relaxed);
  s.truncated = counters_.truncated.load(std::memory_order_relaxed);
  s.dropped_by_kernel = KernelDrops();
  s.receive_errors = counters_.receive_errors.load(std::memory_order_relaxed);
  s.sent = sent_.load(std::memory_order_relaxed);
  s.send_errors = send_errors_.load(std::memory_order_relaxed);
  s.rejoin_errors = rejoin_errors_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace ro::detail
