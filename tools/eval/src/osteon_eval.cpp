// osteon-eval: generates held-out phantoms, runs them through the C++ pipelines (not Python),
// prints the metrics of the models issue next to the model cards' numbers, the domain checks'
// false refusals and score distributions, and the per-stage latency (p50/p95).
//
//   osteon-eval --kind hand|skull|hip --count N --seed S [--models DIR] [--threads T]
//               [--work DIR] [--keep] [--variants LIST] [--pipeline OTHER]
//   osteon-eval --real [CORPUS]       real radiographs (../shared/corpus) through every pipeline
//
// Exit status: 0 when every compared metric agrees with its model card within the stated
// tolerance and the domain checks refuse at most 1 % of the phantoms (with --pipeline of another
// body part: every phantom; with --real: see domain_report.hpp), 1 when not, 2 for bad arguments
// or missing models.
#include <chrono>
#include <fstream>
#include <functional>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "domain_report.hpp"
#include "metrics.hpp"
#include "osteon/eval/harness.hpp"
#include "osteon/eval/real_corpus.hpp"
#include "osteon/imaging/png.hpp"
#include "osteon/pipelines/implant_id.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace osteon;

namespace {

struct Row {
  Row(std::string m, double v, std::string u, std::string t = {})
      : metric(std::move(m)), value(v), unit(std::move(u)), text(std::move(t)) {}
  std::string metric;
  double value = NAN;
  std::string unit;
  std::string text;  // printed instead of value when set
};

struct Comparison {
  std::string metric;
  double eval = NAN;
  std::optional<double> card;
  std::string tolerance;
  bool ok = true;
  std::string source;
};

std::string num(double v, int decimals = 3) { return std::isnan(v) ? "n/a" : fmt::format("{:.{}f}", v, decimals); }

void print_rows(const std::string& title, const std::vector<Row>& rows) {
  fmt::print("\n### {}\n\n| metric | value |\n|---|---|\n", title);
  for (const auto& r : rows) {
    if (!r.text.empty()) fmt::print("| {} | {} |\n", r.metric, r.text);
    else fmt::print("| {} | {}{} |\n", r.metric, num(r.value, r.unit == "%" ? 1 : 3), r.unit.empty() ? "" : " " + r.unit);
  }
}

// Compares within tolerance: `lower_is_better` metrics may exceed the card by `slack`.
Comparison compare(const std::string& metric, double eval, std::optional<double> card, double slack, bool lower_is_better,
                   const std::string& source) {
  Comparison c{metric, eval, card, "", true, source};
  if (lower_is_better) {
    c.tolerance = fmt::format("eval <= card + {}", slack);
    c.ok = card ? eval <= *card + slack : true;
  } else {
    c.tolerance = fmt::format("eval >= card - {}", slack);
    c.ok = card ? eval >= *card - slack : true;
  }
  if (std::isnan(eval)) c.ok = false;
  return c;
}

double pct(double count, double total) { return total > 0 ? 100.0 * count / total : NAN; }

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"osteon-eval: held-out phantoms through the C++ pipelines, metrics vs the model cards"};
  std::string kind_name;
  unsigned count = 50;
  std::uint32_t seed = 5150;
  std::string models = eval::default_models_dir().string();
  std::string work;
  bool keep = false;
  int threads = 0;
  std::vector<std::string> variants;
  std::string transform = "none", dump;
  app.add_option("--transform", transform, "change each phantom before analysis: none, mirror (a right hand), flip (upside down)")
      ->check(CLI::IsMember({"none", "mirror", "flip"}));
  std::string sc_dir, pipeline_override;
  unsigned phantom_rows = 0;
  app.add_option("--rows", phantom_rows, "phantom rows (default: the generator's acquired size, as the models were trained)");
  app.add_option("--pipeline", pipeline_override, "run another pipeline than the kind's (e.g. hips through bone_age: every image should be not analysable); prints outcomes only");
  app.add_option("--sc", sc_dir, "write each Secondary Capture illustration as PNG into this directory");
  app.add_option("--dump", dump, "write one JSON line per image (truth, outcome, summary, data) to this file");
  app.add_option("--kind", kind_name, "hand, skull or hip (phantoms)")->check(CLI::IsMember({"hand", "skull", "hip"}));
  std::string real;
  app.add_option("--real", real, "instead of phantoms: the real radiographs of this corpus (default ../shared/corpus) through "
                                 "every pipeline, labelled with its body part; prints the domain refusals")
      ->expected(0, 1);
  double max_false_refusals = 1.0;
  app.add_option("--max-false-refusals", max_false_refusals, "percent of phantoms the domain checks may refuse (default 1)");
  app.add_option("--count", count, "phantoms to generate")->check(CLI::Range(1u, 100000u));
  app.add_option("--seed", seed, "phantom seed (use one the models were not trained or calibrated on)");
  app.add_option("--models", models, "models directory");
  app.add_option("--work", work, "where to write the phantoms (default: a temporary directory)");
  app.add_flag("--keep", keep, "keep the phantoms");
  app.add_option("--threads", threads, "LibTorch intra-op threads (0: its default)");
  app.add_option("--variants", variants, "phantom DICOM variants (see osteon-phantom --help)")->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  const bool real_mode = app.count("--real") > 0;
  if (!real_mode && kind_name.empty()) {
    std::cerr << "osteon-eval: --kind or --real is required (see --help)\n";
    return 2;
  }
  if (real_mode) kind_name = "hand";

  const auto kind = phantom::parse_kind(kind_name);
  const std::string own = kind == phantom::Kind::hand ? "bone_age" : kind == phantom::Kind::skull ? "nasal_fracture" : "implant_id";
  const std::string pipeline = pipeline_override.empty() ? own : pipeline_override;
  if (seed == 11 || seed == 12 || seed == 13 || seed == 911 || seed == 912 || seed == 913 || seed == 923) {
    std::cerr << "osteon-eval: warning: seed " << seed << " is one the models were trained, calibrated or carded on\n";
  }

  std::unique_ptr<eval::Runtime> rt;
  try {
    rt = eval::Runtime::load(models, threads);
  } catch (const std::exception& e) {
    std::cerr << "osteon-eval: cannot load the models in " << models << ": " << e.what() << "\n";
    return 2;
  }
  if (real_mode) {
    eval::RealOptions ro;
    if (!real.empty()) {
      ro.corpus = real;
    } else if (const auto corpus = eval::shared_corpus()) {
      ro.corpus = *corpus;
    } else {
      std::cerr << "osteon-eval: no ../shared/corpus; name the corpus: --real DIR\n";
      return 2;
    }
    for (const char* p : {"bone_age", "nasal_fracture", "implant_id"}) {
      if (const auto why = rt->missing(p)) {
        std::cerr << "osteon-eval: pipeline " << p << " cannot run: " << *why << "\n";
        return 2;
      }
    }
    ro.work = work.empty() ? eval::temp_dir("osteon-eval-real") : fs::path(work);
    ro.dump = dump;
    ro.sc_dir = sc_dir;
    const int rc = eval::run_real(*rt, ro);
    if (!keep && work.empty()) fs::remove_all(ro.work);
    return rc;
  }
  if (const auto why = rt->missing(pipeline)) {
    std::cerr << "osteon-eval: pipeline " << pipeline << " cannot run: " << *why << "\n";
    return 2;
  }

  const fs::path dir = work.empty() ? eval::temp_dir("osteon-eval") : fs::path(work);
  const auto g0 = std::chrono::steady_clock::now();
  std::function<void(phantom::Phantom&)> modify;
  if (transform == "mirror") modify = eval::mirror;
  if (transform == "flip") modify = eval::flip_vertical;
  const auto samples = eval::make_phantoms(kind, count, seed, dir, modify, variants, phantom_rows);
  std::ofstream dump_out;
  if (!dump.empty()) dump_out.open(dump);
  const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();

  std::map<std::string, std::vector<double>> stage_ms;
  std::map<std::string, int> outcomes, reasons;
  std::vector<std::pair<const eval::Sample*, json>> done;
  eval::DomainTally domain;
  const auto r0 = std::chrono::steady_clock::now();
  for (const auto& s : samples) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto f = rt->run(pipeline, s.file);
    const double total = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    domain.add(f);
    for (const auto& t : f.timings) stage_ms[t.stage].push_back(t.ms);
    stage_ms["total"].push_back(total);
    const json data = json::parse(f.data_json);
    if (dump_out.is_open()) {
      dump_out << json{{"file", s.file.filename().string()}, {"outcome", static_cast<int>(f.outcome)}, {"summary", f.summary},
                       {"data", data}, {"truth", s.truth}}.dump() << "\n";
    }
    if (!sc_dir.empty() && f.illustration) {
      fs::create_directories(sc_dir);
      imaging::RgbImage rgb(static_cast<int>(f.illustration->image.rows), static_cast<int>(f.illustration->image.cols));
      std::copy(f.illustration->image.pixels.begin(), f.illustration->image.pixels.end(), rgb.data());
      imaging::write_png(fs::path(sc_dir) / (s.file.stem().string() + ".png"), rgb);
    }
    switch (f.outcome) {
      case pipelines::Outcome::done: ++outcomes["done"]; done.emplace_back(&s, data); break;
      case pipelines::Outcome::not_analysable: ++outcomes["not_analysable"]; ++reasons[data.value("not_analysable", f.summary).substr(0, 60)]; break;
      case pipelines::Outcome::retry: ++outcomes["retry"]; ++reasons[f.summary.substr(0, 60)]; break;
      case pipelines::Outcome::failed: ++outcomes["failed"]; ++reasons[f.summary.substr(0, 60)]; break;
    }
  }
  const double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();

  fmt::print("# osteon-eval --kind {} --count {} --seed {}\n\n", kind_name, count, seed);
  fmt::print("models: {} ({}); pipeline: {}; device: {}; phantoms generated in {:.1f} s, analysed in {:.1f} s\n",
             models, rt->pipeline(pipeline).name(), pipeline, rt->device, gen_s, run_s);
  fmt::print("outcomes: done {}, not analysable {}, retry {}, failed {}\n", outcomes["done"], outcomes["not_analysable"],
             outcomes["retry"], outcomes["failed"]);
  for (const auto& [r, n] : reasons) fmt::print("  {} x {}\n", n, r);
  domain.print(fmt::format("{} phantoms (seed {}) through {}", kind_name, seed, pipeline));

  std::vector<Row> rows;
  std::vector<Comparison> cmp;
  if (pipeline != own) {
    // Another body part: every image must be refused by a domain check.
    fmt::print("\n{} phantoms through {} (another body part): {} of {} refused as out of domain ({:.1f} %): {}\n",
               kind_name, pipeline, domain.refused(), domain.images(), 100.0 * domain.refusal_rate(),
               domain.refused() == domain.images() ? "ok" : "NOT ALL REFUSED");
    if (!keep && work.empty()) fs::remove_all(dir);
    return domain.refused() == domain.images() ? 0 : 1;
  }
  cmp.push_back(compare("false refusals by the domain checks (%)", 100.0 * domain.refusal_rate(), max_false_refusals, 0.0,
                        true, "the domain gate's target (issue: <= 1 % per pipeline)"));
  const fs::path mdir = models;
  if (kind == phantom::Kind::hand) {
    std::vector<double> err, signed_err, chrono_err;
    for (const auto& [s, d] : done) {
      const double truth = s->truth.at("bone_age_months").get<double>();
      const double est = d.at("bone_age_months").get<double>();
      err.push_back(std::abs(est - truth));
      signed_err.push_back(est - truth);
      if (!d.at("chronological_age_months").is_null()) {
        chrono_err.push_back(std::abs(d.at("chronological_age_months").get<double>() - s->truth.at("chronological_age_months").get<double>()));
      }
    }
    rows.push_back({"images analysed (done / all)", pct(static_cast<double>(done.size()), count), "%"});
    rows.push_back({"bone age MAE (done images)", eval::mean(err), "months"});
    rows.push_back({"bone age 90th percentile abs. error", eval::percentile(err, 90), "months"});
    rows.push_back({"bone age mean signed error (bias)", eval::mean(signed_err), "months"});
    rows.push_back({"bone age max abs. error", err.empty() ? NAN : *std::max_element(err.begin(), err.end()), "months"});
    rows.push_back({"chronological age MAE vs truth (header dates)", eval::mean(chrono_err), "months"});
    print_rows("bone_age (hand_seg -> checks -> crop -> bone_age)", rows);
    const auto card = mdir / "bone_age" / "MODEL_CARD.md";
    const auto chain = eval::card_number(card, "MAE, whole chain");
    cmp.push_back(compare("bone age MAE (months)", eval::mean(err), chain, chain ? std::max(1.0, 0.25 * *chain) : 0, true,
                          "bone_age card: MAE, whole chain"));
    if (const auto truth_mask = eval::card_number(card, "MAE with truth masks")) {
      fmt::print("(card, for reference: MAE with truth masks {:.2f} months; the pipeline uses hand_seg masks, so its MAE "
                 "is compared with the card's whole-chain MAE)\n", *truth_mask);
    }
  } else if (kind == phantom::Kind::skull) {
    std::vector<double> scores, lm_err, lm_n, lm_t, peak_d;
    std::vector<int> labels;
    int tp_s = 0, fn_s = 0, tn_s = 0, fp_s = 0, tp_d = 0, fn_d = 0, tn_d = 0, fp_d = 0;
    for (const auto& [s, d] : done) {
      const bool frac = s->truth.at("fracture").get<bool>();
      const double p = d.at("probability").get<double>();
      scores.push_back(p);
      labels.push_back(frac ? 1 : 0);
      const bool sus = d.at("suspicious").get<bool>(), def = d.at("definite").get<bool>();
      (frac ? (sus ? tp_s : fn_s) : (sus ? fp_s : tn_s))++;
      (frac ? (def ? tp_d : fn_d) : (def ? fp_d : tn_d))++;
      const double width = s->truth.at("cols").get<double>();
      for (const char* k : {"nasion", "tip"}) {
        const auto& t = s->truth.at(k);
        const auto& e = d.at(k);
        const double dist = std::hypot(e[0].get<double>() - t[0].get<double>(), e[1].get<double>() - t[1].get<double>()) / width;
        lm_err.push_back(100.0 * dist);
        (std::string(k) == "nasion" ? lm_n : lm_t).push_back(100.0 * dist);
      }
      if (frac && !s->truth.at("fracture_point").is_null()) {
        const auto& fp = s->truth.at("fracture_point");
        const auto& pk = d.at("anomaly_peak");
        const double side_src = d.at("crop").at("side_source_px").get<double>();
        const double dist_src = std::hypot(pk[0].get<double>() - fp[0].get<double>(), pk[1].get<double>() - fp[1].get<double>());
        peak_d.push_back(dist_src / side_src * 256.0);
      }
    }
    const double auc = eval::roc_auc(scores, labels);
    double hits = 0;
    for (double v : peak_d) hits += v <= 10.0 ? 1 : 0;
    double within3 = 0;
    for (double v : lm_err) within3 += v <= 3.0 ? 1 : 0;
    rows.push_back({"images analysed (done / all)", pct(static_cast<double>(done.size()), count), "%"});
    rows.push_back({"fracture ROC AUC", auc, ""});
    rows.push_back({"sensitivity / specificity at 'suspicious' (profile threshold)", NAN, "",
                    fmt::format("{:.1f} % / {:.1f} %", pct(tp_s, tp_s + fn_s), pct(tn_s, tn_s + fp_s))});
    rows.push_back({"sensitivity / specificity at 'definite' (profile threshold)", NAN, "",
                    fmt::format("{:.1f} % / {:.1f} %", pct(tp_d, tp_d + fn_d), pct(tn_d, tn_d + fp_d))});
    rows.push_back({"landmark error, mean (% of image width)", eval::mean(lm_err), "%"});
    rows.push_back({"landmark error nasion / tip, mean", NAN, "", fmt::format("{:.2f} % / {:.2f} %", eval::mean(lm_n), eval::mean(lm_t))});
    rows.push_back({"landmark error, 95th percentile", eval::percentile(lm_err, 95), "%"});
    rows.push_back({"landmarks within 3 % of the width", pct(within3, static_cast<double>(lm_err.size())), "%"});
    rows.push_back({"anomaly peak within 10 px (256 crop) of the fracture point (localisation hit rate)",
                    pct(hits, static_cast<double>(peak_d.size())), "%"});
    rows.push_back({"anomaly peak distance, median (256-crop px)", eval::percentile(peak_d, 50), "px"});
    print_rows("nasal_fracture (localiser -> crop -> classifier + anomaly)", rows);
    cmp.push_back(compare("fracture ROC AUC", auc, eval::card_number(mdir / "nasal_fracture" / "MODEL_CARD.md", "ROC AUC"), 0.03,
                          false, "nasal_fracture card: ROC AUC"));
    cmp.push_back(compare("mean landmark error (% width)", eval::mean(lm_err),
                          eval::card_number(mdir / "nasal_localiser" / "MODEL_CARD.md", "mean landmark error"), 0.5, true,
                          "nasal_localiser card: mean landmark error"));
    cmp.push_back(compare("anomaly peak hit rate (%)", pct(hits, static_cast<double>(peak_d.size())),
                          eval::card_number(mdir / "nasal_anomaly" / "MODEL_CARD.md", "anomaly peak within 10 px"), 10.0, false,
                          "nasal_anomaly card: anomaly peak within 10 px"));
  } else {
    // Per truth implant side.
    int cat_total = 0, cat_top1 = 0, cat_accepted = 0, cat_unknown = 0, cat_unknown_model = 0;
    int unk_total = 0, unk_flagged = 0, unk_flagged_model = 0;
    int implants = 0, found = 0, hit = 0, empty_sides = 0, false_implants = 0, no_implant_images = 0, no_implant_ok = 0;
    std::optional<double> model_thr;
    if (const auto* ip = dynamic_cast<const pipelines::ImplantIdPipeline*>(&rt->pipeline(pipeline))) model_thr = ip->model_threshold();
    double profile_thr = NAN;
    for (const auto& [s, d] : done) {
      profile_thr = d.value("unknown_threshold", NAN);
      bool any = false;
      for (const auto& t : s->truth.at("implants")) {
        const std::string design = t.at("design_id").get<std::string>();
        const std::string side = t.at("side").get<std::string>();
        const json* est = nullptr;
        for (const auto& e : d.at("sides")) {
          if (e.at("side") == side) est = &e;
        }
        if (design == "none") {
          ++empty_sides;
          if (est) ++false_implants;
          continue;
        }
        any = true;
        ++implants;
        if (!est) continue;
        ++found;
        const auto& tb = t.at("bbox");
        const auto& eb = est->at("bbox");
        const double ix = std::max(0.0, std::min(tb[0].get<double>() + tb[2].get<double>(), eb[0].get<double>() + eb[2].get<double>()) -
                                            std::max(tb[0].get<double>(), eb[0].get<double>()));
        const double iy = std::max(0.0, std::min(tb[1].get<double>() + tb[3].get<double>(), eb[1].get<double>() + eb[3].get<double>()) -
                                            std::max(tb[1].get<double>(), eb[1].get<double>()));
        const double inter = ix * iy;
        const double uni = tb[2].get<double>() * tb[3].get<double>() + eb[2].get<double>() * eb[3].get<double>() - inter;
        if (uni > 0 && inter / uni >= 0.5) ++hit;
        const double conf = est->at("confidence").get<double>();
        const bool unknown = est->at("unknown_design").get<bool>();
        const std::string top = est->at("top").at(0).at("id").get<std::string>();
        if (design == "UNKNOWN") {
          ++unk_total;
          unk_flagged += unknown;
          if (model_thr) unk_flagged_model += conf < *model_thr;
        } else {
          ++cat_total;
          cat_top1 += top == design;
          cat_accepted += top == design && !unknown;
          cat_unknown += unknown;
          if (model_thr) cat_unknown_model += conf < *model_thr;
        }
      }
      if (!any) {
        ++no_implant_images;
        no_implant_ok += !d.at("implant_found").get<bool>();
      }
    }
    rows.push_back({"images analysed (done / all)", pct(static_cast<double>(done.size()), count), "%"});
    rows.push_back({fmt::format("implants found, on the right side ({} implants)", implants), pct(found, implants), "%"});
    rows.push_back({"localisation hit rate (box IoU >= 0.5 with the truth box)", pct(hit, implants), "%"});
    rows.push_back({fmt::format("top-1 on catalogue designs ({} found catalogue implants)", cat_total), pct(cat_top1, cat_total), "%"});
    rows.push_back({"catalogue implants accepted and correct", pct(cat_accepted, cat_total), "%"});
    rows.push_back({fmt::format("unknown recall ({} found UNKNOWN implants)", unk_total), pct(unk_flagged, unk_total), "%"});
    rows.push_back({"false unknowns (catalogue implants called unknown)", pct(cat_unknown, cat_total), "%"});
    rows.push_back({fmt::format("false implants (sides without one, {} sides)", empty_sides), pct(false_implants, empty_sides), "%"});
    rows.push_back({fmt::format("'no implant found' on images without one ({} images)", no_implant_images),
                    pct(no_implant_ok, no_implant_images), "%"});
    rows.push_back({"unknown threshold used (profile, else the model's)", profile_thr, ""});
    if (model_thr) {
      rows.push_back({fmt::format("at the model's calibrated threshold {:.4f}: unknown recall", *model_thr), pct(unk_flagged_model, unk_total), "%"});
      rows.push_back({fmt::format("at the model's calibrated threshold {:.4f}: false unknowns", *model_thr), pct(cat_unknown_model, cat_total), "%"});
    }
    print_rows("implant_id (metal segmentation -> crop -> classifier)", rows);
    const auto card = mdir / "implant_id" / "MODEL_CARD.md";
    cmp.push_back(compare("top-1 on catalogue designs (%)", pct(cat_top1, cat_total), eval::card_number(card, "top-1 on catalogue designs"),
                          5.0, false, "implant_id card: top-1"));
    cmp.push_back(compare("unknown recall (%)", pct(unk_flagged, unk_total), eval::card_number(card, "unknown recall"), 15.0, false,
                          "implant_id card: unknown recall"));
    cmp.push_back(compare("false unknowns (%)", pct(cat_unknown, cat_total), eval::card_number(card, "false unknowns"), 5.0, true,
                          "implant_id card: false unknowns"));
  }

  fmt::print("\n### per-stage latency (ms, {} images, one at a time, {})\n\n| stage | p50 | p95 | mean |\n|---|---|---|---|\n",
             count, rt->device);
  for (const auto& [stage, v] : stage_ms) {
    if (stage == "total") continue;
    fmt::print("| {} | {:.1f} | {:.1f} | {:.1f} |\n", stage, eval::percentile(v, 50), eval::percentile(v, 95), eval::mean(v));
  }
  const auto& tot = stage_ms["total"];
  fmt::print("| **total** | {:.1f} | {:.1f} | {:.1f} |\n", eval::percentile(tot, 50), eval::percentile(tot, 95), eval::mean(tot));

  bool all_ok = true;
  fmt::print("\n### against the model cards\n\n| metric | C++ eval | model card | tolerance | agrees |\n|---|---|---|---|---|\n");
  for (const auto& c : cmp) {
    fmt::print("| {} | {} | {} | {} | {} |\n", c.metric, num(c.eval, 3), c.card ? num(*c.card, 3) : "not in card", c.tolerance,
               c.card ? (c.ok ? "yes" : "NO") : "-");
    all_ok = all_ok && c.ok;
  }
  if (!keep && work.empty()) fs::remove_all(dir);
  return all_ok ? 0 : 1;
}
