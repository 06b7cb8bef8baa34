#include "osteon/results/sr_writer.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <fmt/format.h>

#include "content_plan.hpp"
#include "dcmtk_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "sr_content.hpp"

namespace osteon::results {

using namespace detail;

ObjectReference write_sr(const ResultContext& ctx, const Findings& findings, const std::filesystem::path& out,
                         const std::optional<ObjectReference>& illustration) {
  validate_context(ctx);
  const AnalysisKind kind = kind_of(findings);
  const SeriesSpec series = resolve_series(ctx.sr_series, default_sr_series(kind));
  const ReportPlan plan = plan_report(findings, ctx.algorithm);
  SourceImage source = load_source(ctx);

  if (illustration && illustration->study_instance_uid != source.study_uid)
    throw Error(Errc::invalid_argument, "results: the illustration is not in the source's study");
  require_inside(plan, source.rows, source.cols);

  DSRDocument doc;
  build_content(doc, plan, source, ctx, illustration);

  // Header: patient and study from the source, a new series, our equipment.
  check(doc.readStudyData(*source.dataset), "read study data");
  doc.createNewSeries();  // replaced by our own UIDs below
  check(doc.setSeriesNumber(std::to_string(series.number).c_str()), "series number");
  check(doc.setSeriesDescription(series.description.c_str()), "series description");
  check(doc.setInstanceNumber(std::to_string(series.instance_number).c_str()), "instance number");
  check(doc.setManufacturer(ctx.device.manufacturer.c_str()), "manufacturer");
  check(doc.setManufacturerModelName(ctx.device.model_name.c_str()), "model name");
  check(doc.setSoftwareVersions(software_versions(ctx).c_str()), "software versions");
  if (!ctx.device.serial_number.empty())
    check(doc.setDeviceSerialNumber(ctx.device.serial_number.c_str()), "device serial number");
  if (plan.uses_private_codes) {
    auto& schemes = doc.getCodingSchemeIdentification();
    check(schemes.addItem(std::string(codes::private_scheme).c_str()), "coding scheme");
    check(schemes.setCodingSchemeName(std::string(codes::private_scheme_name).c_str()), "coding scheme name");
    check(schemes.setCodingSchemeResponsibleOrganization(std::string(codes::private_scheme_org).c_str()),
          "coding scheme organisation");
  }
  auto& evidence = doc.getCurrentRequestedProcedureEvidence();
  check(evidence.addItem(*source.dataset), "evidence (source)");
  if (illustration)
    check(evidence.addItem(illustration->study_instance_uid.c_str(), illustration->series_instance_uid.c_str(),
                           illustration->sop_class_uid.c_str(), illustration->sop_instance_uid.c_str()),
          "evidence (illustration)");
  check(doc.completeDocument(), "complete document");  // COMPLETE; verification stays UNVERIFIED

  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  check(doc.write(ds), "write SR");
  const ObjectReference ref = new_reference(ctx, out, sr_sop_class_uid(ctx.sr_class), series, source);
  put_identity(ds, ref);
  copy_patient_and_study(*source.dataset, ds, false);  // verbatim, incl. Patient Age
  settle_character_set(ds);
  dicom::save(file, out);
  log::info("results.sr_written", {{"kind", kind_name(kind)},
                                   {"class", sr_class_name(ctx.sr_class)},
                                   {"study", ref.study_instance_uid},
                                   {"source", source.sop_instance_uid},
                                   {"sop", ref.sop_instance_uid},
                                   {"groups", plan.groups.size()}});
  return ref;
}

} // namespace osteon::results
