// Deterministic UIDs under the project root, UID syntax checks and anatomy codes.
#include "osteon/synth/dx_writer.hpp"

#include "anatomy_codes.hpp"
#include "uid_check.hpp"

#include <array>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <string>

namespace osteon::synth {
namespace detail {

std::uint64_t fnv1a_words(const std::uint16_t* words, std::size_t count, std::uint64_t h) {
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    std::uint64_t block = 0;
    std::memcpy(&block, words + i, sizeof block);
    h ^= block;
    h *= 1099511628211ull;
    h ^= h >> 29;
  }
  for (; i < count; ++i) {
    h ^= words[i];
    h *= 1099511628211ull;
  }
  return h;
}

bool is_valid_uid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = uid.find('.', start);
    const std::string_view part = uid.substr(start, dot == std::string_view::npos ? uid.npos
                                                                                  : dot - start);
    if (part.empty() || (part.size() > 1 && part[0] == '0')) return false;
    for (const char c : part) {
      if (c < '0' || c > '9') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

namespace {
struct Synonym {
  std::string_view name;
  std::string_view canonical;
};
constexpr std::array<Synonym, 20> synonyms{{
    {"HAND", "HAND"},           {"L HAND", "HAND"},        {"R HAND", "HAND"},
    {"LEFT HAND", "HAND"},      {"RIGHT HAND", "HAND"},    {"HAND LEFT", "HAND"},
    {"SKULL", "SKULL"},         {"HEAD", "SKULL"},         {"CRANIUM", "SKULL"},
    {"FACE", "FACE"},           {"FACIAL BONES", "FACE"},  {"NASAL BONES", "NASAL BONES"},
    {"NASAL BONE", "NASAL BONES"}, {"NOSE", "NASAL BONES"}, {"HIP", "HIP"},
    {"L HIP", "HIP"},           {"R HIP", "HIP"},          {"HIPS", "HIP"},
    {"PELVIS", "PELVIS"},       {"HIP JOINT", "HIP"},
}};
}  // namespace

std::string canonical_region(std::string_view body_part) {
  std::string upper(body_part);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& s : synonyms) {
    if (s.name == upper) return std::string(s.canonical);
  }
  return "HAND";
}

AnatomyCode anatomy_code(std::string_view region) {
  if (region == "SKULL") return {"89546000", "Skull"};
  if (region == "FACE") return {"89545001", "Face"};
  if (region == "NASAL BONES") return {"74386004", "Nasal bone"};
  if (region == "HIP") return {"24136001", "Hip joint"};
  if (region == "PELVIS") return {"12921003", "Pelvis"};
  return {"85562004", "Hand"};
}

AnatomyCode view_code(std::string_view view_position) {
  if (view_position == "AP") return {"399348003", "antero-posterior"};
  if (view_position == "PA") return {"272479007", "postero-anterior"};
  if (view_position == "LL") return {"399173006", "left lateral"};
  if (view_position == "RL") return {"399198007", "right lateral"};
  return {"", ""};
}

}  // namespace detail

std::string make_uid(std::string_view kind, std::uint64_t a, std::uint64_t b) {
  unsigned arc = 0;
  if (kind == "study") arc = 1;
  else if (kind == "series") arc = 2;
  else if (kind == "instance" || kind == "sop") arc = 3;
  else if (kind == "frame") arc = 4;
  else if (kind == "equipment") arc = 5;
  else throw std::invalid_argument("make_uid: unknown kind '" + std::string(kind) +
                                   "' (study, series, instance, sop, frame, equipment)");
  const std::string root(synthetic_uid_root);
  std::string uid = root + "." + std::to_string(arc) + "." + std::to_string(a) + "." +
                    std::to_string(b);
  if (uid.size() <= 64) return uid;
  // Too long: mix both numbers into one (splitmix64 finaliser) under a separate arc.
  std::uint64_t h = a ^ (b * 0x9E3779B97F4A7C15ull);
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 31;
  return root + "." + std::to_string(arc + 5) + "." + std::to_string(h);
}

}  // namespace osteon::synth
