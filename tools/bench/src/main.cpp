// osteon-bench: Osteon's benchmarks, one subcommand each. main() only dispatches.
#include <exception>
#include <iostream>
#include <vector>

#include "command.hpp"

int main(int argc, char** argv) {
  CLI::App cli{
      "osteon-bench - benchmarks for the Osteon DICOM node against real peers (DCMTK tools).\n"
      "Each benchmark is a subcommand; run 'osteon-bench <subcommand> --help' for its options.\n"
      "Exit code 0: every run succeeded and was verified; 1: something failed (the reason is printed);\n"
      "2+: bad command line."};
  cli.require_subcommand(1);
  std::vector<osteon::bench::Command> commands{osteon::bench::add_ingest_command(cli),
                                                osteon::bench::add_infer_command(cli),
                                                osteon::bench::add_imaging_command(cli),
                                                osteon::bench::add_e2e_command(cli)};
  CLI11_PARSE(cli, argc, argv);
  for (auto& command : commands) {
    if (!command.app->parsed()) continue;
    try {
      return command.run();
    } catch (const std::exception& e) {
      std::cerr << "osteon-bench " << command.app->get_name() << ": " << e.what() << "\n";
      return 1;
    }
  }
  return 1;
}
