// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The error model every object shares: a failed call returns a negative code
// (or false), GetFailureCode() repeats that code and GetFailureReason()
// explains it; like errno, each thread sees its own last failure on an
// object. Loopback only.

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <ro/datagram_receiver.hpp>
#include <ro/datagram_sender.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/network_hotplug.hpp>

#include "test_util.hpp"

namespace {

using ro_test::kLoopback;

TEST(ErrorModel, GetFailureCodeIsZeroUntilACallFails) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.GetFailureCode(), 0);
  EXPECT_EQ(udp.GetFailureReason(), "");
  ASSERT_TRUE(udp.BindToLocalPort(0));
  EXPECT_EQ(udp.GetFailureCode(), 0) << "a successful call set a failure";
}

TEST(ErrorModel, AFailedSendReturnsItsCodeAndGetFailureCodeRepeatsIt) {
  ro::DatagramSocket udp;
  EXPECT_EQ(udp.SendTo(kLoopback, 70000, "x"), -EINVAL);
  EXPECT_EQ(udp.GetFailureCode(), -EINVAL);
  EXPECT_EQ(udp.SendTo("not-an-address", 9, "x"), -EINVAL);
  EXPECT_EQ(udp.GetFailureCode(), -EINVAL);
  // The reason names the call and the cause.
  const std::string reason = udp.GetFailureReason();
  EXPECT_NE(reason.find("SendTo(\"not-an-address\", 9)"), std::string::npos) << reason;
  EXPECT_NE(reason.find("not a valid host"), std::string::npos) << reason;
}

TEST(ErrorModel, ABooleanCallReportsTheErrnoOfItsCause) {
  ro::DatagramSocket first;
  ASSERT_TRUE(first.BindToLocalPort(0));
  ro::DatagramSocket second;
  EXPECT_FALSE(second.BindToLocalPort(first.GetLocalPort()));
  EXPECT_EQ(second.GetFailureCode(), -EADDRINUSE);
  EXPECT_FALSE(second.JoinMulticastGroup("127.0.0.1"));
  EXPECT_EQ(second.GetFailureCode(), -EINVAL);
  EXPECT_FALSE(second.LeaveMulticastGroup("239.1.2.3"));
  EXPECT_EQ(second.GetFailureCode(), -EADDRNOTAVAIL);
  EXPECT_FALSE(second.SetMulticastTTL(300));
  EXPECT_EQ(second.GetFailureCode(), -EINVAL);
  second.Close();
  EXPECT_FALSE(second.BindToLocalPort(0));
  EXPECT_EQ(second.GetFailureCode(), -EBADF);
  EXPECT_EQ(second.SendTo(kLoopback, first.GetLocalPort(), "x"), -EBADF);
  EXPECT_EQ(second.GetFailureCode(), -EBADF);
}

TEST(ErrorModel, EachThreadSeesItsOwnLastFailureOnASharedSocket) {
  // Two threads fail differently on one socket, over and over; each must
  // read back its own failure, never the other thread's.
  ro::DatagramSocket udp;
  ASSERT_TRUE(udp.BindToLocalPort(0));
  constexpr int kRounds = 2000;
  int mismatches[2] = {0, 0};
  auto run = [&](int who) {
    for (int i = 0; i < kRounds; ++i) {
      if (who == 0) {
        if (udp.SendTo(kLoopback, 0, "bad port") != -EINVAL) ++mismatches[who];
        if (udp.GetFailureCode() != -EINVAL) ++mismatches[who];
        if (udp.GetFailureReason().find("outside 1..65535") == std::string::npos) ++mismatches[who];
      } else {
        if (udp.SendTo("::1%nosuchif0", 9, "bad scope") != -EINVAL) ++mismatches[who];
        if (udp.GetFailureReason().find("nosuchif0") == std::string::npos) ++mismatches[who];
      }
    }
  };
  std::thread a(run, 0);
  std::thread b(run, 1);
  a.join();
  b.join();
  EXPECT_EQ(mismatches[0], 0) << "thread 0 read another thread's failure";
  EXPECT_EQ(mismatches[1], 0) << "thread 1 read another thread's failure";
}

TEST(ErrorModel, AThreadWithoutAFailureSeesTheSocketsLatest) {
  ro::DatagramSocket udp;
  std::thread([&] { EXPECT_EQ(udp.SendTo(kLoopback, 0, "x"), -EINVAL); }).join();
  EXPECT_EQ(udp.GetFailureCode(), -EINVAL);
  EXPECT_NE(udp.GetFailureReason().find("outside 1..65535"), std::string::npos);
}

TEST(ErrorModel, LegacyObjectsAndHotplugReportCodesToo) {
  ro::DatagramSender sender;
  EXPECT_EQ(sender.GetFailureCode(), 0);
  EXPECT_EQ(sender.Send("no destination"), -EDESTADDRREQ);
  EXPECT_EQ(sender.GetFailureCode(), -EDESTADDRREQ);
  EXPECT_FALSE(sender.SetDestination(kLoopback, 0));
  EXPECT_EQ(sender.GetFailureCode(), -EINVAL);

  ro::DatagramSocket holder;
  ASSERT_TRUE(holder.BindToLocalPort(0));
  ro::DatagramReceiver receiver(holder.GetLocalPort());
  EXPECT_EQ(receiver.GetLocalPort(), 0);
  EXPECT_EQ(receiver.GetFailureCode(), -EADDRINUSE);

  ro::NetworkHotplug hotplug;
  EXPECT_EQ(hotplug.GetFailureCode(), 0) << hotplug.GetFailureReason();
}

}  // namespace
