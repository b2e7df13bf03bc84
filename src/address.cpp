// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "address.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <fmt/core.h>

#include "text.hpp"

namespace ro::detail {
namespace {

// UINT32_MAX has 10 digits; more can only overflow.
constexpr std::size_t kMaxScopeDigits = 10;

Endpoint V4(in_addr address, std::uint16_t net_port) {
  Endpoint out;
  out.V4().sin_family = AF_INET;
  out.V4().sin_port = net_port;
  out.V4().sin_addr = address;
  out.length = sizeof(sockaddr_in);
  out.family = AF_INET;
  return out;
}

Endpoint V6(const in6_addr& address, std::uint16_t net_port, unsigned scope) {
  Endpoint out;
  out.storage.sin6_family = AF_INET6;
  out.storage.sin6_port = net_port;
  out.storage.sin6_addr = address;
  out.storage.sin6_scope_id = scope;
  out.length = sizeof(sockaddr_in6);
  out.family = AF_INET6;
  return out;
}

// A dotted quad as inet_pton(AF_INET) takes it (four decimal octets, no
// leading zeros), parsed inline: the common host of every SendTo. Anything
// else, valid or not, is left to inet_pton.
bool ParseDottedQuad(std::string_view text, in_addr& out) {
  std::uint8_t octets[4] = {};
  std::size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= text.size() || text[at] != '.') return false;
      ++at;
    }
    const std::size_t first = at;
    unsigned value = 0;
    while (at < text.size() && at - first < 3 && text[at] >= '0' && text[at] <= '9') {
      value = value * 10 + static_cast<unsigned>(text[at] - '0');
      ++at;
    }
    const std::size_t digits = at - first;
    if (digits == 0 || value > 255 || (digits > 1 && text[first] == '0')) return false;
    octets[part] = static_cast<std::uint8_t>(value);
  }
  if (at != text.size()) return false;
  std::memcpy(&out.s_addr, octets, 4);
  return true;
}

}  // namespace

bool ParseHost(std::string_view host, int port, Endpoint& out, std::string& why) {
  if (in_addr v4{}; ParseDottedQuad(host, v4)) {
    out = V4(v4, htons(static_cast<std::uint16_t>(port)));
    return true;
  }
  constexpr std::size_t kMaxHost = INET6_ADDRSTRLEN + IF_NAMESIZE + 1;
  if (host.empty()) {
    why = "the host is empty";
    return false;
  }
  if (host.size() > kMaxHost) {
    why =
        fmt::format("the host is {} characters long, longer than any numeric address", host.size());
    return false;
  }
  if (host.find('\0') != std::string_view::npos) {
    why = "the host contains a NUL byte";
    return false;
  }
  char text[kMaxHost + 1] = {};
  std::memcpy(text, host.data(), host.size());
  const auto net_port = htons(static_cast<std::uint16_t>(port));
  in_addr v4{};
  if (host == "localhost" || inet_pton(AF_INET, text, &v4) == 1) {
    if (host == "localhost") v4.s_addr = htonl(INADDR_LOOPBACK);
    out = V4(v4, net_port);
    return true;
  }
  char* scope = std::strchr(text, '%');
  if (scope != nullptr) *scope++ = '\0';
  in6_addr v6{};
  if (inet_pton(AF_INET6, text, &v6) != 1) {
    why = "it is not a numeric IPv4 or IPv6 address (host names are not resolved)";
    return false;
  }
  unsigned index = 0;
  if (scope != nullptr) {
    // Digits only: strtoul would also take "+1", " 1" and "-18446744073709551615" as 1.
    const std::size_t length = std::strlen(scope);
    const bool numeric =
        length > 0 && std::strspn(scope, "0123456789") == length && length <= kMaxScopeDigits;
    if (numeric) {
      const unsigned long long number = std::strtoull(scope, nullptr, 10);
      char name[IF_NAMESIZE] = {};
      if (number <= UINT32_MAX && if_indextoname(static_cast<unsigned>(number), name) != nullptr) {
        index = static_cast<unsigned>(number);
      }
    } else if (length > 0 && length < IF_NAMESIZE) {
      index = if_nametoindex(scope);
    }
    if (index == 0) {
      why = fmt::format("the IPv6 scope {} is not a known interface", Quote(scope));
      return false;
    }
  }
  out = V6(v6, net_port, index);
  return true;
}

Endpoint MapToV6(const Endpoint& v4) {
  const sockaddr_in& in = *reinterpret_cast<const sockaddr_in*>(&v4.storage);
  in6_addr mapped{};
  mapped.s6_addr[10] = 0xff;
  mapped.s6_addr[11] = 0xff;
  std::memcpy(&mapped.s6_addr[12], &in.sin_addr, 4);
  return V6(mapped, in.sin_port, 0);
}

bool IsMulticast(const Endpoint& ep) {
  if (ep.family == AF_INET) {
    return IN_MULTICAST(ntohl(reinterpret_cast<const sockaddr_in*>(&ep.storage)->sin_addr.s_addr));
  }
  return IN6_IS_ADDR_MULTICAST(&ep.storage.sin6_addr);
}

Endpoint AnyEndpoint(int family, int port) {
  const auto net_port = htons(static_cast<std::uint16_t>(port));
  if (family == AF_INET) return V4(in_addr{htonl(INADDR_ANY)}, net_port);
  return V6(in6addr_any, net_port, 0);
}

bool SameAddress(const Endpoint& a, const Endpoint& b) {
  if (a.family != b.family) return false;
  if (a.family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&b.storage)->sin_addr.s_addr;
  }
  return std::memcmp(&a.storage.sin6_addr, &b.storage.sin6_addr, sizeof(in6_addr)) == 0;
}

}  // namespace ro::detail

namespace ro::detail {

bool KernelHonoursScope(const Endpoint& ep) {
  if (ep.family != AF_INET6) return false;
  const in6_addr& a = ep.storage.sin6_addr;
  if (IN6_IS_ADDR_LINKLOCAL(&a)) return true;
  // ff01::/16 (interface-local) and ff02::/16 (link-local): scope nibble 1 or 2.
  return IN6_IS_ADDR_MULTICAST(&a) && (a.s6_addr[1] & 0x0f) <= 2;
}

}  // namespace ro::detail
