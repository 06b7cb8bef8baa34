#include "node_pipelines_support.hpp"

#include <catch2/catch.hpp>

#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace osteon::test {

fs::path modified_copy(const fs::path& source, const fs::path& copy, const std::vector<std::string>& args) {
  fs::create_directories(copy.parent_path());
  fs::copy_file(source, copy, fs::copy_options::overwrite_existing);
  std::vector<std::string> argv{"dcmodify", "-nb"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(copy.string());
  const auto r = run(argv);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return copy;
}

std::size_t count_state(const json& jobs, const std::string& state) {
  std::size_t n = 0;
  for (const auto& j : jobs) n += j["state"] == state;
  return n;
}

json wait_for_jobs(Node& node, std::size_t expected) {
  json jobs;
  // Bounded only so that a hung node ends the test; the caller asserts on what it finds.
  for (int i = 0; i < 3000; ++i) {
    jobs = ctl_json(node, {"jobs"});
    if (jobs_finished(jobs, expected)) break;
    if (!node.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return jobs;
}

std::vector<json> rows_where(const json& rows, const std::string& key, const json& value) {
  std::vector<json> out;
  for (const auto& r : rows) {
    if (r.contains(key) && r[key] == value) out.push_back(r);
  }
  return out;
}

bool is_sr_class(const std::string& sop_class_uid) { return sop_class_uid.rfind("1.2.840.10008.5.1.4.1.1.88.", 0) == 0; }

} // namespace osteon::test
