// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT

// What makes a device the same device across restarts: a UUID derived from
// the machine and an instance name (UDA 1.1 §1.1.4: the UDN "MUST remain
// the same over time"), and BOOTID / CONFIGID kept in a small state file
// (UDA 1.1 §1.2.2: BOOTID increases on every boot; CONFIGID changes with the
// description).

#ifndef RO_SSDP_SRC_IDENTITY_HPP_
#define RO_SSDP_SRC_IDENTITY_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ro::ssdp::detail {

/// True for 8-4-4-4-12 hex digits.
[[nodiscard]] bool IsUuid(std::string_view text);

/// A name-based (version 5, SHA-1) UUID of `name` in the URL namespace of
/// RFC 4122, lower case.
[[nodiscard]] std::string NameBasedUuid(std::string_view name);

/// The machine's identity: /etc/machine-id, else /var/lib/dbus/machine-id,
/// else the host name (stable as long as the host keeps its name).
[[nodiscard]] std::string MachineId();

/// BOOTID and CONFIGID of one device, as persisted.
struct BootState {
  std::uint32_t boot_id = 0;
  std::uint32_t config_id = 0;
  std::uint32_t description_crc = 0;  ///< of the description the CONFIGID belongs to
};

/// Reads `path`: nullopt if it does not exist or does not parse (then `why`
/// says which, empty for a missing file).
[[nodiscard]] std::optional<BootState> ReadBootState(const std::string& path, std::string& why);

/// Writes `state` to `path` atomically (a temporary file renamed over it).
[[nodiscard]] bool WriteBootState(const std::string& path, const BootState& state,
                                  std::string& why);

/// The state of a new boot given the previous one: BOOTID + 1 (wrapping to 1
/// past 2^31 - 1), CONFIGID + 1 (mod 2^24) when the description changed.
[[nodiscard]] BootState NextBoot(const std::optional<BootState>& previous,
                                 std::uint32_t description_crc);

}  // namespace ro::ssdp::detail

#endif  // RO_SSDP_SRC_IDENTITY_HPP_
