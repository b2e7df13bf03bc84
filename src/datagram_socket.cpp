// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <fmt/core.h>

#include <ro/asio.hpp>
#include <ro/datagram_socket.hpp>

#include "address.hpp"
#include "datagram_event_factory.hpp"
#include "hotplug_monitor.hpp"
#include "port_state.hpp"
#include "reactor.hpp"
#include "sys.hpp"
#include "text.hpp"

#ifndef IPV6_MULTICAST_ALL
#  define IPV6_MULTICAST_ALL 29  // Linux 4.20; older headers lack the name
#endif

namespace ro {
namespace detail {
namespace {

// Datagrams read per recvmmsg call, and at most per reactor wake-up before
// other sockets get their turn (libuv reads 32 per wake-up for the same
// reason: no socket may starve the others).
constexpr unsigned kBatch = 32;
constexpr unsigned kMaxPerWakeup = 4 * kBatch;
// Larger than any UDP payload (65,507 over IPv4, 65,527 over IPv6), so a
// datagram only truncates if it is an IPv6 jumbogram; that is still detected.
constexpr std::size_t kSlotBytes = 65536;
constexpr std::size_t kControlBytes = 128;
// Payload bytes that share one allocation (see datagram_event_factory.hpp).
constexpr std::size_t kBlockPayloadBytes = 16 * 1024;

// Receive buffers shared by every socket drained on one thread: a drain
// copies each datagram out into its right-sized event before the next one.
struct ReceiveScratch {
  ReceiveScratch() : data(new char[kBatch * kSlotBytes]) {
    for (unsigned i = 0; i < kBatch; ++i) {
      iov[i].iov_base = data.get() + i * kSlotBytes;
      iov[i].iov_len = kSlotBytes;
      msghdr& h = msgs[i].msg_hdr;
      h.msg_name = &names[i];
      h.msg_iov = &iov[i];
      h.msg_iovlen = 1;
      h.msg_control = control[i];
    }
  }

  // Resets what the kernel overwrites on each call.
  void Prepare(unsigned count) noexcept {
    for (unsigned i = 0; i < count; ++i) {
      msghdr& h = msgs[i].msg_hdr;
      h.msg_namelen = sizeof names[i];
      h.msg_controllen = kControlBytes;
      h.msg_flags = 0;
    }
  }

  std::unique_ptr<char[]> data;
  mmsghdr msgs[kBatch] = {};
  iovec iov[kBatch] = {};
  sockaddr_in6 names[kBatch] = {};
  alignas(cmsghdr) char control[kBatch][kControlBytes] = {};
  Message batch[kBatch];
};

ReceiveScratch& Scratch() {
  thread_local ReceiveScratch scratch;
  return scratch;
}

// Errors that mean the socket itself is unusable (a library bug, not the
// network); everything else (ICMP-reported errors, memory pressure, ...) is
// counted and the socket keeps receiving (bun#28690).
bool StopsReceiving(int err) {
  return err == EBADF || err == ENOTSOCK || err == EFAULT || err == EINVAL;
}

void SetOption(int fd, int level, int name, int value) {
  // Best effort: an old kernel without IPV6_MULTICAST_ALL (4.20) or with
  // IPv6 restricted still gets a working socket.
  (void)sys::Calls().setsockopt(fd, level, name, &value, sizeof value);
}

// Reads addresses and counters from one received datagram's header.
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

// One interface chosen by the application, by name or by one of its
// addresses. Index 0 with no address means "let the routing table choose".
struct Interface {
  unsigned index = 0;
  in_addr v4_address{};  // the address given, for IP_MULTICAST_IF on IPv4
};

bool ResolveInterface(std::string_view text, Interface& out, std::string& why) {
  if (text.empty() || text == "0.0.0.0" || text == "::") {
    out = {};
    return true;
  }
  Endpoint address;
  std::string not_address;
  if (ParseHost(text, 1, address, not_address) && text != "localhost") {
    ifaddrs* list = nullptr;
    if (sys::Calls().getifaddrs(&list) != 0) {
      why = "cannot list interfaces: " + ErrorText(errno);
      return false;
    }
    for (const ifaddrs* a = list; a != nullptr && out.index == 0; a = a->ifa_next) {
      if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != address.family) continue;
      Endpoint candidate;
      candidate.family = address.family;
      std::memcpy(&candidate.storage, a->ifa_addr,
                  address.family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
      if (SameAddress(candidate, address)) out.index = if_nametoindex(a->ifa_name);
    }
    sys::Calls().freeifaddrs(list);
    if (out.index == 0) {
      why = fmt::format("no interface has the address {}", Quote(text));
      return false;
    }
    if (address.family == AF_INET) out.v4_address = address.V4().sin_addr;
    return true;
  }
  if (text.size() >= IF_NAMESIZE || text.find('\0') != std::string_view::npos) {
    why = fmt::format("{} is neither an interface name nor an address", Quote(text));
    return false;
  }
  const std::string name(text);
  out.index = if_nametoindex(name.c_str());
  if (out.index == 0) {
    why = fmt::format("no interface is called {}", Quote(text));
    return false;
  }
  // Also take the interface's first IPv4 address: with an index alone the
  // kernel may send multicast from 0.0.0.0 (it does on lo, whose 127.0.0.1
  // has host scope), which peers cannot answer.
  ifaddrs* list = nullptr;
  if (sys::Calls().getifaddrs(&list) == 0) {
    for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr != nullptr && a->ifa_addr->sa_family == AF_INET && name == a->ifa_name) {
        out.v4_address = reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr;
        break;
      }
    }
    sys::Calls().freeifaddrs(list);
  }
  return true;
}

// Every interface that is up and multicast-capable, whatever its addresses:
// the vendor joins "on all interfaces that are currently up", and an
// interface whose address comes later must not be skipped.
bool MulticastInterfaces(std::set<unsigned>& indexes, std::string& why) {
  ifaddrs* list = nullptr;
  if (sys::Calls().getifaddrs(&list) != 0) {
    why = "cannot list interfaces: " + ErrorText(errno);
    return false;
  }
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_PACKET) continue;
    if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_MULTICAST) == 0) continue;
    indexes.insert(
        static_cast<unsigned>(reinterpret_cast<const sockaddr_ll*>(a->ifa_addr)->sll_ifindex));
  }
  sys::Calls().freeifaddrs(list);
  return true;
}

// Options the application chose; kept so that a kernel socket created
// later gets them too. -1 means "the kernel's default".
struct SocketOptions {
  bool reuse_address = false;
  bool reuse_port = false;
  bool broadcast = false;
  int multicast_ttl = -1;
  int multicast_loop = -1;
  bool has_multicast_interface = false;
  Interface multicast_interface;
  int receive_buffer = 0;
  bool receive_destination = true;  // IP_PKTINFO / IPV6_RECVPKTINFO
};

int Set(int fd, int level, int name, const void* value, socklen_t length) {
  return sys::Calls().setsockopt(fd, level, name, value, length) == 0 ? 0 : -errno;
}

int SetInt(int fd, int level, int name, int value) {
  return Set(fd, level, name, &value, sizeof value);
}

// Applies `o` to a socket of `family`. Returns 0 or the first -errno. On an
// IPv6 socket the IPv4 multicast options are set too, best effort, for
// IPv4 traffic of the dual-stack socket.
int ApplyOptions(int fd, int family, const SocketOptions& o) {
  const bool v6 = family == AF_INET6;
  int rc = SetInt(fd, SOL_SOCKET, SO_REUSEADDR, o.reuse_address ? 1 : 0);
  if (rc == 0) rc = SetInt(fd, SOL_SOCKET, SO_REUSEPORT, o.reuse_port ? 1 : 0);
  if (rc == 0) rc = SetInt(fd, SOL_SOCKET, SO_BROADCAST, o.broadcast ? 1 : 0);
  if (rc == 0 && o.receive_buffer > 0) rc = SetInt(fd, SOL_SOCKET, SO_RCVBUF, o.receive_buffer);
  if (rc == 0) {
    const int on = o.receive_destination ? 1 : 0;
    rc = SetInt(fd, IPPROTO_IP, IP_PKTINFO, on);  // also IPv4 traffic of a dual-stack socket
    if (rc == 0 && v6) rc = SetInt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, on);
  }
  if (rc == 0 && o.multicast_ttl >= 0) {
    rc = v6 ? SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, o.multicast_ttl)
            : SetInt(fd, IPPROTO_IP, IP_MULTICAST_TTL, o.multicast_ttl);
    if (v6) (void)SetInt(fd, IPPROTO_IP, IP_MULTICAST_TTL, o.multicast_ttl);
  }
  if (rc == 0 && o.multicast_loop >= 0) {
    rc = v6 ? SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, o.multicast_loop)
            : SetInt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, o.multicast_loop);
    if (v6) (void)SetInt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, o.multicast_loop);
  }
  if (rc == 0 && o.has_multicast_interface) {
    ip_mreqn request{};
    request.imr_address = o.multicast_interface.v4_address;
    request.imr_ifindex = static_cast<int>(o.multicast_interface.index);
    if (v6) {
      rc = SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF,
                  static_cast<int>(o.multicast_interface.index));
      (void)Set(fd, IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request);
    } else {
      rc = Set(fd, IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request);
    }
  }
  return rc;
}

std::string InterfaceName(unsigned index) {
  char name[IF_NAMESIZE] = {};
  return if_indextoname(index, name) != nullptr ? std::string(name) : std::to_string(index);
}

}  // namespace

class SocketImpl : public std::enable_shared_from_this<SocketImpl> {
 public:
  explicit SocketImpl(asio::io_context& io) : io_(io), identity_(NextIdentity()) {}

  ~SocketImpl() {
    // The owner calls Close(); this is only reached with the socket closed,
    // or never opened.
    if (socket_) {
      asio::error_code ignored;
      socket_->close(ignored);
    }
  }

  SocketImpl(const SocketImpl&) = delete;
  SocketImpl& operator=(const SocketImpl&) = delete;

  int Identity() const noexcept { return identity_; }
  int LocalPort() const noexcept { return local_port_.load(std::memory_order_relaxed); }

  void SetPort(const MessagePort& port) {
    std::lock_guard<std::mutex> lock(mutex_);
    port_ = PortAccess::State(port);
    has_port_ = PortAccess::State(port) != nullptr;
    StartReceivingLocked();
  }

  bool BindToLocalPort(int port) {
    return Bind(fmt::format("BindToLocalPort({})", port), std::nullopt, port);
  }

  bool BindToLocalAddress(std::string_view address, int port) {
    const std::string call = fmt::format("BindToLocalAddress({}, {})", Quote(address), port);
    Endpoint local;
    std::string why;
    if (port >= 0 && port <= 65535 && !ParseHost(address, port, local, why)) {
      return Refuse(fmt::format("{}: {} is not a valid address: {}", call, Quote(address), why));
    }
    return Bind(call, local, port);
  }

  int SendTo(std::string_view host, int port, const char* data, std::size_t size) {
    const int rc = Send(host, port, data, size);
    if (rc < 0) send_errors_.fetch_add(1, std::memory_order_relaxed);
    return rc;
  }

  int Send(std::string_view host, int port, const char* data, std::size_t size) {
    const auto call = [&] {
      return fmt::format("SendTo({}, {}) of {} bytes", Quote(host), port, size);
    };
    if (port < 1 || port > 65535) {
      return Fail(fmt::format("{}: the port {} is outside 1..65535", call(), port), -EINVAL);
    }
    Endpoint destination;
    std::string why;
    if (!ParseHost(host, port, destination, why)) {
      return Fail(fmt::format("{}: {} is not a valid host: {}", call(), Quote(host), why), -EINVAL);
    }
    for (;;) {
      {
        // Shared: concurrent senders do not serialise on the library.
        std::shared_lock<std::shared_mutex> lock(send_mutex_);
        if (send_fd_ >= 0) return SendLocked(destination, data, size, call);
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (closed_) return Fail(call() + ": the socket is closed", -EBADF);
      if (!socket_) {
        if (const int rc = OpenLocked(destination.family); rc < 0) {
          return Fail(fmt::format("{}: cannot create a socket: {}", call(), ErrorText(-rc)), rc);
        }
      }
      // Bind an ephemeral port now rather than letting sendto() do it, so
      // that replies are received from the first datagram on.
      if (!bound_) {
        if (const int rc = BindLocked(AnyEndpoint(family_, 0)); rc < 0) {
          return Fail(fmt::format("{}: cannot bind an ephemeral port: {}", call(), ErrorText(-rc)),
                      rc);
        }
        StartReceivingLocked();
      }
    }
  }

  bool JoinMulticastGroup(std::string_view group) {
    return Join(group, std::nullopt, fmt::format("JoinMulticastGroup({})", Quote(group)));
  }

  bool JoinMulticastGroup(std::string_view group, std::string_view interface) {
    return Join(group, interface,
                fmt::format("JoinMulticastGroup({}, {})", Quote(group), Quote(interface)));
  }

  bool LeaveMulticastGroup(std::string_view group) {
    const std::string call = fmt::format("LeaveMulticastGroup({})", Quote(group));
    Endpoint address;
    if (!ParseGroup(group, address, call)) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return Refuse(call + ": the socket is closed");
    const auto joined = std::find_if(groups_.begin(), groups_.end(),
                                     [&](const Endpoint& g) { return SameAddress(g, address); });
    if (joined == groups_.end()) return Refuse(call + ": this socket has not joined that group");
    groups_.erase(joined);
    const int fd = socket_->native_handle();
    for (auto it = memberships_.begin(); it != memberships_.end();) {
      if (SameAddress(it->first, address)) {
        // An interface that vanished took the membership with it; nothing
        // is left to drop there.
        (void)Membership(fd, address, it->second, false);
        it = memberships_.erase(it);
      } else {
        ++it;
      }
    }
    return true;
  }

  bool SetAutoRejoin(bool enable) {
    std::shared_ptr<HotplugMonitor> monitor;
    if (enable) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_) return Refuse("SetAutoRejoin(true): the socket is closed");
        if (rejoin_monitor_) return true;
      }
      // Started outside mutex_: the monitor's callback takes mutex_.
      monitor = std::make_shared<HotplugMonitor>(io_);
      monitor->SetListener([weak = weak_from_this()](const std::vector<LinkChange>& changes) {
        if (auto self = weak.lock()) self->OnLinksChanged(changes);
      });
      if (!monitor->Start()) return Refuse("SetAutoRejoin(true): " + monitor->FailureReason());
      std::lock_guard<std::mutex> lock(mutex_);
      if (!closed_ && !rejoin_monitor_) {
        rejoin_monitor_ = std::move(monitor);
        // Interfaces that attached between the joins and now raised no
        // change for the monitor: join them here, once.
        std::set<unsigned> indexes;
        std::string ignored;
        if (socket_ && MulticastInterfaces(indexes, ignored)) {
          for (const Endpoint& group : groups_) JoinOnLocked(group, indexes, ignored);
        }
        return true;
      }
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      monitor = std::move(rejoin_monitor_);
    }
    if (monitor) monitor->Stop();
    return true;
  }

  bool SetMulticastTTL(int ttl) {
    const std::string call = fmt::format("SetMulticastTTL({})", ttl);
    if (ttl < 0 || ttl > 255) return Refuse(call + ": the TTL must be in 0..255");
    return SetSocketOption(call, [&](SocketOptions& o) { o.multicast_ttl = ttl; });
  }

  bool SetMulticastLoop(bool enable) {
    return SetSocketOption(fmt::format("SetMulticastLoop({})", enable),
                           [&](SocketOptions& o) { o.multicast_loop = enable ? 1 : 0; });
  }

  bool SetMulticastInterface(std::string_view interface) {
    const std::string call = fmt::format("SetMulticastInterface({})", Quote(interface));
    Interface chosen;
    std::string why;
    if (!ResolveInterface(interface, chosen, why)) return Refuse(call + ": " + why);
    return SetSocketOption(call, [&](SocketOptions& o) {
      o.multicast_interface = chosen;
      o.has_multicast_interface = true;
    });
  }

  bool SetReceiveDestination(bool enable) {
    return SetSocketOption(fmt::format("SetReceiveDestination({})", enable),
                           [&](SocketOptions& o) { o.receive_destination = enable; });
  }

  bool SetBroadcast(bool enable) {
    return SetSocketOption(fmt::format("SetBroadcast({})", enable),
                           [&](SocketOptions& o) { o.broadcast = enable; });
  }

  bool SetReuseAddress(bool enable) {
    return SetBeforeBind(fmt::format("SetReuseAddress({})", enable),
                         [&](SocketOptions& o) { o.reuse_address = enable; });
  }

  bool SetReusePort(bool enable) {
    return SetBeforeBind(fmt::format("SetReusePort({})", enable),
                         [&](SocketOptions& o) { o.reuse_port = enable; });
  }

  bool SetReceiveBufferSize(int bytes) {
    const std::string call = fmt::format("SetReceiveBufferSize({})", bytes);
    if (bytes <= 0) return Refuse(call + ": the size must be positive");
    return SetSocketOption(call, [&](SocketOptions& o) { o.receive_buffer = bytes; });
  }

  int ReceiveBufferSize() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!socket_ || closed_) return 0;
    int value = 0;
    socklen_t length = sizeof value;
    if (sys::Calls().getsockopt(socket_->native_handle(), SOL_SOCKET, SO_RCVBUF, &value, &length) !=
        0) {
      return 0;
    }
    return value;
  }

  std::string FailureReason() const {
    std::lock_guard<std::mutex> lock(reason_mutex_);
    return reason_;
  }

  void SetUserData(UserData data) {
    auto shared = data.has_value() ? std::make_shared<const UserData>(std::move(data)) : nullptr;
    std::lock_guard<std::mutex> lock(user_data_mutex_);
    user_data_ = std::move(shared);
  }

  UserData GetUserData() const {
    std::lock_guard<std::mutex> lock(user_data_mutex_);
    return user_data_ ? *user_data_ : UserData{};
  }

  void Close() {
    std::shared_ptr<HotplugMonitor> monitor;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      CloseLocked();
      monitor = std::move(rejoin_monitor_);
    }
    // Stopped outside mutex_, which its callback takes; a callback already
    // running finds the socket closed.
    if (monitor) monitor->Stop();
  }

  void CloseLocked() {
    if (closed_) return;
    closed_ = true;
    // Keep the kernel's drop count readable after the socket is gone.
    dropped_by_kernel_.store(KernelDrops(), std::memory_order_relaxed);
    {
      std::unique_lock<std::shared_mutex> send_lock(send_mutex_);
      send_fd_ = -1;
    }
    // Holding mutex_ means no drain is running; a pending wait completes
    // with operation_aborted and sees closed_.
    if (socket_) {
      asio::error_code ignored;
      socket_->close(ignored);
    }
  }

  // The kernel's count of datagrams it dropped for this socket (receive
  // buffer full). Read on demand with SO_MEMINFO rather than SO_RXQ_OVFL,
  // which would add a control message to every datagram received.
  std::uint64_t KernelDrops() const {
    std::shared_lock<std::shared_mutex> lock(send_mutex_);
    if (send_fd_ < 0) return dropped_by_kernel_.load(std::memory_order_relaxed);
    std::uint32_t info[SK_MEMINFO_VARS] = {};
    socklen_t length = sizeof info;
    if (sys::Calls().getsockopt(send_fd_, SOL_SOCKET, SO_MEMINFO, info, &length) != 0 ||
        length < sizeof(std::uint32_t) * (SK_MEMINFO_DROPS + 1)) {
      return dropped_by_kernel_.load(std::memory_order_relaxed);
    }
    return info[SK_MEMINFO_DROPS];
  }

  SocketStatistics Statistics() const {
    SocketStatistics s;
    s.received = received_.load(std::memory_order_relaxed);
    s.delivered = delivered_.load(std::memory_order_relaxed);
    s.dropped_by_port = dropped_by_port_.load(std::memory_order_relaxed);
    s.truncated = truncated_.load(std::memory_order_relaxed);
    s.dropped_by_kernel = KernelDrops();
    s.receive_errors = receive_errors_.load(std::memory_order_relaxed);
    s.sent = sent_.load(std::memory_order_relaxed);
    s.send_errors = send_errors_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  // Records `reason` and returns `code` (for one-line failure returns).
  int Fail(std::string reason, int code) {
    std::lock_guard<std::mutex> lock(reason_mutex_);
    reason_ = std::move(reason);
    return code;
  }

  // Records `reason` and returns false (for the Boolean calls).
  bool Refuse(std::string reason) {
    Fail(std::move(reason), 0);
    return false;
  }

  template <class Call>
  int SendLocked(const Endpoint& destination, const char* data, std::size_t size,
                 const Call& call) {
    const Endpoint* target = &destination;
    Endpoint mapped;
    if (destination.family != send_family_) {
      if (send_family_ == AF_INET) {
        return Fail(call() +
                        ": this socket is IPv4 (bound by BindToLocalPort); an IPv6 "
                        "destination needs an IPv6 socket",
                    -EAFNOSUPPORT);
      }
      mapped = MapToV6(destination);
      target = &mapped;
    }
    ssize_t rc = 0;
    do {
      rc = sys::Calls().sendto(send_fd_, data, size, MSG_NOSIGNAL, target->Address(),
                               target->length);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
      const int err = errno;
      std::string hint;
      if (err == EMSGSIZE) {
        // The caller's family, not the socket's: an IPv4 peer of a
        // dual-stack socket still has the IPv4 limit.
        hint = fmt::format("; the UDP maximum is {} bytes over IPv{}",
                           destination.family == AF_INET ? 65507 : 65527,
                           destination.family == AF_INET ? 4 : 6);
      }
      return Fail(fmt::format("{} failed: {}{}", call(), ErrorText(err), hint), -err);
    }
    sent_.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }

  // Creates the kernel socket. Returns 0 or -errno.
  int OpenLocked(int family) {
    auto& sys = sys::Calls();
    const int fd = sys.socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) return -errno;
    if (family == AF_INET6) {
      // Dual stack: an IPv6 socket also reaches IPv4 peers (as ::ffff:a.b.c.d).
      SetOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
      SetOption(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
    }
    // Linux delivers every group joined by *any* socket on the port unless
    // this is off; a socket should hear only the groups it joined itself.
    SetOption(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0);
    if (const int rc = ApplyOptions(fd, family, options_); rc < 0) {
      sys.close(fd);
      return rc;
    }
    socket_.emplace(io_);
    asio::error_code ec;
    socket_->assign(family == AF_INET ? asio::ip::udp::v4() : asio::ip::udp::v6(), fd, ec);
    if (ec) {
      socket_.reset();
      sys.close(fd);
      return -ec.value();
    }
    family_ = family;
    return 0;
  }

  // Binds to `local`. Returns 0 or -errno.
  int BindLocked(const Endpoint& local) {
    auto& sys = sys::Calls();
    const int fd = socket_->native_handle();
    if (sys.bind(fd, local.Address(), local.length) != 0) return -errno;
    sockaddr_in6 bound{};
    socklen_t length = sizeof bound;
    if (sys.getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return -errno;
    // sin_port and sin6_port sit at the same offset.
    local_port_.store(ntohs(bound.sin6_port), std::memory_order_relaxed);
    bound_ = true;
    std::unique_lock<std::shared_mutex> send_lock(send_mutex_);
    send_fd_ = fd;
    send_family_ = family_;
    return 0;
  }

  // The bind both Bind* calls share: to `local`, or to the wildcard address
  // of the socket's family (IPv4 for a new socket) when there is none.
  bool Bind(const std::string& call, const std::optional<Endpoint>& local, int port) {
    if (port < 0 || port > 65535) return Refuse(call + ": the port must be in 0..65535");
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return Refuse(call + ": the socket is closed");
    if (bound_) {
      return Refuse(fmt::format("{}: the socket is already bound to port {}", call, LocalPort()));
    }
    if (!socket_) {
      if (const int rc = OpenLocked(local ? local->family : AF_INET); rc < 0) {
        return Refuse(fmt::format("{}: cannot create a socket: {}", call, ErrorText(-rc)));
      }
    } else if (local && local->family != family_) {
      return Refuse(
          fmt::format("{}: the socket is already IPv{}", call, family_ == AF_INET ? 4 : 6));
    }
    if (const int rc = BindLocked(local ? *local : AnyEndpoint(family_, port)); rc < 0) {
      return Refuse(fmt::format("{} failed: {}{}", call, ErrorText(-rc), ReuseHint(-rc)));
    }
    StartReceivingLocked();
    return true;
  }

  bool ParseGroup(std::string_view group, Endpoint& address, const std::string& call) {
    std::string why;
    if (!ParseHost(group, 1, address, why) || group == "localhost") {
      return Refuse(call + ": not an IPv4 or IPv6 address");
    }
    if (!IsMulticast(address)) {
      return Refuse(call + ": not a multicast address (224.0.0.0/4 or ff00::/8)");
    }
    return true;
  }

  bool Join(std::string_view group, std::optional<std::string_view> interface,
            const std::string& call) {
    Endpoint address;
    if (!ParseGroup(group, address, call)) return false;
    // Interfaces are listed under mutex_: the auto-rejoin callback also takes
    // it, so a link that attaches meanwhile is either in this list or handled
    // by the callback once the group is remembered.
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return Refuse(call + ": the socket is closed");
    std::set<unsigned> indexes;
    std::string why;
    if (interface) {
      Interface chosen;
      if (!ResolveInterface(*interface, chosen, why)) return Refuse(call + ": " + why);
      if (chosen.index == 0) return Refuse(call + ": name one interface");
      indexes.insert(chosen.index);
    } else if (!MulticastInterfaces(indexes, why)) {
      return Refuse(call + ": " + why);
    }
    if (indexes.empty()) return Refuse(call + ": no interface is up and multicast-capable");
    if (!socket_) {
      if (const int rc = OpenLocked(address.family); rc < 0) {
        return Refuse(fmt::format("{}: cannot create a socket: {}", call, ErrorText(-rc)));
      }
    }
    if (address.family == AF_INET6 && family_ == AF_INET) {
      return Refuse(call + ": this socket is IPv4; an IPv6 group needs an IPv6 socket");
    }
    std::string failures;
    const std::size_t member = JoinOnLocked(address, indexes, failures);
    if (member == 0) return Refuse(fmt::format("{} failed on every interface: {}", call, failures));
    const bool known = std::any_of(groups_.begin(), groups_.end(),
                                   [&](const Endpoint& g) { return SameAddress(g, address); });
    if (!known) groups_.push_back(address);
    return true;
  }

  // Joins `group` on each of `indexes`; returns on how many it is a member,
  // and describes the failures.
  std::size_t JoinOnLocked(const Endpoint& group, const std::set<unsigned>& indexes,
                           std::string& failures) {
    const int fd = socket_->native_handle();
    std::size_t member = 0;
    for (const unsigned index : indexes) {
      if (const int rc = Membership(fd, group, index, true); rc == 0) {
        ++member;
        RememberLocked(group, index);
      } else {
        failures += fmt::format("{}{}: {}", failures.empty() ? "" : "; ", InterfaceName(index),
                                ErrorText(-rc));
      }
    }
    return member;
  }

  void RememberLocked(const Endpoint& group, unsigned index) {
    for (const auto& [g, i] : memberships_) {
      if (i == index && SameAddress(g, group)) return;
    }
    memberships_.emplace_back(group, index);
  }

  // Joins or leaves `group` on interface `index`. Returns 0 or -errno; a
  // join that finds the socket already a member succeeds (re-joins after
  // hotplug are idempotent).
  static int Membership(int fd, const Endpoint& group, unsigned index, bool join) {
    int rc = 0;
    if (group.family == AF_INET) {
      ip_mreqn request{};
      request.imr_multiaddr = reinterpret_cast<const sockaddr_in*>(&group.storage)->sin_addr;
      request.imr_ifindex = static_cast<int>(index);
      rc = sys::Calls().setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
                                   &request, sizeof request);
    } else {
      ipv6_mreq request{};
      request.ipv6mr_multiaddr = group.storage.sin6_addr;
      request.ipv6mr_interface = index;
      rc = sys::Calls().setsockopt(fd, IPPROTO_IPV6,
                                   join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &request,
                                   sizeof request);
    }
    if (rc == 0 || (join && errno == EADDRINUSE)) return 0;
    return -errno;
  }

  // Hotplug callback (reactor thread): join every remembered group on each
  // interface that became usable.
  void OnLinksChanged(const std::vector<LinkChange>& changes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_ || !socket_) return;
    const int fd = socket_->native_handle();
    for (const LinkChange& change : changes) {
      const auto index = static_cast<unsigned>(change.index);
      if (!change.attached) {
        memberships_.erase(std::remove_if(memberships_.begin(), memberships_.end(),
                                          [&](const auto& m) { return m.second == index; }),
                           memberships_.end());
        continue;
      }
      if (!change.multicast) continue;
      for (const Endpoint& group : groups_) {
        if (const int rc = Membership(fd, group, index, true); rc == 0) {
          RememberLocked(group, index);
        } else {
          Refuse(fmt::format("automatic re-join on {} failed: {}", change.name, ErrorText(-rc)));
        }
      }
    }
  }

  // Changes an option now if the kernel socket exists, and in any case for
  // the socket created later.
  template <class Change>
  bool SetSocketOption(const std::string& call, const Change& change) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return Refuse(call + ": the socket is closed");
    SocketOptions next = options_;
    change(next);
    if (socket_) {
      if (const int rc = ApplyOptions(socket_->native_handle(), family_, next); rc < 0) {
        return Refuse(fmt::format("{} failed: {}", call, ErrorText(-rc)));
      }
    }
    options_ = next;
    return true;
  }

  template <class Change>
  bool SetBeforeBind(const std::string& call, const Change& change) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closed_) return Refuse(call + ": the socket is closed");
      if (bound_) return Refuse(call + ": must be called before the socket is bound");
    }
    return SetSocketOption(call, change);
  }

  static std::string ReuseHint(int err) {
    return err == EADDRINUSE ? "; sockets that share a port must all call SetReuseAddress(true) "
                               "before binding"
                             : "";
  }

  void StartReceivingLocked() {
    if (closed_ || !bound_ || !has_port_ || receiving_) return;
    receiving_ = true;
    // The first drain runs on the reactor thread, like every later one: an
    // edge-triggered readiness that fired before anyone waited is not lost,
    // because the drain reads until the socket is empty before waiting.
    asio::post(io_, [self = shared_from_this()] { self->OnReadable({}); });
    Reactor::Instance().EnsureRunning();
  }

  void OnReadable(const asio::error_code& ec) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_ || ec) {
      receiving_ = false;
      return;
    }
    auto self = shared_from_this();
    switch (DrainLocked()) {
      case Drain::kMore:
        asio::post(io_, [self] { self->OnReadable({}); });
        break;
      case Drain::kEmpty:
        socket_->async_wait(asio::ip::udp::socket::wait_read,
                            [self](const asio::error_code& e) { self->OnReadable(e); });
        break;
      case Drain::kBroken:
        receiving_ = false;
        break;
    }
  }

  enum class Drain { kEmpty, kMore, kBroken };

  // Reads what the kernel has queued, up to kMaxPerWakeup datagrams, and
  // posts each recvmmsg batch to the port under one lock with at most one
  // wake-up.
  Drain DrainLocked() {
    ReceiveScratch& scratch = Scratch();
    const int fd = socket_->native_handle();
    const std::shared_ptr<PortState> port = port_.lock();
    std::shared_ptr<const UserData> user_data;
    {
      std::lock_guard<std::mutex> lock(user_data_mutex_);
      user_data = user_data_;
    }
    unsigned budget = kMaxPerWakeup;
    while (budget > 0) {
      const unsigned asked = std::min(kBatch, budget);
      scratch.Prepare(asked);
      int count = 0;
      do {
        count = sys::Calls().recvmmsg(fd, scratch.msgs, asked, MSG_DONTWAIT, nullptr);
      } while (count < 0 && errno == EINTR);
      if (count < 0) {
        const int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK) return Drain::kEmpty;
        receive_errors_.fetch_add(1, std::memory_order_relaxed);
        if (!StopsReceiving(err)) {
          --budget;
          continue;
        }
        Refuse(fmt::format("receive on port {} stopped: {}", LocalPort(), ErrorText(err)));
        return Drain::kBroken;
      }
      budget -= static_cast<unsigned>(count);
      PostBatch(scratch, static_cast<unsigned>(count), port.get(), user_data);
      if (static_cast<unsigned>(count) < asked) return Drain::kEmpty;
    }
    return Drain::kMore;
  }

  void PostBatch(ReceiveScratch& scratch, unsigned count, PortState* port,
                 const std::shared_ptr<const UserData>& user_data) {
    std::size_t made = 0;
    std::uint64_t truncated = 0;
    std::shared_ptr<DatagramEventFactory::Block> block;
    std::size_t block_room = 0;  // events the current block still has space for
    for (unsigned i = 0; i < count; ++i) {
      const mmsghdr& m = scratch.msgs[i];
      DatagramAddresses addresses;
      ParseReceived(m.msg_hdr, addresses);
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
      DatagramEvent* event =
          block->Add(static_cast<const char*>(scratch.iov[i].iov_base), m.msg_len);
      DatagramEventFactory::Describe(*event, addresses, identity_);
      // Shares the block's ownership: the block lives while any of its events does.
      scratch.batch[made++] = Message(block, event);
      --block_room;
    }
    block.reset();
    const std::size_t accepted = port != nullptr ? port->PostBatch(scratch.batch, made) : 0;
    for (std::size_t i = accepted; i < made; ++i) scratch.batch[i].reset();
    received_.fetch_add(count, std::memory_order_relaxed);
    delivered_.fetch_add(accepted, std::memory_order_relaxed);
    dropped_by_port_.fetch_add(count - truncated - accepted, std::memory_order_relaxed);
    if (truncated != 0) truncated_.fetch_add(truncated, std::memory_order_relaxed);
  }

  // How many datagrams from `first` go into the next block, and their
  // payload bytes: as many as fit in kBlockPayloadBytes (at least one), so
  // that an event the application keeps pins little memory.
  static std::size_t PlanBlock(const ReceiveScratch& scratch, unsigned first, unsigned count,
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

  asio::io_context& io_;
  const int identity_;

  // Serialises state changes and the drain; held by the reactor while it
  // posts a batch, which is what lets Close() promise no later deliveries.
  mutable std::mutex mutex_;
  std::optional<asio::ip::udp::socket> socket_;
  std::weak_ptr<PortState> port_;
  int family_ = AF_UNSPEC;
  bool has_port_ = false;
  bool bound_ = false;
  bool closed_ = false;
  bool receiving_ = false;
  SocketOptions options_;
  std::vector<Endpoint> groups_;                            // joined, for re-joins
  std::vector<std::pair<Endpoint, unsigned>> memberships_;  // (group, interface)
  std::shared_ptr<HotplugMonitor> rejoin_monitor_;

  // What SendTo needs, readable under a shared lock.
  mutable std::shared_mutex send_mutex_;
  int send_fd_ = -1;
  int send_family_ = AF_UNSPEC;

  std::atomic<int> local_port_{0};

  mutable std::mutex user_data_mutex_;
  std::shared_ptr<const UserData> user_data_;

  mutable std::mutex reason_mutex_;
  std::string reason_;

  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> dropped_by_port_{0};
  std::atomic<std::uint64_t> truncated_{0};
  std::atomic<std::uint64_t> dropped_by_kernel_{0};  // last count, once closed
  std::atomic<std::uint64_t> receive_errors_{0};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> send_errors_{0};
};

struct SocketAccess {
  static DatagramSocket Make(asio::io_context& io) {
    return DatagramSocket(std::make_shared<SocketImpl>(io));
  }
};

}  // namespace detail

DatagramSocket MakeDatagramSocket(asio::io_context& io) { return detail::SocketAccess::Make(io); }

namespace {
constexpr const char* kMovedFrom =
    "DatagramSocket: this object was moved from; it no longer has a socket";
}  // namespace

DatagramSocket::DatagramSocket()
    : impl_(std::make_shared<detail::SocketImpl>(detail::Reactor::Instance().Context())) {}

DatagramSocket::~DatagramSocket() {
  if (impl_) impl_->Close();
}

DatagramSocket::DatagramSocket(std::shared_ptr<detail::SocketImpl> impl) noexcept
    : impl_(std::move(impl)) {}

DatagramSocket::DatagramSocket(DatagramSocket&& other) noexcept = default;

DatagramSocket& DatagramSocket::operator=(DatagramSocket&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->Close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void DatagramSocket::SetPort(const MessagePort& port) {
  if (impl_) impl_->SetPort(port);
}

bool DatagramSocket::BindToLocalPort(int port) { return impl_ && impl_->BindToLocalPort(port); }

int DatagramSocket::GetLocalPort() const { return impl_ ? impl_->LocalPort() : 0; }

int DatagramSocket::SendTo(std::string_view host, int port, std::string_view packet) {
  return impl_ ? impl_->SendTo(host, port, packet.data(), packet.size()) : -EBADF;
}

int DatagramSocket::SendTo(std::string_view host, int port, const ByteArray& packet) {
  return SendTo(host, port, packet.View());
}

bool DatagramSocket::JoinMulticastGroup(std::string_view group) {
  return impl_ && impl_->JoinMulticastGroup(group);
}

std::string DatagramSocket::GetFailureReason() const {
  return impl_ ? impl_->FailureReason() : kMovedFrom;
}

void DatagramSocket::SetUserData(UserData data) {
  if (impl_) impl_->SetUserData(std::move(data));
}

UserData DatagramSocket::GetUserData() const { return impl_ ? impl_->GetUserData() : UserData{}; }

int DatagramSocket::GetIdentity() const { return impl_ ? impl_->Identity() : 0; }

void DatagramSocket::Close() {
  if (impl_) impl_->Close();
}

SocketStatistics DatagramSocket::GetStatistics() const {
  return impl_ ? impl_->Statistics() : SocketStatistics{};
}

bool DatagramSocket::JoinMulticastGroup(std::string_view group,
                                        std::string_view interface_name_or_address) {
  return impl_ && impl_->JoinMulticastGroup(group, interface_name_or_address);
}

bool DatagramSocket::LeaveMulticastGroup(std::string_view group) {
  return impl_ && impl_->LeaveMulticastGroup(group);
}

bool DatagramSocket::SetAutoRejoin(bool enable) { return impl_ && impl_->SetAutoRejoin(enable); }

bool DatagramSocket::SetMulticastTTL(int ttl) { return impl_ && impl_->SetMulticastTTL(ttl); }

bool DatagramSocket::SetMulticastLoop(bool enable) {
  return impl_ && impl_->SetMulticastLoop(enable);
}

bool DatagramSocket::SetMulticastInterface(std::string_view interface_name_or_address) {
  return impl_ && impl_->SetMulticastInterface(interface_name_or_address);
}

bool DatagramSocket::SetBroadcast(bool enable) { return impl_ && impl_->SetBroadcast(enable); }

bool DatagramSocket::SetReceiveDestination(bool enable) {
  return impl_ && impl_->SetReceiveDestination(enable);
}

bool DatagramSocket::SetReuseAddress(bool enable) {
  return impl_ && impl_->SetReuseAddress(enable);
}

bool DatagramSocket::SetReusePort(bool enable) { return impl_ && impl_->SetReusePort(enable); }

bool DatagramSocket::BindToLocalAddress(std::string_view address, int port) {
  return impl_ && impl_->BindToLocalAddress(address, port);
}

bool DatagramSocket::SetReceiveBufferSize(int bytes) {
  return impl_ && impl_->SetReceiveBufferSize(bytes);
}

int DatagramSocket::GetReceiveBufferSize() const { return impl_ ? impl_->ReceiveBufferSize() : 0; }

}  // namespace ro
