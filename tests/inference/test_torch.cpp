// The LibTorch backend with real TorchScript fixtures (tools/models/make_fixtures.py).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "osteon/core/error.hpp"
#include "osteon/core/sha256.hpp"
#include "osteon/inference/registry.hpp"
#include "osteon/inference/scheduler.hpp"
#include "osteon/inference/torch_backend.hpp"
#include "process.hpp"
#include "torch_fixtures.hpp"

using namespace osteon;
using namespace osteon::inference;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using inference::test::copy_fixture;
using inference::test::cpu_settings;
using inference::test::fixtures_dir;

namespace {

Registry load_fixtures(const InferenceSettings& settings) { return Registry::load(settings, torch_model_loader(settings)); }

InferenceSettings fixture_settings() { return cpu_settings(fixtures_dir()); }

Tensor random_image(std::mt19937& rng, const Shape& shape) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Tensor t(shape);
  for (auto& v : t.values()) v = u(rng);
  return t;
}

double tolerance(const Model& model) { return model.precision() == Precision::fp16 ? 2e-2 : 1e-5; }

void check_close(const Tensor& a, const Tensor& b, double eps) {
  REQUIRE(a.shape() == b.shape());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.values()[i] == Approx(b.values()[i]).margin(eps).epsilon(eps));
}

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

void write_json(const fs::path& file, const nlohmann::json& doc) { std::ofstream(file) << doc.dump(2); }

Error load_error(const InferenceSettings& settings) {
  try {
    load_fixtures(settings);
  } catch (const Error& e) {
    return e;
  }
  FAIL("the registry loaded");
  return Error(Errc::internal, "");
}

} // namespace

TEST_CASE("the fixture models load, pass their dry run and apply the manifest's normalisation", "[torch][load]") {
  const Registry registry = load_fixtures(fixture_settings());
  const auto models = registry.models();
  REQUIRE(models.size() == 4);
  for (const auto& m : models) CHECK(m.available);

  // tiny_echo returns its input after normalisation: x * 2 - 1, and the sum of that.
  auto echo = registry.get("tiny_echo");
  Tensor x({1, 2, 4, 4});
  for (std::size_t i = 0; i < x.size(); ++i) x.values()[i] = static_cast<float>(i) / 32.0f;
  const Tensors out = echo->run({x});
  REQUIRE(out.size() == 2);
  CHECK(out[0].shape() == Shape{1, 2, 4, 4});
  double sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(out[0].values()[i] == Approx(x.values()[i] * 2.0 - 1.0).margin(1e-6));
    sum += x.values()[i] * 2.0 - 1.0;
  }
  CHECK(out[1].values()[0] == Approx(sum).margin(1e-4));
  CHECK(x.values()[5] == 5.0f / 32.0f);  // the caller's tensor is untouched

  // tiny_two_input: mean(image) + 10 * sex, the extra input after the image.
  Tensors in{Tensor({2, 1, 8, 8}), Tensor({2, 1}, {1.0f, 0.0f})};
  std::fill(in[0].values().begin(), in[0].values().end(), 0.25f);
  const Tensors value = registry.get("tiny_two_input")->run(in);
  CHECK(value[0].values()[0] == Approx(10.25));
  CHECK(value[0].values()[1] == Approx(0.25));
}

TEST_CASE("batched results equal unbatched results", "[torch][batching]") {
  const auto settings = fixture_settings();
  const Registry registry = load_fixtures(settings);
  auto model = registry.get("tiny_classifier");
  std::mt19937 rng(7);
  std::vector<Tensor> images;
  for (int i = 0; i < 8; ++i) images.push_back(random_image(rng, {1, 32, 32}));

  std::vector<Tensors> single;
  for (const auto& image : images) single.push_back(model->run({stack({&image})}));

  std::vector<const Tensor*> pointers;
  for (const auto& image : images) pointers.push_back(&image);
  const Tensors batched = model->run({stack(pointers)});
  REQUIRE(batched.size() == 2);
  for (std::size_t i = 0; i < images.size(); ++i) {
    check_close(slice(batched[0], i), slice(single[i][0], 0), tolerance(*model));
    check_close(slice(batched[1], i), slice(single[i][1], 0), tolerance(*model));
  }

  // The same through the scheduler: all eight queued together form one batch.
  auto policy = settings.default_batching;
  policy.max_batch_size = 8;
  policy.max_queue_delay = 10s;
  Scheduler scheduler;
  scheduler.add(model, policy);
  std::vector<std::future<Tensors>> futures;
  for (const auto& image : images) futures.push_back(scheduler.submit("tiny_classifier", image));
  for (std::size_t i = 0; i < images.size(); ++i) {
    REQUIRE(futures[i].wait_for(30s) == std::future_status::ready);
    const Tensors out = futures[i].get();
    check_close(out[0], slice(single[i][0], 0), tolerance(*model));
    check_close(out[1], slice(single[i][1], 0), tolerance(*model));
  }
  CHECK(scheduler.stats("tiny_classifier").batches == 1);
  CHECK(scheduler.stats("tiny_classifier").largest_batch == 8);
}

TEST_CASE("many threads submitting to a TorchScript model at once all get their own answers", "[torch][concurrency]") {
  const auto settings = fixture_settings();
  const Registry registry = load_fixtures(settings);
  InferenceSettings batching = settings;
  batching.default_batching.max_batch_size = 16;
  batching.default_batching.max_queue_delay = 1ms;
  batching.default_batching.max_queue_size = 64;
  Scheduler scheduler(registry, batching);
  constexpr int threads = 12, per_thread = 40;
  std::atomic<int> wrong{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const float level = static_cast<float>(t * per_thread + i) / 1000.0f;
        const float sex = static_cast<float>(t % 2);
        Tensors in{Tensor({1, 8, 8}), Tensor({1}, {sex})};
        std::fill(in[0].values().begin(), in[0].values().end(), level);
        const Tensors out = scheduler.submit("tiny_two_input", std::move(in), 30s).get();
        if (std::abs(out.at(0).values().at(0) - (level + 10.0f * sex)) > 1e-4f) ++wrong;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(wrong == 0);
  const auto stats = scheduler.stats("tiny_two_input");
  CHECK(stats.requests == threads * per_thread);
  CHECK(stats.failed == 0);
  CHECK(stats.largest_batch > 1);
}

TEST_CASE("an exception inside the network fails only its request, with the torch message translated", "[torch][errors]") {
  const auto settings = fixture_settings();
  const Registry registry = load_fixtures(settings);
  auto policy = settings.default_batching;
  policy.max_batch_size = 4;
  policy.max_queue_delay = 10s;
  Scheduler scheduler;
  scheduler.add(registry.get("tiny_echo"), policy);
  std::vector<std::future<Tensors>> futures;
  for (int i = 0; i < 4; ++i) {
    Tensor x({2, 4, 4});
    std::fill(x.values().begin(), x.values().end(), 0.5f);
    if (i == 2) x.values()[3] = std::numeric_limits<float>::quiet_NaN();
    futures.push_back(scheduler.submit("tiny_echo", std::move(x)));
  }
  for (int i = 0; i < 4; ++i) {
    auto& f = futures[static_cast<std::size_t>(i)];
    REQUIRE(f.wait_for(30s) == std::future_status::ready);
    if (i != 2) {
      CHECK(f.get()[1].values()[0] == Approx(0.0).margin(1e-5));  // 0.5 * 2 - 1 everywhere
      continue;
    }
    try {
      f.get();
      FAIL("the NaN request succeeded");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::internal);
      CHECK_THAT(e.what(), Catch::Contains("model tiny_echo") && Catch::Contains("NaN in input"));
      CHECK_THAT(e.what(), !Catch::Contains("frame #"));  // no C++ backtrace in our messages
    }
  }
  CHECK(scheduler.stats("tiny_echo").failed == 1);
}

TEST_CASE("a wrong input shape gives invalid_argument", "[torch][errors]") {
  const Registry registry = load_fixtures(fixture_settings());
  auto model = registry.get("tiny_classifier");
  try {
    model->run({Tensor({2, 3, 32, 32})});
    FAIL("a 3-channel batch was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("tiny_classifier") && Catch::Contains("[2, 3, 32, 32]"));
  }
  Scheduler scheduler(registry, fixture_settings());
  CHECK_THROWS_AS(scheduler.submit("tiny_classifier", Tensor({1, 16, 16})), Error);
  try {
    scheduler.submit("tiny_two_input", Tensor({1, 8, 8}));  // the extra input is missing
    FAIL("a request without its extra input was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
  }
}

TEST_CASE("a model file that does not match its manifest's sha256 is refused at start-up", "[torch][errors]") {
  osteon::test::TempDir dir;
  copy_fixture("tiny_classifier", dir.path());
  std::ofstream(dir.path() / "tiny_classifier" / "model.pt", std::ios::app | std::ios::binary) << "x";
  const Error e = load_error(cpu_settings(dir.path()));
  CHECK(e.code() == Errc::config_invalid);
  CHECK_THAT(e.what(), Catch::Contains("model tiny_classifier") && Catch::Contains("sha256 mismatch"));
}

TEST_CASE("a missing model is refused at start-up unless allowed, then reported unavailable", "[torch][errors]") {
  osteon::test::TempDir dir;
  copy_fixture("tiny_classifier", dir.path());
  copy_fixture("tiny_echo", dir.path());
  fs::remove(dir.path() / "tiny_echo" / "model.pt");
  auto settings = cpu_settings(dir.path());
  settings.required = {"tiny_classifier", "tiny_echo", "bone_age"};
  Error e = load_error(settings);
  CHECK(e.code() == Errc::not_found);
  CHECK_THAT(e.what(), Catch::Contains("model tiny_echo") && Catch::Contains("is missing"));
  CHECK_THAT(e.what(), Catch::Contains("model bone_age") && Catch::Contains("required"));

  settings.allow_missing = {"tiny_echo", "bone_age"};
  const Registry registry = load_fixtures(settings);
  CHECK(registry.available("tiny_classifier"));
  CHECK_FALSE(registry.available("tiny_echo"));
  CHECK_FALSE(registry.available("bone_age"));
  Scheduler scheduler(registry, settings);
  try {
    scheduler.submit("tiny_echo", Tensor({2, 4, 4}));
    FAIL("an unavailable model accepted a request");
  } catch (const Error& err) {
    CHECK(err.code() == Errc::not_found);
    CHECK_THAT(err.what(), Catch::Contains("tiny_echo is unavailable") && Catch::Contains("is missing"));
  }
}

TEST_CASE("declared shapes that the network does not produce are refused at start-up", "[torch][errors]") {
  osteon::test::TempDir dir;
  copy_fixture("tiny_classifier", dir.path());
  const fs::path manifest = dir.path() / "tiny_classifier" / "manifest.json";
  auto doc = read_json(manifest);
  doc["outputs"][0]["shape"] = {4};
  doc["outputs"][0]["labels"] = {"a", "b", "c", "d"};
  write_json(manifest, doc);
  Error e = load_error(cpu_settings(dir.path()));
  CHECK(e.code() == Errc::config_invalid);
  CHECK_THAT(e.what(), Catch::Contains("model tiny_classifier") && Catch::Contains("shape mismatch") &&
                           Catch::Contains("[1, 3]") && Catch::Contains("[1, 4]"));

  // An input the network cannot take: the c10::Error of the convolution, translated.
  doc["outputs"][0]["shape"] = {3};
  doc["outputs"][0]["labels"] = {"a", "b", "c"};
  doc["input"]["channels"] = 3;
  write_json(manifest, doc);
  e = load_error(cpu_settings(dir.path()));
  CHECK(e.code() == Errc::config_invalid);
  CHECK_THAT(e.what(), Catch::Contains("model tiny_classifier") && Catch::Contains("channels"));
  CHECK_THAT(e.what(), !Catch::Contains("frame #"));
}

TEST_CASE("a file that is not TorchScript is refused at start-up", "[torch][errors]") {
  osteon::test::TempDir dir;
  copy_fixture("tiny_echo", dir.path());
  const fs::path model = dir.path() / "tiny_echo" / "model.pt";
  std::ofstream(model, std::ios::trunc | std::ios::binary) << "not a zip file";
  const fs::path manifest = dir.path() / "tiny_echo" / "manifest.json";
  auto doc = read_json(manifest);
  doc["sha256"] = sha256_file(model);
  write_json(manifest, doc);
  const Error e = load_error(cpu_settings(dir.path()));
  CHECK(e.code() == Errc::config_invalid);
  CHECK_THAT(e.what(), Catch::Contains("model tiny_echo") && Catch::Contains("does not load as TorchScript"));
}

TEST_CASE("the device follows the settings: CUDA with fp16 when present, else the CPU in fp32", "[torch][device]") {
  InferenceSettings settings = fixture_settings();
  settings.device = DeviceChoice::automatic;
  const TorchRuntimeInfo info = configure_torch(settings);
  CHECK_FALSE(info.torch_version.empty());
  CHECK(info.intra_op_threads == 2);
  const Registry registry = load_fixtures(settings);
  auto model = registry.get("tiny_classifier");
  if (info.cuda_available) {
    CHECK(model->device() == "cuda:0");
    CHECK(model->precision() == Precision::fp16);               // the manifest allows fp16
    CHECK(registry.get("tiny_echo")->precision() == Precision::fp32);  // this one does not
    CHECK(cuda_device_memory().has_value());
  } else {
    CHECK(model->device() == "cpu");
    CHECK(model->precision() == Precision::fp32);
    CHECK_FALSE(cuda_device_memory().has_value());
    settings.device = DeviceChoice::cuda;
    try {
      configure_torch(settings);
      FAIL("device cuda was accepted without a GPU");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::config_invalid);
      CHECK_THAT(e.what(), Catch::Contains("no CUDA device"));
    }
  }
}

// The domain check: tiny_domain's features (computed inside its TorchScript file) scored by the
// C++ check must give exactly what tools/train/domain.py gives (make_fixtures.py wrote both).
TEST_CASE("the C++ domain check scores a model's features as the training tools do", "[torch][domain]") {
  const Registry registry = load_fixtures(fixture_settings());
  auto model = registry.get("tiny_domain");
  const auto check = registry.domain("tiny_domain");
  REQUIRE(check);
  CHECK(check->dimension() == 16);
  CHECK(check->groups() == std::vector<std::string>{"layers", "texture"});
  CHECK_FALSE(registry.domain("tiny_classifier"));  // "domain_check": "none"
  for (const auto& s : registry.models()) {
    if (s.name == "tiny_domain") CHECK_THAT(s.domain, Catch::Contains("mahalanobis"));
    if (s.name == "tiny_classifier") CHECK_THAT(s.domain, Catch::Contains("none"));
  }
  const auto expected = read_json(fixtures_dir() / "tiny_domain" / "expected.json");
  CHECK(check->threshold() == Approx(expected.at("threshold").get<double>()).epsilon(1e-5));
  int inside = 0, outside = 0;
  for (const auto& probe : expected.at("probes")) {
    const auto pixels = probe.at("image").get<std::vector<float>>();
    const Tensors out = model->run({Tensor({1, 1, 16, 16}, pixels)});
    REQUIRE(out.size() == 2);
    const DomainVerdict v = check->verdict(slice(out[check->feature_output()], 0).data());
    CHECK(v.checked);
    CHECK(v.model == "tiny_domain");
    CHECK(v.score == Approx(probe.at("score").get<double>()).epsilon(1e-4));
    CHECK(v.in_domain == probe.at("in_domain").get<bool>());
    (v.in_domain ? inside : outside)++;
  }
  CHECK(inside >= 2);
  CHECK(outside >= 2);
  // A refused input's reason names the model, the score and the threshold.
  DomainVerdict refused;
  refused.model = "tiny_domain";
  refused.checked = true;
  refused.score = 41.2;
  refused.threshold = 9.8;
  refused.in_domain = false;
  refused.training_data = "random smooth images";
  const OutOfDomain e(refused);
  CHECK(e.code() == Errc::out_of_domain);
  CHECK_THAT(e.what(), Catch::Contains("image unlike the data the model was validated on") &&
                           Catch::Contains("domain score 41.20 > threshold 9.80") &&
                           Catch::Contains("model trained on random smooth images"));
  std::vector<float> wrong(15, 0.0f);
  CHECK_THROWS_AS(check->score(wrong), Error);
  std::vector<float> nan(16, std::numeric_limits<float>::quiet_NaN());
  CHECK_FALSE(check->verdict(nan).in_domain);
}

TEST_CASE("a domain check file that is missing, altered or does not fit the model is refused at start-up", "[torch][domain]") {
  {
    osteon::test::TempDir dir;
    copy_fixture("tiny_domain", dir.path());
    fs::remove(dir.path() / "tiny_domain" / "domain.json");
    const Error e = load_error(cpu_settings(dir.path()));
    CHECK(e.code() == Errc::not_found);
    CHECK_THAT(e.what(), Catch::Contains("model tiny_domain") && Catch::Contains("domain check file"));
  }
  {
    osteon::test::TempDir dir;
    copy_fixture("tiny_domain", dir.path());
    std::ofstream(dir.path() / "tiny_domain" / "domain.json", std::ios::app) << " ";
    const Error e = load_error(cpu_settings(dir.path()));
    CHECK(e.code() == Errc::config_invalid);
    CHECK_THAT(e.what(), Catch::Contains("domain.json") && Catch::Contains("sha256 mismatch"));
  }
  {
    // Statistics for another number of features (re-hashed, so only the dimension is wrong).
    osteon::test::TempDir dir;
    copy_fixture("tiny_domain", dir.path());
    const fs::path file = dir.path() / "tiny_domain" / "domain.json";
    auto doc = read_json(file);
    doc["dimension"] = 12;
    doc["groups"][1]["offset"] = 4;
    std::ofstream(file) << doc.dump();
    const fs::path manifest = dir.path() / "tiny_domain" / "manifest.json";
    auto m = read_json(manifest);
    m["domain_check"]["sha256"] = sha256_file(file);
    write_json(manifest, m);
    const Error e = load_error(cpu_settings(dir.path()));
    CHECK(e.code() == Errc::config_invalid);
    CHECK_THAT(e.what(), Catch::Contains("12 features") && Catch::Contains("domain_features"));
  }
  {
    // The same model without its check: only with an explicit "none".
    osteon::test::TempDir dir;
    copy_fixture("tiny_domain", dir.path());
    const fs::path manifest = dir.path() / "tiny_domain" / "manifest.json";
    auto m = read_json(manifest);
    m.erase("domain_check");
    write_json(manifest, m);
    const Error e = load_error(cpu_settings(dir.path()));
    CHECK(e.code() == Errc::config_invalid);
    CHECK_THAT(e.what(), Catch::Contains("domain_check: missing"));
    m["domain_check"] = "none";
    write_json(manifest, m);
    const Registry registry = load_fixtures(cpu_settings(dir.path()));
    CHECK(registry.available("tiny_domain"));
    CHECK_FALSE(registry.domain("tiny_domain"));
  }
}
