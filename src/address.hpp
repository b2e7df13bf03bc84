// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Numeric socket addresses: parsing what applications pass as hosts, and the
// few conversions the sockets need.

#ifndef RO_SRC_ADDRESS_HPP_
#define RO_SRC_ADDRESS_HPP_

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
};

/// Parses a numeric IPv4/IPv6 literal ("fe80::1%eth0" with a scope), or
/// "localhost" (127.0.0.1). Host names are not resolved: a DNS lookup could
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
