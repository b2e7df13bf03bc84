// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ro/ssdp/message.hpp>

namespace ro::ssdp {
namespace {

constexpr std::string_view kCrLf = "\r\n";
constexpr std::string_view kDiscover = "\"ssdp:discover\"";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}

// RFC 7230 tchar: what a header name or a product token may contain.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

// Control characters other than tab (RFC 7230 field-vchar excludes them).
bool HasControlChar(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// A decimal number, saturated at `limit` so that "99999999999" is just big.
std::optional<long> ParseDecimal(std::string_view text, long limit) {
  if (!IsDigits(text)) return std::nullopt;
  long value = 0;
  for (const char c : text) {
    value = std::min(limit, value * 10 + (c - '0'));
  }
  return value;
}

bool IsHttpVersion(std::string_view text) {
  return text.size() == 8 && StartsWith(text, "HTTP/1.") && IsDigit(text[7]);
}

// Hands out the lines of a datagram without their CRLF or LF.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}

  // False at the end of the datagram.
  bool Next(std::string_view& line) {
    if (rest_.empty()) return false;
    ++number_;
    const auto newline = rest_.find('\n');
    line = rest_.substr(0, newline);
    rest_ = newline == std::string_view::npos ? std::string_view{} : rest_.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  }

  [[nodiscard]] int Number() const { return number_; }

 private:
  std::string_view rest_;
  int number_ = 0;
};

// A CR is only valid as part of a line end, which LineReader removed.
bool NoBareCr(std::string_view line, std::string& why) {
  if (line.find('\r') == std::string_view::npos) return true;
  why = "bare CR";
  return false;
}

bool ParseStartLine(std::string_view line, Message& out, std::string& why) {
  if (line.empty()) {
    why = "empty start line";
    return false;
  }
  if (HasControlChar(line)) {
    why = "control character in the start line";
    return false;
  }
  if (StartsWith(line, "HTTP/")) {
    // HTTP/1.1 SP 200 [SP reason]
    const auto space = line.find(' ');
    const std::string_view version = line.substr(0, space);
    const std::string_view rest =
        space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    const std::string_view code = rest.substr(0, 3);
    if (!IsHttpVersion(version) || code.size() != 3 || !IsDigits(code) ||
        (rest.size() > 3 && rest[3] != ' ')) {
      why = "malformed status line";
      return false;
    }
    out.kind = Kind::kResponse;
    out.version = std::string(version);
    out.status_code = static_cast<int>(*ParseDecimal(code, 999));
    out.reason = std::string(rest.size() > 4 ? rest.substr(4) : std::string_view{});
    return true;
  }
  // METHOD SP * SP HTTP/1.1
  const auto first = line.find(' ');
  const auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
    why = "malformed request line";
    return false;
  }
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (method == "M-SEARCH") {
    out.kind = Kind::kSearch;
  } else if (method == "NOTIFY") {
    out.kind = Kind::kNotify;
  } else {
    why = "not an SSDP method";
    return false;
  }
  if (target != "*") {
    why = "request target is not *";
    return false;
  }
  if (!IsHttpVersion(version)) {
    why = "not HTTP/1.x";
    return false;
  }
  out.version = std::string(version);
  return true;
}

bool ParseHeaderLine(std::string_view line, Message& out, std::string& why) {
  if (line.front() == ' ' || line.front() == '\t') {
    why = "obsolete line folding";
    return false;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    why = "no colon in a header line";
    return false;
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = Trim(line.substr(colon + 1));
  if (!IsToken(name)) {
    why = "malformed header name";
    return false;
  }
  if (HasControlChar(value)) {
    why = "control character in a header value";
    return false;
  }
  if (out.headers.size() == kMaxHeaders) {
    why = "too many headers";
    return false;
  }
  out.headers.push_back({std::string(name), std::string(value)});
  return true;
}

// urn:<domain>:device|service:<name>:<version>, split for version matching.
struct TypeUrn {
  std::string_view base;  // everything before the version, with the last ':'
  std::string_view kind;  // "device" or "service"
  long version = 0;
};

std::optional<TypeUrn> ParseTypeUrn(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 5 || parts[0] != "urn" || parts[1].empty() ||
      (parts[2] != "device" && parts[2] != "service") || parts[3].empty()) {
    return std::nullopt;
  }
  const auto version = ParseDecimal(parts[4], 1'000'000'000L);
  if (!version) return std::nullopt;
  return TypeUrn{text.substr(0, text.size() - parts[4].size()), parts[2], *version};
}

// Our type `advertised` answers a search for `requested` (same domain, kind
// and name; at least the requested version).
bool TypeAnswers(std::string_view advertised, std::string_view requested) {
  const auto ours = ParseTypeUrn(advertised);
  const auto theirs = ParseTypeUrn(requested);
  return ours && theirs && ours->base == theirs->base && ours->version >= theirs->version;
}

void AddHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ':';
  if (!value.empty()) {
    out += ' ';
    out += value;
  }
  out += kCrLf;
}

// BOOTID and CONFIGID (UDA 1.1 §1.2), which every message carries.
void AddBootIds(std::string& out, const Identity& identity) {
  AddHeader(out, "BOOTID.UPNP.ORG", std::to_string(identity.boot_id));
  AddHeader(out, "CONFIGID.UPNP.ORG", std::to_string(identity.config_id));
}

// UDA 1.1 §1.2.2: only when the device answers unicast searches elsewhere.
void AddSearchPort(std::string& out, const Identity& identity) {
  if (identity.search_port != 0) {
    AddHeader(out, "SEARCHPORT.UPNP.ORG", std::to_string(identity.search_port));
  }
}

std::string Sanitized(std::string_view token) {
  if (token.empty()) return "unknown";
  std::string out(token);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return !IsTokenChar(c); }, '_');
  return out;
}

void AppendUtf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Decodes one entity body ("amp", "#233", "#xE9"); false if unknown.
bool DecodeEntity(std::string_view entity, std::string& out) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  for (const auto& [name, c] : kNamed) {
    if (entity == name) {
      out += c;
      return true;
    }
  }
  if (entity.size() < 2 || entity[0] != '#') return false;
  const bool hex = entity[1] == 'x';
  const std::string_view digits = entity.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 6) return false;
  unsigned long code = 0;
  for (const char c : digits) {
    int digit = -1;
    if (IsDigit(c)) {
      digit = c - '0';
    } else if (hex && Lower(c) >= 'a' && Lower(c) <= 'f') {
      digit = Lower(c) - 'a' + 10;
    }
    if (digit < 0) return false;
    code = code * (hex ? 16 : 10) + static_cast<unsigned long>(digit);
  }
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
  AppendUtf8(out, code);
  return true;
}

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto semicolon = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semicolon != std::string_view::npos &&
        DecodeEntity(text.substr(i + 1, semicolon - i - 1), out)) {
      i = semicolon + 1;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string_view> Message::Find(std::string_view name) const {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) return std::string_view(header.value);
  }
  return std::nullopt;
}

std::optional<Message> Parse(std::string_view datagram, std::string& why) {
  if (datagram.empty()) {
    why = "empty datagram";
    return std::nullopt;
  }
  LineReader lines(datagram);
  std::string_view line;
  Message message;
  lines.Next(line);  // the datagram is not empty: it has a first line
  bool ok = NoBareCr(line, why) && ParseStartLine(line, message, why);
  while (ok && lines.Next(line) && !line.empty()) {
    ok = NoBareCr(line, why) && ParseHeaderLine(line, message, why);
  }
  if (!ok) {
    why = "line " + std::to_string(lines.Number()) + ": " + why;
    return std::nullopt;
  }
  return message;
}

std::optional<Search> ValidateSearch(const Message& message, bool multicast, std::string& why) {
  if (message.kind != Kind::kSearch) {
    why = "not an M-SEARCH";
    return std::nullopt;
  }
  const auto man = message.Find("MAN");
  if (!man || *man != kDiscover) {
    why = man ? "MAN is not \"ssdp:discover\" (with the quotes)" : "no MAN header";
    return std::nullopt;
  }
  const auto st = message.Find("ST");
  if (!st || st->empty()) {
    why = "no ST header";
    return std::nullopt;
  }
  if (st->size() > kMaxSearchTarget) {
    why = "ST longer than " + std::to_string(kMaxSearchTarget) + " bytes";
    return std::nullopt;
  }
  Search search{std::string(*st), 0};
  if (!multicast) return search;  // unicast: answer at once, MX is not used
  const auto mx = message.Find("MX");
  if (!mx) {
    why = "multicast M-SEARCH without MX";
    return std::nullopt;
  }
  const auto seconds = ParseDecimal(*mx, kMaxMx);
  if (!seconds) {
    why = "MX is not a number";
    return std::nullopt;
  }
  search.window_s = static_cast<int>(std::max(1L, *seconds));
  return search;
}

std::vector<Advert> Announcements(const Device& device) {
  const std::string udn = "uuid:" + device.uuid;
  std::vector<Advert> adverts = {
      {"upnp:rootdevice", udn + "::upnp:rootdevice"},
      {udn, udn},
      {device.device_type, udn + "::" + device.device_type},
  };
  for (const auto& type : device.service_types) {
    Advert advert{type, udn + "::" + type};
    if (std::find(adverts.begin(), adverts.end(), advert) == adverts.end()) {
      adverts.push_back(std::move(advert));
    }
  }
  return adverts;
}

std::vector<Advert> SearchReplies(const Device& device, std::string_view target) {
  const std::string udn = "uuid:" + device.uuid;
  if (target == "ssdp:all") return Announcements(device);
  if (target == "upnp:rootdevice") return {{std::string(target), udn + "::upnp:rootdevice"}};
  if (StartsWith(target, "uuid:")) {
    // UUIDs compare case-insensitively (RFC 4122); ST still echoes the request.
    if (!EqualsIgnoreCase(target.substr(5), device.uuid)) return {};
    return {{std::string(target), udn}};
  }
  const bool matches =
      TypeAnswers(device.device_type, target) ||
      std::any_of(device.service_types.begin(), device.service_types.end(),
                  [&](const std::string& type) { return TypeAnswers(type, target); });
  if (!matches) return {};
  // Both ST and USN carry the requested version, as gssdp's responder does:
  // a control point looks for the type it asked for.
  return {{std::string(target), udn + "::" + std::string(target)}};
}

bool IsDeviceType(std::string_view text) {
  const auto urn = ParseTypeUrn(text);
  return urn && urn->kind == "device";
}

std::string FormatSearchResponse(const Identity& identity, const Advert& advert,
                                 std::string_view location, std::string_view date) {
  std::string out = "HTTP/1.1 200 OK\r\n";
  AddHeader(out, "CACHE-CONTROL", "max-age=" + std::to_string(identity.max_age));
  AddHeader(out, "DATE", date);
  AddHeader(out, "EXT", "");
  AddHeader(out, "LOCATION", location);
  AddHeader(out, "SERVER", identity.server);
  AddHeader(out, "ST", advert.nt);
  AddHeader(out, "USN", advert.usn);
  AddBootIds(out, identity);
  AddSearchPort(out, identity);
  out += kCrLf;
  return out;
}

std::string FormatAlive(const Identity& identity, const Advert& advert, std::string_view location,
                        std::string_view host) {
  std::string out = "NOTIFY * HTTP/1.1\r\n";
  AddHeader(out, "HOST", host);
  AddHeader(out, "CACHE-CONTROL", "max-age=" + std::to_string(identity.max_age));
  AddHeader(out, "LOCATION", location);
  AddHeader(out, "NT", advert.nt);
  AddHeader(out, "NTS", "ssdp:alive");
  AddHeader(out, "SERVER", identity.server);
  AddHeader(out, "USN", advert.usn);
  AddBootIds(out, identity);
  AddSearchPort(out, identity);
  out += kCrLf;
  return out;
}

std::string FormatByebye(const Identity& identity, const Advert& advert, std::string_view host) {
  std::string out = "NOTIFY * HTTP/1.1\r\n";
  AddHeader(out, "HOST", host);
  AddHeader(out, "NT", advert.nt);
  AddHeader(out, "NTS", "ssdp:byebye");
  AddHeader(out, "USN", advert.usn);
  AddBootIds(out, identity);
  out += kCrLf;
  return out;
}

std::string FormatUpdate(const Identity& identity, const Advert& advert, std::string_view location,
                         std::uint32_t next_boot_id, std::string_view host) {
  std::string out = "NOTIFY * HTTP/1.1\r\n";
  AddHeader(out, "HOST", host);
  AddHeader(out, "LOCATION", location);
  AddHeader(out, "NT", advert.nt);
  AddHeader(out, "NTS", "ssdp:update");
  AddHeader(out, "USN", advert.usn);
  AddBootIds(out, identity);
  AddHeader(out, "NEXTBOOTID.UPNP.ORG", std::to_string(next_boot_id));
  AddSearchPort(out, identity);
  out += kCrLf;
  return out;
}

std::string FormatSearch(std::string_view target, int mx, std::string_view user_agent,
                         std::string_view host) {
  std::string out = "M-SEARCH * HTTP/1.1\r\n";
  AddHeader(out, "HOST", host);
  AddHeader(out, "MAN", kDiscover);
  AddHeader(out, "MX", std::to_string(mx));
  AddHeader(out, "ST", target);
  AddHeader(out, "USER-AGENT", user_agent);
  out += kCrLf;
  return out;
}

std::string HttpDate(std::time_t t) {
  // Names spelled out: strftime's %a and %b follow the locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return text;
}

std::string ProductString(std::string_view os, std::string_view os_version,
                          std::string_view product, std::string_view product_version) {
  return Sanitized(os) + "/" + Sanitized(os_version) + " UPnP/1.1 " + Sanitized(product) + "/" +
         Sanitized(product_version);
}

std::optional<SearchResponse> ValidateSearchResponse(const Message& message, std::string& why) {
  if (message.kind != Kind::kResponse || message.status_code != 200) {
    why = message.kind == Kind::kResponse ? "status is not 200" : "not a response";
    return std::nullopt;
  }
  SearchResponse response;
  const std::pair<const char*, std::string*> required[] = {
      {"ST", &response.st}, {"USN", &response.usn}, {"LOCATION", &response.location}};
  for (const auto& [name, field] : required) {
    const auto value = message.Find(name);
    if (!value || value->empty()) {
      why = std::string("no ") + name + " header";
      return std::nullopt;
    }
    *field = std::string(*value);
  }
  response.server = std::string(message.Find("SERVER").value_or(""));
  return response;
}

std::string_view DeviceOfUsn(std::string_view usn) { return usn.substr(0, usn.find("::")); }

bool IsIPv4Multicast(std::string_view address) {
  long octets[4] = {};
  for (int i = 0; i < 4; ++i) {
    const auto dot = i < 3 ? address.find('.') : address.size();
    if (dot == std::string_view::npos || dot > 3) return false;
    const auto value = ParseDecimal(address.substr(0, dot), 1000);
    if (!value || *value > 255) return false;
    octets[i] = *value;
    address.remove_prefix(std::min(address.size(), dot + 1));
  }
  return address.empty() && octets[0] >= 224 && octets[0] <= 239;
}

bool IsMulticast(std::string_view address) {
  if (IsIPv4Multicast(address)) return true;
  // ff00::/8; the text must still look like IPv6 (a colon after "ffXX").
  return address.size() >= 5 && Lower(address[0]) == 'f' && Lower(address[1]) == 'f' &&
         address.find(':') != std::string_view::npos && address.find('.') == std::string_view::npos;
}

std::string SanitizeForLog(std::string_view text, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const std::size_t shown = std::min(text.size(), max_bytes);
  out.reserve(shown + 16);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F && byte != '\\') {
      out += static_cast<char>(byte);
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  if (shown < text.size()) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::optional<std::string> XmlElementText(std::string_view xml, std::string_view name) {
  const std::string open = "<" + std::string(name);
  for (auto start = xml.find(open); start != std::string_view::npos;
       start = xml.find(open, start + 1)) {
    const auto after = start + open.size();
    // "<name>" or "<name attr=...>", not "<nameOther>".
    if (after >= xml.size() ||
        std::string_view(">/ \t\r\n").find(xml[after]) == std::string_view::npos) {
      continue;
    }
    const auto close = xml.find('>', after);
    if (close == std::string_view::npos) return std::nullopt;
    if (xml[close - 1] == '/') return std::string();  // <name/>
    const auto end = xml.find("</" + std::string(name) + ">", close + 1);
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view content = xml.substr(close + 1, end - close - 1);
    if (content.find('<') != std::string_view::npos) return std::nullopt;  // nested markup
    return XmlUnescape(content);
  }
  return std::nullopt;
}

std::string DeviceDescriptionXml(const DeviceDescription& description, std::uint32_t config_id) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n";
  out += "<root xmlns=\"urn:schemas-upnp-org:device-1-0\" configId=\"" + std::to_string(config_id) +
         "\">\r\n";
  out += "  <specVersion><major>1</major><minor>1</minor></specVersion>\r\n";
  out += "  <device>\r\n";
  const auto element = [&out](std::string_view indent, std::string_view tag,
                              std::string_view text) {
    out += indent;
    out += "<" + std::string(tag) + ">" + XmlEscape(text) + "</" + std::string(tag) + ">\r\n";
  };
  element("    ", "deviceType", description.device_type);
  element("    ", "friendlyName", description.friendly_name);
  element("    ", "manufacturer", description.manufacturer);
  element("    ", "modelName", description.model_name);
  element("    ", "UDN", "uuid:" + description.uuid);
  if (!description.services.empty()) {
    out += "    <serviceList>\r\n";
    for (const auto& service : description.services) {
      out += "      <service>\r\n";
      element("        ", "serviceType", service.type);
      element("        ", "serviceId", service.id);
      element("        ", "SCPDURL", service.scpd_url);
      element("        ", "controlURL", service.control_url);
      element("        ", "eventSubURL", service.event_url);
      out += "      </service>\r\n";
    }
    out += "    </serviceList>\r\n";
  }
  out += "  </device>\r\n</root>\r\n";
  return out;
}

}  // namespace ro::ssdp
