#include "osteon/jobs/config.hpp"

#include "osteon/core/toml_reader.hpp"

namespace osteon::jobs {

void read_config(const TomlValue& section, JobsConfig& into) {
  section.reject_unknown({"max_attempts", "retry_base_s", "retry_cap_s", "lease_s"}, "jobs");
  section.read("max_attempts", into.max_attempts);
  section.read("retry_base_s", into.retry_base_s);
  section.read("retry_cap_s", into.retry_cap_s);
  section.read("lease_s", into.lease_s);
}

void validate(const JobsConfig& config, const ConfigFail& bad) {
  if (config.max_attempts < 1) bad("jobs.max_attempts must be at least 1");
  if (config.retry_base_s < 1 || config.retry_cap_s < config.retry_base_s)
    bad("jobs.retry_base_s must be at least 1 and retry_cap_s at least retry_base_s");
  if (config.lease_s < 10) bad("jobs.lease_s must be at least 10");
}

} // namespace osteon::jobs
