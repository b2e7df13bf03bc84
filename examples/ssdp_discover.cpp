// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// ssdp_discover: an SSDP control point on the rodatagram::ssdp component
// (docs/ssdp.md). It multicasts an M-SEARCH (MX 2) three times from an
// ephemeral port, prints each device that answers and, with --fetch, reads
// each LOCATION and prints the device's friendlyName.
//
// Exits 0 if at least one device answered, 1 if none did, 2 on a usage error.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <string>
#include <string_view>

#include <ro/ssdp.hpp>

namespace {

constexpr int kFetchTimeoutMs = 3000;

constexpr const char* kUsage =
    "usage: ssdp_discover [--interface NAME] [--st TARGET] [--timeout-ms N] [--fetch]\n"
    "                     [--ipv6 | --dual]\n"
    "\n"
    "Searches for SSDP devices (M-SEARCH, MX 2, sent 3 times) and prints the replies.\n"
    "\n"
    "  --interface NAME  interface to search on; default lo (multicast TTL 0 there,\n"
    "                    2 elsewhere)\n"
    "  --st TARGET       search target; default ssdp:all\n"
    "  --timeout-ms N    how long to collect replies, 100..60000; default 3000\n"
    "                    (devices may wait up to MX = 2 s before answering)\n"
    "  --fetch           GET each LOCATION and print the device's friendlyName\n"
    "  --ipv6            search FF02::C and FF05::C instead of 239.255.255.250\n"
    "  --dual            search all three groups\n"
    "\n"
    "Exits 0 if at least one device answered, 1 otherwise.\n";

// -1 to run, or the exit status: 0 after --help, 2 on a usage error.
int ParseOptions(int argc, char** argv, ro::ssdp::SearchOptions& o, bool& fetch) {
  using Scope = ro::ssdp::SearchScope;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--fetch") {
      fetch = true;
    } else if (arg == "--ipv6") {
      o.scopes = {Scope::kIPv6LinkLocal, Scope::kIPv6SiteLocal};
    } else if (arg == "--dual") {
      o.scopes = {Scope::kIPv4, Scope::kIPv6LinkLocal, Scope::kIPv6SiteLocal};
    } else if (i + 1 < argc && arg == "--interface") {
      o.interface_name = argv[++i];
    } else if (i + 1 < argc && arg == "--st") {
      o.target = argv[++i];
    } else if (i + 1 < argc && arg == "--timeout-ms") {
      char* end = nullptr;
      const long ms = std::strtol(argv[++i], &end, 10);
      if (*argv[i] == '\0' || *end != '\0' || ms < 100 || ms > 60000) {
        std::fprintf(stderr, "ssdp_discover: --timeout-ms takes 100..60000, not \"%s\"\n", argv[i]);
        return 2;
      }
      o.timeout_ms = static_cast<int>(ms);
    } else {
      std::fprintf(stderr, "ssdp_discover: unknown option or missing value: %s\n%s", argv[i],
                   kUsage);
      return 2;
    }
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) try {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  ro::ssdp::SearchOptions options;
  bool fetch = false;
  if (const int status = ParseOptions(argc, argv, options, fetch); status >= 0) return status;
  std::printf("M-SEARCH ST %s MX %d on %s, %d times\n",
              ro::ssdp::SanitizeForLog(options.target).c_str(), options.mx,
              options.interface_name.c_str(), options.repeats);

  std::string why;
  const auto results = ro::ssdp::Discover(options, why);
  if (!why.empty()) {
    std::fprintf(stderr, "ssdp_discover: %s\n", why.c_str());
    return 2;
  }
  std::set<std::string> devices;
  std::set<std::string> locations;
  for (const auto& r : results) {
    // Replies are attacker-controlled text: printed sanitized.
    const auto& [st, usn, location, server] = r.response;
    std::printf("reply from %s:%d: %s\n  ST %s\n  LOCATION %s\n  SERVER %s\n",
                r.source_host.c_str(), r.source_port, ro::ssdp::SanitizeForLog(usn, 200).c_str(),
                ro::ssdp::SanitizeForLog(st, 200).c_str(),
                ro::ssdp::SanitizeForLog(location, 200).c_str(),
                ro::ssdp::SanitizeForLog(server, 200).c_str());
    devices.emplace(ro::ssdp::DeviceOfUsn(usn));
    locations.insert(location);
  }
  if (fetch) {
    for (const auto& location : locations) {
      const std::string body =
          ro::ssdp::FetchDescription(location, options.interface_name, kFetchTimeoutMs, why);
      const std::string shown = ro::ssdp::SanitizeForLog(location, 200);
      if (body.empty()) {
        std::printf("\n%s: fetch failed: %s\n", shown.c_str(), why.c_str());
        continue;
      }
      const auto name = ro::ssdp::XmlElementText(body, "friendlyName").value_or("(none)");
      const auto type = ro::ssdp::XmlElementText(body, "deviceType").value_or("(none)");
      std::printf("\n%s: friendlyName \"%s\", deviceType %s\n", shown.c_str(),
                  ro::ssdp::SanitizeForLog(name, 200).c_str(),
                  ro::ssdp::SanitizeForLog(type, 200).c_str());
    }
  }
  std::printf("\n%zu device%s, %zu unique USN%s\n", devices.size(), devices.size() == 1 ? "" : "s",
              results.size(), results.size() == 1 ? "" : "s");
  return devices.empty() ? 1 : 0;
} catch (const std::exception& error) {  // std::bad_alloc
  std::fprintf(stderr, "ssdp_discover: %s\n", error.what());
  return 1;
}
