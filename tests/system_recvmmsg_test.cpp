// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// sys::SystemRecvmmsg (src/sys.hpp) makes a recvmmsg for one datagram as
// recvmsg, which is cheaper; the receive path cannot tell the two apart.
// Each case reads the same kind of datagram once with the kernel's recvmmsg
// and once through SystemRecvmmsg and compares what the headers say. Real
// sockets on 127.0.0.1.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "sys.hpp"

namespace {

namespace sys = ro::detail::sys;

// A bound, non-blocking receiver on 127.0.0.1 and a sender aimed at it.
class Pair {
 public:
  Pair() {
    receiver_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sender_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    const int on = 1;
    ::setsockopt(receiver_, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(receiver_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    socklen_t length = sizeof local;
    ::getsockname(receiver_, reinterpret_cast<sockaddr*>(&local), &length);
    ::connect(sender_, reinterpret_cast<sockaddr*>(&local), sizeof local);
  }
  ~Pair() {
    ::close(receiver_);
    ::close(sender_);
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;

  bool Send(const std::string& payload) const {
    return ::send(sender_, payload.data(), payload.size(), 0) ==
           static_cast<ssize_t>(payload.size());
  }
  int receiver() const { return receiver_; }

 private:
  int receiver_ = -1;
  int sender_ = -1;
};

// One receive header over a buffer of `capacity` bytes.
struct Header {
  explicit Header(std::size_t capacity) : buffer(capacity, '\0') {
    io.iov_base = buffer.data();
    io.iov_len = buffer.size();
    entry.msg_hdr.msg_name = &from;
    entry.msg_hdr.msg_namelen = sizeof from;
    entry.msg_hdr.msg_iov = &io;
    entry.msg_hdr.msg_iovlen = 1;
    entry.msg_hdr.msg_control = control;
    entry.msg_hdr.msg_controllen = sizeof control;
    entry.msg_len = 12345;
  }
  std::string buffer;
  iovec io{};
  sockaddr_in from{};
  alignas(cmsghdr) char control[128] = {};
  mmsghdr entry{};
};

struct Result {
  int returned = 0;
  int error = 0;
  unsigned length = 0;
  int flags = 0;
  socklen_t name_length = 0;
  std::size_t control_length = 0;
  std::string payload;
};

using Receive = int (*)(int, mmsghdr*, unsigned int, int, timespec*);

Result ReadOne(const Pair& pair, Receive receive, std::size_t capacity) {
  Header h(capacity);
  Result r;
  errno = 0;
  r.returned = receive(pair.receiver(), &h.entry, 1, MSG_DONTWAIT, nullptr);
  r.error = r.returned < 0 ? errno : 0;
  if (r.returned == 1) {
    r.length = h.entry.msg_len;
    r.flags = h.entry.msg_hdr.msg_flags;
    r.name_length = h.entry.msg_hdr.msg_namelen;
    r.control_length = h.entry.msg_hdr.msg_controllen;
    r.payload.assign(h.buffer.data(), h.entry.msg_len);
  }
  return r;
}

void ExpectSame(const Result& kernel, const Result& ours) {
  EXPECT_EQ(ours.returned, kernel.returned);
  EXPECT_EQ(ours.error, kernel.error);
  EXPECT_EQ(ours.length, kernel.length);
  EXPECT_EQ(ours.flags, kernel.flags);
  EXPECT_EQ(ours.name_length, kernel.name_length);
  EXPECT_EQ(ours.control_length, kernel.control_length);
  EXPECT_EQ(ours.payload, kernel.payload);
}

// Sends `payload` twice and reads it once with each call into `capacity` bytes.
std::pair<Result, Result> ReadWithBoth(const std::string& payload, std::size_t capacity) {
  Pair pair;
  if (!pair.Send(payload) || !pair.Send(payload)) return {};
  Result kernel = ReadOne(pair, ::recvmmsg, capacity);
  Result ours = ReadOne(pair, sys::SystemRecvmmsg, capacity);
  return {kernel, ours};
}

TEST(SystemRecvmmsg, ForOneDatagramFillsTheHeaderAsTheKernelsRecvmmsgDoes) {
  const auto [kernel, ours] = ReadWithBoth("one datagram", 2048);
  // A guard: the kernel's call did read the datagram, with IP_PKTINFO.
  ASSERT_EQ(kernel.returned, 1);
  EXPECT_EQ(kernel.payload, "one datagram");
  EXPECT_GT(kernel.control_length, 0U);
  ExpectSame(kernel, ours);
}

TEST(SystemRecvmmsg, ForOneDatagramThatDoesNotFitReportsTheTruncationAsTheKernelsRecvmmsgDoes) {
  const auto [kernel, ours] = ReadWithBoth("a datagram longer than eight bytes", 8);
  ASSERT_EQ(kernel.returned, 1);
  EXPECT_NE(kernel.flags & MSG_TRUNC, 0);
  ExpectSame(kernel, ours);
}

TEST(SystemRecvmmsg, OnAnEmptySocketOrABadDescriptorFailsWithTheKernelsErrno) {
  Pair pair;
  ExpectSame(ReadOne(pair, ::recvmmsg, 64), ReadOne(pair, sys::SystemRecvmmsg, 64));
  EXPECT_EQ(ReadOne(pair, sys::SystemRecvmmsg, 64).error, EAGAIN);
  Header h(64);
  errno = 0;
  EXPECT_EQ(sys::SystemRecvmmsg(-1, &h.entry, 1, MSG_DONTWAIT, nullptr), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
