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
//  - GetCRC32 matches a bit-at-a-time reference, also on clipped ranges;
//  - the vendor methods (Push, Pop, Shift, Unshift, Delete, Append, GetEntry,
//    SetEntry, Slice, the enumeration, GetSignedLong, SetResize), driven by
//    the input as a program, keep the array equal to a std::vector model and
//    never grow it past a fixed Capacity().

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Runs the input as a program of vendor methods against a model.
void RunProgram(const std::uint8_t* data, std::size_t size) {
  ro::ByteArray ba;
  std::vector<std::uint8_t> model;
  std::size_t position = 0;          // the model's enumeration position
  std::optional<std::size_t> limit;  // set while auto-resize is off
  const auto may_hold = [&](std::size_t n) { return !limit || n <= *limit; };
  // Operands are small signed values so that negative and past-the-end
  // indices come up often.
  const auto operand = [](std::uint8_t b) { return static_cast<int>(b) - 16; };
  for (std::size_t i = 0; i + 1 < size && i < 4096; i += 2) {
    const std::uint8_t op = data[i] % 13;
    const int arg = operand(data[i + 1]);
    const std::size_t n = model.size();
    switch (op) {
      case 0: {
        const bool fits = may_hold(n + 1);
        Require(ba.Push(arg) == fits);
        if (fits) model.push_back(static_cast<std::uint8_t>(arg & 0xFF));
        break;
      }
      case 1: {
        const std::optional<int> got = ba.Pop();
        Require(got.has_value() == (n > 0));
        if (n > 0) {
          Require(*got == model.back());
          model.pop_back();
        }
        break;
      }
      case 2: {
        const std::optional<int> got = ba.Shift();
        Require(got.has_value() == (n > 0));
        if (n > 0) {
          Require(*got == model.front());
          model.erase(model.begin());
        }
        break;
      }
      case 3: {
        const bool fits = may_hold(n + 1);
        Require(ba.Unshift(arg) == fits);
        if (fits) model.insert(model.begin(), static_cast<std::uint8_t>(arg & 0xFF));
        break;
      }
      case 4: {
        const bool inside = arg >= 0 && static_cast<std::size_t>(arg) < n;
        Require(ba.Delete(arg) == inside);
        if (inside) model.erase(model.begin() + arg);
        break;
      }
      case 5: {
        if (n > 4096) break;  // doubling: keep the program's memory bounded
        const bool fits = may_hold(2 * n);
        Require(ba.Append(ba) == fits);
        if (fits) model.insert(model.end(), model.begin(), model.begin() + static_cast<long>(n));
        break;
      }
      case 6: {
        const std::optional<int> got = ba.GetEntry(arg);
        const bool inside = arg >= 0 && static_cast<std::size_t>(arg) < n;
        Require(got.has_value() == inside);
        if (inside) Require(*got == model[static_cast<std::size_t>(arg)]);
        break;
      }
      case 7: {
        const bool ok = arg >= 0 && may_hold(std::max(n, static_cast<std::size_t>(arg) + 1));
        Require(ba.SetEntry(arg, arg * 7) == ok);
        if (ok) {
          if (static_cast<std::size_t>(arg) >= n) model.resize(static_cast<std::size_t>(arg) + 1);
          model[static_cast<std::size_t>(arg)] = static_cast<std::uint8_t>((arg * 7) & 0xFF);
        }
        break;
      }
      case 8: {
        const ro::ByteArray slice = ba.Slice(arg, operand(data[i]));
        Require(slice.size() <= n);
        break;
      }
      case 9: {
        const std::optional<int> got = ba.Next();
        Require(got.has_value() == (position < n));
        if (position < n) Require(*got == model[position++]);
        break;
      }
      case 10:
        ba.Reset();
        position = 0;
        break;
      case 11: {
        const int value = ba.GetSignedLong(arg);
        if (arg < 0 || static_cast<std::size_t>(arg) * 4 + 4 > n) Require(value == 0);
        break;
      }
      default: {
        const bool resizable = (arg & 1) != 0;
        Require(ba.SetResize(arg, resizable));
        const std::size_t room = arg > 0 ? static_cast<std::size_t>(arg) : 0;
        limit = resizable ? std::nullopt : std::optional<std::size_t>(std::max(room, n));
        break;
      }
    }
    Require(ba.size() == model.size());
    Require(std::equal(ba.begin(), ba.end(), model.begin()));
    Require(ba.IsNext() == (position < model.size()));
    if (limit) Require(ba.Count() <= ba.Capacity());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  DecodeHex(text);
  DecodeBase64(text);
  DecodeAscii(text);
  EncodeBytes(data, size);
  RunProgram(data, size);
  return 0;
}
