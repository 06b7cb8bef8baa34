// One benchmark = one subcommand of osteon-bench. Each add_*_command() registers its options
// on the root CLI and returns what main() runs when that subcommand was chosen.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace osteon::bench {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // the exit code of osteon-bench
};

// ingest: C-STORE throughput of osteon against DCMTK's storescp (ingest_command.cpp).
Command add_ingest_command(CLI::App& root);
// infer: one model on the inference runtime at batch sizes 1..32 (infer_command.cpp).
Command add_infer_command(CLI::App& root);
// imaging: pixel decoding and hand preprocessing against DCMTK's dcmj2pnm (imaging_command.cpp).
Command add_imaging_command(CLI::App& root);
// osteon-bench e2e: C-STORE -> findings latency per body part through the real node.
Command add_e2e_command(CLI::App& root);

}  // namespace osteon::bench
