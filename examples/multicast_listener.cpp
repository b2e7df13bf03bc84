// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// multicast_listener: hears a multicast group on every network interface,
// and joins again whenever roNetworkHotplug reports a new network. It is the
// vendor's multicast listener, line for line:
//
//   mp = CreateObject("roMessagePort")
//   udp = CreateObject("roDatagramSocket")
//   udp.SetPort(mp)
//   udp.SetUserData("listener")
//   if not udp.BindToLocalPort(5000) then print "bind failed: "; udp.GetFailureReason() : stop
//   group$ = "239.192.0.1"
//   if not udp.JoinMulticastGroup(group$) then print "join failed: "; udp.GetFailureReason()
//   hp = CreateObject("roNetworkHotplug")
//   hp.SetPort(mp)
//   while true
//       msg = wait(0, mp)
//       if type(msg) = "roDatagramEvent" then
//           print msg.GetSourceHost(); " -> "; msg.GetString()
//       else if type(msg) = "roNetworkAttached" then
//           udp.JoinMulticastGroup(group$)      ' idempotent re-join on the new interface
//       end if
//   end while
//
// Usage: multicast_listener [--port N] [--group G] [--count N] [--timeout-ms N]
//
//   --port N        UDP port (default 5000)
//   --group G       IPv4 or IPv6 group (default 239.192.0.1); an IPv6 group
//                   binds "::" instead of BindToLocalPort
//   --count N       exit 0 after N datagrams (default 0: no limit)
//   --timeout-ms N  stop after N ms (default 0: none); exits 1 if --count
//                   datagrams had not arrived by then, 0 if no count was set
//
// Prints one line per datagram, "<source> -> <text> (on <interface>)", and
// one per hotplug event. Runs forever only with neither --count nor
// --timeout-ms. Run it in a private network namespace when you try it out: it
// joins the group on every interface that is up.

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include <ro/ro.hpp>

namespace {

struct Options {
  int port = 5000;
  std::string group = "239.192.0.1";
  long count = 0;
  long timeout_ms = 0;
};

bool ParseNumber(const char* text, long low, long high, long& out) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < low || value > high) return false;
  out = value;
  return true;
}

// Returns false (after printing why) on a bad command line.
bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      fmt::print("usage: {} [--port N] [--group G] [--count N] [--timeout-ms N]\n", argv[0]);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      fmt::print(stderr, "{}: {} needs a value\n", argv[0], flag);
      return false;
    }
    const char* value = argv[++i];
    long number = 0;
    if (flag == "--group") {
      options.group = value;
    } else if (flag == "--port" && ParseNumber(value, 1, 65535, number)) {
      options.port = static_cast<int>(number);
    } else if (flag == "--count" && ParseNumber(value, 0, 1'000'000'000, number)) {
      options.count = number;
    } else if (flag == "--timeout-ms" && ParseNumber(value, 0, 1'000'000'000, number)) {
      options.timeout_ms = number;
    } else {
      fmt::print(stderr, "{}: bad option or value: {} {}\n", argv[0], flag, value);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) return 2;
  // One line at a time even into a pipe, so whoever reads us sees each event.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  ro::MessagePort mp;      // mp = CreateObject("roMessagePort")
  ro::DatagramSocket udp;  // udp = CreateObject("roDatagramSocket")
  udp.SetPort(mp);
  udp.SetUserData(std::string("listener"));
  const bool ipv6 = options.group.find(':') != std::string::npos;
  const bool bound =
      ipv6 ? udp.BindToLocalAddress("::", options.port) : udp.BindToLocalPort(options.port);
  if (!bound) {
    fmt::print("bind failed: {}\n", udp.GetFailureReason());
    return 1;  // stop
  }
  const std::string& group = options.group;  // group$ = "239.192.0.1"
  if (!udp.JoinMulticastGroup(group)) {
    // Not fatal, as on the player: a network that comes up later is joined
    // on its roNetworkAttached.
    fmt::print("join failed: {}\n", udp.GetFailureReason());
  }
  ro::NetworkHotplug hp;  // hp = CreateObject("roNetworkHotplug")
  hp.SetPort(mp);
  if (!hp.GetFailureReason().empty()) fmt::print("hotplug: {}\n", hp.GetFailureReason());
  fmt::print("listening on port {} for group {}\n", options.port, group);

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(options.timeout_ms);
  long received = 0;
  while (options.count == 0 || received < options.count) {
    int wait_ms = 0;  // 0 = wait forever, as wait(0, mp)
    if (options.timeout_ms > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      wait_ms = static_cast<int>(left);
    }
    const ro::Message msg = ro::Wait(wait_ms, mp);  // msg = wait(0, mp)
    if (msg == nullptr) break;                      // invalid: the timeout passed
    if (const auto* datagram = msg->As<ro::DatagramEvent>()) {
      fmt::print("{} -> {} (on {})\n", datagram->GetSourceHost(), datagram->GetString(),
                 datagram->GetInterfaceName());
      ++received;
    } else if (const auto* attached = msg->As<ro::NetworkAttachedEvent>()) {
      // Idempotent re-join: joins the new interface, harmless for the others.
      if (udp.JoinMulticastGroup(group)) {
        fmt::print("roNetworkAttached: {} (index {}): joined {} again\n", attached->GetString(),
                   attached->GetInt(), group);
      } else {
        fmt::print("roNetworkAttached: {} (index {}): join failed: {}\n", attached->GetString(),
                   attached->GetInt(), udp.GetFailureReason());
      }
    } else if (const auto* detached = msg->As<ro::NetworkDetachedEvent>()) {
      fmt::print("roNetworkDetached: {} (index {})\n", detached->GetString(), detached->GetInt());
    }
  }

  if (options.count > 0 && received < options.count) {
    fmt::print("timed out after {} ms with {} of {} datagrams\n", options.timeout_ms, received,
               options.count);
    return 1;
  }
  return 0;
}
