// Writer for synthetic DX (digital X-ray) radiographs as Part-10 DICOM files.
//
// Used by the phantom generator (tools/phantom) and by tests that need valid DX objects.
// Every file written here is a DX Image "for presentation" (or "for processing" when that
// SOP class is asked for) with all mandatory modules filled, so that dciodvfy reports no errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace osteon::synth {

// Osteon synthetic data root, UUID-derived per PS3.5 B.2 ("2.25." + a decimal UUID).
// Every UID made by make_uid() lies under it.
inline constexpr std::string_view synthetic_uid_root = "2.25.297135843127694931577498853126";

inline constexpr std::string_view dx_for_presentation_sop_class = "1.2.840.10008.5.1.4.1.1.1.1";
inline constexpr std::string_view dx_for_processing_sop_class = "1.2.840.10008.5.1.4.1.1.1.1.1";

enum class Encoding {
  explicit_le,       // 1.2.840.10008.1.2.1
  implicit_le,       // 1.2.840.10008.1.2
  big_endian,        // 1.2.840.10008.1.2.2 (retired, still met in the field)
  deflate,           // 1.2.840.10008.1.2.1.99
  jpeg_lossless,     // 1.2.840.10008.1.2.4.70 (process 14, selection value 1)
  jpeg_ls_lossless,  // 1.2.840.10008.1.2.4.80
  rle,               // 1.2.840.10008.1.2.5
};

// Name used on the command line and in test names ("explicit-le", "jpeg-ls", ...).
std::string_view encoding_name(Encoding encoding);
// Inverse of encoding_name; throws std::invalid_argument for an unknown name.
Encoding parse_encoding(std::string_view name);
// Transfer syntax UID written for the encoding.
std::string_view transfer_syntax_uid(Encoding encoding);

struct DxAttributes {
  std::string patient_id = "PHANTOM-0001";
  std::string patient_name = "Phantom^Synthetic";
  std::string patient_sex = "F";  // M, F, O or empty
  std::string patient_birth_date;  // YYYYMMDD or empty
  std::string patient_age;         // e.g. "012Y" or empty
  std::string study_uid, series_uid, sop_uid;  // empty: generated under synthetic_uid_root
  std::string study_date = "20260101", study_time = "120000";
  std::string accession_number, study_description, series_description, protocol_name;
  std::string study_id = "1";      // Study ID (type 2), may be empty
  std::string body_part = "HAND";  // Body Part Examined, may be empty (then not written)
  // Canonical anatomy for the (type 1) Anatomic Region Sequence code: HAND, SKULL, FACE,
  // NASAL BONES, HIP, PELVIS, ... Empty: taken from body_part (case-insensitive, synonyms
  // understood); when neither is known, "HAND".
  std::string anatomic_region;
  std::string view_position = "PA";    // PA, LL, AP...
  std::string image_laterality = "L";  // L, R, U, B
  std::string patient_orientation;     // "row\column" directions; empty: derived from the view
  std::string sop_class_uid;           // empty: DX for presentation
  std::string manufacturer = "Osteon";
  std::string model_name = "Osteon Phantom";
  int series_number = 1, instance_number = 1;
  double pixel_spacing_mm = 0.15;
  bool monochrome1 = false;  // MONOCHROME1 stores inverted values
  // Window written into the file; width <= 0: the full range of bits_stored.
  double window_center = 0.0, window_width = 0.0;
};

// Row-major image, values < 2^bits_stored, brighter = more attenuating (bone is bright).
struct PixelImage {
  unsigned rows = 0, cols = 0;
  unsigned bits_stored = 12;
  std::vector<std::uint16_t> pixels;
};

// Writes one DX file with a Part-10 meta header. With attrs.monochrome1 the stored values are
// (2^bits_stored - 1 - value), so that the displayed image is the same.
// Throws std::invalid_argument for bad input and std::runtime_error when writing fails.
void write_dx(const std::filesystem::path& file, const DxAttributes& attrs,
              const PixelImage& image, Encoding encoding = Encoding::explicit_le);

// Fast deterministic test image: gradient, noise and a few shapes. No OpenCV.
PixelImage make_test_pattern(unsigned rows, unsigned cols, unsigned bits_stored,
                             std::uint32_t seed);

// Deterministic UID under synthetic_uid_root: root.<kind arc>.<a>.<b>. kind is one of
// "study" (arc 1), "series" (2), "instance"/"sop" (3), "frame" (4), "equipment" (5);
// anything else throws std::invalid_argument. When a and b are too long to fit 64
// characters, they are mixed into one number under arc <kind arc + 5> instead.
std::string make_uid(std::string_view kind, std::uint64_t a, std::uint64_t b = 0);

// One study, one series, count instances named 0000.dcm, 0001.dcm ... in dir (created if
// missing), each with make_test_pattern(rows, cols, 12, seed + index). Deterministic; UIDs
// in base are used when set, else derived from seed. Returns the paths in order.
std::vector<std::filesystem::path> write_dx_series(const std::filesystem::path& dir,
                                                   unsigned count, unsigned rows,
                                                   unsigned cols, std::uint32_t seed,
                                                   const DxAttributes& base = {});

// Registers DCMTK's JPEG, JPEG-LS and RLE encoders and decoders once (thread-safe); they are
// deregistered at exit. write_dx calls it; call it before decoding compressed files yourself.
void register_codecs();

}  // namespace osteon::synth
