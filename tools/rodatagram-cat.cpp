// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// rodatagram-cat: the UDP tool a test harness shells out to. Listens and
// prints datagrams, sends one, or sends a request and prints the first
// reply. Run `rodatagram-cat --help` for the usage.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include <ro/ro.hpp>

namespace {

// Exit codes: 64 is EX_USAGE of sysexits.h.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitTimeout = 2;
constexpr int kExitUsage = 64;

constexpr std::string_view kUsage = R"(usage:
  rodatagram-cat listen PORT [--group G [--interface IF]] [--hex] [--count N] [--timeout-ms N]
  rodatagram-cat send HOST PORT TEXT
  rodatagram-cat send HOST PORT --hex HEX
  rodatagram-cat request HOST PORT TEXT [--hex] --timeout MS
  rodatagram-cat --help | --version

listen   binds UDP PORT (0 = a free port) on every local IPv4 address and
         prints each datagram as one line "<host>:<port> <payload>"
         ("[<host>]:<port>" for IPv6 senders). The bound port is reported on
         stderr first: "rodatagram-cat: listening on UDP port N".
         --group G      also join multicast group G on every interface that is
                        up (and on interfaces that come up later); the port is
                        bound with address reuse so other listeners may share it
         --interface IF join G only on interface IF (name or address)
         --count N      exit 0 after N datagrams
         --timeout-ms N stop after N ms: exit 0, or 2 if --count was given and
                        fewer than N datagrams came
send     sends one datagram to HOST:PORT. HOST is a numeric IPv4/IPv6 address,
         "localhost", or a broadcast destination of roDatagramSender:
         "255.255.255.255", "BCAST-LOCAL-SUBNETS", "BCAST-SUBNET-n".
request  sends one datagram to HOST:PORT from a free port and prints the first
         datagram that comes back to that port, from any sender, in the listen
         format; exits 2 if none comes within --timeout MS.

--hex    the payload argument is hex digit pairs ("48690a"), and datagrams are
         printed as upper-case hex; without it payloads are text, printed with
         \\, \n, \r, \t and \xHH escapes so that each datagram is one line.
--timeout and --timeout-ms are synonyms. Options may come anywhere after the
mode; "--" ends the options (for a TEXT that starts with "--").

Host names are not resolved. Exit status: 0 success, 1 a network call failed
(the reason is printed), 2 timeout, 64 bad command line.
)";

struct Options {
  std::string mode;
  std::vector<std::string> positional;
  bool hex = false;
  std::optional<std::string> group;
  std::optional<std::string> interface_name;
  std::optional<int> count;
  std::optional<int> timeout_ms;
};

int UsageError(const std::string& message) {
  fmt::print(stderr, "rodatagram-cat: {}\nTry 'rodatagram-cat --help'.\n", message);
  return kExitUsage;
}

// Parses all of `text` as an integer in [low, high].
std::optional<int> ParseInt(std::string_view text, int low, int high) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

// Reads `name`'s value: "--name=value" or the next argument.
bool TakeValue(const std::vector<std::string_view>& args, std::size_t& i, std::string_view name,
               std::string_view arg, std::string& value, std::string& error) {
  if (arg.size() > name.size() && arg[name.size()] == '=') {
    value = std::string(arg.substr(name.size() + 1));
    return true;
  }
  if (i + 1 >= args.size()) {
    error = fmt::format("{} needs a value", name);
    return false;
  }
  value = std::string(args[++i]);
  return true;
}

bool ParseOptions(const std::vector<std::string_view>& args, Options& options, std::string& error) {
  bool only_positional = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (only_positional || arg.substr(0, 2) != "--") {
      options.positional.emplace_back(arg);
      continue;
    }
    const std::string_view name = arg.substr(0, arg.find('='));
    std::string value;
    if (arg == "--") {
      only_positional = true;
    } else if (arg == "--hex") {
      options.hex = true;
    } else if (name == "--group" || name == "--interface") {
      if (!TakeValue(args, i, name, arg, value, error)) return false;
      (name == "--group" ? options.group : options.interface_name) = value;
    } else if (name == "--count") {
      if (!TakeValue(args, i, name, arg, value, error)) return false;
      options.count = ParseInt(value, 1, 1'000'000'000);
      if (!options.count) {
        error = fmt::format("--count takes a number of datagrams >= 1 (got '{}')", value);
        return false;
      }
    } else if (name == "--timeout" || name == "--timeout-ms") {
      if (!TakeValue(args, i, name, arg, value, error)) return false;
      options.timeout_ms = ParseInt(value, 1, 1'000'000'000);
      if (!options.timeout_ms) {
        error = fmt::format("{} takes milliseconds >= 1 (got '{}')", name, value);
        return false;
      }
    } else {
      error = fmt::format("unknown option '{}'", arg);
      return false;
    }
  }
  return true;
}

// Refuses the options that `mode` does not take.
bool CheckAllowed(const Options& o, bool group, bool count, bool timeout, std::string& error) {
  const char* bad = nullptr;
  if (!group && o.group) bad = "--group";
  if (!group && o.interface_name) bad = "--interface";
  if (!count && o.count) bad = "--count";
  if (!timeout && o.timeout_ms) bad = "--timeout";
  if (bad != nullptr) {
    error = fmt::format("{} is not an option of '{}'", bad, o.mode);
    return false;
  }
  return true;
}

std::string Escape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u >= 0x20 && u < 0x7f) {
          out += c;
        } else {
          out += fmt::format("\\x{:02x}", u);
        }
    }
  }
  return out;
}

void PrintDatagram(const ro::DatagramEvent& event, bool hex) {
  const std::string host = event.GetSourceHost();
  const bool v6 = host.find(':') != std::string::npos;
  const std::string payload = hex ? event.GetByteArray().ToHexString() : Escape(event.GetPayload());
  fmt::print("{}{}{}:{} {}\n", v6 ? "[" : "", host, v6 ? "]" : "", event.GetSourcePort(), payload);
  // One line per datagram, visible at once to a harness reading a pipe.
  std::fflush(stdout);
}

bool IsMulticastGroup(const std::string& group) {
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, group.c_str(), &v4) == 1) return IN_MULTICAST(ntohl(v4.s_addr));
  return inet_pton(AF_INET6, group.c_str(), &v6) == 1 && IN6_IS_ADDR_MULTICAST(&v6);
}

// The payload argument: text as is, or decoded hex.
bool Payload(const Options& o, std::string& payload, std::string& error) {
  const std::string& argument = o.positional[2];
  if (!o.hex) {
    payload = argument;
    return true;
  }
  ro::ByteArray bytes;
  if (!bytes.FromHexString(argument)) {
    error = fmt::format("'{}' is not hex digit pairs", argument);
    return false;
  }
  payload = std::string(bytes.View());
  return true;
}

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, at least 1 (Wait(0) waits forever).
int MillisecondsLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

int Listen(const Options& o) {
  std::string error;
  if (o.positional.size() != 1) return UsageError("listen takes one PORT");
  const auto port = ParseInt(o.positional[0], 0, 65535);
  if (!port) return UsageError(fmt::format("PORT must be 0..65535 (got '{}')", o.positional[0]));
  if (o.interface_name && !o.group) return UsageError("--interface needs --group");
  if (o.group && !IsMulticastGroup(*o.group)) {
    return UsageError(fmt::format("'{}' is not a numeric multicast group", *o.group));
  }

  ro::MessagePort queue;
  ro::DatagramSocket udp;
  udp.SetPort(queue);
  const bool v6_group = o.group && o.group->find(':') != std::string::npos;
  bool bound = false;
  if (o.group) {
    // Multicast ports (1900, ...) are often shared with another listener.
    (void)udp.SetReuseAddress(true);
    bound = v6_group ? udp.BindToLocalAddress("::", *port) : udp.BindToLocalPort(*port);
  } else {
    bound = udp.BindToLocalPort(*port);
  }
  if (!bound) {
    fmt::print(stderr, "rodatagram-cat: {}\n", udp.GetFailureReason());
    return kExitFailure;
  }
  if (o.group) {
    const bool joined = o.interface_name ? udp.JoinMulticastGroup(*o.group, *o.interface_name)
                                         : udp.JoinMulticastGroup(*o.group);
    if (!joined) {
      fmt::print(stderr, "rodatagram-cat: {}\n", udp.GetFailureReason());
      return kExitFailure;
    }
    if (!o.interface_name && !udp.SetAutoRejoin(true)) {
      fmt::print(stderr, "rodatagram-cat: warning: no automatic re-join: {}\n",
                 udp.GetFailureReason());
    }
  }
  fmt::print(stderr, "rodatagram-cat: listening on UDP port {}{}\n", udp.GetLocalPort(),
             o.group ? fmt::format(" (group {})", *o.group) : "");
  std::fflush(stderr);

  const auto deadline = Clock::now() + std::chrono::milliseconds(o.timeout_ms.value_or(0));
  int received = 0;
  while (!o.count || received < *o.count) {
    int wait_ms = 0;  // no --timeout-ms: wait forever, like wait(0, port)
    if (o.timeout_ms) {
      wait_ms = MillisecondsLeft(deadline);
      if (wait_ms == 0) break;
    }
    const ro::Message msg = ro::Wait(wait_ms, queue);
    if (msg == nullptr) break;
    if (const auto* event = msg->As<ro::DatagramEvent>()) {
      PrintDatagram(*event, o.hex);
      ++received;
    }
  }
  if (o.count && received < *o.count) {
    fmt::print(stderr, "rodatagram-cat: {} of {} datagrams within {} ms\n", received, *o.count,
               *o.timeout_ms);
    return kExitTimeout;
  }
  return kExitOk;
}

int Send(const Options& o) {
  if (o.positional.size() != 3) return UsageError("send takes HOST PORT TEXT (or --hex HEX)");
  const auto port = ParseInt(o.positional[1], 1, 65535);
  if (!port) return UsageError(fmt::format("PORT must be 1..65535 (got '{}')", o.positional[1]));
  std::string payload;
  std::string error;
  if (!Payload(o, payload, error)) return UsageError(error);

  // roDatagramSender: it also knows the legacy broadcast destinations.
  ro::DatagramSender sender;
  if (!sender.SetDestination(o.positional[0], *port)) {
    return UsageError(sender.GetFailureReason());
  }
  if (sender.Send(payload) != 0) {
    fmt::print(stderr, "rodatagram-cat: {}\n", sender.GetFailureReason());
    return kExitFailure;
  }
  return kExitOk;
}

int Request(const Options& o) {
  if (o.positional.size() != 3) return UsageError("request takes HOST PORT TEXT");
  if (!o.timeout_ms) return UsageError("request needs --timeout MS");
  const auto port = ParseInt(o.positional[1], 1, 65535);
  if (!port) return UsageError(fmt::format("PORT must be 1..65535 (got '{}')", o.positional[1]));
  std::string payload;
  std::string error;
  if (!Payload(o, payload, error)) return UsageError(error);

  ro::MessagePort queue;
  ro::DatagramSocket udp;
  udp.SetPort(queue);
  // Discovery requests go to broadcast addresses; replies come back unicast.
  (void)udp.SetBroadcast(true);
  const auto deadline = Clock::now() + std::chrono::milliseconds(*o.timeout_ms);
  if (const int rc = udp.SendTo(o.positional[0], *port, payload); rc != 0) {
    // -EINVAL: the host or port was refused before anything was sent.
    if (rc == -EINVAL) return UsageError(udp.GetFailureReason());
    fmt::print(stderr, "rodatagram-cat: {}\n", udp.GetFailureReason());
    return kExitFailure;
  }
  for (int left = MillisecondsLeft(deadline); left > 0; left = MillisecondsLeft(deadline)) {
    const ro::Message msg = ro::Wait(left, queue);
    if (msg == nullptr) break;
    if (const auto* event = msg->As<ro::DatagramEvent>()) {
      PrintDatagram(*event, o.hex);
      return kExitOk;
    }
  }
  fmt::print(stderr, "rodatagram-cat: no reply to {}:{} within {} ms\n", o.positional[0], *port,
             *o.timeout_ms);
  return kExitTimeout;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (const std::string_view arg : args) {
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h") {
      fmt::print("{}", kUsage);
      return kExitOk;
    }
    if (arg == "--version") {
      fmt::print("rodatagram-cat {}.{}.{}\n", ro::Version() / 10000, ro::Version() / 100 % 100,
                 ro::Version() % 100);
      return kExitOk;
    }
  }
  if (args.empty()) return UsageError("no mode given (listen, send or request)");

  Options options;
  options.mode = std::string(args[0]);
  std::string error;
  if (!ParseOptions(args, options, error)) return UsageError(error);
  if (options.mode == "listen") {
    if (!CheckAllowed(options, true, true, true, error)) return UsageError(error);
    return Listen(options);
  }
  if (options.mode == "send") {
    if (!CheckAllowed(options, false, false, false, error)) return UsageError(error);
    return Send(options);
  }
  if (options.mode == "request") {
    if (!CheckAllowed(options, false, false, true, error)) return UsageError(error);
    return Request(options);
  }
  return UsageError(fmt::format("unknown mode '{}' (listen, send or request)", options.mode));
}
