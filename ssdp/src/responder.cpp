// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// ro::ssdp::Responder. One thread runs the SSDP side as a player script
// would: a Wait loop on a MessagePort fed by the port-1900 socket, the
// unicast search socket (when 1900 is shared) and a NetworkHotplug, with
// delayed work (MX-spread replies, announcement repeats, renewals) kept as
// jobs whose due time is the Wait timeout. The description server runs on a
// second thread (http_server.cpp).

#include <net/if.h>
#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <ro/ro.hpp>
#include <ro/ssdp/responder.hpp>

#include "http_server.hpp"
#include "identity.hpp"
#include "interfaces.hpp"
#include "reply_budget.hpp"

namespace ro::ssdp {
namespace {

using Clock = std::chrono::steady_clock;
using detail::InterfaceAddress;
using detail::LocalInterface;
using std::chrono::milliseconds;

constexpr std::string_view kProduct = "rodatagram-ssdp";
constexpr std::string_view kProductVersion = "0.2";
constexpr std::string_view kDescriptionPath = "/description.xml";
constexpr std::string_view kStatusPath = "/status.xml";
// At most this many replies wait for their MX delay; beyond it a search is
// dropped instead of growing the queue.
constexpr std::size_t kMaxPendingReplies = 512;
// Replies to a multicast search are spread over MX less this (MX 1: none).
// pupnp 1.8 ends its search when time(NULL) reaches start + MX, whole
// seconds, so it listens MX-1 to MX s, and it sends its IPv4 copies 0.4-0.5 s
// after its first IPv6 one. Spread over 3/4 of MX 2, 5 of 20 of its IPv4
// searches lost every reply; see also Netflix/dial-reference#34.
constexpr milliseconds kReplySpreadShortfall{1600};
// UDA 1.1 §1.2.2: each set "a few hundred milliseconds" apart, at most 3 times.
constexpr int kAnnounceSets = 3;
constexpr milliseconds kAnnounceSpacing{300};
// UDA 1.1 §1.2.2: SEARCHPORT.UPNP.ORG is in 49152..65535.
constexpr int kFirstSearchPort = 49152;
constexpr int kSearchPortAttempts = 200;
// IPv6 alive that failed (a tentative address) is tried again this often.
constexpr int kIpv6Retries = 5;
constexpr milliseconds kIpv6RetryDelay{1000};
// Refusals (off-subnet, invalid, over budget) are logged at most this often.
constexpr int kRefusalLinesPerSecond = 10;

constexpr std::string_view kStatusScpd =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<scpd xmlns=\"urn:schemas-upnp-org:service-1-0\">\r\n"
    "  <specVersion><major>1</major><minor>1</minor></specVersion>\r\n"
    "  <serviceStateTable>\r\n"
    "    <stateVariable sendEvents=\"no\"><name>Uptime</name><dataType>ui4</dataType>"
    "</stateVariable>\r\n"
    "  </serviceStateTable>\r\n"
    "</scpd>\r\n";

// Posted by Stop() to end the loop.
struct StopEvent final : ro::Event {
  [[nodiscard]] std::string_view TypeName() const override { return "ssdpStop"; }
};

std::string ServerString() {
  utsname name{};
  if (uname(&name) != 0) return ProductString("unknown", "0", kProduct, kProductVersion);
  return ProductString(name.sysname, name.release, kProduct, kProductVersion);
}

std::string Location(const InterfaceAddress& address, int port) {
  const std::string host = address.ipv6 ? "[" + address.Text() + "]" : address.Text();
  return "http://" + host + ":" + std::to_string(port) + std::string(kDescriptionPath);
}

// Work due at a given time, run from the Wait loop.
class Scheduler {
 public:
  void At(Clock::time_point due, std::function<void()> job) { jobs_.emplace(due, std::move(job)); }
  void RunDue() {
    while (!jobs_.empty() && jobs_.begin()->first <= Clock::now()) {
      auto job = std::move(jobs_.begin()->second);
      jobs_.erase(jobs_.begin());
      job();
    }
  }
  // For ro::Wait: the time to the next job, at least 1 ms (0 waits forever).
  [[nodiscard]] int WaitMs() const {
    if (jobs_.empty()) return 0;
    const auto ms = std::chrono::ceil<milliseconds>(jobs_.begin()->first - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(ms, 1, 24LL * 3600 * 1000));
  }
  void Clear() { jobs_.clear(); }

 private:
  std::multimap<Clock::time_point, std::function<void()>> jobs_;
};

// One served interface.
struct Served {
  LocalInterface local;
  int ttl = 2;
  bool v4 = false;     // joined 239.255.255.250
  bool v6 = false;     // joined FF02::C and FF05::C
  int v6_retries = 0;  // alive re-sent while a new IPv6 address is still tentative
};

enum class Nts { kAlive, kByebye, kUpdate };

}  // namespace

class Responder::Impl {
 public:
  explicit Impl(ResponderOptions options)
      : options_(std::move(options)),
        budget_(options_.budget),
        rng_(std::random_device{}()),
        refusal_window_(Clock::now()) {}

  ~Impl() { Stop(); }

  bool Start() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_);
    if (thread_.joinable()) return true;
    // A restart after Stop() begins afresh: new sockets, no served interfaces.
    udp_ = ro::DatagramSocket();
    search_udp_ = ro::DatagramSocket();
    served_.clear();
    scheduler_.Clear();
    pending_replies_ = 0;
    identity_.search_port = 0;
    std::string why;
    if (!Configure(why) || !OpenHttp(why) || !OpenUdp(why) || !FirstInterfaces(why)) {
      failure_ = why;
      http_.reset();
      udp_.Close();
      search_udp_.Close();
      return false;
    }
    thread_ = std::thread([this] { Loop(); });
    return true;
  }

  void Stop() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_);
    if (!thread_.joinable()) return;
    port_.PostMessage(std::make_shared<StopEvent>());
    thread_.join();
    if (http_) http_->Stop();
  }

  std::string Failure() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return failure_;
  }
  std::string Uuid() const { return device_.uuid; }
  std::uint32_t BootId() const { return boot_id_.load(); }
  std::uint32_t ConfigId() const { return identity_.config_id; }
  int HttpPort() const { return http_ ? http_->Port() : 0; }
  int SearchPort() const { return identity_.search_port; }
  std::vector<std::string> ServedNames() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return served_names_;
  }
  ResponderStatistics Statistics() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return statistics_;
  }

 private:
  // --- Start ---------------------------------------------------------------

  bool Configure(std::string& why) {
    if (!options_.uuid.empty()) {
      if (options_.uuid.rfind("uuid:", 0) == 0) options_.uuid.erase(0, 5);
      if (!detail::IsUuid(options_.uuid)) {
        why = "uuid \"" + SanitizeForLog(options_.uuid) + "\" is not 8-4-4-4-12 hex digits";
        return false;
      }
    }
    if (!IsDeviceType(options_.device_type)) {
      why = "device type \"" + SanitizeForLog(options_.device_type) +
            "\" is not urn:<domain>:device:<name>:<version>";
      return false;
    }
    if (options_.multicast_ttl < 0 || options_.multicast_ttl > 255 || options_.max_age < 60 ||
        options_.max_age > 86400) {
      why = "multicast TTL must be 0..255 and max-age 60..86400 s";
      return false;
    }
    if (options_.http.port < 0 || options_.http.port > 65535 || options_.http.max_connections < 1 ||
        options_.http.request_timeout_ms < 100) {
      why = "HTTP port must be 0..65535, max connections >= 1, request timeout >= 100 ms";
      return false;
    }
    for (const auto& name : options_.interfaces) {
      if (if_nametoindex(name.c_str()) == 0) {
        why = "no interface is called \"" + SanitizeForLog(name) + "\"";
        return false;
      }
    }
    if (options_.services.empty()) {
      options_.services.push_back({"urn:schemas-rodatagram-org:service:Status:1",
                                   "urn:rodatagram-org:serviceId:Status", std::string(kStatusPath),
                                   "/control/status", "/event/status"});
      options_.documents.emplace_back(std::string(kStatusPath), std::string(kStatusScpd));
    }
    const std::string uuid =
        options_.uuid.empty()
            ? detail::NameBasedUuid(detail::MachineId() + "/" + options_.instance_name)
            : options_.uuid;
    device_ = {uuid, options_.device_type, {}};
    for (const auto& service : options_.services) {
      if (std::find(device_.service_types.begin(), device_.service_types.end(), service.type) ==
          device_.service_types.end()) {
        device_.service_types.push_back(service.type);
      }
    }
    const DeviceDescription description{uuid,
                                        options_.device_type,
                                        options_.friendly_name,
                                        options_.manufacturer,
                                        options_.model_name,
                                        options_.services};
    ro::ByteArray bytes;
    bytes.FromAsciiString(DeviceDescriptionXml(description, 0));
    const std::uint32_t crc = bytes.GetCRC32();
    if (options_.state_file.empty()) {
      // Without a state file: seconds since 1970 grow from boot to boot, and
      // a CRC of the description changes with it.
      identity_.boot_id = static_cast<std::uint32_t>(std::time(nullptr)) & 0x7FFFFFFFU;
      identity_.config_id = crc & 0xFFFFFFU;
    } else {
      std::string read_why;
      const auto previous = detail::ReadBootState(options_.state_file, read_why);
      if (!previous && !read_why.empty()) Log("state file ignored: " + read_why);
      boot_state_ = detail::NextBoot(previous, crc);
      if (!detail::WriteBootState(options_.state_file, boot_state_, why)) return false;
      identity_.boot_id = boot_state_.boot_id;
      identity_.config_id = boot_state_.config_id;
    }
    boot_id_ = identity_.boot_id;
    identity_.server = ServerString();
    identity_.max_age = options_.max_age;
    description_xml_ = DeviceDescriptionXml(description, identity_.config_id);
    return true;
  }

  bool OpenHttp(std::string& why) {
    detail::HttpServer::Documents documents{{std::string(kDescriptionPath), description_xml_}};
    for (const auto& [path, body] : options_.documents) documents.emplace(path, body);
    http_ =
        std::make_unique<detail::HttpServer>(std::move(documents), identity_.server, options_.http,
                                             [this](const std::string& line) { Log(line); });
    if (!http_->Listen(why)) return false;
    http_->Start();
    return true;
  }

  bool OpenUdp(std::string& why) {
    // Is 1900 ours alone? If another socket holds it, unicast searches to
    // 1900 reach only the last socket bound (Linux), which may not be this
    // one: take them on a port of our own, announced as SEARCHPORT.
    bool shared = false;
    {
      ro::DatagramSocket probe;
      shared = !probe.BindToLocalAddress(options_.ipv6 ? "::" : "0.0.0.0", kPort) &&
               !(options_.ipv6 && probe.BindToLocalAddress("0.0.0.0", kPort));
    }
    udp_.SetPort(port_);
    udp_.SetReuseAddress(true);
    dual_stack_ = options_.ipv6 && udp_.BindToLocalAddress("::", kPort);
    if (!dual_stack_ && !udp_.BindToLocalAddress("0.0.0.0", kPort)) {
      why = udp_.GetFailureReason();
      return false;
    }
    udp_.SetMulticastLoop(true);  // control points on this host hear NOTIFY
    if (shared) {
      search_udp_.SetPort(port_);
      for (int i = 0; i < kSearchPortAttempts && identity_.search_port == 0; ++i) {
        const int candidate = kFirstSearchPort + i;
        if (search_udp_.BindToLocalAddress(dual_stack_ ? "::" : "0.0.0.0", candidate)) {
          identity_.search_port = candidate;
        }
      }
      if (identity_.search_port == 0) {
        why = "port 1900 is shared and no port in 49152.. is free for unicast searches";
        return false;
      }
      Log("port 1900 is shared with another socket: unicast searches on SEARCHPORT.UPNP.ORG " +
          std::to_string(identity_.search_port));
    }
    hotplug_.SetPort(port_);  // before listing interfaces: no change is missed
    return true;
  }

  bool FirstInterfaces(std::string& why) {
    Log("uuid:" + device_.uuid + " " + device_.device_type + " BOOTID " +
        std::to_string(identity_.boot_id) + " CONFIGID " + std::to_string(identity_.config_id) +
        (options_.interfaces.empty() ? ", all interfaces, following hotplug" : ""));
    Refresh(/*initial=*/true);
    if (!options_.interfaces.empty() && served_.empty()) {
      why = "none of the interfaces named is up with an address";
      return false;
    }
    ScheduleRenewal();
    return true;
  }

  // --- The loop ------------------------------------------------------------

  void Loop() {
    for (;;) {
      scheduler_.RunDue();
      const ro::Message msg = ro::Wait(scheduler_.WaitMs(), port_);
      if (msg == nullptr) continue;  // a job is due
      if (const auto* ev = msg->As<ro::DatagramEvent>()) {
        OnDatagram(*ev);
      } else if (msg->As<ro::NetworkAttachedEvent>() != nullptr ||
                 msg->As<ro::NetworkDetachedEvent>() != nullptr) {
        const auto* net = static_cast<const ro::NetworkEvent*>(msg.get());
        Log(std::string(msg->TypeName()) + " " + net->GetString());
        Refresh(/*initial=*/false);
      } else if (msg->As<StopEvent>() != nullptr) {
        break;
      }
    }
    scheduler_.Clear();  // replies still waiting die with the device
    for (auto& [index, served] : served_) Send(served, Nts::kByebye);
    Log("stopped");
    udp_.Close();
    search_udp_.Close();
  }

  // --- Interfaces ----------------------------------------------------------

  [[nodiscard]] bool Wanted(const LocalInterface& local) const {
    if (!local.up) return false;
    if (options_.interfaces.empty()) {
      return local.multicast && (local.HasIpv4() || (options_.ipv6 && local.HasIpv6()));
    }
    return std::find(options_.interfaces.begin(), options_.interfaces.end(), local.name) !=
           options_.interfaces.end();
  }

  // Brings served_ in line with the interfaces now up: byebye on those that
  // went, ssdp:update + alive when one came (UDA 1.1 §1.2.4).
  void Refresh(bool initial) {
    std::string why;
    const auto list = detail::ListInterfaces(why);
    if (!why.empty()) Log(why);
    std::map<int, LocalInterface> now;
    for (const auto& local : list) {
      if (Wanted(local)) now.emplace(local.index, local);
    }
    for (auto it = served_.begin(); it != served_.end();) {
      if (now.count(it->first) != 0) {
        ++it;
        continue;
      }
      // Best effort: the link may already be gone.
      Log("interface " + it->second.local.name + " left: ssdp:byebye");
      Send(it->second, Nts::kByebye);
      it = served_.erase(it);
    }
    std::vector<int> added;
    for (auto& [index, local] : now) {
      auto found = served_.find(index);
      if (found == served_.end()) {
        Served served;
        served.local = local;
        served.ttl = local.loopback ? 0 : options_.multicast_ttl;
        found = served_.emplace(index, std::move(served)).first;
        added.push_back(index);
      } else {
        found->second.local = local;
      }
      Join(found->second);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      served_names_.clear();
      for (const auto& [index, s] : served_) served_names_.push_back(s.local.name);
    }
    if (added.empty()) return;
    const bool others = served_.size() > added.size();
    if (!initial && others) {
      // An interface was added to a device already announced elsewhere:
      // ssdp:update with NEXTBOOTID on the existing interfaces, then a new
      // BOOTID everywhere.
      const std::uint32_t next = identity_.boot_id >= 0x7FFFFFFFU ? 1 : identity_.boot_id + 1;
      for (auto& [index, s] : served_) {
        if (std::find(added.begin(), added.end(), index) == added.end()) {
          Send(s, Nts::kUpdate, next);
        }
      }
      identity_.boot_id = next;
      boot_id_ = next;
      if (!options_.state_file.empty()) {
        boot_state_.boot_id = next;
        std::string write_why;
        if (!detail::WriteBootState(options_.state_file, boot_state_, write_why)) Log(write_why);
      }
      Log("ssdp:update: BOOTID now " + std::to_string(next));
    }
    // Byebye first on the new interfaces (stale caches of an earlier run are
    // flushed, as gssdp and Platinum do), then alive: on the new interfaces,
    // or on all of them after a BOOTID change.
    for (const int index : added) {
      Served& s = served_.at(index);
      Log("serving " + s.local.name + " (multicast TTL " + std::to_string(s.ttl) +
          (s.local.loopback ? ", loopback: stays on this host" : "") + ")" + Locations(s));
      Send(s, Nts::kByebye);
    }
    std::vector<int> announce = added;
    if (!initial && others) {
      announce.clear();
      for (const auto& [index, s] : served_) announce.push_back(index);
    }
    ScheduleAlive(announce, milliseconds(std::uniform_int_distribution<int>(0, 100)(rng_)));
  }

  // Addresses can be added to an interface without a hotplug event: before
  // refusing a source, look again (at most once a second).
  bool RefreshAddresses() {
    const auto now = Clock::now();
    if (now - addresses_read_ < std::chrono::seconds(1)) return false;
    addresses_read_ = now;
    std::string why;
    for (const auto& local : detail::ListInterfaces(why)) {
      const auto it = served_.find(local.index);
      if (it == served_.end()) continue;
      it->second.local = local;
      Join(it->second);
    }
    return true;
  }

  void Join(Served& s) {
    const std::string& name = s.local.name;
    if (!s.v4 && s.local.HasIpv4()) {
      s.v4 = udp_.JoinMulticastGroup(kGroup, name);
      if (!s.v4) Log(udp_.GetFailureReason());
    }
    if (!s.v6 && dual_stack_ && !s.local.loopback &&
        detail::FirstAddress(s.local, true, true).has_value()) {
      s.v6 = udp_.JoinMulticastGroup(kGroup6LinkLocal, name) &&
             udp_.JoinMulticastGroup(kGroup6SiteLocal, name);
      if (!s.v6) Log(udp_.GetFailureReason());
    }
  }

  [[nodiscard]] std::string Locations(const Served& s) const {
    std::string out;
    for (const auto& a : s.local.addresses) {
      if (a.ipv6 && !s.v6) continue;
      if (!a.ipv6 && !s.v4) continue;
      out += ", LOCATION " + Location(a, http_->Port());
    }
    return out;
  }

  // --- Announcements -------------------------------------------------------

  void ScheduleAlive(const std::vector<int>& indexes, milliseconds delay) {
    const auto start = Clock::now() + delay;
    for (int set = 0; set < kAnnounceSets; ++set) {
      scheduler_.At(start + set * kAnnounceSpacing, [this, indexes] {
        for (const int index : indexes) {
          const auto it = served_.find(index);
          if (it != served_.end()) Send(it->second, Nts::kAlive);
        }
      });
    }
  }

  // Renew before expiry: at a random moment in [max-age/4, max-age/2).
  void ScheduleRenewal() {
    const int half_ms = options_.max_age * 500;
    const milliseconds next(std::uniform_int_distribution<int>(half_ms / 2, half_ms - 1)(rng_));
    scheduler_.At(Clock::now() + next, [this] {
      Refresh(false);
      std::vector<int> all;
      for (const auto& [index, s] : served_) all.push_back(index);
      ScheduleAlive(all, milliseconds(0));
      ScheduleRenewal();
    });
  }

  // Multicasts one NOTIFY set out of `s`: to 239.255.255.250 with an IPv4
  // LOCATION, to FF02::C with a link-local one and, when the interface has
  // a wider-scope IPv6 address, to FF05::C with that one.
  void Send(const Served& s, Nts nts, std::uint32_t next_boot_id = 0) {
    if (!udp_.SetMulticastInterface(s.local.name) || !udp_.SetMulticastTTL(s.ttl)) {
      Log("NOTIFY on " + s.local.name + ": " + udp_.GetFailureReason());
      return;
    }
    struct Target {
      std::string_view group;
      std::string_view host;
      std::optional<InterfaceAddress> address;
    };
    std::vector<Target> targets;
    if (s.v4) targets.push_back({kGroup, kHost, detail::FirstAddress(s.local, false, false)});
    if (s.v6) {
      targets.push_back(
          {kGroup6LinkLocal, kHost6LinkLocal, detail::FirstAddress(s.local, true, true)});
      if (auto wide = detail::FirstAddress(s.local, true, false)) {
        targets.push_back({kGroup6SiteLocal, kHost6SiteLocal, wide});
      }
    }
    const auto adverts = Announcements(device_);
    int sent = 0;
    int failed = 0;
    bool v6_failed = false;
    for (const auto& target : targets) {
      if (!target.address) continue;
      const std::string location = Location(*target.address, http_->Port());
      for (const auto& advert : adverts) {
        std::string message;
        switch (nts) {
          case Nts::kAlive:
            message = FormatAlive(identity_, advert, location, target.host);
            break;
          case Nts::kByebye:
            message = FormatByebye(identity_, advert, target.host);
            break;
          case Nts::kUpdate:
            message = FormatUpdate(identity_, advert, location, next_boot_id, target.host);
            break;
        }
        if (udp_.SendTo(target.group, kPort, message) == 0) {
          ++sent;
        } else {
          ++failed;
          v6_failed = v6_failed || target.group != kGroup;
        }
      }
    }
    // A link-local address is unusable for about a second after the link
    // comes up (duplicate address detection): IPv6 alive is sent again
    // shortly, a few times, instead of waiting for the renewal.
    if (nts == Nts::kAlive && v6_failed && s.v6_retries < kIpv6Retries) {
      const int index = s.local.index;
      scheduler_.At(Clock::now() + kIpv6RetryDelay, [this, index] {
        const auto it = served_.find(index);
        if (it == served_.end()) return;
        ++it->second.v6_retries;
        Send(it->second, Nts::kAlive);
      });
    }
    static constexpr std::string_view kNames[] = {"ssdp:alive", "ssdp:byebye", "ssdp:update"};
    Log("NOTIFY " + std::string(kNames[static_cast<int>(nts)]) + " x" + std::to_string(sent) +
        " on " + s.local.name + " (TTL " + std::to_string(s.ttl) + ")" +
        (failed > 0 ? ", " + std::to_string(failed) + " failed: " + udp_.GetFailureReason()
                    : std::string()));
  }

  // --- Searches ------------------------------------------------------------

  void OnDatagram(const ro::DatagramEvent& ev) {
    const bool on_search_port = ev.GetSourceIdentity() == search_udp_.GetIdentity();
    std::string why;
    const auto message = Parse(ev.GetPayload(), why);
    // Our own NOTIFYs come back (multicast loop), as do other devices'
    // announcements: only searches matter.
    if (!message || message->kind != Kind::kSearch) {
      if (!message) Count(&ResponderStatistics::invalid);
      return;
    }
    const std::string host = ev.GetSourceHost();
    const int source_port = ev.GetSourcePort();
    const std::string destination = ev.GetDestinationHost();
    const bool multicast = !on_search_port && (destination.empty() || IsMulticast(destination));
    const std::string from = "M-SEARCH from " + host + ":" + std::to_string(source_port) +
                             (multicast ? " to the group" : " unicast") + " on " +
                             ev.GetInterfaceName();
    const auto served = served_.find(ev.GetInterfaceIndex());
    const auto source = detail::ParseAddress(host);
    if (served == served_.end() || !source) {
      Refuse(from + ": not a served interface", &ResponderStatistics::invalid);
      return;
    }
    // miniupnpd's rule: a search from outside the subnets of the interface
    // it arrived on is spoofed or routed from afar; its reply could be
    // aimed at a third party.
    if (!detail::OnSubnet(served->second.local, *source) &&
        (!RefreshAddresses() || !detail::OnSubnet(served->second.local, *source))) {
      Refuse(from + ": source is not on a subnet of " + served->second.local.name,
             &ResponderStatistics::off_subnet);
      return;
    }
    const auto search = ValidateSearch(*message, multicast, why);
    if (!search) {
      Refuse(from + ": discarded: " + why, &ResponderStatistics::invalid);
      return;
    }
    Count(&ResponderStatistics::searches);
    const auto now = Clock::now();
    budget_.OnRequest(host, ev.GetPayloadSize(), now);
    const auto replies = SearchReplies(device_, search->target);
    const auto address = detail::AddressFor(served->second.local, *source);
    if (replies.empty() || !address) {
      Log(from + ": ST " + SanitizeForLog(search->target) + ": no match");
      return;
    }
    const std::string location = Location(*address, http_->Port());
    // A unicast search (window 0) is answered at once, and so is MX 1.
    const auto spread = std::chrono::seconds(search->window_s) - kReplySpreadShortfall;
    std::uniform_int_distribution<int> delay_ms(0,
                                                std::max(0, static_cast<int>(spread.count()) - 1));
    std::size_t accepted = 0;
    for (const auto& advert : replies) {
      const std::size_t size =
          FormatSearchResponse(identity_, advert, location, HttpDate(std::time(nullptr))).size();
      if (pending_replies_ >= kMaxPendingReplies || !budget_.TrySpend(host, size, now)) {
        Count(&ResponderStatistics::dropped_by_budget);
        continue;
      }
      ++accepted;
      ++pending_replies_;
      const auto due = now + milliseconds(delay_ms(rng_));
      scheduler_.At(due, [this, host, source_port, advert, location, on_search_port] {
        --pending_replies_;
        SendReply(on_search_port ? search_udp_ : udp_, host, source_port, advert, location);
      });
    }
    const std::string summary =
        from + ": ST " + SanitizeForLog(search->target) + " MX " +
        SanitizeForLog(message->Find("MX").value_or("-"), 8) + " -> " + std::to_string(accepted) +
        " of " + std::to_string(replies.size()) + " replies" +
        (search->window_s > 0 ? " within " + std::to_string(search->window_s) + " s" : " now");
    if (accepted < replies.size()) {
      Refuse(summary + " (reply budget)", nullptr);
    } else {
      Log(summary);
    }
    scheduler_.RunDue();  // unicast: answer at once
  }

  void SendReply(ro::DatagramSocket& socket, const std::string& host, int port,
                 const Advert& advert, const std::string& location) {
    const std::string reply =
        FormatSearchResponse(identity_, advert, location, HttpDate(std::time(nullptr)));
    if (socket.SendTo(host, port, reply) != 0) {
      Log("reply to " + host + ":" + std::to_string(port) + ": " + socket.GetFailureReason());
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++statistics_.replies;
    statistics_.reply_bytes += reply.size();
  }

  // --- Logging and counters ------------------------------------------------

  void Log(const std::string& line) {
    if (!options_.log) return;
    std::lock_guard<std::mutex> lock(log_mutex_);
    options_.log(line);
  }

  void Count(std::uint64_t ResponderStatistics::*counter) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++(statistics_.*counter);
  }

  // Counts and logs a refused datagram; under a flood only a few lines per
  // second are written, then one line says how many were left out.
  void Refuse(const std::string& line, std::uint64_t ResponderStatistics::*counter) {
    if (counter != nullptr) Count(counter);
    const auto now = Clock::now();
    if (now - refusal_window_ >= std::chrono::seconds(1)) {
      if (refusals_suppressed_ > 0) {
        Log(std::to_string(refusals_suppressed_) + " similar lines left out");
      }
      refusal_window_ = now;
      refusal_lines_ = 0;
      refusals_suppressed_ = 0;
    }
    if (refusal_lines_ < kRefusalLinesPerSecond) {
      ++refusal_lines_;
      Log(line);
    } else {
      ++refusals_suppressed_;
    }
  }

  ResponderOptions options_;
  Device device_;
  Identity identity_;
  detail::BootState boot_state_;
  std::atomic<std::uint32_t> boot_id_{0};
  std::string description_xml_;
  std::unique_ptr<detail::HttpServer> http_;
  ro::MessagePort port_;
  ro::DatagramSocket udp_;         // port 1900: multicast and unicast searches, NOTIFY
  ro::DatagramSocket search_udp_;  // SEARCHPORT.UPNP.ORG, only when 1900 is shared
  ro::NetworkHotplug hotplug_;
  bool dual_stack_ = false;
  std::map<int, Served> served_;  // by interface index; loop thread only
  Scheduler scheduler_;
  std::size_t pending_replies_ = 0;
  detail::ReplyBudget budget_;
  std::mt19937 rng_;
  Clock::time_point refusal_window_;
  Clock::time_point addresses_read_{};
  int refusal_lines_ = 0;
  int refusals_suppressed_ = 0;
  std::thread thread_;
  std::mutex lifecycle_;
  mutable std::mutex mutex_;  // failure_, statistics_, served_names_
  std::mutex log_mutex_;
  std::string failure_;
  ResponderStatistics statistics_;
  std::vector<std::string> served_names_;
};

Responder::Responder(ResponderOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
Responder::~Responder() = default;
Responder::Responder(Responder&&) noexcept = default;
Responder& Responder::operator=(Responder&&) noexcept = default;

bool Responder::Start() { return impl_ != nullptr && impl_->Start(); }
void Responder::Stop() {
  if (impl_) impl_->Stop();
}
std::string Responder::GetFailureReason() const {
  return impl_ ? impl_->Failure() : "the responder was moved from";
}
std::string Responder::GetUuid() const { return impl_ ? impl_->Uuid() : std::string(); }
std::uint32_t Responder::GetBootId() const { return impl_ ? impl_->BootId() : 0; }
std::uint32_t Responder::GetConfigId() const { return impl_ ? impl_->ConfigId() : 0; }
int Responder::GetHttpPort() const { return impl_ ? impl_->HttpPort() : 0; }
int Responder::GetSearchPort() const { return impl_ ? impl_->SearchPort() : 0; }
std::vector<std::string> Responder::GetServedInterfaces() const {
  return impl_ ? impl_->ServedNames() : std::vector<std::string>{};
}
ResponderStatistics Responder::GetStatistics() const {
  return impl_ ? impl_->Statistics() : ResponderStatistics{};
}

}  // namespace ro::ssdp
