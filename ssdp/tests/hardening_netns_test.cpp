// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The ssdp_responder program attacked from a peer namespace (issue 13):
// amplification, off-subnet sources, attacker-sized and hostile ST values,
// and descriptor exhaustion of the description server. Each test failed
// against the old example (RO_SSDP_RESPONDER=<old build> to see it).

#include <netinet/tcp.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ro/ssdp/responder.hpp>

#include "ssdp_netns_util.hpp"

namespace {

using namespace ssdp_test;  // NOLINT: test helpers

class SsdpHardening : public OneLinkTest {};

TEST_F(SsdpHardening, ABurstOf200UnicastSsdpAllSearchesDrawsAtMostThreeTimesItsBytes) {
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  const std::string device = rig_.DeviceAddress(0);
  Fd peer = InPeer(rig_, 0, [&] { return UdpSocket(rig_.PeerAddress(0), 0); });
  ASSERT_TRUE(peer.Valid());
  const std::string search = Search(device + ":1900", "ssdp:all");
  std::size_t request_bytes = 0;
  const auto start = Clock::now();
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(SendText(peer, device, 1900, search));
    request_bytes += search.size();
  }
  std::size_t reply_bytes = 0;
  std::size_t replies = 0;
  for (const auto& d : Collect(peer, 1500ms)) {
    reply_bytes += d.text.size();
    ++replies;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("200 searches, %zu bytes in; %zu replies, %zu bytes out: %.2fx\n", request_bytes,
              replies, reply_bytes,
              static_cast<double>(reply_bytes) / static_cast<double>(request_bytes));
  EXPECT_GE(replies, 4U) << "the first search is answered in full";
  // 3x what the source sent, plus the default allowance of a source that
  // has sent nothing yet and what comes back of it while the test runs
  // (ro::ssdp::BudgetOptions).
  const ro::ssdp::BudgetOptions budget;
  const double allowed = budget.ratio * static_cast<double>(request_bytes) +
                         static_cast<double>(budget.per_source_burst_bytes) +
                         static_cast<double>(budget.per_source_bytes_per_second) * seconds;
  EXPECT_LE(static_cast<double>(reply_bytes), allowed) << responder.Output();
  EXPECT_LT(static_cast<double>(reply_bytes), 3.5 * static_cast<double>(request_bytes));
}

TEST_F(SsdpHardening, ASearchFromOutsideTheArrivalInterfacesSubnetGetsNoReply) {
  // 203.0.113.99 is on the peer's link but not in the device's 198.51.100.0/28;
  // the device has a route to it, so a reply would arrive if one were sent.
  ASSERT_TRUE(rig_.RunCommandInPeer(
                      0, {"ip", "addr", "add", "203.0.113.99/32", "dev", rig_.PeerInterface(0)})
                  .ok);
  ASSERT_TRUE(rig_.RunCommandInDevice(
                      {"ip", "route", "add", "203.0.113.99/32", "dev", rig_.DeviceInterface(0)})
                  .ok);
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  const std::string device = rig_.DeviceAddress(0);
  Fd outsider = InPeer(rig_, 0, [&] { return UdpSocket("203.0.113.99", 0); });
  Fd neighbour = InPeer(rig_, 0, [&] { return UdpSocket(rig_.PeerAddress(0), 0); });
  ASSERT_TRUE(outsider.Valid() && neighbour.Valid());
  const std::string search = Search(device + ":1900", "upnp:rootdevice");
  ASSERT_TRUE(SendText(outsider, device, 1900, search));
  ASSERT_TRUE(SendText(neighbour, device, 1900, search));
  const auto to_neighbour = Collect(neighbour, 1000ms);
  const auto to_outsider = Collect(outsider, 200ms);
  ASSERT_EQ(to_neighbour.size(), 1U) << "guard: a search from the subnet is answered";
  EXPECT_LT(to_neighbour[0].at, 1000ms) << "unicast without MX: answered within 1 s";
  EXPECT_TRUE(to_outsider.empty()) << to_outsider.front().text;
  EXPECT_TRUE(responder.WaitFor("not on a subnet of", 1s)) << responder.Output();
}

TEST_F(SsdpHardening, AnAttackerSizedStIsNeitherEchoedNorLoggedWhole) {
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  const std::string device = rig_.DeviceAddress(0);
  Fd peer = InPeer(rig_, 0, [&] { return UdpSocket(rig_.PeerAddress(0), 0); });
  ASSERT_TRUE(peer.Valid());
  // A type search whose version is 1 with 30,000 leading zeros: it matches
  // Basic:1 numerically, and the old example echoed it (twice: ST and USN).
  const std::string huge = "urn:schemas-upnp-org:device:Basic:" + std::string(30000, '0') + "1";
  ASSERT_TRUE(SendText(peer, device, 1900, Search(device + ":1900", huge)));
  // Bytes >= 0x80 (not UTF-8) in a short ST, and terminal escapes (which
  // the parser refuses as control characters).
  ASSERT_TRUE(
      SendText(peer, device, 1900, Search(device + ":1900", "urn:x:device:\xff\xfe\xc3(:1")));
  ASSERT_TRUE(SendText(peer, device, 1900,
                       Search(device + ":1900", "urn:x:device:\x1b]0;owned\x07\x1b[2J:1")));
  ASSERT_TRUE(SendText(peer, device, 1900, Search(device + ":1900", "upnp:rootdevice")));
  const auto replies = Collect(peer, 1000ms);
  ASSERT_EQ(replies.size(), 1U) << "guard: only the ordinary search is answered";
  EXPECT_LT(replies[0].text.size(), 1024U);
  const std::string log = responder.Output(300ms);
  std::size_t longest = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) longest = std::max(longest, line.size());
  EXPECT_LT(longest, 512U) << "a log line carries the attacker's ST whole";
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "raw ESC in the log";
  EXPECT_EQ(log.find('\x07'), std::string::npos) << "raw BEL in the log";
  EXPECT_EQ(log.find('\xff'), std::string::npos) << "raw 0xff in the log";
  EXPECT_NE(log.find("\\xff\\xfe"), std::string::npos)
      << "guard: the hostile ST was logged, escaped";
}

// Opens `count` TCP connections to host:port from the calling thread's
// namespace and leaves them idle.
std::vector<Fd> IdleConnections(const std::string& host, int port, int count) {
  std::vector<Fd> out;
  const sockaddr_storage to = Address(host, port);
  for (int i = 0; i < count; ++i) {
    Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    (void)connect(fd.Get(), reinterpret_cast<const sockaddr*>(&to), Length(to));
    out.push_back(std::move(fd));
  }
  return out;
}

// True when a GET of /description.xml gets a 200 within `limit`.
bool DescriptionServed(const std::string& host, int port, milliseconds limit) {
  const sockaddr_storage to = Address(host, port);
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const timeval timeout{static_cast<time_t>(limit.count() / 1000),
                        static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
  setsockopt(fd.Get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd.Get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect(fd.Get(), reinterpret_cast<const sockaddr*>(&to), Length(to)) != 0) return false;
  const std::string request = "GET /description.xml HTTP/1.1\r\nHOST: x\r\n\r\n";
  if (send(fd.Get(), request.data(), request.size(), MSG_NOSIGNAL) < 0) return false;
  char buffer[64] = {};
  const ssize_t n = recv(fd.Get(), buffer, sizeof buffer - 1, 0);
  return n > 12 && std::string(buffer).rfind("HTTP/1.1 200", 0) == 0;
}

TEST_F(SsdpHardening, TheDescriptionServerDoesNotSpinWhenDescriptorsRunOut) {
  Responder responder;
  // 40 descriptors: a dozen for the responder itself, the rest for clients.
  ASSERT_TRUE(responder.Start(Args(), {"prlimit", "--nofile=40:40", "--"}));
  const std::string device = rig_.DeviceAddress(0);
  const std::string port_text = responder.HttpPortOf(device);
  ASSERT_FALSE(port_text.empty()) << responder.Output();
  const int port = std::stoi(port_text);
  std::vector<Fd> idle;
  ASSERT_TRUE(rig_.RunInPeer(0, [&] { idle = IdleConnections(device, port, 100); }));
  std::this_thread::sleep_for(300ms);  // let them be accepted
  const double before = responder.CpuSeconds();
  std::this_thread::sleep_for(3s);
  const double used = responder.CpuSeconds() - before;
  std::printf("100 idle connections, RLIMIT_NOFILE 40: %.3f CPU-seconds in 3 s\n", used);
  EXPECT_GE(before, 0.0);
  EXPECT_LT(used, 0.3) << responder.Output();
  // Idle clients are cut off after the request timeout (5 s), and the
  // server then serves again. The 100 idle connections wait in the listen
  // backlog in batches of what the descriptor limit lets it accept, each
  // batch cut off 5 s after its accept: up to four batches before a new
  // request's turn, so the attempts span 40 s.
  bool served = false;
  ASSERT_TRUE(rig_.RunInPeer(0, [&] {
    for (int attempt = 0; attempt < 20 && !served; ++attempt) {
      served = DescriptionServed(device, port, 2000ms);
    }
  }));
  idle.clear();
  EXPECT_TRUE(served) << responder.Output();
}

TEST_F(SsdpHardening, TheDescriptionServerHoldsAtMost32ConnectionsAndClosesIdleOnes) {
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  const std::string device = rig_.DeviceAddress(0);
  const int port = std::stoi(responder.HttpPortOf(device));
  std::vector<Fd> idle;
  ASSERT_TRUE(rig_.RunInPeer(0, [&] { idle = IdleConnections(device, port, 60); }));
  std::this_thread::sleep_for(500ms);
  // Connections the server accepted are descriptors of its process.
  int sockets = 0;
  const std::string fd_dir = "/proc/" + std::to_string(responder.Pid()) + "/fd";
  for (int fd = 0; fd < 1024; ++fd) {
    char target[64] = {};
    const std::string link = fd_dir + "/" + std::to_string(fd);
    if (readlink(link.c_str(), target, sizeof target - 1) > 0 &&
        std::string(target).rfind("socket:", 0) == 0) {
      ++sockets;
    }
  }
  EXPECT_LE(sockets, 32 + 8) << "32 clients plus the responder's own sockets";
  EXPECT_GE(sockets, 32) << "guard: the server did accept clients";
  // The first ones were accepted and must be closed by the server after 5 s.
  pollfd p{idle[0].Get(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 7000), 1) << "an idle connection was never closed";
}

}  // namespace
