// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_DATAGRAM_EVENT_HPP_
#define RO_DATAGRAM_EVENT_HPP_

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include <ro/byte_array.hpp>
#include <ro/event.hpp>
#include <ro/export.hpp>

namespace ro {

namespace detail {
struct DatagramEventFactory;

/// Where a datagram came from and went to, in network form. Internal layout
/// of DatagramEvent; use the DatagramEvent accessors.
struct DatagramAddresses {
  std::uint8_t source[16] = {};       ///< IPv4 in the first 4 bytes, or IPv6.
  std::uint8_t destination[16] = {};  ///< From IP_PKTINFO / IPV6_PKTINFO.
  std::uint32_t source_scope = 0;     ///< IPv6 scope id of the source.
  int interface_index = 0;            ///< Receiving interface, 0 if unknown.
  std::uint16_t source_port = 0;      ///< Host byte order.
  bool ipv6 = false;
  bool has_destination = false;
};
}  // namespace detail

/// `roDatagramEvent`: one received UDP datagram, posted by a DatagramSocket
/// to its MessagePort.
///
/// The event owns its payload: it stays valid after the socket that produced
/// it is destroyed.
///
/// **Used as a string.** BrightScript lets a script treat the event as its
/// payload (`msg$ = event`, `print event`, `if event = "pause"`); in C++
/// the event converts to a `std::string_view` of the payload, compares equal
/// to a string with the same bytes, and streams its payload:
/// ```
/// std::string msg(*ev);                       // msg$ = event
/// std::cout << *ev << "\n";                   // print event
/// if (*ev == "pause") ...                     // if event = "pause"
/// std::string_view(*ev).substr(0, 3)          // left(event, 3)
/// ```
/// The view is valid as long as the event (hold the ro::Message). The payload is never a truncated
/// datagram (a datagram that did not fit is dropped and counted in
/// DatagramSocket::GetStatistics()).
///
/// @par Thread safety
/// Immutable; safe to read from any number of threads at once.
class RO_API DatagramEvent final : public Event {
 public:
  ~DatagramEvent() override;
  DatagramEvent(const DatagramEvent&) = delete;
  DatagramEvent& operator=(const DatagramEvent&) = delete;
  DatagramEvent(DatagramEvent&&) = delete;
  DatagramEvent& operator=(DatagramEvent&&) = delete;

  /// "roDatagramEvent".
  [[nodiscard]] std::string_view TypeName() const override;

  /// The payload, byte for byte (binary-safe: zero bytes are kept).
  [[nodiscard]] std::string GetString() const;

  /// The payload as a new ByteArray.
  [[nodiscard]] ByteArray GetByteArray() const;

  /// The sender's numeric address ("192.0.2.7", or "fe80::1%2" for a
  /// link-local IPv6 sender: the scope is the interface index). Never a name.
  [[nodiscard]] std::string GetSourceHost() const;

  /// The sender's UDP port.
  [[nodiscard]] int GetSourcePort() const noexcept;

  /// The socket's user data as it was when the datagram was received.
  [[nodiscard]] UserData GetUserData() const override;

  /// The GetIdentity() of the socket that received the datagram.
  [[nodiscard]] int GetSourceIdentity() const override;

  /// The payload without a copy (*extension*); valid as long as the event.
  [[nodiscard]] std::string_view GetPayload() const noexcept {
    return {reinterpret_cast<const char*>(this) + payload_offset_, static_cast<std::size_t>(size_)};
  }

  /// Payload size in bytes (*extension*).
  [[nodiscard]] std::size_t GetPayloadSize() const noexcept { return size_; }

  /// The payload as a string view, as BrightScript reads an event used as a
  /// string (*extension*): same as GetPayload().
  operator std::string_view() const noexcept {
    return GetPayload();
  }  // NOLINT(google-explicit-constructor)

  /// True if the payload is byte for byte `text` (`if event = "pause"`).
  friend bool operator==(const DatagramEvent& ev, std::string_view text) noexcept {
    return ev.GetPayload() == text;
  }
  /// True if the payload is byte for byte `text`.
  friend bool operator==(std::string_view text, const DatagramEvent& ev) noexcept {
    return ev.GetPayload() == text;
  }
  /// True if the payload differs from `text`.
  friend bool operator!=(const DatagramEvent& ev, std::string_view text) noexcept {
    return !(ev == text);
  }
  /// True if the payload differs from `text`.
  friend bool operator!=(std::string_view text, const DatagramEvent& ev) noexcept {
    return !(ev == text);
  }

  /// The address the datagram was sent to (*extension*): a unicast address
  /// of this host, a multicast group, or a broadcast address. Empty if the
  /// kernel did not report it.
  [[nodiscard]] std::string GetDestinationHost() const;

  /// Index of the interface the datagram arrived on (*extension*); 0 if
  /// unknown.
  [[nodiscard]] int GetInterfaceIndex() const noexcept { return addresses_.interface_index; }

  /// Name of the interface the datagram arrived on, e.g. "eth0"
  /// (*extension*); empty if unknown or gone.
  [[nodiscard]] std::string GetInterfaceName() const;

 private:
  friend struct detail::DatagramEventFactory;
  DatagramEvent() = default;

  // Owned by the allocation block the event lives in (one per receive
  // batch), which outlives the event; nullptr when no user data was set.
  const UserData* user_data_ = nullptr;
  // The payload follows the events in the same block: where it starts, in
  // bytes from this event (4 bytes rather than a pointer's 8, which keeps a
  // queued event within 128 bytes of memory).
  std::uint32_t payload_offset_ = 0;
  std::uint32_t size_ = 0;
  int identity_ = 0;
  detail::DatagramAddresses addresses_;
};

/// Writes the payload verbatim (`print event`); zero bytes included.
RO_API std::ostream& operator<<(std::ostream& out, const DatagramEvent& ev);

/// The payload of `msg` if it is a DatagramEvent, else "" (nullptr
/// included): `msg$ = msg` for a message whose type the code does not test
/// first (BrightScript would stop on a non-datagram there). A copy, so it
/// outlives `msg`.
[[nodiscard]] RO_API std::string DatagramString(const Message& msg);

}  // namespace ro

#endif  // RO_DATAGRAM_EVENT_HPP_
