// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
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

// The low 8 bits, as the vendor stores an Integer pushed into a byte array.
std::uint8_t LowByte(int value) noexcept { return static_cast<std::uint8_t>(value & 0xFF); }

// Closes a file descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int Get() const noexcept { return fd_; }
  // Closes now and reports whether the close succeeded (a failed close may
  // be the first sign of a failed write, e.g. on NFS).
  bool Close() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

bool WriteAll(int fd, const std::uint8_t* data, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads up to `size` bytes at file offset `offset`; the count read, or
// nullopt on an error.
std::optional<std::size_t> ReadAt(int fd, std::uint8_t* data, std::size_t size,
                                  off_t offset) noexcept {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, data + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;  // end of file
    done += static_cast<std::size_t>(n);
  }
  return done;
}

// Writes `size` bytes to `path`, truncating it or appending to it.
bool WriteFileBytes(const std::string& path, const std::uint8_t* data, std::size_t size,
                    bool append) noexcept {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  Fd fd(::open(path.c_str(), flags, 0666));
  if (fd.Get() < 0) return false;
  return WriteAll(fd.Get(), data, size) && fd.Close();
}

// Whether [start, start + length) lies inside an array of `count` bytes.
bool RangeInside(int start, int length, std::size_t count) noexcept {
  return start >= 0 && length >= 0 && static_cast<std::size_t>(start) <= count &&
         static_cast<std::size_t>(length) <= count - static_cast<std::size_t>(start);
}

// Clips a Slice position (negative counts from the end) to [0, count].
std::size_t SlicePosition(int pos, std::size_t count) noexcept {
  if (pos >= 0) return std::min(static_cast<std::size_t>(pos), count);
  const std::size_t back = static_cast<std::size_t>(-static_cast<long long>(pos));
  return back >= count ? 0 : count - back;
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

bool ByteArray::MayGrowTo(std::size_t new_size) const noexcept {
  return resizable_ || new_size <= limit_;
}

bool ByteArray::Assign(std::vector<std::uint8_t>&& fresh) {
  if (!MayGrowTo(fresh.size())) return false;
  bytes_ = std::move(fresh);
  position_ = 0;  // new contents, new enumeration
  return true;
}

bool ByteArray::FromAsciiString(std::string_view text) {
  std::vector<std::uint8_t> fresh(text.size());
  std::copy(text.begin(), text.end(), fresh.begin());
  return Assign(std::move(fresh));
}

std::string ByteArray::ToAsciiString() const {
  const std::string_view all = View();
  return std::string(all.substr(0, all.find('\0')));
}

bool ByteArray::FromHexString(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    Clear();
    return false;
  }
  std::vector<std::uint8_t> fresh(hex.size() / 2);
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    const std::uint8_t high = HexValue(hex[2 * i]);
    const std::uint8_t low = HexValue(hex[2 * i + 1]);
    if (((high | low) & kInvalidBit) != 0) {
      Clear();
      return false;
    }
    fresh[i] = static_cast<std::uint8_t>((high << 4U) | low);
  }
  return Assign(std::move(fresh));
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
    Clear();
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
      Clear();
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
      Clear();
      return false;
    }
    const std::uint32_t v = (a << 18U) | (b << 12U) | (c << 6U);
    fresh[out++] = static_cast<std::uint8_t>(v >> 16U);
    if (digits - in == 3) fresh[out++] = static_cast<std::uint8_t>(v >> 8U);
  }
  return Assign(std::move(fresh));
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

int ByteArray::GetSignedLong(int index) const noexcept {
  if (index < 0) return 0;
  // Long-sized steps: the vendor's index counts longs (see docs/porting.md).
  const std::size_t first = static_cast<std::size_t>(index) * 4U;
  if (first >= bytes_.size() || bytes_.size() - first < 4) return 0;
  const std::uint32_t u = std::uint32_t{bytes_[first]} | (std::uint32_t{bytes_[first + 1]} << 8U) |
                          (std::uint32_t{bytes_[first + 2]} << 16U) |
                          (std::uint32_t{bytes_[first + 3]} << 24U);
  // Two's complement by arithmetic, as GetSignedByte.
  return u >= 0x80000000U ? static_cast<int>(static_cast<std::int64_t>(u) - 0x100000000LL)
                          : static_cast<int>(u);
}

bool ByteArray::IsLittleEndianCPU() noexcept {
  const std::uint16_t probe = 1;
  std::uint8_t first = 0;
  std::copy_n(reinterpret_cast<const std::uint8_t*>(&probe), 1, &first);
  return first == 1;
}

bool ByteArray::Push(int value) {
  if (!MayGrowTo(bytes_.size() + 1)) return false;
  bytes_.push_back(LowByte(value));
  return true;
}

std::optional<int> ByteArray::Pop() {
  if (bytes_.empty()) return std::nullopt;
  const int last = bytes_.back();
  bytes_.pop_back();
  return last;
}

std::optional<int> ByteArray::Peek() const noexcept {
  if (bytes_.empty()) return std::nullopt;
  return bytes_.back();
}

std::optional<int> ByteArray::Shift() {
  if (bytes_.empty()) return std::nullopt;
  const int first = bytes_.front();
  bytes_.erase(bytes_.begin());
  return first;
}

bool ByteArray::Unshift(int value) {
  if (!MayGrowTo(bytes_.size() + 1)) return false;
  bytes_.insert(bytes_.begin(), LowByte(value));
  return true;
}

bool ByteArray::Delete(int index) {
  if (index < 0 || static_cast<std::size_t>(index) >= bytes_.size()) return false;
  bytes_.erase(bytes_.begin() + index);
  return true;
}

bool ByteArray::Append(const ByteArray& other) {
  if (!MayGrowTo(bytes_.size() + other.bytes_.size())) return false;
  if (&other == this) {
    // insert() from this vector's own range is undefined: copy first.
    const std::vector<std::uint8_t> copy = bytes_;
    bytes_.insert(bytes_.end(), copy.begin(), copy.end());
  } else {
    bytes_.insert(bytes_.end(), other.bytes_.begin(), other.bytes_.end());
  }
  return true;
}

std::optional<int> ByteArray::GetEntry(int index) const noexcept {
  if (index < 0 || static_cast<std::size_t>(index) >= bytes_.size()) return std::nullopt;
  return bytes_[static_cast<std::size_t>(index)];
}

bool ByteArray::SetEntry(int index, int value) {
  if (index < 0) return false;
  const auto i = static_cast<std::size_t>(index);
  if (i >= bytes_.size()) {
    if (!MayGrowTo(i + 1)) return false;
    bytes_.resize(i + 1, 0);
  }
  bytes_[i] = LowByte(value);
  return true;
}

ByteArray ByteArray::Slice(int start_pos) const {
  return Slice(start_pos, static_cast<int>(std::min<std::size_t>(bytes_.size(),
                                                                 std::numeric_limits<int>::max())));
}

ByteArray ByteArray::Slice(int start_pos, int end_pos) const {
  const std::size_t first = SlicePosition(start_pos, bytes_.size());
  const std::size_t last = SlicePosition(end_pos, bytes_.size());
  ByteArray out;
  if (first < last)
    out.bytes_.assign(bytes_.begin() + static_cast<std::ptrdiff_t>(first),
                      bytes_.begin() + static_cast<std::ptrdiff_t>(last));
  return out;
}

std::optional<int> ByteArray::Next() noexcept {
  if (position_ >= bytes_.size()) return std::nullopt;
  return bytes_[position_++];
}

bool ByteArray::SetResize(int min_size, bool auto_resize) {
  const std::size_t room = min_size > 0 ? static_cast<std::size_t>(min_size) : 0;
  // The room is a promise, not an allocation: only a small part is reserved
  // now, so that a huge min_size (bad input) can neither fail an allocation
  // nor pin memory the array may never use.
  constexpr std::size_t kReservedAtOnce = 64 * 1024;
  bytes_.reserve(std::min(room, kReservedAtOnce));
  limit_ = std::max(room, bytes_.size());
  resizable_ = auto_resize;
  return true;
}

int ByteArray::Capacity() const noexcept {
  const std::size_t room = resizable_ ? std::max(bytes_.capacity(), limit_) : limit_;
  return static_cast<int>(std::min<std::size_t>(room, std::numeric_limits<int>::max()));
}

bool ByteArray::ReadFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.Get() < 0) return false;
  struct stat st {};
  if (::fstat(fd.Get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (!MayGrowTo(static_cast<std::size_t>(st.st_size))) return false;
  std::vector<std::uint8_t> fresh(static_cast<std::size_t>(st.st_size));
  const auto got = ReadAt(fd.Get(), fresh.data(), fresh.size(), 0);
  // A file that shrank while being read is a failure, not a short array.
  if (!got || *got != fresh.size()) return false;
  return Assign(std::move(fresh));
}

bool ByteArray::ReadFile(const std::string& path, int start_pos, int length) {
  if (start_pos < 0 || length < 0) return false;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.Get() < 0) return false;
  // Checked before allocating, so a huge length is a false, not a bad_alloc.
  struct stat st {};
  if (::fstat(fd.Get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size < static_cast<off_t>(start_pos) + static_cast<off_t>(length)) {
    return false;
  }
  if (!MayGrowTo(static_cast<std::size_t>(length))) return false;
  std::vector<std::uint8_t> fresh(static_cast<std::size_t>(length));
  const auto got = ReadAt(fd.Get(), fresh.data(), fresh.size(), static_cast<off_t>(start_pos));
  if (!got || *got != fresh.size()) return false;
  return Assign(std::move(fresh));
}

bool ByteArray::WriteFile(const std::string& path) const {
  return WriteFileBytes(path, bytes_.data(), bytes_.size(), false);
}

bool ByteArray::WriteFile(const std::string& path, int start_index, int length) const {
  if (!RangeInside(start_index, length, bytes_.size())) return false;
  return WriteFileBytes(path, bytes_.data() + start_index, static_cast<std::size_t>(length), false);
}

bool ByteArray::AppendFile(const std::string& path) const {
  return WriteFileBytes(path, bytes_.data(), bytes_.size(), true);
}

bool ByteArray::AppendFile(const std::string& path, int start_index, int length) const {
  if (!RangeInside(start_index, length, bytes_.size())) return false;
  return WriteFileBytes(path, bytes_.data() + start_index, static_cast<std::size_t>(length), true);
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
