#pragma once
// A real PACS for tests: Debian's Orthanc on free loopback ports with its own storage.
// A Lua ReceivedInstanceFilter writes the SOP Instance UID of every instance it receives,
// duplicates included (Orthanc files a duplicate silently), so that tests can count receipts.
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "process.hpp"

namespace osteon::test {

class Orthanc {
 public:
  explicit Orthanc(std::filesystem::path dir);
  ~Orthanc();
  /// Starts Orthanc and waits until its REST API answers; REQUIREs success. After stop() it
  /// starts again on the same ports with the same storage (a PACS that was down comes back).
  void start();
  void stop();
  bool running() const;
  int dicom_port() const { return dicom_port_; }
  int http_port() const { return http_port_; }
  std::string ae_title() const { return "ORTHANC"; }
  /// GET on the REST API (curl); the body. Empty on failure.
  std::string get(const std::string& path) const;
  /// Number of instances stored.
  int instance_count() const;
  /// How often each SOP Instance UID was received over DICOM, duplicates counted, since the
  /// first start.
  std::map<std::string, int> receipts() const;

 private:
  std::filesystem::path dir_;
  int dicom_port_;
  int http_port_;
  std::unique_ptr<Process> process_;
};

/// True when Debian's Orthanc is installed (tests that need it fail clearly otherwise).
bool orthanc_available();

} // namespace osteon::test
