#include "node.hpp"

#include <signal.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <atomic>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "osteon/dicom/nesting_guard.hpp"
#include <fstream>
#include <thread>

namespace fs = std::filesystem;

namespace osteon::test {

Node::Node(fs::path data_dir, const NodeOptions& options) : Node(std::move(data_dir), options, "") {}

Node::Node(fs::path data_dir, const NodeOptions& options, const std::string& extra_sections)
    : data_dir_(std::move(data_dir)), port_(free_port()), http_port_(free_port()) {
  fs::create_directories(data_dir_);
  config_file_ = data_dir_.parent_path() / (data_dir_.filename().string() + ".toml");
  log_file_ = data_dir_.parent_path() / (data_dir_.filename().string() + ".log");
  std::ofstream cfg(config_file_);
  cfg << "[node]\nport = " << port_ << "\ndata_dir = \"" << data_dir_.string() << "\"\nshutdown_grace_s = 5\n"
      << options.node << "\n[security]\n" << options.security << "\n[storage]\n" << options.storage << "\n"
      << "[http]\nport = " << http_port_ << "\n" << options.http << "\n" << extra_sections << "\n";
  if (!options.routing.empty()) cfg << "[routing]\n" << options.routing << "\n";
}

Node::~Node() {
  if (process_ && process_->running()) {
    process_->signal(SIGKILL);
    process_->wait_for(std::chrono::seconds(10));
  }
}

void Node::start() {
  const std::size_t log_before = log().size();  // a restart appends to the same log
  process_ = std::make_unique<Process>(
      std::vector<std::string>{(binary_dir() / "osteon").string(), "--config", config_file_.string()}, log_file_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) break;
    if (log().find("node.ready", log_before) != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(log());
  FAIL("osteon did not become ready");
}

int Node::stop() {
  process_->signal(SIGTERM);
  const auto code = process_->wait_for(std::chrono::seconds(30));
  INFO(log());
  REQUIRE(code.has_value());
  return *code;
}

void Node::signal(int signo) {
  REQUIRE(process_);
  process_->signal(signo);
}

void Node::kill9() {
  process_->signal(SIGKILL);
  process_->wait_for(std::chrono::seconds(10));
}

bool Node::running() { return process_ && process_->running(); }

bool Node::echo(const std::string& calling_ae, const std::string& called_ae) {
  const auto r = run({"echoscu", "-to", "5", "-aet", calling_ae, "-aec", called_ae, "127.0.0.1", std::to_string(port_)},
                     std::chrono::seconds(20));
  return r.exit_code == 0;
}

std::string Node::log() const { return read_file(log_file_); }

namespace {
// storescu proposes the file's own transfer syntax only with a matching -x option, one kind at a
// time. A modality sends what it has, so each call gets an association profile listing exactly
// the (SOP class, transfer syntax) pairs of its files: everything is sent as stored.
fs::path write_profile(const std::vector<fs::path>& files) {
  static TempDir dir("osteon-storescu");
  static std::atomic<int> counter{0};
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& f : files) {
    // Never hand DCMTK a file nested deep enough to blow its stack (the corpus has one).
    if (osteon::dicom::sequence_depth(f, osteon::dicom::max_sequence_depth) > osteon::dicom::max_sequence_depth) continue;
    DcmFileFormat ff;
    ff.loadFile(f.c_str(), EXS_Unknown, EGL_noChange, 256);  // whatever could be read counts
    OFString sop_class;
    OFString ts;
    ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, ts);
    ff.getDataset()->findAndGetOFString(DCM_SOPClassUID, sop_class);
    if (ts.empty()) ts = DcmXfer(ff.getDataset()->getOriginalXfer()).getXferID();
    if (ts.empty()) ts = UID_LittleEndianImplicitTransferSyntax;
    if (!sop_class.empty()) pairs.insert({sop_class.c_str(), ts.c_str()});
  }
  std::ostringstream cfg;
  cfg << "[[TransferSyntaxes]]\n";
  int i = 0;
  for (const auto& p : pairs) {
    cfg << "[TS" << ++i << "]\nTransferSyntax1 = " << p.second << "\n";
    // Uncompressed data may also go as explicit/implicit little endian.
    if (p.second == UID_LittleEndianExplicitTransferSyntax || p.second == UID_LittleEndianImplicitTransferSyntax) {
      cfg << "TransferSyntax2 = " << UID_LittleEndianImplicitTransferSyntax << "\n";
    }
  }
  cfg << "\n[[PresentationContexts]]\n[PC]\n";
  i = 0;
  for (const auto& p : pairs) {
    ++i;
    cfg << "PresentationContext" << i << " = " << p.first << "\\TS" << i << "\n";
  }
  cfg << "\n[[Profiles]]\n[ASIS]\nPresentationContexts = PC\n";
  const fs::path file = dir.path() / ("profile" + std::to_string(++counter) + ".cfg");
  std::ofstream(file) << cfg.str();
  return file;
}
} // namespace

HttpReply http(const Node& node, const std::string& method, const std::string& path,
               const std::vector<std::string>& headers, const std::string& body) {
  std::vector<std::string> argv{"curl", "-sS", "-g", "--path-as-is", "-X", method, "-D", "-", "-w", "\n%{http_code}"};
  for (const auto& h : headers) argv.insert(argv.end(), {"-H", h});
  if (!body.empty()) argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary", body});
  argv.push_back("http://127.0.0.1:" + std::to_string(node.http_port()) + path);
  const auto r = run(argv, std::chrono::seconds(60));
  REQUIRE(r.exit_code == 0);
  const auto cut = r.output.rfind('\n');
  const auto all = r.output.substr(0, cut);
  const auto split = all.find("\r\n\r\n");
  return {std::stoi(r.output.substr(cut + 1)), split == std::string::npos ? "" : all.substr(split + 4), all.substr(0, split)};
}

std::vector<std::string> store_argv(int port, const std::vector<fs::path>& files, const std::string& calling_ae,
                                    const std::vector<std::string>& extra) {
  std::vector<std::string> argv{"storescu", "-to", "10", "-aet", calling_ae, "-aec", "OSTEON"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("-xf");
  argv.push_back(write_profile(files).string());
  argv.push_back("ASIS");
  argv.push_back("127.0.0.1");
  argv.push_back(std::to_string(port));
  for (const auto& f : files) argv.push_back(f.string());
  return argv;
}

RunResult store(int port, const std::vector<fs::path>& files, const std::string& calling_ae,
                const std::vector<std::string>& extra) {
  return run(store_argv(port, files, calling_ae, extra), std::chrono::seconds(300));
}

std::string dataset_bytes(const fs::path& file) {
  const std::string bytes = read_file(file);
  // Preamble (128) + "DICM" (4) + (0002,0000) UL element (12 bytes) whose value is the
  // length of the rest of the meta group.
  REQUIRE(bytes.size() > 144);
  REQUIRE(bytes.substr(128, 4) == "DICM");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + 140;
  const std::size_t group_length = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::size_t>(p[3]) << 24);
  return bytes.substr(144 + group_length);
}

std::string sop_instance_uid(const fs::path& file) {
  if (osteon::dicom::sequence_depth(file, osteon::dicom::max_sequence_depth) > osteon::dicom::max_sequence_depth) return {};
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 256).bad()) return {};
  OFString uid;
  ff.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, uid);
  return uid.c_str();
}

} // namespace osteon::test
