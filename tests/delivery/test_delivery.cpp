// The outbox and its C-STORE SCU against real peers: Orthanc as the PACS, storescp with a
// restricted profile as a PACS that refuses an SR class, an osteon node that refuses our AE.
#include <catch2/catch.hpp>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmsr/dsrdoc.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <osteon/synth/dx_writer.hpp>
#include <thread>

#include "node.hpp"
#include "orthanc.hpp"
#include "osteon/db/migrations.hpp"
#include "osteon/db/outbox_repository.hpp"
#include "osteon/delivery/outbox.hpp"
#include "osteon/jobs/engine.hpp"
#include "osteon/dicom/spool.hpp"

namespace fs = std::filesystem;
using namespace osteon;
using namespace osteon::test;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  TempDir dir;
  fs::path data = dir.path() / "data";
  delivery::DeliveryConfig config;

  Fixture() {
    fs::create_directories(data);
    db::Database database(db::database_path(data));
    db::migrate(database);
    config.retry_base_s = 1;
    config.retry_cap_s = 2;
    config.max_attempts = 30;
    config.workers = 2;
  }

  // A result-like object in the spool.
  delivery::ResultObject dx(int i) {
    synth::DxAttributes a;
    a.sop_uid = synth::make_uid("instance", 900, static_cast<std::uint64_t>(i));
    a.study_uid = synth::make_uid("study", 900, 1);
    a.series_uid = synth::make_uid("series", 900, 1);
    InstanceAttributes ia;
    ia.study_uid = a.study_uid;
    ia.series_uid = a.series_uid;
    ia.sop_instance_uid = a.sop_uid;
    const auto rel = dicom::Spool::relative_path(ia);
    fs::create_directories((data / rel).parent_path());
    synth::write_dx(data / rel, a, synth::make_test_pattern(64, 64, 12, static_cast<std::uint32_t>(i)));
    return {a.sop_uid, std::string(synth::dx_for_presentation_sop_class), a.study_uid, rel};
  }

  // A small Comprehensive 3D SR in the spool.
  delivery::ResultObject sr() {
    DSRDocument doc(DSRTypes::DT_Comprehensive3DSR);
    doc.setPatientName("Phantom^Synthetic");
    doc.getTree().addContentItem(DSRTypes::RT_isRoot, DSRTypes::VT_Container);
    doc.getTree().getCurrentContentItem().setConceptName(DSRCodedEntryValue("126000", "DCM", "Imaging Measurement Report"));
    doc.getTree().addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Text, DSRTypes::AM_belowCurrent);
    doc.getTree().getCurrentContentItem().setConceptName(DSRCodedEntryValue("121106", "DCM", "Comment"));
    doc.getTree().getCurrentContentItem().setStringValue("AI result - not for primary diagnosis");
    DcmFileFormat ff;
    REQUIRE(doc.write(*ff.getDataset()).good());
    OFString uid;
    OFString study;
    doc.getSOPInstanceUID(uid);
    doc.getStudyInstanceUID(study);
    const std::string rel = "spool/sr/" + std::string(uid.c_str()) + ".dcm";
    fs::create_directories((data / rel).parent_path());
    REQUIRE(ff.saveFile((data / rel).c_str(), EXS_LittleEndianExplicit).good());
    return {uid.c_str(), UID_Comprehensive3DSRStorage, study.c_str(), rel};
  }

  db::Table rows() {
    db::Database database(db::database_path(data), db::Database::Mode::read_only);
    return db::OutboxRepository(database).list({});
  }
  std::int64_t count(const std::string& state) {
    db::Database database(db::database_path(data), db::Database::Mode::read_only);
    return db::OutboxRepository(database).count(state);
  }
  void enqueue(delivery::Outbox& outbox, const std::vector<delivery::ResultObject>& objects,
               const std::vector<std::string>& destinations, const std::string& sender = "CR1") {
    db::Database database(db::database_path(data));
    outbox.enqueue(database, objects, destinations, sender, delivery::sr_class_order("comprehensive3d"));
  }
  void wait_until(const std::function<bool()>& done, int seconds = 30) {
    for (int i = 0; i < seconds * 20 && !done(); ++i) std::this_thread::sleep_for(50ms);
    REQUIRE(done());
  }
};

// Delivery as the node wires it: the outbox's "delivery" queue on a work-queue engine.
struct Delivery {
  jobs::Engine engine;
  delivery::Outbox outbox;
  Delivery(const Fixture& f, const std::string& calling_ae)
      : engine(db::database_path(f.data)), outbox(f.data, f.config, calling_ae) {
    outbox.attach(engine);
  }
  void start() { engine.start(); }
  void stop() { engine.stop(); }
};

std::string text(const db::Value& v) { return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : ""; }

} // namespace

TEST_CASE("results queued for a destination reach Orthanc exactly once", "[delivery]") {
  Fixture f;
  Orthanc pacs(f.dir.path() / "orthanc");
  pacs.start();
  f.config.destinations.push_back({"pacs", pacs.ae_title(), "127.0.0.1", pacs.dicom_port()});
  Delivery engine(f, "OSTEON");
  engine.start();
  std::vector<delivery::ResultObject> objects{f.dx(1), f.dx(2), f.sr()};
  f.enqueue(engine.outbox, objects, {"pacs"});
  f.enqueue(engine.outbox, objects, {"pacs"});  // the same results again: nothing new
  f.wait_until([&] { return f.count("delivered") == 3; });
  engine.stop();
  CHECK(f.rows().rows.size() == 3);
  CHECK(pacs.instance_count() == 3);
  // Orthanc filed the SR in the same study as the DX results.
  CHECK(pacs.get("/studies").find("[") != std::string::npos);
}

TEST_CASE("while the PACS is down deliveries are retried, then delivered once it is back", "[delivery]") {
  Fixture f;
  Orthanc pacs(f.dir.path() / "orthanc");
  f.config.destinations.push_back({"pacs", pacs.ae_title(), "127.0.0.1", pacs.dicom_port()});
  Delivery engine(f, "OSTEON");
  engine.start();
  f.enqueue(engine.outbox, {f.dx(1), f.dx(2)}, {"pacs"});
  // Seen between two attempts (a row being sent is 'sending' for a moment): waiting, with the error.
  db::Table pending;
  f.wait_until([&] {
    pending = f.rows();
    return !pending.rows.empty() && std::get<std::int64_t>(pending.rows[0][8]) >= 2 &&  // attempts
           text(pending.rows[0][7]) == "pending";
  });
  CHECK(text(pending.rows[0][7]) == "pending");
  CHECK_THAT(text(pending.rows[0][10]), Catch::Contains("network error"));
  pacs.start();
  f.wait_until([&] { return f.count("delivered") == 2; }, 60);
  engine.stop();
  CHECK(pacs.instance_count() == 2);
}

TEST_CASE("a destination that rejects our AE title permanently fails the delivery without endless retries", "[delivery]") {
  Fixture f;
  Node picky(f.dir.path() / "picky", NodeOptions{"", "allowed_callers = [ { ae_title = \"SOMEONE_ELSE\" } ]", "min_free_mb = 0", "auth = false", ""});
  picky.start();
  f.config.destinations.push_back({"picky", "OSTEON", "127.0.0.1", picky.port()});
  Delivery engine(f, "AI_NODE");
  engine.start();
  f.enqueue(engine.outbox, {f.dx(1)}, {"picky"});
  f.wait_until([&] { return f.count("failed") == 1; });
  std::this_thread::sleep_for(1500ms);  // longer than the retry delay: nothing more happens
  engine.stop();
  const auto t = f.rows();
  CHECK(std::get<std::int64_t>(t.rows[0][8]) == 1);
  CHECK_THAT(text(t.rows[0][10]), Catch::Contains("rejected (permanent)") && Catch::Contains("Calling AE Title Not Recognized"));
  CHECK(picky.stop() == 0);
}

TEST_CASE("a PACS that refuses Comprehensive 3D SR gets the report as Comprehensive SR", "[delivery]") {
  Fixture f;
  // storescp accepting only Comprehensive SR and Enhanced SR.
  const fs::path cfg = f.dir.path() / "scp.cfg";
  std::ofstream(cfg) << "[[TransferSyntaxes]]\n[TS]\nTransferSyntax1 = 1.2.840.10008.1.2.1\n"
                        "TransferSyntax2 = 1.2.840.10008.1.2\n\n[[PresentationContexts]]\n[PC]\n"
                        "PresentationContext1 = 1.2.840.10008.5.1.4.1.1.88.33\\TS\n"
                        "PresentationContext2 = 1.2.840.10008.5.1.4.1.1.88.22\\TS\n\n[[Profiles]]\n[SRONLY]\n"
                        "PresentationContexts = PC\n";
  const int port = free_port();
  fs::create_directories(f.dir.path() / "received");
  Process scp({"storescp", "-aet", "LEGACY", "-xf", cfg.string(), "SRONLY", "-od", (f.dir.path() / "received").string(),
               std::to_string(port)},
              f.dir.path() / "storescp.log");
  std::this_thread::sleep_for(500ms);
  f.config.destinations.push_back({"legacy", "LEGACY", "127.0.0.1", port});
  Delivery engine(f, "OSTEON");
  engine.start();
  f.enqueue(engine.outbox, {f.sr()}, {"legacy"});
  f.wait_until([&] { return f.count("delivered") == 1; });
  engine.stop();
  CHECK(text(f.rows().rows[0][11]) == UID_ComprehensiveSRStorage);  // sent_as
  const auto received = files_in(f.dir.path() / "received");
  REQUIRE(received.size() == 1);
  DcmFileFormat ff;
  REQUIRE(ff.loadFile(received[0].c_str()).good());
  OFString cls;
  ff.getDataset()->findAndGetOFString(DCM_SOPClassUID, cls);
  CHECK(cls == UID_ComprehensiveSRStorage);
}

TEST_CASE("deliveries a stopped process was sending are sent after restart, once", "[delivery]") {
  Fixture f;
  Orthanc pacs(f.dir.path() / "orthanc");
  pacs.start();
  f.config.destinations.push_back({"pacs", pacs.ae_title(), "127.0.0.1", pacs.dicom_port()});
  {
    // A process queued two deliveries, claimed one, and died before sending it.
    Delivery engine(f, "OSTEON");
    f.enqueue(engine.outbox, {f.dx(1), f.dx(2)}, {"pacs"});
    db::Database database(db::database_path(f.data));
    REQUIRE(db::OutboxQueue(database).claim("9999-01-01T00:00:00.000Z", "9999-01-01T00:10:00.000Z"));
  }
  CHECK(f.count("sending") == 1);
  Delivery engine(f, "OSTEON");
  engine.start();
  f.wait_until([&] { return f.count("delivered") == 2; });
  engine.stop();
  CHECK(pacs.instance_count() == 2);
}

TEST_CASE("unknown destinations and unknown senders are recorded as failed deliveries", "[delivery]") {
  Fixture f;
  f.config.known_peers.push_back({"CR1", "CR1_SCP", "127.0.0.1", 1});
  Delivery engine(f, "OSTEON");
  f.enqueue(engine.outbox, {f.dx(1)}, {"nowhere", "sender"}, "CR9");
  const auto t = f.rows();
  REQUIRE(t.rows.size() == 2);
  for (const auto& row : t.rows) CHECK(text(row[7]) == "failed");
  CHECK_THAT(text(t.rows[0][10]) + text(t.rows[1][10]),
             Catch::Contains("'nowhere' is not configured") && Catch::Contains("sender 'CR9'"));

  // The admin sees them and can queue one again.
  const std::string ctl = (binary_dir() / "osteonctl").string();
  const auto listed = run({ctl, "--data-dir", f.data.string(), "--json", "deliveries", "--state", "failed"});
  REQUIRE(listed.exit_code == 0);
  CHECK(nlohmann::json::parse(listed.output).size() == 2);
  const auto id = std::to_string(std::get<std::int64_t>(t.rows[0][0]));
  CHECK(run({ctl, "--data-dir", f.data.string(), "retry", id}).exit_code == 0);
  CHECK(f.count("pending") == 1);
  CHECK(run({ctl, "--data-dir", f.data.string(), "retry", id}).exit_code != 0);  // not failed any more
  CHECK(run({ctl, "--data-dir", f.data.string(), "retry", "999"}).exit_code != 0);
}
