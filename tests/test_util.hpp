// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Shared helpers of the socket tests (socket_basics, payload, failure,
// lifetime). Header-only.
//
// Every helper is bounded in time: nothing here waits forever, so a broken
// implementation makes a test fail, never hang. All traffic the tests make
// goes to the loopback addresses 127.0.0.1 and ::1 only.

#ifndef RO_TESTS_TEST_UTIL_HPP_
#define RO_TESTS_TEST_UTIL_HPP_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <ro/byte_array.hpp>
#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/event.hpp>
#include <ro/message_port.hpp>

namespace ro_test {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

/// The only IPv4 destination the tests send to.
inline constexpr const char* kLoopback = "127.0.0.1";
/// The only IPv6 destination the tests send to.
inline constexpr const char* kLoopback6 = "::1";

/// Default bound for anything that should happen "at once" on loopback.
inline constexpr milliseconds kPatience = 5s;

/// Polls `condition` every millisecond until it holds or `limit` passes.
/// Returns the final value of `condition`.
inline bool WaitFor(const std::function<bool()>& condition, milliseconds limit = kPatience) {
  const auto deadline = Clock::now() + limit;
  const long long max_rounds = limit.count() + 1;  // a hard bound besides the clock
  for (long long round = 0; round <= max_rounds; ++round) {
    if (condition()) return true;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

/// Reaps child `pid`, waiting up to `limit` and killing it (SIGKILL) when
/// that passes, so a hung child never outlives the test. `status` is its
/// wait status. Returns false if it had to be killed.
inline bool ReapWithin(pid_t pid, milliseconds limit, int& status) {
  const auto deadline = Clock::now() + limit;
  status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// Milliseconds for WaitMessage(): always positive (0 would wait forever).
inline int TimeoutMs(milliseconds timeout) {
  return static_cast<int>(std::clamp<long long>(timeout.count(), 1, 60'000));
}

/// Waits up to `timeout` for the next message of `port`; nullptr on timeout.
inline ro::Message NextMessage(const ro::MessagePort& port, milliseconds timeout = kPatience) {
  return port.WaitMessage(TimeoutMs(timeout));
}

/// Waits up to `timeout` for the next message of `port` and returns it as a
/// DatagramEvent; nullptr on timeout or if the message is of another type.
inline std::shared_ptr<const ro::DatagramEvent> ReceiveOne(const ro::MessagePort& port,
                                                           milliseconds timeout = kPatience) {
  return std::dynamic_pointer_cast<const ro::DatagramEvent>(NextMessage(port, timeout));
}

/// Receives up to `count` DatagramEvents within `timeout` overall; returns
/// those that arrived (fewer than `count` on timeout).
inline std::vector<std::shared_ptr<const ro::DatagramEvent>> ReceiveMany(
    const ro::MessagePort& port, std::size_t count, milliseconds timeout = kPatience) {
  std::vector<std::shared_ptr<const ro::DatagramEvent>> events;
  events.reserve(count);
  const auto deadline = Clock::now() + timeout;
  while (events.size() < count) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left <= 0ms) break;
    auto event = ReceiveOne(port, left);
    if (event == nullptr) break;
    events.push_back(std::move(event));
  }
  return events;
}

/// Waits until `socket` has read exactly `count` datagrams and has counted
/// each of them as delivered, dropped_by_port or truncated. The counters are
/// not one atomic snapshot and may be updated just after the events are
/// posted, so a test that already holds the events may read them a moment
/// early; this waits for them to settle instead.
inline bool WaitForSettledStatistics(const ro::DatagramSocket& socket, std::uint64_t count,
                                     milliseconds limit = kPatience) {
  return WaitFor(
      [&] {
        const ro::SocketStatistics s = socket.GetStatistics();
        return s.received == count && s.delivered + s.dropped_by_port + s.truncated == count;
      },
      limit);
}

/// True if no message at all reaches `port` within `quiet`.
inline bool StaysEmpty(const ro::MessagePort& port, milliseconds quiet = 200ms) {
  return NextMessage(port, quiet) == nullptr;
}

/// A socket bound to a system-chosen IPv4 port that delivers to `port`.
/// Check GetLocalPort() > 0 in the test: a failed bind leaves it 0.
inline ro::DatagramSocket MakeReceiver(const ro::MessagePort& port) {
  ro::DatagramSocket socket;
  socket.SetPort(port);
  (void)socket.BindToLocalPort(0);
  return socket;
}

/// `size` bytes of a pattern that depends on `seed`, so that datagrams of
/// the same size but different seeds differ, and a shifted or truncated
/// payload shows.
inline std::string Pattern(std::size_t size, std::uint32_t seed = 0) {
  std::string out(size, '\0');
  std::uint32_t x = seed * 2654435761U + 0x9e3779b9U;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x & 0xffU);
  }
  return out;
}

/// The 256 byte values 0x00..0xff in order.
inline ro::ByteArray AllByteValues() {
  ro::ByteArray bytes;
  for (int value = 0; value < 256; ++value) bytes.Push(static_cast<std::uint8_t>(value));
  return bytes;
}

/// Index of the first differing byte of `a` and `b`, or -1 if equal.
inline long long FirstDifference(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<long long>(i);
  }
  return a.size() == b.size() ? -1 : static_cast<long long>(n);
}

/// True if the loopback interface has the IPv6 address ::1.
inline bool HasIpv6Loopback() {
  std::ifstream table("/proc/net/if_inet6");
  std::string address;
  std::string rest;
  while (table >> address && std::getline(table, rest)) {
    if (address == "00000000000000000000000000000001") return true;
  }
  return false;
}

/// The local port of a kernel socket, or 0.
inline int LocalPortOf(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  // sin_port and sin6_port sit at the same offset.
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

/// A plain POSIX UDP peer on 127.0.0.1, so that only the library's own
/// threads use the library. Receives wait at most 3 s.
class UdpPeer {
 public:
  UdpPeer() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    timeval limit{3, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  }
  ~UdpPeer() { close(fd_); }
  UdpPeer(const UdpPeer&) = delete;
  UdpPeer& operator=(const UdpPeer&) = delete;

  /// On loopback the datagram is in the receiver's queue when this returns.
  bool Send(int port, const std::string& text) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, kLoopback, &to.sin_addr);
    return sendto(fd_, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
           static_cast<ssize_t>(text.size());
  }
  /// Sends `text` and waits for it to come back.
  bool RoundTrip(int port, const std::string& text) {
    if (!Send(port, text)) return false;
    char buffer[256];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    return n == static_cast<ssize_t>(text.size()) && std::string(buffer, text.size()) == text;
  }

 private:
  int fd_;
};

}  // namespace ro_test

#endif  // RO_TESTS_TEST_UTIL_HPP_
