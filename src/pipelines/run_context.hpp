#pragma once
// What every pipeline's run shares: the run context its stages work on (model calls with their
// domain verdicts, the finding's data, stage timings, the decode stage) and run_checked, which owns
// the endings common to every pipeline (unavailable, cannot be decoded, out of a model's domain,
// inference busy) and finishes the finding. Private to src/pipelines.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "osteon/pipelines/models.hpp"
#include "osteon/pipelines/pipeline.hpp"
#include "working_image.hpp"

namespace osteon::pipelines::detail {

/// Wall-clock per stage, appended to a Finding's timings.
class Stopwatch {
 public:
  explicit Stopwatch(std::vector<StageTiming>& out) : out_(out), start_(std::chrono::steady_clock::now()) {}
  /// Records the time since the last lap (or construction) under `stage`, less `excluding_ms`
  /// (time already recorded under another stage).
  void lap(const std::string& stage, double excluding_ms = 0.0);

 private:
  std::vector<StageTiming>& out_;
  std::chrono::steady_clock::time_point start_;
};

/// A decoding failure (no pixel data, corrupt, unsupported, too large): not analysable, with
/// the reason. Sets f.result, f.summary and f.data_json (data gains "not_analysable").
/// A finding stamped with the models' names, versions and hashes; when a model is unavailable,
/// already a retry with the reason (check `outcome == Outcome::retry` and return it).
Finding start_finding(const ModelSet& models, const std::optional<std::string>& unavailable);
/// [{name, version, sha256}] of the named models, for the finding's data.
nlohmann::json model_list(const ModelSet& models, std::initializer_list<const char*> names);

Finding decode_failure(Finding f, results::AnalysisKind kind, const std::exception& e, nlohmann::json& data);

/// Makes `f` say the image is not analysable and why: outcome, summary, the typed result and the
/// data's "not_analysable" (never a number). The caller renders the SC that says it.
void mark_not_analysable(Finding& f, results::AnalysisKind kind, const std::string& reason, nlohmann::json& data);

/// A source that cannot be decoded (no pixel data, corrupt, unsupported, too large): the run ends
/// not analysable with this reason (run_checked).
class DecodeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One job's run of a pipeline, shared by its stages: the model calls (with their domain
/// verdicts), the finding's data (run_checked writes it into the finding), the stage timings and,
/// once decoded, the source as displayed (for a refusal's plain SC).
struct RunContext {
  explicit RunContext(const ModelSet& models) : calls(models) {}
  ModelCalls calls;
  nlohmann::json data = nlohmann::json::object();
  std::vector<StageTiming> timings;
  Stopwatch clock{timings};  // each stage laps its own name
  std::optional<imaging::Image> display;

  /// The decode stage: the working image of the job's source (loaded once by the job, or here
  /// from input.file), and whatever `read_header` reads from the same file, lapped as "decode".
  /// A source or header that cannot be read throws DecodeFailure.
  const Working& decode(const JobInput& input,
                        const std::function<void(const dicom::DicomFile&)>& read_header = {});

 private:
  std::optional<Working> working_;
};

/// When a pipeline's own checks have already found a reason not to analyse the image: runs `model`
/// on `inputs` for its domain verdict only. Out of the model's domain: the domain reason first,
/// then the pipeline's ("...; the pipeline's own checks also found: <reason>"), and the verdict is
/// recorded as a refusal; in domain: `reason` unchanged.
std::string domain_first(ModelCalls& calls, const std::string& model, inference::Tensors inputs, const std::string& reason);

/// What a pipeline's SC header names (algorithm and version) and the kind of its results.
struct PipelineInfo {
  results::AnalysisKind kind;
  std::string algorithm, version;
};

/// Runs `analyse` (a pipeline's stages, working on ctx) and finishes its finding: the data, the
/// timings, the domain verdicts (Finding::domain, data "domain", and "domain not checked" in the
/// summary when a model has no check). `unavailable`: a retry with that reason, nothing run. The
/// endings every pipeline shares are decided here: a source that cannot be decoded
/// (DecodeFailure) is not analysable; an input out of a model's domain (inference::OutOfDomain)
/// ends not analysable with the reason, the score and the threshold, and a plain Secondary
/// Capture of the source with that reason (no finding image) when the image was decoded; a full
/// inference queue or a model gone is a retry (error_finding); any other error is rethrown.
Finding run_checked(const ModelSet& models, const PipelineInfo& info, const std::optional<std::string>& unavailable,
                    const std::function<Finding(RunContext&)>& analyse);
/// A failure while running: inference queue full or model gone (retry), else rethrown.
Finding error_finding(Finding f, results::AnalysisKind kind, const std::exception& e, nlohmann::json& data);

} // namespace osteon::pipelines::detail
