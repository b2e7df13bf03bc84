// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The three player scripts of examples/scripts/ run as their C++ ports
// (examples/*.cpp) against a peer on loopback: another instance of the
// program, or this test acting as the controller, monitor or registry.
// Every child is bounded in time and killed (by its pid) if it overstays.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <ro/ro.hpp>

namespace {

using namespace std::chrono_literals;

// A child program with its stdout captured.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
#ifdef RODATAGRAM_TEST_EMULATOR
    // A cross build: the example is a target program, run through qemu-user.
    argv.insert(argv.begin(), RODATAGRAM_TEST_EMULATOR);
#endif
    int out[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0) return;
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    out_ = out[0];
  }
  ~Child() {
    if (pid_ > 0 && status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] bool Started() const { return pid_ > 0; }

  // The exit status, or -1 if it did not exit within `limit` (then killed).
  int Wait(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int raw = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, &raw, WNOHANG) == pid_) {
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
        return status_;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

  // Everything the child wrote (call after Wait).
  std::string Output() {
    std::string text;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(out_, buffer, sizeof buffer)) > 0)
      text.append(buffer, static_cast<std::size_t>(n));
    return text;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int status_ = -1;
};

int FreePort() {
  ro::DatagramSocket probe;
  EXPECT_TRUE(probe.BindToLocalPort(0));
  return probe.GetLocalPort();
}

// Waits for a datagram on `port`; the payload, or "" on timeout.
std::string Next(const ro::MessagePort& port, int ms = 3000) {
  return ro::DatagramString(ro::Wait(ms, port));
}

TEST(PlayerScriptsTest, TheSyncLeaderAndFollowerExchangeFiveBinaryMessages) {
  const int follower_port = FreePort();
  const int leader_port = FreePort();
  Child follower({SYNC_PLAYER_PATH, "follower", std::to_string(follower_port), "127.0.0.1",
                  std::to_string(leader_port), "5"});
  ASSERT_TRUE(follower.Started());
  std::this_thread::sleep_for(200ms);  // let it bind before the first sync
  Child leader({SYNC_PLAYER_PATH, "leader", std::to_string(leader_port), "127.0.0.1",
                std::to_string(follower_port), "5"});
  ASSERT_TRUE(leader.Started());
  EXPECT_EQ(leader.Wait(10s), 0);
  EXPECT_EQ(follower.Wait(5s), 0);
  const std::string out = follower.Output();
  EXPECT_NE(out.find("sync 1 at 100\n"), std::string::npos) << out;
  EXPECT_NE(out.find("sync 5 at 500\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("bad sync"), std::string::npos) << out;
  EXPECT_NE(leader.Output().find("leader done"), std::string::npos);
}

TEST(PlayerScriptsTest, TheCommandPluginAnswersCommandsAndSendsHeartbeats) {
  ro::MessagePort port;
  ro::DatagramSocket monitor;
  monitor.SetPort(port);
  ASSERT_TRUE(monitor.BindToLocalPort(0));
  ro::MessagePort replies;
  ro::DatagramSocket controller;
  controller.SetPort(replies);
  ASSERT_TRUE(controller.BindToLocalPort(0));
  const int plugin_port = FreePort();
  Child plugin({COMMAND_PLUGIN_PATH, std::to_string(plugin_port), "127.0.0.1",
                std::to_string(monitor.GetLocalPort())});
  ASSERT_TRUE(plugin.Started());

  EXPECT_EQ(Next(port), "alive 1 playing");
  EXPECT_EQ(Next(port), "alive 2 playing");
  ASSERT_EQ(controller.SendTo("127.0.0.1", plugin_port, "PAUSE"), 0);
  EXPECT_EQ(Next(replies), "ok paused 50");
  ASSERT_EQ(controller.SendTo("127.0.0.1", plugin_port, "vol:30"), 0);
  EXPECT_EQ(Next(replies), "ok paused 30");
  ASSERT_EQ(controller.SendTo("127.0.0.1", plugin_port, "dance"), 0);
  EXPECT_EQ(Next(replies), "error dance");
  std::string beat;
  for (int i = 0; i < 10 && beat.find("paused") == std::string::npos; ++i) beat = Next(port);
  EXPECT_NE(beat.find("paused"), std::string::npos) << "the heartbeat reports the new state";
  ASSERT_EQ(controller.SendTo("127.0.0.1", plugin_port, "quit"), 0);
  EXPECT_EQ(Next(replies), "bye");
  EXPECT_EQ(plugin.Wait(5s), 0);
}

TEST(PlayerScriptsTest, TheDiscoveryResponderRetriesUntilWelcomedThenAnswersQueries) {
  ro::MessagePort port;
  ro::DatagramSocket registry;
  registry.SetPort(port);
  ASSERT_TRUE(registry.BindToLocalPort(0));
  const int responder_port = FreePort();
  Child responder({DISCOVERY_RESPONDER_PATH, "player-7", std::to_string(responder_port),
                   "127.0.0.1", std::to_string(registry.GetLocalPort())});
  ASSERT_TRUE(responder.Started());

  // Ignore two announcements: the responder must retry.
  EXPECT_EQ(Next(port), "HELLO player-7");
  EXPECT_EQ(Next(port), "HELLO player-7");
  const ro::Message third = ro::Wait(3000, port);
  ASSERT_EQ(ro::DatagramString(third), "HELLO player-7");
  const auto* hello = third->As<ro::DatagramEvent>();
  ASSERT_EQ(registry.SendTo(hello->GetSourceHost(), hello->GetSourcePort(), "WELCOME"), 0);
  EXPECT_EQ(ro::Wait(800, port), nullptr) << "no announcement after WELCOME";

  ASSERT_EQ(registry.SendTo("127.0.0.1", responder_port, "WHO?"), 0);
  EXPECT_EQ(Next(port), "I AM player-7");
  ASSERT_EQ(registry.SendTo("127.0.0.1", responder_port, "quit"), 0);
  EXPECT_EQ(responder.Wait(5s), 0);
  EXPECT_NE(responder.Output().find("registered after 3 tries"), std::string::npos);
}

}  // namespace
