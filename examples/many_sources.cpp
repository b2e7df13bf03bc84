// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// many_sources: one message port fed by two sockets and by an application
// thread, and one loop that routes each message to its handler, in the three
// ways BrightScript scripts do:
//
//   - by type:        type(msg) = "roDatagramEvent"    -> msg->TypeName() / As<T>()
//   - by user data:   msg.GetUserData() = "control"   -> std::any_cast
//   - by identity:    msg.GetSourceIdentity() = telemetry.GetIdentity()
//
// The BrightScript loop:
//
//   control.SetUserData("control")
//   while true
//     msg = wait(1000, port)
//     if type(msg) = "roAssociativeArray" then            ' posted by the script
//       HandleTick(msg)
//     else if type(msg) = "roDatagramEvent" then
//       if msg.GetUserData() = "control" then
//         HandleControl(msg)
//       else if msg.GetSourceIdentity() = telemetry.GetIdentity() then
//         HandleTelemetry(msg)
//       end if
//     end if
//   end while
//
// All traffic is on 127.0.0.1. Exits 0 once every message has reached its
// handler, 1 if any is missing after 5 seconds.

#include <any>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/core.h>

#include <ro/ro.hpp>

namespace {

// An application event (BrightScript posts any object; C++ posts any
// ro::Event).
class TickEvent final : public ro::Event {
 public:
  explicit TickEvent(int number) : number_(number) {}
  [[nodiscard]] std::string_view TypeName() const override { return "tick"; }
  [[nodiscard]] int Number() const { return number_; }

 private:
  int number_;
};

}  // namespace

int main() {
  constexpr int kTicks = 3;
  constexpr int kEach = 2;  // datagrams per socket

  ro::MessagePort port;

  ro::DatagramSocket control;  // routed by its user data
  control.SetPort(port);
  control.SetUserData(std::string("control"));
  ro::DatagramSocket telemetry;  // routed by its identity
  telemetry.SetPort(port);
  if (!control.BindToLocalPort(0) || !telemetry.BindToLocalPort(0)) {
    fmt::print(stderr, "many_sources: {} {}\n", control.GetFailureReason(),
               telemetry.GetFailureReason());
    return 1;
  }

  // A third source: a thread that posts application events to the same port.
  std::thread ticker([port] {
    for (int i = 1; i <= kTicks; ++i) {
      port.PostMessage(std::make_shared<TickEvent>(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  ro::DatagramSocket peer;  // stands in for the devices on the network
  for (int i = 1; i <= kEach; ++i) {
    peer.SendTo("127.0.0.1", control.GetLocalPort(), fmt::format("command {}", i));
    peer.SendTo("127.0.0.1", telemetry.GetLocalPort(), fmt::format("reading {}", i));
  }

  int ticks = 0;
  int commands = 0;
  int readings = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ticks < kTicks || commands < kEach || readings < kEach) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const ro::Message msg = ro::Wait(static_cast<int>(left.count()), port);
    if (msg == nullptr) break;  // timed out

    if (const auto* tick = msg->As<TickEvent>()) {  // by type
      fmt::print("tick {}\n", tick->Number());
      ++ticks;
    } else if (const auto* datagram = msg->As<ro::DatagramEvent>()) {
      const ro::UserData data = datagram->GetUserData();
      const auto* tag = std::any_cast<std::string>(&data);
      if (tag != nullptr && *tag == "control") {  // by user data
        fmt::print("control: {}\n", datagram->GetString());
        ++commands;
      } else if (datagram->GetSourceIdentity() == telemetry.GetIdentity()) {  // by identity
        fmt::print("telemetry: {}\n", datagram->GetString());
        ++readings;
      }
    }
  }
  ticker.join();

  const bool ok = ticks == kTicks && commands == kEach && readings == kEach;
  fmt::print("many_sources: {} ticks, {} commands, {} readings{}\n", ticks, commands, readings,
             ok ? "" : " (some missing)");
  return ok ? 0 : 1;
}
