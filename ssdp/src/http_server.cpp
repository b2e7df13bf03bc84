// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

#include "http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

namespace ro::ssdp::detail {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxRequest = 8192;
constexpr milliseconds kFirstBackoff{50};
constexpr milliseconds kMaxBackoff{2000};

std::string PeerText(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (address.ss_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof text);
    port = ntohs(in->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in->sin6_addr)) {
      inet_ntop(AF_INET, &in->sin6_addr.s6_addr[12], text, sizeof text);
    } else {
      return "[" + std::string(text) + "]:" + std::to_string(port);
    }
  } else {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  }
  return std::string(text) + ":" + std::to_string(port);
}

// No descriptor, buffer or memory for a new connection: a condition that
// persists while the listener stays readable.
bool IsResourceExhaustion(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

}  // namespace

HttpServer::HttpServer(Documents documents, std::string server, HttpOptions options, Log log)
    : documents_(std::move(documents)),
      server_(std::move(server)),
      options_(options),
      log_(std::move(log)) {}

HttpServer::~HttpServer() {
  Stop();
  if (listener_ >= 0) close(listener_);
  for (const int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

bool HttpServer::Listen(std::string& why) {
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int on = 1;
  const int off = 0;
  if (fd >= 0) {
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    any.sin6_port = htons(static_cast<std::uint16_t>(options_.port));
    if (bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
      why = "HTTP server: bind [::]:" + std::to_string(options_.port) + ": " + std::strerror(errno);
      close(fd);
      return false;
    }
  } else {  // no IPv6 in this kernel or namespace
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      why = std::string("HTTP server: socket: ") + std::strerror(errno);
      return false;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(static_cast<std::uint16_t>(options_.port));
    if (bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
      why = "HTTP server: bind 0.0.0.0:" + std::to_string(options_.port) + ": " +
            std::strerror(errno);
      close(fd);
      return false;
    }
  }
  if (listen(fd, 64) != 0 || pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    why = std::string("HTTP server: listen: ") + std::strerror(errno);
    close(fd);
    return false;
  }
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  port_ = local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  listener_ = fd;
  return true;
}

void HttpServer::Start() {
  if (listener_ >= 0 && !thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 0;
  (void)!write(wake_[1], &byte, 1);
  thread_.join();
  for (auto& c : connections_) close(c.fd);
  connections_.clear();
}

void HttpServer::Run() {
  std::vector<pollfd> fds;
  for (;;) {
    const auto now = Clock::now();
    // Expired connections go first: a slow client never holds a slot longer.
    connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                      [&](const Connection& c) {
                                        if (c.deadline > now) return false;
                                        close(c.fd);
                                        return true;
                                      }),
                       connections_.end());
    const bool accepting = static_cast<int>(connections_.size()) < options_.max_connections &&
                           now >= accept_paused_until_;
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({accepting ? listener_ : -1, POLLIN, 0});
    Clock::time_point next = now + std::chrono::hours(1);
    for (const auto& c : connections_) {
      fds.push_back({c.fd, static_cast<short>(c.response.empty() ? POLLIN : POLLOUT), 0});
      next = std::min(next, c.deadline);
    }
    if (!accepting && now < accept_paused_until_) next = std::min(next, accept_paused_until_);
    const auto wait = std::chrono::ceil<milliseconds>(next - now).count();
    const int ready =
        poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(wait, 1, 3'600'000)));
    if (ready < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;  // Stop()
    // Connections before accepting: fds[2 + i] belongs to connections_[i].
    std::vector<Connection> kept;
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      Connection& c = connections_[i];
      const short events = fds[2 + i].revents;
      bool open = true;
      if ((events & (POLLERR | POLLHUP | POLLNVAL)) != 0 && (events & POLLIN) == 0) {
        open = false;
      } else if ((events & POLLIN) != 0) {
        open = OnReadable(c);
      } else if ((events & POLLOUT) != 0) {
        open = OnWritable(c);
      }
      if (open) {
        kept.push_back(std::move(c));
      } else {
        close(c.fd);
      }
    }
    connections_ = std::move(kept);
    if (accepting && (fds[1].revents & POLLIN) != 0) AcceptAll();
  }
}

void HttpServer::AcceptAll() {
  while (static_cast<int>(connections_.size()) < options_.max_connections) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    const int fd = accept4(listener_, reinterpret_cast<sockaddr*>(&peer), &length,
                           SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      const int err = errno;
      if (IsResourceExhaustion(err)) {
        backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(kMaxBackoff, backoff_ * 2);
        accept_paused_until_ = Clock::now() + backoff_;
        if (log_) {
          log_("HTTP accept: " + std::string(std::strerror(err)) + "; not accepting for " +
               std::to_string(backoff_.count()) + " ms");
        }
      }
      return;  // EAGAIN: drained; ECONNABORTED and the like: next poll
    }
    backoff_ = milliseconds(0);
    Connection c;
    c.fd = fd;
    c.deadline = Clock::now() + milliseconds(options_.request_timeout_ms);
    c.peer = PeerText(peer);
    connections_.push_back(std::move(c));
  }
}

bool HttpServer::OnReadable(Connection& c) {
  char buffer[2048];
  const ssize_t n = read(c.fd, buffer, sizeof buffer);
  if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EINTR);
  c.request.append(buffer, static_cast<std::size_t>(n));
  if (c.request.find("\r\n\r\n") == std::string::npos &&
      c.request.find("\n\n") == std::string::npos) {
    if (c.request.size() <= kMaxRequest) return true;
    c.request = "TOO-LARGE";
  }
  Respond(c);
  return OnWritable(c);
}

bool HttpServer::OnWritable(Connection& c) {
  while (c.sent < c.response.size()) {
    const ssize_t n =
        send(c.fd, c.response.data() + c.sent, c.response.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    c.sent += static_cast<std::size_t>(n);
  }
  shutdown(c.fd, SHUT_WR);
  return false;
}

void HttpServer::Respond(Connection& c) const {
  const std::string_view request(c.request);
  std::string_view line = request.substr(0, request.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
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
  if (c.request == "TOO-LARGE") {
    status = 431;
    reason = "Request Header Fields Too Large";
  } else if (method != "GET" && method != "HEAD") {
    status = 405;
    reason = "Method Not Allowed";
  } else if (document == documents_.end()) {
    status = 404;
    reason = "Not Found";
  } else {
    body = document->second;
  }
  std::string& out = c.response;
  out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  if (status == 405) out += "ALLOW: GET, HEAD\r\n";
  if (status == 200) out += "CONTENT-TYPE: text/xml; charset=\"utf-8\"\r\n";
  out += "CONTENT-LENGTH: " + std::to_string(body.size()) +
         "\r\nDATE: " + HttpDate(std::time(nullptr)) + "\r\nSERVER: " + server_ +
         "\r\nCONNECTION: close\r\n\r\n";
  if (method != "HEAD") out += body;
  if (log_) {
    log_("HTTP " + SanitizeForLog(method, 16) + " " + SanitizeForLog(path, 64) + " from " + c.peer +
         " -> " + std::to_string(status));
  }
}

}  // namespace ro::ssdp::detail
