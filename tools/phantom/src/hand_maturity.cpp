#include "hand_maturity.hpp"

#include "osteon/phantom/canvas.hpp"

#include <algorithm>

namespace osteon::phantom {
namespace {

constexpr std::array<double, 8> carpal_onset{0.2, 0.3, 2.0, 3.0, 4.0, 4.5, 4.8, 8.5};

struct PhysisTiming {
  double onset, fuse_start, fuse_end;
};

PhysisTiming timing(Physis p) {
  switch (p) {
    case Physis::radius: return {0.8, 15.2, 16.2};
    case Physis::ulna: return {5.5, 14.8, 15.8};
    case Physis::mc1: return {1.8, 13.6, 14.4};
    case Physis::mc: return {1.3, 13.7, 14.6};
    case Physis::pp1: return {1.6, 13.6, 14.4};
    case Physis::pp: return {1.2, 13.6, 14.5};
    case Physis::mp: return {1.6, 13.8, 14.7};
    case Physis::dp1: return {1.0, 12.9, 13.7};
    case Physis::dp: return {1.5, 12.8, 13.6};
  }
  return {1.0, 14.0, 15.0};
}

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

}  // namespace

double maturity_years(double bone_age_months, bool female) {
  const double years = bone_age_months / 12.0;
  return female ? years : 0.87 * years;
}

double carpal_size(std::size_t carpal, double m) {
  const double onset = carpal_onset.at(carpal);
  if (m < onset) return 0.0;
  const double f = clamp01((m - onset) / std::max(3.5, 13.0 - 0.6 * onset));
  return 0.25 + 0.75 * (1.0 - (1.0 - f) * (1.0 - f));
}

double epiphysis_ratio(Physis physis, double m) {
  const PhysisTiming t = timing(physis);
  if (m < t.onset) return 0.0;
  const double f = clamp01((m - t.onset) / (10.5 - t.onset));
  const double capping = 0.06 * clamp01((m - 10.5) / 2.0);  // epiphysis caps the metaphysis
  return 0.3 + 0.7 * (f * (2.0 - f)) + capping;
}

double physis_open(Physis physis, double m) {
  const PhysisTiming t = timing(physis);
  return 1.0 - clamp01((m - t.fuse_start) / (t.fuse_end - t.fuse_start));
}

double hand_size(double m, bool female) {
  // Relative hand length at m = 0, 2, 4, ... 16 years.
  static const std::vector<double> knots{0.36, 0.50, 0.58, 0.65, 0.72, 0.80, 0.89, 0.96, 1.0};
  return profile(knots, m / 16.0) * (female ? 0.93 : 1.0);
}

}  // namespace osteon::phantom
