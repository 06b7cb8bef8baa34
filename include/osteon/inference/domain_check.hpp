#pragma once
// A model's domain check: is this input like the data the model was validated on?
//
// Declared in the manifest ("domain_check", models/README.md) and made by the training run
// (tools/train/domain.py): the model returns, as one of its outputs, a feature vector describing
// how it responded (per tapped layer, channel means and standard deviations; the entry models
// add texture statistics of the working image); the domain file holds the statistics of those
// features over the training images, in groups (slices of the vector). Each group's score is a
// Mahalanobis distance in probabilistic-PCA form, relative to a typical training image; the
// score is the largest group's (about 1 for a typical training image):
//
//   z = (features[offset, offset + size) - mean) / scale,  p = basis z  (K x size),
//   score_g = sqrt((sum_k p_k^2 / eigenvalue_k + (|z|^2 - |p|^2) / residual_variance) / size) / typical
//   score = max_g score_g
//
// An input scoring above the manifest's threshold is out of domain: the pipeline reports "not
// analysable" with the score and the threshold instead of a finding. A model whose manifest says
// "domain_check": "none" has no check; its findings say "domain not checked".
// Torch-free: the registry loads the file, the pipelines' model calls compute the verdicts.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "osteon/core/error.hpp"

namespace osteon::inference {

struct Manifest;

/// The manifest's "domain_check": "none", or a calibrated check.
struct DomainCheckSpec {
  bool none = false;           // "domain_check": "none"
  std::string method;          // "mahalanobis" (the only method so far)
  std::string features;        // name of the output holding the feature vector
  std::filesystem::path file;  // statistics, relative to the model directory
  std::string sha256;          // of that file
  double threshold = 0;        // score above it: out of domain
  double false_refusal_rate = 0;  // share of in-domain calibration images the threshold refuses
  std::string calibration;     // how the threshold was set and what it refuses (for people)
};

/// The outcome of one model call's check.
struct DomainVerdict {
  std::string model;
  bool checked = false;  // false: the model has no domain check ("domain_check": "none")
  double score = 0;
  double threshold = 0;
  bool in_domain = true;
  std::string training_data;  // the manifest's, shortened (for the refusal reason)
  /// "hand_seg 0.93 <= 1.91", "hand_seg 41.20 > 1.91", "hand_seg not checked"
  std::string describe() const;
};

/// The reason a refused image is not analysable, with the score and threshold, e.g. "image unlike
/// the data the model was validated on (hand_seg: domain score 41.20 > threshold 1.91; model
/// trained on 1200 synthetic hand phantoms)".
std::string refusal_reason(const DomainVerdict& verdict);

/// Thrown by a model call whose input is out of the model's domain: the job ends not analysable.
class OutOfDomain : public Error {
 public:
  explicit OutOfDomain(DomainVerdict verdict);
  const DomainVerdict& verdict() const noexcept { return verdict_; }

 private:
  DomainVerdict verdict_;
};

class DomainCheck {
 public:
  /// Reads the manifest's domain file (manifest.dir / domain_check.file), checks its sha256, its
  /// format and that its dimension matches the features output. Errors: file missing
  /// Error(not_found); anything else Error(config_invalid), naming the model and the file.
  static std::shared_ptr<const DomainCheck> load(const Manifest& manifest);
  /// From the file's JSON text (tests). `origin` names it in errors.
  static std::shared_ptr<const DomainCheck> parse(const Manifest& manifest, const std::string& json_text,
                                                  const std::string& origin);

  std::size_t dimension() const noexcept { return dimension_; }
  /// The groups' names, in order ("layers", "texture").
  std::vector<std::string> groups() const;
  /// Index of the features output in the manifest's outputs.
  std::size_t feature_output() const noexcept { return feature_output_; }
  double threshold() const noexcept { return threshold_; }

  /// The score of one feature vector (size dimension(), else Error(invalid_argument)); NaN or
  /// infinite features give +infinity (out of domain).
  double score(std::span<const float> features) const;
  DomainVerdict verdict(std::span<const float> features) const;

 private:
  struct Group {
    std::string name;
    std::size_t offset = 0;
    std::vector<double> mean, scale, eigenvalues;
    std::vector<double> basis;  // components x size, row-major
    double residual_variance = 1, typical = 1;
    double score(std::span<const float> features) const;
  };

  std::string model_, training_data_;
  std::size_t feature_output_ = 0, dimension_ = 0;
  double threshold_ = 0;
  std::vector<Group> groups_;
};

} // namespace osteon::inference
