#include "osteon/results/sc_writer.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "dcmtk_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"

namespace osteon::results {

using namespace detail;

namespace {

[[noreturn]] void bad(const std::string& what) { throw Error(Errc::invalid_argument, "results: " + what); }

bool mentions_disclaimer(const std::string& line) {
  std::string lower = line;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("not for primary diagnosis") != std::string::npos;
}

void check_content(const ScContent& content, const SourceImage& source) {
  const RgbImage& img = content.image;
  if (img.rows == 0 || img.cols == 0) bad("the SC image is empty");
  if (img.rows != source.rows || img.cols != source.cols)
    bad(fmt::format("the SC image is {}x{}, the source {}x{} (columns x rows)", img.cols, img.rows, source.cols,
                    source.rows));
  if (img.pixels.size() != static_cast<std::size_t>(img.rows) * img.cols * 3)
    bad(fmt::format("the SC image has {} bytes, expected rows*cols*3 = {}", img.pixels.size(),
                    static_cast<std::size_t>(img.rows) * img.cols * 3));
  if (std::none_of(content.burned_in_text.begin(), content.burned_in_text.end(), mentions_disclaimer))
    bad("the burned-in text must include \"not for primary diagnosis\"");
  std::size_t text_size = 0;
  for (const auto& line : content.burned_in_text) text_size += line.size() + 2;
  if (text_size > 8192) bad("the burned-in text is too long for Image Comments");
  if (content.derivation_description.size() > 1024) bad("the derivation description is longer than 1024 characters");
}

// Laterality, as dciodvfy checks the General Series condition: Image Laterality from the
// source when it has one (DX, MG...; then Laterality must be absent, even for paired parts),
// else the source's Laterality (CR), else an empty Laterality when not even Body Part Examined
// is known.
void put_laterality(DcmDataset& src, DcmDataset& ds) {
  if (src.tagExists(DCM_ImageLaterality)) {
    check(src.findAndInsertCopyOfElement(DCM_ImageLaterality, &ds), "image laterality");
  } else if (src.tagExists(DCM_Laterality)) {
    check(src.findAndInsertCopyOfElement(DCM_Laterality, &ds), "laterality");
  } else if (!src.tagExists(DCM_BodyPartExamined)) {
    check(ds.insertEmptyElement(DCM_Laterality), "empty laterality");
  }
}

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& line : lines) {
    if (!all.empty()) all += "\r\n";
    all += line;
  }
  return all;
}

} // namespace

ObjectReference write_sc(const ResultContext& ctx, AnalysisKind kind, const ScContent& content,
                         const std::filesystem::path& out) {
  validate_context(ctx);
  const SeriesSpec series = resolve_series(ctx.sc_series, default_sc_series(kind));
  SourceImage source = load_source(ctx);
  check_content(content, source);
  DcmDataset& src = *source.dataset;

  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  const ObjectReference ref = new_reference(ctx, out, secondary_capture_sop_class, series, source);
  const std::string date = dicom_date_now(), time = dicom_time_now();
  const std::string software = software_versions(ctx);
  const auto put = [&ds](const DcmTagKey& tag, const std::string& value) {
    check(ds.putAndInsertString(tag, value.c_str()), DcmTag(tag).getTagName());
  };
  const auto put_u16 = [&ds](const DcmTagKey& tag, unsigned value) {
    check(ds.putAndInsertUint16(tag, static_cast<Uint16>(value)), DcmTag(tag).getTagName());
  };

  // SOP Common
  put(DCM_SOPClassUID, ref.sop_class_uid);
  put(DCM_SOPInstanceUID, ref.sop_instance_uid);
  put(DCM_InstanceCreationDate, date);
  put(DCM_InstanceCreationTime, time);
  // Patient, Patient Study, General Study: verbatim from the source, type 2 present
  copy_patient_and_study(src, ds, true);
  // General Series: a new series in the same study
  put(DCM_Modality, "OT");
  put(DCM_SeriesInstanceUID, ref.series_instance_uid);
  put(DCM_SeriesNumber, std::to_string(series.number));
  put(DCM_SeriesDescription, series.description);
  put(DCM_SeriesDate, date);
  put(DCM_SeriesTime, time);
  if (src.tagExists(DCM_BodyPartExamined)) check(src.findAndInsertCopyOfElement(DCM_BodyPartExamined, &ds), "body part");
  put_laterality(src, ds);
  // General Equipment, SC Equipment
  put(DCM_Manufacturer, ctx.device.manufacturer);
  put(DCM_ManufacturerModelName, ctx.device.model_name);
  put(DCM_SoftwareVersions, software);
  if (!ctx.device.serial_number.empty()) put(DCM_DeviceSerialNumber, ctx.device.serial_number);
  put(DCM_ConversionType, "WSD");
  put(DCM_SecondaryCaptureDeviceManufacturer, ctx.device.manufacturer);
  put(DCM_SecondaryCaptureDeviceManufacturerModelName, ctx.device.model_name);
  put(DCM_SecondaryCaptureDeviceSoftwareVersions, software);
  // General Image
  put(DCM_InstanceNumber, std::to_string(series.instance_number));
  if (src.tagExists(DCM_PatientOrientation))
    check(src.findAndInsertCopyOfElement(DCM_PatientOrientation, &ds), "patient orientation");
  else
    check(ds.insertEmptyElement(DCM_PatientOrientation), "patient orientation");
  put(DCM_ContentDate, date);
  put(DCM_ContentTime, time);
  put(DCM_ImageType, "DERIVED\\SECONDARY");
  put(DCM_DerivationDescription,
      content.derivation_description.empty()
          ? fmt::format("AI result overlay ({} {}) drawn over the source radiograph", ctx.algorithm.name,
                        ctx.algorithm.version)
          : content.derivation_description);
  {
    DcmItem* item = nullptr;
    check(ds.findOrCreateSequenceItem(DCM_SourceImageSequence, item, -2), "source image sequence");
    check(item->putAndInsertString(DCM_ReferencedSOPClassUID, source.sop_class_uid.c_str()), "source class");
    check(item->putAndInsertString(DCM_ReferencedSOPInstanceUID, source.sop_instance_uid.c_str()), "source instance");
    DcmItem* purpose = nullptr;
    check(item->findOrCreateSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose, -2), "purpose of reference");
    check(purpose->putAndInsertString(DCM_CodeValue, "121322"), "purpose code");
    check(purpose->putAndInsertString(DCM_CodingSchemeDesignator, "DCM"), "purpose scheme");
    check(purpose->putAndInsertString(DCM_CodeMeaning, "Source image for image processing operation"), "purpose meaning");
  }
  put(DCM_ImageComments, joined(content.burned_in_text) + "\r\n" + disclaimer(ctx.algorithm));
  put(DCM_BurnedInAnnotation, "YES");
  const std::string source_lossy = get_string(src, DCM_LossyImageCompression);
  put(DCM_LossyImageCompression, source_lossy == "01" ? "01" : "00");
  if (source_lossy == "01") {
    if (src.tagExists(DCM_LossyImageCompressionRatio))
      check(src.findAndInsertCopyOfElement(DCM_LossyImageCompressionRatio, &ds), "lossy ratio");
    if (src.tagExists(DCM_LossyImageCompressionMethod))
      check(src.findAndInsertCopyOfElement(DCM_LossyImageCompressionMethod, &ds), "lossy method");
  }
  // SC Image
  put(DCM_DateOfSecondaryCapture, date);
  put(DCM_TimeOfSecondaryCapture, time);
  // Image Pixel: 8-bit RGB, interleaved
  put_u16(DCM_SamplesPerPixel, 3);
  put(DCM_PhotometricInterpretation, "RGB");
  put_u16(DCM_PlanarConfiguration, 0);
  put_u16(DCM_Rows, content.image.rows);
  put_u16(DCM_Columns, content.image.cols);
  put_u16(DCM_BitsAllocated, 8);
  put_u16(DCM_BitsStored, 8);
  put_u16(DCM_HighBit, 7);
  put_u16(DCM_PixelRepresentation, 0);
  check(ds.putAndInsertUint8Array(DCM_PixelData, content.image.pixels.data(),
                                  static_cast<unsigned long>(content.image.pixels.size())),
        "pixel data");
  settle_character_set(ds);
  dicom::save(file, out);
  log::info("results.sc_written", {{"kind", kind_name(kind)},
                                   {"study", ref.study_instance_uid},
                                   {"source", source.sop_instance_uid},
                                   {"sop", ref.sop_instance_uid}});
  return ref;
}

} // namespace osteon::results
