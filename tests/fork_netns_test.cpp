// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// fork() and the link watcher, inside a private network namespace (run by
// tests/netns/run-in-netns): after a fork, parent and child each see a link
// that attaches, because each reads its own rtnetlink sockets (before, they
// shared them, and whichever read a notification first took it from the
// other). The link is a veth pair with a 198.51.100.0/24 address, both ends
// in the test's own namespace; the child is bounded by alarm() and reaped.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <ro/message_port.hpp>
#include <ro/network_hotplug.hpp>

#include "test_util.hpp"

extern "C" const char* __tsan_default_options() { return "die_after_fork=0"; }

namespace {

using namespace std::chrono_literals;

// True once `port` has an attached event for `name`, within `limit`.
bool SeesAttached(const ro::MessagePort& port, const std::string& name,
                  std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const ro::Message msg =
        port.WaitMessage(static_cast<int>(std::max<long long>(1, left.count())));
    if (!msg) return false;
    const auto* attached = msg->As<ro::NetworkAttachedEvent>();
    if (attached != nullptr && attached->GetString() == name) return true;
  }
  return false;
}

TEST(ForkNetns, ParentAndChildEachSeeALinkThatAttachesAfterTheFork) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to add a link";
#ifdef RODATAGRAM_TEST_EMULATOR
  GTEST_SKIP() << "runs under " RODATAGRAM_TEST_EMULATOR
                  ": qemu-user 7.2 aborts in the child "
                  "of a multithreaded process; the native passes run the fork tests";
#endif
  ro::MessagePort port;
  ro::NetworkHotplug hotplug;
  ASSERT_EQ(hotplug.GetFailureReason(), "");
  hotplug.SetPort(port);
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(15);
    close(go[1]);
    char byte = 0;
    if (read(go[0], &byte, 1) != 1) _exit(2);
    _exit(SeesAttached(port, "rofork0", 5s) ? 0 : 1);
  }
  close(go[0]);
  // Plugged once the child is past the fork: both watchers are reading.
  const int rc = std::system(
      "ip link add rofork0 type veth peer name rofork1 && "
      "ip addr add 198.51.100.1/24 dev rofork0 && ip link set rofork1 up && "
      "ip link set rofork0 up");
  ASSERT_EQ(write(go[1], "g", 1), 1);
  close(go[1]);
  const bool parent_saw = rc == 0 && SeesAttached(port, "rofork0", 5s);
  int status = 0;
  (void)ro_test::ReapWithin(pid, 20s, status);
  (void)std::system("ip link del rofork0 2>/dev/null");
  ASSERT_EQ(rc, 0) << "could not add the veth link";
  EXPECT_TRUE(parent_saw) << "the parent missed the attach";
  ASSERT_TRUE(WIFEXITED(status)) << "the child hung or crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child missed the attach";
}

}  // namespace
