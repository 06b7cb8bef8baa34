#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "osteon/core/sha256.hpp"
#include "osteon/dicom/spool.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace osteon;

namespace {
void write(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

InstanceAttributes attrs(const std::string& study, const std::string& series, const std::string& sop) {
  InstanceAttributes a;
  a.study_uid = study;
  a.series_uid = series;
  a.sop_instance_uid = sop;
  return a;
}
} // namespace

TEST_CASE("the spool lays files out as study/series/instance", "[spool]") {
  CHECK(dicom::Spool::relative_path(attrs("1.2", "1.2.3", "1.2.3.4")) == "spool/1.2/1.2.3/1.2.3.4.dcm");
}

TEST_CASE("UIDs that could escape the spool are replaced by a hash", "[spool]") {
  for (const std::string& evil : std::vector<std::string>{"../../etc", "..", "1.2/3", "", "1..2", "abc", std::string(65, '1')}) {
    const auto rel = dicom::Spool::relative_path(attrs(evil, "1.2", "1.3"));
    CHECK(rel.find("..") == std::string::npos);
    CHECK(std::count(rel.begin(), rel.end(), '/') == 3);
  }
  // Different UIDs never collapse onto the same name.
  CHECK(dicom::Spool::relative_path(attrs("a", "1", "2")) != dicom::Spool::relative_path(attrs("b", "1", "2")));
}

TEST_CASE("commit moves a temporary file into place with its bytes intact", "[spool]") {
  test::TempDir dir;
  dicom::Spool spool(dir.path(), true);
  const auto tmp = spool.new_temp_path();
  CHECK(tmp.parent_path().filename() == ".tmp");
  write(tmp, "DICOM bytes");
  const auto rel = dicom::Spool::relative_path(attrs("1.2", "1.3", "1.4"));
  spool.commit(tmp, rel);
  CHECK_FALSE(fs::exists(tmp));
  CHECK(test::read_file(dir.path() / rel) == "DICOM bytes");
  CHECK(spool.new_temp_path() != spool.new_temp_path());
  CHECK(spool.free_bytes() > 0);
}

TEST_CASE("leftover temporary files are removed at start-up", "[spool]") {
  test::TempDir dir;
  dicom::Spool spool(dir.path(), true);
  write(spool.new_temp_path(), "partial");
  write(spool.new_temp_path(), "partial");
  CHECK(spool.clean_temp() == 2);
  CHECK(spool.clean_temp() == 0);
}

TEST_CASE("reconcile removes files the index never committed and reports missing ones", "[spool]") {
  test::TempDir dir;
  dicom::Spool spool(dir.path(), false);
  const auto kept = dicom::Spool::relative_path(attrs("1.2", "1.3", "1.4"));
  const auto orphan = dicom::Spool::relative_path(attrs("1.2", "1.3", "1.5"));
  for (const auto& rel : {kept, orphan}) {
    const auto tmp = spool.new_temp_path();
    write(tmp, "x");
    spool.commit(tmp, rel);
  }
  const auto missing = dicom::Spool::relative_path(attrs("1.2", "1.3", "1.6"));
  const auto report = spool.reconcile({kept, missing});
  CHECK(report.files_checked == 2);
  CHECK(report.orphan_files_removed == 1);
  CHECK(fs::exists(dir.path() / kept));
  CHECK_FALSE(fs::exists(dir.path() / orphan));
  REQUIRE(report.missing_files.size() == 1);
  CHECK(report.missing_files[0] == missing);
}

TEST_CASE("sha256 of a file matches the known digest", "[spool]") {
  test::TempDir dir;
  write(dir.path() / "abc", "abc");
  CHECK(sha256_file(dir.path() / "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
