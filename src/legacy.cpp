// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The legacy roDatagramSender / roDatagramReceiver objects, as thin wrappers
// over ro::DatagramSocket.

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include <ro/datagram_receiver.hpp>
#include <ro/datagram_sender.hpp>
#include <ro/datagram_socket.hpp>

#include "address.hpp"
#include "text.hpp"

namespace ro {
namespace detail {
namespace {

constexpr std::string_view kAllSubnets = "BCAST-LOCAL-SUBNETS";
constexpr std::string_view kSubnetPrefix = "BCAST-SUBNET-";

// One interface that broadcast names can reach, with the broadcast address
// of each of its IPv4 subnets.
struct BroadcastInterface {
  unsigned index = 0;
  std::string name;
  std::vector<std::string> broadcasts;
};

// The broadcast address of one IPv4 address entry: as configured, or, when
// none is configured, address | ~netmask. Empty for /31 and /32 subnets,
// which have none.
std::string BroadcastOf(const ifaddrs& entry) {
  const in_addr address = reinterpret_cast<const sockaddr_in*>(entry.ifa_addr)->sin_addr;
  in_addr broadcast{};
  // Without a configured broadcast address glibc reports the address itself
  // there.
  const auto* configured = reinterpret_cast<const sockaddr_in*>(entry.ifa_broadaddr);
  if (configured != nullptr && configured->sin_family == AF_INET &&
      configured->sin_addr.s_addr != htonl(INADDR_ANY) &&
      configured->sin_addr.s_addr != address.s_addr) {
    broadcast = configured->sin_addr;
  } else if (entry.ifa_netmask != nullptr) {
    const std::uint32_t mask =
        ntohl(reinterpret_cast<const sockaddr_in*>(entry.ifa_netmask)->sin_addr.s_addr);
    if ((~mask) <= 1U) return {};
    broadcast.s_addr = htonl(ntohl(address.s_addr) | ~mask);
  } else {
    return {};
  }
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &broadcast, text, sizeof text);
  return text;
}

// Interfaces that are up, have IFF_BROADCAST, are not loopbacks and have an
// IPv4 subnet, in interface-index order: the numbering of BCAST-SUBNET-n.
bool BroadcastInterfaces(std::vector<BroadcastInterface>& out, std::string& why) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    why = "cannot list interfaces: " + std::generic_category().message(errno);
    return false;
  }
  std::map<unsigned, BroadcastInterface> by_index;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    const unsigned flags = a->ifa_flags;
    if ((flags & IFF_UP) == 0 || (flags & IFF_BROADCAST) == 0 || (flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    // Labelled addresses ("eth0:1") belong to the interface before the colon.
    std::string name = a->ifa_name;
    name = name.substr(0, name.find(':'));
    const unsigned index = if_nametoindex(name.c_str());
    const std::string broadcast = BroadcastOf(*a);
    if (index == 0 || broadcast.empty()) continue;
    BroadcastInterface& entry = by_index[index];
    entry.index = index;
    entry.name = name;
    if (std::find(entry.broadcasts.begin(), entry.broadcasts.end(), broadcast) ==
        entry.broadcasts.end()) {
      entry.broadcasts.push_back(broadcast);
    }
  }
  freeifaddrs(list);
  out.clear();
  for (auto& [index, entry] : by_index) out.push_back(std::move(entry));
  return true;
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

  bool SetDestination(std::string_view host, int port) {
    const auto call = [&] { return fmt::format("SetDestination({}, {})", Quote(host), port); };
    if (port < 1 || port > 65535) {
      return Refuse(fmt::format("{}: the port {} is outside 1..65535", call(), port));
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
        return Refuse(
            fmt::format("{}: expected BCAST-SUBNET- followed by a subnet number", call()));
      }
      next.kind = Kind::kSubnet;
    } else if (Endpoint parsed; ParseHost(host, port, parsed, why)) {
      next.kind = Kind::kHost;
    } else {
      return Refuse(fmt::format(
          "{}: {} is not a valid destination: {}; use a numeric address, \"localhost\", "
          "\"BCAST-LOCAL-SUBNETS\" or \"BCAST-SUBNET-n\"",
          call(), Quote(host), why));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    destination_ = std::move(next);
    return true;
  }

  int Send(std::string_view packet) {
    Destination destination;
    {
      // A copy: concurrent Sends do not hold the lock while they send.
      std::lock_guard<std::mutex> lock(mutex_);
      destination = destination_;
    }
    const auto call = [&] {
      return fmt::format("Send of {} bytes to {}:{}", packet.size(), destination.host,
                         destination.port);
    };
    if (destination.kind == Kind::kNone) {
      return Fail(
          fmt::format("Send of {} bytes: no destination; call SetDestination first", packet.size()),
          -EDESTADDRREQ);
    }
    if (destination.kind == Kind::kHost) {
      return SendOne(destination.host, destination.port, packet);
    }
    std::vector<BroadcastInterface> interfaces;
    std::string why;
    if (!BroadcastInterfaces(interfaces, why)) return Fail(call() + ": " + why, -ENETUNREACH);
    std::vector<std::string> targets;
    if (destination.kind == Kind::kAllSubnets) {
      for (const BroadcastInterface& i : interfaces) {
        targets.insert(targets.end(), i.broadcasts.begin(), i.broadcasts.end());
      }
    } else if (static_cast<std::size_t>(destination.subnet) < interfaces.size()) {
      targets = interfaces[static_cast<std::size_t>(destination.subnet)].broadcasts;
    }
    if (targets.empty()) {
      return Fail(
          fmt::format("{}: no matching broadcast subnet; {}", call(), Numbering(interfaces)),
          -ENETUNREACH);
    }
    int result = 0;
    for (const std::string& target : targets) {
      const int rc = SendOne(target, destination.port, packet);
      if (result == 0) result = rc;
    }
    return result;
  }

  bool SetSourcePort(int port) {
    if (socket_.BindToLocalPort(port)) return true;
    return Refuse(fmt::format("SetSourcePort({}) failed: {}", port, socket_.GetFailureReason()));
  }

  int SourcePort() const { return socket_.GetLocalPort(); }

  std::string FailureReason() const {
    std::lock_guard<std::mutex> lock(reason_mutex_);
    return reason_;
  }

  void SetUserData(UserData data) {
    std::lock_guard<std::mutex> lock(user_data_mutex_);
    user_data_ = std::move(data);
  }

  UserData GetUserData() const {
    std::lock_guard<std::mutex> lock(user_data_mutex_);
    return user_data_;
  }

  int Identity() const { return socket_.GetIdentity(); }

 private:
  enum class Kind { kNone, kHost, kAllSubnets, kSubnet };

  struct Destination {
    Kind kind = Kind::kNone;
    std::string host;  // as given to SetDestination
    int port = 0;
    int subnet = 0;  // n of BCAST-SUBNET-n
  };

  int SendOne(const std::string& host, int port, std::string_view packet) {
    const int rc = socket_.SendTo(host, port, packet);
    // The socket's reason names the address and the cause; it is copied so
    // that GetFailureReason() also covers the sender's own checks.
    return rc == 0 ? 0 : Fail(socket_.GetFailureReason(), rc);
  }

  int Fail(std::string reason, int code) {
    std::lock_guard<std::mutex> lock(reason_mutex_);
    reason_ = std::move(reason);
    return code;
  }

  bool Refuse(std::string reason) {
    Fail(std::move(reason), 0);
    return false;
  }

  DatagramSocket socket_;

  std::mutex mutex_;
  Destination destination_;

  mutable std::mutex reason_mutex_;
  std::string reason_;

  mutable std::mutex user_data_mutex_;
  UserData user_data_;
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
  return impl_ && impl_->SetDestination(host, port);
}

int DatagramSender::Send(std::string_view packet) { return impl_ ? impl_->Send(packet) : -EBADF; }

int DatagramSender::Send(const ByteArray& packet) { return Send(packet.View()); }

bool DatagramSender::SetSourcePort(int port) { return impl_ && impl_->SetSourcePort(port); }

int DatagramSender::GetSourcePort() const { return impl_ ? impl_->SourcePort() : 0; }

std::string DatagramSender::GetFailureReason() const {
  return impl_ ? impl_->FailureReason() : kMovedFromSender;
}

void DatagramSender::SetUserData(UserData data) {
  if (impl_) impl_->SetUserData(std::move(data));
}

UserData DatagramSender::GetUserData() const { return impl_ ? impl_->GetUserData() : UserData{}; }

int DatagramSender::GetIdentity() const { return impl_ ? impl_->Identity() : 0; }

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

}  // namespace ro
