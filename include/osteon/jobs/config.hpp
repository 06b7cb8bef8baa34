#pragma once
// [jobs] of the node configuration (core/config_fail.hpp says how layers read their sections):
// the work-queue engine's analysis jobs (delivery has its own retry settings in [delivery]).
#include "osteon/core/config_fail.hpp"

namespace osteon::jobs {

struct JobsConfig {
  int max_attempts = 3;    // transient failures of an analysis are retried this often
  int retry_base_s = 2;    // first retry after this, doubled each attempt ...
  int retry_cap_s = 300;   // ... up to this
  int lease_s = 600;       // a claim not settled within this is taken again (its worker is presumed dead)
};

void read_config(const TomlValue& section, JobsConfig& into);
void validate(const JobsConfig& config, const ConfigFail& bad);

} // namespace osteon::jobs
