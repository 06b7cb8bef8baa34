#include "osteon/results/sr_reader.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/dicom/dcmtk_bridge.hpp"
#include "osteon/dicom/dicom_file.hpp"

namespace osteon::results {

std::vector<SrItem> read_sr_items(const std::filesystem::path& file) {
  const auto source = dicom::DicomFile::load(file);
  DSRDocument document;
  dicom::check(document.read(*source.dcmtk().getDataset()), Errc::dicom_unparseable, "not a readable Structured Report");
  auto& tree = document.getTree();
  std::vector<SrItem> items;
  if (tree.gotoRoot() == 0) return items;
  do {
    auto& item = tree.getCurrentContentItem();
    SrItem out;
    out.level = static_cast<int>(tree.getLevel());
    if (item.getRelationshipType() != DSRTypes::RT_isRoot)
      out.relationship = DSRTypes::relationshipTypeToReadableName(item.getRelationshipType());
    out.value_type = DSRTypes::valueTypeToDefinedTerm(item.getValueType());
    out.concept_name = item.getConceptName().getCodeMeaning().c_str();
    if (const auto* num = item.getNumericValuePtr()) {
      out.value = std::string(num->getNumericValue().c_str()) + " " + num->getMeasurementUnit().getCodeMeaning().c_str();
    } else if (const auto* code = item.getCodeValuePtr()) {
      out.value = code->getCodeMeaning().c_str();
    } else if (auto* scoord = item.getSpatialCoordinatesPtr()) {
      out.graphic_type = DSRTypes::graphicTypeToEnumeratedValue(scoord->getGraphicType());
      const auto& list = scoord->getGraphicDataList();
      for (std::size_t i = 1; i <= list.getNumberOfItems(); ++i) {
        Float32 x = 0, y = 0;
        if (list.getItem(i, x, y).good()) out.points.insert(out.points.end(), {x, y});
      }
      const std::size_t n = out.points.size() / 2;
      out.value = fmt::format("{}, {} point{}", out.graphic_type, n, n == 1 ? "" : "s");
    } else if (const auto* image = item.getImageReferencePtr()) {
      out.image_sop_instance = image->getSOPInstanceUID().c_str();
      out.value = out.image_sop_instance;
    } else {
      out.value = item.getStringValue().c_str();
    }
    items.push_back(std::move(out));
  } while (tree.iterate() != 0);
  return items;
}

} // namespace osteon::results
