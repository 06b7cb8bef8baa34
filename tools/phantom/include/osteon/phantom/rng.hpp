// Seeded random numbers with our own distributions: std::mt19937_64 is fully specified by the
// standard, the std:: distributions are not, so the same seed gives the same phantoms everywhere.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>

namespace osteon::phantom {

// Mixes a seed with stream labels into a 64-bit engine seed (splitmix64 finaliser).
std::uint64_t mix_seed(std::uint64_t seed, std::string_view stream, std::uint64_t index);

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t bits() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  // Uniform integer in [0, n).
  std::size_t index(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(engine_() % n); }
  int integer(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(index(static_cast<std::size_t>(hi - lo + 1)));
  }
  bool chance(double p) { return unit() < p; }
  double sign() { return chance(0.5) ? 1.0 : -1.0; }
  // Box-Muller, no cached second value (keeps the stream simple to reason about).
  double normal(double mean = 0.0, double sd = 1.0) {
    double u1 = unit();
    if (u1 < 1e-300) u1 = 1e-300;
    const double u2 = unit();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Normal clamped to [lo, hi].
  double normal_in(double mean, double sd, double lo, double hi) {
    const double v = normal(mean, sd);
    return v < lo ? lo : (v > hi ? hi : v);
  }
  // Index drawn with the given relative weights.
  std::size_t weighted(std::initializer_list<double> weights) {
    double total = 0.0;
    for (const double w : weights) total += w;
    double r = unit() * total;
    std::size_t i = 0;
    for (const double w : weights) {
      if (r < w) return i;
      r -= w;
      ++i;
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace osteon::phantom
