// The ingest handler on its own (a unit seam under the SCP): admission bounds and what happens
// to a received file that cannot be kept.
#include <catch2/catch.hpp>

#include <fstream>
#include <osteon/synth/dx_writer.hpp>

#include "osteon/app/ingest.hpp"
#include "osteon/db/migrations.hpp"
#include "osteon/dicom/attributes_reader.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace osteon;

namespace {
struct Fixture {
  test::TempDir dir;
  app::Config config = app::default_config();
  db::Database database{dir.path() / "osteon.db"};
  dicom::Spool spool{dir.path(), false};
  dimse::AssociationInfo assoc{1, "127.0.0.1", "CR1", "OSTEON", false, ""};

  Fixture() {
    config.storage.min_free_mb = 0;
    config.storage.max_in_flight = 1;
    db::migrate(database);
  }
};
} // namespace

TEST_CASE("over max_in_flight a C-STORE is refused with 0xA700 until a slot frees", "[ingest]") {
  Fixture f;
  app::Ingest ingest(f.config, f.database, f.spool);
  const auto first = ingest.admit_store(f.assoc, "1.2", "1.2.3");
  REQUIRE(first.accept);
  const auto second = ingest.admit_store(f.assoc, "1.2", "1.2.4");
  CHECK_FALSE(second.accept);
  CHECK(second.status == 0xA700);
  CHECK_THAT(second.error_comment, Catch::Contains("too many"));
  ingest.store_interrupted(f.assoc, first.temp_file);
  CHECK(ingest.admit_store(f.assoc, "1.2", "1.2.4").accept);
}

TEST_CASE("below the free-disk minimum a C-STORE is refused with 0xA700", "[ingest]") {
  Fixture f;
  f.config.storage.min_free_mb = std::int64_t{1} << 40;
  app::Ingest ingest(f.config, f.database, f.spool);
  const auto r = ingest.admit_store(f.assoc, "1.2", "1.2.3");
  CHECK_FALSE(r.accept);
  CHECK(r.status == 0xA700);
  CHECK_THAT(r.error_comment, Catch::Contains("disk"));
}

TEST_CASE("a received file that is not DICOM is answered 0xC000 and removed", "[ingest]") {
  Fixture f;
  app::Ingest ingest(f.config, f.database, f.spool);
  const auto admission = ingest.admit_store(f.assoc, "1.2", "1.2.3");
  REQUIRE(admission.accept);
  std::ofstream(admission.temp_file) << "garbage, not a data set";
  const auto outcome = ingest.complete_store(f.assoc, {"1.2", "1.2.3", "1.2.840.10008.1.2.1", admission.temp_file});
  CHECK(outcome.status == 0xC000);
  CHECK_FALSE(outcome.error_comment.empty());
  CHECK_FALSE(fs::exists(admission.temp_file));
  CHECK(db::InstanceRepository(f.database).all_paths().empty());
  // The slot was released.
  CHECK(ingest.admit_store(f.assoc, "1.2", "1.2.4").accept);
}

TEST_CASE("a valid received file is committed to the spool and the index", "[ingest]") {
  Fixture f;
  app::Ingest ingest(f.config, f.database, f.spool);
  f.assoc.id = ingest.association_accepted(f.assoc);  // the index refers to the association row
  const auto admission = ingest.admit_store(f.assoc, "1.2", "x");
  REQUIRE(admission.accept);
  synth::DxAttributes a;
  synth::write_dx(admission.temp_file, a, synth::make_test_pattern(32, 32, 12, 5));
  const auto uid = dicom::read_attributes(admission.temp_file).sop_instance_uid;
  const auto outcome = ingest.complete_store(
      f.assoc, {std::string(synth::dx_for_presentation_sop_class), uid, "1.2.840.10008.1.2.1", admission.temp_file});
  CHECK(outcome.status == 0x0000);
  CHECK(outcome.bytes > 0);
  db::InstanceRepository repo(f.database);
  const auto row = repo.find(uid);
  REQUIRE(row);
  CHECK(fs::exists(f.dir.path() / row->path));
  CHECK(row->calling_ae == "CR1");
  CHECK(row->association_id == f.assoc.id);
}
