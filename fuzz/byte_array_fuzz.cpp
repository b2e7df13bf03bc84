// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// libFuzzer target: ro::ByteArray's decoders (hex, base64, ASCII) on
// arbitrary input, and the encoders on arbitrary bytes.
//
// Besides crashes and sanitizer reports, it checks the documented
// contracts and traps (a crash for libFuzzer) when one is broken:
//  - a decoder either succeeds or returns false and leaves the array empty;
//  - a successful hex decode gives size/2 bytes that encode back to the
//    input in upper case;
//  - a successful base64 decode re-encodes to text that decodes to the same
//    bytes; canonical text (what ToBase64String makes) round-trips exactly;
//  - any bytes survive ToHexString/FromHexString and
//    ToBase64String/FromBase64String unchanged;
//  - FromAsciiString keeps every byte; ToAsciiString stops at the first NUL;
//  - GetCRC32 matches a bit-at-a-time reference, also on clipped ranges.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ro/byte_array.hpp>

namespace {

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

std::uint32_t ReferenceCrc32(const std::uint8_t* data, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc & 1U) != 0 ? (crc >> 1U) ^ 0xEDB88320U : crc >> 1U;
  }
  return crc ^ 0xFFFFFFFFU;
}

char Upper(char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c; }

void DecodeHex(std::string_view text) {
  ro::ByteArray bytes{0xAA};  // previous contents must not survive a failure
  if (!bytes.FromHexString(text)) {
    Require(bytes.Count() == 0);
    return;
  }
  Require(text.size() % 2 == 0);
  Require(bytes.size() == text.size() / 2);
  const std::string hex = bytes.ToHexString();
  Require(hex.size() == text.size());
  for (std::size_t i = 0; i < hex.size(); ++i) Require(hex[i] == Upper(text[i]));
}

void DecodeBase64(std::string_view text) {
  ro::ByteArray bytes{0xAA};
  if (!bytes.FromBase64String(text)) {
    Require(bytes.Count() == 0);
    return;
  }
  Require(bytes.size() <= text.size() * 3 / 4);
  const std::string canonical = bytes.ToBase64String();
  ro::ByteArray again;
  Require(again.FromBase64String(canonical));
  Require(again == bytes);
  Require(again.ToBase64String() == canonical);
}

void DecodeAscii(std::string_view text) {
  ro::ByteArray bytes;
  bytes.FromAsciiString(text);
  Require(bytes.size() == text.size());
  Require(bytes.View() == text);
  Require(bytes.ToAsciiString() == text.substr(0, text.find('\0')));
}

void EncodeBytes(const std::uint8_t* data, std::size_t size) {
  const ro::ByteArray bytes(data, size);
  Require(bytes.size() == size);

  ro::ByteArray from_hex;
  Require(from_hex.FromHexString(bytes.ToHexString()));
  Require(from_hex == bytes);

  ro::ByteArray from_base64;
  Require(from_base64.FromBase64String(bytes.ToBase64String()));
  Require(from_base64 == bytes);

  Require(bytes.GetCRC32() == ReferenceCrc32(data, size));
  if (size > 0) {
    // A range that starts inside and runs past the end is clipped.
    const std::size_t start = data[0] % size;
    const std::size_t length = size > 1 ? data[1] : 0;
    const std::size_t end = start + length < size ? start + length : size;
    Require(bytes.GetCRC32(start, length) == ReferenceCrc32(data + start, end - start));
    const int signed_byte = bytes.GetSignedByte(start);
    Require(signed_byte == static_cast<int>(data[start]) - (data[start] >= 0x80 ? 0x100 : 0));
  }
  Require(bytes.GetCRC32(size, 1) == 0U);
  Require(bytes.GetSignedByte(size) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  DecodeHex(text);
  DecodeBase64(text);
  DecodeAscii(text);
  EncodeBytes(data, size);
  return 0;
}
