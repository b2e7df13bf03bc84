// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// What a port asks of the socket that delivers to it before its waiting
// thread lets the loop sleep (PortState::ReadAhead).

#ifndef RO_SRC_READ_AHEAD_HPP_
#define RO_SRC_READ_AHEAD_HPP_

#include <memory>

namespace ro::detail {

class PortState;

/// A receiving socket as its port sees it: before a thread that waits on
/// the port lets the loop sleep in epoll_wait, it asks the socket that last
/// delivered there to read what has arrived since (PortState::ReadAhead).
class ReadAheadSource {
 public:
  /// Reads what the kernel holds now, without waiting, and posts it to
  /// `port` if that is still where this source delivers. True if it posted
  /// anything.
  virtual bool ReadAhead(const PortState& port) = 0;
  /// This source, for the port to hold without keeping it alive.
  virtual std::weak_ptr<ReadAheadSource> WeakSource() = 0;

 protected:
  ~ReadAheadSource() = default;
};

}  // namespace ro::detail

#endif  // RO_SRC_READ_AHEAD_HPP_
