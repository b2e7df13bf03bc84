// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Telling a DatagramEvent apart inside the library without RTTI. Ports carry
// the application's own events too, and an application built with -fno-rtti
// gives them vtables without type information: typeid or dynamic_cast on
// one of those (which Event::As<T>() uses when the library is built with
// RTTI) would crash. DatagramEvent::TypeName() returns a view of one
// library-owned array, whose address no other type can return.

#ifndef RO_SRC_DATAGRAM_CAST_HPP_
#define RO_SRC_DATAGRAM_CAST_HPP_

#include <ro/datagram_event.hpp>
#include <ro/event.hpp>

namespace ro::detail {

/// "roDatagramEvent", the one copy that DatagramEvent::TypeName() views.
extern const char kDatagramTypeName[];

/// `event` as a DatagramEvent, or nullptr; one virtual call, no RTTI.
inline const DatagramEvent* AsDatagram(const Event& event) noexcept {
  return event.TypeName().data() == kDatagramTypeName ? static_cast<const DatagramEvent*>(&event)
                                                      : nullptr;
}

}  // namespace ro::detail

#endif  // RO_SRC_DATAGRAM_CAST_HPP_
