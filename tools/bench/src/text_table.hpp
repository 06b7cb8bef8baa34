// Plain-text table with aligned columns, for benchmark reports.
#pragma once

#include <string>
#include <vector>

namespace osteon::bench {

class TextTable {
 public:
  enum class Align { left, right };

  // One entry per column; `align` may be shorter than `header` (missing columns: right).
  explicit TextTable(std::vector<std::string> header, std::vector<Align> align = {});

  // Adds a row; missing cells are empty, extra cells are an error (std::invalid_argument).
  void add_row(std::vector<std::string> cells);

  // Header, a rule of dashes, then the rows; two spaces between columns; ends with a newline.
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace osteon::bench
