// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The local network interfaces as the SSDP responder needs them: index,
// flags and every address with its prefix. The ro API names interfaces but
// does not list them, so this reads getifaddrs() directly.

#ifndef RO_SSDP_SRC_INTERFACES_HPP_
#define RO_SSDP_SRC_INTERFACES_HPP_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ro::ssdp::detail {

/// One address of an interface, in network byte order.
struct InterfaceAddress {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> bytes{};    ///< IPv4 in the first 4 bytes
  int prefix = 0;                          ///< netmask length
  [[nodiscard]] bool LinkLocal() const;    ///< fe80::/10 (IPv6 only)
  [[nodiscard]] std::string Text() const;  ///< numeric, no scope
};

struct LocalInterface {
  std::string name;
  int index = 0;
  bool up = false;         ///< IFF_UP and IFF_RUNNING
  bool loopback = false;   ///< IFF_LOOPBACK: traffic on it never leaves the host
  bool multicast = false;  ///< IFF_MULTICAST
  std::vector<InterfaceAddress> addresses;

  [[nodiscard]] bool HasIpv4() const;
  [[nodiscard]] bool HasIpv6() const;
};

/// Every interface with at least one IPv4 or IPv6 address, or an empty list
/// with `why` set when getifaddrs() fails.
[[nodiscard]] std::vector<LocalInterface> ListInterfaces(std::string& why);

/// A numeric address ("198.51.100.2", "fe80::1%2", "::ffff:198.51.100.2")
/// parsed into an InterfaceAddress (prefix 0); IPv4-mapped IPv6 becomes IPv4.
[[nodiscard]] std::optional<InterfaceAddress> ParseAddress(std::string_view text);

/// True when `source` lies in one of the prefixes of `local`; on a loopback
/// interface every loopback source counts, and an IPv6 link-local source
/// counts when it arrived on this interface (the caller has checked that).
[[nodiscard]] bool OnSubnet(const LocalInterface& local, const InterfaceAddress& source);

/// The address of `local` a peer at `source` should use to reach this host:
/// IPv4 for an IPv4 source (preferring one on its subnet); for IPv6, a
/// link-local address for a link-local source, else a wider-scope one
/// (preferring the source's prefix), falling back to link-local. nullopt if
/// the interface has no address of that family.
[[nodiscard]] std::optional<InterfaceAddress> AddressFor(const LocalInterface& local,
                                                         const InterfaceAddress& source);

/// The first address of `local` of the family and scope asked for.
[[nodiscard]] std::optional<InterfaceAddress> FirstAddress(const LocalInterface& local, bool ipv6,
                                                           bool link_local);

}  // namespace ro::ssdp::detail

#endif  // RO_SSDP_SRC_INTERFACES_HPP_
