// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// A player program on the installed rodatagram::ssdp: announce a device on
// lo, find it with a search, read its description, withdraw it. Exits 0
// when every step worked.

#include <cstdio>
#include <string>

#include <ro/ssdp.hpp>

int main() {
  ro::ssdp::ResponderOptions options;
  options.interfaces = {"lo"};
  options.friendly_name = "consumer sign";
  options.ipv6 = false;
  ro::ssdp::Responder device(options);
  if (!device.Start()) {
    std::printf("Start: %s\n", device.GetFailureReason().c_str());
    return 1;
  }
  ro::ssdp::SearchOptions search;
  search.interface_name = "lo";
  search.target = "uuid:" + device.GetUuid();
  search.timeout_ms = 2500;
  std::string why;
  const auto found = ro::ssdp::Discover(search, why);
  if (found.size() != 1) {
    std::printf("Discover: %zu replies %s\n", found.size(), why.c_str());
    return 1;
  }
  const std::string body = ro::ssdp::FetchDescription(found[0].response.location, "lo", 3000, why);
  const auto name = ro::ssdp::XmlElementText(body, "friendlyName");
  device.Stop();
  std::printf("found %s at %s: \"%s\"\n", found[0].response.usn.c_str(),
              found[0].response.location.c_str(), name.value_or("?").c_str());
  return name == std::string("consumer sign") ? 0 : 1;
}
