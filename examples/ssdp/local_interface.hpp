// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Looks up a local network interface by name: its index and first IPv4
// address. The SSDP examples need the address for LOCATION URLs and for the
// source of their searches; the ro API names interfaces but does not list
// them, so this reads getifaddrs() directly. Header-only (two executables
// use it).

#ifndef RODATAGRAM_EXAMPLES_SSDP_LOCAL_INTERFACE_HPP_
#define RODATAGRAM_EXAMPLES_SSDP_LOCAL_INTERFACE_HPP_

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

namespace ssdp {

struct LocalInterface {
  std::string name;       ///< "lo", "eth0"
  int index = 0;          ///< as DatagramEvent::GetInterfaceIndex() reports it
  std::string address;    ///< first IPv4 address, dotted quad
  bool loopback = false;  ///< IFF_LOOPBACK: traffic on it never leaves the host
};

/// The interface called `name` with its first IPv4 address, or nullopt with
/// `why` if there is no such interface or it has no IPv4 address.
inline std::optional<LocalInterface> FindLocalInterface(const std::string& name, std::string& why) {
  const unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    why = "no interface is called \"" + name + "\"";
    return std::nullopt;
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    why = std::string("cannot list interfaces: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::optional<LocalInterface> found;
  for (const ifaddrs* a = list; a != nullptr && !found; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || name != a->ifa_name) {
      continue;
    }
    sockaddr_in address{};
    std::memcpy(&address, a->ifa_addr, sizeof address);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
    found = LocalInterface{name, static_cast<int>(index), text, (a->ifa_flags & IFF_LOOPBACK) != 0};
  }
  freeifaddrs(list);
  if (!found) why = "interface \"" + name + "\" has no IPv4 address";
  return found;
}

}  // namespace ssdp

#endif  // RODATAGRAM_EXAMPLES_SSDP_LOCAL_INTERFACE_HPP_
