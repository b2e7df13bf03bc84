// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The ssdp_responder program against UPnP Device Architecture 1.1 / 2.0 §1,
// seen from peer namespaces: byebye before the first alive, a stable UUID,
// BOOTID / CONFIGID persisted and advanced, IPv6 (FF02::C, FF05::C) with a
// LOCATION in the search's scope, ssdp:update and alive when an interface is
// plugged in, SEARCHPORT.UPNP.ORG when 1900 is taken, renewal before
// max-age/2, replies to an MX 2 search while pupnp listens. Each of these
// failed against the old example or an earlier responder.

#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ssdp_netns_util.hpp"

namespace {

using namespace ssdp_test;  // NOLINT: test helpers

// A control point's ear on the SSDP group(s) of peer `k`: 1900, shared.
Fd GroupListener(NetnsRig& rig, int k, const std::string& group) {
  return InPeer(rig, k, [&] {
    const bool v6 = group.find(':') != std::string::npos;
    Fd fd = UdpSocket(v6 ? "::" : "0.0.0.0", 1900, 0, /*reuse=*/true);
    const unsigned index = if_nametoindex(rig.PeerInterface(k).c_str());
    if (fd.Valid() && !Join(fd, group, index)) fd.Reset();
    return fd;
  });
}

std::vector<std::string> Notifies(const std::vector<Datagram>& datagrams, const std::string& nts) {
  std::vector<std::string> out;
  for (const auto& d : datagrams) {
    if (d.text.rfind("NOTIFY * HTTP/1.1\r\n", 0) == 0 && Header(d.text, "NTS") == nts) {
      out.push_back(d.text);
    }
  }
  return out;
}

class SsdpConformance : public OneLinkTest {};

TEST_F(SsdpConformance, TheFirstAnnouncementIsAByebyeSetThenAliveWithTheSameBootId) {
  Fd ear = GroupListener(rig_, 0, "239.255.255.250");
  ASSERT_TRUE(ear.Valid());
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  const auto heard = Collect(ear, 1200ms);
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(Header(heard.front().text, "NTS"), "ssdp:byebye") << heard.front().text;
  const auto byebye = Notifies(heard, "ssdp:byebye");
  const auto alive = Notifies(heard, "ssdp:alive");
  ASSERT_EQ(byebye.size(), 4U) << "one byebye per NT";
  ASSERT_EQ(alive.size(), 12U) << "three alive sets of 4";
  EXPECT_EQ(Header(byebye[0], "BOOTID.UPNP.ORG"), Header(alive[0], "BOOTID.UPNP.ORG"));
  EXPECT_EQ(Header(alive[0], "CACHE-CONTROL"), "max-age=1800");
  EXPECT_EQ(Header(alive[0], "HOST"), "239.255.255.250:1900");
}

// The uuid of the first "uuid:<36 chars>" in `text`.
std::string FirstUuid(const std::string& text) {
  std::smatch match;
  static const std::regex kUuidPattern("uuid:([0-9a-fA-F-]{36})");
  return std::regex_search(text, match, kUuidPattern) ? match[1].str() : "";
}

TEST_F(SsdpConformance, WithoutUuidTheDeviceHasTheSameUuidOnEveryRun) {
  std::string uuids[2];
  for (auto& uuid : uuids) {
    Responder responder;
    ASSERT_TRUE(responder.Start({"--interface", rig_.DeviceInterface(0)}));
    uuid = FirstUuid(responder.Output());
    ASSERT_TRUE(responder.Stop().has_value());
  }
  EXPECT_EQ(uuids[0].size(), 36U);
  EXPECT_EQ(uuids[0], uuids[1]);
}

TEST_F(SsdpConformance, BootIdIsPersistedAndAdvancedAndConfigIdFollowsTheDescription) {
  char path[] = "/tmp/ssdp-conformance-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::remove(path);
  Fd ear = GroupListener(rig_, 0, "239.255.255.250");
  struct Ids {
    std::string boot;
    std::string config;
  };
  const auto run = [&](const std::string& name) {
    Responder responder;
    auto args = Args();
    args.insert(args.end(), {"--state-file", path, "--friendly-name", name});
    EXPECT_TRUE(responder.Start(args));
    const auto alive = Notifies(Collect(ear, 800ms), "ssdp:alive");
    EXPECT_TRUE(responder.Stop().has_value());
    (void)Collect(ear, 100ms);  // the byebye of this run
    return alive.empty()
               ? Ids{}
               : Ids{Header(alive[0], "BOOTID.UPNP.ORG"), Header(alive[0], "CONFIGID.UPNP.ORG")};
  };
  const Ids first = run("Lobby");
  const Ids second = run("Lobby");
  const Ids third = run("Lobby sign");
  std::remove(path);
  ASSERT_FALSE(first.boot.empty());
  EXPECT_EQ(std::stoul(second.boot), std::stoul(first.boot) + 1);
  EXPECT_EQ(second.config, first.config) << "same description";
  EXPECT_EQ(std::stoul(third.boot), std::stoul(first.boot) + 2);
  EXPECT_EQ(std::stoul(third.config), std::stoul(first.config) + 1) << "new friendly name";
}

// pupnp 1.8 listens MX-1 to MX s (its timer counts whole seconds of
// time(NULL)) and sends its first IPv4 search 0.4 s into that: with MX 2 a
// reply later than 0.6 s after the search can come after it stopped listening.
TEST_F(SsdpConformance, EveryReplyToAnMx2SearchComesWhilePupnpStillListens) {
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  unsigned index = 0;
  Fd cp = InPeer(rig_, 0, [&] {
    index = if_nametoindex(rig_.PeerInterface(0).c_str());
    return UdpSocket(rig_.PeerAddress(0), 0);
  });
  ASSERT_TRUE(cp.Valid());
  MulticastInterface4(cp, index);
  // Two searches of 4 replies: spread over 3/4 of MX (the old rule), all 8
  // within 0.6 s has a chance of (0.6/1.5)^8 (< 0.1%).
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(
        SendText(cp, "239.255.255.250", 1900, Search("239.255.255.250:1900", "ssdp:all", "2")));
    const auto replies = Collect(cp, 2000ms);
    ASSERT_EQ(replies.size(), 4U) << responder.Output();
    for (const auto& reply : replies) {
      EXPECT_LE(reply.at.count(), 600) << "ms after search " << round << ": " << reply.text;
    }
  }
}

TEST_F(SsdpConformance, AnIpv6LinkLocalSearchToFf02cGetsALinkLocalLocation) {
  if (!rig_.HasIpv6()) GTEST_SKIP() << "no IPv6 in this kernel";
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  unsigned index = 0;
  Fd cp = InPeer(rig_, 0, [&] {
    index = if_nametoindex(rig_.PeerInterface(0).c_str());
    return UdpSocket("::", 0);
  });
  ASSERT_TRUE(cp.Valid());
  MulticastInterface6(cp, index);
  ASSERT_TRUE(
      SendText(cp, "ff02::c", 1900, Search("[FF02::C]:1900", "upnp:rootdevice", "1"), index));
  const auto replies = Collect(cp, 1500ms);
  ASSERT_EQ(replies.size(), 1U) << responder.Output();
  EXPECT_EQ(
      Header(replies[0].text, "LOCATION").rfind("http://[" + rig_.DeviceAddress6(0) + "]:", 0), 0U)
      << replies[0].text;
  EXPECT_EQ(Header(replies[0].text, "USN"), "uuid:" + std::string(kUuid) + "::upnp:rootdevice");
}

TEST_F(SsdpConformance, ASiteLocalSearchToFf05cFromAGlobalAddressGetsAGlobalLocation) {
  if (!rig_.HasIpv6()) GTEST_SKIP() << "no IPv6 in this kernel";
  ASSERT_TRUE(rig_.RunCommandInDevice({"ip", "-6", "addr", "add", "2001:db8:13::1/64", "dev",
                                       rig_.DeviceInterface(0), "nodad"})
                  .ok);
  ASSERT_TRUE(rig_.RunCommandInPeer(0, {"ip", "-6", "addr", "add", "2001:db8:13::2/64", "dev",
                                        rig_.PeerInterface(0), "nodad"})
                  .ok);
  Fd ear = GroupListener(rig_, 0, "ff05::c");
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  const auto alive = Notifies(Collect(ear, 1000ms), "ssdp:alive");
  ASSERT_FALSE(alive.empty()) << "alive to FF05::C";
  EXPECT_EQ(Header(alive[0], "HOST"), "[FF05::C]:1900");
  EXPECT_EQ(Header(alive[0], "LOCATION").rfind("http://[2001:db8:13::1]:", 0), 0U) << alive[0];

  unsigned index = 0;
  Fd cp = InPeer(rig_, 0, [&] {
    index = if_nametoindex(rig_.PeerInterface(0).c_str());
    return UdpSocket("2001:db8:13::2", 0);
  });
  ASSERT_TRUE(cp.Valid());
  MulticastInterface6(cp, index);
  ASSERT_TRUE(SendText(cp, "ff05::c", 1900, Search("[FF05::C]:1900", "ssdp:all", "1"), index));
  const auto replies = Collect(cp, 1500ms);
  ASSERT_EQ(replies.size(), 4U) << responder.Output();
  for (const auto& reply : replies) {
    EXPECT_EQ(Header(reply.text, "LOCATION").rfind("http://[2001:db8:13::1]:", 0), 0U)
        << reply.text;
  }
}

TEST_F(SsdpConformance, AnInterfacePluggedInLaterIsAnnouncedWithSsdpUpdateAndANewBootId) {
  Fd ear0 = GroupListener(rig_, 0, "239.255.255.250");
  Responder responder;
  ASSERT_TRUE(responder.Start({"--all-interfaces", "--uuid", std::string(kUuid)}));
  const auto first = Notifies(Collect(ear0, 1000ms), "ssdp:alive");
  ASSERT_FALSE(first.empty());
  const unsigned long boot = std::stoul(Header(first[0], "BOOTID.UPNP.ORG"));

  ASSERT_GE(rig_.AddLink(), 1);
  Fd ear1 = GroupListener(rig_, 1, "239.255.255.250");
  const auto heard0 = Collect(ear0, 1200ms);
  const auto heard1 = Collect(ear1, 200ms);
  const auto update = Notifies(heard0, "ssdp:update");
  ASSERT_EQ(update.size(), 4U) << responder.Output();
  EXPECT_EQ(std::stoul(Header(update[0], "BOOTID.UPNP.ORG")), boot);
  EXPECT_EQ(std::stoul(Header(update[0], "NEXTBOOTID.UPNP.ORG")), boot + 1);
  EXPECT_FALSE(Header(update[0], "LOCATION").empty());
  const auto alive0 = Notifies(heard0, "ssdp:alive");
  ASSERT_FALSE(alive0.empty()) << "the old link hears alive again";
  EXPECT_EQ(std::stoul(Header(alive0.back(), "BOOTID.UPNP.ORG")), boot + 1);
  const auto alive1 = Notifies(heard1, "ssdp:alive");
  ASSERT_FALSE(alive1.empty()) << "the new link hears alive";
  EXPECT_EQ(Header(alive1[0], "LOCATION").rfind("http://" + rig_.DeviceAddress(1) + ":", 0), 0U);
  EXPECT_EQ(std::stoul(Header(alive1[0], "BOOTID.UPNP.ORG")), boot + 1);

  const std::string plugged = rig_.DeviceInterface(1);
  ASSERT_TRUE(rig_.RemoveLink(1));
  EXPECT_TRUE(responder.WaitFor("interface " + plugged + " left: ssdp:byebye", 3s))
      << responder.Output();
}

TEST_F(SsdpConformance, WhenPort1900IsTakenUnicastSearchesGoToTheAnnouncedSearchPort) {
  Fd holder = UdpSocket("0.0.0.0", 1900, 0, /*reuse=*/true);  // device namespace
  ASSERT_TRUE(holder.Valid());
  Fd ear = GroupListener(rig_, 0, "239.255.255.250");
  Responder responder;
  ASSERT_TRUE(responder.Start(Args()));
  const auto alive = Notifies(Collect(ear, 800ms), "ssdp:alive");
  ASSERT_FALSE(alive.empty());
  const std::string port_text = Header(alive[0], "SEARCHPORT.UPNP.ORG");
  ASSERT_FALSE(port_text.empty()) << alive[0];
  const int port = std::stoi(port_text);
  EXPECT_GE(port, 49152);
  EXPECT_LE(port, 65535);
  Fd cp = InPeer(rig_, 0, [&] { return UdpSocket(rig_.PeerAddress(0), 0); });
  const std::string device = rig_.DeviceAddress(0);
  ASSERT_TRUE(SendText(cp, device, port, Search(device + ":" + port_text, "upnp:rootdevice")));
  const auto replies = Collect(cp, 1000ms);
  ASSERT_EQ(replies.size(), 1U) << responder.Output();
  EXPECT_EQ(Header(replies[0].text, "SEARCHPORT.UPNP.ORG"), port_text);
}

TEST_F(SsdpConformance, AliveIsRenewedBeforeHalfOfMaxAge) {
  Fd ear = GroupListener(rig_, 0, "239.255.255.250");
  Responder responder;
  auto args = Args();
  args.insert(args.end(), {"--max-age", "60"});
  ASSERT_TRUE(responder.Start(args));
  const auto heard = Collect(ear, 31s);
  const auto alive = Notifies(heard, "ssdp:alive");
  ASSERT_GE(alive.size(), 16U) << "3 sets at start and at least one renewal";
  EXPECT_EQ(Header(alive[0], "CACHE-CONTROL"), "max-age=60");
  milliseconds renewal{0};
  for (const auto& d : heard) {
    if (Header(d.text, "NTS") == "ssdp:alive" && d.at > 2s) {
      renewal = d.at;
      break;
    }
  }
  EXPECT_GE(renewal, 14s);
  EXPECT_LT(renewal, 31s);
}

}  // namespace
