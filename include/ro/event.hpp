// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_EVENT_HPP_
#define RO_EVENT_HPP_

#include <any>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>

#include <ro/export.hpp>

namespace ro {

class DatagramEvent;
class NetworkEvent;
class NetworkAttachedEvent;
class NetworkDetachedEvent;

/// BrightScript user data: any value, or Invalid.
///
/// An empty `std::any` is BrightScript's `Invalid` (what `GetUserData()`
/// returns when `SetUserData()` was never called).
using UserData = std::any;

/// Base of everything a MessagePort carries (BrightScript posts any object;
/// C++ posts any ro::Event).
///
/// Library events are ro::DatagramEvent, ro::NetworkAttachedEvent and
/// ro::NetworkDetachedEvent. Applications derive their own events from this
/// class and post them with MessagePort::PostMessage().
///
/// **Example**
/// ```
/// struct TickEvent final : ro::Event {
///   std::string_view TypeName() const override { return "tick"; }
/// };
/// port.PostMessage(std::make_shared<TickEvent>());
/// ro::Message msg = ro::Wait(0, port);
/// if (msg->TypeName() == "tick") { ... }
/// ```
///
/// @par Thread safety
/// Events are immutable once posted; one event may be read from any number of
/// threads at once.
class RO_API Event {
 public:
  virtual ~Event();

  /// The BrightScript `type()` of the event, e.g. "roDatagramEvent".
  [[nodiscard]] virtual std::string_view TypeName() const = 0;

  /// The user data of the object that raised the event, as it was when the
  /// event was raised; empty (Invalid) by default.
  [[nodiscard]] virtual UserData GetUserData() const;

  /// The `GetIdentity()` of the object that raised the event; 0 by default
  /// (no source object).
  [[nodiscard]] virtual int GetSourceIdentity() const;

  /// This event as a `T`, or nullptr if it is not one.
  ///
  /// The C++ face of BrightScript's `type(msg) = "roXxxEvent"` test.
  ///
  /// Also usable with `-fno-rtti` for the library's own events
  /// (ro::DatagramEvent, ro::NetworkEvent, ro::NetworkAttachedEvent,
  /// ro::NetworkDetachedEvent, and ro::Event itself): without RTTI it compares
  /// TypeName(), so type names beginning with "ro" are reserved to the
  /// library's events. For an application's own event type without RTTI,
  /// As<T>() does not compile (a `static_assert` says so): compare TypeName()
  /// and `static_cast` instead.
  template <class T>
  [[nodiscard]] const T* As() const noexcept {
    static_assert(std::is_base_of_v<Event, T>, "As<T>(): T must derive from ro::Event");
#if defined(__GXX_RTTI) || defined(__cpp_rtti) || defined(_CPPRTTI)
    if constexpr (std::is_final_v<T>) {
      // A final type can only match exactly: one type_info comparison
      // instead of dynamic_cast's walk of the hierarchy.
      return typeid(*this) == typeid(T) ? static_cast<const T*>(this) : nullptr;
    } else {
      return dynamic_cast<const T*>(this);
    }
#else
    return IsLibraryEvent<T>(TypeName()) ? static_cast<const T*>(this) : nullptr;
#endif
  }

 private:
  // Whether an event of TypeName() `name` is a `T` (As<T>() without RTTI).
  template <class T>
  static constexpr bool IsLibraryEvent(std::string_view name) noexcept {
    if constexpr (std::is_same_v<T, Event>) {
      return true;
    } else if constexpr (std::is_same_v<T, DatagramEvent>) {
      return name == "roDatagramEvent";
    } else if constexpr (std::is_same_v<T, NetworkAttachedEvent>) {
      return name == "roNetworkAttached";
    } else if constexpr (std::is_same_v<T, NetworkDetachedEvent>) {
      return name == "roNetworkDetached";
    } else if constexpr (std::is_same_v<T, NetworkEvent>) {
      return name == "roNetworkAttached" || name == "roNetworkDetached";
    } else {
      static_assert(!std::is_same_v<T, T>,
                    "As<T>() without RTTI knows only the library's events; for your own "
                    "event types compare TypeName() and static_cast");
      return false;
    }
  }

 protected:
  /// Only derived events are constructed, copied or moved.
  Event() = default;
  /// Copies the base part of a derived event.
  Event(const Event&) = default;
  /// Moves the base part of a derived event.
  Event(Event&&) = default;
  /// Copies the base part of a derived event.
  Event& operator=(const Event&) = default;
  /// Moves the base part of a derived event.
  Event& operator=(Event&&) = default;
};

/// What a MessagePort hands out: a shared, immutable event. `nullptr` is
/// BrightScript's `Invalid` (for instance a `Wait()` that timed out).
using Message = std::shared_ptr<const Event>;

/// BrightScript's `type(msg)`, safe on a timed-out wait: "Invalid" for
/// nullptr, else `msg->TypeName()` (e.g. "roDatagramEvent").
///
/// ```
/// ro::Message msg = ro::Wait(1000, port);     // msg = wait(1000, port)
/// if (ro::Type(msg) == "roTimerEvent") ...     // if type(msg) = "roTimerEvent"
/// ```
[[nodiscard]] inline std::string_view Type(const Message& msg) {
  return msg ? msg->TypeName() : std::string_view("Invalid");
}

namespace detail {
/// What `SetUserData("text")` stores: a std::string (BrightScript's String),
/// not the `const char*` a std::any would keep; nullptr stores Invalid.
/// Used by the `SetUserData(const char*)` overload of every object.
[[nodiscard]] inline UserData TextUserData(const char* text) {
  return text != nullptr ? UserData(std::string(text)) : UserData();
}
}  // namespace detail

}  // namespace ro

#endif  // RO_EVENT_HPP_
