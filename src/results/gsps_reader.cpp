#include "osteon/results/gsps_reader.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "dcmtk_support.hpp"
#include "osteon/core/error.hpp"

namespace osteon::results {
namespace {

using detail::get_string;

DcmItem* item_at(DcmItem& parent, const DcmTagKey& sequence, unsigned long i) {
  DcmItem* item = nullptr;
  if (parent.findAndGetSequenceItem(sequence, item, static_cast<signed long>(i)).bad()) return nullptr;
  return item;
}

std::vector<float> floats(DcmItem& item, const DcmTagKey& tag) {
  std::vector<float> out;
  const Float32* values = nullptr;
  unsigned long count = 0;
  if (item.findAndGetFloat32Array(tag, values, &count).good())
    for (unsigned long i = 0; i < count; ++i) out.push_back(values[i]);
  return out;
}

} // namespace

GspsContent read_gsps(const std::filesystem::path& file) {
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str()).bad()) throw Error(Errc::dicom_unparseable, "cannot read " + file.string());
  DcmDataset& ds = *ff.getDataset();
  if (get_string(ds, DCM_Modality) != "PR") throw Error(Errc::dicom_unparseable, file.string() + " is not a presentation state");
  GspsContent g;
  g.label = get_string(ds, DCM_ContentLabel);
  g.description = get_string(ds, DCM_ContentDescription);
  if (DcmItem* series = item_at(ds, DCM_ReferencedSeriesSequence, 0))
    if (DcmItem* image = item_at(*series, DCM_ReferencedImageSequence, 0))
      g.referenced_sop_instance = get_string(*image, DCM_ReferencedSOPInstanceUID);
  for (unsigned long i = 0; DcmItem* layer = item_at(ds, DCM_GraphicLayerSequence, i); ++i)
    g.layers.push_back(get_string(*layer, DCM_GraphicLayer));
  for (unsigned long i = 0; DcmItem* ann = item_at(ds, DCM_GraphicAnnotationSequence, i); ++i) {
    const std::string layer = get_string(*ann, DCM_GraphicLayer);
    for (unsigned long j = 0; DcmItem* o = item_at(*ann, DCM_GraphicObjectSequence, j); ++j)
      g.graphics.push_back({layer, get_string(*o, DCM_GraphicType), get_string(*o, DCM_GraphicAnnotationUnits),
                            floats(*o, DCM_GraphicData)});
    for (unsigned long j = 0; DcmItem* t = item_at(*ann, DCM_TextObjectSequence, j); ++j) {
      GspsText text{layer, get_string(*t, DCM_UnformattedTextValue), get_string(*t, DCM_BoundingBoxAnnotationUnits),
                    floats(*t, DCM_BoundingBoxTopLeftHandCorner), get_string(*t, DCM_AnchorPointAnnotationUnits),
                    floats(*t, DCM_AnchorPoint)};
      const auto br = floats(*t, DCM_BoundingBoxBottomRightHandCorner);
      text.box.insert(text.box.end(), br.begin(), br.end());
      g.texts.push_back(std::move(text));
    }
  }
  return g;
}

} // namespace osteon::results
