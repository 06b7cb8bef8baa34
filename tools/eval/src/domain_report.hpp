#pragma once
// osteon-eval's view of the domain checks: refusals and score distributions per model, the
// --real run over the shared corpus, and the cross-body-part table.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "osteon/eval/harness.hpp"
#include "osteon/pipelines/pipeline.hpp"

namespace osteon::eval {

/// True when the finding is "not analysable" because a model's domain check refused the input.
bool refused_by_domain(const pipelines::Finding& f);

/// The domain verdicts of many findings, per model.
class DomainTally {
 public:
  void add(const pipelines::Finding& f);
  std::size_t images() const { return images_; }
  std::size_t refused() const { return refused_; }
  /// Share of images refused by a domain check (NaN for none).
  double refusal_rate() const;
  /// Per model: threshold, calls, score p50 / p95 / max, calls refused.
  void print(const std::string& title) const;
  const std::map<std::string, std::vector<double>>& scores() const { return scores_; }
  const std::map<std::string, double>& thresholds() const { return thresholds_; }

 private:
  std::size_t images_ = 0, refused_ = 0;
  std::map<std::string, std::vector<double>> scores_;
  std::map<std::string, double> thresholds_;
  std::map<std::string, std::size_t> refusals_, unchecked_;
};

struct RealOptions {
  std::filesystem::path corpus;  // ../shared/corpus
  std::filesystem::path work;    // where the wrapped DICOM files go
  std::string dump;              // JSON lines, one per (image, pipeline)
  std::string sc_dir;            // Secondary Captures as PNG
  double bone_age_tolerance = 12.0;  // months
};

/// osteon-eval --real: every real radiograph through every pipeline (wrapped as DX labelled with
/// the pipeline's body part). Prints the refusal table, the exceptions and the score margins.
/// Returns 0 when every image ends refused by a domain check or (hands only) with a bone age
/// within the tolerance of its label, no implant and no fracture is reported; 1 otherwise.
int run_real(const Runtime& rt, const RealOptions& options);

} // namespace osteon::eval
