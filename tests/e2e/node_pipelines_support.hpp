#pragma once
// Helpers for the node-level pipeline tests (test_node_pipelines.cpp): copies edited with DCMTK's
// dcmodify, osteonctl's JSON, waiting for jobs. Phantoms and osteonctl come from the support
// library (node_with_pacs.hpp).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node.hpp"
#include "node_with_pacs.hpp"

namespace osteon::test {

/// A copy of `source` at `copy`, edited by `dcmodify -nb ARGS` (e.g. {"-m", "(0018,0015)=HAND"}).
std::filesystem::path modified_copy(const std::filesystem::path& source, const std::filesystem::path& copy,
                                    const std::vector<std::string>& args);

std::size_t count_state(const nlohmann::json& jobs, const std::string& state);

/// Polls `osteonctl jobs` until `expected` jobs exist and all are final (or the node died);
/// returns the last listing. The caller asserts on it.
nlohmann::json wait_for_jobs(Node& node, std::size_t expected);

/// The rows of a JSON listing whose `key` equals `value`.
std::vector<nlohmann::json> rows_where(const nlohmann::json& rows, const std::string& key, const nlohmann::json& value);

/// True for SR Storage SOP classes (1.2.840.10008.5.1.4.1.1.88.x).
bool is_sr_class(const std::string& sop_class_uid);

} // namespace osteon::test
