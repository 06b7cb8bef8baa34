#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/core/sha256.hpp"

namespace osteon {

namespace {

struct Hasher {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  Hasher() {
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
      throw Error(Errc::internal, "sha256: cannot initialise OpenSSL digest");
  }
  void update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx.get(), data, size); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), digest.data(), &len);
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
  }
};

} // namespace

std::string sha256_file(const std::filesystem::path& file) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(Errc::io_error, fmt::format("cannot read {}", file.string()));
  Hasher h;
  std::vector<char> buffer(1 << 20);
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f.get())) > 0) h.update(buffer.data(), n);
  if (std::ferror(f.get())) throw Error(Errc::io_error, fmt::format("read error on {}", file.string()));
  return h.hex();
}

std::string sha256_hex(std::string_view data) {
  Hasher h;
  h.update(data.data(), data.size());
  return h.hex();
}

} // namespace osteon
