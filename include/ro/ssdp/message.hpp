// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

/// @file
/// SSDP (UPnP Device Architecture 1.1 / 2.0, §1 Discovery) messages of the
/// rodatagram::ssdp component: parsing, validation, search-target matching
/// and formatting. Pure functions on strings, no sockets, so that the unit
/// tests and the fuzz target cover all of it; ro::ssdp::Responder and
/// ro::ssdp::Search (responder.hpp, search.hpp) do the networking.
///
/// @par Thread safety
/// Every function is reentrant: it touches only its arguments.
//
// Parsing is liberal where peers are known to differ and strict where a
// wrong guess would answer something that was not asked:
//  - line ends: CRLF, or a bare LF (some control points send those); a CR
//    anywhere else is an error. Everything this unit formats uses CRLF;
//  - the header block ends at the first empty line or at the end of the
//    datagram (a missing final empty line is tolerated); bytes after the
//    empty line are ignored (SSDP messages have no body);
//  - header names are case-insensitive, values are kept as sent (trimmed of
//    surrounding spaces and tabs) and compared case-sensitively, as the spec
//    says; a name repeated keeps every copy, and Find() returns the first;
//  - methods are case-sensitive ("M-SEARCH", "NOTIFY"); the request target
//    must be "*"; the version must be HTTP/1.x;
//  - obsolete header line folding, control characters in a value, a space
//    before the colon and more than kMaxHeaders headers are errors.

#ifndef RO_SSDP_MESSAGE_HPP_
#define RO_SSDP_MESSAGE_HPP_

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ro/export.hpp>

namespace ro::ssdp {

/// The IPv4 SSDP multicast group.
inline constexpr std::string_view kGroup = "239.255.255.250";
/// The SSDP port.
inline constexpr int kPort = 1900;
/// The IPv6 link-local SSDP group (UDA 1.1 §1.1.2).
inline constexpr std::string_view kGroup6LinkLocal = "ff02::c";
/// The IPv6 site-local SSDP group (UDA 1.1 §1.1.2).
inline constexpr std::string_view kGroup6SiteLocal = "ff05::c";
/// HOST header value of messages sent to kGroup.
inline constexpr std::string_view kHost = "239.255.255.250:1900";
/// HOST header value of messages sent to kGroup6LinkLocal.
inline constexpr std::string_view kHost6LinkLocal = "[FF02::C]:1900";
/// HOST header value of messages sent to kGroup6SiteLocal.
inline constexpr std::string_view kHost6SiteLocal = "[FF05::C]:1900";

/// The longest ST a device answers. Real targets are URNs of well under 200
/// bytes; a longer one is discarded, so that no reply echoes an
/// attacker-sized ST.
inline constexpr std::size_t kMaxSearchTarget = 256;

/// Headers beyond this many make a message invalid (a datagram is small;
/// the bound keeps a hostile one from costing much).
inline constexpr std::size_t kMaxHeaders = 64;

/// The largest MX a device honours (UDA 1.1: "SHOULD be less than 5";
/// larger values are treated as 5).
inline constexpr int kMaxMx = 5;

/// What an HTTPU message is.
enum class Kind {
  kSearch,    ///< M-SEARCH * HTTP/1.1
  kNotify,    ///< NOTIFY * HTTP/1.1
  kResponse,  ///< HTTP/1.1 200 OK (a search response)
};

/// One header line of a message.
struct Header {
  std::string name;   ///< as sent
  std::string value;  ///< trimmed of surrounding spaces and tabs
};

/// One parsed HTTPU message.
struct Message {
  Kind kind = Kind::kSearch;    ///< search, notify or response
  std::string version;          ///< "HTTP/1.1"
  int status_code = 0;          ///< responses only
  std::string reason;           ///< responses only, may be empty
  std::vector<Header> headers;  ///< in the order received

  /// The value of the first header called `name` (ASCII case-insensitive),
  /// or nullopt if there is none.
  [[nodiscard]] RO_API std::optional<std::string_view> Find(std::string_view name) const;
};

/// Parses one datagram. On failure returns nullopt and sets `why` to a short
/// sentence fragment ("line 3: no colon in a header line").
[[nodiscard]] RO_API std::optional<Message> Parse(std::string_view datagram, std::string& why);

/// A valid M-SEARCH, ready to answer.
struct Search {
  std::string target;  ///< ST exactly as sent: replies echo it
  /// Seconds the requester waits for replies: MX clamped to 1..kMaxMx for a
  /// multicast search, 0 (answer at once) for a unicast one. The responder
  /// spreads its replies over this less 1.6 s (docs/ssdp.md, "Searches").
  int window_s = 0;
};

/// Checks an M-SEARCH against UDA 1.1 §1.3.2. `multicast` tells whether it
/// was sent to the group (MX then is required) or to this device (unicast:
/// MX is ignored and the answer is immediate). Returns nullopt with `why`
/// for a message a device must silently discard: not an M-SEARCH, MAN not
/// exactly "ssdp:discover" in quotes, no ST or one over kMaxSearchTarget
/// bytes, or (multicast) an MX that is missing or not a number. MX 0 counts
/// as 1, MX over 5 as 5.
[[nodiscard]] RO_API std::optional<Search> ValidateSearch(const Message& message, bool multicast,
                                                          std::string& why);

/// What a root device (without embedded devices) advertises.
struct Device {
  std::string uuid;                        ///< without the "uuid:" prefix
  std::string device_type;                 ///< "urn:schemas-upnp-org:device:Basic:1"
  std::vector<std::string> service_types;  ///< distinct "urn:...:service:Name:v"
};

/// One notification type (or search target) with its unique service name.
struct Advert {
  std::string nt;   ///< the NT of a NOTIFY, or the ST of a reply
  std::string usn;  ///< "uuid:X", "uuid:X::upnp:rootdevice", "uuid:X::urn:..."
  /// The same advertisement (NT and USN).
  friend bool operator==(const Advert& a, const Advert& b) {
    return a.nt == b.nt && a.usn == b.usn;
  }
};

/// The announcement set of `device`: upnp:rootdevice, uuid:X, the device
/// type, then each distinct service type (3 + k messages).
[[nodiscard]] RO_API std::vector<Advert> Announcements(const Device& device);

/// The replies a search for `target` calls for, each with the ST to send.
/// ssdp:all gets the whole announcement set; upnp:rootdevice and uuid:X get
/// one reply; a device or service type matches when the domain and name are
/// equal and the advertised version is at least the requested one, and the
/// reply then echoes the requested version in ST and USN. Empty if nothing
/// matches.
[[nodiscard]] RO_API std::vector<Advert> SearchReplies(const Device& device,
                                                       std::string_view target);

/// True for a device type URN, "urn:<domain>:device:<name>:<version>".
[[nodiscard]] RO_API bool IsDeviceType(std::string_view text);

/// What every message of one device carries besides its NT/ST and USN.
struct Identity {
  std::string server;           ///< "Linux/6.1 UPnP/1.1 rodatagram-ssdp/0.1"
  int max_age = 1800;           ///< seconds, CACHE-CONTROL
  std::uint32_t boot_id = 1;    ///< BOOTID.UPNP.ORG, 0..2^31-1
  std::uint32_t config_id = 1;  ///< CONFIGID.UPNP.ORG, 0..16777215
  /// SEARCHPORT.UPNP.ORG (49152..65535) when unicast searches must go to a
  /// port other than 1900; 0 leaves the header out.
  int search_port = 0;
};

/// "HTTP/1.1 200 OK" search response with every header UDA 1.1 requires.
/// `date` is an RFC 1123 date (HttpDate()).
[[nodiscard]] RO_API std::string FormatSearchResponse(const Identity& identity,
                                                      const Advert& advert,
                                                      std::string_view location,
                                                      std::string_view date);

/// NOTIFY ssdp:alive for one advert; `host` is the HOST header of the group
/// it goes to (kHost, kHost6LinkLocal, kHost6SiteLocal).
[[nodiscard]] RO_API std::string FormatAlive(const Identity& identity, const Advert& advert,
                                             std::string_view location,
                                             std::string_view host = kHost);

/// NOTIFY ssdp:byebye for one advert.
[[nodiscard]] RO_API std::string FormatByebye(const Identity& identity, const Advert& advert,
                                              std::string_view host = kHost);

/// NOTIFY ssdp:update for one advert (UDA 1.1 §1.2.4): the device's BOOTID
/// is about to become `next_boot_id` because an interface was added.
[[nodiscard]] RO_API std::string FormatUpdate(const Identity& identity, const Advert& advert,
                                              std::string_view location, std::uint32_t next_boot_id,
                                              std::string_view host = kHost);

/// A multicast M-SEARCH for `target` with the given MX, to the group whose
/// HOST header is `host`.
[[nodiscard]] RO_API std::string FormatSearch(std::string_view target, int mx,
                                              std::string_view user_agent,
                                              std::string_view host = kHost);

/// `t` as an RFC 1123 date in GMT: "Sun, 06 Nov 1994 08:49:37 GMT".
[[nodiscard]] RO_API std::string HttpDate(std::time_t t);

/// "<os>/<os_version> UPnP/1.1 <product>/<product_version>", with every
/// character that may not appear in an HTTP product token replaced by '_'.
[[nodiscard]] RO_API std::string ProductString(std::string_view os, std::string_view os_version,
                                               std::string_view product,
                                               std::string_view product_version);

/// A search response as a control point uses it.
struct SearchResponse {
  std::string st;        ///< the ST header
  std::string usn;       ///< the USN header
  std::string location;  ///< the LOCATION header (the description URL)
  std::string server;    ///< may be empty (the header is required, but tolerated)
};

/// Checks a parsed message is a "200" search response with ST, USN and
/// LOCATION (what control points need to use it).
[[nodiscard]] RO_API std::optional<SearchResponse> ValidateSearchResponse(const Message& message,
                                                                          std::string& why);

/// The "uuid:X" part of a USN ("uuid:X::upnp:rootdevice" -> "uuid:X").
[[nodiscard]] RO_API std::string_view DeviceOfUsn(std::string_view usn);

/// True for a dotted-quad IPv4 address in 224.0.0.0/4.
[[nodiscard]] RO_API bool IsIPv4Multicast(std::string_view address);

/// True for an IPv4 multicast address or an IPv6 one (ff00::/8, any case,
/// with or without a "%scope" suffix).
[[nodiscard]] RO_API bool IsMulticast(std::string_view address);

/// `text` made safe for one log line: printable ASCII is kept, every other
/// byte (CR, LF, ESC, bytes >= 0x80, ...) becomes "\xNN", and past
/// `max_bytes` of input the rest is cut and "...(N bytes)" says how long it
/// was. Attacker-supplied fields go through this before they are logged.
[[nodiscard]] RO_API std::string SanitizeForLog(std::string_view text, std::size_t max_bytes = 64);

/// `text` with &, <, >, " and ' replaced by XML entities.
[[nodiscard]] RO_API std::string XmlEscape(std::string_view text);

/// The unescaped text of the first `<name>...</name>` element of `xml`
/// (attributes allowed, no nested elements), or nullopt.
[[nodiscard]] RO_API std::optional<std::string> XmlElementText(std::string_view xml,
                                                               std::string_view name);

/// One service of a device description.
struct ServiceDescription {
  std::string type;         ///< "urn:schemas-rodatagram-org:service:Status:1"
  std::string id;           ///< "urn:rodatagram-org:serviceId:Status"
  std::string scpd_url;     ///< "/status.xml"
  std::string control_url;  ///< "/control/status"
  std::string event_url;    ///< "/event/status"
};

/// What the device description document says.
struct DeviceDescription {
  std::string uuid;                          ///< without "uuid:"
  std::string device_type;                   ///< deviceType
  std::string friendly_name;                 ///< friendlyName
  std::string manufacturer;                  ///< manufacturer
  std::string model_name;                    ///< modelName
  std::vector<ServiceDescription> services;  ///< the serviceList
};

/// The UDA 1.1 device description XML, with `config_id` as the root's
/// configId attribute. Text is XML-escaped.
[[nodiscard]] RO_API std::string DeviceDescriptionXml(const DeviceDescription& description,
                                                      std::uint32_t config_id);

}  // namespace ro::ssdp

#endif  // RO_SSDP_MESSAGE_HPP_
