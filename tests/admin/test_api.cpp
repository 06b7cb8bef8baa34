// The admin API through the real node: storescu (calling AE MODALITY) sends phantoms, the node
// analyses them with the shipped models and delivers to Orthanc; curl asks the API, and its
// answers are checked against what osteonctl reads from the same database. Actions (re-run,
// retry, pause) change what osteonctl shows; a pause survives a restart; promtool accepts the
// metrics and their counters agree with osteonctl.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "node_with_pacs.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

json get(const Node& node, const std::string& path) {
  const auto r = http(node, "GET", path);
  INFO(path << " -> " << r.body);
  REQUIRE(r.status == 200);
  return r.parsed();
}

json post(const Node& node, const std::string& path) {
  const auto r = http(node, "POST", path);
  INFO(path << " -> " << r.body);
  REQUIRE(r.status == 200);
  return r.parsed();
}

std::set<std::string> values(const json& rows, const char* key) {
  std::set<std::string> out;
  for (const auto& r : rows) out.insert(r[key].is_string() ? r[key].get<std::string>() : r[key].dump());
  return out;
}

// The sum of a counter's series whose labels contain `labels` ("k=\"v\"" fragments).
double metric_sum(const std::string& text, const std::string& name, const std::vector<std::string>& labels) {
  double sum = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

std::size_t stored_count(NodeWithPacs& fixture) { return fixture.ctl({"instances"}).size(); }

} // namespace

TEST_CASE("the admin API answers from the node's own database, and its actions change what osteonctl shows", "[api]") {
  REQUIRE(orthanc_available());
  TempDir dir;
  const auto hands = make_phantoms(dir.path() / "hand", "hand", 2, 5101).files;
  const auto hips = make_phantoms(dir.path() / "hip", "hip", 1, 5102).files;
  // A storescp as a destination that answers C-ECHO, and one where nothing listens.
  const int scp_port = free_port();
  const int nobody_port = free_port();
  Process scp({"storescp", "--aetitle", "STORESCP", std::to_string(scp_port)}, dir.path() / "storescp.log");
  REQUIRE(eventually([&] { return listening(scp_port); }, std::chrono::seconds(20)));
  // One attempt per delivery: with the PACS down, deliveries fail at once (then are retried by hand).
  NodeWithPacs fixture(dir.path(),
                       "max_attempts = 1\nretry_base_s = 1\nretry_cap_s = 1\n"
                       "destinations = [ { name = \"scp\", ae_title = \"STORESCP\", host = \"127.0.0.1\", port = " +
                           std::to_string(scp_port) +
                           " },\n  { name = \"nobody\", ae_title = \"NOBODY\", host = \"127.0.0.1\", port = " +
                           std::to_string(nobody_port) + " } ]\n");
  Node& node = fixture.node();
  node.start();

  {  // health, readiness and the system
    CHECK(get(node, "/healthz") == json{{"status", "alive"}});
    const auto ready = get(node, "/readyz");
    CHECK(ready["ready"] == true);
    const auto system = get(node, "/api/v1/system");
    CHECK(system["ae_title"] == "OSTEON");
    CHECK(system["ports"]["dicom"] == node.port());
    CHECK(system["ports"]["http"] == node.http_port());
    CHECK(values(system["pipelines"], "name") == std::set<std::string>{"bone_age", "implant_id", "nasal_fracture"});
    CHECK(system["models"].size() >= 3);
    for (const auto& m : system["models"]) CHECK(m["sha256"].get<std::string>().size() == 64);
    CHECK_THAT(system["note"].get<std::string>(), Catch::Contains("not for primary diagnosis"));
    CHECK(values(system["destinations"], "name") == std::set<std::string>{"nobody", "scp", "sender"});

    const auto echo = post(node, "/api/v1/destinations/scp/echo");
    CHECK(echo["ok"] == true);
    CHECK(echo["round_trip_ms"].get<double>() > 0);
    const auto nobody = post(node, "/api/v1/destinations/nobody/echo");
    CHECK(nobody["ok"] == false);
    CHECK_THAT(nobody["detail"].get<std::string>(), Catch::Contains("network error"));
    CHECK(http(node, "POST", "/api/v1/destinations/none/echo").status == 404);
  }

  fixture.send(hands);
  fixture.send(hips);
  REQUIRE(fixture.wait_for_deliveries([](const json& d) { return d["state"] == "failed"; }));

  {  // the overview's activity: this minute's images and jobs, their latency; queues and outboxes
    const auto activity = get(node, "/api/v1/stats/activity?minutes=5");
    CHECK(activity["minutes"] == 5);
    REQUIRE(activity["buckets"].size() == 5);
    std::int64_t received = 0, settled = 0;
    for (const auto& b : activity["buckets"]) {
      received += b["received"].get<std::int64_t>();
      settled += b["done"].get<std::int64_t>() + b["not_analysable"].get<std::int64_t>() + b["failed"].get<std::int64_t>();
    }
    CHECK(received == 3);  // the phantoms; the node's own SRs and SCs are not counted
    CHECK(settled == 3);
    CHECK(values(activity["pipelines"], "pipeline") == std::set<std::string>{"bone_age", "implant_id"});
    for (const auto& p : activity["pipelines"]) {
      CHECK(p["latency_p50_ms"].get<double>() > 0);
      CHECK(p["latency_p95_ms"].get<double>() >= p["latency_p50_ms"].get<double>());
    }
    CHECK(http(node, "GET", "/api/v1/stats/activity?minutes=0").status == 400);
    const auto system = get(node, "/api/v1/system");
    for (const auto& p : system["pipelines"]) CHECK(p["queued"] == 0);
    for (const auto& d : system["destinations"])
      if (d["name"] == "sender") CHECK(d["failed"].get<int>() == static_cast<int>(fixture.ctl({"deliveries", "--state", "failed"}).size()));
  }

  {  // listings agree with osteonctl; filters, paging and errors
    const auto studies = get(node, "/api/v1/studies");
    CHECK(values(studies["items"], "study_uid") == values(fixture.ctl({"studies"}), "study_uid"));
    const auto jobs = get(node, "/api/v1/jobs");
    CHECK(values(jobs["items"], "id") == values(fixture.ctl({"jobs"}), "id"));
    CHECK(get(node, "/api/v1/jobs?pipeline=implant_id")["items"].size() == 1);
    const auto from_modality = get(node, "/api/v1/instances?calling_ae=MODALITY");
    CHECK(from_modality["count"] == 3);
    const auto page1 = get(node, "/api/v1/instances?calling_ae=MODALITY&limit=2");
    const auto page2 = get(node, "/api/v1/instances?calling_ae=MODALITY&limit=2&offset=2");
    CHECK(page1["count"] == 2);
    CHECK(page2["count"] == 1);
    CHECK(page2["offset"] == 2);

    const auto uid = hands.empty() ? std::string() : sop_instance_uid(hands[0]);
    const auto instance = get(node, "/api/v1/instances/" + uid);
    CHECK(instance["sop_instance_uid"] == uid);
    CHECK(instance["jobs"].size() == 1);
    CHECK(instance["findings"].size() == 1);
    const auto job = get(node, "/api/v1/jobs/" + instance["jobs"][0]["id"].dump());
    CHECK(job["sop_instance_uid"] == uid);
    std::vector<std::string> events;
    for (const auto& e : job["timeline"]) events.push_back(e["event"]);
    INFO(job["timeline"].dump(1));
    for (const char* e : {"received", "routed", "queued", "running", "finding", "result stored", "delivery queued"})
      CHECK(std::find(events.begin(), events.end(), e) != events.end());
    CHECK(job["timeline"][0]["event"] == "received");
    CHECK(get(node, "/api/v1/studies/" + instance["study_uid"].get<std::string>())["instances"].size() >= 1);
    CHECK(get(node, "/api/v1/findings?pipeline=bone_age")["count"] == 2);

    const auto missing = http(node, "GET", "/api/v1/instances/1.2.3.999");
    CHECK(missing.status == 404);
    CHECK(missing.parsed()["error"]["code"] == "not_found");
    const auto bad = http(node, "GET", "/api/v1/jobs?limit=0");
    CHECK(bad.status == 400);
    CHECK(bad.parsed()["error"]["message"] == "'limit' must be an integer from 1 to 1000");
    CHECK(http(node, "GET", "/api/v1/studies?from=yesterday").status == 400);
    CHECK(http(node, "DELETE", "/api/v1/jobs").status == 405);
    CHECK(http(node, "GET", "/api/v1/nothing").status == 404);
    // A path that decodes to bytes that are not UTF-8: 404 with the bytes replaced, and the
    // node goes on (this once ended the request's thread: fuzz/regressions/http).
    const auto not_utf8 = http(node, "GET", "/api/v1/nothing%FF%FE");
    CHECK(not_utf8.status == 404);
    CHECK_THAT(not_utf8.parsed()["error"]["message"].get<std::string>(), Catch::Contains("\xEF\xBF\xBD"));
    CHECK(http(node, "GET", "/api/v1/nothing").status == 404);

    const auto preview = http(node, "GET", "/api/v1/instances/" + uid + "/preview.png?size=128");
    CHECK(preview.status == 200);
    CHECK(preview.body.substr(1, 3) == "PNG");
    const auto sr = fixture.ctl({"instances", "--modality", "SR"});
    REQUIRE(!sr.empty());
    const auto no_pixels = http(node, "GET", "/api/v1/instances/" + sr[0]["sop_instance_uid"].get<std::string>() + "/preview.png");
    CHECK(no_pixels.status == 404);

    // Findings as CSV: a header and one line per finding.
    const auto csv = http(node, "GET", "/api/v1/findings?format=csv");
    CHECK(csv.status == 200);
    CHECK(csv.body.rfind("id,job_id,sop_instance_uid,", 0) == 0);
    CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 1 + 3);
    CHECK(http(node, "GET", "/api/v1/findings?format=xml").status == 400);

    // The routing decision for an uploaded file, as osteonctl route gives it.
    const auto routed = run({"curl", "-sS", "-X", "POST", "--data-binary", "@" + hands[0].string(),
                             "http://127.0.0.1:" + std::to_string(node.http_port()) + "/api/v1/route?calling_ae=MODALITY"});
    REQUIRE(routed.exit_code == 0);
    const auto decision = json::parse(routed.output);
    CHECK(decision["pipeline"] == "bone_age");
    const auto ctl_route = ctl_text(node, {"--json", "route", hands[0].string(), "--calling-ae", "MODALITY"});
    CHECK(json::parse(ctl_route.output)["profiles"] == decision["profiles"]);
    const auto junk = run({"curl", "-sS", "-w", "\n%{http_code}", "-X", "POST", "--data-binary", "not dicom",
                           "http://127.0.0.1:" + std::to_string(node.http_port()) + "/api/v1/route"});
    CHECK_THAT(junk.output, Catch::EndsWith("422"));
    // The profiles the decision went through, in the same order.
    const auto profiles = get(node, "/api/v1/routing/profiles");
    REQUIRE(profiles["count"] == decision["profiles"].size());
    for (std::size_t i = 0; i < decision["profiles"].size(); ++i)
      CHECK(profiles["items"][i]["id"] == decision["profiles"][i]["id"]);
    for (const auto& p : profiles["items"]) CHECK(!p["match"]["body_part"].empty());

    // Models with their cards.
    const auto models = get(node, "/api/v1/models");
    REQUIRE(models["count"] >= 3);
    const auto model = get(node, "/api/v1/models/" + models["items"][0]["name"].get<std::string>());
    CHECK_THAT(model["card"].get<std::string>(), Catch::Contains("phantom"));
    CHECK(http(node, "GET", "/api/v1/models/none").status == 404);

    // The result objects: the SR as its content tree, the SC as a PNG, the GSPS as what it draws.
    const auto results = get(node, "/api/v1/instances?calling_ae=OSTEON&limit=1000");
    bool saw_sr = false, saw_sc = false, saw_gsps = false;
    for (const auto& o : results["items"]) {
      const auto reply = http(node, "GET", "/api/v1/results/" + o["sop_instance_uid"].get<std::string>());
      CHECK(reply.status == 200);
      if (o["modality"] == "SR") {
        saw_sr = true;
        const auto tree = reply.parsed();
        CHECK(tree["content"][0]["value_type"] == "CONTAINER");
        CHECK(!tree["content"][0]["content"].empty());
      } else if (o["modality"] == "PR") {
        saw_gsps = true;
        const auto ps = reply.parsed();
        CHECK_THAT(ps["label"].get<std::string>(), Catch::StartsWith("OSTEON "));
        CHECK(std::count(ps["layers"].begin(), ps["layers"].end(), "AI RESULT") == 1);
        bool disclaimer = false;
        for (const auto& t : ps["texts"]) disclaimer |= t["text"] == "AI result - not for primary diagnosis";
        CHECK(disclaimer);
      } else {
        saw_sc = saw_sc || reply.body.substr(1, 3) == "PNG";
      }
    }
    CHECK(saw_sr);
    CHECK(saw_sc);
    CHECK(saw_gsps);
    CHECK(http(node, "GET", "/api/v1/results/" + uid).status == 404);  // a received image is no result

    const auto openapi = get(node, "/api/v1/openapi.json");
    for (const char* p : {"/api/v1/jobs/{id}/rerun", "/api/v1/deliveries/retry", "/metrics", "/readyz", "/api/v1/stats/activity"})
      CHECK(openapi["paths"].contains(p));

    // osteonctl takes its global options after the subcommand too.
    const auto after = run({(binary_dir() / "osteonctl").string(), "instances", "--json", "--data-dir",
                            node.data_dir().string()});
    REQUIRE(after.exit_code == 0);
    CHECK(json::parse(after.output).size() == stored_count(fixture));
  }

  {  // metrics: promtool accepts them, and the counters agree with osteonctl
    const auto scrape = http(node, "GET", "/metrics");
    REQUIRE(scrape.status == 200);
    const auto file = dir.path() / "metrics.txt";
    std::ofstream(file) << scrape.body;
    if (run({"sh", "-c", "command -v promtool"}).exit_code != 0) {
      OSTEON_SKIP("promtool (Debian package prometheus) is not installed");
    } else {
      const auto checked = run({"sh", "-c", "promtool check metrics < '" + file.string() + "'"});
      INFO(checked.output);
      CHECK(checked.exit_code == 0);
    }
    const auto stored = static_cast<double>(fixture.ctl({"instances", "--calling-ae", "MODALITY"}).size());
    const auto failed = static_cast<double>(fixture.ctl({"deliveries", "--state", "failed"}).size());
    CHECK(metric_sum(scrape.body, "osteon_cstore_total", {"status=\"0000\"", "calling_ae=\"MODALITY\""}) == stored);
    CHECK(metric_sum(scrape.body, "osteon_jobs_total", {"pipeline=\"bone_age\""}) == 2);
    CHECK(metric_sum(scrape.body, "osteon_job_seconds_count", {"pipeline=\"implant_id\""}) == 1);
    CHECK(metric_sum(scrape.body, "osteon_inference_seconds_count", {}) >= 3);
    CHECK(metric_sum(scrape.body, "osteon_deliveries_total", {"outcome=\"failed\""}) == failed);
    CHECK(metric_sum(scrape.body, "osteon_outbox", {"state=\"failed\""}) == failed);
    CHECK(scrape.body.find("Patient") == std::string::npos);
  }

  {  // re-runs and retries, one and many
    const auto jobs = fixture.ctl({"jobs"});
    const auto first = jobs[0]["id"].dump();
    CHECK(post(node, "/api/v1/jobs/" + first + "/rerun") == json{{"rerun", 1}});
    REQUIRE(eventually([&] { return jobs_finished(fixture.ctl({"jobs"}), 3); }));
    CHECK(http(node, "POST", "/api/v1/jobs/rerun").status == 400);  // a bulk re-run needs a filter
    CHECK(post(node, "/api/v1/jobs/rerun?pipeline=bone_age")["rerun"] == 2);
    REQUIRE(eventually([&] { return jobs_finished(fixture.ctl({"jobs"}), 3); }));

    // Every delivery failed (the PACS is down); one retried by id, then the rest in bulk.
    fixture.pacs().start();
    const auto deliveries = fixture.ctl({"deliveries"});
    REQUIRE(!deliveries.empty());
    const auto id = deliveries[0]["id"].dump();
    CHECK(post(node, "/api/v1/deliveries/" + id + "/retry") == json{{"retried", 1}});
    REQUIRE(eventually([&] { return fixture.ctl({"deliveries", "--state", "delivered"}).size() >= 1; }));
    CHECK(http(node, "POST", "/api/v1/deliveries/" + id + "/retry").status == 400);  // not failed any more
    CHECK(post(node, "/api/v1/deliveries/retry?destination=sender")["retried"] >= 1);
    REQUIRE(fixture.wait_until_all_delivered());
  }

  {  // a paused pipeline queues and runs nothing, also after a restart, until resumed
    CHECK(post(node, "/api/v1/pipelines/bone_age/pause")["changed"] == true);
    CHECK(http(node, "POST", "/api/v1/pipelines/no_such/pause").status == 404);
    REQUIRE(node.stop() == 0);
    node.start();
    const auto system = get(node, "/api/v1/system");
    for (const auto& p : system["pipelines"]) CHECK(p["state"] == (p["name"] == "bone_age" ? "paused" : "running"));
    const auto more = make_phantoms(dir.path() / "hand2", "hand", 1, 5103).files;
    const auto more_hip = make_phantoms(dir.path() / "hip2", "hip", 1, 5104).files;
    fixture.send(more);
    fixture.send(more_hip);
    // The hip's job (another pipeline) finishes; the hand's stays queued.
    REQUIRE(eventually([&] { return get(node, "/api/v1/jobs?pipeline=implant_id&state=queued")["count"] == 0 &&
                                    get(node, "/api/v1/jobs?pipeline=implant_id")["count"] == 2; }));
    CHECK(get(node, "/api/v1/jobs?pipeline=bone_age&state=queued")["count"] == 1);
    // osteonctl sees the pause, and pauses and resumes the same way.
    const auto listed = fixture.ctl({"pauses"});
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["kind"] == "pipeline");
    CHECK(listed[0]["name"] == "bone_age");
    CHECK(ctl_text(node, {"pause", "destination", "scp"}).exit_code == 0);
    const auto scp_state = [&] {
      const auto sys = get(node, "/api/v1/system");
      for (const auto& d : sys["destinations"])
        if (d["name"] == "scp") return d["state"].get<std::string>();
      return std::string();
    };
    CHECK(scp_state() == "paused");
    CHECK(ctl_text(node, {"resume", "destination", "scp"}).exit_code == 0);
    CHECK(scp_state() == "running");
    CHECK(ctl_text(node, {"pause", "pipeline", "no_such"}).exit_code == 4);
    CHECK(post(node, "/api/v1/pipelines/bone_age/resume")["changed"] == true);
    REQUIRE(eventually([&] { return get(node, "/api/v1/jobs?pipeline=bone_age&state=queued")["count"] == 0; }));
  }

  {  // the associations open now: an echoscu sending many C-ECHOs, seen while it is connected
    Process sender({"echoscu", "-to", "10", "-aet", "REPEATER", "-aec", "OSTEON", "--repeat", "1000000", "127.0.0.1",
                    std::to_string(node.port())},
                   dir.path() / "repeat.log");
    bool seen = false;
    REQUIRE(eventually([&] {
      const auto open = get(node, "/api/v1/associations/open");
      for (const auto& a : open["items"]) seen = seen || a["calling_ae"] == "REPEATER";
      return seen || !sender.running();
    }, std::chrono::seconds(60)));
    CHECK(seen);
    sender.signal(SIGKILL);
    sender.wait_for(std::chrono::seconds(10));
    REQUIRE(eventually([&] { return get(node, "/api/v1/associations/open")["count"] == 0; }, std::chrono::seconds(60)));
  }

  {  // the audit trail of all the above: who sent, read, changed and exported what
    const auto audit = [&](const std::string& query) { return get(node, "/api/v1/audit?limit=1000&" + query)["items"]; };
    const auto count = [](const json& rows, const std::function<bool(const json&)>& match) {
      return std::count_if(rows.begin(), rows.end(), match);
    };
    // The node's own start and stop (it was restarted once), with the configuration it ran on.
    const auto node_events = audit("event=110100&actor=OSTEON");
    CHECK(count(node_events, [](const json& a) { return a["event_type"] == "Application Start"; }) == 2);
    CHECK(count(node_events, [](const json& a) { return a["event_type"] == "Application Stop"; }) == 1);
    CHECK(count(node_events, [](const json& a) {
            return a["event_type"] == "Software Configuration" &&
                   a["detail"].get<std::string>().find("configuration loaded from") != std::string::npos;
          }) == 2);
    // Every stored image, by its sender; the results delivered, to their destination.
    const auto stored = audit("event=110104&actor=MODALITY");
    CHECK(static_cast<std::size_t>(count(stored, [](const json& a) { return a["outcome"] == 0; })) ==
          fixture.ctl({"instances", "--calling-ae", "MODALITY"}).size());
    const auto sent = audit("event=110104&actor=(this%20node)");
    CHECK(static_cast<std::size_t>(count(sent, [](const json& a) { return a["outcome"] == 0; })) ==
          fixture.ctl({"deliveries", "--state", "delivered"}).size());
    CHECK(count(sent, [](const json& a) { return a["outcome"] == 8; }) >= 1);  // given up while the PACS was down
    // The console's reads, queries, exports and changes, with the client's address.
    const auto console = audit("actor=console");
    const auto has = [&](const char* event, const char* detail) {
      return count(console, [&](const json& a) {
               return a["event_id"] == event && a["actor_host"] == "127.0.0.1" &&
                      a["detail"].get<std::string>().find(detail) != std::string::npos;
             }) >= 1;
    };
    CHECK(has("110103", "study read through the console"));
    CHECK(has("110103", "instance read through the console"));
    CHECK(count(console, [](const json& a) {
            return a["detail"] == "instance read through the console" && !a["patient_id"].get<std::string>().empty();
          }) >= 1);
    CHECK(has("110103", "image preview shown in the console"));
    CHECK(has("110103", "result object (SR) read through the console"));
    CHECK(has("110112", "/api/v1/studies"));
    CHECK(has("110106", "/api/v1/findings?format=csv"));
    CHECK(has("110100", "re-run of job"));
    CHECK(has("110100", "bulk re-run of 2 job(s)"));
    CHECK(has("110100", "retry of delivery"));
    CHECK(has("110100", "paused pipeline bone_age"));
    CHECK(has("110100", "resumed pipeline bone_age"));
    // osteonctl's changes carry the OS user; reading the trail through osteonctl gives the same rows.
    const auto local = fixture.ctl({"audit", "--event", "110100"});
    CHECK(count(local, [](const json& a) {
            return a["actor"].get<std::string>().rfind("osteonctl:", 0) == 0 &&
                   a["detail"] == "paused destination scp";
          }) == 1);
    CHECK(count(local, [](const json& a) { return a["detail"] == "resumed destination scp"; }) == 1);
    CHECK(fixture.ctl({"audit", "--failures"}).size() >= 1);
    // Nothing in the trail names a patient.
    CHECK(http(node, "GET", "/api/v1/audit?format=csv").body.find("PHANTOM^") == std::string::npos);
    CHECK(http(node, "GET", "/api/v1/audit?from=yesterday").status == 400);
  }
}

TEST_CASE("the web console is served from the binary, with a strict content policy", "[api]") {
  TempDir dir;
  Node node(dir.path() / "data");
  node.start();
  const auto index = run({"curl", "-sS", "-i", "http://127.0.0.1:" + std::to_string(node.http_port()) + "/"});
  CHECK_THAT(index.output, Catch::Contains("HTTP/1.1 200") && Catch::Contains("text/html") &&
                               Catch::Contains("Content-Security-Policy: default-src 'self'") &&
                               Catch::Contains("not for primary diagnosis"));
  const auto script = run({"curl", "-sS", "-i", "http://127.0.0.1:" + std::to_string(node.http_port()) + "/app.js"});
  CHECK_THAT(script.output, Catch::Contains("text/javascript"));
  CHECK(node.stop() == 0);
}
