#include "orthanc.hpp"

#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace fs = std::filesystem;

namespace osteon::test {

bool orthanc_available() { return fs::exists("/usr/sbin/Orthanc"); }

Orthanc::Orthanc(fs::path dir) : dir_(std::move(dir)), dicom_port_(free_port()), http_port_(free_port()) {
  fs::create_directories(dir_ / "storage");
  nlohmann::json cfg = {
      {"Name", "OsteonTestPACS"},
      {"StorageDirectory", (dir_ / "storage").string()},
      {"IndexDirectory", (dir_ / "storage").string()},
      {"DicomAet", "ORTHANC"},
      {"DicomPort", dicom_port_},
      {"HttpPort", http_port_},
      {"RemoteAccessAllowed", false},
      {"AuthenticationEnabled", false},
      {"DicomCheckCalledAet", false},
      {"DicomAlwaysAllowStore", true},
      {"DicomAlwaysAllowEcho", true},
      {"Plugins", nlohmann::json::array()},
      {"HttpDescribeErrors", true},
      {"LuaScripts", nlohmann::json::array({(dir_ / "receipts.lua").string()})},
  };
  std::ofstream(dir_ / "orthanc.json") << cfg.dump(2);
  // Called for every instance received, before Orthanc decides whether it already has it.
  std::ofstream(dir_ / "receipts.lua") << "function ReceivedInstanceFilter(dicom, origin, info)\n"
                                       << "  local f = io.open([==[" << (dir_ / "receipts.txt").string()
                                       << "]==], 'a')\n"
                                       << "  f:write(dicom.SOPInstanceUID .. '\\n')\n"
                                       << "  f:close()\n"
                                       << "  return true\n"
                                       << "end\n";
}

Orthanc::~Orthanc() { stop(); }

void Orthanc::start() {
  REQUIRE(orthanc_available());
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/sbin/Orthanc", (dir_ / "orthanc.json").string()}, dir_ / "orthanc.log");
  for (int i = 0; i < 300; ++i) {
    if (!process_->running()) break;
    if (get("/system").find("ApiVersion") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(process_->log());
  FAIL("Orthanc did not start");
}

void Orthanc::stop() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    if (!process_->wait_for(std::chrono::seconds(20))) process_->signal(SIGKILL);
    process_->wait_for(std::chrono::seconds(5));
  }
  process_.reset();
}

bool Orthanc::running() const { return process_ && process_->running(); }

std::string Orthanc::get(const std::string& path) const {
  const auto r = run({"curl", "-s", "-f", "--max-time", "10", "http://127.0.0.1:" + std::to_string(http_port_) + path},
                     std::chrono::seconds(20));
  return r.exit_code == 0 ? r.output : std::string();
}

int Orthanc::instance_count() const {
  const auto body = get("/instances");
  if (body.empty()) return -1;
  return static_cast<int>(nlohmann::json::parse(body).size());
}

std::map<std::string, int> Orthanc::receipts() const {
  std::map<std::string, int> out;
  std::ifstream in(dir_ / "receipts.txt");
  std::string uid;
  while (std::getline(in, uid)) {
    if (!uid.empty()) ++out[uid];
  }
  return out;
}

} // namespace osteon::test
