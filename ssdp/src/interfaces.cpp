// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "interfaces.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace ro::ssdp::detail {
namespace {

int PrefixLength(const std::uint8_t* mask, std::size_t size) {
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    for (int b = 7; b >= 0; --b) {
      if ((mask[i] >> b) & 1) ++bits;
    }
  }
  return bits;
}

bool SamePrefix(const InterfaceAddress& a, const InterfaceAddress& b, int prefix) {
  if (a.ipv6 != b.ipv6) return false;
  const int size = a.ipv6 ? 16 : 4;
  prefix = std::clamp(prefix, 0, size * 8);
  for (int i = 0; i < prefix / 8; ++i) {
    if (a.bytes[static_cast<std::size_t>(i)] != b.bytes[static_cast<std::size_t>(i)]) return false;
  }
  if (prefix % 8 == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - prefix % 8));
  const auto i = static_cast<std::size_t>(prefix / 8);
  return (a.bytes[i] & mask) == (b.bytes[i] & mask);
}

bool IsLoopback(const InterfaceAddress& a) {
  if (!a.ipv6) return a.bytes[0] == 127;
  static constexpr std::array<std::uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                           0, 0, 0, 0, 0, 0, 0, 1};
  return a.bytes == kLoopback6;
}

}  // namespace

bool InterfaceAddress::LinkLocal() const {
  return ipv6 && bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80;
}

std::string InterfaceAddress::Text() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

bool LocalInterface::HasIpv4() const {
  return std::any_of(addresses.begin(), addresses.end(), [](const auto& a) { return !a.ipv6; });
}

bool LocalInterface::HasIpv6() const {
  return std::any_of(addresses.begin(), addresses.end(), [](const auto& a) { return a.ipv6; });
}

std::vector<LocalInterface> ListInterfaces(std::string& why) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    why = std::string("cannot list interfaces: ") + std::strerror(errno);
    return {};
  }
  std::map<std::string, LocalInterface> found;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    const int family = a->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    LocalInterface& local = found[a->ifa_name];
    local.name = a->ifa_name;
    local.index = static_cast<int>(if_nametoindex(a->ifa_name));
    local.up = (a->ifa_flags & IFF_UP) != 0 && (a->ifa_flags & IFF_RUNNING) != 0;
    local.loopback = (a->ifa_flags & IFF_LOOPBACK) != 0;
    local.multicast = (a->ifa_flags & IFF_MULTICAST) != 0;
    InterfaceAddress address;
    address.ipv6 = family == AF_INET6;
    if (address.ipv6) {
      sockaddr_in6 in{};
      std::memcpy(&in, a->ifa_addr, sizeof in);
      std::memcpy(address.bytes.data(), &in.sin6_addr, 16);
      if (a->ifa_netmask != nullptr) {
        sockaddr_in6 mask{};
        std::memcpy(&mask, a->ifa_netmask, sizeof mask);
        address.prefix = PrefixLength(mask.sin6_addr.s6_addr, 16);
      }
    } else {
      sockaddr_in in{};
      std::memcpy(&in, a->ifa_addr, sizeof in);
      std::memcpy(address.bytes.data(), &in.sin_addr, 4);
      if (a->ifa_netmask != nullptr) {
        sockaddr_in mask{};
        std::memcpy(&mask, a->ifa_netmask, sizeof mask);
        address.prefix = PrefixLength(reinterpret_cast<const std::uint8_t*>(&mask.sin_addr), 4);
      }
    }
    local.addresses.push_back(address);
  }
  freeifaddrs(list);
  std::vector<LocalInterface> out;
  for (auto& [name, local] : found) out.push_back(std::move(local));
  return out;
}

std::optional<InterfaceAddress> ParseAddress(std::string_view text) {
  std::string plain(text.substr(0, text.find('%')));
  InterfaceAddress out;
  in6_addr v6{};
  in_addr v4{};
  if (inet_pton(AF_INET, plain.c_str(), &v4) == 1) {
    std::memcpy(out.bytes.data(), &v4, 4);
    return out;
  }
  if (inet_pton(AF_INET6, plain.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(out.bytes.data(), &v6.s6_addr[12], 4);
    return out;
  }
  out.ipv6 = true;
  std::memcpy(out.bytes.data(), &v6, 16);
  return out;
}

bool OnSubnet(const LocalInterface& local, const InterfaceAddress& source) {
  if (local.loopback && IsLoopback(source)) return true;
  if (source.LinkLocal()) return local.HasIpv6();
  return std::any_of(local.addresses.begin(), local.addresses.end(),
                     [&](const auto& ours) { return SamePrefix(ours, source, ours.prefix); });
}

std::optional<InterfaceAddress> FirstAddress(const LocalInterface& local, bool ipv6,
                                             bool link_local) {
  for (const auto& a : local.addresses) {
    if (a.ipv6 == ipv6 && (!ipv6 || a.LinkLocal() == link_local)) return a;
  }
  return std::nullopt;
}

std::optional<InterfaceAddress> AddressFor(const LocalInterface& local,
                                           const InterfaceAddress& source) {
  for (const auto& a : local.addresses) {
    if (a.ipv6 == source.ipv6 && a.LinkLocal() == source.LinkLocal() &&
        SamePrefix(a, source, a.prefix)) {
      return a;
    }
  }
  if (!source.ipv6) return FirstAddress(local, false, false);
  if (auto same_scope = FirstAddress(local, true, source.LinkLocal())) return same_scope;
  return FirstAddress(local, true, !source.LinkLocal());
}

}  // namespace ro::ssdp::detail
