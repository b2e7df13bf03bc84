// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "text.hpp"

#include <cstring>
#include <system_error>

#include <fmt/core.h>

namespace ro::detail {

std::string ErrorText(int err) {
  const char* name = strerrorname_np(err);
  return fmt::format("{} ({})", std::generic_category().message(err), name ? name : "unknown");
}

std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (text.size() > kMaxShown)
    out += fmt::format("...\" ({} chars)", text.size());
  else
    out += '"';
  return out;
}

}  // namespace ro::detail
