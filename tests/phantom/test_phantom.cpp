// Tests of the phantom generator: determinism, DICOM validity per kind and variant, the CLI and
// the implant catalogue. Truth and maturity tests are in test_phantom_truth.cpp.
#include "dicom_read.hpp"

#include "osteon/phantom/generator.hpp"
#include "osteon/phantom/implant_catalogue.hpp"

#include <catch2/catch.hpp>

#include "skip.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/wait.h>

using namespace osteon::phantom;
namespace t = osteon::phantom::testing;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), dir));
  std::sort(files.begin(), files.end());
  return files;
}

RunOptions small_run(Kind kind, const fs::path& out, std::uint32_t seed, unsigned count) {
  RunOptions run;
  run.options.kind = kind;
  run.options.count = count;
  run.options.seed = seed;
  run.options.geometry.rows = 384;
  run.options.catalogue = default_catalogue_path();
  run.out = out;
  run.png = true;
  run.quiet = true;
  return run;
}

int exit_code(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string output_of(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

const std::string tool = OSTEON_PHANTOM_TOOL;

}  // namespace

TEST_CASE("the same seed gives byte-identical DICOM, truth, PNG and sheet files", "[determinism]") {
  const Kind kind = GENERATE(Kind::hand, Kind::skull, Kind::hip);
  CAPTURE(kind_name(kind));
  const auto root = t::fresh_dir("determinism-" + std::string(kind_name(kind)));
  for (const char* name : {"a", "b"}) {
    RunOptions run = small_run(kind, root / name, 11, 3);
    run.options.variants = {"plain", "monochrome1", "jpeg-ls", "rle", "bits16"};
    run.contact_sheet = root / name / "sheet.png";
    run_generator(run, std::cerr);
  }
  const auto a = files_under(root / "a"), b = files_under(root / "b");
  REQUIRE(a == b);
  CHECK(a.size() >= 3 * 2 + 2);  // DICOM + PNG per image, truth, sheet (plus masks)
  for (const auto& file : a) {
    CAPTURE(file.string());
    CHECK(t::file_bytes(root / "a" / file) == t::file_bytes(root / "b" / file));
  }
}

TEST_CASE("different seeds and different indices give different images", "[determinism]") {
  const Kind kind = GENERATE(Kind::hand, Kind::skull, Kind::hip);
  const auto catalogue = ImplantCatalogue::load(default_catalogue_path());
  Options o;
  o.kind = kind;
  o.geometry.rows = 256;
  const Phantom first = generate_phantom(o, &catalogue, 0);
  const Phantom second = generate_phantom(o, &catalogue, 1);
  o.seed = 2;
  const Phantom other_seed = generate_phantom(o, &catalogue, 0);
  CHECK(first.image.pixels != second.image.pixels);
  CHECK(first.image.pixels != other_seed.image.pixels);
  CHECK(first.attrs.sop_uid != second.attrs.sop_uid);
  CHECK(first.attrs.sop_uid != other_seed.attrs.sop_uid);
}

TEST_CASE("dciodvfy finds no error in any kind and variant", "[dciodvfy]") {
  const Kind kind = GENERATE(Kind::hand, Kind::skull, Kind::hip);
  const std::string variant =
      GENERATE(from_range(std::vector<std::string>(std::begin(all_variants), std::end(all_variants))));
  CAPTURE(kind_name(kind), variant);
  const auto catalogue = ImplantCatalogue::load(default_catalogue_path());
  Options o;
  o.kind = kind;
  o.seed = 5;
  o.geometry.rows = 256;
  o.variants = {variant};
  const Phantom p = generate_phantom(o, &catalogue, 3);
  const auto dir = t::fresh_dir("phantom-dciodvfy");
  const auto file = dir / "p.dcm";
  osteon::synth::write_dx(file, p.attrs, p.image, p.encoding);
  const auto dx = t::read_dx(file);
  CHECK(dx.pixels.size() == p.image.pixels.size());
  const auto output = t::run_dciodvfy(file);
  if (!output) {
    OSTEON_SKIP("dciodvfy not on PATH");
    return;
  }
  INFO(*output);
  const auto errors = t::error_lines(*output);
  if (variant == "lowercase-body-part") {
    // Deliberately invalid: lower case is not allowed in a CS value. Nothing else may be wrong.
    CHECK_FALSE(errors.empty());
    for (const auto& line : errors) {
      CAPTURE(line);
      CHECK((line.find("Body Part Examined") != std::string::npos ||
             line.find("invalid data values") != std::string::npos));
    }
  } else {
    CHECK(errors.empty());
  }
}

TEST_CASE("DICOM attributes follow the kind and the variant", "[dicom]") {
  const auto catalogue = ImplantCatalogue::load(default_catalogue_path());
  Options o;
  o.geometry.rows = 256;
  SECTION("defaults per kind") {
    for (const auto& [kind, part, view, laterality] :
         {std::tuple{Kind::hand, "HAND", "PA", "L"}, {Kind::skull, "SKULL", "LL", "U"},
          {Kind::hip, "HIP", "AP", "B"}}) {
      o.kind = kind;
      const Phantom p = generate_phantom(o, &catalogue, 0);
      CHECK(p.attrs.body_part == part);
      CHECK(p.attrs.view_position == view);
      CHECK(p.attrs.image_laterality == laterality);
      CHECK(p.attrs.patient_name.rfind("PHANTOM^", 0) == 0);
      CHECK(p.image.bits_stored == 12);
      CHECK_FALSE(p.attrs.monochrome1);
    }
  }
  SECTION("variants") {
    o.kind = Kind::skull;
    o.variants = {"empty-body-part"};
    CHECK(generate_phantom(o, &catalogue, 0).attrs.body_part.empty());
    o.variants = {"synonym-body-part"};
    const auto synonym = generate_phantom(o, &catalogue, 0).attrs.body_part;
    CHECK((synonym == "NASAL BONES" || synonym == "FACE"));
    o.variants = {"lowercase-body-part"};
    CHECK(generate_phantom(o, &catalogue, 0).attrs.body_part == "skull");
    o.variants = {"monochrome1"};
    CHECK(generate_phantom(o, &catalogue, 0).attrs.monochrome1);
    o.variants = {"bits16"};
    CHECK(generate_phantom(o, &catalogue, 0).image.bits_stored == 16);
    o.variants = {"rle"};
    CHECK(generate_phantom(o, &catalogue, 0).encoding == osteon::synth::Encoding::rle);
  }
  SECTION("images of one study share patient and study") {
    o.kind = Kind::hand;
    o.per_study = 3;
    const auto a = generate_phantom(o, &catalogue, 0), b = generate_phantom(o, &catalogue, 2),
               c = generate_phantom(o, &catalogue, 3);
    CHECK(a.attrs.study_uid == b.attrs.study_uid);
    CHECK(a.attrs.patient_id == b.attrs.patient_id);
    CHECK(a.truth["bone_age_months"] == b.truth["bone_age_months"]);
    CHECK(a.attrs.sop_uid != b.attrs.sop_uid);
    CHECK(b.attrs.instance_number == 3);
    CHECK(c.attrs.study_uid != a.attrs.study_uid);
  }
}

TEST_CASE("the command line documents every option and refuses bad arguments with exit 2", "[cli]") {
  const std::string help = output_of(tool + " --help");
  for (const char* option : {"--kind", "--count", "--seed", "--out", "--png", "--variants",
                             "--contact-sheet", "--rows", "--cols", "--spacing", "--bits",
                             "--encoding", "--monochrome1", "--per-study", "--catalogue", "--quiet", "--layout"})
    CHECK(help.find(option) != std::string::npos);
  CHECK(exit_code(tool + " --help") == 0);
  const auto out = t::fresh_dir("cli").string();
  CHECK(exit_code(tool + " --kind foot --count 1 --out " + out) == 2);
  CHECK(exit_code(tool + " --kind hand --count 0 --out " + out) == 2);
  CHECK(exit_code(tool + " --kind hand --count 1") == 2);
  CHECK(exit_code(tool + " --kind hand --count 1 --out " + out + " --variants plain,bogus") == 2);
  CHECK(exit_code(tool + " --kind hand --count 1 --out " + out + " --bits 10") == 2);
  CHECK(exit_code(tool + " --kind hand --count two --out " + out) == 2);
  const std::string message = output_of(tool + " --kind foot --count 1 --out " + out);
  CHECK(message.find("--kind") != std::string::npos);
  CHECK(exit_code(tool + " --kind hip --count 1 --out " + out + " --catalogue /nonexistent.json") == 1);
  CHECK(exit_code(tool + " --kind skull --count 2 --rows 200 --quiet --out " + out) == 0);
  CHECK(fs::exists(fs::path(out) / "skull_000001.dcm"));
  std::ifstream truth(fs::path(out) / "truth.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(truth, line)) ++lines;
  CHECK(lines == 2);
}

TEST_CASE("--layout writes the own-data layouts that tools/train/import_dataset.py reads", "[cli]") {
  const auto out = t::fresh_dir("layout");
  const auto lines_of = [](const fs::path& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  // rsna: id,boneage,male and <id>.png
  REQUIRE(exit_code(tool + " --kind hand --count 3 --rows 200 --quiet --layout rsna --out " + (out / "hand").string()) == 0);
  const auto rsna = lines_of(out / "hand" / "rsna" / "boneage.csv");
  REQUIRE(rsna.size() == 4);
  CHECK(rsna[0] == "id,boneage,male");
  const std::string id = rsna[1].substr(0, rsna[1].find(','));
  CHECK(fs::exists(out / "hand" / "rsna" / "images" / (id + ".png")));
  // skull-csv: landmarks and the fracture label per file
  REQUIRE(exit_code(tool + " --kind skull --count 3 --rows 200 --quiet --layout skull-csv --out " + (out / "skull").string()) == 0);
  const auto skull = lines_of(out / "skull" / "skull_csv" / "landmarks.csv");
  REQUIRE(skull.size() == 4);
  CHECK(skull[0].rfind("file,nasion_x,nasion_y,tip_x,tip_y,fracture", 0) == 0);
  // implant-folders: one folder per design, crops inside
  REQUIRE(exit_code(tool + " --kind hip --count 4 --rows 256 --quiet --layout implant-folders --out " + (out / "hip").string()) == 0);
  std::size_t crops = 0;
  for (const auto& e : fs::recursive_directory_iterator(out / "hip" / "implant_folders")) crops += e.path().extension() == ".png";
  CHECK(crops >= 1);
  // a layout of another body part is refused
  CHECK(exit_code(tool + " --kind hand --count 1 --quiet --layout skull-csv --out " + (out / "bad").string()) != 0);
  CHECK(exit_code(tool + " --kind hand --count 1 --quiet --layout bogus --out " + (out / "bad").string()) == 2);
}

TEST_CASE("the implant catalogue has at least 6 distinct designs and bad files are refused", "[catalogue]") {
  const auto catalogue = ImplantCatalogue::load(default_catalogue_path());
  REQUIRE(catalogue.designs().size() >= 6);
  for (std::size_t i = 0; i < catalogue.designs().size(); ++i) {
    const auto& a = catalogue.designs()[i];
    CHECK(a.manufacturer.find("fictional") != std::string::npos);
    for (std::size_t j = i + 1; j < catalogue.designs().size(); ++j) {
      const auto& b = catalogue.designs()[j];
      CHECK(a.id != b.id);
      const bool differ = a.type != b.type || a.stem_length_mm != b.stem_length_mm ||
                          a.neck_angle_deg != b.neck_angle_deg || a.collar != b.collar ||
                          a.holes != b.holes || a.fins != b.fins || a.cup != b.cup ||
                          a.head_diameter_mm != b.head_diameter_mm;
      CHECK(differ);
    }
  }
  CHECK_THROWS_AS(ImplantCatalogue::load("/nonexistent/catalogue.json"), std::runtime_error);
  const auto dir = t::fresh_dir("catalogue");
  std::ofstream(dir / "bad.json") << R"({"designs": [{"id": "X"}]})";
  CHECK_THROWS_AS(ImplantCatalogue::load(dir / "bad.json"), std::runtime_error);
}
