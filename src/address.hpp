// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Numeric socket addresses: parsing what applications pass as hosts, and the
// few conversions the sockets need.

#ifndef RO_SRC_ADDRESS_HPP_
#define RO_SRC_ADDRESS_HPP_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <string_view>

namespace ro::detail {

/// An IPv4 or IPv6 socket address.
struct Endpoint {
  sockaddr_in6 storage{};  // large enough for sockaddr_in too
  socklen_t length = 0;
  int family = AF_UNSPEC;

  const sockaddr* Address() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr_in& V4() noexcept { return *reinterpret_cast<sockaddr_in*>(&storage); }
  [[nodiscard]] in_addr V4Address() const noexcept {
    return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr;
  }
  /// The port in host byte order (sin_port and sin6_port share an offset).
  [[nodiscard]] int Port() const noexcept { return ntohs(storage.sin6_port); }
  /// The interface an IPv6 scope ("%eth0") named, 0 without one.
  [[nodiscard]] unsigned Scope() const noexcept {
    return family == AF_INET6 ? storage.sin6_scope_id : 0;
  }
};

/// True when the kernel itself routes by the scope of `ep` (link-local
/// unicast, interface- or link-local multicast); elsewhere it ignores
/// sin6_scope_id, and the sender must name the interface another way.
bool KernelHonoursScope(const Endpoint& ep);

/// Parses a numeric IPv4/IPv6 literal ("fe80::1%eth0" with a scope: an
/// interface name, or its index in decimal digits only), or "localhost"
/// (127.0.0.1). Host names are not resolved: a DNS lookup could
/// block the caller for seconds. On failure `why` says what is wrong.
bool ParseHost(std::string_view host, int port, Endpoint& out, std::string& why);

/// An IPv4 destination as seen by a dual-stack IPv6 socket (::ffff:a.b.c.d).
Endpoint MapToV6(const Endpoint& v4);

/// In 224.0.0.0/4 or ff00::/8.
bool IsMulticast(const Endpoint& ep);

/// The wildcard address of `family` with `port`.
Endpoint AnyEndpoint(int family, int port);

/// Same family and address (ports ignored).
bool SameAddress(const Endpoint& a, const Endpoint& b);

}  // namespace ro::detail

#endif  // RO_SRC_ADDRESS_HPP_
