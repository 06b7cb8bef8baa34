#pragma once
// The admin console's JSON API (/healthz, /readyz, /api/v1/...): what the node tells its
// admins. Reads use their own read-only connections to the node's database (SQLite WAL: readers
// never block ingest). The node supplies what only it knows through NodeView.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "osteon/admin/http.hpp"

namespace osteon::routing {
class Router;
}

namespace osteon::admin {

struct ModelStatus {
  std::string name;
  std::string version;
  std::string task;
  std::string sha256;
  std::string device;
  std::string training_data;
  std::string intended_use;
  std::filesystem::path card;  // MODEL_CARD.md
};

struct PipelineStatus {
  std::string name;
  bool available = true;
  std::string reason;  // why not, when unavailable
};

struct DestinationView {
  std::string name;
  std::string ae_title;
  std::string host;
  int port = 104;
  bool tls = false;
};

/// An association open now.
struct LiveAssociation {
  std::int64_t id = 0;
  std::string peer_host, calling_ae, called_ae, started_at;
  double seconds = 0;  // open for this long
};

/// What the node knows about itself, for /api/v1/system and /readyz.
struct NodeView {
  std::string version;
  std::string ae_title;
  int dicom_port = 0;      // 0: the plain listener is off
  int dicom_tls_port = 0;  // 0: no TLS listener
  int http_port = 0;
  std::filesystem::path data_dir;
  std::filesystem::path database;
  std::int64_t min_free_bytes = 0;  // storage.min_free_mb: below it C-STOREs are refused
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  std::vector<ModelStatus> models;
  std::vector<PipelineStatus> pipelines;
  std::function<std::vector<DestinationView>()> destinations;  // configured now ("sender" is always there)
  std::function<std::int64_t()> free_bytes;  // on the spool's file system
  std::function<std::string()> retention_status;  // why retention cannot free space, or ""
  // Bytes of stored files per retention state and the next purge (GET /api/v1/system).
  struct Retention {
    std::int64_t pending = 0, kept = 0, purgeable = 0, purged = 0;
    std::string next_purge_at, last_purged_at, status;
  };
  std::function<Retention()> retention;
  const routing::Router* router = nullptr;   // for POST /api/v1/route
  std::function<std::vector<LiveAssociation>()> open_associations;
  /// C-ECHO to a configured destination: true and a description, or false and why not.
  std::function<std::pair<bool, std::string>(const std::string& destination)> echo;
};

/// Adds every API route to `router`. `view` must outlive the router.
void add_api(Router& router, const NodeView& view);

} // namespace osteon::admin
