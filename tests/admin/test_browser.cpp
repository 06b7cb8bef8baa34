// The admin console in a real browser. A node with the shipped models receives phantoms of each
// body part while its PACS (Orthanc) is down, so their deliveries fail; a file with HTML in its
// tags arrives too. Then tests/browser/console.mjs drives Debian's headless Chromium
// (puppeteer-core from npm): the overview, the studies with their results and SC images, a job's
// timeline, a failed delivery retried by a click (the PACS is up by then), the other screens, and
// the tags shown as text; then the same in Debian's headless Firefox (ESR, over WebDriver BiDi). Screenshots go to $OSTEON_SCREENSHOTS (docs/console in the repository
// when refreshed by hand), else to a temporary directory.
#include <catch2/catch.hpp>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <cstdlib>
#include <tuple>
#include <vector>

#include "node_with_pacs.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

std::string study_uid(const fs::path& file) {
  DcmFileFormat ff;
  OFString uid;
  if (ff.loadFile(file.c_str()).good()) ff.getDataset()->findAndGetOFString(DCM_StudyInstanceUID, uid);
  return uid.c_str();
}

} // namespace

TEST_CASE("the console in headless Chromium and Firefox: results with their images, a timeline, a retry by click, tags as text",
          "[browser]") {
  const fs::path scripts = fs::path(OSTEON_SOURCE_DIR) / "tests" / "browser";
  if (run({"sh", "-c", "command -v node"}).exit_code != 0) {
    OSTEON_SKIP("node is not installed (tools/deps installs it)");
    return;
  }
  // The browsers, as Debian installs them (CHROMIUM and FIREFOX name others).
  std::vector<std::pair<std::string, fs::path>> browsers;
  for (const auto& [name, env, fallback, package] :
       {std::tuple{"chromium", "CHROMIUM", "/usr/bin/chromium", "chromium"}, {"firefox", "FIREFOX", "/usr/bin/firefox-esr", "firefox-esr"}}) {
    const char* given = std::getenv(env);
    const fs::path executable = given ? given : fallback;
    if (!fs::exists(executable)) {
      OSTEON_SKIP(std::string(name) + " is not installed (Debian package " + package + ")");
      return;
    }
    browsers.emplace_back(name, executable);
  }
  if (!fs::exists(scripts / "node_modules" / "puppeteer-core")) {
    OSTEON_SKIP("puppeteer-core is not installed (npm ci in tests/browser; tools/dev.sh does it)");
    return;
  }
  const auto odd = shared_corpus("dicom-odd");
  if (!odd || !fs::exists(*odd / "orthanc__2017-06-27-XSSInjection.dcm")) {
    OSTEON_SKIP("../shared/corpus/dicom-odd is absent");
    return;
  }
  REQUIRE(orthanc_available());
  TempDir dir;
  std::vector<fs::path> files;
  for (const auto& [kind, seed] : std::vector<std::pair<std::string, unsigned>>{{"hand", 6101}, {"hip", 6102}, {"skull", 6103}}) {
    const auto made = make_phantoms(dir.path() / kind, kind, 1, seed).files;
    files.insert(files.end(), made.begin(), made.end());
  }
  NodeOptions with_users;
  with_users.http = "";  // the default: users with roles
  NodeWithPacs fixture(dir.path(), "max_attempts = 1\nretry_base_s = 1\nretry_cap_s = 1\n", with_users);
  Node& node = fixture.node();
  node.start();
  fixture.send(files);
  REQUIRE(fixture.wait_for_deliveries([](const json& d) { return d["state"] == "failed"; }));
  const fs::path xss = *odd / "orthanc__2017-06-27-XSSInjection.dcm";
  REQUIRE(store(node.port(), {xss}, "MODALITY").exit_code == 0);
  fixture.pacs().start();
  // The admin who logs in (the password is read from stdin, as an admin would type it).
  ::setenv("OSTEON_CONSOLE_USER", "alice", 1);
  ::setenv("OSTEON_CONSOLE_PASSWORD", "correct horse battery", 1);
  REQUIRE(run({"sh", "-c", "printf 'correct horse battery\\n' | '" + (binary_dir() / "osteonctl").string() + "' --data-dir '" +
                                node.data_dir().string() + "' user add alice --role admin"})
              .exit_code == 0);

  const char* shots_env = std::getenv("OSTEON_SCREENSHOTS");
  const fs::path shots = shots_env ? fs::path(shots_env) : dir.path() / "screenshots";
  fs::create_directories(shots);
  // Chromium first (its screenshots are the ones in docs/console), then Firefox; each retries one
  // failed delivery by a click.
  for (const auto& [browser, executable] : browsers) {
    const fs::path out = browser == "chromium" ? shots : shots / browser;
    fs::create_directories(out);
    const auto r = run({"node", (scripts / "console.mjs").string(), "http://127.0.0.1:" + std::to_string(node.http_port()),
                        out.string(), study_uid(xss), browser, executable.string()},
                       std::chrono::seconds(300));
    INFO(browser << ":\n" << r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("FAIL") == std::string::npos);
    CHECK(fs::exists(out / "overview.png"));
  }
  // The click's retry reached the PACS.
  CHECK(eventually([&] { return !fixture.ctl({"deliveries", "--state", "delivered"}).empty(); }, std::chrono::seconds(120)));
  for (const char* screen : {"overview", "studies", "study", "jobs", "job", "deliveries", "pipelines", "models", "routing", "audit"})
    CHECK(fs::exists(shots / (std::string(screen) + ".png")));
}
