#include <catch2/catch.hpp>

#include "osteon/core/error.hpp"

using osteon::Errc;
using osteon::Error;

TEST_CASE("every error code maps to a DIMSE status, an HTTP status and an exit code", "[error]") {
  CHECK(osteon::info(Errc::out_of_resources).dimse_status == 0xA700);
  CHECK(osteon::info(Errc::dicom_mismatch).dimse_status == 0xA900);
  CHECK(osteon::info(Errc::dicom_unparseable).dimse_status == 0xC000);
  CHECK(osteon::info(Errc::internal).exit_code != 0);
  CHECK(Error(Errc::not_found, "x").http_status() == 404);
}
