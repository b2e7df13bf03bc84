// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Fault injection through the syscall seam (src/sys.hpp): rare errors of the
// receive path (recvmmsg) and the send path (sendto) are injected on demand,
// and each test checks that the socket keeps working afterwards and that the
// failure was reported where the API promises: SendTo's return code and
// GetFailureReason() for sends, GetStatistics().receive_errors for receives
// (which have no caller to return a code to).
//
// The fakes are installed in SetUp, before any socket exists, and the real
// calls are restored in TearDown, after every socket of the test is
// destroyed: sys.hpp forbids swapping entries while sockets are in use from
// other threads (the reactor thread reads the table). While a test runs, the
// fakes only read atomics, so arming an injection mid-test is race-free.
//
// Traffic goes to 127.0.0.1 only.

#include <netinet/in.h>
#include <sys/socket.h>

#include <any>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

#include "sys.hpp"
#include "test_util.hpp"

namespace {

namespace sys = ro::detail::sys;
using namespace std::chrono_literals;
using ro_test::kLoopback;
using ro_test::MakeReceiver;
using ro_test::ReceiveOne;
using ro_test::WaitFor;

// What the fakes inject. Written by the test thread, read by the reactor
// thread (recvmmsg) and the test thread (sendto): all atomics.
struct Plan {
  // recvmmsg: fail the next `recv_left` calls on sockets bound to
  // `recv_port` with `recv_errno`, without reading anything.
  std::atomic<int> recv_port{0};
  std::atomic<int> recv_errno{0};
  std::atomic<int> recv_left{0};
  // recvmmsg: mark the next `truncate_left` datagrams read on `recv_port`
  // as truncated (MSG_TRUNC), as the kernel does for an oversize datagram.
  std::atomic<int> truncate_left{0};
  // recvmmsg calls seen on `recv_port`, and errors injected there.
  std::atomic<int> recv_calls{0};
  std::atomic<int> recv_injected{0};

  // sendto: fail the next `send_left` calls with `send_errno`.
  std::atomic<int> send_errno{0};
  std::atomic<int> send_left{0};
  std::atomic<int> send_injected{0};

  // socket: fail the next `socket_left` calls with `socket_errno`.
  std::atomic<int> socket_errno{0};
  std::atomic<int> socket_left{0};

  // setsockopt(SOL_SOCKET, SO_RCVBUF): fail the next `rcvbuf_left` calls.
  std::atomic<int> rcvbuf_errno{0};
  std::atomic<int> rcvbuf_left{0};

  void Clear() {
    for (auto* value : {&recv_port, &recv_errno, &recv_left, &truncate_left, &recv_calls,
                        &recv_injected, &send_errno, &send_left, &send_injected, &socket_errno,
                        &socket_left, &rcvbuf_errno, &rcvbuf_left}) {
      value->store(0);
    }
  }
};

Plan g_plan;
// Runs once, in the next recvmmsg on `recv_port`, just before the real call.
std::atomic<std::function<void()>*> g_before_receive{nullptr};
// Runs once, in the next recvmmsg on `recv_port` that read fewer datagrams
// than it asked for (the drain's last read), just after the real call.
std::atomic<std::function<void()>*> g_after_last_receive{nullptr};
sys::SyscallTable g_real;  // the system calls, saved before the fakes go in

// Takes one injection from `left` if any is left.
bool TakeOne(std::atomic<int>& left) {
  int now = left.load();
  while (now > 0) {
    if (left.compare_exchange_weak(now, now - 1)) return true;
  }
  return false;
}

int FakeRecvmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags, timespec* timeout) {
  const int target = g_plan.recv_port.load();
  if (target == 0 || ro_test::LocalPortOf(fd) != target) {
    return g_real.recvmmsg(fd, msgs, vlen, flags, timeout);
  }
  g_plan.recv_calls.fetch_add(1);
  if (std::function<void()>* hook = g_before_receive.exchange(nullptr)) (*hook)();
  if (TakeOne(g_plan.recv_left)) {
    g_plan.recv_injected.fetch_add(1);
    errno = g_plan.recv_errno.load();
    return -1;
  }
  const int count = g_real.recvmmsg(fd, msgs, vlen, flags, timeout);
  const int saved_errno = errno;
  for (int i = 0; i < count; ++i) {
    if (TakeOne(g_plan.truncate_left)) msgs[i].msg_hdr.msg_flags |= MSG_TRUNC;
  }
  if (count < static_cast<int>(vlen)) {
    if (std::function<void()>* hook = g_after_last_receive.exchange(nullptr)) (*hook)();
  }
  errno = saved_errno;
  return count;
}

ssize_t FakeSendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr,
                   socklen_t addr_len) {
  if (TakeOne(g_plan.send_left)) {
    g_plan.send_injected.fetch_add(1);
    errno = g_plan.send_errno.load();
    return -1;
  }
  return g_real.sendto(fd, buf, len, flags, addr, addr_len);
}

int FakeSocket(int domain, int type, int protocol) {
  if (TakeOne(g_plan.socket_left)) {
    errno = g_plan.socket_errno.load();
    return -1;
  }
  return g_real.socket(domain, type, protocol);
}

int FakeSetsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  if (level == SOL_SOCKET && name == SO_RCVBUF && TakeOne(g_plan.rcvbuf_left)) {
    errno = g_plan.rcvbuf_errno.load();
    return -1;
  }
  return g_real.setsockopt(fd, level, name, value, len);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    sys::Reset();
    g_real = sys::Calls();
    g_plan.Clear();
    sys::SyscallTable& calls = sys::Calls();
    calls.recvmmsg = FakeRecvmmsg;
    calls.sendto = FakeSendto;
    calls.socket = FakeSocket;
    calls.setsockopt = FakeSetsockopt;
  }

  // The sockets of the test body are destroyed by now (they are its
  // locals); the fixture's own sender is closed here, so that no reactor
  // drain can be reading the table while it is restored.
  void TearDown() override {
    g_before_receive = nullptr;
    g_after_last_receive = nullptr;
    sender_.Close();
    sys::Reset();
  }

  // A receiver on `port_` that has already received and delivered one
  // warm-up datagram. A drain that reads fewer datagrams than it asked for
  // makes no further recvmmsg call, so once the warm-up event is out the
  // socket waits for readiness, and injections armed now hit the drain of
  // the next datagram (not the first drain every socket makes when it
  // starts receiving).
  ro::DatagramSocket IdleReceiver() {
    ro::DatagramSocket receiver = MakeReceiver(port_);
    const int local = receiver.GetLocalPort();
    EXPECT_GT(local, 0) << receiver.GetFailureReason();
    g_plan.recv_port = local;
    ExpectDelivered(receiver, "warm-up");
    EXPECT_TRUE(ro_test::WaitForSettledStatistics(receiver, 1));
    return receiver;
  }

  // Arms `count` recvmmsg failures with `err` on the receiver.
  static void InjectReceiveErrors(int err, int count) {
    g_plan.recv_errno = err;
    g_plan.recv_left = count;
  }

  // Sends `text` to `receiver` from `sender_` and expects it delivered.
  void ExpectDelivered(const ro::DatagramSocket& receiver, const std::string& text) {
    ASSERT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), text), 0)
        << sender_.GetFailureReason();
    const auto event = ReceiveOne(port_);
    ASSERT_NE(event, nullptr) << "\"" << text << "\" was not delivered; receive_errors "
                              << receiver.GetStatistics().receive_errors << ", reason \""
                              << receiver.GetFailureReason() << "\"";
    EXPECT_EQ(event->GetString(), text);
  }

  ro::MessagePort port_;
  ro::DatagramSocket sender_;
};

// --- Receive path -------------------------------------------------------------

// EINTR is not a failure at all: the drain retries at once, and nothing is
// counted or reported.
TEST_F(FaultInjection, ReceiveEintrIsRetriedInvisibly) {
  ro::DatagramSocket receiver = IdleReceiver();
  InjectReceiveErrors(EINTR, 3);
  ExpectDelivered(receiver, "through EINTR");
  EXPECT_EQ(g_plan.recv_injected.load(), 3);
  EXPECT_EQ(receiver.GetStatistics().receive_errors, 0U) << "EINTR is retried, not an error";
  EXPECT_EQ(receiver.GetFailureReason(), "");
  ExpectDelivered(receiver, "and after");
}

// A spurious EAGAIN (nothing read although a datagram waits) only means
// "look again at the next readiness": it is not an error, and the datagram
// that was waiting is delivered, in order, with the next one.
TEST_F(FaultInjection, ReceiveEagainIsNotAnErrorAndLosesNothing) {
  ro::DatagramSocket receiver = IdleReceiver();
  InjectReceiveErrors(EAGAIN, 1);
  ASSERT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "first"), 0);
  ASSERT_TRUE(WaitFor([] { return g_plan.recv_injected.load() == 1; }));
  // The edge that announced "first" was spent on the injected EAGAIN; the
  // next datagram's readiness drains both.
  ASSERT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "second"), 0);
  const auto first = ReceiveOne(port_);
  const auto second = ReceiveOne(port_);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->GetString(), "first");
  EXPECT_EQ(second->GetString(), "second");
  EXPECT_EQ(receiver.GetStatistics().receive_errors, 0U);
  EXPECT_EQ(receiver.GetFailureReason(), "");
}

// Errors after which a receive can simply be tried again (memory pressure,
// ICMP errors reported on the socket, and EMSGSIZE) are counted in
// receive_errors, and the socket goes on receiving.
class ReceiveErrorInjection : public FaultInjection, public ::testing::WithParamInterface<int> {};

TEST_P(ReceiveErrorInjection, IsCountedAndTheSocketKeepsReceiving) {
  const int err = GetParam();
  ro::DatagramSocket receiver = IdleReceiver();
  InjectReceiveErrors(err, 1);
  ExpectDelivered(receiver, "after one error");
  EXPECT_EQ(g_plan.recv_injected.load(), 1);
  EXPECT_EQ(receiver.GetStatistics().receive_errors, 1U);
  ExpectDelivered(receiver, "and still later");
  ASSERT_TRUE(ro_test::WaitForSettledStatistics(receiver, 3));  // with the warm-up
  const ro::SocketStatistics stats = receiver.GetStatistics();
  EXPECT_EQ(stats.receive_errors, 1U);
  EXPECT_EQ(stats.received, 3U);  // with the warm-up
  EXPECT_EQ(stats.delivered, 3U);
}

INSTANTIATE_TEST_SUITE_P(TransientErrors, ReceiveErrorInjection,
                         ::testing::Values(ENOBUFS, ECONNREFUSED, EMSGSIZE),
                         [](const ::testing::TestParamInfo<int>& param_info) {
                           const char* name = strerrorname_np(param_info.param);
                           return std::string(name != nullptr ? name : "unknown");
                         });

// A receive that stops (EBADF, a library bug rather than the network) is
// background work: it is counted, and the application's own last failure on
// the socket stays what it was.
TEST_F(FaultInjection, AReceiveThatStopsLeavesTheApplicationsLastFailureAlone) {
  ro::DatagramSocket receiver = IdleReceiver();
  ASSERT_EQ(receiver.SendTo(kLoopback, 0, "x"), -EINVAL);
  const std::string reason = receiver.GetFailureReason();
  ASSERT_FALSE(reason.empty());
  InjectReceiveErrors(EBADF, 1);
  ASSERT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "stops it"), 0);
  ASSERT_TRUE(ro_test::WaitFor([&] { return receiver.GetStatistics().receive_errors == 1; }))
      << "the injected EBADF never reached the drain";
  EXPECT_EQ(receiver.GetFailureReason(), reason)
      << "the reactor's receive error replaced the reason of the application's own call";
  EXPECT_EQ(receiver.GetFailureCode(), -EINVAL);
  // Sending still works on a socket whose receive stopped.
  EXPECT_EQ(receiver.SendTo(kLoopback, receiver.GetLocalPort(), "still sends"), 0);
}

// Library bug (reported): the drain took the user data before it read the
// socket, so a datagram that arrived after SetUserData() returned, while a
// drain was under way, carried the old value. Here the application changes
// the user data and a datagram is sent inside the drain, just before its
// first read: the datagram must carry the new value.
TEST_F(FaultInjection, ADatagramThatArrivesDuringADrainCarriesTheUserDataSetBeforeIt) {
  ro::DatagramSocket receiver = IdleReceiver();
  receiver.SetUserData(std::string("old"));
  std::function<void()> during_the_drain = [&] {
    receiver.SetUserData(std::string("new"));
    EXPECT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "after SetUserData"), 0);
  };
  g_before_receive = &during_the_drain;
  ASSERT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "starts a drain"), 0);
  std::shared_ptr<const ro::DatagramEvent> tagged;
  for (int i = 0; i < 2 && tagged == nullptr; ++i) {
    const auto event = ReceiveOne(port_);
    ASSERT_NE(event, nullptr);
    if (event->GetString() == "after SetUserData") tagged = event;
  }
  ASSERT_NE(tagged, nullptr) << "the datagram sent inside the drain was not delivered";
  ASSERT_EQ(g_before_receive.load(), nullptr) << "the drain never ran the hook";
  EXPECT_EQ(std::any_cast<std::string>(tagged->GetUserData()), "new")
      << "a datagram sent after SetUserData() returned carried the old user data";
}

// The socket waits for readiness without re-arming epoll (readiness_watch):
// a datagram that arrives after the drain's last read found the socket
// empty, before the next wait is queued, must still be read at once.
TEST_F(FaultInjection, ADatagramThatArrivesJustAfterTheDrainFoundTheSocketEmptyIsDelivered) {
  ro::DatagramSocket receiver = IdleReceiver();
  std::function<void()> after_the_drain = [&] {
    EXPECT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "after the drain"), 0);
  };
  g_after_last_receive = &after_the_drain;
  ASSERT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "starts a drain"), 0);
  std::vector<std::string> got;
  for (int i = 0; i < 2; ++i) {
    const auto event = ReceiveOne(port_);
    ASSERT_NE(event, nullptr) << "datagram " << i + 1 << " of 2 was not delivered";
    got.push_back(event->GetString());
  }
  ASSERT_EQ(g_after_last_receive.load(), nullptr) << "the drain never ran the hook";
  EXPECT_EQ(got, (std::vector<std::string>{"starts a drain", "after the drain"}));
}

// Waiting for readiness is not polling: with nothing arriving, a driven
// loop makes no receive calls at all (a wait that completed at once
// without data would spin here, reading EAGAIN over and over).
TEST_F(FaultInjection, AnIdleSocketMakesNoReceiveCallsWhileNothingArrives) {
  ro::DatagramSocket receiver = IdleReceiver();
  // Settles first: the socket's first wait completes at once (a new
  // registration is speculative) and that drain may still be queued.
  EXPECT_EQ(ro::Wait(50, port_), nullptr);
  const int before = g_plan.recv_calls.load();
  EXPECT_EQ(ro::Wait(300, port_), nullptr);  // drives the loop for 300 ms
  // At most the one read ahead that finds the socket quiet after the
  // warm-up delivery (if the settling wait did not already make it).
  EXPECT_LE(g_plan.recv_calls.load() - before, 1);
  const int idle = g_plan.recv_calls.load();
  ExpectDelivered(receiver, "still receiving");
  EXPECT_LE(g_plan.recv_calls.load() - idle, 2) << "one datagram took more than one drain";
}

// A storm of receive errors (hundreds in a row, more than one drain's
// budget) must neither stop the socket nor lose the datagram that waits
// behind them.
TEST_F(FaultInjection, ReceiveErrorStormIsCountedAndSurvived) {
  constexpr int kErrors = 500;
  ro::DatagramSocket receiver = IdleReceiver();
  InjectReceiveErrors(ENOBUFS, kErrors);
  ExpectDelivered(receiver, "after the storm");
  EXPECT_EQ(g_plan.recv_injected.load(), kErrors);
  EXPECT_EQ(receiver.GetStatistics().receive_errors, static_cast<std::uint64_t>(kErrors));
  ExpectDelivered(receiver, "and later");
}

// A datagram the kernel reports as truncated (MSG_TRUNC) is dropped whole
// and counted, never delivered cut short; its neighbours are delivered.
TEST_F(FaultInjection, TruncatedDatagramIsCountedNeverDelivered) {
  ro::DatagramSocket receiver = IdleReceiver();
  g_plan.truncate_left = 1;
  ASSERT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "cut"), 0);
  ASSERT_TRUE(ro_test::WaitForSettledStatistics(receiver, 2));  // with the warm-up
  EXPECT_TRUE(ro_test::StaysEmpty(port_, 100ms)) << "a truncated datagram was delivered";
  ExpectDelivered(receiver, "whole");
  ASSERT_TRUE(ro_test::WaitForSettledStatistics(receiver, 3));
  const ro::SocketStatistics stats = receiver.GetStatistics();
  EXPECT_EQ(stats.truncated, 1U);
  EXPECT_EQ(stats.delivered, 2U);
  EXPECT_EQ(stats.dropped_by_port, 0U);
  EXPECT_EQ(stats.received, stats.delivered + stats.dropped_by_port + stats.truncated);
}

// --- Send path ----------------------------------------------------------------

// EINTR interrupts only the call: SendTo retries and succeeds.
TEST_F(FaultInjection, SendEintrIsRetriedAndSucceeds) {
  ro::DatagramSocket receiver = MakeReceiver(port_);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  g_plan.send_errno = EINTR;
  g_plan.send_left = 2;
  ExpectDelivered(receiver, "through EINTR");
  EXPECT_EQ(g_plan.send_injected.load(), 2);
  const ro::SocketStatistics stats = sender_.GetStatistics();
  EXPECT_EQ(stats.sent, 1U);
  EXPECT_EQ(stats.send_errors, 0U);
  EXPECT_EQ(sender_.GetFailureReason(), "");
}

// Other send errors fail that one SendTo with -errno and a reason that names
// the call and the error; the next SendTo works.
struct SendFault {
  int err;
  const char* name;
};

class SendErrorInjection : public FaultInjection,
                           public ::testing::WithParamInterface<SendFault> {};

TEST_P(SendErrorInjection, FailsThatCallWithTheCodeAndReasonThenRecovers) {
  const SendFault fault = GetParam();
  ro::DatagramSocket receiver = MakeReceiver(port_);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  ExpectDelivered(receiver, "before");  // binds the sender

  g_plan.send_errno = fault.err;
  g_plan.send_left = 1;
  EXPECT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "lost"), -fault.err);
  const std::string reason = sender_.GetFailureReason();
  EXPECT_TRUE(Contains(reason, "SendTo(\"127.0.0.1\", " + std::to_string(receiver.GetLocalPort())))
      << reason;
  EXPECT_TRUE(Contains(reason, fault.name)) << reason;
  EXPECT_EQ(sender_.GetStatistics().send_errors, 1U);

  ExpectDelivered(receiver, "after");
  const ro::SocketStatistics stats = sender_.GetStatistics();
  EXPECT_EQ(stats.sent, 2U);
  EXPECT_EQ(stats.send_errors, 1U);
  EXPECT_TRUE(ro_test::StaysEmpty(port_, 50ms)) << "the failed datagram arrived after all";
}

INSTANTIATE_TEST_SUITE_P(Errors, SendErrorInjection,
                         ::testing::Values(SendFault{EAGAIN, "EAGAIN"},
                                           SendFault{ENOBUFS, "ENOBUFS"},
                                           SendFault{EMSGSIZE, "EMSGSIZE"},
                                           SendFault{ECONNREFUSED, "ECONNREFUSED"}),
                         [](const ::testing::TestParamInfo<SendFault>& param_info) {
                           return std::string(param_info.param.name);
                         });

// The send path's errors leave the receive path alone: a socket whose send
// failed still receives.
TEST_F(FaultInjection, SendErrorsDoNotStopReceiving) {
  ro::MessagePort own;
  sender_.SetPort(own);
  ro::DatagramSocket receiver = MakeReceiver(port_);
  ASSERT_GT(receiver.GetLocalPort(), 0);
  ExpectDelivered(receiver, "binds the sender");
  g_plan.send_errno = ENOBUFS;
  g_plan.send_left = 3;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(sender_.SendTo(kLoopback, receiver.GetLocalPort(), "x"), -ENOBUFS);
  }
  ASSERT_EQ(receiver.SendTo(kLoopback, sender_.GetLocalPort(), "reply"), 0)
      << receiver.GetFailureReason();
  const auto reply = ReceiveOne(own);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->GetString(), "reply");
}

// --- Socket creation and options --------------------------------------------

// Running out of descriptors fails the call that needed the socket, with a
// reason; the object stays usable once descriptors are available again.
TEST_F(FaultInjection, SocketCreationFailureIsReportedAndRecoverable) {
  ro::DatagramSocket udp;
  g_plan.socket_errno = EMFILE;
  g_plan.socket_left = 1;
  EXPECT_FALSE(udp.BindToLocalPort(0));
  const std::string reason = udp.GetFailureReason();
  EXPECT_TRUE(Contains(reason, "BindToLocalPort(0)")) << reason;
  EXPECT_TRUE(Contains(reason, "EMFILE")) << reason;
  EXPECT_EQ(udp.GetLocalPort(), 0);

  g_plan.socket_errno = ENFILE;
  g_plan.socket_left = 1;
  EXPECT_EQ(udp.SendTo(kLoopback, 9, "x"), -ENFILE);
  EXPECT_TRUE(Contains(udp.GetFailureReason(), "ENFILE")) << udp.GetFailureReason();

  ASSERT_TRUE(udp.BindToLocalPort(0)) << udp.GetFailureReason();
  EXPECT_GT(udp.GetLocalPort(), 0);
}

// A refused SO_RCVBUF fails SetReceiveBufferSize with the cause; the socket
// keeps its old buffer and keeps receiving.
TEST_F(FaultInjection, RefusedReceiveBufferSizeIsReportedAndHarmless) {
  ro::DatagramSocket receiver = IdleReceiver();
  const int before = receiver.GetReceiveBufferSize();
  g_plan.rcvbuf_errno = ENOBUFS;
  g_plan.rcvbuf_left = 1;
  EXPECT_FALSE(receiver.SetReceiveBufferSize(1 << 20));
  const std::string reason = receiver.GetFailureReason();
  EXPECT_TRUE(Contains(reason, "SetReceiveBufferSize(1048576)")) << reason;
  EXPECT_TRUE(Contains(reason, "ENOBUFS")) << reason;
  EXPECT_EQ(receiver.GetReceiveBufferSize(), before);
  ExpectDelivered(receiver, "still receiving");
}

}  // namespace
