// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// ssdp_discover: an SSDP control point on the ro API. It multicasts an
// M-SEARCH (MX 2) three times from an ephemeral port, collects the unicast
// replies that come back to that port, de-duplicates them by USN and prints
// a table; with --fetch it also downloads each LOCATION and prints the
// device's friendlyName. In BrightScript terms:
//
//   udp = CreateObject("roDatagramSocket") : udp.SetPort(mp)
//   for each of 3 sends: udp.SendTo("239.255.255.250", 1900, search$)
//   while time is left
//     ev = wait(left, mp)
//     if type(ev) = "roDatagramEvent" then seen[USN of ev.GetString()] = ev
//   end while
//
// Exits 0 if at least one device answered, 1 if none did, 2 on a usage error.

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <fmt/core.h>

#include <ro/ro.hpp>

#include "ssdp/local_interface.hpp"
#include "ssdp/ssdp_message.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMx = 2;
constexpr int kSearches = 3;
constexpr milliseconds kSearchSpacing{300};
constexpr milliseconds kFetchTimeout{3000};
constexpr std::size_t kMaxDescription = std::size_t{256} * 1024;

constexpr const char* kUsage =
    "usage: ssdp_discover [--interface NAME] [--st TARGET] [--timeout-ms N] [--fetch]\n"
    "\n"
    "Searches for SSDP devices (M-SEARCH, MX 2, sent 3 times) and prints the replies.\n"
    "\n"
    "  --interface NAME  interface to search on; default lo (multicast TTL 0 there,\n"
    "                    2 elsewhere)\n"
    "  --st TARGET       search target; default ssdp:all\n"
    "  --timeout-ms N    how long to collect replies, 100..60000; default 3000\n"
    "                    (devices may wait up to MX = 2 s before answering)\n"
    "  --fetch           GET each LOCATION and print the device's friendlyName\n"
    "\n"
    "Exits 0 if at least one device answered, 1 otherwise.\n";

struct Options {
  std::string interface = "lo";
  std::string st = "ssdp:all";
  int timeout_ms = 3000;
  bool fetch = false;
};

std::optional<int> ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--fetch") {
      options.fetch = true;
      continue;
    }
    if (i + 1 >= argc || (arg != "--interface" && arg != "--st" && arg != "--timeout-ms")) {
      fmt::print(stderr, "ssdp_discover: unknown option or missing value: {}\n{}", arg, kUsage);
      return 2;
    }
    const std::string value = argv[++i];
    if (arg == "--interface") {
      options.interface = value;
    } else if (arg == "--st") {
      options.st = value;
    } else {
      char* end = nullptr;
      const long ms = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || ms < 100 || ms > 60000) {
        fmt::print(stderr, "ssdp_discover: --timeout-ms takes 100..60000, not \"{}\"\n", value);
        return 2;
      }
      options.timeout_ms = static_cast<int>(ms);
    }
  }
  if (options.st.empty() || options.st.find_first_of("\r\n") != std::string::npos) {
    fmt::print(stderr, "ssdp_discover: invalid --st\n");
    return 2;
  }
  return std::nullopt;
}

std::string UserAgent() {
  utsname name{};
  if (uname(&name) != 0) return ssdp::ProductString("unknown", "0", "rodatagram-ssdp", "0.1");
  return ssdp::ProductString(name.sysname, name.release, "rodatagram-ssdp", "0.1");
}

struct Found {
  ssdp::SearchResponse response;
  int copies = 0;  // replies received with this USN (3 searches: usually 3)
};

// --- A tiny HTTP client (--fetch) --------------------------------------------

struct Url {
  std::string host;
  unsigned short port = 80;
  std::string path;
};

// http://host[:port][/path] with a numeric host: a LOCATION names an
// address, and resolving names could block for seconds.
std::optional<Url> ParseUrl(std::string_view text, std::string& why) {
  constexpr std::string_view kScheme = "http://";
  if (text.substr(0, kScheme.size()) != kScheme) {
    why = "not an http:// URL";
    return std::nullopt;
  }
  text.remove_prefix(kScheme.size());
  const auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  Url url;
  url.path = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "unterminated [IPv6] host";
      return std::nullopt;
    }
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (!port.empty()) {
    const long value = std::strtol(std::string(port).c_str(), nullptr, 10);
    if (value < 1 || value > 65535) {
      why = "bad port";
      return std::nullopt;
    }
    url.port = static_cast<unsigned short>(value);
  }
  return url;
}

// GETs `location` and returns the body of a 200 response.
std::optional<std::string> HttpGet(const std::string& location, std::string& why) {
  const auto url = ParseUrl(location, why);
  if (!url) return std::nullopt;
  asio::error_code error;
  const auto address = asio::ip::make_address(url->host, error);
  if (error) {
    why = "host is not a numeric address";
    return std::nullopt;
  }
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  const std::string request =
      fmt::format("GET {} HTTP/1.1\r\nHOST: {}\r\nUSER-AGENT: {}\r\nCONNECTION: close\r\n\r\n",
                  url->path, location.substr(7, location.find('/', 7) - 7), UserAgent());
  std::string response;
  std::optional<asio::error_code> result;  // set when the exchange ends
  socket.async_connect({address, url->port}, [&](asio::error_code connected) {
    if (connected) {
      result = connected;
      return;
    }
    asio::async_write(socket, asio::buffer(request), [&](asio::error_code written, std::size_t) {
      if (written) {
        result = written;
        return;
      }
      asio::async_read(socket, asio::dynamic_buffer(response, kMaxDescription),
                       [&](asio::error_code read, std::size_t) { result = read; });
    });
  });
  io.run_for(kFetchTimeout);
  if (!result) {
    why = fmt::format("no complete answer within {} ms", kFetchTimeout.count());
    return std::nullopt;
  }
  if (*result && *result != asio::error::eof) {  // CONNECTION: close ends with EOF
    why = result->message();
    return std::nullopt;
  }
  const auto head = ssdp::Parse(response, why);
  if (!head || head->kind != ssdp::Kind::kResponse || head->status_code != 200) {
    if (head) why = fmt::format("HTTP status {}", head->status_code);
    return std::nullopt;
  }
  if (const auto end = response.find("\r\n\r\n"); end != std::string::npos) {
    return response.substr(end + 4);
  }
  const auto end = response.find("\n\n");  // bare-LF server
  return end == std::string::npos ? std::string() : response.substr(end + 2);
}

void PrintTable(const std::map<std::string, Found>& found) {
  std::size_t widths[3] = {3, 2, 8};  // USN, ST, LOCATION
  for (const auto& [usn, f] : found) {
    widths[0] = std::max(widths[0], usn.size());
    widths[1] = std::max(widths[1], f.response.st.size());
    widths[2] = std::max(widths[2], f.response.location.size());
  }
  fmt::print("\n{:<{}}  {:<{}}  {:<{}}  {:>6}  {}\n", "USN", widths[0], "ST", widths[1], "LOCATION",
             widths[2], "COPIES", "SERVER");
  for (const auto& [usn, f] : found) {
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {:>6}  {}\n", usn, widths[0], f.response.st, widths[1],
               f.response.location, widths[2], f.copies, f.response.server);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Options options;
  if (const auto status = ParseOptions(argc, argv, options)) return *status;

  std::string why;
  const auto local = ssdp::FindLocalInterface(options.interface, why);
  if (!local) {
    fmt::print(stderr, "ssdp_discover: {}\n", why);
    return 2;
  }
  // Multicast on a loopback interface must stay on this host: TTL 0.
  const int ttl = local->loopback ? 0 : 2;

  ro::MessagePort port;
  ro::DatagramSocket udp;
  udp.SetPort(port);
  // An ephemeral port on the interface's address: the search leaves with a
  // source the devices can answer (some ignore searches sent from 1900).
  if (!udp.BindToLocalAddress(local->address, 0) || !udp.SetMulticastInterface(local->name) ||
      !udp.SetMulticastTTL(ttl)) {
    fmt::print(stderr, "ssdp_discover: {}\n", udp.GetFailureReason());
    return 1;
  }
  fmt::print("M-SEARCH ST {} MX {} from {}:{} on {} (multicast TTL {}), {} times\n", options.st,
             kMx, local->address, udp.GetLocalPort(), local->name, ttl, kSearches);

  const std::string search = ssdp::FormatSearch(options.st, kMx, UserAgent());
  std::map<std::string, Found> found;  // by USN
  const auto start = Clock::now();
  const auto deadline = start + milliseconds(options.timeout_ms);
  int sent = 0;
  for (;;) {
    const auto now = Clock::now();
    if (sent < kSearches && now >= start + sent * kSearchSpacing) {
      if (udp.SendTo(ssdp::kGroup, ssdp::kPort, search) != 0) {
        fmt::print(stderr, "ssdp_discover: {}\n", udp.GetFailureReason());
        return 1;
      }
      ++sent;
      continue;
    }
    if (now >= deadline) break;
    const auto wake =
        sent < kSearches ? std::min(deadline, start + sent * kSearchSpacing) : deadline;
    const auto left = std::chrono::ceil<milliseconds>(wake - now).count();
    const ro::Message msg = ro::Wait(static_cast<int>(std::max<long long>(1, left)), port);
    const auto* ev = msg ? msg->As<ro::DatagramEvent>() : nullptr;
    if (ev == nullptr) continue;

    const std::string from = fmt::format("{}:{}", ev->GetSourceHost(), ev->GetSourcePort());
    const auto message = ssdp::Parse(ev->GetPayload(), why);
    const auto response = message ? ssdp::ValidateSearchResponse(*message, why) : std::nullopt;
    if (!response) {
      fmt::print("ignored a datagram from {}: {}\n", from, why);
      continue;
    }
    auto [it, inserted] = found.try_emplace(response->usn, Found{*response, 0});
    ++it->second.copies;
    if (inserted) fmt::print("reply from {}: {}\n", from, response->usn);
  }

  std::set<std::string> devices;
  for (const auto& [usn, f] : found) devices.emplace(ssdp::DeviceOfUsn(usn));
  if (!found.empty()) PrintTable(found);

  if (options.fetch) {
    std::set<std::string> locations;
    for (const auto& [usn, f] : found) locations.insert(f.response.location);
    for (const auto& location : locations) {
      const auto body = HttpGet(location, why);
      if (!body) {
        fmt::print("\n{}: fetch failed: {}\n", location, why);
        continue;
      }
      fmt::print("\n{}: friendlyName \"{}\", deviceType {}\n", location,
                 ssdp::XmlElementText(*body, "friendlyName").value_or("(none)"),
                 ssdp::XmlElementText(*body, "deviceType").value_or("(none)"));
    }
  }

  fmt::print("\n{} device{}, {} unique USN{}\n", devices.size(), devices.size() == 1 ? "" : "s",
             found.size(), found.size() == 1 ? "" : "s");
  return devices.empty() ? 1 : 0;
} catch (const std::exception& error) {  // std::bad_alloc, or Asio's on a broken system
  fmt::print(stderr, "ssdp_discover: {}\n", error.what());
  return 1;
}
