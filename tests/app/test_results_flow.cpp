// Job -> result objects -> outbox -> a real PACS, with a fake pipeline (the unit seam) that
// returns typed findings: the SR and SC land in the source's study in Orthanc, exactly once.
#include <catch2/catch.hpp>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>
#include <osteon/synth/dx_writer.hpp>
#include <thread>

#include "orthanc.hpp"
#include "osteon/app/result_publisher.hpp"
#include "osteon/db/job_repository.hpp"
#include "osteon/db/migrations.hpp"
#include "osteon/db/outbox_repository.hpp"
#include "osteon/delivery/outbox.hpp"
#include "osteon/jobs/analysis.hpp"
#include "osteon/dicom/attributes_reader.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace osteon;
using namespace std::chrono_literals;

namespace {

class BoneAgeStub : public pipelines::Pipeline {
 public:
  std::string name() const override { return "bone_age"; }
  std::optional<std::string> unavailable_reason() const override { return std::nullopt; }
  pipelines::Finding run(const pipelines::JobInput& input) override {
    ++runs;
    pipelines::Finding f;
    f.outcome = pipelines::Outcome::done;
    f.summary = "bone age 126 months";
    f.model_name = "bone_age_stub";
    f.model_version = "0.1";
    results::BoneAgeFinding b;
    b.bone_age_months = 126;
    b.chronological_age_months = 120;
    f.result = b;
    results::ScContent sc;
    sc.image.rows = 64;
    sc.image.cols = 48;
    sc.image.pixels.assign(64 * 48 * 3, 90);
    sc.burned_in_text = {"AI result - not for primary diagnosis", "bone_age_stub 0.1"};
    f.illustration = sc;
    (void)input;
    return f;
  }
  std::atomic<int> runs{0};
};

} // namespace

TEST_CASE("a finished job's SR and SC are stored, indexed and delivered into the source's study", "[results_flow]") {
  test::TempDir dir;
  test::Orthanc pacs(dir.path() / "orthanc");
  pacs.start();

  app::Config config = app::default_config();
  config.node.data_dir = dir.path() / "data";
  config.delivery.destinations.push_back({"pacs", pacs.ae_title(), "127.0.0.1", pacs.dicom_port()});
  config.delivery.retry_base_s = 1;
  fs::create_directories(config.node.data_dir);
  {
    db::Database database(db::database_path(config.node.data_dir));
    db::migrate(database);
  }
  dicom::Spool spool(config.node.data_dir, false);

  // The source: a hand DX, stored with its queued job.
  synth::DxAttributes a;
  a.patient_id = "PID-FLOW";
  a.patient_birth_date = "20160101";
  const auto tmp = spool.new_temp_path();
  synth::write_dx(tmp, a, synth::make_test_pattern(64, 48, 12, 3));
  db::StoredInstance src;
  src.attributes = dicom::read_attributes(tmp);
  src.sha256 = "x";
  src.calling_ae = "CR1";
  src.received_at = "2026-11-21T00:00:00.000Z";
  src.path = dicom::Spool::relative_path(src.attributes);
  src.job = db::JobRequest{"bone_age", "hand-bone-age"};
  spool.commit(tmp, src.path);
  {
    db::Database database(db::database_path(config.node.data_dir));
    REQUIRE(db::InstanceRepository(database).insert(src));
  }

  auto profiles = routing::builtin_profiles();
  for (auto& p : profiles) p.destinations = {"pacs"};
  // Wired as the node wires it: one engine, the pipeline's queue and the delivery queue.
  delivery::Outbox outbox(config.node.data_dir, config.delivery, "OSTEON");
  auto publisher = std::make_shared<app::ResultPublisher>(config, spool, outbox);
  auto stub = std::make_shared<BoneAgeStub>();
  jobs::Engine engine(db::database_path(config.node.data_dir));
  outbox.attach(engine);
  jobs::AnalysisSettings settings;
  settings.data_dir = config.node.data_dir;
  settings.router = std::make_shared<routing::Router>(profiles);
  settings.poll = 20ms;
  jobs::add_analysis_queues(engine, {{"bone_age", {stub, 1}}}, settings, publisher);
  engine.start();

  auto delivered = [&] {
    db::Database database(db::database_path(config.node.data_dir), db::Database::Mode::read_only);
    return db::OutboxRepository(database).count("delivered");
  };
  for (int i = 0; i < 600 && delivered() < 3; ++i) std::this_thread::sleep_for(50ms);
  engine.stop();
  REQUIRE(delivered() == 3);
  CHECK(stub->runs == 1);

  // Orthanc holds one study, the source's, with the SR, the SC and the GSPS.
  CHECK(pacs.instance_count() == 3);
  const auto studies = nlohmann::json::parse(pacs.get("/studies"));
  REQUIRE(studies.size() == 1);
  const auto study = nlohmann::json::parse(pacs.get("/studies/" + studies[0].get<std::string>()));
  CHECK(study["MainDicomTags"]["StudyInstanceUID"] == src.attributes.study_uid);
  CHECK(study["PatientMainDicomTags"]["PatientID"] == "PID-FLOW");

  // The three objects are in the node's own index, and the SR lists the source as evidence.
  db::Database database(db::database_path(config.node.data_dir), db::Database::Mode::read_only);
  db::Filter f;
  f.study_uid = src.attributes.study_uid;
  const auto rows = db::InstanceRepository(database).instances(f);
  REQUIRE(rows.rows.size() == 4);
  bool evidence_found = false;
  for (const auto& row : rows.rows) {
    const auto path = config.node.data_dir / std::get<std::string>(row[13]);
    DcmFileFormat ff;
    REQUIRE(ff.loadFile(path.c_str()).good());
    DcmItem* evidence = nullptr;
    if (ff.getDataset()->findAndGetSequenceItem(DCM_CurrentRequestedProcedureEvidenceSequence, evidence, 0).good()) {
      OFString text;
      ff.getDataset()->findAndGetOFStringArray(DCM_SOPInstanceUID, text);
      DcmItem* series = nullptr;
      DcmItem* sop = nullptr;
      for (unsigned long i = 0; evidence->findAndGetSequenceItem(DCM_ReferencedSeriesSequence, series, static_cast<int>(i)).good(); ++i) {
        for (unsigned long j = 0; series->findAndGetSequenceItem(DCM_ReferencedSOPSequence, sop, static_cast<int>(j)).good(); ++j) {
          OFString ref;
          sop->findAndGetOFString(DCM_ReferencedSOPInstanceUID, ref);
          if (ref == src.attributes.sop_instance_uid.c_str()) evidence_found = true;
        }
      }
    }
  }
  CHECK(evidence_found);
  CHECK(db::JobRepository(database).count("done") == 1);
}
