#include <catch2/catch.hpp>

#include "osteon/core/error.hpp"
#include "osteon/db/audit_repository.hpp"
#include "osteon/db/database.hpp"
#include "osteon/db/instance_repository.hpp"
#include "osteon/db/migrations.hpp"
#include "process.hpp"

using namespace osteon;

namespace {

db::StoredInstance instance(const std::string& sop, const std::string& study, const std::string& series,
                            const std::string& body_part = "HAND", const std::string& received = "2026-11-20T10:00:00.000Z") {
  db::StoredInstance s;
  s.attributes.sop_instance_uid = sop;
  s.attributes.sop_class_uid = "1.2.840.10008.5.1.4.1.1.1.1";
  s.attributes.study_uid = study;
  s.attributes.series_uid = series;
  s.attributes.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  s.attributes.modality = "DX";
  s.attributes.body_part = body_part;
  s.attributes.patient_id = "P1";
  s.size_bytes = 1000;
  s.sha256 = "ab";
  s.calling_ae = "CR1";
  s.received_at = received;
  s.path = "spool/" + study + "/" + series + "/" + sop + ".dcm";
  return s;
}

std::string text(const db::Value& v) { return std::get<std::string>(v); }

} // namespace

TEST_CASE("migrations create the schema once and record its version", "[db]") {
  test::TempDir dir;
  db::Database database(dir.path() / "t.db");
  const auto newest = db::builtin_migrations().back().version;
  CHECK(db::migrate(database) == newest);
  CHECK(db::migrate(database) == newest);  // idempotent
  CHECK_NOTHROW(db::require_schema(database));
}

TEST_CASE("a database with a newer schema than the binary is refused", "[db]") {
  test::TempDir dir;
  db::Database database(dir.path() / "t.db");
  db::migrate(database);
  database.exec("PRAGMA user_version = 999");
  try {
    db::migrate(database);
    FAIL("migrate accepted a newer schema");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::schema_too_new);
    CHECK_THAT(e.what(), Catch::Contains("999"));
  }
}

TEST_CASE("migration files must be numbered without gaps", "[db]") {
  test::TempDir dir;
  db::Database database(dir.path() / "t.db");
  std::vector<db::Migration> migrations{{1, "0001_a.sql", "CREATE TABLE a(x);"}, {2, "0002_b.sql", "CREATE TABLE b(x);"}};
  CHECK(db::migrate(database, migrations) == 2);
  migrations.push_back({3, "0003_bad.sql", "CREATE TABLE b(x);"});  // fails: table exists
  CHECK_THROWS_AS(db::migrate(database, migrations), Error);
  CHECK(database.user_version() == 2);  // the failed migration was rolled back
}

TEST_CASE("inserting an instance creates its study and series; a second copy changes nothing", "[db]") {
  test::TempDir dir;
  db::Database database(dir.path() / "t.db");
  db::migrate(database);
  db::InstanceRepository repo(database);
  CHECK(repo.insert(instance("1.1", "9.1", "8.1")));
  CHECK(repo.insert(instance("1.2", "9.1", "8.1")));
  CHECK_FALSE(repo.insert(instance("1.2", "9.1", "8.1")));
  CHECK(repo.contains("1.1"));
  CHECK_FALSE(repo.contains("1.3"));
  const auto found = repo.find("1.2");
  REQUIRE(found);
  CHECK(found->attributes.series_uid == "8.1");
  CHECK(found->calling_ae == "CR1");
  const auto stats = repo.stats();
  REQUIRE(stats.rows.size() == 1);
  CHECK(std::get<std::int64_t>(stats.rows[0][0]) == 1);  // studies
  CHECK(std::get<std::int64_t>(stats.rows[0][1]) == 1);  // series
  CHECK(std::get<std::int64_t>(stats.rows[0][2]) == 2);  // instances
}

TEST_CASE("listings filter by study, body part, modality, date range and calling AE", "[db]") {
  test::TempDir dir;
  db::Database database(dir.path() / "t.db");
  db::migrate(database);
  db::InstanceRepository repo(database);
  repo.insert(instance("1.1", "9.1", "8.1", "HAND", "2026-11-01T10:00:00.000Z"));
  repo.insert(instance("1.2", "9.2", "8.2", "SKULL", "2026-11-10T10:00:00.000Z"));
  auto hip = instance("1.3", "9.3", "8.3", "HIP", "2026-11-20T10:00:00.000Z");
  hip.calling_ae = "CR2";
  repo.insert(hip);

  db::Filter f;
  CHECK(repo.instances(f).rows.size() == 3);
  CHECK(repo.studies(f).rows.size() == 3);
  f.body_part = "skull";
  auto t = repo.instances(f);
  REQUIRE(t.rows.size() == 1);
  CHECK(text(t.rows[0][0]) == "1.2");
  f = {};
  f.received_from = "2026-11-05";
  f.received_to = "2026-11-15";
  CHECK(repo.instances(f).rows.size() == 1);
  f = {};
  f.calling_ae = "CR2";
  CHECK(repo.series(f).rows.size() == 1);
  f = {};
  f.study_uid = "9.1";
  CHECK(repo.studies(f).rows.size() == 1);
  f = {};
  f.modality = "CT";
  CHECK(repo.instances(f).rows.empty());
  f = {};
  f.limit = 2;
  CHECK(repo.instances(f).rows.size() == 2);
}

TEST_CASE("a read-only connection sees committed rows while the writer is open", "[db]") {
  test::TempDir dir;
  db::Database writer(dir.path() / "t.db");
  db::migrate(writer);
  db::InstanceRepository repo(writer);
  repo.insert(instance("1.1", "9.1", "8.1"));
  db::Database reader(dir.path() / "t.db", db::Database::Mode::read_only);
  db::InstanceRepository ro(reader);
  CHECK(ro.contains("1.1"));
  CHECK_THROWS_AS(reader.exec("DELETE FROM instances"), Error);
  repo.insert(instance("1.2", "9.1", "8.1"));
  CHECK(ro.contains("1.2"));
}

TEST_CASE("associations are recorded from start to end; leftovers become interrupted", "[db]") {
  test::TempDir dir;
  db::Database database(dir.path() / "t.db");
  db::migrate(database);
  db::InstanceRepository repo(database);
  const auto a = repo.start_association({"127.0.0.1", "CR1", "OSTEON", "2026-11-20T10:00:00.000Z", "tcp", ""});
  repo.end_association(a, {"2026-11-20T10:00:01.000Z", 1, 2, 0, 2000, "released"});
  repo.start_association({"127.0.0.1", "CR1", "OSTEON", "2026-11-20T10:00:02.000Z", "tls", "CN=ct1"});
  CHECK(repo.close_interrupted_associations("2026-11-20T11:00:00.000Z") == 1);
  const auto t = repo.associations({});
  REQUIRE(t.rows.size() == 2);
  CHECK(text(t.rows[0][10]) == "interrupted");
  CHECK(text(t.rows[1][10]) == "released");
  CHECK(std::get<std::int64_t>(t.rows[1][7]) == 2);
  CHECK(text(t.rows[0][11]) == "tls");  // how it came: TLS, with the caller's certificate subject
  CHECK(text(t.rows[0][12]) == "CN=ct1");
  CHECK(text(t.rows[1][11]) == "tcp");
}

TEST_CASE("opening a missing database read-only is a not-found error", "[db]") {
  test::TempDir dir;
  try {
    db::Database database(dir.path() / "absent.db", db::Database::Mode::read_only);
    FAIL("opened a missing database");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::not_found);
  }
}

TEST_CASE("the audit trail is append-only: a store's record is committed with it; rows cannot be changed or removed",
          "[db]") {
  test::TempDir dir;
  db::Database database(dir.path() / "t.db");
  db::migrate(database);
  db::InstanceRepository repo(database);
  auto s = instance("1.1", "9.1", "8.1");
  db::AuditEvent stored;
  stored.at = s.received_at;
  stored.event = db::audit::instances_transferred;
  stored.action = 'C';
  stored.actor = "CR1";
  stored.actor_host = "10.0.0.7";
  stored.study_uid = "9.1";
  stored.sop_instance_uid = "1.1";
  stored.patient_id = "P1";
  s.audit = stored;
  REQUIRE(repo.insert(s));
  CHECK_FALSE(repo.insert(s));  // a second copy: not stored, so no second record either

  db::AuditRepository audit(database);
  db::AuditEvent alert;
  alert.at = "2026-11-21T09:00:00.000Z";
  alert.event = db::audit::security_alert;
  alert.type = db::audit::node_authentication;
  alert.outcome = db::audit::minor_failure;
  alert.outcome_text = "TLS handshake failed: certificate has expired";
  alert.actor_host = "10.0.0.9";
  audit.append(alert);

  const auto all = audit.list({});
  REQUIRE(all.rows.size() == 2);
  CHECK(text(all.rows[0][2]) == "110113");  // newest first
  CHECK(text(all.rows[0][4]) == "Node Authentication");
  CHECK(std::get<std::int64_t>(all.rows[0][6]) == 4);
  CHECK(text(all.rows[1][2]) == "110104");
  CHECK(text(all.rows[1][5]) == "C");
  CHECK(text(all.rows[1][14]) == "P1");
  db::AuditFilter f;
  f.failures = "1";
  CHECK(audit.list(f).rows.size() == 1);
  f = {};
  f.study_uid = "9.1";
  CHECK(audit.list(f).rows.size() == 1);
  f = {};
  f.from = "2026-11-21";
  CHECK(audit.list(f).rows.size() == 1);
  f = {};
  f.actor = "CR1";
  f.event_id = "110104";
  CHECK(audit.list(f).rows.size() == 1);

  // The triggers refuse any change, whoever asks.
  CHECK_THROWS_WITH(database.exec("UPDATE audit SET actor = 'someone else'"), Catch::Contains("append-only"));
  CHECK_THROWS_WITH(database.exec("DELETE FROM audit"), Catch::Contains("append-only"));
  CHECK(audit.list({}).rows.size() == 2);
}
