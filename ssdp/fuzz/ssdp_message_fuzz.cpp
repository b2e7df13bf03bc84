// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// libFuzzer target over the SSDP message unit of rodatagram::ssdp
// (ssdp/src/message.cpp): every datagram a responder or a control
// point could receive goes through Parse, ValidateSearch, SearchReplies and
// ValidateSearchResponse. Seeds: fuzz/corpus/ssdp/ (real messages of
// gssdp-discover, node-ssdp and the examples).
//
// Besides "no crash, no sanitizer report", it checks invariants and aborts
// when one breaks:
//  - a failed parse says why; a parsed message has at most kMaxHeaders
//    headers, and Find() finds each header name;
//  - a valid multicast search spreads replies over 1..5 s, a unicast one
//    answers at once;
//  - each reply a search calls for formats into a response that parses and
//    validates back with the same ST and USN, using only CRLF line ends.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <ro/ssdp/message.hpp>

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

const ro::ssdp::Device& TestDevice() {
  static const ro::ssdp::Device device{"2fac1234-31f8-11b4-a222-08002b34c003",
                                       "urn:schemas-upnp-org:device:MediaRenderer:2",
                                       {"urn:schemas-upnp-org:service:RenderingControl:2"}};
  return device;
}

bool OnlyCrLf(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return false;
  }
  return true;
}

void CheckReplies(const ro::ssdp::Message& message, bool multicast) {
  std::string why;
  const auto search = ro::ssdp::ValidateSearch(message, multicast, why);
  if (!search) {
    Require(!why.empty());
    return;
  }
  Require(multicast ? (search->window_s >= 1 && search->window_s <= ro::ssdp::kMaxMx)
                    : search->window_s == 0);
  const ro::ssdp::Identity identity{"Fuzz/1 UPnP/1.1 rodatagram-ssdp/0.1", 1800, 1, 1};
  for (const auto& advert : ro::ssdp::SearchReplies(TestDevice(), search->target)) {
    const std::string reply = ro::ssdp::FormatSearchResponse(
        identity, advert, "http://198.51.100.1:8080/description.xml", ro::ssdp::HttpDate(0));
    Require(OnlyCrLf(reply));
    const auto parsed = ro::ssdp::Parse(reply, why);
    Require(parsed.has_value());
    const auto response = ro::ssdp::ValidateSearchResponse(*parsed, why);
    Require(response.has_value() && response->st == advert.nt && response->usn == advert.usn);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string why;
  const auto message = ro::ssdp::Parse(input, why);

  // The control point's side of the input: a description document.
  (void)ro::ssdp::XmlElementText(input, "friendlyName");

  if (!message) {
    Require(!why.empty());
    return 0;
  }
  Require(message->headers.size() <= ro::ssdp::kMaxHeaders);
  for (const auto& header : message->headers) {
    Require(message->Find(header.name).has_value());
  }
  (void)ro::ssdp::ValidateSearchResponse(*message, why);
  CheckReplies(*message, true);
  CheckReplies(*message, false);
  return 0;
}
