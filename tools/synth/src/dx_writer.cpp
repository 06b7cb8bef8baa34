// write_dx: one DX Image (IOD PS3.3 A.26) as a Part-10 file, written directly with DCMTK.
#include "osteon/synth/dx_writer.hpp"

#include "anatomy_codes.hpp"
#include "uid_check.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcrlerp.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpls/djrparam.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace osteon::synth {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw std::runtime_error("write_dx(" + file.string() + "): " + what);
}

[[noreturn]] void bad_input(const std::string& what) {
  throw std::invalid_argument("write_dx: " + what);
}

class Writer {
 public:
  Writer(DcmItem& item, const std::filesystem::path& file) : item_(item), file_(file) {}

  void put(const DcmTagKey& key, const std::string& value) {
    check(item_.putAndInsertString(DcmTag(key), value.c_str()), key);
  }
  void put_u16(const DcmTagKey& key, unsigned value) {
    check(item_.putAndInsertUint16(DcmTag(key), static_cast<Uint16>(value)), key);
  }
  void put_empty(const DcmTagKey& key) { check(item_.insertEmptyElement(DcmTag(key)), key); }

  void check(const OFCondition& cond, const DcmTagKey& key) const {
    if (cond.bad()) fail(file_, "cannot set " + std::string(DcmTag(key).getTagName()) + ": " +
                                    cond.text());
  }

 private:
  DcmItem& item_;
  const std::filesystem::path& file_;
};

std::string format_ds(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

E_TransferSyntax xfer_of(Encoding encoding) {
  switch (encoding) {
    case Encoding::explicit_le: return EXS_LittleEndianExplicit;
    case Encoding::implicit_le: return EXS_LittleEndianImplicit;
    case Encoding::big_endian: return EXS_BigEndianExplicit;
    case Encoding::deflate: return EXS_DeflatedLittleEndianExplicit;
    case Encoding::jpeg_lossless: return EXS_JPEGProcess14SV1;
    case Encoding::jpeg_ls_lossless: return EXS_JPEGLSLossless;
    case Encoding::rle: return EXS_RLELossless;
  }
  bad_input("unknown encoding");
}

std::unique_ptr<DcmRepresentationParameter> params_of(Encoding encoding) {
  switch (encoding) {
    case Encoding::jpeg_lossless: return std::make_unique<DJ_RPLossless>(1, 0);
    case Encoding::jpeg_ls_lossless: return std::make_unique<DJLSRepresentationParameter>(0, OFTrue);
    case Encoding::rle: return std::make_unique<DcmRLERepresentationParameter>();
    default: return nullptr;
  }
}

std::string default_orientation(const DxAttributes& a, std::string_view region) {
  if (region == "HAND") return "L\\H";  // fingers up, little finger to thumb on a left PA hand
  if (a.view_position == "LL") return "P\\F";  // face to the left of the image
  if (a.view_position == "RL") return "A\\F";
  return "L\\F";
}

void validate(const DxAttributes& a, const PixelImage& image) {
  if (image.rows == 0 || image.cols == 0) bad_input("image has no rows or columns");
  if (image.rows > 65535 || image.cols > 65535) bad_input("image larger than 65535 rows/cols");
  if (image.bits_stored < 8 || image.bits_stored > 16)
    bad_input("bits_stored must be 8..16, got " + std::to_string(image.bits_stored));
  if (image.pixels.size() != std::size_t{image.rows} * image.cols)
    bad_input("pixels has " + std::to_string(image.pixels.size()) + " values, expected rows*cols = " +
              std::to_string(std::size_t{image.rows} * image.cols));
  const unsigned max_value = (1u << image.bits_stored) - 1u;
  const auto top = *std::max_element(image.pixels.begin(), image.pixels.end());
  if (top > max_value)
    bad_input("pixel value " + std::to_string(top) + " does not fit bits_stored " +
              std::to_string(image.bits_stored));
  if (a.patient_sex != "M" && a.patient_sex != "F" && a.patient_sex != "O" && !a.patient_sex.empty())
    bad_input("patient_sex must be M, F, O or empty, got '" + a.patient_sex + "'");
  if (a.image_laterality != "L" && a.image_laterality != "R" && a.image_laterality != "U" &&
      a.image_laterality != "B")
    bad_input("image_laterality must be L, R, U or B, got '" + a.image_laterality + "'");
  if (!(a.pixel_spacing_mm > 0.0)) bad_input("pixel_spacing_mm must be > 0");
  for (const auto* uid : {&a.study_uid, &a.series_uid, &a.sop_uid, &a.sop_class_uid}) {
    if (!uid->empty() && !detail::is_valid_uid(*uid)) bad_input("invalid UID '" + *uid + "'");
  }
}

// Deterministic default UIDs: study and series from the identifying attributes, instance
// additionally from the instance number and the pixel values.
void fill_uids(DxAttributes& a, const PixelImage& image) {
  std::uint64_t h = detail::fnv1a(a.patient_id);
  h = detail::fnv1a(a.study_date + "|" + a.study_time + "|" + a.accession_number, h);
  const std::uint64_t study_key = h >> 1;  // < 2^63: a short UID component
  if (a.study_uid.empty()) a.study_uid = make_uid("study", study_key);
  if (a.series_uid.empty())
    a.series_uid = make_uid("series", study_key, static_cast<std::uint64_t>(a.series_number));
  if (a.sop_uid.empty()) {
    std::uint64_t p = detail::fnv1a(a.series_uid + "|" + std::to_string(a.instance_number), h);
    p = detail::fnv1a_words(image.pixels.data(), image.pixels.size(), p);
    a.sop_uid = make_uid("instance", p >> 1);
  }
}

void put_attributes(Writer& w, DcmDataset& ds, const DxAttributes& a, const PixelImage& image,
                    const std::filesystem::path& file) {
  const std::string region = detail::canonical_region(a.anatomic_region.empty() ? a.body_part
                                                                               : a.anatomic_region);
  const bool for_processing = a.sop_class_uid == dx_for_processing_sop_class;
  const std::string date_time = a.study_date + a.study_time;
  // SOP Common
  w.put(DCM_SOPClassUID, a.sop_class_uid.empty() ? std::string(dx_for_presentation_sop_class)
                                                 : a.sop_class_uid);
  w.put(DCM_SOPInstanceUID, a.sop_uid);
  w.put(DCM_InstanceCreationDate, a.study_date);
  w.put(DCM_InstanceCreationTime, a.study_time);
  // Patient
  w.put(DCM_PatientName, a.patient_name);
  w.put(DCM_PatientID, a.patient_id);
  w.put(DCM_PatientBirthDate, a.patient_birth_date);
  w.put(DCM_PatientSex, a.patient_sex);
  w.put(DCM_PatientIdentityRemoved, "YES");  // synthetic: there is no real identity
  w.put(DCM_DeidentificationMethod, "Synthetic phantom, no patient data");
  // General Study, Patient Study
  w.put(DCM_StudyInstanceUID, a.study_uid);
  w.put(DCM_StudyDate, a.study_date);
  w.put(DCM_StudyTime, a.study_time);
  w.put(DCM_ReferringPhysicianName, "");
  w.put(DCM_StudyID, a.study_id);
  w.put(DCM_AccessionNumber, a.accession_number);
  if (!a.study_description.empty()) w.put(DCM_StudyDescription, a.study_description);
  if (!a.patient_age.empty()) w.put(DCM_PatientAge, a.patient_age);
  // General Series, DX Series
  w.put(DCM_Modality, "DX");
  w.put(DCM_SeriesInstanceUID, a.series_uid);
  w.put(DCM_SeriesNumber, std::to_string(a.series_number));
  w.put(DCM_SeriesDate, a.study_date);
  w.put(DCM_SeriesTime, a.study_time);
  if (!a.series_description.empty()) w.put(DCM_SeriesDescription, a.series_description);
  if (!a.protocol_name.empty()) w.put(DCM_ProtocolName, a.protocol_name);
  if (!a.body_part.empty()) w.put(DCM_BodyPartExamined, a.body_part);
  w.put(DCM_PresentationIntentType, for_processing ? "FOR PROCESSING" : "FOR PRESENTATION");
  // General Equipment
  w.put(DCM_Manufacturer, a.manufacturer);
  w.put(DCM_ManufacturerModelName, a.model_name);
  w.put(DCM_SoftwareVersions, "osteon-synth 1");
  // General Image, DX Image
  w.put(DCM_InstanceNumber, std::to_string(a.instance_number));
  w.put(DCM_PatientOrientation,
        a.patient_orientation.empty() ? default_orientation(a, region) : a.patient_orientation);
  w.put(DCM_ContentDate, a.study_date);
  w.put(DCM_ContentTime, a.study_time);
  w.put(DCM_AcquisitionDateTime, date_time);
  w.put(DCM_ImageType, "ORIGINAL\\PRIMARY");
  w.put(DCM_BurnedInAnnotation, "NO");
  w.put(DCM_LossyImageCompression, "00");
  w.put(DCM_PixelIntensityRelationship, "LOG");
  w.put(DCM_PixelIntensityRelationshipSign, "1");
  w.put(DCM_RescaleIntercept, "0");
  w.put(DCM_RescaleSlope, "1");
  w.put(DCM_RescaleType, "US");
  w.put(DCM_ViewPosition, a.view_position);
  w.put(DCM_PositionerType, "COLUMN");  // DX Positioning: type 2
  if (const auto view = detail::view_code(a.view_position); !view.value.empty()) {
    DcmItem* view_item = nullptr;
    w.check(ds.findOrCreateSequenceItem(DCM_ViewCodeSequence, view_item, -2),
            DCM_ViewCodeSequence);
    Writer vw(*view_item, file);
    vw.put(DCM_CodeValue, std::string(view.value));
    vw.put(DCM_CodingSchemeDesignator, "SCT");
    vw.put(DCM_CodeMeaning, std::string(view.meaning));
    vw.put_empty(DCM_ViewModifierCodeSequence);
  }
  w.put(DCM_ImageLaterality, a.image_laterality);
  const double max_value = static_cast<double>((1u << image.bits_stored) - 1u);
  w.put(DCM_PresentationLUTShape, a.monochrome1 ? "INVERSE" : "IDENTITY");
  if (!for_processing) {
    double center = a.window_center, width = a.window_width;
    if (width <= 0.0) {
      width = max_value + 1.0;
      center = (max_value + 1.0) / 2.0;
    }
    if (a.monochrome1) center = max_value - center;  // stored values are inverted
    w.put(DCM_WindowCenter, format_ds(center));
    w.put(DCM_WindowWidth, format_ds(width));
  }
  // DX Anatomy Imaged: Anatomic Region Sequence (one coded item)
  DcmItem* code = nullptr;
  w.check(ds.findOrCreateSequenceItem(DCM_AnatomicRegionSequence, code, -2),
          DCM_AnatomicRegionSequence);
  const auto anatomy = detail::anatomy_code(region);
  Writer cw(*code, file);
  cw.put(DCM_CodeValue, std::string(anatomy.value));
  cw.put(DCM_CodingSchemeDesignator, "SCT");
  cw.put(DCM_CodeMeaning, std::string(anatomy.meaning));
  // DX Detector
  const std::string spacing = format_ds(a.pixel_spacing_mm) + "\\" + format_ds(a.pixel_spacing_mm);
  w.put(DCM_DetectorType, "SCINTILLATOR");
  w.put(DCM_DetectorConfiguration, "AREA");
  w.put(DCM_ImagerPixelSpacing, spacing);
  w.put(DCM_PixelSpacing, spacing);
  w.put(DCM_PixelSpacingCalibrationType, "GEOMETRY");
  w.put(DCM_PixelSpacingCalibrationDescription, "synthetic phantom, exact");
  // Acquisition Context: empty sequence (type 2)
  w.put_empty(DCM_AcquisitionContextSequence);
  // Image Pixel
  w.put_u16(DCM_SamplesPerPixel, 1);
  w.put(DCM_PhotometricInterpretation, a.monochrome1 ? "MONOCHROME1" : "MONOCHROME2");
  w.put_u16(DCM_Rows, image.rows);
  w.put_u16(DCM_Columns, image.cols);
  w.put_u16(DCM_BitsAllocated, 16);
  w.put_u16(DCM_BitsStored, image.bits_stored);
  w.put_u16(DCM_HighBit, image.bits_stored - 1);
  w.put_u16(DCM_PixelRepresentation, 0);
}

}  // namespace

void write_dx(const std::filesystem::path& file, const DxAttributes& attrs,
              const PixelImage& image, Encoding encoding) {
  validate(attrs, image);
  DxAttributes a = attrs;
  fill_uids(a, image);

  DcmFileFormat format;
  DcmDataset& ds = *format.getDataset();
  Writer w(ds, file);
  put_attributes(w, ds, a, image, file);

  // Pixel data written straight into DCMTK's buffer (inverted for MONOCHROME1).
  auto pixel = std::make_unique<DcmPixelData>(DCM_PixelData);
  Uint16* words = nullptr;
  const auto count = static_cast<Uint32>(image.pixels.size());
  w.check(pixel->createUint16Array(count, words), DCM_PixelData);
  if (a.monochrome1) {
    const auto max_value = static_cast<std::uint16_t>((1u << image.bits_stored) - 1u);
    std::transform(image.pixels.begin(), image.pixels.end(), words,
                   [max_value](std::uint16_t v) { return static_cast<Uint16>(max_value - v); });
  } else {
    std::copy(image.pixels.begin(), image.pixels.end(), words);
  }
  w.check(ds.insert(pixel.release(), true), DCM_PixelData);

  const E_TransferSyntax xfer = xfer_of(encoding);
  if (auto params = params_of(encoding)) {
    register_codecs();
    const OFCondition cond = ds.chooseRepresentation(xfer, params.get());
    if (cond.bad()) fail(file, std::string("cannot encode as ") +
                                   std::string(encoding_name(encoding)) + ": " + cond.text());
  }
  if (!ds.canWriteXfer(xfer))
    fail(file, "DCMTK cannot write transfer syntax " + std::string(encoding_name(encoding)));
  const OFCondition cond =
      format.saveFile(OFFilename(file.c_str()), xfer, EET_ExplicitLength, EGL_withoutGL,
                      EPD_noChange, 0, 0, EWM_createNewMeta);
  if (cond.bad()) fail(file, std::string("cannot save: ") + cond.text());
}

}  // namespace osteon::synth
