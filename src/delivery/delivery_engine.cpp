#include "osteon/delivery/delivery_engine.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "osteon/core/clock.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/wakeup.hpp"
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

struct DeliveryEngine::Impl {
  fs::path data_dir;
  DeliveryConfig config;
  dimse::ScuSettings scu;
  Wakeup wakeup;
  std::vector<std::thread> workers;

  void worker();
  void deliver(db::OutboxRepository& repo, const db::OutboxRow& row);
  TlsSettings tls_for(const db::OutboxItem& item) const;
};

DeliveryEngine::DeliveryEngine(fs::path data_dir, DeliveryConfig config, std::string calling_ae)
    : impl_(std::make_unique<Impl>()) {
  impl_->data_dir = std::move(data_dir);
  impl_->config = std::move(config);
  impl_->scu.calling_ae = impl_->config.calling_ae.empty() ? calling_ae : impl_->config.calling_ae;
  // Certificates and keys that cannot be loaded stop start-up, naming the configuration entry.
  for (const auto& d : impl_->config.destinations) dimse::check_tls(d.tls);
  for (const auto& k : impl_->config.known_peers) dimse::check_tls(k.tls);
}

DeliveryEngine::~DeliveryEngine() { stop(); }

void DeliveryEngine::enqueue(db::Database& database, const std::vector<ResultObject>& objects,
                             const std::vector<std::string>& destinations, const std::string& sender_calling_ae,
                             const std::vector<std::string>& sr_classes) {
  db::OutboxRepository repo(database);
  const std::string now = utc_timestamp();
  for (const auto& object : objects) {
    for (const auto& name : destinations) {
      db::OutboxItem item{object.sop_instance_uid, object.sop_class_uid, object.study_uid, object.path, name,
                          "", "", 0, is_sr(object.sop_class_uid) ? join(sr_classes, 1) : ""};
      std::string problem;
      if (name == "sender") {
        const auto& peers = impl_->config.known_peers;
        const auto it = std::find_if(peers.begin(), peers.end(),
                                     [&](const KnownPeer& k) { return k.calling_ae == sender_calling_ae; });
        if (it == peers.end()) {
          problem = fmt::format("sender '{}' is not in delivery.known_peers", sender_calling_ae);
        } else {
          item.ae_title = it->ae_title;
          item.host = it->host;
          item.port = it->port;
        }
      } else {
        const auto& dests = impl_->config.destinations;
        const auto it = std::find_if(dests.begin(), dests.end(), [&](const Destination& d) { return d.name == name; });
        if (it == dests.end()) {
          problem = fmt::format("destination '{}' is not configured", name);
        } else {
          item.ae_title = it->ae_title;
          item.host = it->host;
          item.port = it->port;
        }
      }
      if (!problem.empty()) {
        repo.enqueue_failed(item, problem, now);
        log::error("delivery.unroutable", {{"sop", object.sop_instance_uid}, {"destination", name}, {"reason", problem}});
      } else if (repo.enqueue(item, now)) {
        log::info("delivery.queued", {{"sop", object.sop_instance_uid}, {"destination", name}, {"ae", item.ae_title}});
      }
    }
  }
  notify();
}

void DeliveryEngine::start() {
  {
    db::Database database(database_path(impl_->data_dir));
    db::OutboxRepository repo(database);
    const int resumed = repo.requeue_interrupted();
    if (resumed > 0) log::warn("delivery.resumed", {{"deliveries", resumed}});
  }
  for (int i = 0; i < impl_->config.workers; ++i) impl_->workers.emplace_back([this] { impl_->worker(); });
}

void DeliveryEngine::notify() { impl_->wakeup.notify(); }

void DeliveryEngine::stop() {
  impl_->wakeup.stop();
  for (auto& w : impl_->workers) w.join();
  impl_->workers.clear();
}

void DeliveryEngine::Impl::worker() {
  try {
    db::Database database(database_path(data_dir));
    db::OutboxRepository repo(database);
    while (!wakeup.stopped()) {
      const auto seen = wakeup.generation();
      const auto row = repo.claim(utc_timestamp());
      if (!row) {
        wakeup.wait(seen, std::chrono::milliseconds(500));
        continue;
      }
      deliver(repo, *row);
    }
  } catch (const std::exception& e) {
    log::error("delivery.worker_failed", {{"error", e.what()}});
  }
}

// The TLS settings of a row's destination as configured now (a row stores only the address): a
// named destination by its name, the sender by the known peer with the row's address.
TlsSettings DeliveryEngine::Impl::tls_for(const db::OutboxItem& item) const {
  if (item.destination == "sender") {
    for (const auto& k : config.known_peers) {
      if (k.ae_title == item.ae_title && k.host == item.host && k.port == item.port) return k.tls;
    }
    return {};
  }
  for (const auto& d : config.destinations) {
    if (d.name == item.destination) return d.tls;
  }
  return {};
}

void DeliveryEngine::Impl::deliver(db::OutboxRepository& repo, const db::OutboxRow& row) {
  const auto& item = row.item;
  const dimse::Peer peer{item.ae_title, item.host, item.port, tls_for(item)};
  const fs::path file = data_dir / item.path;
  auto outcome = dimse::send_file(peer, scu, file);
  std::string sent_as = item.sop_class_uid;
  // A destination that refuses this SR class may take another one that holds the same content.
  if (outcome.result == dimse::SendResult::sop_class_refused && !item.sr_fallbacks.empty()) {
    for (const auto& cls : split(item.sr_fallbacks)) {
      const fs::path converted = data_dir / "spool" / ".tmp" / fmt::format("outbox-{}-{}.dcm", row.id, cls);
      try {
        fs::create_directories(converted.parent_path());
        dicom::convert_sr_class(file, cls, converted);
        outcome = dimse::send_file(peer, scu, converted);
      } catch (const std::exception& e) {
        outcome = {dimse::SendResult::failed_permanent, 0xFFFF, e.what()};
      }
      std::error_code ec;
      fs::remove(converted, ec);
      sent_as = dicom::sr_class_uid(cls).value_or(cls);
      if (outcome.result != dimse::SendResult::sop_class_refused) break;
    }
  }
  const std::string now = utc_timestamp();
  if (outcome.result == dimse::SendResult::delivered) {
    repo.delivered(row.id, sent_as, outcome.detail == "success" ? "" : outcome.detail, now);
    log::info("delivery.done", {{"id", row.id}, {"sop", item.sop_instance_uid}, {"destination", item.destination},
                                {"ae", item.ae_title}, {"attempt", row.attempts}, {"sent_as", sent_as}});
    return;
  }
  const std::string error = fmt::format("{}: {}", dimse::to_string(outcome.result), outcome.detail);
  if (outcome.transient() && row.attempts < config.max_attempts) {
    const auto factor = std::int64_t{1} << std::clamp<std::int64_t>(row.attempts - 1, 0, 20);
    const auto delay = std::min<std::int64_t>(config.retry_cap_s, config.retry_base_s * factor);
    repo.retry_later(row.id, error, utc_timestamp(std::chrono::system_clock::now() + std::chrono::seconds(delay)));
    log::warn("delivery.retry", {{"id", row.id}, {"destination", item.destination}, {"attempt", row.attempts},
                                 {"in_s", delay}, {"error", error}});
    return;
  }
  const std::string final_error =
      outcome.transient() ? fmt::format("gave up after {} attempts: {}", row.attempts, error) : error;
  repo.failed(row.id, final_error, now);
  log::error("delivery.failed", {{"id", row.id}, {"destination", item.destination}, {"error", final_error}});
}

} // namespace osteon::delivery
