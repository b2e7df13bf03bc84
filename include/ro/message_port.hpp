// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_MESSAGE_PORT_HPP_
#define RO_MESSAGE_PORT_HPP_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include <ro/event.hpp>
#include <ro/export.hpp>

namespace ro {

namespace detail {
class PortState;
struct PortAccess;
}  // namespace detail

/// Counters of a MessagePort (*extension*). All counts are since creation.
struct PortStatistics {
  /// Events accepted into the queue (posted by sockets, hotplug or PostMessage).
  std::uint64_t posted = 0;
  /// Events handed out by GetMessage / WaitMessage / Wait.
  std::uint64_t delivered = 0;
  /// Events refused because the queue was at its SetMaxQueueLength() bound
  /// or its SetMaxQueueBytes() memory budget.
  std::uint64_t dropped = 0;
  /// Events queued right now.
  std::size_t queued = 0;
  /// Bytes the queued events are charged against the memory budget (see
  /// SetMaxQueueBytes()).
  std::size_t queued_bytes = 0;
  /// The largest number of events that were ever queued at once.
  std::size_t high_water = 0;
};

/// `roMessagePort`: the FIFO that sockets, hotplug monitors and the
/// application post events to, and that the application waits on.
///
/// A MessagePort is a cheap handle: copies share one queue, like BrightScript
/// references to one roMessagePort. The queue lives as long as the last
/// handle; sockets that still point at it afterwards drop (and count) what
/// they receive, safely.
///
/// **Example**
/// ```
/// ro::MessagePort port;                       // CreateObject("roMessagePort")
/// udp.SetPort(port);
/// for (;;) {
///   ro::Message msg = ro::Wait(0, port);      // msg = wait(0, port)
///   if (auto* ev = msg->As<ro::DatagramEvent>()) { ... }
/// }
/// ```
///
/// @par Thread safety
/// Every member may be called from any thread at once, on one handle or on
/// copies: several threads may PostMessage() and Wait() on one port
/// concurrently. Order is FIFO across all sources. Assigning to one handle
/// object while another thread uses *that same handle object* is a data race,
/// as for any C++ value.
///
/// @par Who receives
/// A thread blocked in WaitMessage() / Wait() on an empty port reads the
/// library's sockets itself when no other thread does, so a datagram it
/// waits for wakes only that thread (docs/architecture.md, "Who runs the
/// loop"); while the application is away from Wait for more than about a
/// millisecond, the library's own thread reads and queues datagrams. Either
/// thread may therefore run library work, watchdog handlers included.
///
/// @par fork()
/// Safe after start-up, in both directions: the child gets its own event
/// loop and library thread, and its own sockets deliver. Inherited sockets
/// share the kernel socket with the parent: while both processes keep one
/// open, each datagram goes to one of them; Close() in one process closes
/// only that process's descriptor, never the other's (a daemon's parent
/// closes its copies and exits). Fork while no other application thread is
/// inside a rodatagram call, and do not use in the child a port that another
/// thread of the parent was blocked on (as for any multithreaded fork).
class RO_API MessagePort {
 public:
  /// Creates a new, empty queue.
  MessagePort();
  ~MessagePort();
  /// Another handle to `other`'s queue.
  MessagePort(const MessagePort& other) noexcept;
  /// Takes over `other`'s handle; `other` is left empty (a moved-from
  /// handle behaves as an empty port that refuses posts).
  MessagePort(MessagePort&& other) noexcept;
  /// Makes this a handle to `other`'s queue.
  MessagePort& operator=(const MessagePort& other) noexcept;
  /// Takes over `other`'s handle; `other` is left empty.
  MessagePort& operator=(MessagePort&& other) noexcept;

  /// Waits for the next event and dequeues it.
  ///
  /// @param timeout_ms  milliseconds to wait; 0 waits forever (BrightScript).
  ///                    A negative value does not wait at all (same as
  ///                    GetMessage()); rodatagram's choice, the vendor is silent.
  /// @returns the event, or nullptr (Invalid) on timeout.
  [[nodiscard]] Message WaitMessage(int timeout_ms) const;

  /// Dequeues the next event if there is one; never blocks.
  /// @returns the event, or nullptr (Invalid) if the queue is empty.
  [[nodiscard]] Message GetMessage() const;

  /// Returns the next event without dequeuing it (a later Get/Wait/Peek
  /// returns the same event); never blocks. nullptr if the queue is empty.
  [[nodiscard]] Message PeekMessage() const;

  /// Appends an application event to the queue and wakes one waiter.
  ///
  /// @returns true if queued; false for a nullptr message or when the queue
  /// is at its SetMaxQueueLength() bound (the event is dropped and counted).
  /// BrightScript's PostMessage returns nothing; the result may be ignored.
  bool PostMessage(Message msg) const;

  /// Arms (seconds > 0) or disarms (0) the port watchdog.
  ///
  /// Once armed, the application must call GetMessage() / WaitMessage() /
  /// Wait() on this port at least every `seconds`; time spent blocked inside
  /// a wait on this port does not count. When the deadline passes, the
  /// watchdog handler runs once (default: log to stderr and `std::abort()`,
  /// as a player would reboot). Negative values are treated as 0.
  ///
  /// @returns the previous timeout in seconds (0 if it was disarmed).
  int SetWatchdogTimeout(int seconds) const;

  /// Pushes the watchdog deadline out by the configured timeout.
  void DeferWatchdog() const;

  /// Pushes the watchdog deadline out to at least `seconds` from now.
  /// Deferral never brings the deadline closer: DeferWatchdog(100) followed
  /// by DeferWatchdog(10) still fires 100 s after the first call.
  void DeferWatchdog(int seconds) const;

  /// Replaces what runs when the watchdog fires (*extension*). The handler
  /// runs on the thread that runs the loop serving the port: the library's
  /// thread, a thread blocked in a wait, or (for a port that sockets made
  /// with `<ro/asio.hpp>` post to) the application's io_context, which must
  /// then be running for the watchdog to fire. An empty function restores
  /// the default (log and abort).
  void SetWatchdogHandler(std::function<void()> handler) const;

  /// Bounds the queue to `max_events` (*extension*); 0 means unbounded (the
  /// default). When full, new events are dropped (drop-newest) and counted in
  /// GetStatistics().dropped and in the posting socket's statistics.
  void SetMaxQueueLength(std::size_t max_events) const;

  /// The port's memory budget (*extension*): the most bytes its queued
  /// events may hold, counting each event's payload plus a fixed 128 bytes
  /// for the event itself.
  ///
  /// Every port starts with a budget of 64 MiB: far more than a player's
  /// queue holds in normal use (a full second of 64-byte datagrams at
  /// 100,000 per second is about 19 MiB), but a bound on what a flood that
  /// nobody reads can cost; without it, 64-byte datagrams grow an unread
  /// port by a gigabyte in well under a minute. An event that would exceed
  /// the budget is dropped (drop-newest) and counted in
  /// GetStatistics().dropped and, for datagrams, in the posting socket's
  /// `dropped_by_port`. 0 removes the budget (unbounded, the vendor's
  /// behaviour). Lowering the budget below what is queued drops nothing
  /// already queued; new events are refused until the queue drains below it.
  ///
  /// @returns the previous budget in bytes (0: there was none).
  std::size_t SetMaxQueueBytes(std::size_t max_bytes) const;

  /// Number of events queued now (*extension*).
  [[nodiscard]] std::size_t GetQueueLength() const;

  /// Counters of this queue (*extension*).
  [[nodiscard]] PortStatistics GetStatistics() const;

  /// A process-unique, non-zero id of the queue.
  [[nodiscard]] int GetIdentity() const;

  /// True if both handles share one queue.
  friend bool operator==(const MessagePort& a, const MessagePort& b) noexcept {
    return a.state_ == b.state_;
  }
  /// True if the handles have different queues.
  friend bool operator!=(const MessagePort& a, const MessagePort& b) noexcept { return !(a == b); }

 private:
  friend struct detail::PortAccess;
  std::shared_ptr<detail::PortState> state_;
};

/// The BrightScript global `Wait(timeout, port)`: same as
/// `port.WaitMessage(timeout_ms)`.
[[nodiscard]] RO_API Message Wait(int timeout_ms, const MessagePort& port);

}  // namespace ro

#endif  // RO_MESSAGE_PORT_HPP_
