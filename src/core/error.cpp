#include "osteon/core/error.hpp"

#include <array>

namespace osteon {

namespace {
// DIMSE statuses (PS3.4 Annex B / PS3.7 Annex C): 0xA700 out of resources, 0xA900 data set
// does not match SOP class, 0xC000 cannot understand, 0x0110 processing failure.
constexpr std::array<ErrcInfo, 18> table{{
    {"invalid_argument", 0xC000, 400, 2},
    {"config_invalid", 0x0110, 500, 3},
    {"not_found", 0x0110, 404, 4},
    {"io_error", 0xA700, 500, 5},
    {"out_of_resources", 0xA700, 503, 6},
    {"database_error", 0x0110, 500, 7},
    {"schema_too_new", 0x0110, 500, 8},
    {"dicom_unparseable", 0xC000, 422, 9},
    {"dicom_missing_uid", 0xC000, 422, 9},
    {"dicom_mismatch", 0xA900, 422, 9},
    {"network_error", 0x0110, 502, 10},
    {"internal", 0x0110, 500, 70},
    {"out_of_domain", 0x0110, 422, 11},
    {"method_not_allowed", 0xC000, 405, 2},
    {"too_large", 0xA700, 413, 6},
    {"unauthenticated", 0x0110, 401, 12},
    {"forbidden", 0x0110, 403, 12},
    {"too_many_attempts", 0x0110, 429, 12},
}};
} // namespace

const ErrcInfo& info(Errc code) noexcept { return table.at(static_cast<std::size_t>(code)); }

} // namespace osteon
