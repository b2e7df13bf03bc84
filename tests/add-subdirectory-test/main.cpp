// Consumer test: a program written against the installed rodatagram using
// only the documented ro API (shared/API.md). Exits non-zero on any failure.
#include <cctype>
#include <cstdio>
#include <string>

#include <ro/ro.hpp>

namespace {

int failures = 0;

void Check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) {
    ++failures;
  }
}

std::string Lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

int main() {
  // A socket sends a datagram to itself on the loopback interface.
  ro::MessagePort port;
  ro::DatagramSocket udp;
  udp.SetPort(port);
  Check(udp.BindToLocalPort(0), "BindToLocalPort(0)");
  const int local_port = udp.GetLocalPort();
  Check(local_port > 0, "GetLocalPort() > 0");
  Check(udp.SendTo("127.0.0.1", local_port, "hello") == 0,
        "SendTo(\"127.0.0.1\", port, \"hello\")");
  if (failures != 0) {
    std::printf("failure reason: %s\n", udp.GetFailureReason().c_str());
  }

  const ro::Message msg = ro::Wait(5000, port);
  Check(msg != nullptr, "Wait(5000, port) returned an event");
  const ro::DatagramEvent* event = msg ? msg->As<ro::DatagramEvent>() : nullptr;
  Check(event != nullptr, "the event is a roDatagramEvent");
  if (event != nullptr) {
    Check(msg->TypeName() == "roDatagramEvent", "TypeName() == \"roDatagramEvent\"");
    Check(event->GetString() == "hello", "GetString() == \"hello\"");
    Check(event->GetSourceHost() == "127.0.0.1", "GetSourceHost() == \"127.0.0.1\"");
  }

  // roByteArray hex round trip.
  const std::string hex = "48656c6c6f00ff";
  ro::ByteArray bytes;
  Check(bytes.FromHexString(hex), "FromHexString");
  Check(bytes.Count() == 7, "Count() == 7");
  Check(bytes.Count() == 7 && bytes[0] == 0x48 && bytes[5] == 0x00 && bytes[6] == 0xff,
        "bytes decoded");
  Check(Lower(bytes.ToHexString()) == hex, "ToHexString round trip");

  std::printf("%s\n", failures == 0 ? "consumer: all checks passed" : "consumer: FAILED");
  return failures == 0 ? 0 : 1;
}
