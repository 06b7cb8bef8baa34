#include "osteon/delivery/outbox.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>

#include <fmt/format.h>

#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/metrics.hpp"
#include "osteon/db/outbox_repository.hpp"
#include "osteon/dicom/sr_class.hpp"
#include "osteon/dimse/storage_scu.hpp"

namespace fs = std::filesystem;

namespace osteon::delivery {

std::vector<std::string> sr_class_order(const std::string& preferred) {
  std::vector<std::string> order{preferred};
  for (const char* c : {"comprehensive3d", "comprehensive", "enhanced"}) {
    if (preferred != c) order.emplace_back(c);
  }
  return order;
}

namespace {

std::string join(const std::vector<std::string>& v, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < v.size(); ++i) out += (out.empty() ? "" : ",") + v[i];
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    const auto end = s.find(',', start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

bool is_sr(const std::string& sop_class) { return sop_class.rfind("1.2.840.10008.5.1.4.1.1.88.", 0) == 0; }

} // namespace

// Where results may go: replaced whole by a reload, read by the senders.
struct Peers {
  std::vector<Destination> destinations;
  std::vector<KnownPeer> known_peers;
};

struct Outbox::Shared {
  fs::path data_dir;
  DeliveryConfig config;  // its destinations and known peers as at start-up: see peers()
  dimse::ScuSettings scu;

  std::shared_ptr<const Peers> peers() const {
    const std::lock_guard guard(mutex);
    return current;
  }
  void set_peers(const DeliveryConfig& c) {
    auto next = std::make_shared<const Peers>(Peers{c.destinations, c.known_peers});
    const std::lock_guard guard(mutex);
    current = std::move(next);
  }
  dimse::TlsSettings tls_for(const db::OutboxItem& item) const;

 private:
  mutable std::mutex mutex;
  std::shared_ptr<const Peers> current;
};

namespace {

// Sends one claimed row with a C-STORE SCU; shared by the delivery queue's workers.
class Sender final : public jobs::Runner<db::OutboxRow, db::DeliveryReceipt> {
 public:
  explicit Sender(std::shared_ptr<const Outbox::Shared> shared) : shared_(std::move(shared)) {}
  jobs::Attempt<db::DeliveryReceipt> run(const db::OutboxRow& row) override;

 private:
  std::shared_ptr<const Outbox::Shared> shared_;
};

} // namespace

Outbox::Outbox(fs::path data_dir, DeliveryConfig config, std::string calling_ae)
    : shared_(std::make_shared<Shared>()) {
  shared_->data_dir = std::move(data_dir);
  shared_->config = std::move(config);
  shared_->scu.calling_ae = shared_->config.calling_ae.empty() ? calling_ae : shared_->config.calling_ae;
  // Certificates and keys that cannot be loaded stop start-up, naming the configuration entry.
  replace_peers(shared_->config);
}

void Outbox::replace_peers(const DeliveryConfig& config) {
  for (const auto& d : config.destinations) dimse::check_tls(d.tls);
  for (const auto& k : config.known_peers) dimse::check_tls(k.tls);
  shared_->set_peers(config);
}

std::vector<Destination> Outbox::destinations() const { return shared_->peers()->destinations; }

void Outbox::enqueue(db::Database& database, const std::vector<ResultObject>& objects,
                     const std::vector<std::string>& destinations, const std::string& sender_calling_ae,
                     const std::vector<std::string>& sr_classes) {
  db::OutboxRepository repo(database);
  const std::string now = utc_timestamp();
  const auto configured = shared_->peers();
  for (const auto& object : objects) {
    for (const auto& name : destinations) {
      db::OutboxItem item{object.sop_instance_uid, object.sop_class_uid, object.study_uid, object.path, name,
                          "", "", 0, is_sr(object.sop_class_uid) ? join(sr_classes, 1) : ""};
      const auto address = [&item](const auto& peer) {
        item.ae_title = peer.ae_title;
        item.host = peer.host;
        item.port = peer.port;
      };
      std::string problem;
      if (name == "sender") {
        const auto& peers = configured->known_peers;
        const auto it = std::find_if(peers.begin(), peers.end(),
                                     [&](const KnownPeer& k) { return k.calling_ae == sender_calling_ae; });
        if (it == peers.end()) problem = fmt::format("sender '{}' is not in delivery.known_peers", sender_calling_ae);
        else address(*it);
      } else {
        const auto& dests = configured->destinations;
        const auto it = std::find_if(dests.begin(), dests.end(), [&](const Destination& d) { return d.name == name; });
        if (it == dests.end()) problem = fmt::format("destination '{}' is not configured", name);
        else address(*it);
      }
      if (!problem.empty()) {
        repo.enqueue_failed(item, problem, now);
        log::error("delivery.unroutable", {{"sop", object.sop_instance_uid}, {"destination", name}, {"reason", problem}});
      } else if (repo.enqueue(item, now)) {
        log::info("delivery.queued", {{"sop", object.sop_instance_uid}, {"destination", name}, {"ae", item.ae_title}});
      }
    }
  }
  if (engine_) engine_->notify();
}

void Outbox::attach(jobs::Engine& engine, std::chrono::milliseconds lease) {
  engine.add_recovery([](db::Database& connection) {
    const int resumed = db::OutboxRepository(connection).requeue_interrupted();
    if (resumed > 0) log::warn("delivery.resumed", {{"deliveries", resumed}});
  });
  jobs::QueueSettings q;
  q.name = queue_name;
  q.workers = shared_->config.workers;
  q.retry.max_attempts = shared_->config.max_attempts;
  q.retry.base = std::chrono::seconds(shared_->config.retry_base_s);
  q.retry.cap = std::chrono::seconds(shared_->config.retry_cap_s);
  q.lease = lease;
  auto sender = std::make_shared<Sender>(shared_);
  engine.add_queue(q, [sender](db::Database& connection) {
    return jobs::make_lane<db::OutboxRow, db::DeliveryReceipt>(std::make_unique<db::OutboxQueue>(connection), sender);
  });
  engine_ = &engine;
}

// The TLS settings of a row's destination as configured now (a row stores only the address): a
// named destination by its name, the sender by the known peer with the row's address.
dimse::SendOutcome Outbox::echo(const std::string& destination) const {
  for (const auto& d : shared_->peers()->destinations) {
    if (d.name == destination) return dimse::echo({d.ae_title, d.host, d.port, d.tls}, shared_->scu);
  }
  throw Error(Errc::not_found, fmt::format("no destination named '{}' in [delivery] destinations", destination));
}

dimse::TlsSettings Outbox::Shared::tls_for(const db::OutboxItem& item) const {
  const auto configured = peers();
  if (item.destination == "sender") {
    for (const auto& k : configured->known_peers) {
      if (k.ae_title == item.ae_title && k.host == item.host && k.port == item.port) return k.tls;
    }
    return {};
  }
  for (const auto& d : configured->destinations) {
    if (d.name == item.destination) return d.tls;
  }
  return {};
}

jobs::Attempt<db::DeliveryReceipt> Sender::run(const db::OutboxRow& row) {
  const auto& item = row.item;
  const auto& data_dir = shared_->data_dir;
  const dimse::Peer peer{item.ae_title, item.host, item.port, shared_->tls_for(item)};
  const fs::path file = data_dir / item.path;
  const auto started = std::chrono::steady_clock::now();
  auto outcome = dimse::send_file(peer, shared_->scu, file);
  std::string sent_as = item.sop_class_uid;
  // A destination that refuses this SR class may take another one that holds the same content.
  if (outcome.result == dimse::SendResult::sop_class_refused && !item.sr_fallbacks.empty()) {
    for (const auto& cls : split(item.sr_fallbacks)) {
      const fs::path converted = data_dir / "spool" / ".tmp" / fmt::format("outbox-{}-{}.dcm", row.id, cls);
      try {
        fs::create_directories(converted.parent_path());
        dicom::convert_sr_class(file, cls, converted);
        outcome = dimse::send_file(peer, shared_->scu, converted);
      } catch (const std::exception& e) {
        outcome = {dimse::SendResult::failed_permanent, 0xFFFF, e.what()};
      }
      std::error_code ec;
      fs::remove(converted, ec);
      sent_as = dicom::sr_class_uid(cls).value_or(cls);
      if (outcome.result != dimse::SendResult::sop_class_refused) break;
    }
  }
  jobs::Attempt<db::DeliveryReceipt> a;
  const metrics::Labels destination{{"destination", item.destination}};
  metrics::observe("osteon_delivery_seconds", destination,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  // As the queue will settle it: a transient failure on the last attempt is a failure.
  const bool retries = outcome.transient() && row.attempts < shared_->config.max_attempts;
  const char* settled = outcome.result == dimse::SendResult::delivered ? "delivered" : retries ? "retry" : "failed";
  metrics::add("osteon_deliveries_total", {{"destination", item.destination}, {"outcome", settled}});
  if (outcome.result == dimse::SendResult::delivered) {
    a.verdict = jobs::Verdict::done;
    a.result = {sent_as, outcome.detail == "success" ? "" : outcome.detail};
    log::info("delivery.done", {{"id", row.id}, {"sop", item.sop_instance_uid}, {"destination", item.destination},
                                {"ae", item.ae_title}, {"attempt", row.attempts}, {"sent_as", sent_as}});
    return a;
  }
  a.verdict = outcome.transient() ? jobs::Verdict::retry : jobs::Verdict::failed;
  a.reason = fmt::format("{}: {}", dimse::to_string(outcome.result), outcome.detail);
  return a;
}

} // namespace osteon::delivery
