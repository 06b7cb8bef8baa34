#include "results_fixture.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <catch2/catch.hpp>

#include <cstdlib>

#include "osteon/synth/dx_writer.hpp"

namespace osteon::test::results {
namespace {

fs::path write_one(const fs::path& file, const std::string& body_part, const std::string& view,
                   const std::string& laterality, std::uint32_t seed) {
  synth::DxAttributes a;
  a.patient_id = "PHANTOM-" + body_part;
  a.patient_name = "Phantom^" + body_part;
  a.patient_sex = "F";
  a.patient_birth_date = "20150301";
  a.patient_age = "011Y";
  a.accession_number = "ACC" + std::to_string(seed);
  a.study_description = "XR " + body_part;
  a.body_part = body_part;
  a.view_position = view;
  a.image_laterality = laterality;
  const auto image = synth::make_test_pattern(240, 200, 12, seed);  // rows, cols
  synth::write_dx(file, a, image);
  return file;
}

std::string tag_string(DcmItem& item, const DcmTagKey& tag, bool search_into_sequences = false) {
  OFString v;
  if (item.findAndGetOFStringArray(tag, v, search_into_sequences).bad()) return {};
  return std::string(v.c_str(), v.size());
}

} // namespace

Sources write_sources(const fs::path& dir) {
  fs::create_directories(dir);
  Sources s;
  s.hand = write_one(dir / "hand.dcm", "HAND", "PA", "L", 11);
  s.skull = write_one(dir / "skull.dcm", "SKULL", "LL", "U", 12);
  s.hip = write_one(dir / "hip.dcm", "HIP", "AP", "B", 13);
  return s;
}

r::ResultContext make_context(const fs::path& source, r::SrDocumentClass cls, const std::string& algorithm) {
  r::ResultContext ctx;
  ctx.source_file = source;
  ctx.device.uid = "2.25.123456789012345678901234567890123";
  ctx.device.name = "OSTEON-TEST";
  ctx.device.serial_number = "SN-TEST-1";
  ctx.algorithm.name = algorithm;
  ctx.algorithm.version = "0.3.1";
  ctx.sr_class = cls;
  return ctx;
}

r::ScContent make_overlay(const fs::path& source) {
  DcmFileFormat ff;
  REQUIRE(ff.loadFile(source.c_str()).good());
  Uint16 rows = 0, cols = 0;
  ff.getDataset()->findAndGetUint16(DCM_Rows, rows);
  ff.getDataset()->findAndGetUint16(DCM_Columns, cols);
  r::ScContent c;
  c.image.rows = rows;
  c.image.cols = cols;
  c.image.pixels.resize(static_cast<std::size_t>(rows) * cols * 3);
  for (unsigned y = 0; y < rows; ++y)
    for (unsigned x = 0; x < cols; ++x) {
      const std::size_t i = (static_cast<std::size_t>(y) * cols + x) * 3;
      const auto grey = static_cast<std::uint8_t>((x + y) % 256);
      const bool box = x > cols / 3 && x < cols / 2 && y > rows / 3 && y < rows / 2;
      c.image.pixels[i] = box ? 255 : grey;
      c.image.pixels[i + 1] = box ? 64 : grey;
      c.image.pixels[i + 2] = grey;
    }
  c.burned_in_text = {"AI result - not for primary diagnosis", "Test overlay 0.3.1"};
  return c;
}

std::optional<fs::path> validator() {
  const fs::path shared = fs::path(OSTEON_SOURCE_DIR) / ".." / "shared";
  if (!fs::is_directory(shared)) return std::nullopt;
  return shared / "tools" / "validate-results";
}

RunResult validate(const fs::path& source, const std::vector<fs::path>& results) {
  const auto tool = validator();
  if (!tool) return {0, "validator absent"};
  // C1-only JIT and the serial GC: the pixelmed JVM starts about three times faster; the
  // validation itself is the same.
  std::vector<std::string> argv = {"env", "JAVA_TOOL_OPTIONS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
                                   tool->string(), source.string()};
  for (const auto& f : results) argv.push_back(f.string());
  return run(argv, std::chrono::seconds(300));
}

SrView read_sr(const fs::path& file) {
  DcmFileFormat ff;
  REQUIRE(ff.loadFile(file.c_str()).good());
  DcmDataset& ds = *ff.getDataset();
  SrView v;
  v.sop_class_uid = tag_string(ds, DCM_SOPClassUID);
  v.sop_instance_uid = tag_string(ds, DCM_SOPInstanceUID);
  v.study_uid = tag_string(ds, DCM_StudyInstanceUID);
  v.series_uid = tag_string(ds, DCM_SeriesInstanceUID);
  v.patient_id = tag_string(ds, DCM_PatientID);
  v.patient_age = tag_string(ds, DCM_PatientAge);
  v.series_number = tag_string(ds, DCM_SeriesNumber);
  v.series_description = tag_string(ds, DCM_SeriesDescription);
  v.specific_character_set = tag_string(ds, DCM_SpecificCharacterSet);
  v.verification_flag = tag_string(ds, DCM_VerificationFlag);
  v.completion_flag = tag_string(ds, DCM_CompletionFlag);
  DcmSequenceOfItems* evidence = nullptr;
  if (ds.findAndGetSequence(DCM_CurrentRequestedProcedureEvidenceSequence, evidence).good() && evidence) {
    for (unsigned long i = 0; i < evidence->card(); ++i) {
      DcmSequenceOfItems* series = nullptr;
      if (evidence->getItem(i)->findAndGetSequence(DCM_ReferencedSeriesSequence, series).bad() || !series) continue;
      for (unsigned long j = 0; j < series->card(); ++j) {
        DcmSequenceOfItems* sops = nullptr;
        if (series->getItem(j)->findAndGetSequence(DCM_ReferencedSOPSequence, sops).bad() || !sops) continue;
        for (unsigned long k = 0; k < sops->card(); ++k)
          v.evidence_instances.push_back(tag_string(*sops->getItem(k), DCM_ReferencedSOPInstanceUID));
      }
    }
  }
  DcmSequenceOfItems* schemes = nullptr;
  if (ds.findAndGetSequence(DCM_CodingSchemeIdentificationSequence, schemes).good() && schemes)
    for (unsigned long i = 0; i < schemes->card(); ++i)
      v.coding_schemes.push_back(tag_string(*schemes->getItem(i), DCM_CodingSchemeDesignator));

  DSRDocument doc;
  REQUIRE(doc.read(ds).good());
  DSRDocumentTree& tree = doc.getTree();
  std::vector<std::size_t> id_at_level;
  std::vector<std::string> value_at_level;
  if (tree.gotoRoot() != 0) {
    do {
      const DSRContentItem& ci = tree.getCurrentContentItem();
      Item it;
      it.node_id = tree.getNodeID();
      const std::size_t level = tree.getLevel();
      id_at_level.resize(level);
      value_at_level.resize(level);
      id_at_level[level - 1] = it.node_id;
      value_at_level[level - 1] = ci.getConceptName().getCodeValue().c_str();
      if (level > 1) {
        it.parent_id = id_at_level[level - 2];
        it.parent_value = value_at_level[level - 2];
      }
      it.concept_value = ci.getConceptName().getCodeValue().c_str();
      it.concept_scheme = ci.getConceptName().getCodingSchemeDesignator().c_str();
      it.value_type = DSRTypes::valueTypeToDefinedTerm(ci.getValueType());
      it.relationship = DSRTypes::relationshipTypeToDefinedTerm(ci.getRelationshipType());
      switch (ci.getValueType()) {
        case DSRTypes::VT_Num:
          it.text = ci.getNumericValue().getNumericValue().c_str();
          it.code_value = ci.getNumericValue().getMeasurementUnit().getCodeValue().c_str();
          it.code_scheme = ci.getNumericValue().getMeasurementUnit().getCodingSchemeDesignator().c_str();
          break;
        case DSRTypes::VT_Code:
          it.code_value = ci.getCodeValue().getCodeValue().c_str();
          it.code_scheme = ci.getCodeValue().getCodingSchemeDesignator().c_str();
          break;
        case DSRTypes::VT_Image:
          it.image_sop_instance = ci.getImageReference().getSOPInstanceUID().c_str();
          break;
        case DSRTypes::VT_SCoord:
          it.graphic_type = DSRTypes::graphicTypeToEnumeratedValue(ci.getSpatialCoordinates().getGraphicType());
          break;
        case DSRTypes::VT_Container:
          break;
        default:
          it.text = ci.getStringValue().c_str();
      }
      v.items.push_back(it);
    } while (tree.iterate() != 0);
  }
  return v;
}

std::vector<Item> find(const SrView& sr, const std::string& value, const std::string& scheme) {
  std::vector<Item> out;
  for (const auto& it : sr.items)
    if (it.concept_value == value && it.concept_scheme == scheme) out.push_back(it);
  return out;
}

std::vector<Item> children(const SrView& sr, const Item& parent) {
  std::vector<Item> out;
  for (const auto& it : sr.items)
    if (it.parent_id == parent.node_id) out.push_back(it);
  return out;
}

std::string attribute(const fs::path& file, const std::string& keyword, bool nested) {
  DcmFileFormat ff;
  REQUIRE(ff.loadFile(file.c_str()).good());
  DcmTag tag;
  REQUIRE(DcmTag::findTagFromName(keyword.c_str(), tag).good());
  return tag_string(*ff.getDataset(), tag, nested);
}

void keep(const std::vector<fs::path>& files) {
  const char* dir = std::getenv("OSTEON_RESULTS_KEEP");
  if (!dir || !*dir) return;
  fs::create_directories(dir);
  for (const auto& f : files) fs::copy_file(f, fs::path(dir) / f.filename(), fs::copy_options::overwrite_existing);
}

} // namespace osteon::test::results
