// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_NETWORK_HOTPLUG_HPP_
#define RO_NETWORK_HOTPLUG_HPP_

#include <memory>
#include <string>
#include <string_view>

#include <ro/event.hpp>
#include <ro/export.hpp>
#include <ro/message_port.hpp>

namespace ro {

namespace detail {
class HotplugImpl;
struct HotplugAccess;
}  // namespace detail

/// Common shape of roNetworkAttached / roNetworkDetached.
class RO_API NetworkEvent : public Event {
 public:
  /// The interface index (as `if_nametoindex`), e.g. 2.
  [[nodiscard]] int GetInt() const noexcept { return index_; }
  /// The interface name, e.g. "eth0".
  [[nodiscard]] std::string GetString() const { return name_; }
  /// The NetworkHotplug's user data when the event was raised.
  [[nodiscard]] UserData GetUserData() const override;
  /// The NetworkHotplug's GetIdentity().
  [[nodiscard]] int GetSourceIdentity() const override { return identity_; }

 protected:
  /// For the two concrete events.
  NetworkEvent(int index, std::string name, std::shared_ptr<const UserData> user_data,
               int identity);

 private:
  int index_;
  std::string name_;
  std::shared_ptr<const UserData> user_data_;
  int identity_;
};

/// `roNetworkAttached`: an interface became usable (up, carrier, and at least
/// one address).
class RO_API NetworkAttachedEvent final : public NetworkEvent {
 public:
  /// An event for interface `index` called `name`, raised by the
  /// NetworkHotplug with `identity` and `user_data`.
  NetworkAttachedEvent(int index, std::string name, std::shared_ptr<const UserData> user_data,
                       int identity);
  /// "roNetworkAttached".
  [[nodiscard]] std::string_view TypeName() const override;
};

/// `roNetworkDetached`: an interface stopped being usable (down, carrier
/// lost, last address removed, or the interface was deleted).
class RO_API NetworkDetachedEvent final : public NetworkEvent {
 public:
  /// An event for interface `index` called `name`, raised by the
  /// NetworkHotplug with `identity` and `user_data`.
  NetworkDetachedEvent(int index, std::string name, std::shared_ptr<const UserData> user_data,
                       int identity);
  /// "roNetworkDetached".
  [[nodiscard]] std::string_view TypeName() const override;
};

/// `roNetworkHotplug`: posts NetworkAttachedEvent / NetworkDetachedEvent when
/// a network interface becomes usable or stops being usable.
///
/// An interface is *attached* while it is administratively up, has carrier
/// (IFF_RUNNING) and has at least one non-tentative address. Events are
/// edge-triggered on that state, so one plug gives one event; the library
/// watches rtnetlink (link and address changes) from the moment the object
/// is created, in the network namespace of the creating thread. Interfaces
/// already attached at creation raise no event.
///
/// As on the players, applications should treat an attached event as "join
/// your multicast groups again" and make that idempotent: a repeat is
/// harmless with DatagramSocket::JoinMulticastGroup(). DatagramSocket's
/// SetAutoRejoin() (*extension*) does it without application code.
///
/// **Example**
/// ```
/// ro::NetworkHotplug hotplug;                 // CreateObject("roNetworkHotplug")
/// hotplug.SetPort(port);
/// ...
/// if (msg->TypeName() == "roNetworkAttached") udp.JoinMulticastGroup(group);
/// ```
///
/// @par Thread safety
/// Every member may be called from any thread. Move-only; the destructor
/// stops deliveries before it returns.
class RO_API NetworkHotplug {
 public:
  NetworkHotplug();
  ~NetworkHotplug();
  /// Takes over `other`'s watch; `other` is left empty.
  NetworkHotplug(NetworkHotplug&& other) noexcept;
  /// Stops this watch, then takes over `other`'s; `other` is left empty.
  NetworkHotplug& operator=(NetworkHotplug&& other) noexcept;
  NetworkHotplug(const NetworkHotplug&) = delete;
  NetworkHotplug& operator=(const NetworkHotplug&) = delete;

  /// Sets the port that receives the events.
  void SetPort(const MessagePort& port);

  /// Sets the value the events carry from now on.
  void SetUserData(UserData data);

  /// `SetUserData("text")` stores a std::string, as BrightScript stores a
  /// String, so `std::any_cast<std::string>` reads it back.
  void SetUserData(const char* text) { SetUserData(detail::TextUserData(text)); }

  /// The value set by SetUserData(), or an empty std::any (Invalid).
  [[nodiscard]] UserData GetUserData() const;

  /// A process-unique, non-zero id carried by the events as
  /// GetSourceIdentity().
  [[nodiscard]] int GetIdentity() const;

  /// Why the monitor is not running (*extension*), e.g. when rtnetlink could
  /// not be opened; empty while it works.
  [[nodiscard]] std::string GetFailureReason() const;

  /// The negative code of that failure, 0 while it works (*extension*).
  [[nodiscard]] int GetFailureCode() const;

 private:
  friend struct detail::HotplugAccess;
  explicit NetworkHotplug(std::shared_ptr<detail::HotplugImpl> impl) noexcept;

  std::shared_ptr<detail::HotplugImpl> impl_;
};

}  // namespace ro

#endif  // RO_NETWORK_HOTPLUG_HPP_
