// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_SSDP_SEARCH_HPP_
#define RO_SSDP_SEARCH_HPP_

/// @file
/// The control-point side of the rodatagram::ssdp component: multicast an
/// M-SEARCH on one interface and collect the replies; fetch a LOCATION.

#include <string>
#include <string_view>
#include <vector>

#include <ro/export.hpp>
#include <ro/ssdp/message.hpp>

namespace ro::ssdp {

/// Which SSDP groups a search goes to.
enum class SearchScope {
  kIPv4,           ///< 239.255.255.250
  kIPv6LinkLocal,  ///< FF02::C
  kIPv6SiteLocal,  ///< FF05::C
};

/// How to search.
struct SearchOptions {
  /// The interface the search goes out of (by name). A loopback interface
  /// uses multicast TTL 0, so nothing leaves the host.
  std::string interface_name = "lo";
  /// ST: ssdp:all, upnp:rootdevice, uuid:..., or a device or service type.
  std::string target = "ssdp:all";
  /// The groups searched: IPv4, IPv6 link-local, IPv6 site-local.
  std::vector<SearchScope> scopes{SearchScope::kIPv4};
  /// MX, 1..5.
  int mx = 2;
  /// How long to collect replies, 100..60000 ms (replies may come up to MX
  /// seconds after the last search).
  int timeout_ms = 3000;
  /// The search is multicast this many times, 300 ms apart (UDP may drop one).
  int repeats = 3;
  /// Multicast TTL / hop limit on a non-loopback interface.
  int ttl = 2;
};

/// One reply, de-duplicated by USN.
struct SearchResult {
  SearchResponse response;  ///< the reply's headers
  std::string source_host;  ///< who answered ("198.51.100.1", "fe80::1%2")
  int source_port = 0;      ///< from which port
};

/// Searches and waits `timeout_ms` for the replies (blocking; call from any
/// thread). Returns every distinct USN that answered, in order of arrival;
/// on failure (bad options, no such interface, the socket cannot be opened)
/// an empty list and `why` says so.
[[nodiscard]] RO_API std::vector<SearchResult> Discover(const SearchOptions& options,
                                                        std::string& why);

/// GETs `location` ("http://198.51.100.1:49152/description.xml",
/// "http://[fe80::1]:49152/d.xml") and returns the body; `interface_name`
/// scopes a link-local IPv6 host. At most 256 KiB, within `timeout_ms`; on
/// failure an empty string and `why`.
[[nodiscard]] RO_API std::string FetchDescription(std::string_view location,
                                                  std::string_view interface_name, int timeout_ms,
                                                  std::string& why);

}  // namespace ro::ssdp

#endif  // RO_SSDP_SEARCH_HPP_
