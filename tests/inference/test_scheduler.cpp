#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "fake_model.hpp"
#include "osteon/core/error.hpp"
#include "osteon/inference/scheduler.hpp"

using namespace osteon;
using namespace osteon::inference;
using namespace std::chrono_literals;
using inference::test::FakeModel;
using inference::test::fake_manifest;

namespace {

Tensor image(float first, float rest = 0.0f) { return Tensor({1, 2, 2}, {first, rest, rest, rest}); }

float value(std::future<Tensors>& f) {
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  const Tensors out = f.get();
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].shape() == Shape{1});
  return out[0].values()[0];
}

BatchPolicy policy(int max_batch, std::chrono::microseconds delay, std::size_t max_queue = 256) {
  BatchPolicy p;
  p.max_batch_size = max_batch;
  p.max_queue_delay = delay;
  p.max_queue_size = max_queue;
  return p;
}

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

Errc submit_error(Scheduler& s, std::string_view model, Tensors inputs, std::string& message) {
  try {
    s.submit(model, std::move(inputs));
  } catch (const Error& e) {
    message = e.what();
    return e.code();
  }
  FAIL("submit accepted the request");
  return Errc::internal;
}

} // namespace

TEST_CASE("requests queued together run as batches of at most the max batch size", "[scheduler]") {
  auto model = std::make_shared<FakeModel>(fake_manifest("m"), 2.0f);
  Scheduler scheduler;
  model->close_gate();
  scheduler.add(model, policy(4, 10s));
  std::vector<std::future<Tensors>> futures;
  for (int i = 0; i < 8; ++i) futures.push_back(scheduler.submit("m", image(static_cast<float>(i), 1.0f)));
  model->open_gate();
  for (int i = 0; i < 8; ++i) CHECK(value(futures[static_cast<std::size_t>(i)]) == Approx(2.0 * (i + 3)));
  CHECK(model->batch_sizes() == std::vector<std::size_t>{4, 4});  // no wait of 10 s: full batches go at once
  const auto stats = scheduler.stats("m");
  CHECK(stats.requests == 8);
  CHECK(stats.batches == 2);
  CHECK(stats.largest_batch == 4);
}

TEST_CASE("a lone request runs once the max queue delay has passed", "[scheduler]") {
  auto model = std::make_shared<FakeModel>(fake_manifest("m"));
  Scheduler scheduler;
  scheduler.add(model, policy(8, 30ms));
  const auto start = std::chrono::steady_clock::now();
  auto f = scheduler.submit("m", image(5.0f));
  CHECK(value(f) == Approx(5.0));
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= 30ms);
  CHECK(waited < 3s);
  CHECK(model->batch_sizes() == std::vector<std::size_t>{1});
}

TEST_CASE("a full queue pushes back with out_of_resources instead of growing", "[scheduler][backpressure]") {
  auto model = std::make_shared<FakeModel>(fake_manifest("m"));
  Scheduler scheduler;
  scheduler.add(model, policy(1, 0us, 3));
  model->close_gate();
  std::vector<std::future<Tensors>> futures;
  futures.push_back(scheduler.submit("m", image(1.0f)));
  REQUIRE(eventually([&] { return model->waiting_at_gate(); }));  // the worker holds request 1
  for (int i = 2; i <= 4; ++i) futures.push_back(scheduler.submit("m", image(static_cast<float>(i))));
  CHECK(scheduler.stats("m").queued == 3);

  std::string message;
  CHECK(submit_error(scheduler, "m", {image(5.0f)}, message) == Errc::out_of_resources);
  CHECK_THAT(message, Catch::Contains("queue full") && Catch::Contains("m"));
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(scheduler.submit("m", image(5.0f), 50ms), Error);  // waited, still full
  CHECK(std::chrono::steady_clock::now() - start >= 50ms);
  CHECK(scheduler.stats("m").queued == 3);
  CHECK(scheduler.stats("m").rejected == 2);

  // Space frees up while a submitter waits for it: that submit succeeds.
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    model->open_gate();
  });
  futures.push_back(scheduler.submit("m", image(6.0f), 10s));
  opener.join();
  for (std::size_t i = 0; i < futures.size(); ++i) CHECK(value(futures[i]) == Approx(i < 4 ? static_cast<double>(i) + 1.0 : 6.0));
}

TEST_CASE("an exception caused by one request fails only that request", "[scheduler]") {
  auto model = std::make_shared<FakeModel>(fake_manifest("m"));
  model->poison(-1.0f);
  Scheduler scheduler;
  model->close_gate();
  scheduler.add(model, policy(4, 10s));
  std::vector<std::future<Tensors>> futures;
  for (float v : {1.0f, -1.0f, 3.0f, 4.0f}) futures.push_back(scheduler.submit("m", image(v)));
  model->open_gate();
  CHECK(value(futures[0]) == Approx(1.0));
  try {
    futures[1].get();
    FAIL("the poisoned request succeeded");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::internal);
    CHECK_THAT(e.what(), Catch::Contains("poisoned"));
  }
  CHECK(value(futures[2]) == Approx(3.0));
  CHECK(value(futures[3]) == Approx(4.0));
  const auto stats = scheduler.stats("m");
  CHECK(stats.failed == 1);
  CHECK(stats.batches == 5);  // the failed batch of 4, then each request alone
}

TEST_CASE("requests that do not match the manifest are refused at submit", "[scheduler]") {
  Scheduler scheduler;
  scheduler.add(std::make_shared<FakeModel>(fake_manifest("m")), policy(4, 1ms));
  scheduler.add_unavailable("gone", "model file models/gone/model.pt is missing");
  std::string message;
  CHECK(submit_error(scheduler, "m", {Tensor({1, 3, 3})}, message) == Errc::invalid_argument);
  CHECK_THAT(message, Catch::Contains("[1, 3, 3]") && Catch::Contains("[1, 2, 2]"));
  CHECK(submit_error(scheduler, "m", {image(1), image(2)}, message) == Errc::invalid_argument);
  CHECK(submit_error(scheduler, "nope", {image(1)}, message) == Errc::not_found);
  CHECK(submit_error(scheduler, "gone", {image(1)}, message) == Errc::not_found);
  CHECK_THAT(message, Catch::Contains("unavailable") && Catch::Contains("is missing"));
}

TEST_CASE("many threads submitting at once all get their own answers", "[scheduler][concurrency]") {
  auto model = std::make_shared<FakeModel>(fake_manifest("m"), 1.0f);
  Scheduler scheduler;
  scheduler.add(model, policy(16, 500us, 64));
  constexpr int threads = 16, per_thread = 200;
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const float v = static_cast<float>(t * 1000 + i);
        auto f = scheduler.submit("m", image(v, 0.5f), 10s);
        const float got = f.get()[0].values()[0];
        if (got != v + 1.5f) ++wrong;
        ++done;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(done == threads * per_thread);
  CHECK(wrong == 0);
  const auto stats = scheduler.stats("m");
  CHECK(stats.requests == threads * per_thread);
  CHECK(stats.largest_batch > 1);
  CHECK(stats.batches < stats.requests);
}

TEST_CASE("shutdown finishes the queued requests and refuses new ones", "[scheduler]") {
  auto model = std::make_shared<FakeModel>(fake_manifest("m"));
  Scheduler scheduler;
  scheduler.add(model, policy(2, 10s));
  std::vector<std::future<Tensors>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(scheduler.submit("m", image(static_cast<float>(i))));
  scheduler.shutdown();  // does not wait 10 s for the last, incomplete batch
  for (int i = 0; i < 5; ++i) CHECK(value(futures[static_cast<std::size_t>(i)]) == Approx(i));
  std::string message;
  CHECK(submit_error(scheduler, "m", {image(1)}, message) == Errc::out_of_resources);
  CHECK_THAT(message, Catch::Contains("shutting down"));
}
