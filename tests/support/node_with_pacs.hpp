#pragma once
// The real node with a PACS as the destination of its results: an osteon node (node.hpp) with the
// shipped models, whose results for images sent by calling AE "MODALITY" go back to Orthanc
// (orthanc.hpp) or to another PACS (say, storescp +tls); storescu as the modality; osteonctl
// --json for the jobs and deliveries; polling until they settle. Plus what the node-level tests
// share around it: phantoms from osteon-phantom and osteonctl.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node.hpp"
#include "orthanc.hpp"

namespace osteon::test {

struct Phantoms {
  std::vector<std::filesystem::path> files;
  std::vector<nlohmann::json> truth;  // one record per file, same order
};

/// osteon-phantom --kind KIND --count N --seed S [--variants V] [--per-study P] into `out`;
/// REQUIREs success and `count` files.
Phantoms make_phantoms(const std::filesystem::path& out, const std::string& kind, int count, unsigned seed,
                       const std::string& variants = "", int per_study = 1);

/// osteonctl --data-dir <node's> --json ARGS; REQUIREs exit 0 and returns the parsed output.
nlohmann::json ctl_json(const Node& node, const std::vector<std::string>& args);
/// osteonctl --data-dir <node's> ARGS as it prints them (a table, or `route`'s explanation).
RunResult ctl_text(const Node& node, const std::vector<std::string>& args);

/// The node's [inference] section with the shipped models of the source tree.
std::string shipped_models_section();

/// A known_peers entry: results for images sent by calling AE "MODALITY" go to this address.
std::string modality_peer(const std::string& ae_title, int port, const std::string& extra_keys = "");

/// done, not-analysable or failed: nothing more will happen to the job.
bool is_final(const nlohmann::json& job);
/// Whether exactly `expected` jobs exist and all are final.
bool jobs_finished(const nlohmann::json& jobs, std::size_t expected);
/// Jobs that ended with results (done or not-analysable): each queued an SR, most also an SC.
std::size_t with_results(const nlohmann::json& jobs);
/// A delivery that nothing more will happen to: delivered or failed.
bool delivered_or_failed(const nlohmann::json& delivery);

/// Polls `done` every 200 ms until it holds or `limit` has passed; returns its last answer.
/// The limit only stops a hung test: no assertion depends on how long anything took.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(300));

/// Waits until something accepts TCP connections on the loopback port.
bool listening(int port);

/// Where the node sends the results of images from MODALITY when the PACS is not Orthanc.
struct PacsPeer {
  std::string ae_title;
  int port = 0;
  std::string extra_keys;  // more keys of its known_peers entry, e.g. ", tls = true, tls_ca_file = ..."
};

class NodeWithPacs {
 public:
  /// Orthanc in dir/orthanc as the PACS, and the node in dir/data with the shipped models and
  /// [delivery] `delivery_lines` (TOML lines) plus the known peer MODALITY -> Orthanc. Nothing is
  /// started yet: pacs().start(), node().start().
  NodeWithPacs(const std::filesystem::path& dir, const std::string& delivery_lines, const NodeOptions& options = {});
  /// The same with another PACS, started by the caller.
  NodeWithPacs(const std::filesystem::path& dir, const std::string& delivery_lines, const PacsPeer& pacs);

  Node& node() { return node_; }
  /// The Orthanc of the first constructor.
  Orthanc& pacs();

  /// storescu as calling AE MODALITY sends `files` in one association; REQUIREs success.
  void send(const std::vector<std::filesystem::path>& files);
  /// How many instances send() has sent: one job each.
  std::size_t sent() const { return sent_; }
  /// osteonctl --json ARGS against the node.
  nlohmann::json ctl(const std::vector<std::string>& args) const { return ctl_json(node_, args); }

  /// Polls jobs and deliveries until the jobs of all instances sent are final, every job with
  /// results has queued its deliveries (at least one each) and every delivery is `settled`;
  /// returns whether that happened before the limit. jobs() and deliveries() hold the last
  /// listings.
  bool wait_for_deliveries(const std::function<bool(const nlohmann::json&)>& settled);
  /// Polls the deliveries until there are some and all are delivered (deliveries() holds them).
  bool wait_until_all_delivered();

  const nlohmann::json& jobs() const { return jobs_; }
  const nlohmann::json& deliveries() const { return deliveries_; }

 private:
  std::unique_ptr<Orthanc> orthanc_;  // declared before node_: its ports go into the node's configuration
  Node node_;
  std::size_t sent_ = 0;
  nlohmann::json jobs_;
  nlohmann::json deliveries_;
};

} // namespace osteon::test
