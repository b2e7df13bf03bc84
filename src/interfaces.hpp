// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The one walk over the host's interfaces (getifaddrs), shared by every
// object that needs to know them: multicast joins on every interface,
// choosing an interface by name or address, and the legacy sender's
// broadcast subnets.

#ifndef RO_SRC_INTERFACES_HPP_
#define RO_SRC_INTERFACES_HPP_

#include <netinet/in.h>

#include <string>
#include <string_view>
#include <vector>

#include "address.hpp"
#include "status.hpp"

namespace ro::detail {

/// One address of an interface.
struct InterfaceAddress {
  Endpoint address;
  Endpoint netmask;    ///< family AF_UNSPEC if the kernel reported none
  Endpoint broadcast;  ///< IPv4 only; family AF_UNSPEC if none is configured
};

/// One interface with its flags (IFF_*) and addresses.
struct NetworkInterface {
  unsigned index = 0;
  std::string name;
  unsigned flags = 0;
  std::vector<InterfaceAddress> addresses;

  [[nodiscard]] bool Up() const noexcept;
  [[nodiscard]] bool Multicast() const noexcept;  ///< up and IFF_MULTICAST
};

/// Every interface, in index order. Labelled addresses ("eth0:1") belong to
/// the interface before the colon.
Status ListInterfaces(std::vector<NetworkInterface>& out);

/// An interface chosen by the application, by name or by one of its
/// addresses. Index 0 means "let the routing table choose".
struct InterfaceChoice {
  unsigned index = 0;
  in_addr v4_address{};  ///< for IP_MULTICAST_IF on IPv4: the kernel picks no 0.0.0.0
};

/// Resolves "eth0", "198.51.100.1" or "fe80::1%eth0"; "", "0.0.0.0" and "::"
/// mean no choice.
Status ResolveInterface(std::string_view text, InterfaceChoice& out);

/// The name of interface `index`, or its number when it has none (any more).
std::string InterfaceName(unsigned index);

}  // namespace ro::detail

#endif  // RO_SRC_INTERFACES_HPP_
