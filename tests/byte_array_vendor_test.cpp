// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The vendor methods of roByteArray beyond the codecs (ifArray, ifArrayGet,
// ifArraySet, ifArraySlice, ifEnum, ifArraySizeInfo, signed reads, files),
// with the edge cases of docs/porting.md section 5.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ro/byte_array.hpp>

namespace {

using ro::ByteArray;

std::vector<std::uint8_t> Bytes(const ByteArray& ba) { return {ba.begin(), ba.end()}; }

// A file name in the test's temporary directory, removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(::testing::TempDir() + "ro_ba_" + std::to_string(::getpid()) + "_" + name) {
    std::remove(path_.c_str());
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& Path() const { return path_; }
  std::vector<std::uint8_t> Contents() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  std::string path_;
};

TEST(ByteArrayVendorTest, PushStoresTheLowEightBitsAsTheVendorExampleRelies) {
  // Roku's roByteArray example pushes 0..4000 and reads ba[x] = x for x < 256.
  ByteArray ba;
  for (int x = 0; x <= 4000; ++x) ASSERT_TRUE(ba.Push(x));
  EXPECT_EQ(ba.Count(), 4001);
  EXPECT_EQ(ba.GetEntry(100), 100);
  EXPECT_EQ(ba.GetEntry(300), 300 & 0xFF);
  ba.Clear();
  ba.Push(-1);
  EXPECT_EQ(ba.GetEntry(0), 255);
}

TEST(ByteArrayVendorTest, PopAndPeekReturnTheLastByteAndInvalidWhenEmpty) {
  ByteArray ba{1, 2, 3};
  EXPECT_EQ(ba.Peek(), 3);
  EXPECT_EQ(ba.Count(), 3);  // Peek does not remove
  EXPECT_EQ(ba.Pop(), 3);
  EXPECT_EQ(ba.Pop(), 2);
  EXPECT_EQ(ba.Pop(), 1);
  EXPECT_EQ(ba.Pop(), std::nullopt);  // empty: invalid, array unchanged
  EXPECT_EQ(ba.Peek(), std::nullopt);
  EXPECT_EQ(ba.Count(), 0);
}

TEST(ByteArrayVendorTest, ZeroBytesAreValuesNotInvalid) {
  ByteArray ba{0};
  EXPECT_EQ(ba.Peek(), 0);
  EXPECT_EQ(ba.GetEntry(0), 0);
  EXPECT_EQ(ba.Shift(), 0);
}

TEST(ByteArrayVendorTest, ShiftAndUnshiftWorkAtTheFront) {
  ByteArray ba{2, 3};
  ASSERT_TRUE(ba.Unshift(1));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(ba.Shift(), 1);
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{2, 3}));
  ba.Clear();
  EXPECT_EQ(ba.Shift(), std::nullopt);
  ASSERT_TRUE(ba.Unshift(0x1FF));
  EXPECT_EQ(ba.GetEntry(0), 0xFF);
}

TEST(ByteArrayVendorTest, DeleteRemovesOneByteAndRefusesAnIndexOutOfRange) {
  ByteArray ba{10, 20, 30};
  EXPECT_TRUE(ba.Delete(1));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{10, 30}));
  EXPECT_FALSE(ba.Delete(2));
  EXPECT_FALSE(ba.Delete(-1));
  EXPECT_EQ(ba.Count(), 2);
}

TEST(ByteArrayVendorTest, AppendAddsAnotherArrayAndItselfSafely) {
  ByteArray ba{1, 2};
  const ByteArray tail{3};
  ASSERT_TRUE(ba.Append(tail));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{1, 2, 3}));
  ASSERT_TRUE(ba.Append(ba));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{1, 2, 3, 1, 2, 3}));
}

TEST(ByteArrayVendorTest, GetEntryIsInvalidOutsideTheArray) {
  const ByteArray ba{7};
  EXPECT_EQ(ba.GetEntry(0), 7);
  EXPECT_EQ(ba.GetEntry(1), std::nullopt);
  EXPECT_EQ(ba.GetEntry(-1), std::nullopt);
  EXPECT_EQ(ba.GetEntry(std::numeric_limits<int>::max()), std::nullopt);
}

TEST(ByteArrayVendorTest, SetEntryPastTheEndGrowsWithZeros) {
  ByteArray ba;
  ASSERT_TRUE(ba.SetEntry(3, 0x1AB));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{0, 0, 0, 0xAB}));
  ASSERT_TRUE(ba.SetEntry(0, 9));
  EXPECT_EQ(ba.GetEntry(0), 9);
  EXPECT_FALSE(ba.SetEntry(-1, 1));
  EXPECT_EQ(ba.Count(), 4);
}

TEST(ByteArrayVendorTest, SliceFollowsTheVendorExample) {
  // ifArraySlice example: [99, 26, 26, 36, 42].
  const ByteArray ba{99, 26, 26, 36, 42};
  EXPECT_EQ(Bytes(ba.Slice(2)), (std::vector<std::uint8_t>{26, 36, 42}));
  EXPECT_EQ(Bytes(ba.Slice(1, 3)), (std::vector<std::uint8_t>{26, 26}));
  EXPECT_EQ(Bytes(ba.Slice(-2)), (std::vector<std::uint8_t>{36, 42}));
  EXPECT_EQ(ba.Slice(1, 1).Count(), 0);
  EXPECT_EQ(ba.Slice(), ba);
  EXPECT_EQ(ba.Slice(4, 2).Count(), 0);
  EXPECT_EQ(Bytes(ba.Slice(-100, 100)), Bytes(ba));
  EXPECT_EQ(Bytes(ba.Slice(0, -4)), (std::vector<std::uint8_t>{99}));
}

TEST(ByteArrayVendorTest, EnumerationWalksEveryByteOnceThenReturnsInvalid) {
  ByteArray ba{5, 6};
  EXPECT_FALSE(ba.IsEmpty());
  EXPECT_TRUE(ba.IsNext());
  EXPECT_EQ(ba.Next(), 5);
  EXPECT_EQ(ba.Next(), 6);
  EXPECT_FALSE(ba.IsNext());
  EXPECT_EQ(ba.Next(), std::nullopt);
  ba.Push(7);  // a byte pushed later is returned by the next call
  EXPECT_TRUE(ba.IsNext());
  EXPECT_EQ(ba.Next(), 7);
  ba.Reset();
  EXPECT_EQ(ba.Next(), 5);
  ba.Clear();
  EXPECT_TRUE(ba.IsEmpty());
  EXPECT_FALSE(ba.IsNext());
  EXPECT_EQ(ba.Next(), std::nullopt);
}

TEST(ByteArrayVendorTest, NewContentsRestartTheEnumeration) {
  ByteArray ba{1};
  EXPECT_EQ(ba.Next(), 1);
  ba.FromAsciiString("ab");
  EXPECT_EQ(ba.Next(), 'a');
}

TEST(ByteArrayVendorTest, GetSignedLongCountsInLongsLeastSignificantByteFirst) {
  ByteArray ba;
  ASSERT_TRUE(ba.FromHexString("01000000FFFFFFFF00000080FEFFFF7F"));
  EXPECT_EQ(ba.GetSignedLong(0), 1);
  EXPECT_EQ(ba.GetSignedLong(1), -1);
  EXPECT_EQ(ba.GetSignedLong(2), std::numeric_limits<int>::min());
  EXPECT_EQ(ba.GetSignedLong(3), 0x7FFFFFFE);
  EXPECT_EQ(ba.GetSignedLong(4), 0);  // past the end
  EXPECT_EQ(ba.GetSignedLong(-1), 0);
  ba.Pop();  // a partial last long reads as 0, not as garbage
  EXPECT_EQ(ba.GetSignedLong(3), 0);
}

TEST(ByteArrayVendorTest, GetSignedByteIsTwosComplement) {
  const ByteArray ba{0x80, 0xFF, 0x7F};
  EXPECT_EQ(ba.GetSignedByte(0), -128);
  EXPECT_EQ(ba.GetSignedByte(1), -1);
  EXPECT_EQ(ba.GetSignedByte(2), 127);
  EXPECT_EQ(ba.GetSignedByte(3), 0);
}

TEST(ByteArrayVendorTest, IsLittleEndianCpuTellsTheHostOrder) {
  const std::uint32_t probe = 0x01020304;
  const ByteArray host(&probe, sizeof probe);
  EXPECT_EQ(ByteArray::IsLittleEndianCPU(), host[0] == 0x04);
}

TEST(ByteArrayVendorTest, SetResizeOffCapsTheArrayAndRefusesToGrow) {
  ByteArray ba;
  EXPECT_TRUE(ba.IsResizable());
  ASSERT_TRUE(ba.SetResize(3, false));
  EXPECT_FALSE(ba.IsResizable());
  EXPECT_EQ(ba.Count(), 0);  // room, not bytes
  EXPECT_EQ(ba.Capacity(), 3);
  EXPECT_TRUE(ba.Push(1));
  EXPECT_TRUE(ba.Unshift(0));
  EXPECT_TRUE(ba.SetEntry(2, 2));
  EXPECT_FALSE(ba.Push(3));
  EXPECT_FALSE(ba.Unshift(3));
  EXPECT_FALSE(ba.SetEntry(3, 3));
  EXPECT_FALSE(ba.Append(ByteArray{4}));
  EXPECT_FALSE(ba.FromAsciiString("four"));
  EXPECT_FALSE(ba.FromHexString("00010203"));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{0, 1, 2}));  // unchanged
  EXPECT_TRUE(ba.FromAsciiString("abc"));
  EXPECT_EQ(ba.Pop(), 'c');
  EXPECT_TRUE(ba.Push('d'));
  ASSERT_TRUE(ba.SetResize(0, true));
  EXPECT_TRUE(ba.Push(5));
  EXPECT_GE(ba.Capacity(), ba.Count());
}

TEST(ByteArrayVendorTest, SetResizeNeverShrinksBelowTheBytesHeld) {
  ByteArray ba{1, 2, 3, 4};
  ASSERT_TRUE(ba.SetResize(2, false));
  EXPECT_EQ(ba.Count(), 4);
  EXPECT_EQ(ba.Capacity(), 4);
  EXPECT_FALSE(ba.Push(5));
}

TEST(ByteArrayVendorTest, SetResizeWithAResizableArrayReservesRoom) {
  ByteArray ba;
  ASSERT_TRUE(ba.SetResize(1000, true));
  EXPECT_GE(ba.Capacity(), 1000);
  EXPECT_EQ(ba.Count(), 0);
  EXPECT_TRUE(ba.SetResize(-5, true));  // negative: no room asked for
}

TEST(ByteArrayVendorTest, FilesRoundTripAsInTheVendorExample) {
  const TempFile file("roundtrip");
  ByteArray ba;
  for (int x = 0; x <= 4000; ++x) ba.Push(x);
  ASSERT_TRUE(ba.WriteFile(file.Path()));
  ByteArray ba2{9, 9};
  ASSERT_TRUE(ba2.ReadFile(file.Path()));
  EXPECT_EQ(ba2, ba);
  ASSERT_TRUE(ba2.ReadFile(file.Path(), 10, 100));
  ASSERT_EQ(ba2.Count(), 100);
  for (int x = 10; x < 110; ++x) EXPECT_EQ(ba2.GetEntry(x - 10), x) << x;
}

TEST(ByteArrayVendorTest, WriteFileReplacesAndAppendFileAdds) {
  const TempFile file("append");
  const ByteArray ba{1, 2, 3, 4};
  ASSERT_TRUE(ba.AppendFile(file.Path()));  // creates the file
  ASSERT_TRUE(ba.AppendFile(file.Path(), 1, 2));
  EXPECT_EQ(file.Contents(), (std::vector<std::uint8_t>{1, 2, 3, 4, 2, 3}));
  ASSERT_TRUE(ba.WriteFile(file.Path(), 3, 1));
  EXPECT_EQ(file.Contents(), (std::vector<std::uint8_t>{4}));
  ASSERT_TRUE(ba.WriteFile(file.Path(), 4, 0));  // an empty range is a valid empty file
  EXPECT_TRUE(file.Contents().empty());
}

TEST(ByteArrayVendorTest, FileRangesOutsideTheArrayFailWithoutWriting) {
  const TempFile file("ranges");
  const ByteArray ba{1, 2, 3};
  EXPECT_FALSE(ba.WriteFile(file.Path(), 2, 2));
  EXPECT_FALSE(ba.WriteFile(file.Path(), -1, 1));
  EXPECT_FALSE(ba.AppendFile(file.Path(), 0, 4));
  EXPECT_FALSE(ba.AppendFile(file.Path(), 1, -1));
  EXPECT_FALSE(ba.WriteFile(file.Path(), std::numeric_limits<int>::max(), 1));
  std::ifstream probe(file.Path());
  EXPECT_FALSE(probe.good());  // nothing was created
}

TEST(ByteArrayVendorTest, ReadFileFailuresLeaveTheArrayUnchanged) {
  const TempFile file("short");
  ASSERT_TRUE((ByteArray{1, 2, 3}).WriteFile(file.Path()));
  ByteArray ba{42};
  EXPECT_FALSE(ba.ReadFile(file.Path() + ".missing"));
  EXPECT_FALSE(ba.ReadFile(file.Path(), 2, 2));  // only one byte there
  EXPECT_FALSE(ba.ReadFile(file.Path(), 4, 0));  // starts past the end
  EXPECT_FALSE(ba.ReadFile(file.Path(), -1, 1));
  EXPECT_FALSE(ba.ReadFile(file.Path(), 0, std::numeric_limits<int>::max()));
  EXPECT_FALSE(ba.ReadFile(::testing::TempDir()));  // a directory
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{42}));
  ASSERT_TRUE(ba.ReadFile(file.Path(), 3, 0));  // the end of the file, nothing
  EXPECT_EQ(ba.Count(), 0);
}

TEST(ByteArrayVendorTest, ReadFileRespectsAFixedCapacity) {
  const TempFile file("fixed");
  ASSERT_TRUE((ByteArray{1, 2, 3}).WriteFile(file.Path()));
  ByteArray ba;
  ASSERT_TRUE(ba.SetResize(2, false));
  EXPECT_FALSE(ba.ReadFile(file.Path()));
  EXPECT_TRUE(ba.ReadFile(file.Path(), 1, 2));
  EXPECT_EQ(Bytes(ba), (std::vector<std::uint8_t>{2, 3}));
}

TEST(ByteArrayVendorTest, WriteFileToAnUnwritablePathFails) {
  const ByteArray ba{1};
  EXPECT_FALSE(ba.WriteFile("/nonexistent-dir/x"));
  EXPECT_FALSE(ba.AppendFile("/nonexistent-dir/x"));
  EXPECT_FALSE(ba.WriteFile(""));
}

}  // namespace
