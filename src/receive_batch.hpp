// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The receive path of one socket for one wake-up: read what the kernel has
// queued with recvmmsg, turn each batch into DatagramEvents that share one
// allocation (datagram_event_factory.hpp), and post the batch to the port
// under one lock with at most one wake-up.

#ifndef RO_SRC_RECEIVE_BATCH_HPP_
#define RO_SRC_RECEIVE_BATCH_HPP_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace ro::detail {

class ObjectCore;
class PortState;
class ReadAheadSource;

/// What the receive path counts (DatagramSocket::GetStatistics()).
struct ReceiveCounters {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> dropped_by_port{0};
  std::atomic<std::uint64_t> truncated{0};
  std::atomic<std::uint64_t> receive_errors{0};
};

enum class DrainResult {
  kEmpty,   ///< the socket reads empty: wait for readiness
  kMore,    ///< the budget of one wake-up is spent: let other sockets run first
  kBroken,  ///< the socket itself is unusable, or no memory to read into (see `error`)
};

/// Datagrams a drain reads at most per wake-up before other sockets get
/// their turn (libuv reads 32 per wake-up for the same reason).
inline constexpr unsigned kWakeupBudget = 128;

/// What one drain did.
struct Drained {
  DrainResult result = DrainResult::kEmpty;
  unsigned read = 0;          ///< datagrams read from the socket
  std::size_t delivered = 0;  ///< of those, events the port accepted
  int error = 0;              ///< on kBroken, the errno that stopped it
};

/// Reads up to `budget` datagrams from `fd` and posts them to `port` (null:
/// counted and dropped). Each event carries `owner`'s identity and its user
/// data as it is when the datagram has arrived. `source` is passed on to
/// PortState::PostBatch.
Drained DrainSocket(int fd, PortState* port, const ObjectCore& owner, ReceiveCounters& counters,
                    ReadAheadSource* source = nullptr, unsigned budget = kWakeupBudget);

}  // namespace ro::detail

#endif  // RO_SRC_RECEIVE_BATCH_HPP_
