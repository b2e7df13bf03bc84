// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ro/byte_array.hpp>

namespace ro {
namespace {

// Marks a character that is not part of an alphabet in the decode tables.
// Valid digit values are at most 63, so the high bit alone flags a bad one.
constexpr std::uint8_t kInvalid = 0xFF;
constexpr unsigned kInvalidBit = 0x80U;

constexpr char kHexDigits[] = "0123456789ABCDEF";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::uint8_t, 256> MakeHexDecodeTable() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::uint8_t i = 0; i < 10; ++i) table[static_cast<std::size_t>('0' + i)] = i;
  for (std::uint8_t i = 0; i < 6; ++i) {
    // Both cases decode: the players emit upper case, people type lower case.
    table[static_cast<std::size_t>('A' + i)] = static_cast<std::uint8_t>(10 + i);
    table[static_cast<std::size_t>('a' + i)] = static_cast<std::uint8_t>(10 + i);
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> MakeBase64DecodeTable() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kBase64Alphabet[i])] = i;
  }
  return table;
}

// Reflected IEEE 802.3 polynomial, the one zlib's crc32() uses.
constexpr std::uint32_t kCrcPolynomial = 0xEDB88320U;

constexpr std::array<std::uint32_t, 256> MakeCrcTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? kCrcPolynomial ^ (c >> 1U) : c >> 1U;
    table[n] = c;
  }
  return table;
}

constexpr auto kHexDecode = MakeHexDecodeTable();
constexpr auto kBase64Decode = MakeBase64DecodeTable();
constexpr auto kCrcTable = MakeCrcTable();

// Spot checks against zlib's published table, so a broken generator fails
// the build rather than a test run.
static_assert(kCrcTable[1] == 0x77073096U, "CRC-32 table");
static_assert(kCrcTable[128] == 0xEDB88320U, "CRC-32 table");
static_assert(kCrcTable[255] == 0x2D02EF8DU, "CRC-32 table");
static_assert(kHexDecode['f'] == 15 && kHexDecode['F'] == 15 && kHexDecode['g'] == kInvalid,
              "hex table");
static_assert(kBase64Decode['/'] == 63 && kBase64Decode['='] == kInvalid, "base64 table");

std::uint8_t HexValue(char c) noexcept { return kHexDecode[static_cast<unsigned char>(c)]; }

std::uint32_t Base64Value(char c) noexcept { return kBase64Decode[static_cast<unsigned char>(c)]; }

// Number of bytes that `chars` base64 digits (no padding) decode to; only
// meaningful when chars % 4 != 1.
std::size_t Base64DecodedSize(std::size_t chars) noexcept {
  const std::size_t tail = chars % 4;
  return chars / 4 * 3 + (tail == 0 ? 0 : tail - 1);
}

}  // namespace

ByteArray::ByteArray(const void* data, std::size_t size) {
  // A null pointer with a zero size is a legitimate "nothing to copy".
  if (data != nullptr && size != 0) {
    const auto* first = static_cast<const std::uint8_t*>(data);
    bytes_.assign(first, first + size);
  }
}

ByteArray::ByteArray(std::initializer_list<std::uint8_t> bytes) : bytes_(bytes) {}

// The From* decoders build a fresh buffer and move it in at the end, so the
// input may be a view of this very array (e.g. ba.FromHexString(ba.View())).

void ByteArray::FromAsciiString(std::string_view text) {
  std::vector<std::uint8_t> fresh(text.size());
  std::copy(text.begin(), text.end(), fresh.begin());
  bytes_ = std::move(fresh);
}

std::string ByteArray::ToAsciiString() const {
  const std::string_view all = View();
  return std::string(all.substr(0, all.find('\0')));
}

bool ByteArray::FromHexString(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    bytes_.clear();
    return false;
  }
  std::vector<std::uint8_t> fresh(hex.size() / 2);
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    const std::uint8_t high = HexValue(hex[2 * i]);
    const std::uint8_t low = HexValue(hex[2 * i + 1]);
    if (((high | low) & kInvalidBit) != 0) {
      bytes_.clear();
      return false;
    }
    fresh[i] = static_cast<std::uint8_t>((high << 4U) | low);
  }
  bytes_ = std::move(fresh);
  return true;
}

std::string ByteArray::ToHexString() const {
  std::string out(bytes_.size() * 2, '\0');
  std::size_t o = 0;
  for (const unsigned byte : bytes_) {
    out[o++] = kHexDigits[byte >> 4U];
    out[o++] = kHexDigits[byte & 0x0FU];
  }
  return out;
}

bool ByteArray::FromBase64String(std::string_view text) {
  const std::size_t n = text.size();
  std::size_t pad = 0;
  while (pad < 2 && pad < n && text[n - 1 - pad] == '=') ++pad;
  // Padding, when present, must complete the last quantum; a lone digit in
  // the last quantum carries only 6 bits and cannot encode a byte. Any other
  // '=' is caught by the alphabet check below.
  const std::size_t digits = n - pad;
  if ((pad != 0 && n % 4 != 0) || digits % 4 == 1) {
    bytes_.clear();
    return false;
  }

  std::vector<std::uint8_t> fresh(Base64DecodedSize(digits));
  std::size_t in = 0;
  std::size_t out = 0;
  for (; in + 4 <= digits; in += 4) {
    const std::uint32_t a = Base64Value(text[in]);
    const std::uint32_t b = Base64Value(text[in + 1]);
    const std::uint32_t c = Base64Value(text[in + 2]);
    const std::uint32_t d = Base64Value(text[in + 3]);
    if (((a | b | c | d) & kInvalidBit) != 0) {
      bytes_.clear();
      return false;
    }
    const std::uint32_t v = (a << 18U) | (b << 12U) | (c << 6U) | d;
    fresh[out++] = static_cast<std::uint8_t>(v >> 16U);
    fresh[out++] = static_cast<std::uint8_t>(v >> 8U);
    fresh[out++] = static_cast<std::uint8_t>(v);
  }
  // Final partial quantum of 2 or 3 digits. Non-zero unused low bits are
  // accepted (RFC 4648 section 3.5 lets decoders choose).
  if (in < digits) {
    const std::uint32_t a = Base64Value(text[in]);
    const std::uint32_t b = Base64Value(text[in + 1]);
    const std::uint32_t c = digits - in == 3 ? Base64Value(text[in + 2]) : 0U;
    if (((a | b | c) & kInvalidBit) != 0) {
      bytes_.clear();
      return false;
    }
    const std::uint32_t v = (a << 18U) | (b << 12U) | (c << 6U);
    fresh[out++] = static_cast<std::uint8_t>(v >> 16U);
    if (digits - in == 3) fresh[out++] = static_cast<std::uint8_t>(v >> 8U);
  }
  bytes_ = std::move(fresh);
  return true;
}

std::string ByteArray::ToBase64String() const {
  const std::size_t n = bytes_.size();
  std::string out((n + 2) / 3 * 4, '=');
  const std::uint8_t* p = bytes_.data();
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{p[i]} << 16U) | (std::uint32_t{p[i + 1]} << 8U) | std::uint32_t{p[i + 2]};
    out[o++] = kBase64Alphabet[(v >> 18U) & 0x3FU];
    out[o++] = kBase64Alphabet[(v >> 12U) & 0x3FU];
    out[o++] = kBase64Alphabet[(v >> 6U) & 0x3FU];
    out[o++] = kBase64Alphabet[v & 0x3FU];
  }
  // One or two bytes left: two or three digits, the rest stays '='.
  if (i < n) {
    const bool two = n - i == 2;
    const std::uint32_t v =
        (std::uint32_t{p[i]} << 16U) | (two ? std::uint32_t{p[i + 1]} << 8U : 0U);
    out[o++] = kBase64Alphabet[(v >> 18U) & 0x3FU];
    out[o++] = kBase64Alphabet[(v >> 12U) & 0x3FU];
    if (two) out[o] = kBase64Alphabet[(v >> 6U) & 0x3FU];
  }
  return out;
}

int ByteArray::GetSignedByte(std::size_t index) const noexcept {
  if (index >= bytes_.size()) return 0;
  // Two's complement by arithmetic, not by a narrowing cast.
  const int value = bytes_[index];
  return value >= 0x80 ? value - 0x100 : value;
}

std::uint32_t ByteArray::GetCRC32() const noexcept { return GetCRC32(0, bytes_.size()); }

std::uint32_t ByteArray::GetCRC32(std::size_t start, std::size_t length) const noexcept {
  if (start >= bytes_.size()) return 0;  // CRC-32 of no bytes.
  // Clip without computing start + length, which may overflow.
  const std::size_t end = start + std::min(length, bytes_.size() - start);
  std::uint32_t crc = 0xFFFFFFFFU;
  for (std::size_t i = start; i < end; ++i) {
    crc = kCrcTable[(crc ^ bytes_[i]) & 0xFFU] ^ (crc >> 8U);
  }
  return crc ^ 0xFFFFFFFFU;
}

}  // namespace ro
