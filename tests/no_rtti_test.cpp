// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Compiled with -fno-rtti (tests/CMakeLists.txt): the public headers build
// without RTTI, and Event::As<T>() tells the library's own events apart
// without typeid or dynamic_cast. A plain program (GoogleTest's library is
// built with RTTI); exits non-zero on any failure. Loopback only.

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <ro/ro.hpp>

#if defined(__GXX_RTTI) || defined(__cpp_rtti)
#  error "this test must be compiled with -fno-rtti"
#endif

namespace {

int failures = 0;

void Check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) ++failures;
}

// An application's own event: without RTTI it is told apart by TypeName().
struct TickEvent final : ro::Event {
  [[nodiscard]] std::string_view TypeName() const override { return "tick"; }
};

}  // namespace

int main() {
  // Unbuffered: a crash still leaves every line printed before it.
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  ro::MessagePort port;
  ro::DatagramSocket udp;
  udp.SetPort(port);
  Check(udp.BindToLocalPort(0), "BindToLocalPort(0)");
  Check(udp.SendTo("127.0.0.1", udp.GetLocalPort(), "hello") == 0, "SendTo(own port)");
  const ro::Message datagram = ro::Wait(5000, port);
  Check(datagram != nullptr, "a datagram arrived within 5 s");
  if (datagram == nullptr) {
    std::printf("failure reason: %s\n", udp.GetFailureReason().c_str());
    return 1;
  }
  const auto* event = datagram->As<ro::DatagramEvent>();
  Check(event != nullptr, "As<DatagramEvent>() finds a received datagram");
  Check(event != nullptr && event->GetString() == "hello", "and reads its payload");
  Check(datagram->As<ro::Event>() == datagram.get(), "As<Event>() is the event itself");
  Check(datagram->As<ro::NetworkEvent>() == nullptr, "a datagram is not a NetworkEvent");
  Check(datagram->As<ro::NetworkAttachedEvent>() == nullptr,
        "a datagram is not a NetworkAttachedEvent");

  const ro::Message attached = std::make_shared<ro::NetworkAttachedEvent>(2, "eth0", nullptr, 0);
  Check(attached->As<ro::NetworkAttachedEvent>() != nullptr,
        "As<NetworkAttachedEvent>() finds an attach event");
  Check(attached->As<ro::NetworkEvent>() != nullptr &&
            attached->As<ro::NetworkEvent>()->GetString() == "eth0",
        "As<NetworkEvent>() finds it too, with its interface name");
  Check(attached->As<ro::NetworkDetachedEvent>() == nullptr, "it is not a detach event");
  Check(attached->As<ro::DatagramEvent>() == nullptr, "it is not a datagram");

  const ro::Message detached = std::make_shared<ro::NetworkDetachedEvent>(2, "eth0", nullptr, 0);
  Check(detached->As<ro::NetworkDetachedEvent>() != nullptr,
        "As<NetworkDetachedEvent>() finds a detach event");
  Check(detached->As<ro::NetworkEvent>() != nullptr, "As<NetworkEvent>() finds it too");
  Check(detached->As<ro::NetworkAttachedEvent>() == nullptr, "it is not an attach event");

  Check(port.PostMessage(std::make_shared<TickEvent>()), "PostMessage(application event)");
  const ro::Message tick = ro::Wait(5000, port);
  Check(tick != nullptr && tick->TypeName() == "tick", "the application event arrives");
  Check(tick != nullptr && tick->As<ro::DatagramEvent>() == nullptr &&
            tick->As<ro::NetworkEvent>() == nullptr,
        "an application event is none of the library's events");

  std::printf("%s\n", failures == 0 ? "no_rtti: passed" : "no_rtti: FAILED");
  return failures == 0 ? 0 : 1;
}
