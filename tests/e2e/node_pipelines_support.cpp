#include "node_pipelines_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace osteon::test {

Phantoms make_phantoms(const fs::path& out, const std::string& kind, int count, unsigned seed,
                       const std::string& variants, int per_study) {
  std::vector<std::string> argv{(binary_dir() / "osteon-phantom").string(), "--kind", kind, "--count",
                                std::to_string(count), "--seed", std::to_string(seed), "--out", out.string(),
                                "--per-study", std::to_string(per_study), "--quiet"};
  if (!variants.empty()) {
    argv.push_back("--variants");
    argv.push_back(variants);
  }
  const auto r = run(argv);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  Phantoms p;
  std::ifstream in(out / "truth.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    p.truth.push_back(json::parse(line));
    p.files.push_back(out / p.truth.back()["file"].get<std::string>());
  }
  REQUIRE(p.files.size() == static_cast<std::size_t>(count));
  return p;
}

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

std::string shipped_models_section() {
  return "[inference]\nmodels_dir = \"" + (fs::path(OSTEON_SOURCE_DIR) / "models").string() + "\"\n";
}

RunResult ctl_text(const Node& node, const std::vector<std::string>& args) {
  std::vector<std::string> argv{(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

json ctl_json(const Node& node, const std::vector<std::string>& args) {
  std::vector<std::string> with_json{"--json"};
  with_json.insert(with_json.end(), args.begin(), args.end());
  const auto r = ctl_text(node, with_json);
  INFO("osteonctl " << json(args).dump() << ": " << r.output);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.output);
}

bool is_final(const json& job) {
  const auto& s = job["state"];
  return s == "done" || s == "not-analysable" || s == "failed";
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
    std::size_t final_jobs = 0;
    for (const auto& j : jobs) final_jobs += is_final(j);
    if (jobs.size() == expected && final_jobs == expected) break;
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
