#include "node_delivery.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace osteon::test {

std::vector<fs::path> phantoms(const fs::path& dir, const std::string& kind, int count, int seed) {
  const auto r = run({(binary_dir() / "osteon-phantom").string(), "--kind", kind, "--count", std::to_string(count),
                      "--seed", std::to_string(seed), "--out", dir.string(), "--quiet"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::vector<fs::path> out;
  std::ifstream in(dir / "truth.jsonl");
  std::string line;
  while (std::getline(in, line)) out.push_back(dir / json::parse(line)["file"].get<std::string>());
  REQUIRE(out.size() == static_cast<std::size_t>(count));
  return out;
}

json ctl(const Node& node, const std::vector<std::string>& args) {
  std::vector<std::string> argv{(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string(),
                                "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run(argv);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.output);
}

std::string node_sections(const std::string& delivery_lines) {
  return "[inference]\nmodels_dir = \"" + (fs::path(OSTEON_SOURCE_DIR) / "models").string() + "\"\n[delivery]\n" +
         delivery_lines + "\n";
}

std::string modality_peer(const std::string& ae_title, int port, const std::string& extra_keys) {
  return "known_peers = [ { calling_ae = \"MODALITY\", ae_title = \"" + ae_title + "\", host = \"127.0.0.1\", port = " +
         std::to_string(port) + extra_keys + " } ]\n";
}

bool jobs_finished(const json& jobs, std::size_t expected) {
  if (jobs.size() != expected) return false;
  for (const auto& j : jobs) {
    if (j["state"] != "done" && j["state"] != "not-analysable" && j["state"] != "failed") return false;
  }
  return true;
}

std::size_t with_results(const json& jobs) {
  std::size_t n = 0;
  for (const auto& j : jobs) n += j["state"] == "done" || j["state"] == "not-analysable";
  return n;
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

} // namespace osteon::test
