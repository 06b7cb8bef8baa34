#include "sr_content.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmsr/cmr/tid1500.h>
#include <dcmtk/dcmsr/codes/umls.h>
#include <dcmtk/dcmsr/dsrimgvl.h>
#include <dcmtk/dcmsr/dsrscovl.h>

#include <algorithm>
#include <memory>
#include <string>

#include <dcmtk/dcmsr/dsriodcc.h>
#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::results::detail {
namespace {

using Group = TID1500_MeasurementReport::TID1501_Measurements;

DSRCodedEntryValue dsr(const codes::Code& c) {
  return DSRCodedEntryValue(c.value.c_str(), c.scheme.c_str(), c.meaning.c_str());
}

DSRTypes::E_DocumentType document_type(SrDocumentClass cls) {
  switch (cls) {
    case SrDocumentClass::comprehensive3d: return DSRTypes::DT_Comprehensive3DSR;
    case SrDocumentClass::comprehensive: return DSRTypes::DT_ComprehensiveSR;
    case SrDocumentClass::enhanced: break;
  }
  return DSRTypes::DT_EnhancedSR;
}

void fill_group(Group& g, const GroupPlan& p, const std::string& tracking_uid) {
  check(g.setTrackingIdentifier(p.tracking_id.c_str()), "tracking identifier");
  check(g.setTrackingUniqueIdentifier(tracking_uid.c_str()), "tracking unique identifier");
  if (p.finding) check(g.setFinding(dsr(*p.finding)), "finding");
  if (p.method) check(g.setMeasurementMethod(CID6147_ResponseCriteria(dsr(*p.method))), "measurement method");
  check(g.addFindingSite(dsr(p.site), p.laterality ? CID244e_Laterality(dsr(*p.laterality)) : CID244e_Laterality()),
        "finding site");
  bool first = true;
  for (const auto& m : p.measurements) {
    const Group::MeasurementValue value(m.value.c_str(),
                                        CID7181_AbstractMultiDimensionalImageModelComponentUnits(dsr(m.unit)));
    check(g.addMeasurement(CID7469_GenericIntensityAndSizeMeasurements(dsr(m.concept_name)), value, first),
          "measurement " + m.concept_name.meaning);
    first = false;
  }
  for (const auto& [concept_name, value] : p.coded)
    check(g.addQualitativeEvaluation(dsr(concept_name), dsr(value)), "qualitative evaluation " + concept_name.meaning);
  for (const auto& [concept_name, text] : p.texts)
    check(g.addQualitativeEvaluation(dsr(concept_name), OFString(text.c_str())), "text evaluation " + concept_name.meaning);
}

TID1500_MeasurementReport make_report(const ReportPlan& plan, const SourceImage& source, const ResultContext& ctx) {
  TID1500_MeasurementReport report(CMR_CID7021::ImagingMeasurementReport);
  check(report.setLanguage(CID5000_Languages::English), "language");
  const DeviceObserver& d = ctx.device;
  check(report.getObservationContext().addDeviceObserver(d.uid.c_str(), d.name.c_str(), d.manufacturer.c_str(),
                                                         d.model_name.c_str(), d.serial_number.c_str()),
        "device observer");
  check(report.addProcedureReported(DSRCodedEntryValue(dsr(codes::procedure_reported_value))), "procedure reported");
  auto& library = report.getImageLibrary();
  check(library.createNewImageLibrary(), "image library");
  check(library.addImageGroup(), "image library group");
  // The descriptors (TID 1602) are copied from the source; an old or odd source (an ACR-NEMA date
  // like "1995.07.20") makes DCMTK refuse them and add nothing. The entry is then the reference
  // alone (the descriptors are optional): a source's bad attribute must not cost the report.
  if (library.addImageEntry(*source.dataset, TID1600_ImageLibrary::withAllDescriptors).bad())
    check(library.addImageEntry(*source.dataset, TID1600_ImageLibrary::withoutDescriptors), "image library entry");
  for (const auto& group : plan.groups) {
    check(report.addIndividualMeasurements(), "measurement group");
    fill_group(report.getIndividualMeasurements(), group, new_uid(ctx));
  }
  for (const auto& comment : plan.comments)
    check(report.addQualitativeEvaluation(dsr(codes::comment), OFString(comment.c_str())), "comment");
  // DCMTK 3.6.7 also wants a measurement in every group, which the standard (and pixelmed) do
  // not: groups that only state a presence or a reason are checked by the validators instead.
  const bool all_measured = std::all_of(plan.groups.begin(), plan.groups.end(),
                                        [](const GroupPlan& g) { return !g.measurements.empty(); });
  if (all_measured && !report.isValid())
    throw Error(Errc::internal, "results: DCMTK reports the TID 1500 content as not valid");
  return report;
}

// The ID of the first child of `parent` with this concept name and value type, or 0.
std::size_t find_child(DSRDocumentTree& tree, std::size_t parent, const DSRCodedEntryValue& concept_name,
                       DSRTypes::E_ValueType type) {
  if (tree.gotoNode(parent) == 0 || tree.goDown() == 0) return 0;
  do {
    DSRContentItem& item = tree.getCurrentContentItem();
    if (item.getValueType() == type && item.getConceptName() == concept_name) return tree.getNodeID();
  } while (tree.gotoNext() != 0);
  return 0;
}

// DCMTK 3.6.7 maps Body Part Examined HIP to (24136001, SCT), not in CID 4031; use 29836001.
void fix_target_region(DSRDocumentTree& tree) {
  const DSRCodedEntryValue target = dsr(codes::target_region);
  for (std::size_t node = tree.gotoNamedNode(target); node != 0; node = tree.gotoNextNamedNode(target)) {
    DSRContentItem& item = tree.getCurrentContentItem();
    if (item.getValueType() == DSRTypes::VT_Code && item.getCodeValue().getCodeValue() == codes::hip_joint_structure.value.c_str())
      check(item.setCodeValue(dsr(codes::hip_joint)), "target region");
  }
}

// DCMTK codes Image Laterality U ("unpaired") as (66459002, SCT, "Unilateral"), which says
// something else; the descriptor is optional, so an unpaired part gets none.
void drop_unpaired_laterality(DSRDocumentTree& tree, const SourceImage& source) {
  if (get_string(*source.dataset, DCM_ImageLaterality) != "U") return;
  if (tree.gotoNamedNode(dsr(codes::image_laterality)) == 0) return;
  if (tree.getCurrentContentItem().getCodeValue().getCodeValue() != codes::unilateral.value.c_str()) return;
  tree.removeCurrentContentItem();
}

// A group's regions: its first measurement (NUM) -> INFERRED FROM SCOORD (Image Region), POINT or
// closed POLYLINE -> SELECTED FROM the source IMAGE (TID 300 row 8 including TID 320). SCOORD's
// origin is the top left corner of the top left pixel, hence +0.5 on our pixel-centre values.
void add_regions(DSRDocumentTree& tree, std::size_t group, const GroupPlan& plan, const SourceImage& source) {
  if (plan.regions.empty()) return;
  if (plan.measurements.empty()) throw Error(Errc::internal, "results: image regions need a measurement to hang under");
  const std::size_t num = find_child(tree, group, dsr(plan.measurements.front().concept_name), DSRTypes::VT_Num);
  if (num == 0) throw Error(Errc::internal, "results: no measurement item to attach the image regions to");
  for (const auto& region : plan.regions) {
    tree.gotoNode(num);
    if (tree.addContentItem(DSRTypes::RT_inferredFrom, DSRTypes::VT_SCoord, DSRTypes::AM_belowCurrent) == 0)
      throw Error(Errc::internal, "results: cannot add the SCOORD of the " + region.what);
    check(tree.getCurrentContentItem().setConceptName(dsr(codes::image_region)), region.what + " SCOORD");
    DSRSpatialCoordinatesValue value(region.shape == RegionPlan::Shape::point ? DSRTypes::GT_Point
                                                                               : DSRTypes::GT_Polyline);
    for (const auto& p : region.points)
      value.getGraphicDataList().addItem(static_cast<Float32>(p.column + 0.5), static_cast<Float32>(p.row + 0.5));
    check(tree.getCurrentContentItem().setSpatialCoordinates(value), region.what + " coordinates");
    if (tree.addContentItem(DSRTypes::RT_selectedFrom, DSRTypes::VT_Image, DSRTypes::AM_belowCurrent) == 0)
      throw Error(Errc::internal, "results: cannot add the SELECTED FROM image of the " + region.what);
    check(tree.getCurrentContentItem().setImageReference(
              DSRImageReferenceValue(source.sop_class_uid.c_str(), source.sop_instance_uid.c_str())),
          region.what + " image reference");
  }
}

// Whether the SR class may carry NUM -> INFERRED FROM -> SCOORD (all three of ours may; a class
// that cannot gets the report without regions and a comment that says so).
bool carries_scoord(SrDocumentClass cls) {
  std::unique_ptr<DSRIODConstraintChecker> checker(DSRTypes::createIODConstraintChecker(document_type(cls)));
  return checker && checker->checkContentRelationship(DSRTypes::VT_Num, DSRTypes::RT_inferredFrom, DSRTypes::VT_SCoord) &&
         checker->checkContentRelationship(DSRTypes::VT_SCoord, DSRTypes::RT_selectedFrom, DSRTypes::VT_Image);
}

void add_text(DSRDocumentTree& tree, const codes::Code& concept_name, const std::string& text) {
  check(tree.addContentItem(DSRTypes::RT_hasConceptMod, DSRTypes::VT_Text, dsr(concept_name)), concept_name.meaning);
  check(tree.getCurrentContentItem().setStringValue(text.c_str()), concept_name.meaning);
}

// Appended after the group's last item: row 10b IMAGE, then TID 4019.
void add_group_tail(DSRDocumentTree& tree, std::size_t group, const GroupPlan& plan, const Algorithm& algorithm,
                    const std::optional<ObjectReference>& illustration) {
  tree.gotoNode(group);
  if (tree.goDown() == 0) throw Error(Errc::internal, "results: empty measurement group");
  while (tree.gotoNext() != 0) {
  }
  if (illustration) {
    check(tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Image, dsr(codes::best_illustration)),
          "illustration");
    check(tree.getCurrentContentItem().setImageReference(DSRImageReferenceValue(
              illustration->sop_class_uid.c_str(), illustration->sop_instance_uid.c_str())),
          "illustration reference");
  }
  add_text(tree, codes::algorithm_name, algorithm.name);
  add_text(tree, codes::algorithm_version, algorithm.version);
  for (const auto& parameter : plan.algorithm_parameters) add_text(tree, codes::algorithm_parameters, parameter);
}

} // namespace

void build_content(DSRDocument& doc, const ReportPlan& planned, const SourceImage& source, const ResultContext& ctx,
                   const std::optional<ObjectReference>& illustration) {
  ReportPlan plan = planned;
  const bool has_regions =
      std::any_of(plan.groups.begin(), plan.groups.end(), [](const GroupPlan& g) { return !g.regions.empty(); });
  if (has_regions && !carries_scoord(ctx.sr_class)) {
    for (auto& g : plan.groups) g.regions.clear();
    plan.comments.push_back(fmt::format("image regions (SCOORD) left out: the {} SR class cannot carry them",
                                        sr_class_name(ctx.sr_class)));
  }
  TID1500_MeasurementReport report = make_report(plan, source, ctx);
  check(doc.setTreeFromRootTemplate(report, OFTrue), "set tree from TID 1500");
  // After setTreeFromRootTemplate: the template's own document type would win otherwise.
  check(doc.changeDocumentType(document_type(ctx.sr_class)), "document type");
  DSRDocumentTree& tree = doc.getTree();
  fix_target_region(tree);
  drop_unpaired_laterality(tree, source);
  const DSRCodedEntryValue group_name = dsr(codes::measurement_group);
  std::size_t index = 0;
  for (std::size_t group = tree.gotoNamedNode(group_name); group != 0;) {
    if (index >= plan.groups.size()) throw Error(Errc::internal, "results: more measurement groups than planned");
    const GroupPlan& p = plan.groups[index++];
    add_regions(tree, group, p, source);
    add_group_tail(tree, group, p, ctx.algorithm, illustration);
    tree.gotoNode(group);
    group = tree.gotoNextNamedNode(group_name);
  }
  if (index != plan.groups.size()) throw Error(Errc::internal, "results: measurement groups missing from the tree");
}

} // namespace osteon::results::detail
