// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#ifndef RO_SSDP_RESPONDER_HPP_
#define RO_SSDP_RESPONDER_HPP_

/// @file
/// ro::ssdp::Responder: a UPnP root device announced and found over SSDP
/// (UDA 1.1 / 2.0 §1) on IPv4 and IPv6, with its description served over
/// HTTP. Part of the rodatagram::ssdp component (library rodatagram_ssdp),
/// built only on the public ro API.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ro/export.hpp>
#include <ro/ssdp/message.hpp>

namespace ro::ssdp {

/// Reply budgets against amplification: what any one source, and all of
/// them together, can make the device send.
struct BudgetOptions {
  /// Bytes of replies a source earns per byte of request it sends.
  double ratio = 3.0;
  /// Reply bytes a source may draw before it has earned any: one answer to
  /// `ssdp:all` for a device with a handful of services.
  std::size_t per_source_burst_bytes = 4096;
  /// How fast an idle source's allowance comes back, bytes per second.
  std::size_t per_source_bytes_per_second = 512;
  /// All replies together: a token bucket of this rate and depth.
  std::size_t global_bytes_per_second = 64 * 1024;
  /// The depth of that bucket, in bytes.
  std::size_t global_burst_bytes = 64 * 1024;
  /// Sources tracked at once (the table is bounded).
  std::size_t max_sources = 1024;
};

/// What the description server accepts.
struct HttpOptions {
  /// TCP port; 0 picks a free one (see Responder::GetHttpPort()).
  int port = 0;
  /// Connections served at once; more wait in the listen backlog.
  int max_connections = 32;
  /// A connection that has not sent its whole request by then is closed.
  int request_timeout_ms = 5000;
};

/// Everything a Responder announces and how.
struct ResponderOptions {
  /// Interfaces to serve, by name. Empty: **every** interface that is up
  /// and multicast-capable, following hotplug (interfaces that come are
  /// announced with ssdp:update + alive, interfaces that go get byebye).
  std::vector<std::string> interfaces;
  /// The device UUID without "uuid:". Empty: a version 5 UUID derived from
  /// the machine id (/etc/machine-id) and `instance_name`, so it is the same
  /// after every restart (UDA 1.1 §1.1.4).
  std::string uuid;
  /// Tells several responders on one machine apart when `uuid` is derived.
  std::string instance_name = "rodatagram-ssdp";
  /// deviceType of the description, and the NT of its device advertisement.
  std::string device_type = "urn:schemas-upnp-org:device:Basic:1";
  /// friendlyName of the description.
  std::string friendly_name = "rodatagram SSDP device";
  /// manufacturer of the description.
  std::string manufacturer = "rodatagram";
  /// modelName of the description.
  std::string model_name = "rodatagram-ssdp";
  /// The services of the root device (the 3 + k announcement set). Each
  /// service's scpd_url must be served by one of `documents`.
  std::vector<ServiceDescription> services;
  /// Extra documents of the HTTP server: path ("/status.xml") and body.
  std::vector<std::pair<std::string, std::string>> documents;
  /// Multicast TTL / hop limit of NOTIFY, 0..255 (UDA 1.1: default 2). A
  /// loopback interface always uses 0.
  int multicast_ttl = 2;
  /// CACHE-CONTROL max-age, 60..86400 s; alive is renewed at a random moment
  /// before half of it has passed.
  int max_age = 1800;
  /// Also serve IPv6: FF02::C and FF05::C on every served interface with an
  /// IPv6 address.
  bool ipv6 = true;
  /// BOOTID.UPNP.ORG / CONFIGID.UPNP.ORG are kept in this file and advanced
  /// on every start (CONFIGID only when the description changed). Empty:
  /// BOOTID is the start time in seconds, CONFIGID a CRC of the description.
  std::string state_file;
  /// Reply budgets against amplification.
  BudgetOptions budget;
  /// The description server's limits.
  HttpOptions http;
  /// Receives one line per event (search, reply, announcement, HTTP
  /// request, refusal). Attacker-supplied text in it is sanitized and
  /// length-limited. Called from the responder's threads, one call at a
  /// time; empty: no log.
  std::function<void(std::string_view line)> log;
};

/// Counters of a Responder.
struct ResponderStatistics {
  std::uint64_t searches = 0;           ///< valid M-SEARCH received
  std::uint64_t replies = 0;            ///< search responses sent
  std::uint64_t reply_bytes = 0;        ///< their bytes
  std::uint64_t dropped_by_budget = 0;  ///< replies a budget refused
  std::uint64_t off_subnet = 0;         ///< searches from outside the arrival interface's subnets
  std::uint64_t invalid = 0;            ///< datagrams to port 1900 that were discarded
};

/// A UPnP root device on SSDP.
///
/// Start() binds UDP 1900 (shared, SO_REUSEADDR), joins 239.255.255.250 and
/// FF02::C / FF05::C on each served interface, starts the description
/// server, multicasts one ssdp:byebye set (clearing caches of a previous
/// run) and then ssdp:alive three times, and answers M-SEARCH from sources
/// on the subnets of the interface the search arrived on, within the reply
/// budgets, with a LOCATION on that interface in the source's address
/// scope. When another socket already holds 1900, unicast searches are taken
/// on a port in 49152..65535 announced as SEARCHPORT.UPNP.ORG.
///
/// **Example**
/// ```
/// ro::ssdp::ResponderOptions options;
/// options.friendly_name = "Lobby sign";
/// ro::ssdp::Responder device(options);
/// if (!device.Start()) std::puts(device.GetFailureReason().c_str());
/// ...                                           // serve until done
/// device.Stop();                                // byebye
/// ```
///
/// @par Thread safety
/// Every member may be called from any thread. The responder runs on two
/// threads of its own (SSDP and HTTP), started by Start() in the network
/// namespace of the calling thread.
///
/// @par Lifetime
/// Move-only. Stop() (and the destructor) sends byebye on every served
/// interface and joins the threads before it returns.
class RO_API Responder {
 public:
  /// A stopped responder with `options` (checked by Start()).
  explicit Responder(ResponderOptions options);
  ~Responder();
  /// Takes over `other`'s responder; `other` is left empty.
  Responder(Responder&& other) noexcept;
  /// Stops this responder, then takes over `other`'s.
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  /// Opens the sockets and starts announcing (again, after Stop(): with a
  /// new BOOTID when a state file is used).
  /// @returns false (see GetFailureReason()) on bad options, when port 1900
  /// and the HTTP port cannot be bound, or when a named interface does not
  /// exist; true if already running.
  bool Start();
  /// Withdraws the device (ssdp:byebye) and stops. Harmless when stopped.
  void Stop();
  /// Why Start() failed; empty otherwise.
  [[nodiscard]] std::string GetFailureReason() const;

  /// The UUID in use (without "uuid:").
  [[nodiscard]] std::string GetUuid() const;
  /// BOOTID.UPNP.ORG now (it grows when interfaces are added).
  [[nodiscard]] std::uint32_t GetBootId() const;
  /// CONFIGID.UPNP.ORG now.
  [[nodiscard]] std::uint32_t GetConfigId() const;
  /// The description server's port, after Start().
  [[nodiscard]] int GetHttpPort() const;
  /// SEARCHPORT.UPNP.ORG, or 0 when unicast searches go to 1900.
  [[nodiscard]] int GetSearchPort() const;
  /// Names of the interfaces served now.
  [[nodiscard]] std::vector<std::string> GetServedInterfaces() const;
  /// What the responder has done so far.
  [[nodiscard]] ResponderStatistics GetStatistics() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ro::ssdp

#endif  // RO_SSDP_RESPONDER_HPP_
