// osteon: the DICOM node. Parses arguments and hands over to the app layer.
#include <cstdint>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "osteon/app/config.hpp"
#include "osteon/app/node.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/dimse/storage_scu.hpp"

int main(int argc, char** argv) {
  CLI::App cli{
      "osteon " OSTEON_VERSION " - DICOM node with AI built in.\n"
      "Receives images over DICOM (C-ECHO, C-STORE), stores each one durably (fsync + SQLite index)\n"
      "and answers Success only once it is safe. Runs in the foreground, logs one line per event to\n"
      "stderr, stops gracefully on SIGTERM/SIGINT; SIGHUP re-reads the routing profiles and the result\n"
      "destinations. Under systemd (Type=notify) it reports READY once listening with the models loaded,\n"
      "and sends watchdog keep-alives when WatchdogSec is set. Without --config the built-in defaults are\n"
      "used (AE title OSTEON, port 11112, data under ./var, the admin console on http://127.0.0.1:8080/);\n"
      "see osteon.toml(5) for every setting."};
  std::string config_file;
  std::optional<int> port;
  std::optional<std::string> aet;
  std::optional<std::string> data_dir;
  std::optional<std::string> log_level;
  std::optional<int> max_associations;
  std::optional<std::int64_t> min_free_mb;
  std::optional<int> http_port;
  bool check_only = false;
  cli.add_option("-c,--config", config_file,
                 "Configuration file (TOML); relative paths in it are relative to its directory. Default: "
                 "$OSTEON_CONFIG; installed in /usr/bin (Debian package): /etc/osteon/osteon.toml; else the built-in osteon.toml")
      ->check(CLI::ExistingFile);
  cli.add_option("-p,--port", port, "DICOM port to listen on (overrides node.port)");
  cli.add_option("-a,--aet", aet, "AE title of this node (overrides node.ae_title)");
  cli.add_option("-d,--data-dir", data_dir, "Directory for the spool and database (overrides node.data_dir)");
  cli.add_option("--log-level", log_level, "debug, info, warn or error (overrides log.level)");
  cli.add_option("--max-associations", max_associations, "Associations served at once (overrides node.max_associations)");
  cli.add_option("--min-free-mb", min_free_mb, "Refuse C-STORE below this free disk space (overrides storage.min_free_mb)");
  cli.add_option("--http-port", http_port,
                 "Admin console port (overrides http.port; 0: any free port, logged as http.listening)");
  cli.add_flag("--check-config", check_only, "Validate the configuration and exit");
  cli.set_version_flag("--version", OSTEON_VERSION);
  CLI11_PARSE(cli, argc, argv);

  try {
    // The configuration file (read again on SIGHUP) with the command line's overrides.
    const auto load = [&] {
      osteon::app::Config c = osteon::app::load_config(config_file);
      if (port) c.node.port = *port;
      if (aet) c.node.ae_title = *aet;
      if (data_dir) c.node.data_dir = *data_dir;
      if (log_level) c.log.level = *log_level;
      if (max_associations) c.node.max_associations = *max_associations;
      if (min_free_mb) c.storage.min_free_mb = *min_free_mb;
      if (http_port) c.http.port = *http_port;
      if (port || aet || data_dir || log_level || max_associations || min_free_mb || http_port) c.source += " + command line";
      osteon::app::validate(c);
      return c;
    };
    const osteon::app::Config config = load();
    osteon::dimse::check_tls(config.node.tls);  // the TLS listener's files load (else: the [node] entry and why)
    osteon::log::init(config.log.level);
    if (check_only) {
      std::cout << "configuration OK (" << config.source << ")\n";
      return 0;
    }
    return osteon::app::run_node(config, load);
  } catch (const osteon::Error& e) {
    std::cerr << "osteon: " << e.what() << "\n";
    return e.exit_code();
  }
}
