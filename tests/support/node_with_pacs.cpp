#include "node_with_pacs.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

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

std::string shipped_models_section() {
  return "[inference]\nmodels_dir = \"" + (fs::path(OSTEON_SOURCE_DIR) / "models").string() + "\"\n";
}

std::string modality_peer(const std::string& ae_title, int port, const std::string& extra_keys) {
  return "known_peers = [ { calling_ae = \"MODALITY\", ae_title = \"" + ae_title + "\", host = \"127.0.0.1\", port = " +
         std::to_string(port) + extra_keys + " } ]\n";
}

bool is_final(const json& job) {
  const auto& s = job["state"];
  return s == "done" || s == "not-analysable" || s == "failed";
}

bool jobs_finished(const json& jobs, std::size_t expected) {
  return jobs.size() == expected && std::all_of(jobs.begin(), jobs.end(), is_final);
}

std::size_t with_results(const json& jobs) {
  std::size_t n = 0;
  for (const auto& j : jobs) n += j["state"] == "done" || j["state"] == "not-analysable";
  return n;
}

bool delivered_or_failed(const json& delivery) {
  return delivery["state"] == "delivered" || delivery["state"] == "failed";
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

bool listening(int port) {
  return eventually(
      [port] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        return ok;
      },
      std::chrono::seconds(30));
}

namespace {

// The node's configuration beyond [node], [security] and [storage]: the shipped models, and
// [delivery] with the given lines and the known peer.
std::string delivery_sections(const std::string& delivery_lines, const std::string& peer) {
  return shipped_models_section() + "[delivery]\n" + delivery_lines + peer + "\n";
}

} // namespace

NodeWithPacs::NodeWithPacs(const fs::path& dir, const std::string& delivery_lines, const NodeOptions& options)
    : orthanc_(std::make_unique<Orthanc>(dir / "orthanc")),
      node_(dir / "data", options,
            delivery_sections(delivery_lines, modality_peer(orthanc_->ae_title(), orthanc_->dicom_port()))) {}

NodeWithPacs::NodeWithPacs(const fs::path& dir, const std::string& delivery_lines, const PacsPeer& pacs)
    : node_(dir / "data", NodeOptions{},
            delivery_sections(delivery_lines, modality_peer(pacs.ae_title, pacs.port, pacs.extra_keys))) {}

Orthanc& NodeWithPacs::pacs() {
  REQUIRE(orthanc_);
  return *orthanc_;
}

void NodeWithPacs::send(const std::vector<fs::path>& files) {
  const auto sent = store(node_.port(), files, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);
  sent_ += files.size();
}

bool NodeWithPacs::wait_for_deliveries(const std::function<bool(const json&)>& settled) {
  return eventually([&] {
    jobs_ = ctl({"jobs"});
    deliveries_ = ctl({"deliveries"});
    if (!jobs_finished(jobs_, sent_)) return false;
    if (deliveries_.empty() || deliveries_.size() < with_results(jobs_)) return false;
    return std::all_of(deliveries_.begin(), deliveries_.end(), settled);
  });
}

bool NodeWithPacs::wait_until_all_delivered() {
  return eventually([&] {
    deliveries_ = ctl({"deliveries"});
    return !deliveries_.empty() && std::all_of(deliveries_.begin(), deliveries_.end(), [](const json& d) {
      return d["state"] == "delivered";
    });
  });
}

} // namespace osteon::test
