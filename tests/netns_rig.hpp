// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// A reusable test rig: "a device host with N links to peer hosts", built from
// private network namespaces and veth pairs. Header-only.
//
//   device namespace (the test's own, made by tests/netns/run-in-netns)
//     lo            up, multicast (as run-in-netns leaves it)
//     dev0 --veth-- peer0   in peer namespace 0   198.51.100.0/28
//     dev1 --veth-- peer1   in peer namespace 1   203.0.113.0/28
//     dev2 --veth-- peer2   in peer namespace 2   198.51.100.16/28   ...
//
// Link k is its own subnet: the device end has .1, the peer end .2, the
// broadcast address is .15; the /28s alternate between 198.51.100.0/24 and
// 203.0.113.0/24 so that both documentation ranges are exercised. IPv6 uses
// link-local addresses only (fe80::d<k>:1 on the device end, fe80::d<k>:2 on
// the peer end), added with `nodad` on links whose automatic link-local
// address is switched off (addrgenmode none): a tentative address would make
// an interface look "not attached yet" to roNetworkHotplug, and DAD would
// make the timing of tests depend on the kernel's timers.
//
// The device namespace has NO multicast route (and no default route), so the
// tests prove that the library joins and sends per interface instead of
// relying on routes. Peers have no multicast route either; their sockets pick
// the link with SetMulticastInterface().
//
// Safety. Nothing here touches the machine's own namespace:
//  - the rig refuses to start unless the namespace it runs in has no
//    interface but `lo` (the machine's namespace has a real eth0);
//  - every peer namespace is created by unshare(CLONE_NEWNET) on a
//    short-lived thread and is owned only by a file descriptor of this
//    process, so it dies with the process, even on a crash;
//  - veth pairs are created from the device namespace with their peer end
//    directly inside the peer namespace; the destructor deletes them
//    explicitly (synchronously) and closes the namespaces;
//  - every command and every wait is bounded in time.
//
// Threads and namespaces. Linux keeps the network namespace per thread, and
// sockets, rtnetlink and child processes take the namespace of the thread
// that creates them. InNamespace() runs a function on a temporary thread that
// has entered a namespace: create sockets there (ro::DatagramSocket creates
// its kernel socket on its first bind / send / join / option call), and run
// commands there (children inherit the thread's namespace).

#ifndef RO_TESTS_NETNS_RIG_HPP_
#define RO_TESTS_NETNS_RIG_HPP_

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "multicast_support.hpp"

extern char** environ;  // NOLINT: POSIX, for posix_spawn

namespace ro_netns {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

/// How long one command (ip, sysctl, an example program's start) may take.
inline constexpr milliseconds kCommandLimit = 10s;

/// How long a freshly plugged link may take to carry traffic.
inline constexpr milliseconds kLinkReadyLimit = 5s;

inline std::string ErrnoText(int err) {
  return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")";
}

/// An address in the canonical text form that inet_ntop (and so the
/// library's GetSourceHost / GetDestinationHost) produces.
inline std::string Canonical(const std::string& address) {
  const int family = address.find(':') == std::string::npos ? AF_INET : AF_INET6;
  unsigned char bytes[16] = {};
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_pton(family, address.c_str(), bytes) != 1 ||
      inet_ntop(family, bytes, text, sizeof text) == nullptr) {
    return address;
  }
  return text;
}

// --- Namespaces ---------------------------------------------------------------

/// Owns one network namespace through a file descriptor. The namespace lives
/// as long as this descriptor, or any socket or process inside it.
class Namespace {
 public:
  Namespace() = default;
  ~Namespace() { Reset(); }
  Namespace(Namespace&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Namespace& operator=(Namespace&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  /// A brand-new namespace (only `lo`, down). The unshare() happens on a
  /// throw-away thread, so no thread of the test ever changes namespace for
  /// good. Empty (Valid() false) on failure, with `error` set.
  static Namespace Create(std::string* error = nullptr) {
    Namespace ns;
    int err = 0;
    std::thread maker([&] {
      if (unshare(CLONE_NEWNET) != 0) {
        err = errno;
        return;
      }
      ns.fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      if (ns.fd_ < 0) err = errno;
    });
    maker.join();
    if (!ns.Valid() && error != nullptr) {
      *error = "cannot create a network namespace: " + ErrnoText(err);
    }
    return ns;
  }

  /// The namespace of the calling thread.
  static Namespace OfThisThread(std::string* error = nullptr) {
    Namespace ns;
    ns.fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (!ns.Valid() && error != nullptr) {
      *error = "cannot open /proc/thread-self/ns/net: " + ErrnoText(errno);
    }
    return ns;
  }

  [[nodiscard]] bool Valid() const noexcept { return fd_ >= 0; }
  [[nodiscard]] int Fd() const noexcept { return fd_; }

  /// A path that names this namespace for `ip ... netns PATH` while this
  /// process keeps the descriptor open.
  [[nodiscard]] std::string Path() const {
    return "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(fd_);
  }

  void Reset() noexcept {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// Runs `fn` on a temporary thread that has entered `ns`, and waits for it.
/// Returns false (and does NOT run `fn`) if the thread cannot enter `ns`:
/// running it in the wrong namespace would be worse than not running it.
[[nodiscard]] inline bool InNamespace(const Namespace& ns, const std::function<void()>& fn,
                                      std::string* error = nullptr) {
  int err = 0;
  std::thread worker([&] {
    if (!ns.Valid()) {
      err = EBADF;
      return;
    }
    if (setns(ns.Fd(), CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    fn();
  });
  worker.join();
  if (err != 0 && error != nullptr) *error = "cannot enter a network namespace: " + ErrnoText(err);
  return err == 0;
}

// --- Child processes ----------------------------------------------------------

/// A child process whose stdout and stderr go to one pipe that the test
/// reads. Every wait is bounded; the destructor kills (SIGKILL, by pid) and
/// reaps the child if it still runs. The child inherits the network namespace
/// of the thread that calls Start().
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Starts `argv` (argv[0] is looked up in PATH, then /usr/sbin and /sbin,
  /// where `ip` and `sysctl` live).
  bool Start(const std::vector<std::string>& argv, std::string* error) {
    if (argv.empty()) {
      *error = "no program to run";
      return false;
    }
    int pipe_fds[2] = {-1, -1};
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      *error = "pipe2: " + ErrnoText(errno);
      return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const std::string program = Locate(argv[0]);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (rc != 0) {
      close(pipe_fds[0]);
      *error = "cannot start " + program + ": " + ErrnoText(rc);
      return false;
    }
    pid_ = pid;
    out_ = pipe_fds[0];
    return true;
  }

  /// Reads output until `done(lines)` holds for the complete lines read so
  /// far, the output ends, or `limit` passes. Returns the final `done`.
  bool ReadUntil(const std::function<bool(const std::vector<std::string>&)>& done,
                 milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done(lines_)) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left <= 0ms || !ReadSome(left)) break;
    }
    return done(lines_);
  }

  /// Reads until the child closes its output (normally: exits) or `limit`.
  bool ReadToEnd(milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (out_ >= 0) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left <= 0ms || !ReadSome(left)) break;
    }
    return out_ < 0;
  }

  /// Waits up to `limit` for the child to exit; its wait status, or nullopt
  /// if it still runs (it is then killed and reaped).
  std::optional<int> Wait(milliseconds limit) {
    if (pid_ < 0) return status_;
    const auto deadline = Clock::now() + limit;
    for (;;) {
      int status = 0;
      const pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        status_ = status;
        return status_;
      }
      if (done < 0 && errno != EINTR) {  // not ours to wait for any more
        pid_ = -1;
        return status_;
      }
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(2ms);
    }
    Kill();
    return std::nullopt;
  }

  /// Kills the child (by its pid) and reaps it, if it still runs.
  void Kill() noexcept {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    out_ = -1;
  }

  /// The complete lines read so far.
  [[nodiscard]] const std::vector<std::string>& Lines() const noexcept { return lines_; }

  /// The child's pid while it runs (-1 after it was reaped), to signal it
  /// or read its /proc entry.
  [[nodiscard]] pid_t Pid() const noexcept { return pid_; }

  /// Everything read so far, including an unfinished last line.
  [[nodiscard]] std::string Output() const {
    std::string all;
    for (const std::string& line : lines_) all += line + '\n';
    return all + partial_;
  }

 private:
  static std::string Locate(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    path += ":/usr/sbin:/sbin:/usr/bin:/bin";
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;
      const std::string candidate = dir + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return name;
  }

  // One poll + read; false when the output ended or nothing came in time.
  bool ReadSome(milliseconds limit) {
    if (out_ < 0) return false;
    pollfd p{out_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::max<long long>(limit.count(), 1)));
    if (ready < 0 && errno == EINTR) return true;
    if (ready <= 0) return false;
    char buffer[4096];
    const ssize_t n = read(out_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) {
      close(out_);
      out_ = -1;
      if (!partial_.empty()) lines_.push_back(std::exchange(partial_, {}));
      return false;
    }
    partial_.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t end; (end = partial_.find('\n')) != std::string::npos;) {
      lines_.push_back(partial_.substr(0, end));
      partial_.erase(0, end + 1);
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::optional<int> status_;
  std::vector<std::string> lines_;
  std::string partial_;
};

/// What a finished command printed and how it ended.
struct CommandResult {
  bool ok = false;  ///< started, exited in time, with status 0
  std::string description;
  std::string output;
};

/// Runs `argv` to completion (bounded by `limit`) in the calling thread's
/// network namespace.
inline CommandResult Run(const std::vector<std::string>& argv, milliseconds limit = kCommandLimit) {
  CommandResult result;
  for (const std::string& arg : argv)
    result.description += (result.description.empty() ? "" : " ") + arg;
  ChildProcess child;
  std::string error;
  if (!child.Start(argv, &error)) {
    result.output = error;
    return result;
  }
  child.ReadToEnd(limit);
  const std::optional<int> status = child.Wait(100ms);
  result.output = child.Output();
  if (!status) {
    result.output += "\n(killed: did not finish within " + std::to_string(limit.count()) + " ms)";
  } else if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    result.output += "\n(exit status " + std::to_string(*status) + ")";
  } else {
    result.ok = true;
  }
  return result;
}

/// Runs `argv` inside `ns` (from a thread that entered it).
inline CommandResult RunIn(const Namespace& ns, const std::vector<std::string>& argv,
                           milliseconds limit = kCommandLimit) {
  CommandResult result;
  std::string error;
  if (!InNamespace(
          ns, [&] { result = Run(argv, limit); }, &error)) {
    result.ok = false;
    result.output = error;
  }
  return result;
}

// --- The rig ------------------------------------------------------------------

/// A device host (the calling thread's namespace) with links to peer hosts.
/// Not thread-safe: use one rig from one thread at a time (a test may plug a
/// link from a helper thread while the main thread only waits on a port).
class NetnsRig {
 public:
  /// One veth between the device and one peer namespace.
  struct Link {
    int number = -1;
    Namespace peer;
    std::string device_interface;  ///< e.g. "dev0", in the device namespace
    std::string peer_interface;    ///< e.g. "peer0", in the peer namespace
    int device_index = 0;          ///< ifindex of device_interface (device namespace)
    std::string device_address;    ///< IPv4, e.g. "198.51.100.1"
    std::string peer_address;      ///< IPv4, e.g. "198.51.100.2"
    std::string broadcast;         ///< e.g. "198.51.100.15"
    std::string device_address6;   ///< link-local, no scope, e.g. "fe80::d0:1"
    std::string peer_address6;     ///< link-local, no scope, e.g. "fe80::d0:2"
  };

  /// Checks that the calling thread's namespace is safe to build in (only
  /// `lo`); see Ready() / Error().
  NetnsRig() {
    device_ = Namespace::OfThisThread(&error_);
    if (!device_.Valid()) return;
    if (!OnlyLoopback()) return;
    ipv6_ = access("/proc/net/if_inet6", F_OK) == 0;
    ready_ = true;
  }

  ~NetnsRig() {
    // Delete every veth explicitly: closing a peer namespace would remove its
    // pair too, but asynchronously, and a later test in the same process
    // must find the device namespace clean.
    std::vector<int> numbers;
    for (const auto& [number, link] : links_) numbers.push_back(number);
    for (const int number : numbers) (void)RemoveLink(number, /*report=*/false);
  }

  NetnsRig(const NetnsRig&) = delete;
  NetnsRig& operator=(const NetnsRig&) = delete;

  /// True when the rig may build links; otherwise Error() says why.
  [[nodiscard]] bool Ready() const noexcept { return ready_; }
  [[nodiscard]] const std::string& Error() const noexcept { return error_; }
  [[nodiscard]] bool HasIpv6() const noexcept { return ipv6_; }

  /// The device namespace (the one the rig was created in).
  [[nodiscard]] const Namespace& Device() const noexcept { return device_; }

  /// Plugs a new link: a new peer namespace, a veth pair, addresses, both
  /// ends up and carrying traffic. Returns its number (0, 1, ...), or -1
  /// after recording a test failure that shows the failed command.
  int AddLink() {
    if (!ready_) {
      ADD_FAILURE() << "netns rig not ready: " << error_;
      return -1;
    }
    const int k = next_number_;
    if (k >= 32) {
      ADD_FAILURE() << "netns rig: at most 32 links (two /24s of /28s)";
      return -1;
    }
    Link link;
    link.number = k;
    link.device_interface = "dev" + std::to_string(k);
    link.peer_interface = "peer" + std::to_string(k);
    // Alternate the two documentation ranges; /28 number k/2 in each.
    const std::string net = k % 2 == 0 ? "198.51.100." : "203.0.113.";
    const int base = 16 * (k / 2);
    link.device_address = net + std::to_string(base + 1);
    link.peer_address = net + std::to_string(base + 2);
    link.broadcast = net + std::to_string(base + 15);
    link.device_address6 = Canonical("fe80::d" + std::to_string(k) + ":1");
    link.peer_address6 = Canonical("fe80::d" + std::to_string(k) + ":2");

    std::string error;
    link.peer = Namespace::Create(&error);
    if (!link.peer.Valid()) {
      ADD_FAILURE() << "netns rig: " << error;
      return -1;
    }
    ++next_number_;
    const std::string dev = link.device_interface;  // copies: `link` is moved below
    const std::string peer = link.peer_interface;
    const std::string cidr = "/28";
    // The veth is born with its peer end inside the peer namespace, so the
    // pair never exists anywhere else. It is registered right after, so that
    // a failure half-way through the configuration is still cleaned up.
    if (!Device({"ip", "link", "add", dev, "type", "veth", "peer", "name", peer, "netns",
                 link.peer.Path()})) {
      return -1;
    }
    links_.emplace(k, std::move(link));
    const Link& l = links_.at(k);
    const bool configured =
        Peer(l, {"ip", "link", "set", "lo", "up"}) &&
        Peer(l, {"ip", "link", "set", peer, "addrgenmode", "none"}) &&
        Peer(l, {"ip", "addr", "add", l.peer_address + cidr, "broadcast", "+", "dev", peer}) &&
        (!ipv6_ ||
         Peer(l, {"ip", "-6", "addr", "add", l.peer_address6 + "/64", "dev", peer, "nodad"})) &&
        Device({"ip", "link", "set", dev, "addrgenmode", "none"}) &&
        Device({"ip", "addr", "add", l.device_address + cidr, "broadcast", "+", "dev", dev}) &&
        (!ipv6_ ||
         Device({"ip", "-6", "addr", "add", l.device_address6 + "/64", "dev", dev, "nodad"})) &&
        // Peer end first: the device end then becomes up + running + addressed
        // in one step, which is one roNetworkAttached.
        Peer(l, {"ip", "link", "set", peer, "up"}) && Device({"ip", "link", "set", dev, "up"});
    if (!configured) return -1;
    // Resolved in the device namespace whichever thread plugs the link.
    (void)InNamespace(device_, [&] {
      links_.at(k).device_index = static_cast<int>(if_nametoindex(dev.c_str()));
    });
    if (!WaitUntilCarrying(l)) return -1;
    return k;
  }

  /// Plugs `count` links; false (after a recorded failure) if one failed.
  bool AddLinks(int count) {
    for (int i = 0; i < count; ++i) {
      if (AddLink() < 0) return false;
    }
    return true;
  }

  /// Unplugs link `k`: deletes the veth pair (the device end disappears at
  /// once) and drops the peer namespace.
  bool RemoveLink(int k, bool report = true) {
    const auto it = links_.find(k);
    if (it == links_.end()) {
      if (report) ADD_FAILURE() << "netns rig: no link " << k;
      return false;
    }
    const CommandResult result = RunIn(device_, {"ip", "link", "del", it->second.device_interface});
    if (!result.ok && report) {
      ADD_FAILURE() << "netns rig: `" << result.description << "` failed:\n" << result.output;
    }
    links_.erase(it);  // closes the peer namespace
    return result.ok;
  }

  /// Sets the peer end of link `k` down or up: for the device this is a
  /// cable pulled and plugged back (carrier lost / regained), the interface
  /// itself stays.
  bool SetPeerCarrier(int k, bool up) {
    const Link* l = Find(k);
    if (l == nullptr) return false;
    if (!Peer(*l, {"ip", "link", "set", l->peer_interface, up ? "up" : "down"})) return false;
    return !up || WaitUntilCarrying(*l);
  }

  /// Runs `fn` on a thread inside peer `k`'s namespace.
  [[nodiscard]] bool RunInPeer(int k, const std::function<void()>& fn) {
    const Link* l = Find(k);
    if (l == nullptr) return false;
    std::string error;
    if (!InNamespace(l->peer, fn, &error)) {
      ADD_FAILURE() << "netns rig: " << error;
      return false;
    }
    return true;
  }

  /// Runs a command in peer `k`'s namespace.
  CommandResult RunCommandInPeer(int k, const std::vector<std::string>& argv) {
    const Link* l = Find(k);
    if (l == nullptr) return {};
    return RunIn(l->peer, argv);
  }

  /// Runs a command in the device namespace.
  CommandResult RunCommandInDevice(const std::vector<std::string>& argv) {
    return RunIn(device_, argv);
  }

  [[nodiscard]] const Link& Get(int k) const { return links_.at(k); }
  [[nodiscard]] std::string PeerAddress(int k) const { return Get(k).peer_address; }
  [[nodiscard]] std::string DeviceAddress(int k) const { return Get(k).device_address; }
  [[nodiscard]] std::string BroadcastAddress(int k) const { return Get(k).broadcast; }
  [[nodiscard]] std::string PeerAddress6(int k) const { return Get(k).peer_address6; }
  [[nodiscard]] std::string DeviceAddress6(int k) const { return Get(k).device_address6; }
  [[nodiscard]] std::string DeviceInterface(int k) const { return Get(k).device_interface; }
  [[nodiscard]] std::string PeerInterface(int k) const { return Get(k).peer_interface; }
  [[nodiscard]] int DeviceInterfaceIndex(int k) const { return Get(k).device_index; }
  [[nodiscard]] std::size_t LinkCount() const noexcept { return links_.size(); }

 private:
  [[nodiscard]] const Link* Find(int k) const {
    const auto it = links_.find(k);
    if (it == links_.end()) {
      ADD_FAILURE() << "netns rig: no link " << k;
      return nullptr;
    }
    return &it->second;
  }

  static bool Check(const CommandResult& result) {
    if (!result.ok) {
      ADD_FAILURE() << "netns rig: `" << result.description << "` failed:\n" << result.output;
    }
    return result.ok;
  }
  bool Device(const std::vector<std::string>& argv) { return Check(RunIn(device_, argv)); }
  bool Peer(const Link& l, const std::vector<std::string>& argv) {
    return Check(RunIn(l.peer, argv));
  }

  // The device namespace must hold nothing but lo: then it cannot be the
  // machine's own namespace, and nothing a test sends can leave the rig.
  bool OnlyLoopback() {
    struct if_nameindex* list = if_nameindex();
    if (list == nullptr) {
      error_ = "cannot list interfaces: " + ErrnoText(errno);
      return false;
    }
    std::string others;
    for (const struct if_nameindex* i = list; i->if_index != 0; ++i) {
      if (std::strcmp(i->if_name, "lo") != 0)
        others += std::string(others.empty() ? "" : ", ") + i->if_name;
    }
    if_freenameindex(list);
    if (!others.empty()) {
      error_ =
          "refusing to build a test topology: this network namespace has interfaces besides lo (" +
          others +
          "). Run the test through tests/netns/run-in-netns (ctest does), never in the "
          "machine's own namespace.";
      return false;
    }
    return true;
  }

  // Link up is not traffic up: the kernel attaches the veth's queueing
  // discipline (and sets RUNNING) from its link-watch work shortly after
  // carrier comes on; until then datagrams are dropped. Wait for both ends.
  bool WaitUntilCarrying(const Link& l) {
    const auto deadline = Clock::now() + kLinkReadyLimit;
    std::string last;
    for (;;) {
      const CommandResult device =
          RunIn(device_, {"ip", "-o", "link", "show", "dev", l.device_interface});
      const CommandResult peer =
          RunIn(l.peer, {"ip", "-o", "link", "show", "dev", l.peer_interface});
      if (Carrying(device) && Carrying(peer)) return true;
      last = device.output + peer.output;
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "netns rig: link " << l.number << " did not come up within "
                  << kLinkReadyLimit.count() << " ms:\n"
                  << last;
    return false;
  }

  static bool Carrying(const CommandResult& show) {
    return show.ok && show.output.find("LOWER_UP") != std::string::npos &&
           show.output.find("state UP") != std::string::npos &&
           show.output.find("qdisc noop") == std::string::npos;
  }

  Namespace device_;
  bool ready_ = false;
  bool ipv6_ = false;
  std::string error_;
  int next_number_ = 0;
  std::map<int, Link> links_;
};

/// A GoogleTest fixture with a rig that has been checked to be safe.
class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RO_SKIP_WITHOUT_MULTICAST_OPTIONS();
    ASSERT_TRUE(rig_.Ready()) << rig_.Error();
  }

  NetnsRig rig_;
};

}  // namespace ro_netns

#endif  // RO_TESTS_NETNS_RIG_HPP_
