// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// The one error model inside the library: an operation returns a Status (a
// negative errno-style code and the sentence that explains it) up to the
// public facade, which records it for GetFailureReason() / GetFailureCode()
// of the object the application called. Work done in the background never
// records a Status; it counts.

#ifndef RO_SRC_STATUS_HPP_
#define RO_SRC_STATUS_HPP_

#include <cerrno>
#include <string>
#include <utility>

namespace ro::detail {

class [[nodiscard]] Status {
 public:
  /// Success.
  Status() = default;

  /// A failure: `code` is negative (-errno style), `reason` names the call
  /// and the cause.
  static Status Failure(int code, std::string reason) {
    Status s;
    s.code_ = code < 0 ? code : -code;
    if (s.code_ == 0) s.code_ = -EINVAL;  // a failure is never 0
    s.reason_ = std::move(reason);
    return s;
  }

  [[nodiscard]] bool ok() const noexcept { return code_ == 0; }
  [[nodiscard]] int code() const noexcept { return code_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

  /// The same failure with `context` put in front of the reason.
  Status Within(const std::string& context) && {
    if (!ok()) reason_ = context + ": " + reason_;
    return std::move(*this);
  }

 private:
  int code_ = 0;
  std::string reason_;
};

}  // namespace ro::detail

#endif  // RO_SRC_STATUS_HPP_
