// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// ro::ssdp::Responder and ro::ssdp::Discover used in-process, the way a
// player program uses the component: bad options, find-yourself on lo,
// statistics, a restart, a moved-from object. Runs in a private namespace
// (tests/netns/run-in-netns: only lo, multicast on).

#include <unistd.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include <ro/ssdp.hpp>

namespace {

ro::ssdp::ResponderOptions OnLoopback() {
  ro::ssdp::ResponderOptions options;
  options.interfaces = {"lo"};
  options.uuid = "5c1b4f3e-2d6a-4e8b-9f01-c0ffee0000a1";
  options.friendly_name = "api test";
  return options;
}

std::vector<ro::ssdp::SearchResult> FindOnLoopback(const std::string& target) {
  ro::ssdp::SearchOptions search;
  search.interface_name = "lo";
  search.target = target;
  search.timeout_ms = 2200;
  search.repeats = 1;
  std::string why;
  auto found = ro::ssdp::Discover(search, why);
  EXPECT_EQ(why, "");
  return found;
}

TEST(SsdpResponderApi, BadOptionsAreRefusedWithAReason) {
  auto options = OnLoopback();
  options.uuid = "not-a-uuid";
  ro::ssdp::Responder bad_uuid(options);
  EXPECT_FALSE(bad_uuid.Start());
  EXPECT_NE(bad_uuid.GetFailureReason().find("8-4-4-4-12"), std::string::npos);

  options = OnLoopback();
  options.device_type = "urn:x:service:Thing:1";
  ro::ssdp::Responder bad_type(options);
  EXPECT_FALSE(bad_type.Start());
  EXPECT_NE(bad_type.GetFailureReason().find("device type"), std::string::npos);

  options = OnLoopback();
  options.interfaces = {"nosuch0"};
  ro::ssdp::Responder bad_interface(options);
  EXPECT_FALSE(bad_interface.Start());
  EXPECT_NE(bad_interface.GetFailureReason().find("nosuch0"), std::string::npos);

  std::string why;
  ro::ssdp::SearchOptions search;
  search.target = std::string(300, 'x');
  EXPECT_TRUE(ro::ssdp::Discover(search, why).empty());
  EXPECT_NE(why.find("search target"), std::string::npos) << why;
}

TEST(SsdpResponderApi, AResponderIsFoundOnLoopbackAndCountsWhatItDid) {
  ro::ssdp::Responder device(OnLoopback());
  ASSERT_TRUE(device.Start()) << device.GetFailureReason();
  EXPECT_EQ(device.GetServedInterfaces(), std::vector<std::string>{"lo"});
  EXPECT_GT(device.GetHttpPort(), 0);
  EXPECT_EQ(device.GetSearchPort(), 0);
  const auto found = FindOnLoopback("uuid:" + device.GetUuid());
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].response.usn, "uuid:" + device.GetUuid());
  std::string why;
  const std::string body = ro::ssdp::FetchDescription(found[0].response.location, "lo", 2000, why);
  EXPECT_EQ(ro::ssdp::XmlElementText(body, "friendlyName").value_or(why), "api test");
  const auto statistics = device.GetStatistics();
  EXPECT_GE(statistics.searches, 1U);
  EXPECT_GE(statistics.replies, 1U);
  EXPECT_GT(statistics.reply_bytes, 100U);
  EXPECT_EQ(statistics.dropped_by_budget, 0U);
  device.Stop();
  EXPECT_TRUE(FindOnLoopback("uuid:" + device.GetUuid()).empty()) << "stopped means gone";
}

TEST(SsdpResponderApi, AResponderStartsAgainAfterStopWithTheNextBootId) {
  char path[] = "/tmp/ssdp-api-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::remove(path);
  auto options = OnLoopback();
  options.state_file = path;
  ro::ssdp::Responder device(options);
  ASSERT_TRUE(device.Start()) << device.GetFailureReason();
  const auto first = device.GetBootId();
  device.Stop();
  ASSERT_TRUE(device.Start()) << device.GetFailureReason();
  EXPECT_EQ(device.GetBootId(), first + 1);
  EXPECT_EQ(FindOnLoopback("upnp:rootdevice").size(), 1U);
  device.Stop();
  std::remove(path);
}

TEST(SsdpResponderApi, AMovedFromResponderSaysSoInsteadOfCrashing) {
  ro::ssdp::Responder device(OnLoopback());
  ro::ssdp::Responder other(std::move(device));
  EXPECT_FALSE(device.Start());  // NOLINT(bugprone-use-after-move): that is the test
  EXPECT_EQ(device.GetFailureReason(), "the responder was moved from");
  device.Stop();
  EXPECT_TRUE(other.Start()) << other.GetFailureReason();
  other.Stop();
}

}  // namespace
