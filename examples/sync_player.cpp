// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Line-for-line port of scripts/sync_player.brs: a leader/follower sync
// pair exchanging binary messages built with ro::ByteArray, paced by an
// ro::Timer.
//
//   sync_player follower <local port> <peer host> <peer port> <count>
//   sync_player leader   <local port> <peer host> <peer port> <count>
//
// Exits 0 when `count` messages were synced, 1 on a failure (as `stop`).

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include <ro/ro.hpp>

namespace {

void PushLong(ro::ByteArray& ba, std::uint32_t value) {
  for (unsigned i = 0; i <= 3; ++i) ba.Push(static_cast<int>(value >> (8 * i) & 0xFFU));
}

std::uint32_t ReadLong(const ro::ByteArray& ba, int index) {
  std::uint32_t value = 0;
  for (int i = 0; i <= 3; ++i)
    value |= static_cast<std::uint32_t>(*ba.GetEntry(index + i)) << (8 * i);
  return value;
}

ro::ByteArray BuildSync(int seq, int position) {
  ro::ByteArray ba;
  PushLong(ba, static_cast<std::uint32_t>(seq));
  PushLong(ba, static_cast<std::uint32_t>(position));
  PushLong(ba, ba.GetCRC32());
  ba.Unshift(0x53);
  return ba;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr
        << "usage: sync_player leader|follower <local port> <peer host> <peer port> <count>\n";
    return 64;
  }
  const std::string role = argv[1];
  const int local_port = std::atoi(argv[2]);
  const std::string peer = argv[3];
  const int peer_port = std::atoi(argv[4]);
  const int count = std::atoi(argv[5]);

  ro::MessagePort mp;
  ro::DatagramSocket udp;
  udp.SetPort(mp);
  udp.SetUserData("sync");
  if (!udp.BindToLocalPort(local_port)) {
    std::cout << "bind failed: " << udp.GetFailureReason() << "\n";
    return 1;
  }

  ro::Timer tick;
  tick.SetPort(mp);
  tick.SetElapsed(0, 100);
  int seq = 0;
  int acked = 0;
  if (role == "leader") tick.Start();

  for (;;) {
    ro::Message msg = ro::Wait(3000, mp);
    if (ro::Type(msg) == "Invalid") {
      std::cout << "peer silent\n";
      return 1;
    }
    if (ro::Type(msg) == "roTimerEvent") {
      seq = seq + 1;
      int rc = udp.SendTo(peer, peer_port, BuildSync(seq, seq * 100));
      if (rc != 0) std::cout << "SendTo failed " << rc << " " << udp.GetFailureReason() << "\n";
      tick.Start();
    } else if (auto* ev = msg->As<ro::DatagramEvent>()) {
      ro::ByteArray ba = ev->GetByteArray();
      auto kind = ba.Shift();
      if (kind == 0x53 && role == "follower") {
        if (ba.Count() != 12 || ba.GetCRC32(0, 8) != ReadLong(ba, 8)) {
          std::cout << "bad sync\n";
        } else {
          std::cout << "sync " << ba.GetSignedLong(0) << " at " << ba.GetSignedLong(1) << "\n";
          ro::ByteArray ack;
          ack.Push(0x41);
          ack.Append(ba.Slice(0, 4));
          udp.SendTo(ev->GetSourceHost(), ev->GetSourcePort(), ack);
          if (ba.GetSignedLong(0) >= count) break;
        }
      } else if (kind == 0x41 && role == "leader") {
        acked = acked + 1;
        if (acked >= count) break;
      }
    }
  }
  std::cout << role << " done\n";
  return 0;
}
