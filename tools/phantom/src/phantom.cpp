// generate_phantom: subject and study from the study's random stream, anatomy placement,
// exposure and DICOM variations from the image's stream; one JSON truth record per image.
#include "osteon/phantom/phantom.hpp"

#include "hand.hpp"
#include "hip.hpp"
#include "render.hpp"
#include "skull.hpp"
#include "study.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace osteon::phantom {
namespace {

struct KindInfo {
  Kind kind;
  std::string_view name, body_part, view, laterality, description;
  std::vector<std::string_view> synonyms;
  Geometry geometry;
};

const KindInfo& info(Kind kind) {
  static const std::vector<KindInfo> kinds{
      {Kind::hand, "hand", "HAND", "PA", "L", "XR HAND LEFT PA BONE AGE", {"L HAND"}, {1024, 832, 0.25}},
      {Kind::skull, "skull", "SKULL", "LL", "U", "XR NASAL BONES LATERAL", {"NASAL BONES", "FACE"},
       {1024, 1024, 0.28}},
      {Kind::hip, "hip", "HIP", "AP", "B", "XR PELVIS AP HIPS", {"PELVIS"}, {1152, 1280, 0.32}}};
  return kinds.at(static_cast<std::size_t>(kind));
}

std::uint64_t kind_key(Kind kind) { return (static_cast<std::uint64_t>(kind) + 1) * 1000000000ull; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Drawn {
  Scene scene;
  Patient patient;
  StudyInfo study;
};

Drawn draw(const Options& options, const ImplantCatalogue* catalogue, const Geometry& geometry,
           std::uint64_t study_index, Rng& image_rng) {
  const std::string_view name = kind_name(options.kind);
  Rng subject_rng(mix_seed(options.seed, std::string(name) + "/subject", study_index));
  switch (options.kind) {
    case Kind::hand: {
      const HandSubject subject = draw_hand_subject(subject_rng);
      StudyInfo study = draw_study(subject.patient, subject_rng);
      return {draw_hand(subject, geometry, image_rng), subject.patient, study};
    }
    case Kind::skull: {
      const SkullSubject subject = draw_skull_subject(subject_rng);
      StudyInfo study = draw_study(subject.patient, subject_rng);
      return {draw_skull(subject, geometry, image_rng), subject.patient, study};
    }
    case Kind::hip: {
      if (catalogue == nullptr) throw std::invalid_argument("hip phantoms need an implant catalogue");
      const HipSubject subject = draw_hip_subject(subject_rng, *catalogue);
      StudyInfo study = draw_study(subject.patient, subject_rng);
      return {draw_hip(subject, geometry, image_rng), subject.patient, study};
    }
  }
  throw std::invalid_argument("unknown kind");
}

}  // namespace

std::string_view kind_name(Kind kind) { return info(kind).name; }

Kind parse_kind(std::string_view name) {
  for (const Kind kind : {Kind::hand, Kind::skull, Kind::hip}) {
    if (info(kind).name == name) return kind;
  }
  throw std::invalid_argument("unknown kind '" + std::string(name) + "' (hand, skull, hip)");
}

Geometry default_geometry(Kind kind) { return info(kind).geometry; }

Geometry resolve_geometry(Kind kind, const Geometry& requested) {
  const Geometry d = default_geometry(kind);
  Geometry g = requested;
  if (g.rows == 0 && g.cols == 0) g.rows = d.rows, g.cols = d.cols;
  else if (g.rows == 0) g.rows = static_cast<unsigned>(std::lround(double(g.cols) * d.rows / d.cols));
  else if (g.cols == 0) g.cols = static_cast<unsigned>(std::lround(double(g.rows) * d.cols / d.rows));
  if (g.spacing_mm <= 0.0) g.spacing_mm = d.spacing_mm * d.rows / g.rows;  // same field of view
  return g;
}

bool is_variant(std::string_view name) {
  return std::find(std::begin(all_variants), std::end(all_variants), name) != std::end(all_variants);
}

std::uint64_t mix_seed(std::uint64_t seed, std::string_view stream, std::uint64_t index) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : stream) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull ^ h ^ (index + 0x632BE59BD9B4E019ull) * 0xD6E8FEB86659FD93ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Phantom generate_phantom(const Options& options, const ImplantCatalogue* catalogue,
                         std::uint64_t index) {
  const KindInfo& kind = info(options.kind);
  const Geometry geometry = resolve_geometry(options.kind, options.geometry);
  const std::uint64_t per_study = std::max(1u, options.per_study);
  const std::uint64_t study_index = index / per_study;
  Rng image_rng(mix_seed(options.seed, std::string(kind.name) + "/image", index));
  Rng variant_rng(mix_seed(options.seed, std::string(kind.name) + "/variant", index));
  const std::string variant =
      options.variants.empty() ? "plain" : options.variants[variant_rng.index(options.variants.size())];

  Drawn drawn = draw(options, catalogue, geometry, study_index, image_rng);
  unsigned bits = options.bits;
  if (variant == "bits14") bits = 14;
  if (variant == "bits16") bits = 16;
  Rendered rendered = render_radiograph(drawn.scene, bits, image_rng);

  Phantom out;
  out.image = std::move(rendered.image);
  out.masks = std::move(drawn.scene.masks);
  out.window_center = rendered.window_center;
  out.window_width = rendered.window_width;
  out.encoding = options.encoding;
  if (variant == "jpeg-lossless" || variant == "jpeg-ls" || variant == "rle")
    out.encoding = synth::parse_encoding(variant);

  synth::DxAttributes& a = out.attrs;
  const StudyInfo& study = drawn.study;
  char id[64];
  std::snprintf(id, sizeof id, "PH%c-%u-%06llu", std::toupper(kind.name[0]), options.seed,
                static_cast<unsigned long long>(study_index));
  a.patient_id = id;
  std::snprintf(id, sizeof id, "PHANTOM^%s %u-%06llu", std::string(kind.body_part).c_str(),
                options.seed, static_cast<unsigned long long>(study_index));
  a.patient_name = id;
  a.patient_sex = drawn.patient.female ? "F" : "M";
  a.patient_birth_date = dicom_date(study.birth_day);
  a.patient_age = dicom_age(study.birth_day, study.study_day);
  a.study_date = dicom_date(study.study_day);
  a.study_time = dicom_time(study.study_seconds + static_cast<int>(index % per_study) * 60);
  a.accession_number = study.accession;
  a.study_id = std::to_string(study_index + 1);
  a.study_description = std::string(kind.description);
  a.series_description = std::string(kind.description);
  a.protocol_name = std::string(kind.description);
  a.study_uid = synth::make_uid("study", options.seed, kind_key(options.kind) + study_index);
  a.series_uid = synth::make_uid("series", options.seed, kind_key(options.kind) + study_index);
  a.sop_uid = synth::make_uid("instance", options.seed, kind_key(options.kind) + index);
  a.instance_number = static_cast<int>(index % per_study) + 1;
  a.anatomic_region = std::string(kind.body_part);
  a.body_part = std::string(kind.body_part);
  if (variant == "empty-body-part") a.body_part.clear();
  if (variant == "synonym-body-part") {
    a.body_part = std::string(kind.synonyms[variant_rng.index(kind.synonyms.size())]);
    a.anatomic_region = a.body_part;
  }
  if (variant == "lowercase-body-part") a.body_part = lower(kind.body_part);
  a.view_position = std::string(kind.view);
  a.image_laterality = std::string(kind.laterality);
  a.pixel_spacing_mm = geometry.spacing_mm;
  a.monochrome1 = options.monochrome1 || variant == "monochrome1";
  a.model_name = "Osteon Phantom " + std::string(kind.name);
  a.window_center = out.window_center;
  a.window_width = out.window_width;

  nlohmann::json& t = out.truth;
  t = std::move(drawn.scene.truth);
  t["kind"] = kind.name;
  t["index"] = index;
  t["study_index"] = study_index;
  t["seed"] = options.seed;
  t["sex"] = a.patient_sex;
  t["chronological_age_months"] = round_to(age_months(study.birth_day, study.study_day), 1);
  t["patient_id"] = a.patient_id;
  t["patient_age"] = a.patient_age;
  t["study_uid"] = a.study_uid;
  t["sop_uid"] = a.sop_uid;
  t["variant"] = variant;
  t["body_part"] = a.body_part;
  t["view_position"] = a.view_position;
  t["laterality"] = a.image_laterality;
  t["photometric"] = a.monochrome1 ? "MONOCHROME1" : "MONOCHROME2";
  t["bits_stored"] = bits;
  t["encoding"] = synth::encoding_name(out.encoding);
  t["rows"] = out.image.rows;
  t["cols"] = out.image.cols;
  t["pixel_spacing_mm"] = round_to(geometry.spacing_mm, 5);
  const Pose& pose = drawn.scene.canvas.pose();
  t["pose"] = {{"angle_deg", round_to(pose.angle_deg, 2)},
               {"scale", round_to(pose.px_per_mm * geometry.spacing_mm, 3)},
               {"center", point_json(pose.center_px)}};
  t["acquisition"] = std::move(rendered.acquisition);
  t["window"] = {out.window_center, out.window_width};
  return out;
}

cv::Mat1b to_8bit(const Phantom& phantom) {
  // Linear over the full stored range, no window: brightness and contrast stay as acquired
  // (over-bright backgrounds included), which is what brightness/contrast learning needs.
  const auto rows = static_cast<int>(phantom.image.rows), cols = static_cast<int>(phantom.image.cols);
  cv::Mat1b out(rows, cols);
  const unsigned shift = phantom.image.bits_stored - 8;
  const std::uint16_t* p = phantom.image.pixels.data();
  for (int y = 0; y < rows; ++y) {
    auto* o = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < cols; ++x) o[x] = static_cast<std::uint8_t>(*p++ >> shift);
  }
  return out;
}

}  // namespace osteon::phantom
