// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// ssdp_responder: a UPnP root device found over SSDP, on the rodatagram::ssdp
// component (docs/ssdp.md). The program only turns flags into
// ro::ssdp::ResponderOptions, starts the responder and waits for SIGINT or
// SIGTERM, after which Stop() withdraws the device with ssdp:byebye.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include <ro/ssdp.hpp>

namespace {

constexpr const char* kUsage =
    "usage: ssdp_responder [--interface NAME | --all-interfaces] [--uuid UUID]\n"
    "                      [--http-port N] [--device-type URN] [--friendly-name TEXT]\n"
    "                      [--ttl N] [--max-age SECONDS] [--state-file PATH]\n"
    "                      [--instance NAME] [--no-ipv6] [--quiet]\n"
    "\n"
    "A UPnP 1.1 root device announced over SSDP (IPv4 239.255.255.250, IPv6 FF02::C\n"
    "and FF05::C) on port 1900, with its description served over HTTP.\n"
    "\n"
    "  --interface NAME     interface to serve (repeat for several); default lo\n"
    "  --all-interfaces     serve every interface that is up and multicast-capable\n"
    "                       and follow hotplug: a new interface gets ssdp:update and\n"
    "                       alive, one that goes gets byebye (the mode for a player)\n"
    "  --uuid UUID          default: derived from /etc/machine-id and --instance\n"
    "  --instance NAME      tells responders on one host apart; default rodatagram-ssdp\n"
    "  --http-port N        port of the description server; default 0 (any free port)\n"
    "  --device-type URN    default urn:schemas-upnp-org:device:Basic:1\n"
    "  --friendly-name TEXT default \"rodatagram SSDP example\"\n"
    "  --ttl N              multicast TTL of NOTIFY, 0..255; default 2 (0 on loopback)\n"
    "  --max-age SECONDS    CACHE-CONTROL max-age, 60..86400; default 1800\n"
    "  --state-file PATH    keep BOOTID / CONFIGID here, advanced on every start\n"
    "  --no-ipv6            IPv4 only\n"
    "  --quiet              print only errors\n";

bool ParseInt(std::string_view text, int low, int high, int& out) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != text.npos) {
    return false;
  }
  const int value = std::stoi(std::string(text));
  if (value < low || value > high) return false;
  out = value;
  return true;
}

// -1 to run, or the exit status: 0 after --help, 2 on a usage error.
int ParseOptions(int argc, char** argv, ro::ssdp::ResponderOptions& o, bool& quiet) {
  bool all = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--quiet" || arg == "--no-ipv6" || arg == "--all-interfaces") {
      quiet = quiet || arg == "--quiet";
      o.ipv6 = o.ipv6 && arg != "--no-ipv6";
      all = all || arg == "--all-interfaces";
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "ssdp_responder: unknown option or missing value: " << arg << "\n" << kUsage;
      return 2;
    }
    const std::string value = argv[++i];
    bool ok = true;
    if (arg == "--interface") {
      o.interfaces.push_back(value);
    } else if (arg == "--uuid") {
      o.uuid = value;
    } else if (arg == "--instance") {
      o.instance_name = value;
    } else if (arg == "--http-port") {
      ok = ParseInt(value, 0, 65535, o.http.port);
    } else if (arg == "--device-type") {
      o.device_type = value;
    } else if (arg == "--friendly-name") {
      o.friendly_name = value;
      // XML 1.0 allows no control characters; the name goes into the description.
      for (const char c : value) ok = ok && static_cast<unsigned char>(c) >= 0x20;
      ok = ok && !value.empty();
    } else if (arg == "--ttl") {
      ok = ParseInt(value, 0, 255, o.multicast_ttl);
    } else if (arg == "--max-age") {
      ok = ParseInt(value, 60, 86400, o.max_age);
    } else if (arg == "--state-file") {
      o.state_file = value;
    } else {
      std::cerr << "ssdp_responder: unknown option " << arg << "\n" << kUsage;
      return 2;
    }
    if (!ok) {
      std::cerr << "ssdp_responder: invalid value for " << arg << ": \"" << value << "\"\n";
      return 2;
    }
  }
  if (all && !o.interfaces.empty()) {
    std::cerr << "ssdp_responder: --all-interfaces and --interface exclude each other\n";
    return 2;
  }
  if (!all && o.interfaces.empty()) o.interfaces.emplace_back("lo");
  return -1;
}

}  // namespace

int main(int argc, char** argv) try {
  ro::ssdp::ResponderOptions options;
  options.friendly_name = "rodatagram SSDP example";
  bool quiet = false;
  if (const int status = ParseOptions(argc, argv, options, quiet); status >= 0) return status;
  if (!quiet) {
    // Line-buffered even into a pipe: scripts read the lines live.
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    options.log = [](std::string_view line) {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    };
  }
  // SIGINT and SIGTERM are blocked here, so in every thread the responder
  // starts, and taken synchronously with sigwait() below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ro::ssdp::Responder responder(options);
  if (!responder.Start()) {
    std::cerr << "ssdp_responder: " << responder.GetFailureReason() << "\n";
    return 1;
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (!quiet) std::printf("%s: leaving\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  responder.Stop();
  return 0;
} catch (const std::exception& error) {  // std::bad_alloc, std::system_error from std::thread
  std::cerr << "ssdp_responder: " << error.what() << "\n";
  return 1;
}
