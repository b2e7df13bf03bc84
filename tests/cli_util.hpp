// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// Runs rodatagram-cat from the CLI tests the way a harness does: as a child
// process with its stdout and stderr captured. Header-only.
//
// Every call is bounded in time: a child that outlives its limit is killed
// (by its own pid) and reported, so a broken tool fails a test, never hangs
// it.

#ifndef RO_TESTS_CLI_UTIL_HPP_
#define RO_TESTS_CLI_UTIL_HPP_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#ifndef RODATAGRAM_CAT_PATH
#  error "RODATAGRAM_CAT_PATH must name the rodatagram-cat executable"
#endif

namespace ro_test {

/// The tool under test.
inline const char* CatPath() { return RODATAGRAM_CAT_PATH; }

/// One running (or finished) rodatagram-cat.
class Child {
 public:
  /// Starts rodatagram-cat with `args`; stdin is /dev/null. started() tells
  /// whether the spawn worked.
  explicit Child(const std::vector<std::string>& args) {
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return;
    std::vector<std::string> argv_text;
#ifdef RODATAGRAM_TEST_EMULATOR
    // A cross build: the tool is a target binary, run through qemu-user.
    argv_text.emplace_back(RODATAGRAM_TEST_EMULATOR);
#endif
    argv_text.emplace_back(CatPath());
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }

  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
  }

  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }

  /// Reads output until `done()` holds, both pipes are closed, or `limit`
  /// passes. Returns done().
  bool ReadUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    // Bounded besides the clock: each round reads or waits at most 10 ms.
    for (long long round = 0; round <= limit.count() / 10 + 1000; ++round) {
      if (done()) return true;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || (out_fd_ < 0 && err_fd_ < 0)) break;
      pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
      if (poll(fds, 2, 10) < 0) break;
      Drain(fds[0], out_fd_, out_);
      Drain(fds[1], err_fd_, err_);
    }
    return done();
  }

  /// Waits up to `limit` for the child to exit, reading all its output.
  /// Returns its exit status, or -1 if it had to be killed or was killed by
  /// a signal.
  int Finish(std::chrono::milliseconds limit) {
    if (!started()) return -1;
    ReadUntil([this] { return out_fd_ < 0 && err_fd_ < 0; }, limit);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (int round = 0; round < 1000; ++round) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      usleep(10'000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    exited_ = true;
    return -1;
  }

  [[nodiscard]] const std::string& out() const { return out_; }
  [[nodiscard]] const std::string& err() const { return err_; }

 private:
  static void Drain(const pollfd& p, int& fd, std::string& into) {
    if (fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) return;
    char buffer[4096];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<std::size_t>(n));
    } else {
      close(fd);
      fd = -1;
    }
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
};

/// What a finished run printed and returned.
struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

/// Runs rodatagram-cat with `args` to completion within `limit`.
inline RunResult RunCat(const std::vector<std::string>& args,
                        std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  Child child(args);
  RunResult result;
  result.status = child.Finish(limit);
  result.out = child.out();
  result.err = child.err();
  return result;
}

/// The port a `listen` child reports on stderr ("listening on UDP port N"),
/// waiting up to `limit` for it; 0 if it never came.
inline int ListeningPort(Child& child, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const std::string marker = "listening on UDP port ";
  if (!child.ReadUntil(
          [&] {
            const auto at = child.err().find(marker);
            return at != std::string::npos && child.err().find('\n', at) != std::string::npos;
          },
          limit)) {
    return 0;
  }
  return std::stoi(child.err().substr(child.err().find(marker) + marker.size()));
}

}  // namespace ro_test

#endif  // RO_TESTS_CLI_UTIL_HPP_
