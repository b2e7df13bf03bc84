// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "interfaces.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <fmt/core.h>

#include "sys.hpp"
#include "text.hpp"

namespace ro::detail {
namespace {

Endpoint FromSockaddr(const sockaddr* sa) {
  Endpoint out;
  if (sa == nullptr) return out;
  if (sa->sa_family == AF_INET) {
    std::memcpy(&out.storage, sa, sizeof(sockaddr_in));
    out.length = sizeof(sockaddr_in);
    out.family = AF_INET;
  } else if (sa->sa_family == AF_INET6) {
    std::memcpy(&out.storage, sa, sizeof(sockaddr_in6));
    out.length = sizeof(sockaddr_in6);
    out.family = AF_INET6;
  }
  return out;
}

// glibc reports the address itself where an IPv4 address has no broadcast
// address configured; that is not one.
Endpoint BroadcastOf(const ifaddrs& entry, const Endpoint& address) {
  if ((entry.ifa_flags & IFF_BROADCAST) == 0 || address.family != AF_INET) return {};
  Endpoint broadcast = FromSockaddr(entry.ifa_broadaddr);
  if (broadcast.family != AF_INET || SameAddress(broadcast, address) ||
      broadcast.V4Address().s_addr == htonl(INADDR_ANY)) {
    return {};
  }
  return broadcast;
}

}  // namespace

bool NetworkInterface::Up() const noexcept { return (flags & IFF_UP) != 0; }

bool NetworkInterface::Multicast() const noexcept { return Up() && (flags & IFF_MULTICAST) != 0; }

Status ListInterfaces(std::vector<NetworkInterface>& out) {
  ifaddrs* list = nullptr;
  if (sys::getifaddrs(&list) != 0) {
    const int err = errno;
    return Status::Failure(-err, "cannot list interfaces: " + ErrorText(err));
  }
  std::map<std::string, NetworkInterface> by_name;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    std::string name = a->ifa_name;
    name = name.substr(0, name.find(':'));
    NetworkInterface& link = by_name[name];
    link.name = name;
    if (a->ifa_addr == nullptr) continue;
    if (a->ifa_addr->sa_family == AF_PACKET) {
      // The link's own entry: its index and flags (address entries carry
      // the flags too, but a link without addresses has only this one).
      link.index =
          static_cast<unsigned>(reinterpret_cast<const sockaddr_ll*>(a->ifa_addr)->sll_ifindex);
      link.flags = a->ifa_flags;
      continue;
    }
    const Endpoint address = FromSockaddr(a->ifa_addr);
    if (address.family == AF_UNSPEC) continue;
    if (link.flags == 0) link.flags = a->ifa_flags;
    link.addresses.push_back({address, FromSockaddr(a->ifa_netmask), BroadcastOf(*a, address)});
  }
  sys::freeifaddrs(list);
  std::map<unsigned, NetworkInterface> by_index;
  for (auto& [name, link] : by_name) {
    if (link.index == 0) link.index = if_nametoindex(name.c_str());
    if (link.index != 0) by_index.emplace(link.index, std::move(link));
  }
  out.clear();
  for (auto& [index, link] : by_index) out.push_back(std::move(link));
  return {};
}

Status ResolveInterface(std::string_view text, InterfaceChoice& out) {
  out = {};
  if (text.empty() || text == "0.0.0.0" || text == "::") return {};
  std::vector<NetworkInterface> links;
  Endpoint wanted;
  std::string not_address;
  const bool is_address = text != "localhost" && ParseHost(text, 1, wanted, not_address);
  if (!is_address && (text.size() >= IF_NAMESIZE || text.find('\0') != std::string_view::npos)) {
    return Status::Failure(
        -EINVAL, fmt::format("{} is neither an interface name nor an address", Quote(text)));
  }
  if (Status s = ListInterfaces(links); !s.ok()) return s;
  for (const NetworkInterface& link : links) {
    if (is_address) {
      for (const InterfaceAddress& a : link.addresses) {
        if (!SameAddress(a.address, wanted)) continue;
        out.index = link.index;
        if (wanted.family == AF_INET) out.v4_address = wanted.V4Address();
        return {};
      }
    } else if (link.name == text) {
      out.index = link.index;
      // With an index alone the kernel may send multicast from 0.0.0.0 (it
      // does on lo, whose 127.0.0.1 has host scope), which peers cannot
      // answer: take the interface's first IPv4 address too.
      for (const InterfaceAddress& a : link.addresses) {
        if (a.address.family != AF_INET) continue;
        out.v4_address = a.address.V4Address();
        break;
      }
      return {};
    }
  }
  return Status::Failure(-ENODEV, is_address
                                      ? fmt::format("no interface has the address {}", Quote(text))
                                      : fmt::format("no interface is called {}", Quote(text)));
}

std::string InterfaceName(unsigned index) {
  char name[IF_NAMESIZE] = {};
  return if_indextoname(index, name) != nullptr ? std::string(name) : std::to_string(index);
}

}  // namespace ro::detail
