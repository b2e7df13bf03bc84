// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_BYTE_ARRAY_HPP_
#define RO_BYTE_ARRAY_HPP_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <ro/export.hpp>

namespace ro {

/// `roByteArray`: a growable array of unsigned bytes with the codecs that
/// datagram code uses (ASCII, hex, base64, CRC-32).
///
/// Decoders (FromHexString, FromBase64String) validate their whole input:
/// on bad input they leave the array empty and return false, where the
/// vendor leaves the result undefined.
///
/// **Example**
/// ```
/// ro::ByteArray ba;                   // CreateObject("roByteArray")
/// ba.FromHexString("48690a");
/// udp.SendTo("127.0.0.1", 5000, ba);
/// ```
///
/// @par Thread safety
/// A value type: distinct objects are safe to use from different threads;
/// one object used from several threads needs external locking unless all
/// of them only read.
class RO_API ByteArray {
 public:
  using value_type = std::uint8_t;  ///< One byte, 0..255.
  using size_type = std::size_t;    ///< Byte counts.
  /// Iterates the bytes in order.
  using iterator = std::vector<std::uint8_t>::iterator;
  /// Iterates the bytes in order, read-only.
  using const_iterator = std::vector<std::uint8_t>::const_iterator;

  /// An empty array.
  ByteArray() = default;
  /// Copies `size` bytes from `data` (*extension*).
  ByteArray(const void* data, std::size_t size);
  /// The given byte values (*extension*).
  ByteArray(std::initializer_list<std::uint8_t> bytes);

  /// Replaces the contents with the bytes of `text` (UTF-8 stays UTF-8).
  void FromAsciiString(std::string_view text);

  /// The contents as a string, up to (not including) the first zero byte,
  /// as roByteArray does. For binary-safe access use Data()/Count().
  [[nodiscard]] std::string ToAsciiString() const;

  /// Replaces the contents with the bytes written as hex digit pairs
  /// (upper or lower case).
  /// @returns false, leaving the array empty, if `hex` has an odd length or
  /// a character that is not a hex digit.
  bool FromHexString(std::string_view hex);

  /// Two upper-case hex digits per byte, as on the players.
  [[nodiscard]] std::string ToHexString() const;

  /// Replaces the contents with the decoded RFC 4648 base64 text (padding
  /// optional, no whitespace).
  /// @returns false, leaving the array empty, on any character outside the
  /// base64 alphabet, misplaced padding or an impossible length.
  bool FromBase64String(std::string_view text);

  /// RFC 4648 base64 with padding.
  [[nodiscard]] std::string ToBase64String() const;

  /// Number of bytes.
  [[nodiscard]] int Count() const noexcept { return static_cast<int>(bytes_.size()); }

  /// Appends one byte.
  void Push(std::uint8_t byte) { bytes_.push_back(byte); }

  /// Removes every byte.
  void Clear() noexcept { bytes_.clear(); }

  /// Byte at `index`; the index must be in [0, Count()).
  std::uint8_t& operator[](std::size_t index) noexcept { return bytes_[index]; }
  /// Byte at `index`, read-only; the index must be in [0, Count()).
  const std::uint8_t& operator[](std::size_t index) const noexcept { return bytes_[index]; }

  /// Signed value of the byte at `index` (-128..127), or 0 when out of range.
  [[nodiscard]] int GetSignedByte(std::size_t index) const noexcept;

  /// CRC-32 (IEEE 802.3, as zlib's crc32) of all bytes.
  [[nodiscard]] std::uint32_t GetCRC32() const noexcept;

  /// CRC-32 of `length` bytes from `start`; the range is clipped to the array.
  [[nodiscard]] std::uint32_t GetCRC32(std::size_t start, std::size_t length) const noexcept;

  /// Pointer to the bytes (*extension*).
  [[nodiscard]] const std::uint8_t* Data() const noexcept { return bytes_.data(); }
  /// Pointer to the bytes, writable (*extension*).
  [[nodiscard]] std::uint8_t* Data() noexcept { return bytes_.data(); }

  /// The bytes as a read-only character view (*extension*).
  [[nodiscard]] std::string_view View() const noexcept {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  /// @name Standard container access (*extension*)
  /// So that ByteArray works with range-for and the standard algorithms.
  /// @{
  [[nodiscard]] std::size_t size() const noexcept { return bytes_.size(); }  ///< Count()
  [[nodiscard]] bool empty() const noexcept { return bytes_.empty(); }       ///< Count() == 0
  iterator begin() noexcept { return bytes_.begin(); }                       ///< First byte.
  iterator end() noexcept { return bytes_.end(); }                           ///< Past the last.
  [[nodiscard]] const_iterator begin() const noexcept { return bytes_.begin(); }  ///< First.
  [[nodiscard]] const_iterator end() const noexcept { return bytes_.end(); }      ///< Past last.
  /// @}

  /// Same bytes in the same order.
  friend bool operator==(const ByteArray& a, const ByteArray& b) noexcept {
    return a.bytes_ == b.bytes_;
  }
  /// Not the same bytes.
  friend bool operator!=(const ByteArray& a, const ByteArray& b) noexcept { return !(a == b); }

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace ro

#endif  // RO_BYTE_ARRAY_HPP_
