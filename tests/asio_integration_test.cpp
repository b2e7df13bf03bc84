// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <ro/asio.hpp>
#include <ro/ro.hpp>

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

struct Marker final : ro::Event {
  [[nodiscard]] std::string_view TypeName() const override { return "marker"; }
};

long ElapsedMs(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - start).count());
}

TEST(AsioIntegration, SocketOnOwnContextDeliversOnlyWhileTheContextRuns) {
  asio::io_context io;
  ro::MessagePort port;
  ro::DatagramSocket udp = ro::MakeDatagramSocket(io);
  udp.SetPort(port);
  ASSERT_TRUE(udp.BindToLocalPort(0)) << udp.GetFailureReason();
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo("127.0.0.1", udp.GetLocalPort(), "on my loop"), 0);

  // Nobody runs `io`: the datagram waits in the kernel.
  EXPECT_EQ(port.WaitMessage(200), nullptr);

  const ro::Message msg = ro::Wait(2000, port, io);
  ASSERT_NE(msg, nullptr);
  const auto* event = msg->As<ro::DatagramEvent>();
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->GetString(), "on my loop");
  EXPECT_EQ(event->GetSourcePort(), sender.GetLocalPort());
  EXPECT_EQ(event->GetSourceIdentity(), udp.GetIdentity());
}

TEST(AsioIntegration, WaitRunningTimesOutWithNullptr) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  ro::MessagePort port;
  const auto start = Clock::now();
  EXPECT_EQ(ro::Wait(200, port, io), nullptr);
  EXPECT_GE(ElapsedMs(start), 190);
  EXPECT_LT(ElapsedMs(start), 2000);
}

TEST(AsioIntegration, NegativeTimeoutNeverBlocks) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  ro::MessagePort port;
  const auto start = Clock::now();
  EXPECT_EQ(ro::Wait(-1, port, io), nullptr);
  EXPECT_LT(ElapsedMs(start), 100);
  port.PostMessage(std::make_shared<Marker>());
  EXPECT_NE(ro::Wait(-1, port, io), nullptr);
}

TEST(AsioIntegration, PostFromAnotherThreadInterruptsTheLoop) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  ro::MessagePort port;
  std::thread poster([port] {
    std::this_thread::sleep_for(milliseconds(150));
    port.PostMessage(std::make_shared<Marker>());
  });
  const auto start = Clock::now();
  const ro::Message msg = ro::Wait(0, port, io);  // 0: forever, bounded by the poster
  poster.join();
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(msg->TypeName(), "marker");
  EXPECT_LT(ElapsedMs(start), 5000);
}

TEST(AsioIntegration, ApplicationHandlersRunWhileWaiting) {
  asio::io_context io;
  ro::MessagePort port;
  asio::steady_timer timer(io, milliseconds(50));
  bool fired = false;
  timer.async_wait([&](const asio::error_code& ec) {
    fired = !ec;
    port.PostMessage(std::make_shared<Marker>());
  });
  const ro::Message msg = ro::Wait(2000, port, io);
  EXPECT_TRUE(fired);
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(msg->TypeName(), "marker");
}

TEST(AsioIntegration, ContextWithoutWorkFallsBackToPlainWait) {
  asio::io_context io;  // no work at all: run_one() returns at once
  ro::MessagePort port;
  std::thread poster([port] {
    std::this_thread::sleep_for(milliseconds(100));
    port.PostMessage(std::make_shared<Marker>());
  });
  const ro::Message msg = ro::Wait(3000, port, io);
  poster.join();
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(msg->TypeName(), "marker");
}

TEST(AsioIntegration, EventsFromTheLibraryReactorAlsoWakeTheLoop) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  ro::MessagePort port;
  ro::DatagramSocket reactor_socket;  // on the library's own reactor thread
  reactor_socket.SetPort(port);
  ASSERT_TRUE(reactor_socket.BindToLocalPort(0)) << reactor_socket.GetFailureReason();
  ro::DatagramSocket sender;
  ASSERT_EQ(sender.SendTo("127.0.0.1", reactor_socket.GetLocalPort(), "via reactor"), 0);
  const ro::Message msg = ro::Wait(3000, port, io);
  ASSERT_NE(msg, nullptr);
  ASSERT_NE(msg->As<ro::DatagramEvent>(), nullptr);
  EXPECT_EQ(msg->As<ro::DatagramEvent>()->GetString(), "via reactor");
}

TEST(AsioIntegration, EchoRoundTripsOnTheCallersThread) {
  asio::io_context io;
  ro::MessagePort server_port;
  ro::DatagramSocket server = ro::MakeDatagramSocket(io);
  server.SetPort(server_port);
  ASSERT_TRUE(server.BindToLocalPort(0)) << server.GetFailureReason();

  ro::MessagePort client_port;
  ro::DatagramSocket client;
  client.SetPort(client_port);
  constexpr int kRounds = 200;
  std::thread echo([&] {
    for (int i = 0; i < kRounds; ++i) {
      const ro::Message msg = ro::Wait(3000, server_port, io);
      if (!msg) return;
      const auto* event = msg->As<ro::DatagramEvent>();
      server.SendTo(event->GetSourceHost(), event->GetSourcePort(), event->GetPayload());
    }
  });
  int answered = 0;
  for (int i = 0; i < kRounds; ++i) {
    const std::string text = "ping " + std::to_string(i);
    ASSERT_EQ(client.SendTo("127.0.0.1", server.GetLocalPort(), text), 0);
    const ro::Message reply = client_port.WaitMessage(3000);
    ASSERT_NE(reply, nullptr) << "round " << i;
    EXPECT_EQ(reply->As<ro::DatagramEvent>()->GetString(), text);
    ++answered;
  }
  echo.join();
  EXPECT_EQ(answered, kRounds);
}

TEST(AsioIntegration, DestroyingTheSocketStopsDeliveriesOnTheOwnContext) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  ro::MessagePort port;
  auto udp = std::make_unique<ro::DatagramSocket>(ro::MakeDatagramSocket(io));
  udp->SetPort(port);
  ASSERT_TRUE(udp->BindToLocalPort(0)) << udp->GetFailureReason();
  const int target = udp->GetLocalPort();
  udp.reset();
  ro::DatagramSocket sender;
  sender.SendTo("127.0.0.1", target, "too late");
  EXPECT_EQ(ro::Wait(200, port, io), nullptr);
  EXPECT_EQ(port.GetStatistics().posted, 0U);
}

// A post copies no list of waiting loops to use after unlocking: a waiter
// may return and destroy its io_context at any moment (ASan: use after
// free in asio::post before the fix).
TEST(AsioIntegration, WaitersDestroyingTheirContextRaceNoPostSafely) {
  ro::MessagePort port;
  std::atomic<bool> stop{false};
  std::vector<std::thread> posters;
  for (int t = 0; t < 3; ++t) {
    posters.emplace_back([&] {
      while (!stop.load()) {
        (void)port.PostMessage(std::make_shared<Marker>());
        std::this_thread::yield();
      }
    });
  }
  int returned = 0;
  const auto deadline = Clock::now() + milliseconds(1500);
  for (int i = 0; i < 200000 && Clock::now() < deadline; ++i) {
    for (int drained = 0; drained < 1000 && port.GetMessage() != nullptr; ++drained) {
    }
    // Registers `io` with the empty port, then destroys it on return.
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    if (ro::Wait(2, port, io) != nullptr) ++returned;
  }
  stop = true;
  for (auto& poster : posters) poster.join();
  EXPECT_GT(returned, 0);
}

// Counts this process's threads.
int ThreadCount() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++count;
  }
  return count;
}

// Each test runs in its own process (gtest_discover_tests), so the library
// thread has not been started by another test.
TEST(AsioIntegration, SocketsAndWatchdogOnTheOwnContextNeverStartTheLibraryThread) {
  const int before = ThreadCount();
  asio::io_context io;
  ro::MessagePort port;
  ro::DatagramSocket udp = ro::MakeDatagramSocket(io);
  udp.SetPort(port);
  ASSERT_TRUE(udp.BindToLocalPort(0)) << udp.GetFailureReason();
  std::atomic<bool> fired{false};
  port.SetWatchdogHandler([&fired] { fired = true; });
  port.SetWatchdogTimeout(1);
  ro::DatagramSocket sender = ro::MakeDatagramSocket(io);
  ASSERT_EQ(sender.SendTo("127.0.0.1", udp.GetLocalPort(), "mine"), 0);
  const ro::Message msg = ro::Wait(2000, port, io);
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(msg->As<ro::DatagramEvent>()->GetString(), "mine");
  // The watchdog's timer is on `io`: it fires while `io` runs.
  const auto deadline = Clock::now() + milliseconds(5000);
  while (!fired && Clock::now() < deadline) io.run_for(milliseconds(50));
  EXPECT_TRUE(fired) << "the watchdog of a port served by the application's loop never fired";
  EXPECT_EQ(ThreadCount(), before) << "a library thread was started";
}

TEST(AsioIntegration, HotplugOnOwnContextStarts) {
  asio::io_context io;
  ro::NetworkHotplug hotplug = ro::MakeNetworkHotplug(io);
  EXPECT_EQ(hotplug.GetFailureReason(), "");
  EXPECT_NE(hotplug.GetIdentity(), 0);
}

}  // namespace
