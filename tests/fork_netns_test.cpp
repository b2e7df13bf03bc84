// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// fork() and the link watcher, inside a private network namespace (run by
// tests/netns/run-in-netns): after a fork, parent and child each see a link
// that attaches, because each reads its own rtnetlink sockets (before, they
// shared them, and whichever read a notification first took it from the
// other; a child stopped during a plug found the notifications taken). The
// link is a veth pair with a 198.51.100.0/24 address, both ends
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

// A hotplug object posting to `port_`, made before each test forks.
class ForkNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to add a link";
#ifdef RODATAGRAM_TEST_EMULATOR
    GTEST_SKIP() << "runs under " RODATAGRAM_TEST_EMULATOR
                    ": qemu-user 7.2 aborts in the child "
                    "of a multithreaded process; the native passes run the fork tests";
#endif
    ASSERT_EQ(hotplug_.GetFailureReason(), "");
    hotplug_.SetPort(port_);
  }

  ro::MessagePort port_;
  ro::NetworkHotplug hotplug_;
};

TEST_F(ForkNetns, ParentAndChildEachSeeALinkThatAttachesAfterTheFork) {
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(15);
    close(go[1]);
    char byte = 0;
    if (read(go[0], &byte, 1) != 1) _exit(2);
    _exit(SeesAttached(port_, "rofork0", 5s) ? 0 : 1);
  }
  close(go[0]);
  // Plugged once the child is past the fork: both watchers are reading.
  const int rc = std::system(
      "ip link add rofork0 type veth peer name rofork1 && "
      "ip addr add 198.51.100.1/24 dev rofork0 && ip link set rofork1 up && "
      "ip link set rofork0 up");
  ASSERT_EQ(write(go[1], "g", 1), 1);
  close(go[1]);
  const bool parent_saw = rc == 0 && SeesAttached(port_, "rofork0", 5s);
  int status = 0;
  (void)ro_test::ReapWithin(pid, 20s, status);
  (void)std::system("ip link del rofork0 2>/dev/null");
  ASSERT_EQ(rc, 0) << "could not add the veth link";
  EXPECT_TRUE(parent_saw) << "the parent missed the attach";
  ASSERT_TRUE(WIFEXITED(status)) << "the child hung or crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child missed the attach";
}

// The child is stopped while the link attaches, so only the parent reads
// then. Sharing the parent's netlink sockets, the child would find them
// drained when it resumes and never hear of the link; with its own, the
// notifications wait in its socket until it reads them.
TEST_F(ForkNetns, AChildStoppedWhileALinkAttachesStillSeesItOnceResumed) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(20);
    close(ready[0]);
    // Drives the child's loop once, so that its watcher has opened its own
    // sockets before the parent plugs the link; then stops until resumed.
    (void)port_.WaitMessage(200);
    if (write(ready[1], "r", 1) != 1) _exit(2);
    raise(SIGSTOP);
    _exit(SeesAttached(port_, "rofork2", 5s) ? 0 : 1);
  }
  close(ready[1]);
  char byte = 0;
  const bool child_ready = read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  int status = 0;
  const bool stopped = child_ready && waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status);
  // No IPv6 link-local addresses (their notifications come seconds later,
  // when the child may be reading again): every notification of the plug
  // comes while the child is stopped.
  const int rc = stopped
                     ? std::system(
                           "ip link add rofork2 type veth peer name rofork3 && "
                           "ip link set rofork2 addrgenmode none && "
                           "ip link set rofork3 addrgenmode none && "
                           "ip addr add 198.51.100.5/24 dev rofork2 && ip link set rofork3 up && "
                           "ip link set rofork2 up")
                     : -1;
  const bool parent_saw = rc == 0 && SeesAttached(port_, "rofork2", 5s);
  // The parent reads on until the plug's notifications stop (the kernel
  // reports a carrier change up to a second later), bounded.
  for (int i = 0; parent_saw && i < 20 && port_.WaitMessage(1500) != nullptr; ++i) {
  }
  kill(pid, SIGCONT);
  status = 0;
  (void)ro_test::ReapWithin(pid, 20s, status);
  (void)std::system("ip link del rofork2 2>/dev/null");
  ASSERT_TRUE(stopped) << "the child did not stop before the plug";
  ASSERT_EQ(rc, 0) << "could not add the veth link";
  EXPECT_TRUE(parent_saw) << "the parent missed the attach";
  ASSERT_TRUE(WIFEXITED(status)) << "the child hung or crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child, stopped during the plug, missed the attach";
}

}  // namespace
