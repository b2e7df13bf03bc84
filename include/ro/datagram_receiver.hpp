// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_DATAGRAM_RECEIVER_HPP_
#define RO_DATAGRAM_RECEIVER_HPP_

#include <string>

#include <ro/datagram_socket.hpp>
#include <ro/event.hpp>
#include <ro/export.hpp>
#include <ro/message_port.hpp>

namespace ro {

/// `roDatagramReceiver` (*legacy object*): receives the UDP datagrams sent
/// to one local port, bound when the object is created, and posts each as a
/// DatagramEvent ("roDatagramEvent", the same event DatagramSocket posts).
///
/// Older player scripts use this receive-only object instead of
/// roDatagramSocket; new code should use DatagramSocket. DatagramReceiver is
/// a thin wrapper over one DatagramSocket bound with BindToLocalPort(), so
/// delivery, user data snapshots and event lifetime are as described there.
///
/// The vendor's constructor cannot report failure; here a failed bind
/// leaves a receiver that receives nothing, with GetLocalPort() == 0 and the
/// cause in GetFailureReason(). The constructor never throws for network
/// errors.
///
/// **Example**
/// ```
/// ro::MessagePort port;
/// ro::DatagramReceiver receiver(5000);        // CreateObject("roDatagramReceiver", 5000)
/// if (receiver.GetLocalPort() == 0) std::puts(receiver.GetFailureReason().c_str());
/// receiver.SetPort(port);
/// receiver.SetUserData(std::string("port 5000"));
/// ro::Message msg = ro::Wait(0, port);
/// if (auto* ev = msg->As<ro::DatagramEvent>()) std::puts(ev->GetString().c_str());
/// ```
///
/// @par Thread safety
/// Every member may be called from any thread. Destroying (or moving from)
/// a receiver while another thread still calls into that same object is a
/// data race, as for any C++ object.
///
/// @par Lifetime
/// Move-only. The destructor stops deliveries before it returns; events
/// already queued stay valid. A moved-from receiver receives nothing and
/// its calls fail.
class RO_API DatagramReceiver {
 public:
  /// Binds UDP port `port` (1..65535, or 0 for a free port, an
  /// *extension*) on every local IPv4 address.
  explicit DatagramReceiver(int port);
  ~DatagramReceiver();
  /// Takes over `other`'s socket; `other` is left empty.
  DatagramReceiver(DatagramReceiver&& other) noexcept;
  /// Closes this receiver's socket and takes over `other`'s.
  DatagramReceiver& operator=(DatagramReceiver&& other) noexcept;
  DatagramReceiver(const DatagramReceiver&) = delete;
  DatagramReceiver& operator=(const DatagramReceiver&) = delete;

  /// Sets the MessagePort that receives the DatagramEvents (replacing any
  /// earlier one); held weakly, as by DatagramSocket::SetPort().
  void SetPort(const MessagePort& port);

  /// Sets the value that DatagramEvents carry from now on.
  void SetUserData(UserData data);

  /// `SetUserData("text")` stores a std::string, as BrightScript stores a
  /// String, so `std::any_cast<std::string>` reads it back.
  void SetUserData(const char* text) { SetUserData(detail::TextUserData(text)); }

  /// The value set by SetUserData(), or an empty std::any (Invalid).
  [[nodiscard]] UserData GetUserData() const;

  /// A process-unique, non-zero id that the DatagramEvents carry as
  /// GetSourceIdentity() (ifIdentity, deprecated by the vendor in favour of
  /// user data).
  [[nodiscard]] int GetIdentity() const;

  /// The bound port (*extension*): the constructor's `port`, the chosen one
  /// for 0, or 0 if the bind failed.
  [[nodiscard]] int GetLocalPort() const;

  /// Why the bind failed (*extension*); empty if it succeeded.
  [[nodiscard]] std::string GetFailureReason() const;

  /// The negative code of that failure, 0 if the bind succeeded (*extension*).
  [[nodiscard]] int GetFailureCode() const;

 private:
  DatagramSocket socket_;
};

}  // namespace ro

#endif  // RO_DATAGRAM_RECEIVER_HPP_
