#pragma once
// What every AI pipeline offers the job engine. Torch- and OpenCV-free on purpose.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <memory>

#include "osteon/core/instance_attributes.hpp"
#include "osteon/dicom/dicom_file.hpp"
#include "osteon/inference/domain_check.hpp"
#include "osteon/results/findings.hpp"
#include "osteon/results/sc_writer.hpp"

namespace osteon::pipelines {

enum class Outcome {
  done,            // findings produced
  not_analysable,  // the image cannot be analysed; the summary says why (never a guessed number)
  retry,           // a transient failure (e.g. the inference queue is full): try again later
  failed,          // a permanent failure: do not retry
};

struct StageTiming {
  std::string stage;
  double ms = 0;
};

struct Finding {
  Outcome outcome = Outcome::failed;
  std::string summary;          // one line for people (or the reason it is not analysable / failed)
  std::string data_json = "{}"; // the values, as JSON
  std::string model_name;
  std::string model_version;
  std::string model_sha256;
  std::vector<StageTiming> timings;
  // Every model call's domain check, in call order: in domain (score <= threshold), out of domain
  // (the finding is then not analysable, with the score and threshold in its reason), or not
  // checked (a model whose manifest says "domain_check": "none"; summary, SC and SR say so).
  std::vector<inference::DomainVerdict> domain;
  // For the result objects (done and not_analysable): the typed findings the SR is written from,
  // and, when the pipeline rendered one, the Secondary Capture (source windowed to 8 bits, its
  // overlay and the burned-in text including "not for primary diagnosis").
  std::optional<results::Findings> result;
  std::optional<results::ScContent> illustration;
  // The VOI window the source was displayed with (its own or the automatic one), for the GSPS of
  // a source that has none.
  std::optional<results::VoiWindow> display_window;
};

/// The values a routing profile sets for its pipeline (operating points, limits), by name.
struct Parameters {
  std::string profile;                    // the routing profile they come from; empty: defaults only
  std::map<std::string, double> numbers;  // the profile's [parameters]
  double number(const std::string& key, double fallback) const {
    const auto it = numbers.find(key);
    return it == numbers.end() ? fallback : it->second;
  }
};

struct JobInput {
  std::int64_t job_id = 0;
  std::filesystem::path file;  // the stored instance
  // The instance as the job loaded it (its one parse); null: the pipeline loads `file` itself.
  std::shared_ptr<const dicom::DicomFile> source;
  InstanceAttributes attributes;
  Parameters parameters;
};

/// One line on a finding's domain checks, for the SC, the SR and people: "Domain check passed:
/// hand_seg 0.93 <= 2.96, bone_age 1.02 <= 2.19" (each model once, its highest score), "Domain
/// check FAILED: ..." when one refused the image, "DOMAIN NOT CHECKED: X without a domain check"
/// when a model has none; empty without verdicts.
std::string describe_domain(const std::vector<inference::DomainVerdict>& verdicts);

class Pipeline {
 public:
  virtual ~Pipeline() = default;
  /// The pipeline id used in profiles: bone_age, nasal_fracture, implant_id.
  virtual std::string name() const = 0;
  /// Why the pipeline cannot run now (e.g. its models are not installed), or nothing.
  virtual std::optional<std::string> unavailable_reason() const = 0;
  /// Analyses one image. May throw; the engine treats an exception as a failure with its message.
  virtual Finding run(const JobInput& input) = 0;
};

} // namespace osteon::pipelines
