#include "run_context.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "sc_canvas.hpp"

namespace osteon::pipelines::detail {

void Stopwatch::lap(const std::string& stage, double excluding_ms) {
  const auto now = std::chrono::steady_clock::now();
  out_.push_back({stage, std::max(0.0, std::chrono::duration<double, std::milli>(now - start_).count() - excluding_ms)});
  start_ = now;
}

Finding start_finding(const ModelSet& models, const std::optional<std::string>& unavailable) {
  Finding f;
  f.model_name = models.names();
  f.model_version = models.versions();
  f.model_sha256 = models.sha256s();
  if (unavailable) {
    f.outcome = Outcome::retry;
    f.summary = *unavailable;
  }
  return f;
}

nlohmann::json model_list(const ModelSet& models, std::initializer_list<const char*> names) {
  nlohmann::json list = nlohmann::json::array();
  for (const char* m : names) {
    const auto& man = models.manifest(m);
    list.push_back({{"name", man.name}, {"version", man.version}, {"sha256", man.sha256}});
  }
  return list;
}

Finding decode_failure(Finding f, results::AnalysisKind kind, const std::exception& e, nlohmann::json& data) {
  mark_not_analysable(f, kind, std::string("the image cannot be decoded: ") + e.what(), data);
  f.data_json = data.dump();
  return f;
}

void mark_not_analysable(Finding& f, results::AnalysisKind kind, const std::string& reason, nlohmann::json& data) {
  f.outcome = Outcome::not_analysable;
  f.summary = "not analysable: " + reason;
  f.result = results::NotAnalysable{kind, reason};
  data["not_analysable"] = reason;
}

namespace {

nlohmann::json verdicts_json(const std::vector<inference::DomainVerdict>& verdicts) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : verdicts) {
    if (v.checked) {
      out.push_back({{"model", v.model}, {"score", v.score}, {"threshold", v.threshold}, {"in_domain", v.in_domain}});
    } else {
      out.push_back({{"model", v.model}, {"checked", false}});
    }
  }
  return out;
}

} // namespace

std::string domain_first(ModelCalls& calls, const std::string& model, inference::Tensors inputs, const std::string& reason) {
  try {
    calls.run(model, std::move(inputs));
  } catch (const inference::OutOfDomain& e) {
    return std::string(e.what()) + "; the pipeline's own checks also found: " + reason;
  }
  return reason;
}

const Working& RunContext::decode(const JobInput& input,
                                  const std::function<void(const dicom::DicomFile&)>& read_header) {
  try {
    std::optional<dicom::DicomFile> own;
    const dicom::DicomFile& source = input.source ? *input.source : own.emplace(dicom::DicomFile::load(input.file));
    working_ = make_working(source);
    if (read_header) read_header(source);
  } catch (const Error& e) {
    throw DecodeFailure(e.what());
  }
  display = working_->display;
  clock.lap("decode");
  return *working_;
}

Finding run_checked(const ModelSet& models, const PipelineInfo& info, const std::optional<std::string>& unavailable,
                    const std::function<Finding(RunContext&)>& analyse) {
  if (unavailable) return start_finding(models, unavailable);
  RunContext ctx(models);
  Finding f;
  try {
    f = analyse(ctx);
    f.data_json = ctx.data.dump();
  } catch (const DecodeFailure& e) {
    f = decode_failure(start_finding(models, std::nullopt), info.kind, e, ctx.data);
  } catch (const inference::OutOfDomain& e) {
    f = start_finding(models, std::nullopt);
    const std::string reason = e.what();
    mark_not_analysable(f, info.kind, reason, ctx.data);
    ctx.data["out_of_domain"] = verdicts_json({e.verdict()});
    if (ctx.display) {
      Stopwatch clock(ctx.timings);
      ScCanvas sc(*ctx.display);
      auto lines = sc_header(info.algorithm, info.version, ctx.calls);
      lines.push_back(fmt::format("{}: NOT ANALYSABLE", results::kind_name(info.kind)));
      lines.push_back(reason);
      f.illustration = sc.finish(lines, "source with the reason it was not analysed (out of the model's domain)");
      clock.lap("render");
    }
    f.data_json = ctx.data.dump();
  } catch (const Error& e) {
    f = error_finding(start_finding(models, std::nullopt), info.kind, e, ctx.data);
  }
  f.timings.insert(f.timings.begin(), ctx.timings.begin(), ctx.timings.end());
  if (ctx.display && ctx.display->info.window)
    f.display_window = results::VoiWindow{ctx.display->info.window->center, ctx.display->info.window->width};
  f.domain = ctx.calls.verdicts();
  if (!f.domain.empty() && f.outcome != Outcome::retry) {
    nlohmann::json data = nlohmann::json::parse(f.data_json, nullptr, false);
    if (data.is_discarded() || !data.is_object()) data = nlohmann::json::object();
    data["domain"] = verdicts_json(f.domain);
    const auto unchecked = ctx.calls.not_checked();
    if (!unchecked.empty()) {
      data["domain_not_checked"] = unchecked;
      f.summary += fmt::format("; domain not checked ({} without a domain check)", fmt::join(unchecked, ", "));
    }
    f.data_json = data.dump();
  }
  return f;
}

Finding error_finding(Finding f, results::AnalysisKind kind, const std::exception& e, nlohmann::json& data) {
  (void)kind;
  const auto* error = dynamic_cast<const Error*>(&e);
  if (error && (error->code() == Errc::out_of_resources || error->code() == Errc::not_found)) {
    f.outcome = Outcome::retry;
    f.summary = std::string(error->code() == Errc::out_of_resources ? "inference busy, retry later: "
                                                                     : "model unavailable, retry later: ") +
                e.what();
    data["retry"] = f.summary;
    f.data_json = data.dump();
    return f;
  }
  throw;
}

} // namespace osteon::pipelines::detail
