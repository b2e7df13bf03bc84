// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// The description server: fixed documents over HTTP/1.1, one request per
// connection, on one thread with poll(). Hardened for an open network:
//  - at most max_connections at once; beyond that the listening socket is
//    not polled, so further clients wait in the kernel's backlog;
//  - each connection has one deadline for its whole request and reply;
//  - accept() failing with EMFILE / ENFILE / ENOBUFS / ENOMEM (no
//    descriptor or memory for the connection) stops accepting for a back-off
//    period that doubles up to 2 s, instead of polling a listener that stays
//    readable and spinning on the error;
//  - requests over 8 KiB are refused; only GET and HEAD are served.

#ifndef RO_SSDP_SRC_HTTP_SERVER_HPP_
#define RO_SSDP_SRC_HTTP_SERVER_HPP_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <ro/ssdp/responder.hpp>

namespace ro::ssdp::detail {

class HttpServer {
 public:
  using Documents = std::map<std::string, std::string, std::less<>>;
  using Log = std::function<void(const std::string&)>;

  HttpServer(Documents documents, std::string server, HttpOptions options, Log log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Listens on every address ("::", dual stack; "0.0.0.0" without IPv6).
  bool Listen(std::string& why);
  [[nodiscard]] int Port() const { return port_; }
  void Start();
  void Stop();

 private:
  struct Connection {
    int fd = -1;
    std::chrono::steady_clock::time_point deadline;
    std::string request;
    std::string response;
    std::size_t sent = 0;
    std::string peer;
  };

  void Run();
  void AcceptAll();
  // Returns false when the connection is finished.
  bool OnReadable(Connection& c);
  bool OnWritable(Connection& c);
  void Respond(Connection& c) const;

  Documents documents_;
  std::string server_;
  HttpOptions options_;
  Log log_;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::vector<Connection> connections_;
  std::chrono::steady_clock::time_point accept_paused_until_{};
  std::chrono::milliseconds backoff_{0};
  std::thread thread_;
};

}  // namespace ro::ssdp::detail

#endif  // RO_SSDP_SRC_HTTP_SERVER_HPP_
