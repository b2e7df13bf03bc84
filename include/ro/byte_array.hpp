// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_BYTE_ARRAY_HPP_
#define RO_BYTE_ARRAY_HPP_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ro/export.hpp>

namespace ro {

/// `roByteArray`: a growable array of unsigned bytes, with every method of
/// the vendor object and its interfaces (ifByteArray, ifArray, ifArrayGet,
/// ifArraySet, ifArraySlice, ifEnum, ifArraySizeInfo).
///
/// Where BrightScript returns `invalid` (an index past the end, Pop() of an
/// empty array), the C++ method returns an empty `std::optional<int>`.
/// Where BrightScript ignores a call silently (growing an array whose
/// auto-resize is off, a negative index, a file that cannot be read), the
/// C++ method returns false and leaves the array unchanged; BrightScript
/// code that ignores the result ports unchanged. Indices are `int`, as the
/// vendor's Integer, so that a negative index has a defined result.
/// docs/porting.md has the table of every method with its source.
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
  /// @returns false, leaving the array unchanged, if auto-resize is off and
  /// `text` does not fit in Capacity().
  bool FromAsciiString(std::string_view text);

  /// The contents as a string, up to (not including) the first zero byte,
  /// as roByteArray does. For binary-safe access use Data()/Count().
  [[nodiscard]] std::string ToAsciiString() const;

  /// Replaces the contents with the bytes written as hex digit pairs
  /// (upper or lower case).
  /// @returns false, leaving the array empty, if `hex` has an odd length or
  /// a character that is not a hex digit; false, leaving it unchanged, if
  /// auto-resize is off and the bytes do not fit.
  bool FromHexString(std::string_view hex);

  /// Two upper-case hex digits per byte, as on the players.
  [[nodiscard]] std::string ToHexString() const;

  /// Replaces the contents with the decoded RFC 4648 base64 text (padding
  /// optional, no whitespace).
  /// @returns false, leaving the array empty, on any character outside the
  /// base64 alphabet, misplaced padding or an impossible length; false,
  /// leaving it unchanged, if auto-resize is off and the bytes do not fit.
  bool FromBase64String(std::string_view text);

  /// RFC 4648 base64 with padding.
  [[nodiscard]] std::string ToBase64String() const;

  /// @name ifArray
  /// @{

  /// Number of bytes: one more than the highest index.
  [[nodiscard]] int Count() const noexcept { return static_cast<int>(bytes_.size()); }

  /// Appends the low 8 bits of `value` (as the vendor stores `ba.Push(300)`
  /// as 44).
  /// @returns false, leaving the array unchanged, if auto-resize is off and
  /// the array is at Capacity().
  bool Push(int value);

  /// Removes and returns the last byte; empty (Invalid) when the array is
  /// empty, which is left unchanged.
  std::optional<int> Pop();

  /// The last byte without removing it; empty (Invalid) when the array is
  /// empty.
  [[nodiscard]] std::optional<int> Peek() const noexcept;

  /// Removes and returns the first byte, moving the others down one index;
  /// empty (Invalid) when the array is empty.
  std::optional<int> Shift();

  /// Inserts the low 8 bits of `value` at index 0, moving the others up.
  /// @returns false, leaving the array unchanged, if auto-resize is off and
  /// the array is at Capacity().
  bool Unshift(int value);

  /// Removes the byte at `index`, moving the ones after it down.
  /// @returns false, leaving the array unchanged, if `index` is outside
  /// [0, Count()).
  bool Delete(int index);

  /// Appends every byte of `other` (which may be this array).
  /// @returns false, leaving the array unchanged, if auto-resize is off and
  /// the result would not fit in Capacity().
  bool Append(const ByteArray& other);

  /// Removes every byte; the enumeration position goes back to the start.
  void Clear() noexcept {
    bytes_.clear();
    position_ = 0;
  }
  /// @}

  /// @name ifArrayGet / ifArraySet
  /// @{

  /// The unsigned byte (0..255) at `index`; empty (Invalid) if `index` is
  /// outside [0, Count()), as BrightScript returns invalid for `ba[i]` there.
  [[nodiscard]] std::optional<int> GetEntry(int index) const noexcept;

  /// Sets the byte at `index` to the low 8 bits of `value`. An index past the
  /// end grows the array to `index + 1` bytes, the new ones 0.
  /// @returns false, leaving the array unchanged, if `index` is negative or
  /// growing is needed and not allowed (auto-resize off and past Capacity()).
  bool SetEntry(int index, int value);

  /// Byte at `index` without a check (*extension*, C++ style); the index must
  /// be in [0, Count()). GetEntry() is the checked, vendor form.
  std::uint8_t& operator[](std::size_t index) noexcept { return bytes_[index]; }
  /// Byte at `index`, read-only, without a check; see the other overload.
  const std::uint8_t& operator[](std::size_t index) const noexcept { return bytes_[index]; }
  /// @}

  /// @name ifArraySlice
  /// @{

  /// A new array with the bytes from `start_pos` up to (not including)
  /// `end_pos`. A negative position counts from the end (-1 is the last
  /// byte); positions are clipped to the array, and an empty range gives an
  /// empty array. Slice() copies everything.
  [[nodiscard]] ByteArray Slice(int start_pos = 0) const;
  /// See the one-argument overload.
  [[nodiscard]] ByteArray Slice(int start_pos, int end_pos) const;
  /// @}

  /// @name ifEnum
  /// The array keeps one enumeration position, as the vendor object does
  /// for `for each`. Range-for (begin()/end()) does not use it.
  /// @{

  /// Moves the enumeration position to the first byte.
  void Reset() noexcept { position_ = 0; }

  /// The byte at the enumeration position, then moves past it; empty
  /// (Invalid) once the position is past the end. Bytes pushed later are
  /// returned by later calls.
  std::optional<int> Next() noexcept;

  /// True while the enumeration position is not past the end.
  [[nodiscard]] bool IsNext() const noexcept { return position_ < bytes_.size(); }

  /// True if the array has no bytes.
  [[nodiscard]] bool IsEmpty() const noexcept { return bytes_.empty(); }
  /// @}

  /// @name ifArraySizeInfo and resizing
  /// @{

  /// Makes room for at least `min_size` bytes (Count() is unchanged) and sets
  /// the auto-resize flag. With auto-resize off, the array never grows past
  /// max(`min_size`, Count()): Push, Unshift, Append, SetEntry, the From*
  /// decoders and ReadFile then fail instead of growing it.
  /// The room is promised, not allocated at once (at most 64 KiB up front),
  /// so a huge `min_size` never fails or pins memory.
  /// @returns true.
  bool SetResize(int min_size, bool auto_resize);

  /// The room promised by SetResize() or allocated, whichever is larger;
  /// with auto-resize off, the most the array may ever hold.
  [[nodiscard]] int Capacity() const noexcept;

  /// The auto-resize flag (true unless SetResize() turned it off).
  [[nodiscard]] bool IsResizable() const noexcept { return resizable_; }
  /// @}

  /// @name Signed reads
  /// @{

  /// Signed value of the byte at `index` (-128..127), or 0 when out of range.
  [[nodiscard]] int GetSignedByte(std::size_t index) const noexcept;

  /// The signed 32-bit value in bytes `4 * index` .. `4 * index + 3`, least
  /// significant byte first: `index` counts longs, not bytes. 0 when those
  /// bytes are not all in the array or `index` is negative.
  [[nodiscard]] int GetSignedLong(int index) const noexcept;

  /// True on a little-endian CPU.
  [[nodiscard]] static bool IsLittleEndianCPU() noexcept;
  /// @}

  /// @name Files
  /// Paths are ordinary file system paths (a player's "SD:/x" is a path on
  /// its card). A failed read leaves the array unchanged.
  /// @{

  /// Replaces the contents with the whole file at `path`.
  /// @returns false if the file cannot be read, or does not fit with
  /// auto-resize off.
  bool ReadFile(const std::string& path);

  /// Replaces the contents with `length` bytes of the file at `path`,
  /// starting at byte `start_pos` of the file.
  /// @returns false if the file cannot be read, `start_pos` or `length` is
  /// negative, or the file has fewer than `start_pos + length` bytes.
  bool ReadFile(const std::string& path, int start_pos, int length);

  /// Creates or replaces the file at `path` with the whole array.
  bool WriteFile(const std::string& path) const;

  /// Creates or replaces the file at `path` with `length` bytes of the array
  /// from `start_index`.
  /// @returns false if the range is not inside the array or the file cannot
  /// be written.
  bool WriteFile(const std::string& path, int start_index, int length) const;

  /// Appends the whole array to the file at `path`, creating it if needed.
  bool AppendFile(const std::string& path) const;

  /// Appends `length` bytes of the array from `start_index` to the file at
  /// `path`, creating it if needed; false if the range is not inside the
  /// array or the file cannot be written.
  bool AppendFile(const std::string& path, int start_index, int length) const;
  /// @}

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

  /// Same bytes in the same order (the enumeration position and the
  /// auto-resize flag are not compared).
  friend bool operator==(const ByteArray& a, const ByteArray& b) noexcept {
    return a.bytes_ == b.bytes_;
  }
  /// Not the same bytes.
  friend bool operator!=(const ByteArray& a, const ByteArray& b) noexcept { return !(a == b); }

 private:
  // False when growing to `new_size` bytes is not allowed.
  [[nodiscard]] bool MayGrowTo(std::size_t new_size) const noexcept;
  // Replaces the contents; false (unchanged) when `fresh` may not fit.
  bool Assign(std::vector<std::uint8_t>&& fresh);

  std::vector<std::uint8_t> bytes_;
  std::size_t position_ = 0;  // ifEnum position
  std::size_t limit_ = 0;     // the most bytes it may hold while !resizable_
  bool resizable_ = true;
};

}  // namespace ro

#endif  // RO_BYTE_ARRAY_HPP_
