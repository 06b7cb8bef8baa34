#pragma once
// A real PACS for tests: Debian's Orthanc on free loopback ports with its own storage.
#include <filesystem>
#include <memory>
#include <string>

#include "process.hpp"

namespace osteon::test {

class Orthanc {
 public:
  explicit Orthanc(std::filesystem::path dir);
  ~Orthanc();
  /// Starts Orthanc and waits until its REST API answers; REQUIREs success.
  void start();
  void stop();
  int dicom_port() const { return dicom_port_; }
  int http_port() const { return http_port_; }
  std::string ae_title() const { return "ORTHANC"; }
  /// GET on the REST API (curl); the body. Empty on failure.
  std::string get(const std::string& path) const;
  /// Number of instances stored.
  int instance_count() const;

 private:
  std::filesystem::path dir_;
  int dicom_port_;
  int http_port_;
  std::unique_ptr<Process> process_;
};

/// True when Debian's Orthanc is installed (tests that need it fail clearly otherwise).
bool orthanc_available();

} // namespace osteon::test
