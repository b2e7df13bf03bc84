// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// libFuzzer target: the host, port, group and interface arguments of
// ro::DatagramSocket (SendTo, BindToLocalAddress, BindToLocalPort,
// JoinMulticastGroup, LeaveMulticastGroup, SetMulticastInterface,
// SetMulticastTTL).
//
// Nothing reaches the network: the syscall seam (src/sys.hpp) is replaced
// before the first socket exists. bind, setsockopt and sendto succeed
// without doing anything, getifaddrs returns a fixed list (lo only), and
// recvmmsg never has data. Only socket() and close() are real, so that the
// library's Asio socket has a descriptor to hold; such a socket is never
// bound and never sends.
//
// Input: up to 16 lines, each one call, fields separated by '|':
//   S|host|port|payload      SendTo
//   B|address|port           BindToLocalAddress
//   P|port                   BindToLocalPort
//   J|group                  JoinMulticastGroup
//   j|group|interface        JoinMulticastGroup on one interface
//   L|group                  LeaveMulticastGroup
//   I|interface              SetMulticastInterface
//   T|ttl                    SetMulticastTTL
// A port field is read as a decimal int, saturating (so "-1", "65536" and
// "99999999999" all reach the library). Lines start on a fresh socket after
// an 'N' line.
//
// Checked besides crashes and sanitizer reports (a broken check traps):
//  - SendTo returns 0 or a negative errno; a port outside 1..65535, an empty
//    host, a host of 64 or more characters, and a host that is not a numeric
//    address (by inet_pton) or "localhost" always give -EINVAL;
//  - Bind*/Join/Leave/Set* refuse what the documentation says they refuse;
//  - every failure leaves a reason that names the call, is printable ASCII
//    and is bounded in length (arguments are quoted and shortened).

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ro/datagram_socket.hpp>

#include "sys.hpp"

namespace {

namespace sys = ro::detail::sys;

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

// --- The seam: nothing leaves the process -------------------------------------

int FakeBind(int, const sockaddr*, socklen_t) { return 0; }

int FakeSetsockopt(int, int, int, const void*, socklen_t) { return 0; }

int FakeGetsockname(int, sockaddr* address, socklen_t* length) {
  sockaddr_in6 bound{};
  bound.sin6_family = AF_INET6;
  bound.sin6_port = htons(40000);  // sin_port and sin6_port share the offset
  const socklen_t n = *length < sizeof bound ? *length : sizeof bound;
  std::memcpy(address, &bound, n);
  *length = n;
  return 0;
}

ssize_t FakeSendto(int, const void*, size_t len, int, const sockaddr* address, socklen_t length) {
  Require(address != nullptr);
  Require(length == sizeof(sockaddr_in) || length == sizeof(sockaddr_in6));
  return static_cast<ssize_t>(len);
}

int FakeRecvmmsg(int, mmsghdr*, unsigned int, int, timespec*) {
  errno = EAGAIN;
  return -1;
}

// lo, up and multicast-capable, with 127.0.0.1 and ::1.
struct Interfaces {
  Interfaces() {
    const unsigned index = if_nametoindex("lo");
    packet.sll_family = AF_PACKET;
    packet.sll_ifindex = static_cast<int>(index != 0 ? index : 1);
    v4.sin_family = AF_INET;
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    v6.sin6_family = AF_INET6;
    v6.sin6_addr = in6addr_loopback;
    char* name = const_cast<char*>("lo");
    const unsigned flags = IFF_UP | IFF_RUNNING | IFF_LOOPBACK | IFF_MULTICAST;
    entries[0] = {&entries[1], name, flags, reinterpret_cast<sockaddr*>(&packet), nullptr, {}, {}};
    entries[1] = {&entries[2], name, flags, reinterpret_cast<sockaddr*>(&v4), nullptr, {}, {}};
    entries[2] = {nullptr, name, flags, reinterpret_cast<sockaddr*>(&v6), nullptr, {}, {}};
  }
  sockaddr_ll packet{};
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  ifaddrs entries[3]{};
};

Interfaces& TheInterfaces() {
  static Interfaces interfaces;
  return interfaces;
}

int FakeGetifaddrs(ifaddrs** list) {
  *list = &TheInterfaces().entries[0];
  return 0;
}

void FakeFreeifaddrs(ifaddrs*) {}

void InstallSeam() {
  sys::SyscallTable& calls = sys::Calls();
  calls.bind = FakeBind;
  calls.setsockopt = FakeSetsockopt;
  calls.getsockname = FakeGetsockname;
  calls.sendto = FakeSendto;
  calls.recvmmsg = FakeRecvmmsg;
  calls.getifaddrs = FakeGetifaddrs;
  calls.freeifaddrs = FakeFreeifaddrs;
}

// --- Reference checks -------------------------------------------------------

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// Decimal with an optional '-', saturating at the int limits; empty is 0.
int ToInt(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text[0] == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  long long value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') break;
    value = value * 10 + (c - '0');
    if (value > INT_MAX) {
      value = static_cast<long long>(INT_MAX) + 1;
      break;
    }
  }
  if (negative) value = -value;
  if (value > INT_MAX) return INT_MAX;
  if (value < INT_MIN) return INT_MIN;
  return static_cast<int>(value);
}

// What the library promises to accept as a host: "localhost" or a numeric
// IPv4/IPv6 address (IPv6 optionally with a %scope), shorter than 64.
bool MayBeAHost(std::string_view host) {
  if (host.empty() || host.size() >= 64 || host.find('\0') != std::string_view::npos) return false;
  if (host == "localhost") return true;
  std::string text(host);
  unsigned char buffer[sizeof(in6_addr)];
  if (inet_pton(AF_INET, text.c_str(), buffer) == 1) return true;
  const std::size_t percent = text.find('%');
  if (percent != std::string::npos) text.resize(percent);
  return inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool IsMulticastLiteral(std::string_view group) {
  if (group.empty() || group.size() >= 64 || group.find('\0') != std::string_view::npos) {
    return false;
  }
  std::string text(group);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return IN_MULTICAST(ntohl(v4.s_addr));
  const std::size_t percent = text.find('%');
  if (percent != std::string::npos) text.resize(percent);
  in6_addr v6{};
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_MULTICAST(&v6);
}

// A failure reason: names the call, printable, bounded.
void CheckReason(const ro::DatagramSocket& socket, std::string_view call) {
  const std::string reason = socket.GetFailureReason();
  Require(!reason.empty());
  Require(reason.compare(0, call.size(), call) == 0);
  Require(reason.size() < 1024);
  for (const char c : reason) {
    const auto byte = static_cast<unsigned char>(c);
    Require(byte >= 0x20 && byte < 0x7f);
  }
}

std::string_view Field(const std::vector<std::string_view>& fields, std::size_t i) {
  return i < fields.size() ? fields[i] : std::string_view{};
}

void Run(ro::DatagramSocket& socket, const std::vector<std::string_view>& f) {
  const std::string_view op = Field(f, 0);
  if (op == "S") {
    const std::string_view host = Field(f, 1);
    const int port = ToInt(Field(f, 2));
    const std::string_view payload = Field(f, 3);
    const int rc = socket.SendTo(host, port, payload);
    Require(rc <= 0);
    if (port < 1 || port > 65535 || !MayBeAHost(host)) Require(rc == -EINVAL);
    if (rc < 0) CheckReason(socket, "SendTo(");
  } else if (op == "B") {
    const std::string_view address = Field(f, 1);
    const int port = ToInt(Field(f, 2));
    const bool ok = socket.BindToLocalAddress(address, port);
    if (port < 0 || port > 65535 || !MayBeAHost(address)) Require(!ok);
    if (!ok) CheckReason(socket, "BindToLocalAddress(");
  } else if (op == "P") {
    const int port = ToInt(Field(f, 1));
    const bool ok = socket.BindToLocalPort(port);
    if (port < 0 || port > 65535) Require(!ok);
    if (!ok) CheckReason(socket, "BindToLocalPort(");
  } else if (op == "J" || op == "j") {
    const std::string_view group = Field(f, 1);
    const bool ok = op == "J" ? socket.JoinMulticastGroup(group)
                              : socket.JoinMulticastGroup(group, Field(f, 2));
    if (!IsMulticastLiteral(group)) Require(!ok);
    if (!ok) CheckReason(socket, "JoinMulticastGroup(");
  } else if (op == "L") {
    const std::string_view group = Field(f, 1);
    const bool ok = socket.LeaveMulticastGroup(group);
    if (!IsMulticastLiteral(group)) Require(!ok);
    if (!ok) CheckReason(socket, "LeaveMulticastGroup(");
  } else if (op == "I") {
    if (!socket.SetMulticastInterface(Field(f, 1))) {
      CheckReason(socket, "SetMulticastInterface(");
    }
  } else if (op == "T") {
    const int ttl = ToInt(Field(f, 1));
    const bool ok = socket.SetMulticastTTL(ttl);
    Require(ok == (ttl >= 0 && ttl <= 255));
    if (!ok) CheckReason(socket, "SetMulticastTTL(");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  InstallSeam();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines = Split(input, '\n');
  if (lines.size() > 16) lines.resize(16);
  auto socket = std::make_unique<ro::DatagramSocket>();
  for (const std::string_view line : lines) {
    if (line == "N") {
      socket = std::make_unique<ro::DatagramSocket>();
      continue;
    }
    Run(*socket, Split(line, '|'));
  }
  return 0;
}
