// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <iterator>
#include <string>

#include <ro/datagram_event.hpp>

#include "datagram_cast.hpp"

namespace ro {
namespace {

// Numeric text of an address; IPv4-mapped IPv6 addresses (a dual-stack
// socket receiving from an IPv4 peer) print as plain IPv4.
std::string FormatAddress(const std::uint8_t (&bytes)[16], bool ipv6, std::uint32_t scope) {
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!ipv6) {
    inet_ntop(AF_INET, bytes, text, sizeof text);
  } else if (std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), bytes)) {
    inet_ntop(AF_INET, bytes + 12, text, sizeof text);
  } else {
    inet_ntop(AF_INET6, bytes, text, sizeof text);
    if (scope != 0) {
      std::string out(text);
      return out + '%' + std::to_string(scope);
    }
  }
  return text;
}

}  // namespace

DatagramEvent::~DatagramEvent() = default;

namespace detail {
const char kDatagramTypeName[] = "roDatagramEvent";
}  // namespace detail

std::string_view DatagramEvent::TypeName() const {
  return {detail::kDatagramTypeName, sizeof detail::kDatagramTypeName - 1};
}

std::string DatagramEvent::GetString() const { return std::string(GetPayload()); }

ByteArray DatagramEvent::GetByteArray() const { return ByteArray(payload_, size_); }

std::string DatagramEvent::GetSourceHost() const {
  return FormatAddress(addresses_.source, addresses_.ipv6, addresses_.source_scope);
}

int DatagramEvent::GetSourcePort() const noexcept { return addresses_.source_port; }

UserData DatagramEvent::GetUserData() const {
  return user_data_ != nullptr ? *user_data_ : UserData{};
}

int DatagramEvent::GetSourceIdentity() const { return identity_; }

std::string DatagramEvent::GetDestinationHost() const {
  if (!addresses_.has_destination) return {};
  return FormatAddress(addresses_.destination, addresses_.ipv6, 0);
}

std::string DatagramEvent::GetInterfaceName() const {
  char name[IF_NAMESIZE] = {};
  if (addresses_.interface_index <= 0 ||
      if_indextoname(static_cast<unsigned>(addresses_.interface_index), name) == nullptr) {
    return {};
  }
  return name;
}

}  // namespace ro
