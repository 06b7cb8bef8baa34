#pragma once
// Helpers for delivery tests through the real node: phantoms from osteon-phantom, osteonctl
// --json, the node's [inference] and [delivery] sections, polling until a state is reached.
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "node.hpp"

namespace osteon::test {

/// `count` phantoms of `kind` (hand, skull, hip) written by osteon-phantom into `dir`.
std::vector<std::filesystem::path> phantoms(const std::filesystem::path& dir, const std::string& kind, int count,
                                            int seed);

/// osteonctl --json against the node's data directory; REQUIREs success.
nlohmann::json ctl(const Node& node, const std::vector<std::string>& args);

/// [inference] with the shipped models and [delivery] with `delivery_lines` (TOML lines).
std::string node_sections(const std::string& delivery_lines);

/// A known_peers entry: results for images sent by calling AE "MODALITY" go to this address.
std::string modality_peer(const std::string& ae_title, int port, const std::string& extra_keys = "");

/// Whether all `expected` jobs reached a final state (done, not-analysable, failed).
bool jobs_finished(const nlohmann::json& jobs, std::size_t expected);

/// Jobs that ended with results (done or not-analysable): each queued an SR, most also an SC.
std::size_t with_results(const nlohmann::json& jobs);

/// Polls `done` every 200 ms until it holds or `limit` has passed; returns its last answer.
/// The limit only stops a hung test: no assertion depends on how long anything took.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(300));

/// Waits until something accepts TCP connections on the loopback port.
bool listening(int port);

} // namespace osteon::test
