// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <ro/event.hpp>

namespace ro {

// Out of line so that the vtable and type_info live in the library, which
// keeps As<T>() (dynamic_cast) working across shared-object boundaries.
Event::~Event() = default;

UserData Event::GetUserData() const { return {}; }

int Event::GetSourceIdentity() const { return 0; }

}  // namespace ro
