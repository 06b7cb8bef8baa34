#pragma once
// Helpers for the node-level pipeline tests (test_node_pipelines.cpp): phantoms from
// osteon-phantom, copies edited with DCMTK's dcmodify, osteonctl's JSON, waiting for jobs.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node.hpp"

namespace osteon::test {

struct Phantoms {
  std::vector<std::filesystem::path> files;
  std::vector<nlohmann::json> truth;  // one record per file, same order
};

/// osteon-phantom --kind KIND --count N --seed S [--variants V] [--per-study P] into `out`.
Phantoms make_phantoms(const std::filesystem::path& out, const std::string& kind, int count, unsigned seed,
                       const std::string& variants = "", int per_study = 1);

/// A copy of `source` at `copy`, edited by `dcmodify -nb ARGS` (e.g. {"-m", "(0018,0015)=HAND"}).
std::filesystem::path modified_copy(const std::filesystem::path& source, const std::filesystem::path& copy,
                                    const std::vector<std::string>& args);

/// The node's [inference] section with the shipped models of the source tree.
std::string shipped_models_section();

/// osteonctl --data-dir <node's> --json ARGS; REQUIREs exit 0 and returns the parsed output.
nlohmann::json ctl_json(const Node& node, const std::vector<std::string>& args);
/// osteonctl --data-dir <node's> ARGS as it prints them (a table, or `route`'s explanation).
RunResult ctl_text(const Node& node, const std::vector<std::string>& args);

/// done, not-analysable or failed: nothing more will happen to the job.
bool is_final(const nlohmann::json& job);
std::size_t count_state(const nlohmann::json& jobs, const std::string& state);

/// Polls `osteonctl jobs` until `expected` jobs exist and all are final (or the node died);
/// returns the last listing. The caller asserts on it.
nlohmann::json wait_for_jobs(Node& node, std::size_t expected);

/// The rows of a JSON listing whose `key` equals `value`.
std::vector<nlohmann::json> rows_where(const nlohmann::json& rows, const std::string& key, const nlohmann::json& value);

/// True for SR Storage SOP classes (1.2.840.10008.5.1.4.1.1.88.x).
bool is_sr_class(const std::string& sop_class_uid);

} // namespace osteon::test
