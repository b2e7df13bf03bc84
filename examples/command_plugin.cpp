// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Line-for-line port of scripts/command_plugin.brs: a UDP command plugin
// with a heartbeat ro::Timer. The event is used as a string as the script
// uses it (lcase(event), left(msg, 4)).
//
//   command_plugin <command port> <monitor host> <monitor port>
//
// Exits 0 after "quit", 1 when the port cannot be bound.

#include <algorithm>
#include <any>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <string>

#include <ro/ro.hpp>

namespace {

std::string LCase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsTag(const ro::UserData& data, const char* tag) {
  const auto* text = std::any_cast<std::string>(&data);
  return text != nullptr && *text == tag;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: command_plugin <command port> <monitor host> <monitor port>\n";
    return 64;
  }
  const int command_port = std::atoi(argv[1]);
  const std::string monitor = argv[2];
  const int monitor_port = std::atoi(argv[3]);

  ro::MessagePort mp;
  ro::DatagramSocket udp;
  udp.SetPort(mp);
  if (!udp.BindToLocalPort(command_port)) {
    std::cout << "bind failed: " << udp.GetFailureReason() << "\n";
    return 1;
  }

  ro::Timer heartbeat;
  heartbeat.SetPort(mp);
  heartbeat.SetUserData("heartbeat");
  heartbeat.SetElapsed(0, 200);
  heartbeat.Start();

  int beats = 0, volume = 50;
  std::string state = "playing";
  for (;;) {
    ro::Message event = ro::Wait(0, mp);
    if (ro::Type(event) == "roTimerEvent" && IsTag(event->GetUserData(), "heartbeat")) {
      beats = beats + 1;
      udp.SendTo(monitor, monitor_port, "alive " + std::to_string(beats) + " " + state);
      heartbeat.Start();
    } else if (auto* ev = event->As<ro::DatagramEvent>()) {
      std::string msg = LCase(std::string(*ev));
      std::cout << "command: " << msg << std::endl;
      std::string reply;
      if (msg == "quit") {
        udp.SendTo(ev->GetSourceHost(), ev->GetSourcePort(), "bye");
        break;
      } else if (msg == "pause") {
        state = "paused";
      } else if (msg == "play") {
        state = "playing";
      } else if (msg.substr(0, 4) == "vol:") {
        volume = std::atoi(msg.substr(4).c_str());
      } else {
        reply = "error " + msg;
      }
      if (reply.empty()) reply = "ok " + state + " " + std::to_string(volume);
      udp.SendTo(ev->GetSourceHost(), ev->GetSourcePort(), reply);
    }
  }
  heartbeat.Stop();
  return 0;
}
