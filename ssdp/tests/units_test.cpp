// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Unit tests of the private parts of rodatagram::ssdp: the derived UUID,
// the BOOTID/CONFIGID state file, the reply budget and the subnet and
// LOCATION rules for interfaces.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "identity.hpp"
#include "interfaces.hpp"
#include "reply_budget.hpp"

namespace {

using namespace ro::ssdp::detail;  // NOLINT: test of the detail namespace

TEST(SsdpUuid, NameBasedUuidsMatchRfc4122Version5) {
  // Expected values from Python's uuid.uuid5(uuid.NAMESPACE_URL, name).
  EXPECT_EQ(NameBasedUuid("abc"), "68661508-f3c4-55b4-945d-ae2b4dfe5db4");
  EXPECT_EQ(NameBasedUuid("0123456789abcdef0123456789abcdef/rodatagram-ssdp"),
            "25a8eb30-a3fc-570e-a253-a4f85289f5c5");
  EXPECT_EQ(NameBasedUuid(std::string(100, 'x')), "c4956a8f-abe3-5d39-8dfa-4bf25e22e84b");
}

TEST(SsdpUuid, TheMachineIdIsStableAndTheUuidIsValid) {
  EXPECT_EQ(MachineId(), MachineId());
  EXPECT_FALSE(MachineId().empty());
  EXPECT_TRUE(IsUuid(NameBasedUuid(MachineId() + "/x")));
  EXPECT_FALSE(IsUuid("5c1b4f3e-2d6a-4e8b-9f01-c0ffee00000"));
  EXPECT_FALSE(IsUuid("5c1b4f3e-2d6a-4e8b-9f01-c0ffee00000g"));
}

class BootStateFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/ssdp-state-XXXXXX";
    const int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = name;
    std::remove(path_.c_str());
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(BootStateFile, BootIdGrowsByOneEachStartAndConfigIdOnlyWithTheDescription) {
  std::string why;
  EXPECT_FALSE(ReadBootState(path_, why).has_value());
  EXPECT_EQ(why, "") << "a missing file is not an error";
  BootState first = NextBoot(std::nullopt, 111);
  EXPECT_EQ(first.boot_id, 1U);
  EXPECT_EQ(first.config_id, 1U);
  ASSERT_TRUE(WriteBootState(path_, first, why)) << why;

  const auto read = ReadBootState(path_, why);
  ASSERT_TRUE(read.has_value()) << why;
  const BootState second = NextBoot(read, 111);
  EXPECT_EQ(second.boot_id, 2U);
  EXPECT_EQ(second.config_id, 1U) << "same description, same CONFIGID";
  const BootState third = NextBoot(second, 222);
  EXPECT_EQ(third.boot_id, 3U);
  EXPECT_EQ(third.config_id, 2U) << "a new description advances CONFIGID";
}

TEST_F(BootStateFile, BootIdWrapsWithinItsRangeAndConfigIdWithin24Bits) {
  BootState last;
  last.boot_id = 0x7FFFFFFFU;
  last.config_id = 0xFFFFFFU;
  last.description_crc = 1;
  const BootState next = NextBoot(last, 2);
  EXPECT_EQ(next.boot_id, 1U);
  EXPECT_EQ(next.config_id, 0U);
}

TEST_F(BootStateFile, AGarbledFileIsReportedNotTrusted) {
  std::ofstream(path_) << "BOOTID.UPNP.ORG=12x\nCONFIGID.UPNP.ORG=3\n";
  std::string why;
  EXPECT_FALSE(ReadBootState(path_, why).has_value());
  EXPECT_NE(why.find("bad value"), std::string::npos) << why;
}

TEST(SsdpReplyBudget, ABurstFromOneSourceDrawsAtMostThreeTimesItsBytesPlusTheAllowance) {
  ro::ssdp::BudgetOptions options;
  ReplyBudget budget(options);
  const auto now = ReplyBudget::Clock::now();
  std::size_t in = 0;
  std::size_t out = 0;
  for (int i = 0; i < 200; ++i) {
    budget.OnRequest("198.51.100.2", 52, now);
    in += 52;
    for (int r = 0; r < 4; ++r) {
      if (budget.TrySpend("198.51.100.2", 373, now)) out += 373;
    }
  }
  EXPECT_GT(out, 0U);
  EXPECT_LE(out, 3 * in + options.per_source_burst_bytes);
}

TEST(SsdpReplyBudget, OneSourceCannotUseUpAnothersAllowanceButAllShareTheGlobalBucket) {
  ro::ssdp::BudgetOptions options;
  options.global_burst_bytes = 6000;
  ReplyBudget budget(options);
  const auto now = ReplyBudget::Clock::now();
  budget.OnRequest("198.51.100.2", 100, now);
  while (budget.TrySpend("198.51.100.2", 300, now)) {
  }
  budget.OnRequest("198.51.100.3", 100, now);
  EXPECT_TRUE(budget.TrySpend("198.51.100.3", 300, now));
  int more = 0;
  while (budget.TrySpend("198.51.100.3", 300, now)) ++more;
  EXPECT_LT(300 * (more + 1), 6000 - 4096 + 300) << "the global bucket ran dry first";
}

TEST(SsdpReplyBudget, AnIdleSourceGetsItsAllowanceBackOverTime) {
  ro::ssdp::BudgetOptions options;
  ReplyBudget budget(options);
  auto now = ReplyBudget::Clock::now();
  while (budget.TrySpend("198.51.100.2", 300, now)) {
  }
  EXPECT_FALSE(budget.TrySpend("198.51.100.2", 300, now));
  now += std::chrono::seconds(10);
  EXPECT_TRUE(budget.TrySpend("198.51.100.2", 300, now));
}

LocalInterface Eth(std::initializer_list<const char*> addresses) {
  LocalInterface local;
  local.name = "eth9";
  local.index = 9;
  local.up = true;
  local.multicast = true;
  for (const char* text : addresses) {
    std::string address(text);
    const auto slash = address.find('/');
    auto parsed = ParseAddress(address.substr(0, slash));
    EXPECT_TRUE(parsed.has_value()) << text;
    if (!parsed) continue;
    parsed->prefix = std::stoi(address.substr(slash + 1));
    local.addresses.push_back(*parsed);
  }
  return local;
}

TEST(SsdpInterfaces, OnlySourcesOnASubnetOfTheInterfaceCount) {
  const auto local = Eth({"198.51.100.1/28", "2001:db8:1::1/64", "fe80::1/64"});
  EXPECT_TRUE(OnSubnet(local, *ParseAddress("198.51.100.14")));
  EXPECT_FALSE(OnSubnet(local, *ParseAddress("198.51.100.17")));
  EXPECT_FALSE(OnSubnet(local, *ParseAddress("203.0.113.2")));
  EXPECT_TRUE(OnSubnet(local, *ParseAddress("::ffff:198.51.100.2"))) << "dual-stack form";
  EXPECT_TRUE(OnSubnet(local, *ParseAddress("2001:db8:1::77")));
  EXPECT_FALSE(OnSubnet(local, *ParseAddress("2001:db8:2::77")));
  EXPECT_TRUE(OnSubnet(local, *ParseAddress("fe80::99%9")));
  EXPECT_FALSE(OnSubnet(local, *ParseAddress("127.0.0.1"))) << "not a loopback interface";
}

TEST(SsdpInterfaces, TheLocationAddressHasTheScopeOfTheSearchSource) {
  const auto local = Eth({"198.51.100.1/28", "fe80::1/64", "2001:db8:1::1/64"});
  EXPECT_EQ(AddressFor(local, *ParseAddress("198.51.100.2"))->Text(), "198.51.100.1");
  EXPECT_EQ(AddressFor(local, *ParseAddress("fe80::2%9"))->Text(), "fe80::1");
  EXPECT_EQ(AddressFor(local, *ParseAddress("2001:db8:1::2"))->Text(), "2001:db8:1::1");
  const auto link_only = Eth({"fe80::1/64"});
  EXPECT_EQ(AddressFor(link_only, *ParseAddress("2001:db8:1::2"))->Text(), "fe80::1")
      << "falls back to the only address there is";
  EXPECT_FALSE(AddressFor(link_only, *ParseAddress("198.51.100.2")).has_value());
}

}  // namespace
