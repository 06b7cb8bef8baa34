#include <catch2/catch.hpp>

#include "osteon/core/log.hpp"

TEST_CASE("log lines are key=value with quoting where needed", "[log]") {
  CHECK(osteon::log::format_fields("store.ok", {{"sop", "1.2.3"}, {"bytes", 42}}) == "store.ok sop=1.2.3 bytes=42");
  CHECK(osteon::log::format_fields("x", {{"reason", "disk full"}}) == "x reason=\"disk full\"");
  CHECK(osteon::log::format_fields("x", {{"v", "a\"b\nc"}}) == "x v=\"a\\\"b\\nc\"");
  CHECK(osteon::log::format_fields("x", {{"empty", ""}}) == "x empty=\"\"");
  CHECK(osteon::log::format_fields("x", {{"ok", true}, {"ms", 1.5}}) == "x ok=true ms=1.500");
}
