// listener_sender: a listener and a sender on the loopback interface, in one
// process, written the way the BrightScript original reads:
//
//   port = CreateObject("roMessagePort")
//   listener = CreateObject("roDatagramSocket")
//   listener.SetPort(port)
//   listener.BindToLocalPort(0)
//   sender = CreateObject("roDatagramSocket")
//   for i = 1 to 3
//     sender.SendTo("127.0.0.1", listener.GetLocalPort(), "datagram " + i.ToStr())
//   end for
//   received = 0
//   while received < 3
//     msg = wait(remaining, port)
//     if type(msg) = "roDatagramEvent" then
//       print msg.GetSourceHost(); ":"; msg.GetSourcePort(); " "; msg.GetString()
//       received = received + 1
//     else if msg = invalid then
//       exit while          ' timed out
//     end if
//   end while
//
// Exits 0 if all three datagrams arrived within 5 seconds, 1 otherwise.
#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/core.h>

#include <ro/ro.hpp>

int main() {
  constexpr int kCount = 3;
  constexpr auto kTimeLimit = std::chrono::seconds(5);

  ro::MessagePort port;  // port = CreateObject("roMessagePort")

  ro::DatagramSocket listener;         // listener = CreateObject("roDatagramSocket")
  listener.SetPort(port);              // listener.SetPort(port)
  if (!listener.BindToLocalPort(0)) {  // listener.BindToLocalPort(0)
    fmt::print(stderr, "listener: {}\n", listener.GetFailureReason());
    return 1;
  }
  const int listener_port = listener.GetLocalPort();
  fmt::print("listening on 127.0.0.1:{}\n", listener_port);

  ro::DatagramSocket sender;  // sender = CreateObject("roDatagramSocket")
  for (int i = 1; i <= kCount; ++i) {
    const std::string text = "datagram " + std::to_string(i);
    if (sender.SendTo("127.0.0.1", listener_port, text) != 0) {
      fmt::print(stderr, "sender: {}\n", sender.GetFailureReason());
      return 1;
    }
  }

  const auto deadline = std::chrono::steady_clock::now() + kTimeLimit;
  int received = 0;
  while (received < kCount) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;  // out of time (Wait(0, ...) would wait forever)
    }
    ro::Message msg = ro::Wait(static_cast<int>(left.count()), port);  // msg = wait(ms, port)
    if (msg == nullptr) {
      break;  // msg = invalid: timed out
    }
    if (const auto* event = msg->As<ro::DatagramEvent>()) {  // type(msg) = "roDatagramEvent"
      fmt::print("from {}:{}: {}\n", event->GetSourceHost(), event->GetSourcePort(),
                 event->GetString());
      ++received;
    }
  }

  if (received < kCount) {
    fmt::print(stderr, "received {} of {} datagrams within {} s\n", received, kCount,
               kTimeLimit.count());
    return 1;
  }
  fmt::print("received all {} datagrams\n", kCount);
  return 0;
}
