// The node configuration: defaults, overrides, and errors that name the file and the line.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "osteon/app/config.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/toml_reader.hpp"
#include "process.hpp"

using osteon::Errc;
using osteon::Error;

namespace {
std::string message_of(const std::string& toml) {
  try {
    osteon::app::parse_config(toml, "site.toml");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::config_invalid);
    return e.what();
  }
  return "no error";
}
} // namespace

TEST_CASE("the embedded default configuration gives the documented defaults", "[config]") {
  const auto c = osteon::app::default_config();
  CHECK(c.node.ae_title == "OSTEON");
  CHECK(c.node.port == 11112);
  CHECK(c.node.data_dir == "var");
  CHECK(c.node.max_associations >= 16);
  CHECK(c.security.check_called_ae);
  CHECK(c.security.allowed_callers.empty());
  CHECK(c.storage.fsync);
  CHECK(c.jobs.max_attempts == 3);
  CHECK(c.jobs.retry_base_s == 2);
  CHECK(c.jobs.retry_cap_s == 300);
  CHECK(c.jobs.lease_s == 600);
}

TEST_CASE("analysis job retries and the claim lease are configurable like delivery's", "[config]") {
  const auto c = osteon::app::parse_config(
      "[jobs]\nmax_attempts = 5\nretry_base_s = 10\nretry_cap_s = 60\nlease_s = 120\n", "site.toml");
  CHECK(c.jobs.max_attempts == 5);
  CHECK(c.jobs.retry_base_s == 10);
  CHECK(c.jobs.retry_cap_s == 60);
  CHECK(c.jobs.lease_s == 120);
  CHECK_THAT(message_of("[jobs]\nretry_base_s = 10\nretry_cap_s = 5\n"), Catch::Contains("jobs.retry_base_s"));
  CHECK_THAT(message_of("[jobs]\nmax_attempts = 0\n"), Catch::Contains("jobs.max_attempts"));
  CHECK_THAT(message_of("[jobs]\nlease_s = 1\n"), Catch::Contains("jobs.lease_s"));
  CHECK_THAT(message_of("[jobs]\nattempts = 2\n"), Catch::Contains("attempts"));
}

TEST_CASE("a configuration file overrides only the keys it names", "[config]") {
  const auto c = osteon::app::parse_config(
      "[node]\nport = 4242\nae_title = \"HOSP_AI\"\n[security]\nallowed_callers = [ { ae_title = \"CR1\", host = "
      "\"10.1.2.3\" }, { ae_title = \"ROUTER\" } ]\n",
      "site.toml");
  CHECK(c.node.port == 4242);
  CHECK(c.node.ae_title == "HOSP_AI");
  CHECK(c.node.max_associations == 16);
  REQUIRE(c.security.allowed_callers.size() == 2);
  CHECK(c.security.allowed_callers[0].host == "10.1.2.3");
  CHECK(c.security.allowed_callers[1].host.empty());
}

TEST_CASE("configuration errors name the file and the line", "[config]") {
  CHECK_THAT(message_of("[node]\nport = 11112\nportt = 5\n"),
             Catch::Contains("site.toml:3") && Catch::Contains("unknown key 'portt'"));
  CHECK_THAT(message_of("[node]\n\nport = \"eleven\"\n"), Catch::Contains("site.toml:3") && Catch::Contains("port"));
  CHECK_THAT(message_of("[node\nport = 1\n"), Catch::Contains("site.toml") && Catch::Contains("syntax error"));
  CHECK_THAT(message_of("[storage]\nmax_in_flight = 0\n"), Catch::Contains("max_in_flight"));
}

TEST_CASE("out-of-range settings are refused", "[config]") {
  CHECK_THAT(message_of("[node]\nport = 70000\n"), Catch::Contains("node.port"));
  CHECK_THAT(message_of("[node]\nae_title = \"THIS_TITLE_IS_TOO_LONG\"\n"), Catch::Contains("ae_title"));
  CHECK_THAT(message_of("[node]\nae_title = \"A\\\\B\"\n"), Catch::Contains("backslash"));
  CHECK_THAT(message_of("[log]\nlevel = \"loud\"\n"), Catch::Contains("log.level"));
  CHECK_THAT(message_of("[security]\nallowed_callers = [ { host = \"1.2.3.4\" } ]\n"), Catch::Contains("ae_title"));
}

TEST_CASE("a missing configuration file is a clear error", "[config]") {
  CHECK_THROWS_WITH(osteon::app::load_config_file("/nonexistent/osteon.toml"),
                    Catch::Contains("/nonexistent/osteon.toml") && Catch::Contains("cannot open"));
}

TEST_CASE("each layer reads and checks its own section, and [node] takes only the listener's and the node's keys",
          "[config]") {
  const auto root = osteon::TomlValue::parse("[jobs]\nlease_s = 5\n[node]\nport = 4242\ndata_dir = \"d\"\n", "x.toml");
  osteon::jobs::JobsConfig jobs;
  osteon::jobs::read_config(*root.section("jobs"), jobs);
  CHECK(jobs.lease_s == 5);
  CHECK(jobs.max_attempts == 3);
  CHECK_THROWS_WITH(osteon::jobs::validate(jobs, osteon::ConfigFail("x.toml")),
                    "x.toml: jobs.lease_s must be at least 10");

  osteon::dimse::ListenerConfig listener;
  CHECK_THROWS_WITH(osteon::dimse::read_config(*root.section("node"), listener, {}),
                    Catch::Contains("x.toml:5") && Catch::Contains("unknown key 'data_dir' in [node]"));
  osteon::dimse::read_config(*root.section("node"), listener, {"data_dir"});
  CHECK(listener.port == 4242);
}

TEST_CASE("retention: defaults, durations, and errors with their line", "[config]") {
  const auto d = osteon::app::default_config();
  CHECK(d.retention.enabled);
  CHECK(d.retention.keep_after_done == std::chrono::hours(168));
  CHECK(d.retention.keep_unrouted == std::chrono::hours(24));
  CHECK(d.retention.keep_results == std::chrono::hours(168));
  CHECK(osteon::app::high_water_bytes(d) == 2 * d.storage.min_free_mb * 1024 * 1024);
  CHECK_FALSE(d.retention.keep_records);  // rows kept for ever
  CHECK(*osteon::app::parse_config("[retention]\nkeep_records = \"365d\"\n", "site.toml").retention.keep_records ==
        std::chrono::hours(365 * 24));
  const auto c = osteon::app::parse_config(
      "[storage]\nmin_free_mb = 100\n[retention]\nkeep_after_done = \"3d\"\nkeep_unrouted = \"12h\"\nkeep_results = \"90m\"\n"
      "high_water_mb = 400\ninterval = \"30s\"\n",
      "site.toml");
  CHECK(c.retention.keep_after_done == std::chrono::hours(72));
  CHECK(c.retention.keep_unrouted == std::chrono::hours(12));
  CHECK(c.retention.keep_results == std::chrono::minutes(90));
  CHECK(osteon::app::high_water_bytes(c) == 400LL * 1024 * 1024);
  CHECK_THAT(message_of("[retention]\n\nkeep_unrouted = \"1 week\"\n"),
             Catch::Contains("site.toml:3") && Catch::Contains("retention.keep_unrouted"));
  CHECK_THAT(message_of("[storage]\nmin_free_mb = 100\n[retention]\nhigh_water_mb = 50\n"),
             Catch::Contains("high_water_mb must be at least storage.min_free_mb"));
  CHECK_THAT(message_of("[retention]\nkeep = \"1d\"\n"), Catch::Contains("unknown key 'keep'"));
  CHECK_THAT(message_of("[retention]\nmax_per_second = 0\n"), Catch::Contains("retention.max_per_second"));
}

TEST_CASE("relative paths in a configuration file are relative to the file's directory", "[config]") {
  osteon::test::TempDir dir;
  const auto etc = dir.path() / "etc";
  std::filesystem::create_directories(etc / "tls");
  std::ofstream(etc / "tls" / "ca.pem") << "not checked here\n";
  std::ofstream(etc / "osteon.toml") << "[node]\ndata_dir = \"data\"\n"
                                        "[routing]\nprofiles_dir = \"../profiles\"\noverride_dir = \"local\"\n"
                                        "[inference]\nmodels_dir = \"/opt/models\"\n"
                                        "[audit]\nsyslog_host = \"collector\"\nsyslog_ca_file = \"tls/ca.pem\"\n";
  // Read from another working directory: the file's directory counts, not this one.
  const auto c = osteon::app::load_config_file(std::filesystem::relative(etc / "osteon.toml"));
  const auto base = std::filesystem::absolute(etc);
  CHECK(c.node.data_dir == base / "data");
  CHECK(c.routing.profiles_dir == base / "../profiles");
  CHECK(c.routing.override_dir == base / "local");
  CHECK(c.inference.models_dir == "/opt/models");  // absolute stays
  CHECK(c.audit.syslog_ca_file == base / "tls/ca.pem");

  // The built-in defaults, and text parsed without a file, stay relative to the working directory.
  CHECK(osteon::app::default_config().node.data_dir == "var");
  CHECK(osteon::app::default_config().inference.models_dir == "models");
  CHECK(osteon::app::parse_config("[node]\ndata_dir = \"d\"\n", "site.toml").node.data_dir == "d");
}

TEST_CASE("the configuration used without --config: $OSTEON_CONFIG, else the built-in defaults here", "[config]") {
  osteon::test::TempDir dir;
  std::ofstream(dir.path() / "site.toml") << "[node]\nport = 4343\n";
  ::setenv("OSTEON_CONFIG", (dir.path() / "site.toml").c_str(), 1);
  CHECK(osteon::app::load_config("").node.port == 4343);
  ::unsetenv("OSTEON_CONFIG");
  // Not installed in /usr/bin: no /etc/osteon lookup.
  CHECK(!osteon::app::default_config_file());
  CHECK(osteon::app::load_config("").node.port == 11112);
}

TEST_CASE("text that is not UTF-8 is refused with its line, before the TOML parser sees it", "[config]") {
  // Invalid UTF-8 inside a literal string made toml11 3.7 read out of bounds (fuzz_profile).
  CHECK_THAT(message_of("[node]\nae_title = 'ab\xff\xff'\n"), Catch::Contains("site.toml:2: not valid UTF-8"));
  CHECK_THAT(message_of("[node]\n# caf\xc3\n"), Catch::Contains("site.toml:2: not valid UTF-8"));      // cut off
  CHECK_THAT(message_of("[node]\nae_title = \"\xc0\xaf\"\n"), Catch::Contains("not valid UTF-8"));    // overlong
  CHECK_THAT(message_of("[node]\nae_title = \"\xed\xa0\x80\"\n"), Catch::Contains("not valid UTF-8")); // surrogate
  CHECK(osteon::app::parse_config("[node]\nae_title = \"OSTEON\" # Knochenalter, âge osseux, 骨龄\n", "site.toml").node.ae_title == "OSTEON");
}
