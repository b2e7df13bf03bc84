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

// Dotted-quad text, written by hand: glibc's inet_ntop formats IPv4 with
// sprintf, which was a quarter of an echo server's instructions.
std::string FormatIpv4(const std::uint8_t* bytes) {
  char text[16];
  char* out = text;
  for (int i = 0; i < 4; ++i) {
    const unsigned v = bytes[i];
    if (v >= 100) *out++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *out++ = static_cast<char>('0' + v / 10 % 10);
    *out++ = static_cast<char>('0' + v % 10);
    if (i < 3) *out++ = '.';
  }
  return std::string(text, static_cast<std::size_t>(out - text));
}

// Numeric text of an address; IPv4-mapped IPv6 addresses (a dual-stack
// socket receiving from an IPv4 peer) print as plain IPv4.
std::string FormatAddress(const std::uint8_t (&bytes)[16], bool ipv6, std::uint32_t scope) {
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!ipv6) return FormatIpv4(bytes);
  if (std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), bytes)) {
    return FormatIpv4(bytes + 12);
  }
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, bytes, text, sizeof text);
  if (scope == 0) return text;
  return std::string(text) + '%' + std::to_string(scope);
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

ByteArray DatagramEvent::GetByteArray() const {
  const std::string_view payload = GetPayload();
  return ByteArray(payload.data(), payload.size());
}

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
