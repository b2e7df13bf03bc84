// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// ssdp_responder: a UPnP Device Architecture 1.1 root device that control
// points find over SSDP, written against the ro API the way a BrightScript
// player script is written:
//
//   mp = CreateObject("roMessagePort")
//   udp = CreateObject("roDatagramSocket") : udp.SetPort(mp)
//   udp.BindToLocalPort(1900) : udp.JoinMulticastGroup("239.255.255.250")
//   while true
//     ev = wait(timeout, mp)              ' timeout = time to the next due reply
//     if type(ev) = "roDatagramEvent" and Left(ev.GetString(), 8) = "M-SEARCH" then
//       udp.SendTo(ev.GetSourceHost(), ev.GetSourcePort(), reply$)
//     end if
//   end while
//
// One socket on port 1900 does everything: it receives multicast and unicast
// M-SEARCH, answers each from port 1900 to the requester's address and port,
// and multicasts NOTIFY ssdp:alive / ssdp:byebye. Replies to a multicast
// search are spread at random over its MX seconds without blocking: they are
// jobs with a due time, and the Wait timeout is the time to the next job.
// SIGINT / SIGTERM become an event on the same port, after which every NT is
// withdrawn with ssdp:byebye. A small HTTP server (Asio TCP, its own thread)
// serves the device description at LOCATION.
//
// The SSDP messages themselves are parsed and formatted by
// examples/ssdp/ssdp_message.{hpp,cpp}; docs/ssdp.md describes the example.

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <fmt/core.h>

#include <ro/ro.hpp>

#include "ssdp/local_interface.hpp"
#include "ssdp/ssdp_message.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kProduct = "rodatagram-ssdp";
constexpr std::string_view kProductVersion = "0.1";
constexpr std::string_view kDescriptionPath = "/description.xml";
constexpr std::string_view kStatusPath = "/status.xml";
// At most this many replies wait for their MX delay; a flood of searches
// beyond it is dropped instead of growing the queue without bound.
constexpr std::size_t kMaxPendingReplies = 512;
// Each announcement is sent as this many sets, kAnnounceSpacing apart (UDA:
// "a few hundred milliseconds", "SHOULD NOT be sent more than three times").
constexpr int kAnnounceSets = 3;
constexpr milliseconds kAnnounceSpacing{300};

constexpr const char* kUsage =
    "usage: ssdp_responder [--interface NAME] [--uuid UUID] [--http-port N]\n"
    "                      [--device-type URN] [--friendly-name TEXT] [--ttl N]\n"
    "                      [--max-age SECONDS] [--quiet]\n"
    "\n"
    "A UPnP 1.1 root device announced over SSDP on port 1900.\n"
    "\n"
    "  --interface NAME     interface to serve (repeat for several); default lo\n"
    "  --uuid UUID          device UUID; default: a new random one each run\n"
    "  --http-port N        port of the description server; default 0 (any free port)\n"
    "  --device-type URN    default urn:schemas-upnp-org:device:Basic:1\n"
    "  --friendly-name TEXT default \"rodatagram SSDP example\"\n"
    "  --ttl N              multicast TTL of NOTIFY, 0..255; default 2 (UDA 1.1).\n"
    "                       A loopback interface always uses TTL 0: nothing sent\n"
    "                       there may leave the host.\n"
    "  --max-age SECONDS    CACHE-CONTROL max-age, 60..86400; default 1800\n"
    "  --quiet              print only errors\n";

struct Options {
  std::vector<std::string> interfaces;
  std::string uuid;
  int http_port = 0;
  std::string device_type = "urn:schemas-upnp-org:device:Basic:1";
  std::string friendly_name = "rodatagram SSDP example";
  int ttl = 2;
  int max_age = 1800;
  bool quiet = false;
};

bool ParseInt(std::string_view text, int low, int high, int& out) {
  if (text.empty() || text.size() > 9) return false;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < low || value > high) return false;
  out = value;
  return true;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = text[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

// A random (version 4) UUID.
std::string RandomUuid() {
  std::random_device device;
  std::array<std::uint8_t, 16> bytes{};
  for (auto& b : bytes) b = static_cast<std::uint8_t>(device());
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += fmt::format("{:02x}", bytes[i]);
  }
  return text;
}

// nullopt to run, or the exit status: 0 after --help, 2 on a usage error.
std::optional<int> ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--quiet") {
      options.quiet = true;
      continue;
    }
    static constexpr std::string_view kWithValue[] = {
        "--interface",     "--uuid", "--http-port", "--device-type",
        "--friendly-name", "--ttl",  "--max-age"};
    if (std::find(std::begin(kWithValue), std::end(kWithValue), arg) == std::end(kWithValue)) {
      fmt::print(stderr, "ssdp_responder: unknown option {}\n{}", arg, kUsage);
      return 2;
    }
    if (i + 1 >= argc) {
      fmt::print(stderr, "ssdp_responder: {} needs a value\n{}", arg, kUsage);
      return 2;
    }
    const std::string_view value = argv[++i];
    bool ok = true;
    if (arg == "--interface") {
      options.interfaces.emplace_back(value);
    } else if (arg == "--uuid") {
      options.uuid = std::string(value.substr(0, 5) == "uuid:" ? value.substr(5) : value);
      ok = IsUuid(options.uuid);
    } else if (arg == "--http-port") {
      ok = ParseInt(value, 0, 65535, options.http_port);
    } else if (arg == "--device-type") {
      options.device_type = std::string(value);
      ok = ssdp::IsDeviceType(value);
    } else if (arg == "--friendly-name") {
      options.friendly_name = std::string(value);
      // XML 1.0 allows no control characters; the name goes into the description.
      ok = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20;
      });
    } else if (arg == "--ttl") {
      ok = ParseInt(value, 0, 255, options.ttl);
    } else {  // --max-age
      ok = ParseInt(value, 60, 86400, options.max_age);
    }
    if (!ok) {
      fmt::print(stderr, "ssdp_responder: invalid value for {}: \"{}\"\n", arg, value);
      return 2;
    }
  }
  if (options.interfaces.empty()) options.interfaces.emplace_back("lo");
  if (options.uuid.empty()) options.uuid = RandomUuid();
  return std::nullopt;
}

// "Linux/6.1.0 UPnP/1.1 rodatagram-ssdp/0.1" for SERVER and the HTTP Server header.
std::string ServerString() {
  utsname name{};
  if (uname(&name) != 0) return ssdp::ProductString("unknown", "0", kProduct, kProductVersion);
  return ssdp::ProductString(name.sysname, name.release, kProduct, kProductVersion);
}

// The one service the device offers, so that service-type searches and the
// 3 + k announcement set have something to find. It has no actions.
constexpr std::string_view kStatusScpd =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<scpd xmlns=\"urn:schemas-upnp-org:service-1-0\">\r\n"
    "  <specVersion><major>1</major><minor>1</minor></specVersion>\r\n"
    "  <serviceStateTable>\r\n"
    "    <stateVariable sendEvents=\"no\"><name>Uptime</name><dataType>ui4</dataType>"
    "</stateVariable>\r\n"
    "  </serviceStateTable>\r\n"
    "</scpd>\r\n";

ssdp::ServiceDescription StatusService() {
  return {"urn:schemas-rodatagram-org:service:Status:1", "urn:rodatagram-org:serviceId:Status",
          std::string(kStatusPath), "/control/status", "/event/status"};
}

// --- Printing ------------------------------------------------------------------
//
// Both threads print; each fmt::print is one stdio call, and stdio locks the
// stream per call, so lines never interleave.

std::atomic<bool> g_quiet{false};

template <class... Args>
void Say(fmt::format_string<Args...> format, Args&&... args) {
  if (!g_quiet) fmt::print("{}\n", fmt::format(format, std::forward<Args>(args)...));
}

// --- HTTP server ---------------------------------------------------------------

// Serves fixed documents over HTTP/1.1, one request per connection, on its
// own thread and io_context: TCP is outside the ro API, so it stays out of
// the Wait loop.
class HttpServer {
 public:
  using Documents = std::map<std::string, std::string, std::less<>>;

  HttpServer(Documents documents, std::string server)
      : documents_(std::move(documents)), server_(std::move(server)) {}
  ~HttpServer() { Stop(); }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on `port` of each address (0: the first gets a free port, the
  // others the same one).
  bool Listen(const std::vector<std::string>& addresses, int port, std::string& why) {
    for (const auto& address : addresses) {
      asio::error_code error;
      const auto ip = asio::ip::make_address(address, error);
      asio::ip::tcp::acceptor acceptor(io_);
      const asio::ip::tcp::endpoint endpoint(
          ip, static_cast<unsigned short>(port_ != 0 ? port_ : port));
      if (!error) acceptor.open(endpoint.protocol(), error);
      if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
      if (!error) acceptor.bind(endpoint, error);
      if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
      if (error) {
        why = fmt::format("HTTP server on {}:{}: {}", address, endpoint.port(), error.message());
        return false;
      }
      port_ = acceptor.local_endpoint().port();
      acceptors_.push_back(std::move(acceptor));
    }
    return true;
  }

  [[nodiscard]] int Port() const { return port_; }

  void Start() {
    for (auto& acceptor : acceptors_) Accept(acceptor);
    thread_ = std::thread([this] { io_.run(); });
  }

  void Stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  static constexpr std::size_t kMaxRequest = 8192;
  static constexpr std::chrono::seconds kRequestTimeout{5};

  struct Session {
    explicit Session(asio::io_context& io) : socket(io), timer(io) {}
    asio::ip::tcp::socket socket;
    asio::steady_timer timer;
    std::string request;
    std::string response;
  };

  void Accept(asio::ip::tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](asio::error_code error, asio::ip::tcp::socket peer) {
      if (error == asio::error::operation_aborted) return;
      if (!error) Serve(std::move(peer));
      Accept(acceptor);
    });
  }

  void Serve(asio::ip::tcp::socket peer) {
    auto session = std::make_shared<Session>(io_);
    session->socket = std::move(peer);
    // A client that never finishes its request is cut off.
    session->timer.expires_after(kRequestTimeout);
    session->timer.async_wait([session](asio::error_code error) {
      if (!error) session->socket.close();
    });
    asio::async_read_until(
        session->socket, asio::dynamic_buffer(session->request, kMaxRequest), "\r\n\r\n",
        [this, session](asio::error_code error, std::size_t) { OnRequest(session, error); });
  }

  void OnRequest(const std::shared_ptr<Session>& session, asio::error_code error) {
    if (error) {  // closed, timed out, or a request over kMaxRequest
      session->timer.cancel();
      return;
    }
    Respond(*session);
    asio::async_write(session->socket, asio::buffer(session->response),
                      [session](asio::error_code, std::size_t) {
                        asio::error_code ignored;
                        session->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                        session->timer.cancel();
                      });
  }

  // Fills session.response for the request line "METHOD SP path SP version".
  void Respond(Session& session) const {
    const std::string_view request(session.request);
    const std::string_view line = request.substr(0, request.find("\r\n"));
    const auto space = line.find(' ');
    const std::string_view method = line.substr(0, space);
    std::string_view path =
        space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    path = path.substr(0, path.find(' '));
    path = path.substr(0, path.find('?'));

    int status = 200;
    std::string_view reason = "OK";
    std::string_view body;
    const auto document = documents_.find(path);
    if (method != "GET" && method != "HEAD") {
      status = 405;
      reason = "Method Not Allowed";
    } else if (document == documents_.end()) {
      status = 404;
      reason = "Not Found";
    } else {
      body = document->second;
    }
    std::string& out = session.response;
    out = fmt::format("HTTP/1.1 {} {}\r\n", status, reason);
    if (status == 405) out += "ALLOW: GET, HEAD\r\n";
    if (status == 200) out += "CONTENT-TYPE: text/xml; charset=\"utf-8\"\r\n";
    out += fmt::format("CONTENT-LENGTH: {}\r\nDATE: {}\r\nSERVER: {}\r\nCONNECTION: close\r\n\r\n",
                       body.size(), ssdp::HttpDate(std::time(nullptr)), server_);
    if (method != "HEAD") out += body;

    asio::error_code error;
    const auto peer = session.socket.remote_endpoint(error);
    Say("HTTP {} {} from {}:{} -> {}", method, path, peer.address().to_string(), peer.port(),
        status);
  }

  Documents documents_;
  std::string server_;
  asio::io_context io_;
  std::vector<asio::ip::tcp::acceptor> acceptors_;
  unsigned short port_ = 0;
  std::thread thread_;
};

// --- Signals -------------------------------------------------------------------

// Posted to the port when SIGINT or SIGTERM arrives.
struct StopEvent final : ro::Event {
  explicit StopEvent(int signal_number) : signal(signal_number) {}
  [[nodiscard]] std::string_view TypeName() const override { return "ssdpStop"; }
  int signal;
};

std::atomic<int> g_signal_pipe{-1};

extern "C" void OnStopSignal(int signal_number) {
  const int saved_errno = errno;
  const auto byte = static_cast<unsigned char>(signal_number);
  if (const int fd = g_signal_pipe.load(); fd >= 0) {
    const ssize_t written = write(fd, &byte, 1);  // nothing to do if it fails
    (void)written;
  }
  errno = saved_errno;
}

// Turns SIGINT and SIGTERM into a StopEvent on a port. A signal handler may
// only make async-signal-safe calls and PostMessage takes a lock, so the
// handler writes the signal number into a pipe and a thread posts the event
// (the self-pipe pattern).
class SignalBridge {
 public:
  explicit SignalBridge(ro::MessagePort port) : port_(std::move(port)) {}
  SignalBridge(const SignalBridge&) = delete;
  SignalBridge& operator=(const SignalBridge&) = delete;

  ~SignalBridge() {
    if (!thread_.joinable()) return;
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    g_signal_pipe = -1;
    const unsigned char quit = 0;
    const ssize_t written = write(pipe_[1], &quit, 1);
    (void)written;  // if the pipe were full, the relay would be awake anyway
    thread_.join();
    close(pipe_[0]);
    close(pipe_[1]);
  }

  bool Install(std::string& why) {
    if (pipe2(pipe_, O_CLOEXEC) != 0) {
      why = std::string("pipe2: ") + std::strerror(errno);
      return false;
    }
    // Never block in the handler, even if nobody reads.
    (void)fcntl(pipe_[1], F_SETFL, O_NONBLOCK);
    g_signal_pipe = pipe_[1];
    thread_ = std::thread([this] { Relay(); });
    struct sigaction action {};
    action.sa_handler = OnStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
    return true;
  }

 private:
  void Relay() {
    for (;;) {
      unsigned char signal_number = 0;
      const ssize_t n = read(pipe_[0], &signal_number, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || signal_number == 0) return;  // 0: the destructor says stop
      port_.PostMessage(std::make_shared<StopEvent>(signal_number));
    }
  }

  ro::MessagePort port_;
  int pipe_[2] = {-1, -1};
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  std::thread thread_;
};

// --- Timed jobs ----------------------------------------------------------------

// Work due at a given time, run from the Wait loop: delayed search replies
// and announcements. ro::Wait is given the time to the next job, so the
// socket keeps being served while replies wait for their MX delay.
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

  // Milliseconds for ro::Wait: to the next job, rounded up and at least 1
  // (Wait(0) waits forever); 0 when nothing is scheduled.
  [[nodiscard]] int WaitMs() const {
    if (jobs_.empty()) return 0;
    const auto left = jobs_.begin()->first - Clock::now();
    const auto ms = std::chrono::ceil<milliseconds>(left).count();
    return static_cast<int>(std::clamp<long long>(ms, 1, 24LL * 3600 * 1000));
  }

  void Clear() { jobs_.clear(); }

 private:
  std::multimap<Clock::time_point, std::function<void()>> jobs_;
};

// --- The responder -------------------------------------------------------------

struct ServedInterface {
  ssdp::LocalInterface local;
  int ttl = 2;
  std::string location;  // LOCATION URL reachable through this interface
};

class Responder {
 public:
  explicit Responder(Options options)
      : options_(std::move(options)), rng_(std::random_device{}()) {}

  int Run() {
    std::string why;
    if (!Setup(why)) {
      fmt::print(stderr, "ssdp_responder: {}\n", why);
      return 1;
    }
    SignalBridge signals(port_);
    if (!signals.Install(why)) {
      fmt::print(stderr, "ssdp_responder: {}\n", why);
      return 1;
    }
    http_->Start();
    Announce(milliseconds(std::uniform_int_distribution<int>(0, 100)(rng_)));

    int stop_signal = 0;
    while (stop_signal == 0) {
      scheduler_.RunDue();
      const ro::Message msg = ro::Wait(scheduler_.WaitMs(), port_);  // msg = wait(t, mp)
      if (msg == nullptr) continue;                                  // a job is due
      if (const auto* ev = msg->As<ro::DatagramEvent>()) {
        OnDatagram(*ev);
      } else if (const auto* stop = msg->As<StopEvent>()) {
        stop_signal = stop->signal;
      }
    }
    Say("{}: leaving", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    scheduler_.Clear();  // replies still waiting die with the device
    SendToGroup(false);  // ssdp:byebye for every NT
    http_->Stop();
    Say("stopped");
    return 0;
  }

 private:
  bool Setup(std::string& why) {
    for (const auto& name : options_.interfaces) {
      auto local = ssdp::FindLocalInterface(name, why);
      if (!local) return false;
      const bool known = std::any_of(served_.begin(), served_.end(),
                                     [&](const auto& s) { return s.local.index == local->index; });
      // Multicast on a loopback interface must stay on this host: TTL 0.
      if (!known) served_.push_back({*local, local->loopback ? 0 : options_.ttl, {}});
    }

    device_ = {options_.uuid, options_.device_type, {StatusService().type}};
    ssdp::DeviceDescription description{options_.uuid,          options_.device_type,
                                        options_.friendly_name, "rodatagram",
                                        std::string(kProduct),  {StatusService()}};
    // CONFIGID must change whenever the description does: derive it from the
    // description itself (24 bits, the range UDA 1.1 allows).
    ro::ByteArray bytes;
    bytes.FromAsciiString(ssdp::DeviceDescriptionXml(description, 0));
    identity_.config_id = bytes.GetCRC32() & 0xFFFFFFU;
    // BOOTID must grow from one boot to the next; seconds since 1970 do.
    identity_.boot_id = static_cast<std::uint32_t>(std::time(nullptr)) & 0x7FFFFFFFU;
    identity_.server = ServerString();
    identity_.max_age = options_.max_age;
    description_xml_ = ssdp::DeviceDescriptionXml(description, identity_.config_id);

    http_ = std::make_unique<HttpServer>(
        HttpServer::Documents{{std::string(kDescriptionPath), description_xml_},
                              {std::string(kStatusPath), std::string(kStatusScpd)}},
        identity_.server);
    std::vector<std::string> addresses;
    for (const auto& s : served_) addresses.push_back(s.local.address);
    if (!http_->Listen(addresses, options_.http_port, why)) return false;
    for (auto& s : served_) {
      s.location = fmt::format("http://{}:{}{}", s.local.address, http_->Port(), kDescriptionPath);
    }

    udp_.SetPort(port_);                       // udp.SetPort(mp)
    udp_.SetReuseAddress(true);                // share 1900 with other SSDP stacks on this host
    if (!udp_.BindToLocalPort(ssdp::kPort)) {  // udp.BindToLocalPort(1900)
      why = udp_.GetFailureReason();
      return false;
    }
    // udp.JoinMulticastGroup("239.255.255.250"), on the served interfaces
    // only (the extension naming the interface).
    for (const auto& s : served_) {
      if (!udp_.JoinMulticastGroup(ssdp::kGroup, s.local.name)) {
        why = udp_.GetFailureReason();
        return false;
      }
    }
    // Control points on this host (all of them, on lo) hear our NOTIFYs.
    udp_.SetMulticastLoop(true);

    Say("ssdp_responder: uuid:{} {} BOOTID {} CONFIGID {}", device_.uuid, device_.device_type,
        identity_.boot_id, identity_.config_id);
    for (const auto& s : served_) {
      Say("serving {} ({}, multicast TTL {}{}), LOCATION {}", s.local.name, s.local.address, s.ttl,
          s.local.loopback ? ": loopback stays on this host" : "", s.location);
    }
    return true;
  }

  [[nodiscard]] const ServedInterface* ServedByIndex(int index) const {
    for (const auto& s : served_) {
      if (s.local.index == index) return &s;
    }
    return nullptr;
  }

  void OnDatagram(const ro::DatagramEvent& ev) {
    std::string why;
    const auto message = ssdp::Parse(ev.GetPayload(), why);
    // Our own NOTIFYs come back (multicast loop), as do other devices'
    // announcements and anything else sent to 1900: only searches matter.
    if (!message || message->kind != ssdp::Kind::kSearch) return;

    const std::string host = ev.GetSourceHost();
    const int source_port = ev.GetSourcePort();
    const std::string destination = ev.GetDestinationHost();
    // Without the destination, assume multicast: that needs MX, the stricter rule.
    const bool multicast = destination.empty() || ssdp::IsIPv4Multicast(destination);
    const std::string from =
        fmt::format("M-SEARCH from {}:{} to {} on {}", host, source_port,
                    multicast ? "the group" : destination, ev.GetInterfaceName());

    const ServedInterface* served = ServedByIndex(ev.GetInterfaceIndex());
    if (served == nullptr) {
      Say("{}: not a served interface, ignored", from);
      return;
    }
    const auto search = ssdp::ValidateSearch(*message, multicast, why);
    if (!search) {
      Say("{}: discarded: {}", from, why);
      return;
    }
    const auto replies = ssdp::SearchReplies(device_, search->target);
    if (replies.empty()) {
      Say("{}: ST {}: no match", from, search->target);
      return;
    }
    if (pending_replies_ + replies.size() > kMaxPendingReplies) {
      Say("{}: ST {}: {} replies already waiting, dropped", from, search->target, pending_replies_);
      return;
    }
    // Each reply at its own random moment within MX (none for unicast).
    std::uniform_int_distribution<int> delay_ms(0, std::max(0, search->window_s * 1000 - 1));
    const auto now = Clock::now();
    for (const auto& advert : replies) {
      const auto due = now + milliseconds(search->window_s > 0 ? delay_ms(rng_) : 0);
      ++pending_replies_;
      scheduler_.At(due, [this, host, source_port, advert, location = served->location] {
        --pending_replies_;
        SendReply(host, source_port, advert, location);
      });
    }
    Say("{}: ST {} MX {} -> {} {} {}", from, search->target,
        std::string(message->Find("MX").value_or("-")), replies.size(),
        replies.size() == 1 ? "reply" : "replies",
        search->window_s > 0 ? fmt::format("within {} s", search->window_s) : "now");
    scheduler_.RunDue();  // unicast: answer at once
  }

  void SendReply(const std::string& host, int port, const ssdp::Advert& advert,
                 const std::string& location) {
    const std::string reply =
        ssdp::FormatSearchResponse(identity_, advert, location, ssdp::HttpDate(std::time(nullptr)));
    // udp.SendTo(ev.GetSourceHost(), ev.GetSourcePort(), reply$): unicast to
    // the requester, from port 1900.
    if (udp_.SendTo(host, port, reply) != 0) {
      fmt::print(stderr, "ssdp_responder: reply to {}:{}: {}\n", host, port,
                 udp_.GetFailureReason());
    }
  }

  // Sends the announcement set kAnnounceSets times from `delay` on, then
  // schedules the next announcement before half of max-age has passed.
  void Announce(milliseconds delay) {
    const auto start = Clock::now() + delay;
    for (int set = 0; set < kAnnounceSets; ++set) {
      scheduler_.At(start + set * kAnnounceSpacing, [this] { SendToGroup(true); });
    }
    const int half_age_ms = options_.max_age * 500;
    const milliseconds next(
        std::uniform_int_distribution<int>(half_age_ms / 2, half_age_ms - 1)(rng_));
    scheduler_.At(start + next, [this] { Announce(milliseconds(0)); });
  }

  // Multicasts NOTIFY ssdp:alive (or ssdp:byebye) for every NT, out of each
  // served interface with that interface's TTL and LOCATION.
  void SendToGroup(bool alive) {
    const auto adverts = ssdp::Announcements(device_);
    for (const auto& s : served_) {
      int sent = 0;
      if (!udp_.SetMulticastInterface(s.local.name) || !udp_.SetMulticastTTL(s.ttl)) {
        fmt::print(stderr, "ssdp_responder: {}\n", udp_.GetFailureReason());
        continue;
      }
      for (const auto& advert : adverts) {
        const std::string message = alive ? ssdp::FormatAlive(identity_, advert, s.location)
                                          : ssdp::FormatByebye(identity_, advert);
        if (udp_.SendTo(ssdp::kGroup, ssdp::kPort, message) == 0) {
          ++sent;
        } else {
          fmt::print(stderr, "ssdp_responder: NOTIFY on {}: {}\n", s.local.name,
                     udp_.GetFailureReason());
        }
      }
      Say("NOTIFY {} x{} on {} (TTL {})", alive ? "ssdp:alive" : "ssdp:byebye", sent, s.local.name,
          s.ttl);
    }
  }

  Options options_;
  std::vector<ServedInterface> served_;
  ssdp::Device device_;
  ssdp::Identity identity_;
  std::string description_xml_;
  std::unique_ptr<HttpServer> http_;
  ro::MessagePort port_;    // mp = CreateObject("roMessagePort")
  ro::DatagramSocket udp_;  // udp = CreateObject("roDatagramSocket")
  Scheduler scheduler_;
  std::size_t pending_replies_ = 0;
  std::mt19937 rng_;
};

}  // namespace

int main(int argc, char** argv) try {
  // Line-buffered even into a pipe: tests and scripts read the lines live.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Options options;
  if (const auto status = ParseOptions(argc, argv, options)) return *status;
  g_quiet = options.quiet;
  return Responder(std::move(options)).Run();
} catch (const std::exception& error) {  // std::bad_alloc, std::system_error from std::thread
  fmt::print(stderr, "ssdp_responder: {}\n", error.what());
  return 1;
}
