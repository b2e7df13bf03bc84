// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Line-for-line port of scripts/discovery_responder.brs: announce to a
// registry with retries paced by an ro::Timer, answer "WHO?" queries.
//
//   discovery_responder <name> <port> <registry host> <registry port>
//
// Exits 0 after "quit", 1 when the port cannot be bound.

#include <cstdlib>
#include <iostream>
#include <string>

#include <ro/ro.hpp>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: discovery_responder <name> <port> <registry host> <registry port>\n";
    return 64;
  }
  const std::string name = argv[1];
  const int port = std::atoi(argv[2]);
  const std::string registry = argv[3];
  const int registry_port = std::atoi(argv[4]);

  ro::MessagePort mp;
  ro::DatagramSocket udp;
  udp.SetPort(mp);
  if (!udp.BindToLocalPort(port)) {
    std::cout << "bind failed: " << udp.GetFailureReason() << "\n";
    return 1;
  }

  ro::Timer retry;
  retry.SetPort(mp);
  retry.SetElapsed(0, 300);
  int tries = 0;
  bool registered = false;
  retry.SetElapsed(0, 0);
  retry.Start();

  for (;;) {
    ro::Message ev = ro::Wait(0, mp);
    if (ro::Type(ev) == "roTimerEvent") {
      int rc = udp.SendTo(registry, registry_port, "HELLO " + name);
      if (rc == -128) {
        std::cout << "network not up, retrying" << std::endl;
      } else {
        tries = tries + 1;
      }
      retry.SetElapsed(0, 300);
      if (tries < 5)
        retry.Start();
      else
        std::cout << "registry silent after " << tries << " tries" << std::endl;
    } else if (auto* d = ev->As<ro::DatagramEvent>()) {
      if (*d == "WELCOME" && !registered) {
        retry.Stop();
        registered = true;
        std::cout << "registered after " << tries << " tries" << std::endl;
      } else if (*d == "WHO?") {
        udp.SendTo(d->GetSourceHost(), d->GetSourcePort(), "I AM " + name);
      } else if (*d == "quit") {
        break;
      }
    }
  }
  return 0;
}
