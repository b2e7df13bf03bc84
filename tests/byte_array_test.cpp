// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// clang-format off
#include <ro/byte_array.hpp>  // First: proves the header is self-contained.
// clang-format on

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace {

using ro::ByteArray;
using namespace std::string_view_literals;

constexpr std::size_t kMaxSize = std::numeric_limits<std::size_t>::max();

ByteArray AllByteValues() {
  ByteArray ba;
  for (unsigned v = 0; v < 256; ++v) ba.Push(static_cast<std::uint8_t>(v));
  return ba;
}

ByteArray FromText(std::string_view text) {
  ByteArray ba;
  ba.FromAsciiString(text);
  return ba;
}

std::vector<std::uint8_t> Bytes(const ByteArray& ba) { return {ba.begin(), ba.end()}; }

// ---------------------------------------------------------------------------
// Construction and ifArray-style access

TEST(ByteArrayTest, DefaultConstructedIsEmpty) {
  const ByteArray ba;
  EXPECT_EQ(ba.Count(), 0);
  EXPECT_EQ(ba.size(), 0U);
  EXPECT_TRUE(ba.empty());
  EXPECT_EQ(ba.begin(), ba.end());
  EXPECT_EQ(ba.ToAsciiString(), "");
  EXPECT_EQ(ba.ToHexString(), "");
  EXPECT_EQ(ba.ToBase64String(), "");
}

TEST(ByteArrayTest, ConstructFromPointerCopiesBytes) {
  const std::uint8_t raw[] = {0x00, 0x7F, 0x80, 0xFF};
  const ByteArray ba(raw, sizeof raw);
  ASSERT_EQ(ba.Count(), 4);
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{0x00, 0x7F, 0x80, 0xFF}));
  EXPECT_NE(ba.Data(), raw);  // a copy, not a view
}

TEST(ByteArrayTest, ConstructFromNullOrZeroSizeIsEmpty) {
  EXPECT_TRUE(ByteArray(nullptr, 0).empty());
  const char text[] = "abc";
  EXPECT_TRUE(ByteArray(text, 0).empty());
}

TEST(ByteArrayTest, ConstructFromInitializerList) {
  const ByteArray ba{0x48, 0x69, 0x0A};
  EXPECT_EQ(ba.Count(), 3);
  EXPECT_EQ(ba[0], 0x48);
  EXPECT_EQ(ba[1], 0x69);
  EXPECT_EQ(ba[2], 0x0A);
}

TEST(ByteArrayTest, PushCountIndexAndClear) {
  ByteArray ba;
  ba.Push(0);
  ba.Push(255);
  ba.Push(42);
  ASSERT_EQ(ba.Count(), 3);
  EXPECT_EQ(ba[0], 0);
  EXPECT_EQ(ba[1], 255);  // [] reads are unsigned
  EXPECT_EQ(ba[2], 42);

  ba[2] = 0x80;
  EXPECT_EQ(ba[2], 0x80);
  ba.Data()[0] = 7;
  EXPECT_EQ(ba[0], 7);
  EXPECT_EQ(ba.Data(), &ba[0]);

  ba.Clear();
  EXPECT_EQ(ba.Count(), 0);
  EXPECT_TRUE(ba.empty());
  ba.Push(1);
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{1}));
}

TEST(ByteArrayTest, IteratorsVisitEveryByteInOrder) {
  ByteArray ba{1, 2, 3};
  for (auto& b : ba) b = static_cast<std::uint8_t>(b * 10);
  const ByteArray& cba = ba;
  unsigned sum = 0;
  for (const auto b : cba) sum = sum * 100 + b;
  EXPECT_EQ(sum, 102030U);
}

TEST(ByteArrayTest, GetSignedByte) {
  const ByteArray ba{0x00, 0x01, 0x7F, 0x80, 0x81, 0xFE, 0xFF};
  EXPECT_EQ(ba.GetSignedByte(0), 0);
  EXPECT_EQ(ba.GetSignedByte(1), 1);
  EXPECT_EQ(ba.GetSignedByte(2), 127);
  EXPECT_EQ(ba.GetSignedByte(3), -128);
  EXPECT_EQ(ba.GetSignedByte(4), -127);
  EXPECT_EQ(ba.GetSignedByte(5), -2);
  EXPECT_EQ(ba.GetSignedByte(6), -1);
}

TEST(ByteArrayTest, GetSignedByteOutOfRangeIsZero) {
  const ByteArray ba{0xFF};
  EXPECT_EQ(ba.GetSignedByte(1), 0);
  EXPECT_EQ(ba.GetSignedByte(kMaxSize), 0);
  EXPECT_EQ(ByteArray().GetSignedByte(0), 0);
}

TEST(ByteArrayTest, Equality) {
  const ByteArray a{1, 2, 3};
  const ByteArray b{1, 2, 3};
  const ByteArray different{1, 2, 4};
  const ByteArray shorter{1, 2};
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a != b);
  EXPECT_FALSE(a == different);
  EXPECT_TRUE(a != different);
  EXPECT_TRUE(a != shorter);
  EXPECT_TRUE(ByteArray() == ByteArray());
  EXPECT_TRUE(ByteArray() != ByteArray{0});

  ByteArray copy = a;
  EXPECT_EQ(copy, a);
  copy[0] = 9;
  EXPECT_NE(copy, a);  // value semantics: the copy is independent
  EXPECT_EQ(a[0], 1);
}

TEST(ByteArrayTest, ViewCoversAllBytesIncludingZeros) {
  const ByteArray ba{'a', 0, 'b', 0xFF};
  const std::string_view view = ba.View();
  ASSERT_EQ(view.size(), 4U);
  EXPECT_EQ(view, "a\0b\xFF"sv);
  EXPECT_EQ(static_cast<const void*>(view.data()), static_cast<const void*>(ba.Data()));
  EXPECT_TRUE(ByteArray().View().empty());
}

// ---------------------------------------------------------------------------
// ASCII

TEST(ByteArrayTest, FromAsciiStringReplacesContents) {
  ByteArray ba{9, 9, 9, 9, 9, 9, 9, 9};
  ba.FromAsciiString("Hi\n");
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{'H', 'i', '\n'}));
  ba.FromAsciiString("");
  EXPECT_TRUE(ba.empty());
}

TEST(ByteArrayTest, FromAsciiStringKeepsUtf8AndEmbeddedZeros) {
  const ByteArray ba = FromText("\xC3\xA9\0x"sv);  // "é", NUL, "x"
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{0xC3, 0xA9, 0x00, 'x'}));
}

TEST(ByteArrayTest, ToAsciiStringStopsAtFirstZeroByte) {
  EXPECT_EQ(FromText("hello\0world\0"sv).ToAsciiString(), "hello");
  EXPECT_EQ(FromText("\0hidden"sv).ToAsciiString(), "");
  EXPECT_EQ(FromText("no zero").ToAsciiString(), "no zero");
  EXPECT_EQ(FromText("caf\xC3\xA9").ToAsciiString(), "caf\xC3\xA9");
}

TEST(ByteArrayTest, FromAsciiStringOfOwnView) {
  ByteArray ba = FromText("self");
  ba.FromAsciiString(ba.View());
  EXPECT_EQ(ba.ToAsciiString(), "self");
  ba.FromAsciiString(ba.View().substr(1, 2));
  EXPECT_EQ(ba.ToAsciiString(), "el");
}

// ---------------------------------------------------------------------------
// Hex

TEST(ByteArrayTest, FromHexStringDecodes) {
  ByteArray ba;
  ASSERT_TRUE(ba.FromHexString("48690a"));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{0x48, 0x69, 0x0A}));
  EXPECT_EQ(ba.ToAsciiString(), "Hi\n");
}

TEST(ByteArrayTest, FromHexStringEmptyGivesEmptyArray) {
  ByteArray ba{1, 2};
  EXPECT_TRUE(ba.FromHexString(""));
  EXPECT_TRUE(ba.empty());
}

TEST(ByteArrayTest, FromHexStringIsCaseInsensitive) {
  ByteArray upper;
  ByteArray lower;
  ByteArray mixed;
  ASSERT_TRUE(upper.FromHexString("0123456789ABCDEF"));
  ASSERT_TRUE(lower.FromHexString("0123456789abcdef"));
  ASSERT_TRUE(mixed.FromHexString("0123456789aBcDeF"));
  EXPECT_EQ(Bytes(upper),
            (std::vector<std::uint8_t>{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF}));
  EXPECT_EQ(lower, upper);
  EXPECT_EQ(mixed, upper);
}

TEST(ByteArrayTest, ToHexStringIsUpperCase) {
  EXPECT_EQ((ByteArray{0xAB, 0xCD, 0xEF, 0x0A}).ToHexString(), "ABCDEF0A");
  ByteArray ba;
  ASSERT_TRUE(ba.FromHexString("deadbeef"));
  EXPECT_EQ(ba.ToHexString(), "DEADBEEF");
}

TEST(ByteArrayTest, HexRoundTripsEveryByteValue) {
  const ByteArray all = AllByteValues();
  const std::string hex = all.ToHexString();
  ASSERT_EQ(hex.size(), 512U);
  const char* digits = "0123456789ABCDEF";
  for (unsigned v = 0; v < 256; ++v) {
    EXPECT_EQ(hex[2 * v], digits[v / 16]) << "byte " << v;
    EXPECT_EQ(hex[2 * v + 1], digits[v % 16]) << "byte " << v;
  }
  ByteArray back;
  ASSERT_TRUE(back.FromHexString(hex));
  EXPECT_EQ(back, all);
}

TEST(ByteArrayTest, FromHexStringRejectsOddLength) {
  for (const std::string_view bad : {"0"sv, "abc"sv, "48690"sv}) {
    ByteArray ba{1, 2, 3};
    EXPECT_FALSE(ba.FromHexString(bad)) << bad;
    EXPECT_TRUE(ba.empty()) << bad;
  }
}

TEST(ByteArrayTest, FromHexStringRejectsNonHexCharacters) {
  for (const std::string_view bad :
       {"zz"sv, "0g"sv, "g0"sv, "0x01"sv, " 01 "sv, "01 2"sv, "4869zz"sv, "-1"sv, "0\0"sv,
        "\xC3\xA9"sv, "0G"sv, "@A"sv, "`a"sv, "/0"sv, ":0"sv}) {
    ByteArray ba{1, 2, 3};
    EXPECT_FALSE(ba.FromHexString(bad)) << bad;
    EXPECT_TRUE(ba.empty()) << bad;
  }
}

TEST(ByteArrayTest, FromHexStringOfOwnView) {
  ByteArray ba = FromText("4869");
  ASSERT_TRUE(ba.FromHexString(ba.View()));
  EXPECT_EQ(ba.ToAsciiString(), "Hi");
}

// ---------------------------------------------------------------------------
// Base64

struct Base64Vector {
  std::string_view plain;
  std::string_view encoded;
};

// RFC 4648 section 10.
constexpr Base64Vector kRfc4648Vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(ByteArrayTest, ToBase64StringMatchesRfc4648Vectors) {
  for (const auto& v : kRfc4648Vectors) {
    EXPECT_EQ(FromText(v.plain).ToBase64String(), v.encoded) << v.plain;
  }
}

TEST(ByteArrayTest, FromBase64StringMatchesRfc4648Vectors) {
  for (const auto& v : kRfc4648Vectors) {
    ByteArray ba{0xAA};
    EXPECT_TRUE(ba.FromBase64String(v.encoded)) << v.encoded;
    EXPECT_EQ(ba.View(), v.plain) << v.encoded;
  }
}

TEST(ByteArrayTest, FromBase64StringPaddingIsOptional) {
  for (const auto& v : kRfc4648Vectors) {
    std::string_view unpadded = v.encoded;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.remove_suffix(1);
    ByteArray ba;
    EXPECT_TRUE(ba.FromBase64String(unpadded)) << unpadded;
    EXPECT_EQ(ba.View(), v.plain) << unpadded;
  }
}

TEST(ByteArrayTest, Base64RoundTripsEveryByteValue) {
  const ByteArray all = AllByteValues();
  // Independent reference: Python's base64.b64encode(bytes(range(256))).
  constexpr std::string_view kExpected =
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BB"
      "QkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKD"
      "hIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TF"
      "xsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
  EXPECT_EQ(all.ToBase64String(), kExpected);
  ByteArray back;
  ASSERT_TRUE(back.FromBase64String(kExpected));
  EXPECT_EQ(back, all);
}

TEST(ByteArrayTest, Base64RoundTripsEveryLengthAndTail) {
  // Lengths 0..9 cover all three tail shapes several times; the byte
  // pattern makes every 6-bit group differ.
  for (std::size_t length = 0; length < 10; ++length) {
    ByteArray original;
    for (std::size_t i = 0; i < length; ++i)
      original.Push(static_cast<std::uint8_t>(0xF1 - 37 * i));
    const std::string encoded = original.ToBase64String();
    EXPECT_EQ(encoded.size(), (length + 2) / 3 * 4);
    ByteArray back;
    ASSERT_TRUE(back.FromBase64String(encoded)) << encoded;
    EXPECT_EQ(back, original) << encoded;
  }
}

TEST(ByteArrayTest, FromBase64StringDecodesPlusAndSlash) {
  ByteArray ba;
  ASSERT_TRUE(ba.FromBase64String("+/+/"));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{0xFB, 0xFF, 0xBF}));
}

TEST(ByteArrayTest, FromBase64StringAcceptsNonZeroTrailingBits) {
  // "Zh==" is a non-canonical spelling of "Zg==": the unused low bits of
  // 'h' are set. The decoder ignores them rather than rejecting.
  ByteArray ba;
  ASSERT_TRUE(ba.FromBase64String("Zh=="));
  EXPECT_EQ(ba.ToAsciiString(), "f");
  ASSERT_TRUE(ba.FromBase64String("Zm9="));
  EXPECT_EQ(ba.ToAsciiString(), "fo");
}

TEST(ByteArrayTest, FromBase64StringRejectsImpossibleLengths) {
  for (const std::string_view bad : {"Z"sv, "Zm9vY"sv, "Zm9vYmFyZ"sv, "Z="sv, "Z=="sv, "Z==="sv}) {
    ByteArray ba{1, 2, 3};
    EXPECT_FALSE(ba.FromBase64String(bad)) << bad;
    EXPECT_TRUE(ba.empty()) << bad;
  }
}

TEST(ByteArrayTest, FromBase64StringRejectsMisplacedPadding) {
  for (const std::string_view bad :
       {"="sv, "=="sv, "==="sv, "===="sv, "Zg="sv, "Zm9v="sv, "Zm9v=="sv, "Zg==="sv, "Zg==Zg=="sv,
        "Z=g="sv, "=Zm9"sv, "Zm=v"sv, "Zm9vYg==="sv}) {
    ByteArray ba{1, 2, 3};
    EXPECT_FALSE(ba.FromBase64String(bad)) << bad;
    EXPECT_TRUE(ba.empty()) << bad;
  }
}

TEST(ByteArrayTest, FromBase64StringRejectsCharactersOutsideAlphabet) {
  for (const std::string_view bad :
       {"Zm9v\n"sv, "Zm 9v"sv, " Zm9v"sv, "Zm9v\r\n"sv, "Zm9\tv"sv, "Zm9-"sv, "Zm9_"sv, "Zm9v\0"sv,
        "Zm\0v"sv, "Zm9*"sv, "Zm9.YmFy"sv, "\xC3\xA9Zm"sv, "Zm9vYmF\x80"sv}) {
    ByteArray ba{1, 2, 3};
    EXPECT_FALSE(ba.FromBase64String(bad)) << bad;
    EXPECT_TRUE(ba.empty()) << bad;
  }
}

TEST(ByteArrayTest, FromBase64StringOfOwnView) {
  ByteArray ba = FromText("Zm9vYmFy");
  ASSERT_TRUE(ba.FromBase64String(ba.View()));
  EXPECT_EQ(ba.ToAsciiString(), "foobar");
}

// ---------------------------------------------------------------------------
// CRC-32 (values from zlib.crc32)

TEST(ByteArrayTest, Crc32KnownVectors) {
  EXPECT_EQ(FromText("123456789").GetCRC32(), 0xCBF43926U);
  EXPECT_EQ(ByteArray().GetCRC32(), 0U);
  EXPECT_EQ(FromText("The quick brown fox jumps over the lazy dog").GetCRC32(), 0x414FA339U);
  EXPECT_EQ((ByteArray{0x00}).GetCRC32(), 0xD202EF8DU);
  EXPECT_EQ(AllByteValues().GetCRC32(), 0x29058C73U);
}

TEST(ByteArrayTest, Crc32OfRange) {
  const ByteArray ba = FromText("xx123456789yy");
  EXPECT_EQ(ba.GetCRC32(2, 9), 0xCBF43926U);
  EXPECT_EQ(ba.GetCRC32(0, 5), 0xD6026EA0U);  // "xx123"
  EXPECT_EQ(ba.GetCRC32(0, ba.size()), ba.GetCRC32());
  EXPECT_EQ(ba.GetCRC32(4, 0), 0U);
}

TEST(ByteArrayTest, Crc32RangeIsClippedToArray) {
  const ByteArray ba = FromText("xx123456789yy");
  EXPECT_EQ(ba.GetCRC32(2, 1000), 0x0A26D900U);  // "123456789yy"
  EXPECT_EQ(ba.GetCRC32(2, kMaxSize), 0x0A26D900U);
  EXPECT_EQ(ba.GetCRC32(0, kMaxSize), ba.GetCRC32());
  EXPECT_EQ(ba.GetCRC32(ba.size(), 5), 0U);
  EXPECT_EQ(ba.GetCRC32(ba.size() + 1, 5), 0U);
  EXPECT_EQ(ba.GetCRC32(kMaxSize, kMaxSize), 0U);
  EXPECT_EQ(ByteArray().GetCRC32(0, 10), 0U);
}

}  // namespace
