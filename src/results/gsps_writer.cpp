#include "osteon/results/gsps_writer.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmpstat/dcmpstat.h>
#include <dcmtk/dcmpstat/dvpsgr.h>
#include <dcmtk/dcmpstat/dvpstx.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "content_plan.hpp"
#include "dcmtk_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/results/bone_age_reference.hpp"

namespace osteon::results {

using namespace detail;

namespace {

// DcmPresentationState keeps its graphic annotations to itself (DVPresentationState reaches them
// only with the image's pixels attached); a subclass adds objects to them directly.
class PresentationState : public DcmPresentationState {
 public:
  DVPSGraphicAnnotation_PList& annotations() { return graphicAnnotationList; }
};

struct Rgb {
  Uint16 r, g, b;
};

// What is drawn, in source pixels (pixel centres at integers, as the findings give them).
struct Layer {
  const char* name;
  std::string description;
  Rgb colour;
};

// An outline's bounding box, for its label.
struct Box {
  double x0, y0, x1, y1;
};
Box box_of(const Outline& o) {
  Box b{o.front().column, o.front().row, o.front().column, o.front().row};
  for (const auto& p : o) {
    b.x0 = std::min(b.x0, p.column);
    b.y0 = std::min(b.y0, p.row);
    b.x1 = std::max(b.x1, p.column);
    b.y1 = std::max(b.y1, p.row);
  }
  return b;
}

class Canvas {
 public:
  Canvas(PresentationState& ps, const SourceImage& source) : ps_(ps), source_(source) {
    font_ = std::max(12.0, std::min(source.rows, source.cols) / 48.0);
  }

  void layer(const Layer& l) {
    check(ps_.addGraphicLayer(l.name, l.description.substr(0, 64).c_str()), std::string("graphic layer ") + l.name);
    const std::size_t idx = ps_.getGraphicLayerIndex(l.name);
    check(ps_.setGraphicLayerRecommendedDisplayValueGray(idx, 0xFFFF), "layer grey");
    colours_.emplace_back(l.name, l.colour);
  }

  /// The layers' colours as Graphic Layer Recommended Display CIELab Value (DCMTK 3.6.7 writes
  /// only the retired RGB value).
  void write_colours(DcmItem& ds) const {
    for (unsigned long i = 0;; ++i) {
      DcmItem* item = nullptr;
      if (ds.findAndGetSequenceItem(DCM_GraphicLayerSequence, item, static_cast<signed long>(i)).bad()) break;
      OFString name;
      item->findAndGetOFString(DCM_GraphicLayer, name);
      item->findAndDeleteElement(DCM_RETIRED_GraphicLayerRecommendedDisplayRGBValue);
      for (const auto& [layer, colour] : colours_) {
        if (name != layer) continue;
        const auto lab = dicom_lab(colour);
        check(item->putAndInsertUint16Array(DCM_GraphicLayerRecommendedDisplayCIELabValue, lab.data(), 3),
              "layer colour");
      }
    }
  }

  void polyline(const char* layer, const Outline& closed) {
    std::vector<Float32> data;
    for (const auto& p : closed) append(data, p);
    graphic(layer, DVPST_polyline, data);
  }

  void point(const char* layer, const PixelLocation& at) {
    std::vector<Float32> data;
    append(data, at);
    graphic(layer, DVPST_point, data);
  }

  void circle(const char* layer, const PixelLocation& centre, double radius) {
    std::vector<Float32> data;
    append(data, centre);
    append(data, {std::min(centre.column + radius, source_.cols - 0.5), centre.row});
    graphic(layer, DVPST_circle, data);
  }

  /// A label for what lies in `around`, pointing at `anchor`: below it when there is room, else
  /// beside it (right, then left), else inside at its bottom left.
  void label_around(const char* layer, const std::string& text, const Box& around, const PixelLocation& anchor) {
    const double w = width_of(text), h = 1.4 * font_;
    PixelLocation at{around.x0, around.y0 + (around.y1 - around.y0) / 2};
    if (around.y1 + 0.5 * font_ + h <= source_.rows) at = {around.x0, around.y1 + 0.5 * font_};
    else if (around.x1 + font_ + w <= source_.cols) at.column = around.x1 + font_;
    else if (around.x0 - font_ - w >= 0) at.column = around.x0 - font_ - w;
    else at = {around.x0 + font_, around.y1 - 2 * h};
    label(layer, text, at, anchor);
  }

  /// A label at `at` (its bounding box's top left, kept inside the image), pointing at `anchor`.
  void label(const char* layer, const std::string& text, PixelLocation at, const PixelLocation& anchor) {
    const double w = width_of(text);
    const double h = 1.4 * font_;
    double x = std::clamp(at.column + 0.5, 0.0, std::max(0.0, source_.cols - w));
    double y = std::clamp(at.row + 0.5, 0.0, std::max(0.0, source_.rows - h));
    DVPSTextObject* t = ps_.annotations().addTextObject(layer, source_.sop_class_uid.c_str(),
                                                       source_.sop_instance_uid.c_str(), 0, DVPSB_currentImage);
    if (t == nullptr) throw Error(Errc::internal, std::string("results: cannot add a text object to ") + layer);
    check(t->setText(text.c_str()), "text");
    check(t->setBoundingBox(x, y, x + w, y + h, DVPSA_pixels, DVPSX_left), "text bounding box");
    check(t->setAnchorPoint(anchor.column + 0.5, anchor.row + 0.5, DVPSA_pixels, OFTrue), "text anchor");
  }

  /// The text block: one text object per line, in DISPLAY units from the top left.
  void text_block(const char* layer, const std::vector<std::string>& lines) {
    const double line_h = std::clamp(1.4 * font_ / std::max(1u, source_.rows), 0.02, 0.05);
    double y = 0.01;
    for (const auto& line : lines) {
      if (y + line_h > 1.0) break;
      DVPSTextObject* t = ps_.annotations().addTextObject(layer, source_.sop_class_uid.c_str(),
                                                         source_.sop_instance_uid.c_str(), 0, DVPSB_currentImage);
      if (t == nullptr) throw Error(Errc::internal, std::string("results: cannot add a text object to ") + layer);
      check(t->setText(line.c_str()), "text");
      check(t->setBoundingBox(0.01, y, 0.99, y + line_h, DVPSA_display, DVPSX_left), "text bounding box");
      y += line_h;
    }
  }

  double font() const { return font_; }

 private:
  double width_of(const std::string& text) const {
    return std::min<double>(source_.cols, 0.6 * font_ * static_cast<double>(text.size()));
  }

  static void append(std::vector<Float32>& data, const PixelLocation& p) {
    data.push_back(static_cast<Float32>(p.column + 0.5));
    data.push_back(static_cast<Float32>(p.row + 0.5));
  }

  void graphic(const char* layer, DVPSGraphicType type, const std::vector<Float32>& data) {
    DVPSGraphicObject* g = ps_.annotations().addGraphicObject(layer, source_.sop_class_uid.c_str(),
                                                             source_.sop_instance_uid.c_str(), 0, DVPSB_currentImage);
    if (g == nullptr) throw Error(Errc::internal, std::string("results: cannot add a graphic object to ") + layer);
    check(g->setData(data.size() / 2, data.data(), DVPSA_pixels), "graphic data");
    check(g->setGraphicType(type), "graphic type");
    check(g->setFilled(OFFalse), "graphic filled");
  }

  // sRGB (0..0xFFFF per channel) -> CIELab (D50, as ICC PCS) scaled as DICOM wants: L 0..100 and
  // a, b -128..127 onto 0..0xFFFF.
  static std::array<Uint16, 3> dicom_lab(const Rgb& c) {
    const auto linear = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    const double r = linear(c.r / 65535.0), g = linear(c.g / 65535.0), b = linear(c.b / 65535.0);
    const double x = (0.4360747 * r + 0.3850649 * g + 0.1430804 * b) / 0.9642;
    const double y = 0.2225045 * r + 0.7168786 * g + 0.0606169 * b;
    const double z = (0.0139322 * r + 0.0971045 * g + 0.7141733 * b) / 0.8251;
    const auto f = [](double t) { return t > 216.0 / 24389.0 ? std::cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0; };
    const double l = 116.0 * f(y) - 16.0, a = 500.0 * (f(x) - f(y)), bb = 200.0 * (f(y) - f(z));
    const auto scale = [](double v, double lo, double hi) {
      return static_cast<Uint16>(std::lround(std::clamp((v - lo) / (hi - lo), 0.0, 1.0) * 65535.0));
    };
    return {scale(l, 0, 100), scale(a, -128, 127), scale(bb, -128, 127)};
  }

  PresentationState& ps_;
  const SourceImage& source_;
  double font_ = 12;
  std::vector<std::pair<std::string, Rgb>> colours_;
};

std::string side_words(Laterality side) {
  switch (side) {
    case Laterality::right: return "Patient's right";
    case Laterality::left: return "Patient's left";
    case Laterality::unknown: break;
  }
  return "Side unknown";
}

std::string signed_decimal(double v, int decimals) { return (v > 0 ? "+" : "") + format_decimal(v, decimals); }

struct Drawing {
  std::vector<std::string> lines;  // the findings, for the text block
};

Drawing draw_bone_age(Canvas& canvas, const BoneAgeFinding& f, const ReportPlan& plan) {
  Drawing d;
  d.lines.push_back(fmt::format("Bone age {} years ({} months), {}", format_decimal(f.bone_age_months / 12.0, 1),
                                format_decimal(f.bone_age_months, 1),
                                f.method == BoneAgeMethod::greulich_pyle ? "Greulich & Pyle" : "TW3 RUS"));
  if (f.chronological_age_months) {
    d.lines.push_back(fmt::format("Chronological age {} years ({} months); difference {} months",
                                  format_decimal(*f.chronological_age_months / 12.0, 1),
                                  format_decimal(*f.chronological_age_months, 1),
                                  signed_decimal(f.bone_age_months - *f.chronological_age_months, 1)));
  }
  const BoneAgeSdOutcome sd = bone_age_sd_score(f.bone_age_months, f.chronological_age_months, f.sex);
  d.lines.push_back(sd.sd ? fmt::format("SD score {}: {} ({})", signed_decimal(sd.sd->score, 2), sd.sd->assessment(),
                                        bone_age_reference_name())
                          : "SD score not reported: " + sd.reason);
  const auto& regions = plan.groups.front().regions;
  if (!regions.empty()) {
    canvas.layer({gsps_layer_hand, "Hand outline (segmentation) and bone age", {0, 0xDCDC, 0}});
    canvas.polyline(gsps_layer_hand, regions.front().points);
    const Box b = box_of(regions.front().points);
    std::string label = fmt::format("Bone age {} y", format_decimal(f.bone_age_months / 12.0, 1));
    if (f.chronological_age_months)
      label += fmt::format(" (age {} y, {} mo)", format_decimal(*f.chronological_age_months / 12.0, 1),
                           signed_decimal(f.bone_age_months - *f.chronological_age_months, 1));
    if (sd.sd) label += fmt::format(", SD {}", signed_decimal(sd.sd->score, 2));
    canvas.label_around(gsps_layer_hand, label, b, {b.x0, b.y1});
  }
  return d;
}

std::string decision_words(const NasalFractureFinding& f) {
  switch (f.decision) {
    case Presence::present: return "fracture present";
    case Presence::absent: return "no fracture";
    case Presence::undetermined: break;
  }
  return "undetermined";
}

Drawing draw_nasal(Canvas& canvas, const NasalFractureFinding& f, unsigned rows, unsigned cols) {
  Drawing d;
  std::string decision = decision_words(f);
  if (!f.operating_point.empty()) decision += " at the " + f.operating_point + " operating point";
  d.lines.push_back(fmt::format("Nasal fracture probability {}: {}", format_decimal(f.probability, 2), decision));
  if (f.peak) {
    canvas.layer({gsps_layer_anomaly, "Anomaly map peak with probability and decision", {0xFFFF, 0xFFFF, 0}});
    const double radius = std::max(6.0, std::min(rows, cols) / 30.0);
    canvas.circle(gsps_layer_anomaly, *f.peak, radius);
    canvas.label(gsps_layer_anomaly, fmt::format("p = {}: {}", format_decimal(f.probability, 2), decision_words(f)),
                 {f.peak->column + radius, f.peak->row + radius}, *f.peak);
    d.lines.push_back(fmt::format("Anomaly peak at column {:.0f}, row {:.0f}", f.peak->column, f.peak->row));
  }
  if (f.nasion || f.tip) {
    canvas.layer({gsps_layer_landmarks, "Localised nasion and nasal bone tip", {0, 0xFFFF, 0xFFFF}});
    if (f.nasion) {
      canvas.point(gsps_layer_landmarks, *f.nasion);
      canvas.label(gsps_layer_landmarks, "nasion", {f.nasion->column + 4, f.nasion->row - 2 * canvas.font()}, *f.nasion);
    }
    if (f.tip) {
      canvas.point(gsps_layer_landmarks, *f.tip);
      canvas.label(gsps_layer_landmarks, "tip", {f.tip->column + 4, f.tip->row + canvas.font()}, *f.tip);
    }
  }
  return d;
}

Drawing draw_implant(Canvas& canvas, const ImplantFinding& f) {
  Drawing d;
  if (f.sides.empty()) d.lines.push_back("No implant found");
  bool layer_added = false;
  for (const auto& side : f.sides) {
    std::string words;
    if (!side.implant_found) {
      words = "no implant";
    } else if (side.unknown_design) {
      words = side.candidates.empty()
                  ? std::string("unknown design")
                  : fmt::format("unknown design (best {} {})", side.candidates.front().model,
                                format_decimal(side.candidates.front().probability, 2));
    } else {
      words = fmt::format("{} {}, {}", side.candidates.front().manufacturer, side.candidates.front().model,
                          format_decimal(side.candidates.front().probability, 2));
    }
    d.lines.push_back(side_words(side.side) + ": " + words);
    // As in the SR: an outline is drawn with the candidate it belongs to (checked by the plan).
    if (!side.implant_found || side.outline.empty() || side.candidates.empty()) continue;
    if (!layer_added) {
      canvas.layer({gsps_layer_implant, "Implant outline (metal segmentation) and design", {0, 0xE6E6, 0}});
      layer_added = true;
    }
    const RegionPlan closed = outline_region(side.outline, "implant outline");
    canvas.polyline(gsps_layer_implant, closed.points);
    const Box b = box_of(closed.points);
    canvas.label_around(gsps_layer_implant, words, b, {b.x0, b.y1});
  }
  return d;
}

// General Series Body Part Examined and Laterality (the GSPS has no Image Laterality), as
// dciodvfy checks them: the
// source's Laterality, else its Image Laterality when that names one side; absent for an unpaired
// part (Image Laterality U); empty otherwise (type 2C: both sides, or not known).
void put_series_laterality(DcmItem& source, DcmItem& ds) {
  // With the body part named, dciodvfy knows whether it is paired.
  if (source.tagExists(DCM_BodyPartExamined)) check(source.findAndInsertCopyOfElement(DCM_BodyPartExamined, &ds), "body part");
  std::string side = get_string(source, DCM_Laterality);
  const std::string image_side = get_string(source, DCM_ImageLaterality);
  if (side.empty()) side = image_side;
  if (side == "U") return;
  if (side != "L" && side != "R") side.clear();
  check(ds.putAndInsertString(DCM_Laterality, side.c_str()), "laterality");
}

std::string_view title(AnalysisKind kind) {
  switch (kind) {
    case AnalysisKind::bone_age: return "BONE AGE";
    case AnalysisKind::nasal_fracture: return "NASAL";
    case AnalysisKind::implant_id: break;
  }
  return "IMPLANT";
}

} // namespace

std::optional<ObjectReference> write_gsps(const ResultContext& ctx, const Findings& findings,
                                          const std::filesystem::path& out) {
  validate_context(ctx);
  const AnalysisKind kind = kind_of(findings);
  const SeriesSpec series = resolve_series(ctx.gsps_series, default_gsps_series(kind));
  const ReportPlan plan = plan_report(findings, ctx.algorithm);  // validates the findings as the SR does
  SourceImage source = load_source(ctx);
  require_inside(plan, source.rows, source.cols);
  const std::string photometric = get_string(*source.dataset, DCM_PhotometricInterpretation);
  if (photometric != "MONOCHROME1" && photometric != "MONOCHROME2") {
    log::info("results.gsps_not_written", {{"kind", kind_name(kind)},
                                           {"source", source.sop_instance_uid},
                                           {"reason", "a grayscale presentation state needs a MONOCHROME1/2 source, not " +
                                                          (photometric.empty() ? std::string("none") : photometric)}});
    return std::nullopt;
  }

  PresentationState ps;
  // Overlays and curves of the source are left to the viewer's defaults; its shutter and
  // presentation LUT (MONOCHROME1: INVERSE) are kept; its first VOI window is used.
  check(ps.createFromImage(*source.dataset, DVPSO_ignoreOverlays, DVPSV_preferVOIWindow, OFFalse, OFTrue, OFTrue,
                           DVPSG_twoLayers),
        "presentation state from the source");
  Canvas canvas(ps, source);
  Drawing drawing;
  std::visit(
      [&](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, BoneAgeFinding>) drawing = draw_bone_age(canvas, f, plan);
        else if constexpr (std::is_same_v<T, NasalFractureFinding>) drawing = draw_nasal(canvas, f, source.rows, source.cols);
        else if constexpr (std::is_same_v<T, ImplantFinding>) drawing = draw_implant(canvas, f);
        else drawing.lines = {fmt::format("{}: NOT ANALYSABLE", kind_name(kind)), "could not analyse: " + f.reason};
      },
      findings);
  std::vector<std::string> lines{"AI result - not for primary diagnosis",
                                 fmt::format("Osteon {} {}", ctx.algorithm.name, ctx.algorithm.version),
                                 "Trained on " + ctx.algorithm.training_data};
  // The domain checks, as the SC and the SR state them ("Domain check passed: ...", "DOMAIN NOT
  // CHECKED: ..."): the overlay says how far the model could be trusted with this image.
  for (const auto& p : ctx.algorithm.parameters)
    if (p.rfind("Domain check", 0) == 0 || p.rfind("DOMAIN NOT CHECKED", 0) == 0) lines.push_back(p);
  lines.insert(lines.end(), drawing.lines.begin(), drawing.lines.end());
  canvas.layer({gsps_layer_text, "AI result text - not for primary diagnosis", {0xFFFF, 0xFFFF, 0xFFFF}});
  canvas.text_block(gsps_layer_text, lines);

  const std::string label = fmt::format("OSTEON {}", title(kind));
  check(ps.setPresentationLabel(label.c_str()), "content label");
  // The disclaimer first: the description holds 64 characters, and an algorithm name may be long.
  const std::string description =
      fmt::format("AI, not for primary diagnosis: Osteon {} {}", ctx.algorithm.name, ctx.algorithm.version);
  check(ps.setPresentationDescription(description.substr(0, 64).c_str()), "content description");
  check(ps.setPresentationCreatorsName("Osteon^AI"), "content creator");

  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  check(ps.write(ds, OFFalse), "write GSPS");
  const ObjectReference ref = new_reference(ctx, out, gsps_sop_class, series, source);
  put_identity(ds, ref);
  check(ds.putAndInsertString(DCM_SeriesNumber, std::to_string(series.number).c_str()), "series number");
  check(ds.putAndInsertString(DCM_SeriesDescription, series.description.c_str()), "series description");
  check(ds.putAndInsertString(DCM_InstanceNumber, std::to_string(series.instance_number).c_str()), "instance number");
  check(ds.putAndInsertString(DCM_Manufacturer, ctx.device.manufacturer.c_str()), "manufacturer");
  check(ds.putAndInsertString(DCM_ManufacturerModelName, ctx.device.model_name.c_str()), "model name");
  check(ds.putAndInsertString(DCM_SoftwareVersions, software_versions(ctx).c_str()), "software versions");
  if (!ctx.device.serial_number.empty())
    check(ds.putAndInsertString(DCM_DeviceSerialNumber, ctx.device.serial_number.c_str()), "device serial number");
  // No window in the source: the one the pipeline displayed it with.
  if (!ds.tagExists(DCM_SoftcopyVOILUTSequence) && ctx.window && ctx.window->width >= 1) {
    DcmItem* voi = nullptr;
    check(ds.findOrCreateSequenceItem(DCM_SoftcopyVOILUTSequence, voi, -2), "softcopy VOI");
    DcmItem* ref_image = nullptr;
    check(voi->findOrCreateSequenceItem(DCM_ReferencedImageSequence, ref_image, -2), "VOI referenced image");
    check(ref_image->putAndInsertString(DCM_ReferencedSOPClassUID, source.sop_class_uid.c_str()), "VOI image class");
    check(ref_image->putAndInsertString(DCM_ReferencedSOPInstanceUID, source.sop_instance_uid.c_str()), "VOI image");
    check(voi->putAndInsertString(DCM_WindowCenter, format_decimal(ctx.window->center, 2).c_str()), "window centre");
    check(voi->putAndInsertString(DCM_WindowWidth, format_decimal(ctx.window->width, 2).c_str()), "window width");
    check(voi->putAndInsertString(DCM_WindowCenterWidthExplanation, "as Osteon displayed the source"), "window text");
  }
  canvas.write_colours(ds);
  put_series_laterality(*source.dataset, ds);
  copy_patient_and_study(*source.dataset, ds, false);
  settle_character_set(ds);
  dicom::save(file, out);
  log::info("results.gsps_written", {{"kind", kind_name(kind)},
                                     {"study", ref.study_instance_uid},
                                     {"source", source.sop_instance_uid},
                                     {"sop", ref.sop_instance_uid},
                                     {"lines", lines.size()}});
  return ref;
}

} // namespace osteon::results
