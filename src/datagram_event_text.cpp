// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// A DatagramEvent used as a string (BrightScript's `print event`,
// `msg$ = event`).

#include <ostream>
#include <string>
#include <string_view>

#include <ro/datagram_event.hpp>

#include "datagram_cast.hpp"

namespace ro {

std::ostream& operator<<(std::ostream& out, const DatagramEvent& ev) {
  // write(), not `out << view`: a payload is data, so no width or fill.
  const std::string_view payload = ev.GetPayload();
  return out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
}

std::string DatagramString(const Message& msg) {
  const DatagramEvent* ev = msg ? detail::AsDatagram(*msg) : nullptr;
  return ev != nullptr ? std::string(ev->GetPayload()) : std::string();
}

}  // namespace ro
