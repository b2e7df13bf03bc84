// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The control point: M-SEARCH from an ephemeral port (some devices ignore
// searches sent from 1900: resourcepool/ssdp-client#40), replies collected
// on the same socket through a MessagePort, and a small blocking HTTP GET
// for LOCATION.

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <set>

#include <ro/ro.hpp>
#include <ro/ssdp/search.hpp>

#include "interfaces.hpp"

namespace ro::ssdp {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kSearchSpacing{300};
constexpr std::size_t kMaxDescription = std::size_t{256} * 1024;

std::string UserAgent() {
  utsname name{};
  if (uname(&name) != 0) return ProductString("unknown", "0", "rodatagram-ssdp", "0.2");
  return ProductString(name.sysname, name.release, "rodatagram-ssdp", "0.2");
}

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(left, 0));
}

// One socket per scope: where it sends to and the HOST header it uses.
struct Channel {
  ro::DatagramSocket socket;
  std::string_view group;
  std::string_view host;
};

bool OpenChannel(Channel& channel, const detail::LocalInterface& local, SearchScope scope,
                 const SearchOptions& options, const ro::MessagePort& port, std::string& why) {
  const bool v6 = scope != SearchScope::kIPv4;
  std::string bind_address = "::";
  if (!v6) {
    const auto address = detail::FirstAddress(local, false, false);
    if (!address) {
      why = "interface " + local.name + " has no IPv4 address";
      return false;
    }
    // Bound to the interface's address: replies come back to it, and the
    // search leaves from an address the devices can answer.
    bind_address = address->Text();
  } else if (!detail::FirstAddress(local, true, true)) {
    why = "interface " + local.name + " has no IPv6 link-local address";
    return false;
  }
  channel.group = scope == SearchScope::kIPv4            ? kGroup
                  : scope == SearchScope::kIPv6LinkLocal ? kGroup6LinkLocal
                                                         : kGroup6SiteLocal;
  channel.host = scope == SearchScope::kIPv4            ? kHost
                 : scope == SearchScope::kIPv6LinkLocal ? kHost6LinkLocal
                                                        : kHost6SiteLocal;
  ro::DatagramSocket& s = channel.socket;
  s.SetPort(port);
  if (!s.BindToLocalAddress(bind_address, 0) || !s.SetMulticastInterface(local.name) ||
      !s.SetMulticastTTL(local.loopback ? 0 : options.ttl)) {
    why = s.GetFailureReason();
    return false;
  }
  return true;
}

struct Url {
  std::string host;
  int port = 80;
  std::string path;
  bool ipv6 = false;
};

bool ParseUrl(std::string_view text, Url& url) {
  constexpr std::string_view kScheme = "http://";
  if (text.substr(0, kScheme.size()) != kScheme) return false;
  text.remove_prefix(kScheme.size());
  const auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  url.path = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    url.host = std::string(authority.substr(1, close - 1));
    url.ipv6 = true;
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return false;
      port_text = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(),
                                             [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    url.port = 0;
    std::from_chars(port_text.data(), port_text.data() + port_text.size(), url.port);
  }
  return !url.host.empty() && url.port > 0 && url.port < 65536 &&
         url.path.find_first_of("\r\n ") == std::string::npos;
}

// Waits for `fd` to become ready for `events`; false on timeout or error.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int ready = poll(&p, 1, RemainingMs(deadline));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}

}  // namespace

std::vector<SearchResult> Discover(const SearchOptions& options, std::string& why) {
  if (options.target.empty() || options.target.size() > kMaxSearchTarget ||
      options.target.find_first_of("\r\n") != std::string::npos) {
    why = "the search target must be 1.." + std::to_string(kMaxSearchTarget) +
          " bytes without line breaks";
    return {};
  }
  if (options.mx < 1 || options.mx > kMaxMx || options.timeout_ms < 100 ||
      options.timeout_ms > 60000 || options.repeats < 1 || options.repeats > 5 ||
      options.scopes.empty()) {
    why = "MX must be 1..5, the timeout 100..60000 ms, repeats 1..5, and a scope given";
    return {};
  }
  std::string list_why;
  const auto interfaces = detail::ListInterfaces(list_why);
  const auto local = std::find_if(interfaces.begin(), interfaces.end(),
                                  [&](const auto& l) { return l.name == options.interface_name; });
  if (local == interfaces.end()) {
    why = list_why.empty()
              ? "no interface \"" + SanitizeForLog(options.interface_name) + "\" with an address"
              : list_why;
    return {};
  }
  ro::MessagePort port;
  std::vector<Channel> channels(options.scopes.size());
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (!OpenChannel(channels[i], *local, options.scopes[i], options, port, why)) return {};
  }
  const std::string agent = UserAgent();
  const auto start = Clock::now();
  const auto deadline = start + milliseconds(options.timeout_ms);
  int sent = 0;
  std::vector<SearchResult> results;
  std::set<std::string, std::less<>> seen;
  while (Clock::now() < deadline) {
    const auto next_send = start + sent * kSearchSpacing;
    if (sent < options.repeats && Clock::now() >= next_send) {
      for (auto& channel : channels) {
        const std::string search = FormatSearch(options.target, options.mx, agent, channel.host);
        if (channel.socket.SendTo(channel.group, kPort, search) != 0) {
          why = channel.socket.GetFailureReason();
          return {};
        }
      }
      ++sent;
      continue;
    }
    const auto until =
        sent < options.repeats ? std::min(deadline, start + sent * kSearchSpacing) : deadline;
    const ro::Message msg = ro::Wait(std::max(1, RemainingMs(until)), port);
    const auto* ev = msg ? msg->As<ro::DatagramEvent>() : nullptr;
    if (ev == nullptr) continue;
    std::string parse_why;
    const auto message = Parse(ev->GetPayload(), parse_why);
    if (!message) continue;
    auto response = ValidateSearchResponse(*message, parse_why);
    if (!response || seen.count(response->usn) != 0) continue;
    seen.insert(response->usn);
    results.push_back({std::move(*response), ev->GetSourceHost(), ev->GetSourcePort()});
  }
  return results;
}

std::string FetchDescription(std::string_view location, std::string_view interface_name,
                             int timeout_ms, std::string& why) {
  Url url;
  if (!ParseUrl(location, url)) {
    why = "not an http:// URL: " + SanitizeForLog(location);
    return {};
  }
  const auto deadline = Clock::now() + milliseconds(timeout_ms);
  sockaddr_storage address{};
  socklen_t length = 0;
  if (url.ipv6) {
    auto* in = reinterpret_cast<sockaddr_in6*>(&address);
    in->sin6_family = AF_INET6;
    in->sin6_port = htons(static_cast<std::uint16_t>(url.port));
    const std::string plain = url.host.substr(0, url.host.find('%'));
    if (inet_pton(AF_INET6, plain.c_str(), &in->sin6_addr) != 1) {
      why = "bad IPv6 host in " + SanitizeForLog(location);
      return {};
    }
    // A link-local host is only meaningful on the interface it was found on.
    if (IN6_IS_ADDR_LINKLOCAL(&in->sin6_addr)) {
      in->sin6_scope_id = if_nametoindex(std::string(interface_name).c_str());
    }
    length = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&address);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(url.port));
    if (inet_pton(AF_INET, url.host.c_str(), &in->sin_addr) != 1) {
      why = "the LOCATION host is not a numeric address: " + SanitizeForLog(url.host);
      return {};
    }
    length = sizeof(sockaddr_in);
  }
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    why = std::string("socket: ") + std::strerror(errno);
    return {};
  }
  std::string body;
  int err = 0;
  socklen_t err_length = sizeof err;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0 &&
      (errno != EINPROGRESS || !WaitFor(fd, POLLOUT, deadline) ||
       getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_length) != 0 || err != 0)) {
    why = "connect to " + SanitizeForLog(location) + ": " +
          (err != 0 ? std::strerror(err) : "timed out or failed");
    close(fd);
    return {};
  }
  const std::string request = "GET " + url.path +
                              " HTTP/1.1\r\nHOST: " + (url.ipv6 ? "[" + url.host + "]" : url.host) +
                              ":" + std::to_string(url.port) + "\r\nCONNECTION: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(fd, POLLOUT, deadline)) break;
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) break;
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[4096];
  while (sent == request.size() && response.size() <= kMaxDescription &&
         WaitFor(fd, POLLIN, deadline)) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) break;
    if (n > 0) response.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  const auto end = response.find("\r\n\r\n");
  if (sent != request.size() || end == std::string::npos || response.size() < 12 ||
      response.compare(0, 7, "HTTP/1.") != 0 || response.compare(9, 3, "200") != 0) {
    why = "GET " + SanitizeForLog(location) + ": no complete 200 response within " +
          std::to_string(timeout_ms) + " ms";
    return {};
  }
  return response.substr(end + 4, kMaxDescription);
}

}  // namespace ro::ssdp
