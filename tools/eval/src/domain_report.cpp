// osteon-eval: domain checks (see domain_report.hpp).
#include "domain_report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "metrics.hpp"
#include "osteon/eval/real_corpus.hpp"
#include "osteon/imaging/png.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace osteon::eval {

bool refused_by_domain(const pipelines::Finding& f) {
  if (f.outcome != pipelines::Outcome::not_analysable) return false;
  return std::any_of(f.domain.begin(), f.domain.end(), [](const inference::DomainVerdict& v) { return v.checked && !v.in_domain; });
}

void DomainTally::add(const pipelines::Finding& f) {
  ++images_;
  if (refused_by_domain(f)) ++refused_;
  for (const auto& v : f.domain) {
    if (!v.checked) {
      ++unchecked_[v.model];
      continue;
    }
    scores_[v.model].push_back(v.score);
    thresholds_[v.model] = v.threshold;
    if (!v.in_domain) ++refusals_[v.model];
  }
}

double DomainTally::refusal_rate() const {
  return images_ ? static_cast<double>(refused_) / static_cast<double>(images_) : NAN;
}

void DomainTally::print(const std::string& title) const {
  fmt::print("\n### domain checks: {}\n\n", title);
  fmt::print("images refused as out of domain: {} of {} ({:.1f} %)\n\n", refused_, images_, 100.0 * refusal_rate());
  fmt::print("| model | threshold | calls | score p50 | p95 | max | min | calls refused |\n|---|---|---|---|---|---|---|---|\n");
  for (const auto& [model, s] : scores_) {
    const auto r = refusals_.find(model);
    fmt::print("| {} | {:.3f} | {} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {} |\n", model, thresholds_.at(model), s.size(),
               percentile(s, 50), percentile(s, 95), *std::max_element(s.begin(), s.end()),
               *std::min_element(s.begin(), s.end()), r == refusals_.end() ? 0 : r->second);
  }
  for (const auto& [model, n] : unchecked_) fmt::print("| {} | none (domain not checked) | {} | | | | | |\n", model, n);
}

namespace {

struct Pipe {
  const char* name;
  const char* body_part;
};
constexpr Pipe pipes[] = {{"bone_age", "HAND"}, {"nasal_fracture", "SKULL"}, {"implant_id", "PELVIS"}};

struct Count {
  int images = 0, refused = 0, other = 0, done_ok = 0, violations = 0, failed = 0;
};

// Is a finding acceptable for a real image? (refused by the domain check, or a hand's bone age
// within the tolerance of its label). Sets `why` for the exception list.
bool acceptable(const RealImage& img, const std::string& pipeline, const pipelines::Finding& f, const json& data,
                double tolerance, std::string& why) {
  if (refused_by_domain(f)) return true;
  if (f.outcome == pipelines::Outcome::not_analysable) {
    why = "not analysable, but not by the domain check: " + data.value("not_analysable", f.summary);
    return false;
  }
  if (f.outcome != pipelines::Outcome::done) {
    why = "job did not finish: " + f.summary;
    return false;
  }
  if (pipeline == "bone_age") {
    const auto label = img.bone_age_months();
    const double est = data.value("bone_age_months", NAN);
    if (label && std::abs(est - *label) <= tolerance) return true;
    why = label ? fmt::format("bone age {:.1f} months, label {:.1f} (off by {:+.1f})", est, *label, est - *label)
                : fmt::format("bone age {:.1f} months reported for an image without a bone-age label", est);
    return false;
  }
  if (pipeline == "implant_id") {
    why = data.value("implant_found", false) ? "implant reported: " + f.summary : "analysed (no implant): " + f.summary;
    return false;
  }
  why = data.value("suspicious", false) ? "fracture call: " + f.summary : "analysed: " + f.summary;
  return false;
}

} // namespace

int run_real(const Runtime& rt, const RealOptions& o) {
  const auto images = real_corpus(o.corpus);
  if (images.empty()) {
    fmt::print(stderr, "osteon-eval: no real radiographs under {}\n", o.corpus.string());
    return 2;
  }
  fs::create_directories(o.work);
  std::ofstream dump;
  if (!o.dump.empty()) dump.open(o.dump);
  std::map<std::string, Count> counts;
  std::map<std::string, DomainTally> tallies;
  std::vector<std::string> exceptions;
  std::map<std::string, std::vector<std::pair<double, std::string>>> by_model;  // model -> (score/threshold, image)
  std::uint64_t seed = 880000;
  for (const auto& img : images) {
    for (const auto& p : pipes) {
      const fs::path file = o.work / fmt::format("{}-{}.dcm", ++seed, p.name);
      Count& c = counts[p.name];
      ++c.images;
      try {
        wrap_real(img, p.body_part, file, seed);
      } catch (const std::exception& e) {
        ++c.failed;
        exceptions.push_back(fmt::format("{} via {}: cannot be wrapped: {}", img.name(), p.name, e.what()));
        continue;
      }
      const auto f = rt.run(p.name, file);
      tallies[p.name].add(f);
      const json data = json::parse(f.data_json, nullptr, false);
      for (const auto& v : f.domain) {
        if (v.checked) by_model[v.model].push_back({v.score / v.threshold, img.name()});
      }
      std::string why;
      if (acceptable(img, p.name, f, data, o.bone_age_tolerance, why)) {
        refused_by_domain(f) ? ++c.refused : ++c.done_ok;
      } else {
        (f.outcome == pipelines::Outcome::not_analysable ? c.other : c.violations)++;
        exceptions.push_back(fmt::format("{} via {}: {}", img.name(), p.name, why));
      }
      if (dump.is_open()) {
        json verdicts = json::array();
        for (const auto& v : f.domain)
          verdicts.push_back({{"model", v.model}, {"checked", v.checked}, {"score", v.score}, {"threshold", v.threshold}, {"in_domain", v.in_domain}});
        dump << json{{"image", img.name()}, {"pipeline", p.name}, {"outcome", static_cast<int>(f.outcome)},
                     {"summary", f.summary}, {"domain", verdicts}}.dump() << "\n";
      }
      if (!o.sc_dir.empty() && f.illustration) {
        fs::create_directories(o.sc_dir);
        imaging::RgbImage rgb(static_cast<int>(f.illustration->image.rows), static_cast<int>(f.illustration->image.cols));
        std::copy(f.illustration->image.pixels.begin(), f.illustration->image.pixels.end(), rgb.data());
        imaging::write_png(fs::path(o.sc_dir) / fmt::format("{}-{}.png", file.stem().string(), img.file.stem().string()), rgb);
      }
      fs::remove(file);
    }
  }

  std::set<std::string> groups;
  for (const auto& i : images) groups.insert(i.group);
  fmt::print("# osteon-eval --real {}\n\n{} real radiographs ({}), each wrapped as DX and labelled with each pipeline's "
             "body part; models: {}; device: {}\n\n", o.corpus.string(), images.size(),
             fmt::join(groups, ", "), rt.models_dir.string(), rt.device);
  fmt::print("| pipeline (label) | images | refused: out of domain | not analysable, other reason | acceptable result | "
             "reported finding (violation) | could not run |\n|---|---|---|---|---|---|---|\n");
  for (const auto& p : pipes) {
    const Count& c = counts[p.name];
    fmt::print("| {} ({}) | {} | {} ({:.1f} %) | {} | {} | {} | {} |\n", p.name, p.body_part, c.images, c.refused,
               c.images ? 100.0 * c.refused / c.images : 0.0, c.other, c.done_ok, c.violations, c.failed);
  }
  fmt::print("\nacceptable result: a hand's bone age within {:.0f} months of its label\n", o.bone_age_tolerance);
  for (const auto& p : pipes) tallies[p.name].print(fmt::format("real radiographs through {}", p.name));
  fmt::print("\n### margins: the lowest real scores per model (score / threshold; above 1 is refused)\n\n"
             "| model | real inputs | lowest | 2nd | 3rd | lowest image |\n|---|---|---|---|---|---|\n");
  for (auto& [model, v] : by_model) {
    std::sort(v.begin(), v.end());
    auto at = [&](std::size_t i) { return i < v.size() ? fmt::format("{:.2f}", v[i].first) : std::string("-"); };
    fmt::print("| {} | {} | {} | {} | {} | {} |\n", model, v.size(), at(0), at(1), at(2), v.empty() ? "" : v[0].second);
  }
  fmt::print("\n### exceptions ({})\n\n", exceptions.size());
  for (const auto& e : exceptions) fmt::print("- {}\n", e);
  return exceptions.empty() ? 0 : 1;
}

} // namespace osteon::eval
