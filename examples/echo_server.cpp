// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// echo_server: answers every datagram with the same bytes, to its sender.
// The reply-to-source pattern of SSDP-style servers, written the way the
// BrightScript original reads:
//
//   port = CreateObject("roMessagePort")
//   udp = CreateObject("roDatagramSocket")
//   udp.SetPort(port)
//   if not udp.BindToLocalPort(7) then print udp.GetFailureReason() : stop
//   while true
//     msg = wait(0, port)
//     if type(msg) = "roDatagramEvent" then
//       rc = udp.SendTo(msg.GetSourceHost(), msg.GetSourcePort(), msg.GetByteArray())
//       if rc <> 0 then print "SendTo failed "; rc; " "; udp.GetFailureReason()
//     end if
//   end while
//
// Usage: echo_server [PORT] [--count N]
//   PORT       UDP port to serve (default 0: a free port, printed at start)
//   --count N  exit 0 after echoing N datagrams (default: serve forever)
//
// Try it:  echo_server 5000 &   rodatagram-cat request 127.0.0.1 5000 hi --timeout 500

#include <charconv>
#include <cstdio>
#include <optional>
#include <string_view>

#include <fmt/core.h>

#include <ro/ro.hpp>

namespace {

std::optional<int> ParseInt(std::string_view text, int low, int high) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < low || value > high) return {};
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  int listen_port = 0;
  std::optional<int> count;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--count" && i + 1 < argc) {
      count = ParseInt(argv[++i], 1, 1'000'000'000);
      if (!count) {
        fmt::print(stderr, "echo_server: --count takes a number >= 1\n");
        return 64;
      }
    } else if (const auto port = ParseInt(arg, 0, 65535); port && i == 1) {
      listen_port = *port;
    } else {
      fmt::print(stderr, "usage: echo_server [PORT] [--count N]\n");
      return 64;
    }
  }

  ro::MessagePort port;    // port = CreateObject("roMessagePort")
  ro::DatagramSocket udp;  // udp = CreateObject("roDatagramSocket")
  udp.SetPort(port);
  if (!udp.BindToLocalPort(listen_port)) {
    fmt::print(stderr, "echo_server: {}\n", udp.GetFailureReason());
    return 1;
  }
  fmt::print("echo_server: listening on UDP port {}\n", udp.GetLocalPort());
  std::fflush(stdout);

  int echoed = 0;
  while (!count || echoed < *count) {
    const ro::Message msg = ro::Wait(0, port);  // msg = wait(0, port)
    const auto* event = msg->As<ro::DatagramEvent>();
    if (event == nullptr) continue;  // only datagrams reach this port
    // Reply to the source; GetPayload() is the bytes without a copy
    // (GetByteArray() / GetString() work too).
    const int rc = udp.SendTo(event->GetSourceHost(), event->GetSourcePort(), event->GetPayload());
    if (rc != 0) {
      fmt::print(stderr, "echo_server: SendTo failed {}: {}\n", rc, udp.GetFailureReason());
    }
    fmt::print("echoed {} bytes to {}:{}\n", event->GetPayloadSize(), event->GetSourceHost(),
               event->GetSourcePort());
    std::fflush(stdout);
    ++echoed;
  }
  return 0;
}
