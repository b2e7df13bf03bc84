// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "identity.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace ro::ssdp::detail {
namespace {

std::uint32_t RotateLeft(std::uint32_t value, int bits) {
  return (value << bits) | (value >> (32 - bits));
}

// SHA-1 (FIPS 180-4), only for RFC 4122 version 5 UUIDs: not for security.
std::array<std::uint8_t, 20> Sha1(std::string_view data) {
  std::uint32_t h[5] = {0x67452301U, 0xEFCDAB89U, 0x98BADCFEU, 0x10325476U, 0xC3D2E1F0U};
  std::string message(data);
  const std::uint64_t bit_length = static_cast<std::uint64_t>(data.size()) * 8U;
  message += static_cast<char>(0x80);
  while (message.size() % 64 != 56) message += '\0';
  for (int i = 7; i >= 0; --i) message += static_cast<char>((bit_length >> (i * 8)) & 0xFFU);
  for (std::size_t block = 0; block < message.size(); block += 64) {
    std::uint32_t w[80];
    for (std::size_t i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(message.data() + block + i * 4);
      w[i] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
             (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    }
    for (std::size_t i = 16; i < 80; ++i) {
      w[i] = RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (std::size_t i = 0; i < 80; ++i) {
      std::uint32_t f = 0;
      std::uint32_t k = 0;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999U;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1U;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDCU;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6U;
      }
      const std::uint32_t next = RotateLeft(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = RotateLeft(b, 30);
      b = a;
      a = next;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::array<std::uint8_t, 20> digest{};
  for (std::size_t i = 0; i < 20; ++i) {
    digest[i] = static_cast<std::uint8_t>((h[i / 4] >> (24 - 8 * (i % 4))) & 0xFFU);
  }
  return digest;
}

std::string FirstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = text[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

std::string NameBasedUuid(std::string_view name) {
  // RFC 4122 appendix C: the URL namespace 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
  static constexpr unsigned char kUrlNamespace[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad,
                                                      0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
                                                      0x4f, 0xd4, 0x30, 0xc8};
  std::string input(reinterpret_cast<const char*>(kUrlNamespace), sizeof kUrlNamespace);
  input += name;
  auto digest = Sha1(input);
  digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0F) | 0x50);
  digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 0x0F];
  }
  return text;
}

std::string MachineId() {
  for (const char* path : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
    const std::string id = FirstLine(path);
    if (id.size() >= 16) return id;
  }
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') return host;
  return "localhost";
}

std::optional<BootState> ReadBootState(const std::string& path, std::string& why) {
  std::ifstream in(path);
  if (!in) {
    why = errno == ENOENT ? "" : path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  BootState state;
  bool boot = false;
  bool config = false;
  std::string line;
  while (std::getline(in, line)) {
    const auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string key = line.substr(0, equals);
    // Digits only, up to 2^32 - 1 (from_chars: no exceptions, no sign, no blanks).
    std::uint32_t number = 0;
    const char* first = line.data() + equals + 1;
    const char* last = line.data() + line.size();
    const auto parsed = std::from_chars(first, last, number);
    if (first == last || parsed.ec != std::errc() || parsed.ptr != last) {
      why = path + ": bad value in \"" + line.substr(0, 80) + "\"";
      return std::nullopt;
    }
    if (key == "BOOTID.UPNP.ORG") {
      state.boot_id = number;
      boot = true;
    } else if (key == "CONFIGID.UPNP.ORG") {
      state.config_id = number;
      config = true;
    } else if (key == "DESCRIPTION-CRC") {
      state.description_crc = number;
    }
  }
  if (!boot || !config) {
    why = path + ": no BOOTID.UPNP.ORG or CONFIGID.UPNP.ORG line";
    return std::nullopt;
  }
  return state;
}

bool WriteBootState(const std::string& path, const BootState& state, std::string& why) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << "# rodatagram ssdp responder state (UDA 1.1 section 1.2.2)\n"
        << "BOOTID.UPNP.ORG=" << state.boot_id << "\n"
        << "CONFIGID.UPNP.ORG=" << state.config_id << "\n"
        << "DESCRIPTION-CRC=" << state.description_crc << "\n";
    out.flush();
    if (!out) {
      why = temporary + ": " + std::strerror(errno);
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    why = "rename " + temporary + " -> " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

BootState NextBoot(const std::optional<BootState>& previous, std::uint32_t description_crc) {
  BootState next;
  next.description_crc = description_crc;
  if (!previous) {
    next.boot_id = 1;
    next.config_id = 1;
    return next;
  }
  // BOOTID is 0..2^31-1 (UDA 1.1 §1.2.2); wrap to 1 rather than overflow.
  next.boot_id = previous->boot_id >= 0x7FFFFFFFU ? 1 : previous->boot_id + 1;
  // CONFIGID 0..16777215 is the protocol range (values above are reserved).
  next.config_id = previous->description_crc == description_crc
                       ? previous->config_id & 0xFFFFFFU
                       : (previous->config_id + 1) & 0xFFFFFFU;
  return next;
}

}  // namespace ro::ssdp::detail
