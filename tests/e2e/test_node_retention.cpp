// Storage retention through the real node: unrouted images purged after their own delay, an analysed
// image and its results purged by osteonctl, a re-run and a duplicate of a purged image, kill -9
// in the middle of a purge, and a stream of stores on a small file system (a tmpfs of its own,
// mounted in a user and mount namespace by ctest) that keeps being accepted while something can
// be purged, is refused with 0xA700 when nothing can, and is accepted again when space returns.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "node_with_pacs.hpp"
#include "osteon/db/database.hpp"
#include "osteon/synth/dx_writer.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace osteon;
using namespace osteon::test;
using nlohmann::json;

namespace {

// `count` chest DX images (no profile takes a chest), `rows` x `cols` 16-bit, explicit LE.
std::vector<fs::path> chests(const fs::path& dir, int count, unsigned seed, unsigned rows = 128, unsigned cols = 128) {
  fs::create_directories(dir);
  std::vector<fs::path> out;
  for (int i = 0; i < count; ++i) {
    synth::DxAttributes a;
    a.body_part = "CHEST";
    a.view_position = "PA";
    a.image_laterality = "U";
    a.patient_id = "RET-" + std::to_string(seed);
    a.study_uid = synth::make_uid("study", seed, 0);
    a.series_uid = synth::make_uid("series", seed, 0);
    a.sop_uid = synth::make_uid("sop", seed, static_cast<std::uint64_t>(i));
    a.instance_number = i + 1;
    out.push_back(dir / ("chest_" + std::to_string(i) + ".dcm"));
    synth::write_dx(out.back(), a, synth::make_test_pattern(rows, cols, 16, seed + static_cast<unsigned>(i)));
  }
  return out;
}

json instances(const Node& node) { return ctl_json(node, {"instances", "--limit", "100000"}); }

std::size_t count_state(const json& rows, const std::string& state) {
  std::size_t n = 0;
  for (const auto& r : rows) n += r["purge_state"] == state;
  return n;
}

// No file without a row, no row pointing at a missing file unless it says purged, and SQLite's
// own check.
void check_consistent(const Node& node) {
  const auto rows = instances(node);
  std::set<std::string> indexed;
  for (const auto& r : rows) {
    const std::string path = r["path"];
    indexed.insert(path);
    INFO(path << " " << r["purge_state"]);
    if (r["purge_state"] == "") CHECK(fs::exists(node.data_dir() / path));
    if (r["purge_state"] == "purged") CHECK_FALSE(fs::exists(node.data_dir() / path));
  }
  for (const auto& entry : fs::recursive_directory_iterator(node.data_dir() / "spool")) {
    if (!entry.is_regular_file() || entry.path().string().find("/.tmp/") != std::string::npos) continue;
    INFO(entry.path());
    CHECK(indexed.count(fs::relative(entry.path(), node.data_dir()).string()) == 1);
  }
  db::Database database(db::database_path(node.data_dir()), db::Database::Mode::read_only);
  auto st = database.prepare("PRAGMA integrity_check");
  REQUIRE(st.step());
  CHECK(st.column_text(0) == "ok");
}

} // namespace

TEST_CASE("unrouted images go after their delay; an analysed one with osteonctl purge; re-run and duplicate of a "
          "purged image say so",
          "[retention_node]") {
  TempDir dir;
  const auto chest = chests(dir.path() / "chest", 3, 9101);
  const auto hand = make_phantoms(dir.path() / "hand", "hand", 1, 9102).files;
  Node node(dir.path() / "data", {},
            shipped_models_section() + "[retention]\nkeep_unrouted = \"2s\"\ninterval = \"1s\"\n");
  node.start();
  auto sent = store(node.port(), chest, "MODALITY");
  REQUIRE(sent.exit_code == 0);
  sent = store(node.port(), hand, "MODALITY");
  REQUIRE(sent.exit_code == 0);

  // The chests go two seconds after they arrived; the hand (analysed, results not deliverable to
  // an unknown sender: failed) is kept for its 7 days, with its results.
  REQUIRE(eventually([&] { return count_state(instances(node), "purged") == 3; }, std::chrono::seconds(120)));
  const json jobs = ctl_json(node, {"jobs"});
  REQUIRE(jobs.size() == 1);
  REQUIRE(eventually([&] { return ctl_json(node, {"jobs"})[0]["state"] != "queued" &&
                                  ctl_json(node, {"jobs"})[0]["state"] != "running"; }));
  auto rows = instances(node);
  CHECK(count_state(rows, "") == rows.size() - 3);
  for (const auto& c : chest) CHECK_FALSE(fs::exists(node.data_dir() / "spool" / c.filename()));
  auto stats = ctl_json(node, {"stats"});
  INFO(stats.dump());
  CHECK(stats["bytes_purged"].get<std::int64_t>() > 3 * 128 * 128 * 2);
  CHECK(stats["bytes_kept"].get<std::int64_t>() > 0);
  CHECK(stats["bytes_pending"] == 0);
  CHECK_FALSE(stats["next_purge_at"].get<std::string>().empty());
  const auto system = http(node, "GET", "/api/v1/system");
  CHECK(system.status == 200);
  CHECK(system.parsed()["retention"]["bytes"]["kept"].get<std::int64_t>() > 0);
  CHECK(system.parsed()["retention"]["bytes"]["purged"] == stats["bytes_purged"]);

  // osteonctl with rules that keep nothing: the dry run lists the hand and its results, --now
  // deletes them.
  const fs::path config = dir.path() / "keep-nothing.toml";
  std::ofstream(config) << "[node]\ndata_dir = \"" << node.data_dir().string()
                        << "\"\n[retention]\nkeep_after_done = \"0\"\nkeep_results = \"0\"\n";
  const auto dry = ctl_text(node, {"--config", config.string(), "purge", "--dry-run"});
  INFO(dry.output);
  CHECK(dry.exit_code == 0);
  CHECK_THAT(dry.output, Catch::Contains("would free") && Catch::Contains(sop_instance_uid(hand[0])));
  CHECK(count_state(instances(node), "purged") == 3);  // a dry run changes nothing
  const auto now = ctl_text(node, {"--config", config.string(), "purge", "--now"});
  INFO(now.output);
  CHECK(now.exit_code == 0);
  rows = instances(node);
  CHECK(count_state(rows, "purged") == rows.size());
  CHECK(ctl_json(node, {"stats"})["bytes_kept"] == 0);

  // The console's study view gets each instance's purge state and time.
  const auto study = http(node, "GET", "/api/v1/studies/" + jobs[0]["study_uid"].get<std::string>());
  REQUIRE(study.status == 200);
  for (const auto& i : study.parsed()["instances"]) {
    CHECK(i["purge_state"] == "purged");
    CHECK_THAT(i["purged_at"].get<std::string>(), Catch::StartsWith("20"));
  }

  // A re-run of the purged image's job, its preview: refused, saying why.
  const auto rerun = http(node, "POST", "/api/v1/jobs/" + std::to_string(jobs[0]["id"].get<int>()) + "/rerun");
  CHECK(rerun.status == 400);
  CHECK_THAT(rerun.body, Catch::Contains("purged by retention"));
  const auto preview = http(node, "GET", "/api/v1/instances/" + sop_instance_uid(hand[0]) + "/preview.png");
  CHECK(preview.status == 404);
  CHECK_THAT(preview.body, Catch::Contains("purged by retention"));

  // The hand again: acknowledged, recognised, not stored or analysed again.
  sent = store(node.port(), hand, "MODALITY");
  CHECK(sent.exit_code == 0);
  CHECK(ctl_json(node, {"jobs"}).size() == 1);
  CHECK(count_state(instances(node), "purged") == rows.size());
  const auto audit = ctl_json(node, {"audit", "--event", "110104"});
  bool recognised = false;
  for (const auto& a : audit)
    recognised |= a["outcome_text"].get<std::string>().find("its file was purged by retention") != std::string::npos;
  CHECK(recognised);
  CHECK(node.stop() == 0);
  check_consistent(node);
}

TEST_CASE("kill -9 in the middle of a purge: after a restart no file without a row, no row pointing at a missing "
          "file unless purged",
          "[retention_kill9]") {
  TempDir dir;
  fs::create_directories(dir.path() / "no-profiles");  // nothing is routed: every image is unrouted
  NodeOptions options;
  options.routing = "profiles_dir = \"" + (dir.path() / "no-profiles").string() + "\"";
  Node node(dir.path() / "data", options,
            "[retention]\nkeep_unrouted = \"1s\"\ninterval = \"1s\"\nmax_per_second = 4\n");
  node.start();
  const auto files = chests(dir.path() / "chest", 40, 9201);
  REQUIRE(store(node.port(), files, "MODALITY").exit_code == 0);
  REQUIRE(eventually([&] { return count_state(instances(node), "purged") >= 6; }, std::chrono::seconds(120)));
  node.kill9();
  const auto mid = instances(node);
  INFO(mid.dump(1));
  CHECK(count_state(mid, "purged") < files.size());  // killed half-way
  CHECK(count_state(mid, "purging") <= 1);
  for (const auto& r : mid) {
    if (r["purge_state"] == "") CHECK(fs::exists(node.data_dir() / r["path"].get<std::string>()));
    if (r["purge_state"] == "purged") CHECK_FALSE(fs::exists(node.data_dir() / r["path"].get<std::string>()));
  }
  node.start();
  REQUIRE(eventually([&] { return count_state(instances(node), "purged") == files.size(); }, std::chrono::seconds(120)));
  CHECK(node.stop() == 0);
  CHECK(count_state(instances(node), "purging") == 0);
  check_consistent(node);
}

TEST_CASE("on a small file system, stores are accepted while something can be purged, refused with 0xA700 when "
          "nothing can, and accepted again when space returns",
          "[retention_disk]") {
  const char* small = std::getenv("OSTEON_SMALL_FS");
  if (small == nullptr || !fs::is_directory(small)) {
    OSTEON_SKIP("needs a size-limited tmpfs (ctest mounts one in a user and mount namespace with unshare -rm)");
    return;
  }
  const fs::path root(small);
  TempDir inputs;
  // A 40 MB file system; refusal below 4 MB free, purging below 16 MB; nothing's keep time runs
  // out during the test: only the disk makes room.
  NodeOptions options;
  options.storage = "min_free_mb = 4";
  fs::create_directories(root / "no-profiles");
  options.routing = "profiles_dir = \"" + (root / "no-profiles").string() + "\"";
  Node node(root / "data", options,
            "[retention]\nkeep_unrouted = \"1d\"\nhigh_water_mb = 16\ninterval = \"1s\"\nmax_per_second = 1000\n");
  node.start();
  // 50 images of about 1 MB: 50 MB through a 40 MB file system.
  const auto files = chests(inputs.path() / "chest", 50, 9301, 724, 724);
  auto sent = store(node.port(), files, "MODALITY", {"-v"});
  INFO(sent.output);
  CHECK(sent.exit_code == 0);
  CHECK(sent.output.find("OutOfResources") == std::string::npos);
  auto rows = instances(node);
  CHECK(rows.size() == files.size());
  CHECK(count_state(rows, "purged") >= 10);  // the oldest went to make room
  // The oldest went first: every purged image arrived before every one still there.
  std::string newest_purged, oldest_present = "9999";
  for (const auto& r : rows) {
    const std::string at = r["received_at"];
    if (r["purge_state"] == "purged") newest_purged = std::max(newest_purged, at);
    else oldest_present = std::min(oldest_present, at);
  }
  CHECK(newest_purged <= oldest_present);

  // Something else fills the disk: the node purges everything it may, then has nothing left.
  const fs::path ballast = root / "ballast";
  REQUIRE(eventually(
      [&] {
        const auto free = static_cast<std::int64_t>(fs::space(root).available);
        if (free > (2 << 20)) {
          std::ofstream out(ballast, std::ios::app | std::ios::binary);
          out << std::string(static_cast<std::size_t>(std::min<std::int64_t>(free - (2 << 20), 1 << 20)), '\0');
          return false;
        }
        return count_state(instances(node), "") == 0;
      },
      std::chrono::seconds(120)));
  const auto one = chests(inputs.path() / "late", 1, 9302, 724, 724);
  sent = store(node.port(), one, "MODALITY", {"-v"});
  INFO(sent.output);
  CHECK_THAT(sent.output, Catch::Contains("Refused: OutOfResources"));
  const auto ready = http(node, "GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("below storage.min_free_mb") && Catch::Contains("nothing more can be purged"));
  CHECK_THAT(node.log(), Catch::Contains("retention.nothing_purgeable"));
  CHECK_THAT(http(node, "GET", "/metrics").body, Catch::Contains("osteon_retention_stuck 1"));

  // Space returns: accepted again.
  fs::remove(ballast);
  sent = store(node.port(), one, "MODALITY", {"-v"});
  INFO(sent.output);
  CHECK(sent.exit_code == 0);
  CHECK(sent.output.find("OutOfResources") == std::string::npos);
  CHECK(node.stop() == 0);
  check_consistent(node);
}
