#include "ingest_fixture.hpp"

#include <catch2/catch.hpp>
#include <dcmtk/oflog/oflog.h>
#include <osteon/synth/dx_writer.hpp>
#include <set>

#include "osteon/db/database.hpp"
#include "osteon/core/sha256.hpp"
#include "osteon/dicom/spool.hpp"

namespace fs = std::filesystem;

namespace osteon::test {

std::vector<fs::path> make_inputs(const fs::path& dir, unsigned count, unsigned seed, unsigned rows, unsigned cols) {
  OFLog::configure(OFLogger::WARN_LOG_LEVEL);  // DCMTK's encoders chat at info level
  using synth::Encoding;
  const Encoding encodings[] = {Encoding::explicit_le, Encoding::jpeg_lossless, Encoding::rle, Encoding::jpeg_ls_lossless};
  fs::create_directories(dir);
  std::vector<fs::path> files;
  for (unsigned i = 0; i < count; ++i) {
    synth::DxAttributes a;
    const unsigned study = i / 25;
    a.study_uid = synth::make_uid("study", seed, study);
    a.series_uid = synth::make_uid("series", seed, study);
    a.sop_uid = synth::make_uid("instance", seed, i);
    a.patient_id = "SYN" + std::to_string(seed) + "-" + std::to_string(study);
    a.body_part = (i % 3 == 0) ? "HAND" : (i % 3 == 1) ? "SKULL" : "HIP";
    a.instance_number = static_cast<int>(i + 1);
    const fs::path file = dir / (std::to_string(10000 + i) + ".dcm");
    synth::write_dx(file, a, synth::make_test_pattern(rows, cols, 12, seed * 1000 + i), encodings[i % 4]);
    files.push_back(file);
  }
  return files;
}

std::vector<db::StoredInstance> indexed_instances(const fs::path& database) {
  db::Database conn(database, db::Database::Mode::read_only);
  db::InstanceRepository repo(conn);
  std::vector<db::StoredInstance> out;
  auto st = conn.prepare("SELECT sop_instance_uid FROM instances");
  while (st.step()) {
    out.push_back(*repo.find(st.column_text(0)));
  }
  return out;
}

std::vector<std::string> spool_files(const fs::path& data_dir) {
  std::vector<std::string> out;
  const fs::path root = data_dir / "spool";
  if (!fs::exists(root)) return out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == ".tmp") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), data_dir).generic_string());
  }
  return out;
}

std::size_t temp_files(const fs::path& data_dir) {
  const fs::path tmp = data_dir / "spool" / ".tmp";
  if (!fs::exists(tmp)) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(tmp), fs::directory_iterator()));
}

void require_spool_matches_index(const fs::path& data_dir) {
  const auto rows = indexed_instances(data_dir / "osteon.db");
  std::set<std::string> indexed;
  for (const auto& r : rows) {
    INFO(r.path);
    REQUIRE(fs::exists(data_dir / r.path));
    CHECK(static_cast<std::int64_t>(fs::file_size(data_dir / r.path)) == r.size_bytes);
    CHECK(sha256_file(data_dir / r.path) == r.sha256);
    indexed.insert(r.path);
  }
  for (const auto& f : spool_files(data_dir)) {
    INFO("file in spool without index row: " << f);
    CHECK(indexed.contains(f));
  }
  CHECK(temp_files(data_dir) == 0);
}

} // namespace osteon::test
