// decode_file(): parse (after the nesting guard), check the pixel module, read one frame, then
// run the greyscale or colour pipeline.
#include "osteon/imaging/decoder.hpp"
#include "osteon/imaging/render.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cmath>
#include <new>
#include <system_error>

#include <fmt/format.h>

#include "attributes.hpp"
#include "colour.hpp"
#include "dcmtk_codecs.hpp"
#include "frame_reader.hpp"
#include "grey_pipeline.hpp"
#include "lut.hpp"
#include "osteon/core/error.hpp"
#include "osteon/dicom/dicom_file.hpp"
#include "osteon/dicom/nesting_guard.hpp"
#include "pixel_module.hpp"

namespace osteon::imaging {
namespace {

using detail::GreySettings;
using detail::Lut;
using detail::VoiFunction;

std::string string_of(DcmItem& ds, const DcmTagKey& tag) { return detail::text_value(ds, tag).value_or(""); }

std::optional<double> number(DcmItem& ds, const DcmTagKey& tag, unsigned long index = 0) {
  return detail::number_value(ds, tag, index);
}

// A US-or-SS attribute as the stored value it denotes.
std::optional<std::int32_t> stored_value(DcmItem& ds, const DcmTagKey& tag, bool is_signed) {
  const auto w = detail::word_value(ds, tag);
  if (!w) return std::nullopt;
  return is_signed ? static_cast<std::int32_t>(static_cast<std::int16_t>(*w)) : static_cast<std::int32_t>(*w);
}

std::optional<PixelSpacing> spacing_of(DcmItem& ds) {
  const std::pair<DcmTagKey, const char*> sources[] = {{DCM_PixelSpacing, "PixelSpacing"},
                                                        {DCM_ImagerPixelSpacing, "ImagerPixelSpacing"},
                                                        {DCM_NominalScannedPixelSpacing, "NominalScannedPixelSpacing"}};
  for (const auto& [tag, name] : sources) {
    const auto r = number(ds, tag, 0), c = number(ds, tag, 1);
    if (r && c && *r > 0 && *c > 0) return PixelSpacing{*r, *c, name};
  }
  return std::nullopt;
}

struct GreyInputs {  // owns what GreySettings points to
  std::optional<Lut> modality_lut, voi_lut;
};

GreySettings grey_settings(DcmItem& ds, const detail::PixelModule& pm, const DecodeOptions& opt, GreyInputs& in,
                           std::vector<std::string>& notes) {
  GreySettings s;
  s.stage = opt.stage;
  s.bits = pm.bits_stored;
  s.is_signed = pm.is_signed;
  s.auto_low_percent = opt.auto_window_low_percent;
  s.auto_high_percent = opt.auto_window_high_percent;

  in.modality_lut = detail::read_lut_sequence(ds, DCM_ModalityLUTSequence, pm.is_signed, notes);
  if (in.modality_lut) {
    s.modality_lut = &*in.modality_lut;
    notes.push_back("Modality LUT sequence applied");
  } else {
    const auto slope = number(ds, DCM_RescaleSlope), intercept = number(ds, DCM_RescaleIntercept);
    if (slope && *slope != 0.0) s.slope = *slope;
    if (slope && *slope == 0.0) notes.push_back("Rescale Slope 0 ignored");
    if (intercept) s.intercept = *intercept;
    if (s.slope != 1.0 || s.intercept != 0.0) notes.push_back(fmt::format("rescale slope {} intercept {}", s.slope, s.intercept));
  }

  if (const auto pad = stored_value(ds, DCM_PixelPaddingValue, pm.is_signed)) {
    const auto limit = stored_value(ds, DCM_PixelPaddingRangeLimit, pm.is_signed);
    s.padding = std::make_pair(*pad, limit.value_or(*pad));
    notes.push_back("pixel padding excluded");
  }

  const std::string shape = string_of(ds, DCM_PresentationLUTShape);
  s.invert = pm.photometric == "MONOCHROME1" || shape == "INVERSE";
  if (pm.photometric == "MONOCHROME1") notes.push_back("MONOCHROME1 inverted");
  else if (s.invert) notes.push_back("Presentation LUT Shape INVERSE applied");

  if (opt.stage == Stage::modality) return s;
  if (opt.window) {
    s.window = opt.window;
    notes.push_back(fmt::format("window override {}/{}", opt.window->center, opt.window->width));
    return s;
  }
  const bool signed_modality = pm.is_signed || s.intercept < 0 || s.slope < 0;
  in.voi_lut = detail::read_lut_sequence(ds, DCM_VOILUTSequence, signed_modality, notes);
  if (in.voi_lut) {
    s.voi_lut = &*in.voi_lut;
    notes.push_back(in.voi_lut->explanation.empty() ? std::string("VOI LUT sequence applied")
                                                    : "VOI LUT sequence applied (" + in.voi_lut->explanation + ")");
    return s;
  }
  const auto center = number(ds, DCM_WindowCenter), width = number(ds, DCM_WindowWidth);
  if (center && width) {
    const std::string fn = string_of(ds, DCM_VOILUTFunction);
    s.function = fn == "SIGMOID" ? VoiFunction::sigmoid : fn == "LINEAR_EXACT" ? VoiFunction::linear_exact : VoiFunction::linear;
    const bool usable = s.function == VoiFunction::linear ? *width >= 1.0 : *width > 0.0;
    if (usable) {
      s.window = Window{*center, *width};
      notes.push_back(fmt::format("window {}/{} from the object{}", *center, *width, fn.empty() ? "" : " (" + fn + ")"));
      return s;
    }
    notes.push_back(fmt::format("stored window width {} unusable", *width));
  }
  notes.push_back(fmt::format("automatic window ({}-{} percentile)", opt.auto_window_low_percent,
                              opt.auto_window_high_percent));
  return s;
}

void check_options(const DecodeOptions& opt) {
  if (opt.frame < 0) throw Error(Errc::invalid_argument, "frame must not be negative");
  if (opt.window && !(opt.window->width >= 1.0 && std::isfinite(opt.window->center))) {
    throw Error(Errc::invalid_argument, "window width must be at least 1");
  }
  if (!(opt.auto_window_low_percent >= 0 && opt.auto_window_low_percent < opt.auto_window_high_percent &&
        opt.auto_window_high_percent <= 100)) {
    throw Error(Errc::invalid_argument, "automatic window percentiles must satisfy 0 <= low < high <= 100");
  }
}

} // namespace

bool supported_transfer_syntax(const std::string& uid) {
  try {
    detail::classify_transfer_syntax(uid);
    return true;
  } catch (const Error&) {
    return false;
  }
}

namespace {

// The pixel module and the Pixel Data element of a loaded file, checked against the options.
struct PixelSource {
  DcmDataset& ds;
  std::string ts;
  DcmElement* pixel_data = nullptr;
  detail::PixelModule pm;
};

PixelSource pixel_source(const dicom::DicomFile& source, const DecodeOptions& opt) {
  detail::register_dcmtk_decoders();
  DcmDataset& ds = *source.dcmtk().getDataset();
  const std::string ts = source.transfer_syntax();
  DcmElement* pixel_data = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, pixel_data).bad() || pixel_data == nullptr) {
    if (ds.tagExists(DCM_FloatPixelData) || ds.tagExists(DCM_DoubleFloatPixelData)) {
      throw Error(Errc::dicom_unparseable, "floating-point Pixel Data is not supported");
    }
    throw Error(Errc::not_found, "the object has no Pixel Data");
  }
  std::optional<std::uint64_t> native_bytes;
  if (detail::classify_transfer_syntax(ts) == detail::Encoding::native) native_bytes = pixel_data->getLength();
  const detail::PixelModule pm = detail::read_pixel_module(ds, ts, opt.max_pixels, native_bytes);
  if (opt.frame >= pm.frames) {
    throw Error(Errc::invalid_argument, fmt::format("frame {} asked, the object has {}", opt.frame + 1, pm.frames));
  }
  return {ds, ts, pixel_data, pm};
}

Image decode_loaded(const dicom::DicomFile& source, const DecodeOptions& opt) {
  const auto [ds, ts, pixel_data, pm] = pixel_source(source, opt);
  Image image(pm.rows, pm.cols);
  ImageInfo& info = image.info;
  info.stage = opt.stage;
  info.photometric = pm.photometric;
  info.transfer_syntax = ts;
  info.bits_allocated = pm.bits_allocated;
  info.bits_stored = pm.bits_stored;
  info.signed_pixels = pm.is_signed;
  info.samples_per_pixel = pm.samples_per_pixel;
  info.frames = pm.frames;
  info.frame = opt.frame;
  info.pixel_spacing = spacing_of(ds);
  if (pm.frames > 1) info.notes.push_back(fmt::format("frame {} of {}", opt.frame + 1, pm.frames));

  const detail::FrameSamples samples =
      detail::read_frame(ds, *pixel_data, pm, opt.frame, info.notes, opt.codec_threads);
  if (pm.monochrome()) {
    GreyInputs inputs;
    const GreySettings settings = grey_settings(ds, pm, opt, inputs, info.notes);
    const auto result = detail::render_grey(samples.values.data(), samples.pixels, settings, image.data());
    info.window = result.window;
  } else {
    std::optional<std::array<Lut, 3>> palette;
    if (pm.photometric == "PALETTE COLOR") {
      palette = std::array<Lut, 3>{detail::read_palette(ds, 0), detail::read_palette(ds, 1), detail::read_palette(ds, 2)};
    }
    detail::render_colour(samples, opt.stage, palette ? &*palette : nullptr, image.data(), info.notes);
    if (opt.window) info.notes.push_back("window override ignored: colour image");
  }
  return image;
}

} // namespace

Image decode(const dicom::DicomFile& source, const DecodeOptions& opt) {
  check_options(opt);
  try {
    return decode_loaded(source, opt);
  } catch (const std::bad_alloc&) {
    throw Error(Errc::out_of_resources, "not enough memory to decode the image");
  }
}

RgbImage decode_display(const std::filesystem::path& file) {
  const auto source = dicom::DicomFile::load(file);
  const DecodeOptions opt;
  const auto [ds, ts, pixel_data, pm] = pixel_source(source, opt);
  std::vector<std::string> notes;
  if (!pm.monochrome() && pm.photometric != "PALETTE COLOR") {
    const auto samples = detail::read_frame(ds, *pixel_data, pm, 0, notes, opt.codec_threads);
    if (samples.color_model == "RGB" && samples.components == 3) {
      const double scale = 255.0 / static_cast<double>((1u << samples.bits) - 1u);
      RgbImage out(pm.rows, pm.cols);
      for (std::size_t i = 0; i < samples.pixels; ++i) {
        for (std::size_t c = 0; c < 3; ++c) {
          const double v = std::max(0, samples.values[c * samples.pixels + i]) * scale + 0.5;
          out.data()[3 * i + c] = static_cast<std::uint8_t>(std::min(255.0, v));
        }
      }
      return out;
    }
  }
  return to_display(decode(source, opt));
}

Image decode_file(const std::filesystem::path& file, const DecodeOptions& opt) {
  check_options(opt);
  try {
    return decode_loaded(dicom::DicomFile::load(file), opt);
  } catch (const std::bad_alloc&) {
    throw Error(Errc::out_of_resources, "not enough memory to decode the image");
  }
}

} // namespace osteon::imaging
