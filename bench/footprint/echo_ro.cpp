// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Footprint probe (scripts/footprint): a UDP echo server on 127.0.0.1 with
// rodatagram. echo_asio.cpp and echo_c.c do the same with plain Asio and
// plain C; all three are built with the same flags and compared stripped.
//
//   echo_ro PORT COUNT    echoes COUNT datagrams back to their senders

#include <cstdlib>

#include <ro/datagram_event.hpp>
#include <ro/datagram_socket.hpp>
#include <ro/message_port.hpp>

int main(int argc, char** argv) {
  if (argc != 3) return 64;
  ro::MessagePort port;
  ro::DatagramSocket udp;
  udp.SetPort(port);
  if (!udp.BindToLocalPort(std::atoi(argv[1]))) return 1;
  for (int left = std::atoi(argv[2]); left > 0;) {
    const ro::Message msg = ro::Wait(0, port);
    if (const auto* ev = msg->As<ro::DatagramEvent>()) {
      if (udp.SendTo(ev->GetSourceHost(), ev->GetSourcePort(), ev->GetString()) != 0) return 1;
      --left;
    }
  }
  return 0;
}
