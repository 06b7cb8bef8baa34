#pragma once
// Shared by the ingest integration tests: synthetic DX inputs and checks on the node's index.
#include <filesystem>
#include <string>
#include <vector>

#include "osteon/db/instance_repository.hpp"

namespace osteon::test {

/// `count` small DX files in `dir`, several studies and encodings (explicit LE, JPEG lossless,
/// RLE, JPEG-LS), deterministic for a seed.
std::vector<std::filesystem::path> make_inputs(const std::filesystem::path& dir, unsigned count, unsigned seed,
                                               unsigned rows = 128, unsigned cols = 96);

/// Every indexed instance of a node's database (read-only connection).
std::vector<db::StoredInstance> indexed_instances(const std::filesystem::path& database);

/// Regular files under <data>/spool (excluding .tmp), relative to the data directory.
std::vector<std::string> spool_files(const std::filesystem::path& data_dir);
/// Files under <data>/spool/.tmp.
std::size_t temp_files(const std::filesystem::path& data_dir);

/// REQUIREs that every indexed file exists, has the recorded size and sha256, and that every
/// spool file is indexed.
void require_spool_matches_index(const std::filesystem::path& data_dir);

} // namespace osteon::test
