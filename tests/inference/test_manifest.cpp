#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "osteon/core/error.hpp"
#include "osteon/inference/manifest.hpp"
#include "osteon/inference/tensor.hpp"

using namespace osteon;
using namespace osteon::inference;
using nlohmann::json;

namespace {

json valid() {
  return json::parse(R"({
    "format": 1, "name": "bone_age", "version": "2.1.0", "task": "regression",
    "file": "model.pt", "sha256": "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
    "input": {"channels": 1, "height": 256, "width": 256, "dtype": "float32", "value_range": [0, 1],
              "normalisation": {"type": "mean_std", "mean": [0.5], "std": [0.25]}},
    "extra_inputs": [{"name": "sex", "shape": [1], "meaning": "1 male, 0 female"}],
    "outputs": [{"name": "months", "shape": [1], "meaning": "bone age in months"},
                {"name": "stage", "shape": [3], "labels": ["infant", "child", "adolescent"]}],
    "precision": ["fp32", "fp16"], "preferred_batch_sizes": [8, 1, 4, 4],
    "model_card": "MODEL_CARD.md", "training_data": "synthetic phantoms", "intended_use": "demo",
    "domain_check": "none"})");
}

json with_domain_check() {
  auto doc = valid();
  doc["outputs"].push_back({{"name", "domain_features"}, {"shape", {6}}});
  doc["domain_check"] = json::parse(R"({"method": "mahalanobis", "features": "domain_features", "file": "domain.json",
      "sha256": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "threshold": 2.5,
      "false_refusal_rate": 0.001, "calibration": "1500 held-out phantoms"})");
  return doc;
}

Errc parse_error_code(const json& doc, std::string& message) {
  try {
    parse_manifest(doc.dump(), "models/x/manifest.json");
  } catch (const Error& e) {
    message = e.what();
    return e.code();
  }
  FAIL("the manifest was accepted: " << doc.dump());
  return Errc::internal;
}

} // namespace

TEST_CASE("tensors stack into a batch and slice back into the same items", "[tensor]") {
  const Tensor a({2, 2}, {1, 2, 3, 4});
  const Tensor b({2, 2}, {5, 6, 7, 8});
  const Tensor batch = stack({&a, &b});
  CHECK(batch.shape() == Shape{2, 2, 2});
  CHECK(slice(batch, 0).values() == a.values());
  CHECK(slice(batch, 1).values() == b.values());
  CHECK(slice(batch, 1).shape() == Shape{2, 2});
  CHECK_THROWS_AS(slice(batch, 2), Error);
  const Tensor c({4}, {1, 2, 3, 4});
  CHECK_THROWS_AS(stack({&a, &c}), Error);
  CHECK_THROWS_AS(Tensor({2, 3}, {1, 2}), Error);
  CHECK(Tensor({3, 0}).size() == 0);
  CHECK(to_string(Shape{1, 256, 256}) == "[1, 256, 256]");
}

TEST_CASE("a complete manifest parses with every field of the contract", "[manifest]") {
  const Manifest m = parse_manifest(valid().dump(), "m.json");
  CHECK(m.name == "bone_age");
  CHECK(m.sha256 == "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  CHECK(m.input.normalisation.kind == Normalisation::Kind::mean_std);
  CHECK(m.input_shapes() == std::vector<Shape>{{1, 256, 256}, {1}});
  REQUIRE(m.outputs.size() == 2);
  CHECK(m.outputs[1].labels.size() == 3);
  CHECK(m.allows(Precision::fp16));
  CHECK(m.preferred_batch_sizes == std::vector<int>{1, 4, 8});
  const Manifest again = parse_manifest(to_json(m), "again.json");
  CHECK(again.input_shapes() == m.input_shapes());
  CHECK(again.outputs[1].labels == m.outputs[1].labels);
  CHECK(again.input.normalisation.std == m.input.normalisation.std);
}

TEST_CASE("manifest errors are config_invalid and name the file and the field", "[manifest]") {
  std::string message;
  auto doc = valid();
  doc.erase("sha256");
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("models/x/manifest.json") && Catch::Contains("sha256: missing"));

  doc = valid();
  doc["input"]["normalization"] = doc["input"]["normalisation"];  // misspelt: never ignored
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("input.normalization: unknown field"));

  doc = valid();
  doc["outputs"][1]["labels"] = {"a", "b"};
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("outputs[1].labels"));

  doc = valid();
  doc["precision"] = {"fp16"};
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("fp32"));

  doc = valid();
  doc["input"]["height"] = 0;
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("input.height"));

  doc = valid();
  doc["file"] = "../other/model.pt";
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("file"));

  doc = valid();
  doc["task"] = "astrology";
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);

  doc = valid();
  doc["input"]["normalisation"]["std"] = {0.0};
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);

  CHECK_THROWS_AS(parse_manifest("{not json", "bad.json"), Error);
}

TEST_CASE("a manifest says how the model's domain is checked, or that it is not", "[manifest]") {
  const Manifest none = parse_manifest(valid().dump(), "m.json");
  CHECK(none.domain_check.none);

  const Manifest checked = parse_manifest(with_domain_check().dump(), "m.json");
  CHECK_FALSE(checked.domain_check.none);
  CHECK(checked.domain_check.method == "mahalanobis");
  CHECK(checked.domain_check.features == "domain_features");
  CHECK(checked.domain_check.file == "domain.json");
  CHECK(checked.domain_check.threshold == Approx(2.5));
  CHECK(checked.domain_check.false_refusal_rate == Approx(0.001));
  const Manifest again = parse_manifest(to_json(checked), "again.json");
  CHECK(again.domain_check.sha256 == checked.domain_check.sha256);
  CHECK(again.domain_check.threshold == checked.domain_check.threshold);
  CHECK(parse_manifest(to_json(none), "again.json").domain_check.none);
}

TEST_CASE("a manifest without a domain check is refused unless it says \"none\" explicitly", "[manifest]") {
  std::string message;
  auto doc = valid();
  doc.erase("domain_check");
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("domain_check: missing") && Catch::Contains("\"none\""));

  doc = valid();
  doc["domain_check"] = "off";
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("domain_check"));

  doc = with_domain_check();
  doc["domain_check"]["method"] = "energy";
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("domain_check.method"));

  doc = with_domain_check();
  doc["domain_check"]["features"] = "penultimate";
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("domain_check.features") && Catch::Contains("names no output"));

  doc = with_domain_check();
  doc["domain_check"]["features"] = "stage";  // exists, but a [3] vector is fine; a map is not
  CHECK_NOTHROW(parse_manifest(doc.dump(), "m.json"));
  doc["outputs"][1]["shape"] = {1, 3};
  doc["outputs"][1].erase("labels");
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("must be a vector"));

  for (const char* field : {"file", "sha256", "threshold"}) {
    doc = with_domain_check();
    doc["domain_check"].erase(field);
    CHECK(parse_error_code(doc, message) == Errc::config_invalid);
    CHECK_THAT(message, Catch::Contains(std::string("domain_check.") + field + ": missing"));
  }
  doc = with_domain_check();
  doc["domain_check"]["threshold"] = -1;
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  doc = with_domain_check();
  doc["domain_check"]["file"] = "/etc/passwd";
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  doc = with_domain_check();
  doc["domain_check"]["calibrated"] = true;  // misspelt: never ignored
  CHECK(parse_error_code(doc, message) == Errc::config_invalid);
  CHECK_THAT(message, Catch::Contains("domain_check.calibrated: unknown field"));
}
