#pragma once
// The real osteon binary under test, on a free loopback port with its own data directory,
// and DCMTK's echoscu/storescu as the modality.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace osteon::test {

struct NodeOptions {
  std::string node;                        // extra lines for [node]
  std::string security;                    // lines for [security]
  std::string storage = "min_free_mb = 0"; // lines for [storage]
  // Lines for [http]. The authentication test and the browser test log in; the others read the
  // API without users (allowed on loopback only).
  std::string http = "auth = false";
  std::string routing;  // lines for [routing]; empty: no section (the built-in profiles)
};

class Node {
 public:
  /// Writes a configuration file beside the data directory (free port, the data directory,
  /// a 5 s shutdown grace period, plus `options`).
  explicit Node(std::filesystem::path data_dir, const NodeOptions& options = {});
  /// As above, with whole extra TOML sections (e.g. [inference], [delivery]) appended.
  Node(std::filesystem::path data_dir, const NodeOptions& options, const std::string& extra_sections);
  ~Node();

  /// Starts the node and waits until it logs node.ready (listening); REQUIREs success.
  void start();
  /// SIGTERM, then waits for the exit code.
  int stop();
  /// SIGKILL: a crash.
  void kill9();
  /// Sends a signal (e.g. SIGHUP: reload) to the running node.
  void signal(int signo);
  /// The configuration file the node was started with (tests may rewrite it before a reload).
  const std::filesystem::path& config_file() const { return config_file_; }
  bool running();
  bool echo(const std::string& calling_ae = "ECHOSCU", const std::string& called_ae = "OSTEON");

  int port() const { return port_; }
  /// The admin console's port (HTTP on loopback).
  int http_port() const { return http_port_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path database() const { return data_dir_ / "osteon.db"; }
  std::string log() const;

 private:
  std::filesystem::path data_dir_;
  std::filesystem::path config_file_;
  std::filesystem::path log_file_;
  int port_;
  int http_port_;
  std::unique_ptr<Process> process_;
};

/// An HTTP reply from the node's admin port: status, body, and the header block.
struct HttpReply {
  int status = 0;
  std::string body;
  std::string headers;
  nlohmann::json parsed() const { return nlohmann::json::parse(body); }
};

/// curl METHOD http://127.0.0.1:<http port><path> (the path as given: no globbing, no dot
/// squashing) with extra header lines and a JSON body; REQUIREs that curl ran.
HttpReply http(const Node& node, const std::string& method, const std::string& path,
               const std::vector<std::string>& headers = {}, const std::string& body = "");

/// storescu sending the files as they are stored (their own transfer syntax), one association.
RunResult store(int port, const std::vector<std::filesystem::path>& files, const std::string& calling_ae = "STORESCU",
                const std::vector<std::string>& extra = {});
std::vector<std::string> store_argv(int port, const std::vector<std::filesystem::path>& files,
                                    const std::string& calling_ae = "STORESCU",
                                    const std::vector<std::string>& extra = {});

/// The bytes of a Part-10 file after its meta header (the data set as transferred).
std::string dataset_bytes(const std::filesystem::path& file);
/// SOP Instance UID of a file ("" when unreadable).
std::string sop_instance_uid(const std::filesystem::path& file);

} // namespace osteon::test
