// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Helpers of the SSDP namespace tests: the ssdp_responder program as a child
// of the test (in the device namespace), and plain POSIX UDP/TCP sockets
// made inside a peer namespace to act as control points and attackers.
// POSIX rather than the ro API on the peer side, so that what is measured
// does not depend on the library under test.

#ifndef RO_SSDP_TESTS_SSDP_NETNS_UTIL_HPP_
#define RO_SSDP_TESTS_SSDP_NETNS_UTIL_HPP_

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "netns_rig.hpp"

namespace ssdp_test {

using ro_netns::ChildProcess;
using ro_netns::Clock;
using ro_netns::NetnsRig;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

inline constexpr std::string_view kUuid = "5c1b4f3e-2d6a-4e8b-9f01-c0ffee000013";

/// The responder program under test: RO_SSDP_RESPONDER overrides the one
/// built (to show that a test fails against another build, e.g. the old
/// example).
inline std::string ResponderPath() {
  const char* override_path = std::getenv("RO_SSDP_RESPONDER");
  return override_path != nullptr ? override_path : RODATAGRAM_SSDP_RESPONDER;
}

/// A file descriptor closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int Get() const { return fd_; }
  [[nodiscard]] bool Valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// An IPv4 or IPv6 socket address from text ("198.51.100.1", "fe80::1",
/// "ff02::c") with an optional scope (interface index, resolved by the caller
/// in the right namespace).
inline sockaddr_storage Address(const std::string& host, int port, unsigned scope = 0) {
  sockaddr_storage out{};
  if (host.find(':') == std::string::npos) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    EXPECT_EQ(inet_pton(AF_INET, host.c_str(), &in->sin_addr), 1) << host;
  } else {
    auto* in = reinterpret_cast<sockaddr_in6*>(&out);
    in->sin6_family = AF_INET6;
    in->sin6_port = htons(static_cast<std::uint16_t>(port));
    in->sin6_scope_id = scope;
    EXPECT_EQ(inet_pton(AF_INET6, host.c_str(), &in->sin6_addr), 1) << host;
  }
  return out;
}

inline socklen_t Length(const sockaddr_storage& a) {
  return a.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

/// A UDP socket bound to `host`:`port` (created in the calling thread's
/// namespace); `reuse` sets SO_REUSEADDR. Invalid after a recorded failure.
inline Fd UdpSocket(const std::string& host, int port, unsigned scope = 0, bool reuse = false) {
  const sockaddr_storage local = Address(host, port, scope);
  Fd fd(socket(local.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int on = 1;
  if (reuse) setsockopt(fd.Get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (!fd.Valid() ||
      bind(fd.Get(), reinterpret_cast<const sockaddr*>(&local), Length(local)) != 0) {
    ADD_FAILURE() << "bind " << host << ":" << port << ": " << std::strerror(errno);
    return Fd();
  }
  return fd;
}

/// Joins `group` on interface `index` and makes it the multicast interface.
inline bool Join(const Fd& fd, const std::string& group, unsigned index) {
  int rc = 0;
  if (group.find(':') == std::string::npos) {
    ip_mreqn request{};
    inet_pton(AF_INET, group.c_str(), &request.imr_multiaddr);
    request.imr_ifindex = static_cast<int>(index);
    rc = setsockopt(fd.Get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof request);
  } else {
    ipv6_mreq request{};
    inet_pton(AF_INET6, group.c_str(), &request.ipv6mr_multiaddr);
    request.ipv6mr_interface = index;
    rc = setsockopt(fd.Get(), IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &request, sizeof request);
  }
  EXPECT_EQ(rc, 0) << "join " << group << ": " << std::strerror(errno);
  return rc == 0;
}

/// Sets the outgoing interface of IPv6 multicast.
inline void MulticastInterface6(const Fd& fd, unsigned index) {
  const int value = static_cast<int>(index);
  EXPECT_EQ(setsockopt(fd.Get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &value, sizeof value), 0);
}

/// Sets the outgoing interface of IPv4 multicast (the namespaces have no
/// multicast route).
inline void MulticastInterface4(const Fd& fd, unsigned index) {
  ip_mreqn request{};
  request.imr_ifindex = static_cast<int>(index);
  EXPECT_EQ(setsockopt(fd.Get(), IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request), 0);
}

inline bool SendText(const Fd& fd, const std::string& host, int port, std::string_view text,
                     unsigned scope = 0) {
  const sockaddr_storage to = Address(host, port, scope);
  const ssize_t n = sendto(fd.Get(), text.data(), text.size(), 0,
                           reinterpret_cast<const sockaddr*>(&to), Length(to));
  return n == static_cast<ssize_t>(text.size());
}

struct Datagram {
  std::string text;
  milliseconds at;  ///< since Collect() started
};

/// Every datagram `fd` receives within `duration`.
inline std::vector<Datagram> Collect(const Fd& fd, milliseconds duration) {
  std::vector<Datagram> out;
  const auto start = Clock::now();
  const auto deadline = start + duration;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd.Get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    std::string buffer(70000, '\0');
    const ssize_t n = recv(fd.Get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) continue;
    buffer.resize(static_cast<std::size_t>(n));
    out.push_back(
        {std::move(buffer), std::chrono::duration_cast<milliseconds>(Clock::now() - start)});
  }
  return out;
}

/// The value of header `name` (exact spelling, as the responder writes it)
/// in `text`, or "".
inline std::string Header(const std::string& text, const std::string& name) {
  const auto at = text.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 4;
  return text.substr(start, text.find("\r\n", start) - start);
}

/// A unicast or multicast M-SEARCH.
inline std::string Search(const std::string& host, const std::string& st,
                          const std::string& mx = "") {
  std::string out = "M-SEARCH * HTTP/1.1\r\nHOST: " + host + "\r\nMAN: \"ssdp:discover\"\r\n";
  if (!mx.empty()) out += "MX: " + mx + "\r\n";
  return out + "ST: " + st + "\r\n\r\n";
}

/// The responder program running in the device namespace.
class Responder {
 public:
  /// Starts it with `args` and waits for its first ssdp:alive.
  bool Start(std::vector<std::string> args, const std::vector<std::string>& prefix = {}) {
    std::vector<std::string> argv = prefix;
    argv.push_back(ResponderPath());
    argv.insert(argv.end(), args.begin(), args.end());
    std::string error;
    if (!child_.Start(argv, &error)) {
      ADD_FAILURE() << error;
      return false;
    }
    const bool up = WaitFor("NOTIFY ssdp:alive", 5s);
    if (!up) ADD_FAILURE() << "the responder did not announce:\n" << child_.Output();
    return up;
  }

  /// Waits until a line contains `text`.
  bool WaitFor(const std::string& text, milliseconds limit) {
    return child_.ReadUntil(
        [&](const std::vector<std::string>& lines) {
          for (const auto& line : lines) {
            if (line.find(text) != std::string::npos) return true;
          }
          return false;
        },
        limit);
  }

  /// SIGTERM, then the exit status (nullopt if it had to be killed).
  std::optional<int> Stop() {
    if (child_.Pid() > 0) kill(child_.Pid(), SIGTERM);
    child_.ReadToEnd(5s);
    return child_.Wait(1s);
  }

  /// Reads what is pending for up to `limit` and returns all output.
  std::string Output(milliseconds limit = 100ms) {
    child_.ReadUntil([](const auto&) { return false; }, limit);
    return child_.Output();
  }

  /// The first "http://host:port" of a LOCATION in the log with `host`.
  std::string HttpPortOf(const std::string& host) {
    const std::string output = Output();
    const auto at = output.find("http://" + host + ":");
    if (at == std::string::npos) return "";
    const auto start = at + 8 + host.size();
    return output.substr(start, output.find('/', start) - start);
  }

  /// user + system CPU seconds from /proc/<pid>/stat.
  double CpuSeconds() const {
    std::ifstream stat("/proc/" + std::to_string(child_.Pid()) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos) return -1;
    std::istringstream fields(text.substr(close_paren + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  [[nodiscard]] pid_t Pid() const { return child_.Pid(); }

 private:
  ChildProcess child_;
};

/// Runs `fn` in peer `k`'s namespace and returns what it returns.
template <class Fn>
auto InPeer(NetnsRig& rig, int k, Fn fn) -> decltype(fn()) {
  decltype(fn()) result{};
  EXPECT_TRUE(rig.RunInPeer(k, [&] { result = fn(); }));
  return result;
}

/// A responder test on the rig with one link, and the responder's arguments
/// for it: that interface and the fixed kUuid.
class OneLinkTest : public ro_netns::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    ASSERT_GE(rig_.AddLink(), 0);
  }
  std::vector<std::string> Args() const {
    return {"--interface", rig_.DeviceInterface(0), "--uuid", std::string(kUuid)};
  }
};

}  // namespace ssdp_test

#endif  // RO_SSDP_TESTS_SSDP_NETNS_UTIL_HPP_
