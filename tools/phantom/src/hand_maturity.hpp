// Internal: skeletal maturity of the hand as a function of bone age and sex.
//
// Events are placed on a "female-equivalent maturity" scale m in years: a girl's m is her bone
// age, a boy's is 0.87 x his bone age, so boys show each event later at the same bone age
// (girls mature earlier). Onsets follow the usual order of the atlases: capitate and hamate in
// the first months, triquetrum ~2 y, lunate ~3 y, trapezium, trapezoid and scaphoid 4-5 y,
// pisiform last (~8.5 y); epiphyses appear between 1 and 2 y (distal ulna ~5.5 y), widen to
// the metaphysis width by ~10.5 y, and fuse distal phalanges first, radius last.
#pragma once

#include <array>
#include <string_view>

namespace osteon::phantom {

enum class Physis { radius, ulna, mc1, mc, pp1, pp, mp, dp1, dp };

inline constexpr std::array<std::string_view, 8> carpal_names{
    "capitate", "hamate", "triquetrum", "lunate", "trapezium", "trapezoid", "scaphoid", "pisiform"};

double maturity_years(double bone_age_months, bool female);
// Size of an ossified carpal relative to its adult size; 0 while not yet ossified.
double carpal_size(std::size_t carpal, double m);
// Epiphysis width over metaphysis width; 0 while not yet ossified.
double epiphysis_ratio(Physis physis, double m);
// 1 while the growth plate is open, falls to 0 while it fuses.
double physis_open(Physis physis, double m);
// Hand length relative to an adult male hand.
double hand_size(double m, bool female);

}  // namespace osteon::phantom
