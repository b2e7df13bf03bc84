// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The legacy roDatagramSender / roDatagramReceiver objects, as thin wrappers
// over ro::DatagramSocket.

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include <ro/datagram_receiver.hpp>
#include <ro/datagram_sender.hpp>
#include <ro/datagram_socket.hpp>

#include "address.hpp"
#include "interfaces.hpp"
#include "mutex.hpp"
#include "object_core.hpp"
#include "text.hpp"

namespace ro {
namespace detail {
namespace {

constexpr std::string_view kAllSubnets = "BCAST-LOCAL-SUBNETS";
constexpr std::string_view kSubnetPrefix = "BCAST-SUBNET-";

// One interface that broadcast names can reach, with the broadcast address
// of each of its IPv4 subnets.
struct BroadcastInterface {
  std::string name;
  std::vector<std::string> broadcasts;
};

// The broadcast address of one IPv4 address: as configured, or, when none
// is configured, address | ~netmask. Empty for /31 and /32 subnets, which
// have none.
std::string BroadcastOf(const InterfaceAddress& a) {
  in_addr broadcast{};
  if (a.broadcast.family == AF_INET) {
    broadcast = a.broadcast.V4Address();
  } else if (a.netmask.family == AF_INET) {
    const std::uint32_t mask = ntohl(a.netmask.V4Address().s_addr);
    if ((~mask) <= 1U) return {};
    broadcast.s_addr = htonl(ntohl(a.address.V4Address().s_addr) | ~mask);
  } else {
    return {};
  }
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &broadcast, text, sizeof text);
  return text;
}

// Interfaces that are up, have IFF_BROADCAST, are not loopbacks and have an
// IPv4 subnet, in interface-index order: the numbering of BCAST-SUBNET-n.
Status BroadcastInterfaces(std::vector<BroadcastInterface>& out) {
  std::vector<NetworkInterface> links;
  if (Status s = ListInterfaces(links); !s.ok()) return s;
  out.clear();
  for (const NetworkInterface& link : links) {
    if (!link.Up() || (link.flags & IFF_BROADCAST) == 0 || (link.flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    BroadcastInterface entry;
    entry.name = link.name;
    for (const InterfaceAddress& a : link.addresses) {
      if (a.address.family != AF_INET) continue;
      const std::string broadcast = BroadcastOf(a);
      if (!broadcast.empty() && std::find(entry.broadcasts.begin(), entry.broadcasts.end(),
                                          broadcast) == entry.broadcasts.end()) {
        entry.broadcasts.push_back(broadcast);
      }
    }
    if (!entry.broadcasts.empty()) out.push_back(std::move(entry));
  }
  return {};
}

std::string Numbering(const std::vector<BroadcastInterface>& interfaces) {
  if (interfaces.empty()) {
    return "no interface is up with IFF_BROADCAST and an IPv4 subnet (loopback excluded)";
  }
  std::string text = "the broadcast interfaces now are";
  for (std::size_t n = 0; n < interfaces.size(); ++n) {
    text += fmt::format("{} {} = {}", n == 0 ? "" : ",", n, interfaces[n].name);
  }
  return text;
}

}  // namespace

class SenderImpl {
 public:
  // SO_BROADCAST is remembered by the socket and set on the kernel socket
  // it creates later: the vendor's sender broadcasts without an opt-in.
  SenderImpl() { socket_.SetBroadcast(true); }

  ObjectCore& Core() noexcept { return core_; }

  Status SetDestination(std::string_view host, int port) RO_EXCLUDES(mutex_) {
    const std::string call = fmt::format("SetDestination({}, {})", Quote(host), port);
    if (port < 1 || port > 65535) {
      return Status::Failure(-EINVAL,
                             fmt::format("{}: the port {} is outside 1..65535", call, port));
    }
    Destination next;
    next.host = std::string(host);
    next.port = port;
    std::string why;
    if (host == kAllSubnets) {
      next.kind = Kind::kAllSubnets;
    } else if (host.substr(0, kSubnetPrefix.size()) == kSubnetPrefix) {
      const std::string_view digits = host.substr(kSubnetPrefix.size());
      const char* end = digits.data() + digits.size();
      constexpr std::size_t kMaxDigits = 6;
      const auto parsed = std::from_chars(digits.data(), end, next.subnet);
      if (digits.empty() || digits.size() > kMaxDigits || parsed.ec != std::errc() ||
          parsed.ptr != end || digits.front() == '+' || digits.front() == '-') {
        return Status::Failure(-EINVAL,
                               call + ": expected BCAST-SUBNET- followed by a subnet number");
      }
      next.kind = Kind::kSubnet;
    } else if (Endpoint parsed; ParseHost(host, port, parsed, why)) {
      next.kind = Kind::kHost;
    } else {
      return Status::Failure(
          -EINVAL, fmt::format("{}: {} is not a valid destination: {}; use a numeric address, "
                               "\"localhost\", \"BCAST-LOCAL-SUBNETS\" or \"BCAST-SUBNET-n\"",
                               call, Quote(host), why));
    }
    MutexLock lock(mutex_);
    destination_ = std::move(next);
    return {};
  }

  Status Send(std::string_view packet) RO_EXCLUDES(mutex_) {
    Destination destination;
    {
      // A copy: concurrent Sends do not hold the lock while they send.
      MutexLock lock(mutex_);
      destination = destination_;
    }
    if (destination.kind == Kind::kNone) {
      return Status::Failure(
          -EDESTADDRREQ, fmt::format("Send of {} bytes: no destination; call SetDestination first",
                                     packet.size()));
    }
    if (destination.kind == Kind::kHost) return SendOne(destination.host, destination.port, packet);
    const std::string call =
        fmt::format("Send of {} bytes to {}:{}", packet.size(), destination.host, destination.port);
    std::vector<BroadcastInterface> interfaces;
    if (Status s = BroadcastInterfaces(interfaces); !s.ok()) return std::move(s).Within(call);
    std::vector<std::string> targets;
    if (destination.kind == Kind::kAllSubnets) {
      for (const BroadcastInterface& i : interfaces) {
        targets.insert(targets.end(), i.broadcasts.begin(), i.broadcasts.end());
      }
    } else if (static_cast<std::size_t>(destination.subnet) < interfaces.size()) {
      targets = interfaces[static_cast<std::size_t>(destination.subnet)].broadcasts;
    }
    if (targets.empty()) {
      // The players' "network is not up" (DatagramSocket::kNetworkNotUp).
      return Status::Failure(
          DatagramSocket::kNetworkNotUp,
          fmt::format("{}: no matching broadcast subnet; {}", call, Numbering(interfaces)));
    }
    Status result;
    for (const std::string& target : targets) {
      Status one = SendOne(target, destination.port, packet);
      if (result.ok()) result = std::move(one);
    }
    return result;
  }

  Status SetSourcePort(int port) {
    if (socket_.BindToLocalPort(port)) return {};
    return Status::Failure(socket_.GetFailureCode(), fmt::format("SetSourcePort({}) failed: {}",
                                                                 port, socket_.GetFailureReason()));
  }

  int SourcePort() const { return socket_.GetLocalPort(); }

 private:
  enum class Kind { kNone, kHost, kAllSubnets, kSubnet };

  struct Destination {
    Kind kind = Kind::kNone;
    std::string host;  // as given to SetDestination
    int port = 0;
    int subnet = 0;  // n of BCAST-SUBNET-n
  };

  Status SendOne(const std::string& host, int port, std::string_view packet) {
    const int rc = socket_.SendTo(host, port, packet);
    // The socket's reason (this thread's) names the address and the cause.
    return rc == 0 ? Status() : Status::Failure(rc, socket_.GetFailureReason());
  }

  ObjectCore core_;
  DatagramSocket socket_;
  Mutex mutex_;
  Destination destination_ RO_GUARDED_BY(mutex_);
};

}  // namespace detail

namespace {
constexpr const char* kMovedFromSender =
    "DatagramSender: this object was moved from; it no longer has a socket";
}  // namespace

DatagramSender::DatagramSender() : impl_(std::make_unique<detail::SenderImpl>()) {}
DatagramSender::~DatagramSender() = default;
DatagramSender::DatagramSender(DatagramSender&& other) noexcept = default;
DatagramSender& DatagramSender::operator=(DatagramSender&& other) noexcept = default;

bool DatagramSender::SetDestination(std::string_view host, int port) {
  return impl_ && impl_->Core().RecordOk(impl_->SetDestination(host, port));
}

int DatagramSender::Send(std::string_view packet) {
  return impl_ ? impl_->Core().Record(impl_->Send(packet)) : -EBADF;
}

int DatagramSender::Send(const ByteArray& packet) { return Send(packet.View()); }

bool DatagramSender::SetSourcePort(int port) {
  return impl_ && impl_->Core().RecordOk(impl_->SetSourcePort(port));
}

int DatagramSender::GetSourcePort() const { return impl_ ? impl_->SourcePort() : 0; }

std::string DatagramSender::GetFailureReason() const {
  return impl_ ? impl_->Core().FailureReason() : kMovedFromSender;
}

int DatagramSender::GetFailureCode() const { return impl_ ? impl_->Core().FailureCode() : -EBADF; }

void DatagramSender::SetUserData(UserData data) {
  if (impl_) impl_->Core().SetUserData(std::move(data));
}

UserData DatagramSender::GetUserData() const {
  return impl_ ? impl_->Core().GetUserData() : UserData{};
}

int DatagramSender::GetIdentity() const { return impl_ ? impl_->Core().Identity() : 0; }

DatagramReceiver::DatagramReceiver(int port) {
  // A failed bind keeps its reason in the socket (GetFailureReason()).
  (void)socket_.BindToLocalPort(port);
}

DatagramReceiver::~DatagramReceiver() = default;
DatagramReceiver::DatagramReceiver(DatagramReceiver&& other) noexcept = default;
DatagramReceiver& DatagramReceiver::operator=(DatagramReceiver&& other) noexcept = default;

void DatagramReceiver::SetPort(const MessagePort& port) { socket_.SetPort(port); }

void DatagramReceiver::SetUserData(UserData data) { socket_.SetUserData(std::move(data)); }

UserData DatagramReceiver::GetUserData() const { return socket_.GetUserData(); }

int DatagramReceiver::GetIdentity() const { return socket_.GetIdentity(); }

int DatagramReceiver::GetLocalPort() const { return socket_.GetLocalPort(); }

std::string DatagramReceiver::GetFailureReason() const { return socket_.GetFailureReason(); }

int DatagramReceiver::GetFailureCode() const { return socket_.GetFailureCode(); }

}  // namespace ro
