// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Unit tests of the SSDP message unit of rodatagram::ssdp (ssdp/src/message.cpp):
// parsing, M-SEARCH validation, search-target matching and formatting.

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <ro/ssdp/message.hpp>

namespace {

using ro::ssdp::Advert;
using ro::ssdp::Kind;
using ro::ssdp::Message;

constexpr std::string_view kUuid = "2fac1234-31f8-11b4-a222-08002b34c003";

Message MustParse(std::string_view text) {
  std::string why;
  auto message = ro::ssdp::Parse(text, why);
  EXPECT_TRUE(message.has_value()) << why << "\n" << text;
  return message.value_or(Message{});
}

std::string ParseError(std::string_view text) {
  std::string why;
  const auto message = ro::ssdp::Parse(text, why);
  EXPECT_FALSE(message.has_value()) << text;
  return why;
}

// True when every line feed of `text` is preceded by a carriage return.
bool AllCrLf(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return false;
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) return false;
  }
  return true;
}

ro::ssdp::Device Renderer() {
  return {std::string(kUuid),
          "urn:schemas-upnp-org:device:MediaRenderer:2",
          {"urn:schemas-upnp-org:service:RenderingControl:2",
           "urn:schemas-upnp-org:service:AVTransport:1"}};
}

std::optional<ro::ssdp::Search> Validate(std::string_view text, bool multicast,
                                         std::string* why_out) {
  std::string why;
  auto search = ro::ssdp::ValidateSearch(MustParse(text), multicast, why);
  if (why_out != nullptr) *why_out = why;
  return search;
}

std::string SearchWith(std::string_view extra_headers) {
  return "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n" + std::string(extra_headers) +
         "\r\n";
}

// --- Parse ---------------------------------------------------------------------

TEST(SsdpParse, SearchWithCrLf) {
  const Message m = MustParse(
      "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
      "MX: 2\r\nST: ssdp:all\r\n\r\n");
  EXPECT_EQ(m.kind, Kind::kSearch);
  EXPECT_EQ(m.version, "HTTP/1.1");
  ASSERT_EQ(m.headers.size(), 4U);
  EXPECT_EQ(m.headers[1].name, "MAN");
  EXPECT_EQ(m.Find("st"), "ssdp:all");
  EXPECT_EQ(m.Find("Mx"), "2");
  EXPECT_EQ(m.Find("USER-AGENT"), std::nullopt);
}

TEST(SsdpParse, HeaderNamesAreCaseInsensitiveValuesAreKept) {
  const Message m =
      MustParse("NOTIFY * HTTP/1.1\r\nnt: upnp:RootDevice\r\nNtS:   ssdp:alive \t\r\n\r\n");
  EXPECT_EQ(m.kind, Kind::kNotify);
  EXPECT_EQ(m.Find("NT"), "upnp:RootDevice");
  EXPECT_EQ(m.Find("NTS"), "ssdp:alive");
}

TEST(SsdpParse, BareLineFeedsAreTolerated) {
  const Message m =
      MustParse("M-SEARCH * HTTP/1.1\nMAN: \"ssdp:discover\"\r\nST: upnp:rootdevice\n\n");
  EXPECT_EQ(m.Find("ST"), "upnp:rootdevice");
  EXPECT_EQ(m.Find("MAN"), "\"ssdp:discover\"");
}

TEST(SsdpParse, BareCarriageReturnIsAnError) {
  EXPECT_EQ(ParseError("M-SEARCH * HTTP/1.1\r\nST: a\rMX: 1\r\n\r\n"), "line 2: bare CR");
  EXPECT_EQ(ParseError("M-SEARCH * HTTP/1.1\rST: a\r\n\r\n"), "line 1: bare CR");
}

TEST(SsdpParse, MissingFinalEmptyLineIsTolerated) {
  EXPECT_EQ(MustParse("M-SEARCH * HTTP/1.1\r\nST: a\r\n").Find("ST"), "a");
  EXPECT_EQ(MustParse("M-SEARCH * HTTP/1.1\r\nST: a").Find("ST"), "a");
  EXPECT_TRUE(MustParse("M-SEARCH * HTTP/1.1").headers.empty());
}

TEST(SsdpParse, BytesAfterTheEmptyLineAreIgnored) {
  const Message m = MustParse("NOTIFY * HTTP/1.1\r\nNT: a\r\n\r\nnot: a header\r\n\x01\x02");
  ASSERT_EQ(m.headers.size(), 1U);
}

TEST(SsdpParse, EmptyHeaderValue) {
  const Message m = MustParse("HTTP/1.1 200 OK\r\nEXT:\r\nST: a\r\n\r\n");
  EXPECT_EQ(m.Find("EXT"), "");
}

TEST(SsdpParse, RepeatedHeaderFindReturnsTheFirst) {
  const Message m = MustParse("NOTIFY * HTTP/1.1\r\nNT: first\r\nNT: second\r\n\r\n");
  EXPECT_EQ(m.headers.size(), 2U);
  EXPECT_EQ(m.Find("NT"), "first");
}

TEST(SsdpParse, Responses) {
  Message m = MustParse("HTTP/1.1 200 OK\r\nST: a\r\n\r\n");
  EXPECT_EQ(m.kind, Kind::kResponse);
  EXPECT_EQ(m.status_code, 200);
  EXPECT_EQ(m.reason, "OK");
  m = MustParse("HTTP/1.0 404 Not Found\r\n\r\n");
  EXPECT_EQ(m.status_code, 404);
  EXPECT_EQ(m.reason, "Not Found");
  m = MustParse("HTTP/1.1 200\r\n\r\n");
  EXPECT_EQ(m.status_code, 200);
  EXPECT_EQ(m.reason, "");
}

TEST(SsdpParse, MalformedStartLines) {
  EXPECT_EQ(ParseError(""), "empty datagram");
  EXPECT_EQ(ParseError("\r\nM-SEARCH * HTTP/1.1\r\n\r\n"), "line 1: empty start line");
  EXPECT_EQ(ParseError("m-search * HTTP/1.1\r\n\r\n"), "line 1: not an SSDP method");
  EXPECT_EQ(ParseError("GET / HTTP/1.1\r\n\r\n"), "line 1: not an SSDP method");
  EXPECT_EQ(ParseError("M-SEARCH / HTTP/1.1\r\n\r\n"), "line 1: request target is not *");
  EXPECT_EQ(ParseError("M-SEARCH * HTTP/2.0\r\n\r\n"), "line 1: not HTTP/1.x");
  EXPECT_EQ(ParseError("M-SEARCH *  HTTP/1.1\r\n\r\n"), "line 1: malformed request line");
  EXPECT_EQ(ParseError("M-SEARCH *\r\n\r\n"), "line 1: malformed request line");
  EXPECT_EQ(ParseError("HTTP/1.1 20 OK\r\n\r\n"), "line 1: malformed status line");
  EXPECT_EQ(ParseError("HTTP/1.1 2000 OK\r\n\r\n"), "line 1: malformed status line");
  EXPECT_EQ(ParseError("HTTP/1.1 200 O\x01K\r\n\r\n"),
            "line 1: control character in the start line");
}

TEST(SsdpParse, MalformedHeaders) {
  EXPECT_EQ(ParseError("NOTIFY * HTTP/1.1\r\nNT a\r\n\r\n"), "line 2: no colon in a header line");
  EXPECT_EQ(ParseError("NOTIFY * HTTP/1.1\r\nNT : a\r\n\r\n"), "line 2: malformed header name");
  EXPECT_EQ(ParseError("NOTIFY * HTTP/1.1\r\n: a\r\n\r\n"), "line 2: malformed header name");
  EXPECT_EQ(ParseError("NOTIFY * HTTP/1.1\r\nNT: a\r\n b\r\n\r\n"),
            "line 3: obsolete line folding");
  EXPECT_EQ(ParseError(std::string("NOTIFY * HTTP/1.1\r\nNT: a") + '\0' + "b\r\n\r\n"),
            "line 2: control character in a header value");
}

TEST(SsdpParse, HeaderCountIsBounded) {
  std::string text = "NOTIFY * HTTP/1.1\r\n";
  for (std::size_t i = 0; i < ro::ssdp::kMaxHeaders; ++i)
    text += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(MustParse(text + "\r\n").headers.size(), ro::ssdp::kMaxHeaders);
  EXPECT_EQ(ParseError(text + "ONE-MORE: v\r\n\r\n"),
            "line " + std::to_string(ro::ssdp::kMaxHeaders + 2) + ": too many headers");
}

// --- ValidateSearch --------------------------------------------------------------

TEST(SsdpValidateSearch, MulticastSearchUsesMx) {
  const auto search =
      Validate(SearchWith("MAN: \"ssdp:discover\"\r\nMX: 3\r\nST: ssdp:all\r\n"), true, nullptr);
  ASSERT_TRUE(search.has_value());
  EXPECT_EQ(search->target, "ssdp:all");
  EXPECT_EQ(search->window_s, 3);
}

TEST(SsdpValidateSearch, MxIsClampedToOneToFive) {
  const auto window = [](std::string_view mx) {
    const auto search =
        Validate(SearchWith("MAN: \"ssdp:discover\"\r\nMX: " + std::string(mx) + "\r\nST: a\r\n"),
                 true, nullptr);
    return search ? search->window_s : -1;
  };
  EXPECT_EQ(window("0"), 1);
  EXPECT_EQ(window("1"), 1);
  EXPECT_EQ(window("5"), 5);
  EXPECT_EQ(window("6"), 5);
  EXPECT_EQ(window("120"), 5);
  EXPECT_EQ(window("999999999999999999999999"), 5);
  EXPECT_EQ(window(" 2 "), 2);
  EXPECT_EQ(window("-1"), -1);
  EXPECT_EQ(window("2.5"), -1);
  EXPECT_EQ(window("two"), -1);
  EXPECT_EQ(window(""), -1);
}

TEST(SsdpValidateSearch, MulticastWithoutMxIsDiscarded) {
  std::string why;
  EXPECT_FALSE(Validate(SearchWith("MAN: \"ssdp:discover\"\r\nST: a\r\n"), true, &why));
  EXPECT_EQ(why, "multicast M-SEARCH without MX");
}

TEST(SsdpValidateSearch, UnicastIsAnsweredAtOnceWithOrWithoutMx) {
  auto search = Validate(SearchWith("MAN: \"ssdp:discover\"\r\nST: a\r\n"), false, nullptr);
  ASSERT_TRUE(search.has_value());
  EXPECT_EQ(search->window_s, 0);
  search = Validate(SearchWith("MAN: \"ssdp:discover\"\r\nMX: 4\r\nST: a\r\n"), false, nullptr);
  ASSERT_TRUE(search.has_value());
  EXPECT_EQ(search->window_s, 0);
}

TEST(SsdpValidateSearch, ManMustBeQuotedSsdpDiscover) {
  std::string why;
  EXPECT_FALSE(Validate(SearchWith("MAN: ssdp:discover\r\nMX: 1\r\nST: a\r\n"), true, &why));
  EXPECT_EQ(why, "MAN is not \"ssdp:discover\" (with the quotes)");
  EXPECT_FALSE(Validate(SearchWith("MAN: \"SSDP:DISCOVER\"\r\nMX: 1\r\nST: a\r\n"), true, &why));
  EXPECT_FALSE(Validate(SearchWith("MX: 1\r\nST: a\r\n"), true, &why));
  EXPECT_EQ(why, "no MAN header");
  EXPECT_TRUE(Validate(SearchWith("man: \"ssdp:discover\"\r\nmx: 1\r\nst: a\r\n"), true, &why));
}

TEST(SsdpValidateSearch, StIsRequired) {
  std::string why;
  EXPECT_FALSE(Validate(SearchWith("MAN: \"ssdp:discover\"\r\nMX: 1\r\n"), true, &why));
  EXPECT_EQ(why, "no ST header");
  EXPECT_FALSE(Validate(SearchWith("MAN: \"ssdp:discover\"\r\nMX: 1\r\nST:\r\n"), true, &why));
  EXPECT_EQ(why, "no ST header");
}

TEST(SsdpValidateSearch, OnlySearches) {
  std::string why;
  EXPECT_FALSE(ro::ssdp::ValidateSearch(MustParse("NOTIFY * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\n"
                                                  "MX: 1\r\nST: a\r\n\r\n"),
                                        true, why));
  EXPECT_EQ(why, "not an M-SEARCH");
}

// --- Announcements and SearchReplies ---------------------------------------------

TEST(SsdpMatch, AnnouncementSetIsRootUuidTypeAndServices) {
  const std::string udn = "uuid:" + std::string(kUuid);
  const std::vector<Advert> expected = {
      {"upnp:rootdevice", udn + "::upnp:rootdevice"},
      {udn, udn},
      {"urn:schemas-upnp-org:device:MediaRenderer:2",
       udn + "::urn:schemas-upnp-org:device:MediaRenderer:2"},
      {"urn:schemas-upnp-org:service:RenderingControl:2",
       udn + "::urn:schemas-upnp-org:service:RenderingControl:2"},
      {"urn:schemas-upnp-org:service:AVTransport:1",
       udn + "::urn:schemas-upnp-org:service:AVTransport:1"},
  };
  EXPECT_EQ(ro::ssdp::Announcements(Renderer()), expected);
  EXPECT_EQ(ro::ssdp::SearchReplies(Renderer(), "ssdp:all"), expected);
}

TEST(SsdpMatch, DuplicateServiceTypesAreAnnouncedOnce) {
  ro::ssdp::Device device = Renderer();
  device.service_types.push_back(device.service_types.front());
  EXPECT_EQ(ro::ssdp::Announcements(device).size(), 5U);
}

TEST(SsdpMatch, RootDeviceAndUuid) {
  const std::string udn = "uuid:" + std::string(kUuid);
  EXPECT_EQ(ro::ssdp::SearchReplies(Renderer(), "upnp:rootdevice"),
            (std::vector<Advert>{{"upnp:rootdevice", udn + "::upnp:rootdevice"}}));
  EXPECT_EQ(ro::ssdp::SearchReplies(Renderer(), udn), (std::vector<Advert>{{udn, udn}}));
  // UUIDs compare case-insensitively; ST echoes the request as sent.
  const std::string upper = "uuid:2FAC1234-31F8-11B4-A222-08002B34C003";
  EXPECT_EQ(ro::ssdp::SearchReplies(Renderer(), upper), (std::vector<Advert>{{upper, udn}}));
  EXPECT_TRUE(ro::ssdp::SearchReplies(Renderer(), "uuid:2fac1234").empty());
  EXPECT_TRUE(ro::ssdp::SearchReplies(Renderer(), "uuid:").empty());
}

TEST(SsdpMatch, TypesMatchTheirVersionAndLowerAndEchoTheRequest) {
  const std::string udn = "uuid:" + std::string(kUuid);
  for (const std::string st : {"urn:schemas-upnp-org:device:MediaRenderer:1",
                               "urn:schemas-upnp-org:device:MediaRenderer:2",
                               "urn:schemas-upnp-org:service:RenderingControl:1",
                               "urn:schemas-upnp-org:service:RenderingControl:2",
                               "urn:schemas-upnp-org:service:AVTransport:1"}) {
    EXPECT_EQ(ro::ssdp::SearchReplies(Renderer(), st), (std::vector<Advert>{{st, udn + "::" + st}}))
        << st;
  }
}

TEST(SsdpMatch, NoReplyForHigherVersionsOrOtherTypes) {
  for (const std::string_view st : {
           "urn:schemas-upnp-org:device:MediaRenderer:3",
           "urn:schemas-upnp-org:service:AVTransport:2",
           "urn:schemas-upnp-org:device:MediaServer:1",
           "urn:schemas-upnp-org:device:RenderingControl:1",  // a service name as a device
           "urn:schemas-upnp-org:service:MediaRenderer:1",    // a device name as a service
           "urn:other-domain-org:device:MediaRenderer:1",
           "urn:schemas-upnp-org:device:mediarenderer:1",  // values are case-sensitive
           "URN:schemas-upnp-org:device:MediaRenderer:1",
           "urn:schemas-upnp-org:device:MediaRenderer",
           "urn:schemas-upnp-org:device:MediaRenderer:",
           "urn:schemas-upnp-org:device:MediaRenderer:x",
           "urn:schemas-upnp-org:device:MediaRenderer:1:2",
           "urn::device:MediaRenderer:1",
           "SSDP:ALL",
           "upnp:rootdevices",
           "",
       }) {
    EXPECT_TRUE(ro::ssdp::SearchReplies(Renderer(), st).empty()) << st;
  }
}

TEST(SsdpMatch, VendorDomainsMatch) {
  const ro::ssdp::Device device{std::string(kUuid), "urn:example-com:device:Sign:3", {}};
  EXPECT_EQ(ro::ssdp::SearchReplies(device, "urn:example-com:device:Sign:1").size(), 1U);
  EXPECT_EQ(ro::ssdp::SearchReplies(device, "ssdp:all").size(), 3U);
}

TEST(SsdpMatch, IsDeviceType) {
  EXPECT_TRUE(ro::ssdp::IsDeviceType("urn:schemas-upnp-org:device:Basic:1"));
  EXPECT_TRUE(ro::ssdp::IsDeviceType("urn:example-com:device:Sign:12"));
  EXPECT_FALSE(ro::ssdp::IsDeviceType("urn:schemas-upnp-org:service:AVTransport:1"));
  EXPECT_FALSE(ro::ssdp::IsDeviceType("urn:schemas-upnp-org:device:Basic"));
  EXPECT_FALSE(ro::ssdp::IsDeviceType("upnp:rootdevice"));
}

// --- Formatting ----------------------------------------------------------------

ro::ssdp::Identity TestIdentity() {
  return {"Linux/6.1 UPnP/1.1 rodatagram-ssdp/0.1", 1800, 1700000000U, 42U};
}

TEST(SsdpFormat, SearchResponseHasEveryRequiredHeader) {
  const Advert advert{"upnp:rootdevice", "uuid:" + std::string(kUuid) + "::upnp:rootdevice"};
  const std::string text = ro::ssdp::FormatSearchResponse(
      TestIdentity(), advert, "http://198.51.100.1:8080/description.xml",
      "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(text,
            "HTTP/1.1 200 OK\r\n"
            "CACHE-CONTROL: max-age=1800\r\n"
            "DATE: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "EXT:\r\n"
            "LOCATION: http://198.51.100.1:8080/description.xml\r\n"
            "SERVER: Linux/6.1 UPnP/1.1 rodatagram-ssdp/0.1\r\n"
            "ST: upnp:rootdevice\r\n"
            "USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003::upnp:rootdevice\r\n"
            "BOOTID.UPNP.ORG: 1700000000\r\n"
            "CONFIGID.UPNP.ORG: 42\r\n"
            "\r\n");
  std::string why;
  const auto response = ro::ssdp::ValidateSearchResponse(MustParse(text), why);
  ASSERT_TRUE(response.has_value()) << why;
  EXPECT_EQ(response->st, advert.nt);
  EXPECT_EQ(response->usn, advert.usn);
  EXPECT_EQ(response->location, "http://198.51.100.1:8080/description.xml");
  EXPECT_EQ(response->server, TestIdentity().server);
}

TEST(SsdpFormat, AliveAndByebye) {
  const Advert advert{"uuid:" + std::string(kUuid), "uuid:" + std::string(kUuid)};
  const std::string alive =
      ro::ssdp::FormatAlive(TestIdentity(), advert, "http://127.0.0.1:1/d.xml");
  EXPECT_EQ(alive,
            "NOTIFY * HTTP/1.1\r\n"
            "HOST: 239.255.255.250:1900\r\n"
            "CACHE-CONTROL: max-age=1800\r\n"
            "LOCATION: http://127.0.0.1:1/d.xml\r\n"
            "NT: uuid:2fac1234-31f8-11b4-a222-08002b34c003\r\n"
            "NTS: ssdp:alive\r\n"
            "SERVER: Linux/6.1 UPnP/1.1 rodatagram-ssdp/0.1\r\n"
            "USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003\r\n"
            "BOOTID.UPNP.ORG: 1700000000\r\n"
            "CONFIGID.UPNP.ORG: 42\r\n"
            "\r\n");
  const std::string byebye = ro::ssdp::FormatByebye(TestIdentity(), advert);
  EXPECT_EQ(byebye,
            "NOTIFY * HTTP/1.1\r\n"
            "HOST: 239.255.255.250:1900\r\n"
            "NT: uuid:2fac1234-31f8-11b4-a222-08002b34c003\r\n"
            "NTS: ssdp:byebye\r\n"
            "USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003\r\n"
            "BOOTID.UPNP.ORG: 1700000000\r\n"
            "CONFIGID.UPNP.ORG: 42\r\n"
            "\r\n");
  EXPECT_EQ(MustParse(alive).kind, Kind::kNotify);
  EXPECT_EQ(MustParse(byebye).Find("NTS"), "ssdp:byebye");
}

TEST(SsdpFormat, SearchRequestValidates) {
  const std::string text =
      ro::ssdp::FormatSearch("urn:schemas-upnp-org:device:Basic:1", 2, "Linux/6.1 UPnP/1.1 x/1");
  EXPECT_EQ(text,
            "M-SEARCH * HTTP/1.1\r\n"
            "HOST: 239.255.255.250:1900\r\n"
            "MAN: \"ssdp:discover\"\r\n"
            "MX: 2\r\n"
            "ST: urn:schemas-upnp-org:device:Basic:1\r\n"
            "USER-AGENT: Linux/6.1 UPnP/1.1 x/1\r\n"
            "\r\n");
  std::string why;
  const auto search = ro::ssdp::ValidateSearch(MustParse(text), true, why);
  ASSERT_TRUE(search.has_value()) << why;
  EXPECT_EQ(search->window_s, 2);
}

TEST(SsdpFormat, EverythingFormattedUsesCrLf) {
  const auto identity = TestIdentity();
  for (const auto& advert : ro::ssdp::Announcements(Renderer())) {
    EXPECT_TRUE(AllCrLf(ro::ssdp::FormatAlive(identity, advert, "http://x/")));
    EXPECT_TRUE(AllCrLf(ro::ssdp::FormatByebye(identity, advert)));
    EXPECT_TRUE(AllCrLf(ro::ssdp::FormatSearchResponse(identity, advert, "http://x/", "d")));
  }
  EXPECT_TRUE(AllCrLf(ro::ssdp::FormatSearch("ssdp:all", 2, "a/1 UPnP/1.1 b/1")));
  ro::ssdp::DeviceDescription description{std::string(kUuid), "t", "n", "m", "mo", {}};
  EXPECT_TRUE(AllCrLf(ro::ssdp::DeviceDescriptionXml(description, 1)));
}

TEST(SsdpFormat, HttpDateIsRfc1123) {
  EXPECT_EQ(ro::ssdp::HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ro::ssdp::HttpDate(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(ro::ssdp::HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(SsdpFormat, ProductStringIsMadeOfTokens) {
  EXPECT_EQ(ro::ssdp::ProductString("Linux", "6.1.0-18-amd64", "rodatagram-ssdp", "0.1"),
            "Linux/6.1.0-18-amd64 UPnP/1.1 rodatagram-ssdp/0.1");
  EXPECT_EQ(ro::ssdp::ProductString("My OS", "1/2", "", "0.1"), "My_OS/1_2 UPnP/1.1 unknown/0.1");
}

// --- ValidateSearchResponse --------------------------------------------------------

TEST(SsdpSearchResponse, RequiredHeadersAndStatus) {
  std::string why;
  EXPECT_FALSE(ro::ssdp::ValidateSearchResponse(
      MustParse("HTTP/1.1 404 Not Found\r\nST: a\r\nUSN: b\r\nLOCATION: c\r\n\r\n"), why));
  EXPECT_EQ(why, "status is not 200");
  EXPECT_FALSE(ro::ssdp::ValidateSearchResponse(MustParse("NOTIFY * HTTP/1.1\r\n\r\n"), why));
  EXPECT_EQ(why, "not a response");
  EXPECT_FALSE(ro::ssdp::ValidateSearchResponse(
      MustParse("HTTP/1.1 200 OK\r\nST: a\r\nUSN: b\r\n\r\n"), why));
  EXPECT_EQ(why, "no LOCATION header");
  EXPECT_FALSE(ro::ssdp::ValidateSearchResponse(
      MustParse("HTTP/1.1 200 OK\r\nST: a\r\nUSN:\r\nLOCATION: c\r\n\r\n"), why));
  EXPECT_EQ(why, "no USN header");
}

// --- Small helpers ---------------------------------------------------------------

TEST(SsdpHelpers, DeviceOfUsn) {
  EXPECT_EQ(ro::ssdp::DeviceOfUsn("uuid:a::upnp:rootdevice"), "uuid:a");
  EXPECT_EQ(ro::ssdp::DeviceOfUsn("uuid:a"), "uuid:a");
}

TEST(SsdpHelpers, IsIPv4Multicast) {
  EXPECT_TRUE(ro::ssdp::IsIPv4Multicast("239.255.255.250"));
  EXPECT_TRUE(ro::ssdp::IsIPv4Multicast("224.0.0.1"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast("240.0.0.1"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast("223.255.255.255"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast("198.51.100.1"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast("239.255.255"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast("239.255.255.250.1"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast("239.255.255.256"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast("239..255.250"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast("ff02::c"));
  EXPECT_FALSE(ro::ssdp::IsIPv4Multicast(""));
}

TEST(SsdpXml, EscapeAndExtract) {
  EXPECT_EQ(ro::ssdp::XmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  const std::string xml =
      "<root><device><friendlyNameX>no</friendlyNameX>"
      "<friendlyName lang=\"en\">Caf&#233; &amp; Bar &#x41;&lt;&bogus;</friendlyName>"
      "<empty/><nested><a>1</a></nested></device></root>";
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "friendlyName"), "Caf\xC3\xA9 & Bar A<&bogus;");
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "empty"), "");
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "nested"), std::nullopt);
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "missing"), std::nullopt);
  EXPECT_EQ(ro::ssdp::XmlElementText("<a>unterminated", "a"), std::nullopt);
  EXPECT_EQ(ro::ssdp::XmlElementText("<a", "a"), std::nullopt);
}

TEST(SsdpXml, DeviceDescription) {
  const ro::ssdp::DeviceDescription description{
      std::string(kUuid),
      "urn:schemas-upnp-org:device:Basic:1",
      "Lobby <sign> & \"co\"",
      "rodatagram",
      "rodatagram-ssdp",
      {{"urn:schemas-rodatagram-org:service:Status:1", "urn:rodatagram-org:serviceId:Status",
        "/status.xml", "/control/status", "/event/status"}}};
  const std::string xml = ro::ssdp::DeviceDescriptionXml(description, 7);
  EXPECT_NE(xml.find("<root xmlns=\"urn:schemas-upnp-org:device-1-0\" configId=\"7\">"),
            std::string::npos);
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "friendlyName"), description.friendly_name);
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "UDN"), "uuid:" + std::string(kUuid));
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "deviceType"), description.device_type);
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "SCPDURL"), "/status.xml");
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "major"), "1");
  EXPECT_EQ(ro::ssdp::XmlElementText(xml, "minor"), "1");
}

}  // namespace
