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

bool ParseHost(std::string_view host, int port, Endpoint& out, std::string& why) {
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
    out.V4().sin_family = AF_INET;
    out.V4().sin_port = net_port;
    out.V4().sin_addr = v4;
    out.length = sizeof(sockaddr_in);
    out.family = AF_INET;
    return true;
  }
  char* scope = std::strchr(text, '%');
  if (scope != nullptr) *scope++ = '\0';
  if (inet_pton(AF_INET6, text, &out.storage.sin6_addr) != 1) {
    why = "it is not a numeric IPv4 or IPv6 address (host names are not resolved)";
    return false;
  }
  if (scope != nullptr) {
    // A number must name an existing interface too; a name is looked up.
    char* end = nullptr;
    errno = 0;
    const unsigned long number = std::strtoul(scope, &end, 10);
    const bool numeric = *scope != '\0' && *end == '\0';
    unsigned index = numeric ? 0 : if_nametoindex(scope);
    char name[IF_NAMESIZE] = {};
    if (numeric && errno == 0 && number <= UINT32_MAX &&
        if_indextoname(static_cast<unsigned>(number), name) != nullptr) {
      index = static_cast<unsigned>(number);
    }
    if (index == 0) {
      why = fmt::format("the IPv6 scope {} is not a known interface", Quote(scope));
      return false;
    }
    out.storage.sin6_scope_id = index;
  }
  out.storage.sin6_family = AF_INET6;
  out.storage.sin6_port = net_port;
  out.length = sizeof(sockaddr_in6);
  out.family = AF_INET6;
  return true;
}

Endpoint MapToV6(const Endpoint& v4) {
  Endpoint mapped;
  const sockaddr_in& in = *reinterpret_cast<const sockaddr_in*>(&v4.storage);
  mapped.storage.sin6_family = AF_INET6;
  mapped.storage.sin6_port = in.sin_port;
  mapped.storage.sin6_addr.s6_addr[10] = 0xff;
  mapped.storage.sin6_addr.s6_addr[11] = 0xff;
  std::memcpy(&mapped.storage.sin6_addr.s6_addr[12], &in.sin_addr, 4);
  mapped.length = sizeof(sockaddr_in6);
  mapped.family = AF_INET6;
  return mapped;
}

bool IsMulticast(const Endpoint& ep) {
  if (ep.family == AF_INET) {
    return IN_MULTICAST(ntohl(reinterpret_cast<const sockaddr_in*>(&ep.storage)->sin_addr.s_addr));
  }
  return IN6_IS_ADDR_MULTICAST(&ep.storage.sin6_addr);
}

Endpoint AnyEndpoint(int family, int port) {
  Endpoint any;
  const auto net_port = htons(static_cast<std::uint16_t>(port));
  if (family == AF_INET) {
    any.V4().sin_family = AF_INET;
    any.V4().sin_port = net_port;
    any.V4().sin_addr.s_addr = htonl(INADDR_ANY);
    any.length = sizeof(sockaddr_in);
  } else {
    any.storage.sin6_family = AF_INET6;
    any.storage.sin6_port = net_port;
    any.storage.sin6_addr = in6addr_any;
    any.length = sizeof(sockaddr_in6);
  }
  any.family = family;
  return any;
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
