#pragma once
// The attributes of a stored DICOM instance that Osteon indexes. Produced by the dicom layer,
// stored by the db layer. No patient name on purpose.
#include <cstdint>
#include <optional>
#include <string>

namespace osteon {

struct InstanceAttributes {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string study_uid;
  std::string series_uid;
  std::string transfer_syntax_uid;
  std::string patient_id;
  std::string study_date;
  std::string study_time;
  std::string accession_number;
  std::string study_description;
  std::string series_description;
  std::string protocol_name;
  std::string modality;
  std::string body_part;
  std::string view_position;
  std::string laterality;  // Image Laterality, else Laterality
  std::optional<std::int64_t> series_number;
  std::optional<std::int64_t> instance_number;
};

} // namespace osteon
