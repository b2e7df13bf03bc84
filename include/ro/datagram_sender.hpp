// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_DATAGRAM_SENDER_HPP_
#define RO_DATAGRAM_SENDER_HPP_

#include <memory>
#include <string>
#include <string_view>

#include <ro/byte_array.hpp>
#include <ro/event.hpp>
#include <ro/export.hpp>

namespace ro {

namespace detail {
class SenderImpl;
}  // namespace detail

/// `roDatagramSender` (*legacy object*): sends UDP datagrams to one
/// destination set beforehand.
///
/// Older player scripts use this send-only object instead of
/// roDatagramSocket; new code should use DatagramSocket, which also
/// receives. DatagramSender is a thin wrapper over one DatagramSocket, so
/// failures, payload limits and the auto-bind on the first Send() behave as
/// described there.
///
/// **Destinations.** SetDestination() accepts what DatagramSocket::SendTo()
/// accepts (a numeric IPv4 or IPv6 address, or "localhost"), numeric
/// broadcast addresses such as "255.255.255.255" or "192.0.2.255", and the
/// vendor's broadcast names, resolved again at every Send() so that they
/// follow interfaces as they come and go:
///
/// - `"BCAST-LOCAL-SUBNETS"`: one datagram to the broadcast address of every
///   *broadcast subnet*: each IPv4 address, with a broadcast address, of an
///   interface that is up, has IFF_BROADCAST and is not a loopback.
/// - `"BCAST-SUBNET-n"` (n = 0, 1, ...): only the subnets of the n-th
///   interface that has broadcast subnets, counting from 0 in
///   interface-index order (the order of `ip link`). On a player with Ethernet and WiFi that is 0 =
///   Ethernet, 1 = WiFi, as in the vendor's numbering; on other machines run `ip link` to see the
///   order. An interface with several IPv4 subnets gets one datagram per subnet.
///
/// The sender always allows broadcast (SO_BROADCAST), as the vendor's object
/// does; DatagramSocket needs SetBroadcast(true) for that.
///
/// **Example**
/// ```
/// ro::DatagramSender sender;                  // CreateObject("roDatagramSender")
/// if (!sender.SetDestination("BCAST-LOCAL-SUBNETS", 5000)) std::abort();
/// if (sender.Send("mute:off") != 0) std::puts(sender.GetFailureReason().c_str());
/// ```
///
/// @par Thread safety
/// Every member may be called from any thread. Send() may run from several
/// threads at once; SetDestination() and SetSourcePort() serialise with it,
/// so a Send() uses either the old or the new destination, never a mix.
/// Destroying (or moving from) a sender while another thread still calls
/// into that same object is a data race, as for any C++ object.
///
/// @par Lifetime
/// Move-only; the socket closes when the sender is destroyed. A moved-from
/// sender fails every call with -EBADF / false.
class RO_API DatagramSender {
 public:
  /// Creates a sender with no destination; no kernel socket exists until
  /// the first Send() or SetSourcePort().
  DatagramSender();
  ~DatagramSender();
  /// Takes over `other`'s socket and destination; `other` is left empty.
  DatagramSender(DatagramSender&& other) noexcept;
  /// Closes this sender's socket and takes over `other`'s.
  DatagramSender& operator=(DatagramSender&& other) noexcept;
  DatagramSender(const DatagramSender&) = delete;
  DatagramSender& operator=(const DatagramSender&) = delete;

  /// Sets where Send() sends from now on.
  ///
  /// @param host  a numeric IPv4 or IPv6 address, "localhost",
  ///              "BCAST-LOCAL-SUBNETS" or "BCAST-SUBNET-n" (see the class
  ///              description; names are case-sensitive, as on the players).
  /// @param port  1..65535.
  /// @returns false, keeping the previous destination (see
  /// GetFailureReason()), if `host` is none of these or `port` is out of
  /// range. Broadcast names are only checked for form here; which subnets
  /// they mean is decided at each Send().
  bool SetDestination(std::string_view host, int port);

  /// Sends `packet` as one datagram to the destination (one datagram per
  /// subnet for a broadcast name).
  ///
  /// @returns 0 on success, or a negative code: -EDESTADDRREQ before any
  /// SetDestination(), -128 (DatagramSocket::kNetworkNotUp, as the players
  /// return it) when a broadcast name matches no subnet right now, or what
  /// DatagramSocket::SendTo() returns. For a
  /// broadcast name every subnet is tried; the result is the first
  /// failure's code, or 0 if all succeeded.
  int Send(std::string_view packet);

  /// Sends the bytes of `packet`; see the string overload.
  int Send(const ByteArray& packet);

  /// Binds the sending socket to local UDP port `port` (0..65535; 0 picks a
  /// free one), so that datagrams leave from it.
  ///
  /// @returns false (see GetFailureReason()) if the port is out of range or
  /// in use, or if the sender already sent or bound: the source port can be
  /// chosen once, before the first Send(). The socket is then IPv4, so
  /// IPv6 destinations fail.
  bool SetSourcePort(int port);

  /// The local port datagrams leave from (*extension*); 0 before the first
  /// Send() or SetSourcePort().
  [[nodiscard]] int GetSourcePort() const;

  /// A sentence describing the most recent failure of a call on this
  /// sender; empty if nothing has failed.
  [[nodiscard]] std::string GetFailureReason() const;

  /// The negative code of that failure, 0 if nothing has failed
  /// (*extension*; see DatagramSocket::GetFailureCode()).
  [[nodiscard]] int GetFailureCode() const;

  /// Stores a value for the application (the sender raises no events, so
  /// it is only returned by GetUserData()).
  void SetUserData(UserData data);

  /// `SetUserData("text")` stores a std::string, as BrightScript stores a
  /// String, so `std::any_cast<std::string>` reads it back.
  void SetUserData(const char* text) { SetUserData(detail::TextUserData(text)); }

  /// The value set by SetUserData(), or an empty std::any (Invalid).
  [[nodiscard]] UserData GetUserData() const;

  /// A process-unique, non-zero id (ifIdentity, deprecated by the vendor in
  /// favour of user data).
  [[nodiscard]] int GetIdentity() const;

 private:
  std::unique_ptr<detail::SenderImpl> impl_;
};

}  // namespace ro

#endif  // RO_DATAGRAM_SENDER_HPP_
