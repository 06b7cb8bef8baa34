// JPEG 2000 / HTJ2K decoding and encoding with OpenJPEG, from and to memory.
#include "j2k_codec.hpp"

#include <openjpeg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::imaging::detail {
namespace {

struct MemoryStream {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  std::vector<std::uint8_t>* out = nullptr;  // when writing
};

OPJ_SIZE_T read_fn(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (s->pos >= s->size) return static_cast<OPJ_SIZE_T>(-1);
  const std::size_t k = std::min<std::size_t>(n, s->size - s->pos);
  std::memcpy(buffer, s->data + s->pos, k);
  s->pos += k;
  return k;
}

OPJ_OFF_T skip_fn(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  const std::size_t end = s->out ? s->out->size() : s->size;
  if (n < 0) {
    const auto back = static_cast<std::size_t>(-n);
    if (back > s->pos) return -1;
    s->pos -= back;
    return n;
  }
  if (s->out) {  // writing: skipping forward extends the output
    s->pos += static_cast<std::size_t>(n);
    if (s->pos > s->out->size()) s->out->resize(s->pos);
    return n;
  }
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(n), end - std::min(end, s->pos));
  s->pos += k;
  return static_cast<OPJ_OFF_T>(k);
}

OPJ_BOOL seek_fn(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  const std::size_t end = s->out ? s->out->size() : s->size;
  if (n < 0 || static_cast<std::size_t>(n) > end) return OPJ_FALSE;
  s->pos = static_cast<std::size_t>(n);
  return OPJ_TRUE;
}

OPJ_SIZE_T write_fn(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (s->pos + n > s->out->size()) s->out->resize(s->pos + n);
  std::memcpy(s->out->data() + s->pos, buffer, n);
  s->pos += n;
  return n;
}

void collect_message(const char* msg, void* user) {
  auto* text = static_cast<std::string*>(user);
  if (text->size() < 400) {
    std::string m = msg ? msg : "";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    if (!text->empty()) *text += "; ";
    *text += m;
  }
}
void ignore_message(const char*, void*) {}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};
using CodecPtr = std::unique_ptr<opj_codec_t, CodecDeleter>;
using StreamPtr = std::unique_ptr<opj_stream_t, StreamDeleter>;
using ImagePtr = std::unique_ptr<opj_image_t, ImageDeleter>;

StreamPtr make_stream(MemoryStream& ms, bool input) {
  StreamPtr s(opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, input ? OPJ_TRUE : OPJ_FALSE));
  if (!s) throw Error(Errc::internal, "OpenJPEG: cannot create a stream");
  opj_stream_set_user_data(s.get(), &ms, nullptr);
  if (input) {
    opj_stream_set_user_data_length(s.get(), ms.size);
    opj_stream_set_read_function(s.get(), read_fn);
  } else {
    opj_stream_set_write_function(s.get(), write_fn);
  }
  opj_stream_set_skip_function(s.get(), skip_fn);
  opj_stream_set_seek_function(s.get(), seek_fn);
  return s;
}

bool is_jp2_file(const std::uint8_t* d, std::size_t n) {
  static constexpr std::uint8_t sig[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' '};
  return n >= sizeof sig && std::memcmp(d, sig, sizeof sig) == 0;
}

[[noreturn]] void fail(const std::string& what, const std::string& detail) {
  throw Error(Errc::dicom_unparseable,
              detail.empty() ? "JPEG 2000: " + what : "JPEG 2000: " + what + " (" + detail + ")");
}

} // namespace

J2kFrame decode_j2k(const std::uint8_t* data, std::size_t size, int expected_rows,
                    int expected_cols, int expected_components, int threads) {
  if (data == nullptr || size < 2) fail("empty codestream", "");
  const bool jp2 = is_jp2_file(data, size);
  if (!jp2 && !(data[0] == 0xFF && data[1] == 0x4F)) fail("no SOC marker at the start of the frame", "");

  MemoryStream ms{data, size, 0, nullptr};
  StreamPtr stream = make_stream(ms, true);
  CodecPtr codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  if (!codec) throw Error(Errc::internal, "OpenJPEG: cannot create a decoder");
  std::string errors;
  opj_set_error_handler(codec.get(), collect_message, &errors);
  opj_set_warning_handler(codec.get(), ignore_message, nullptr);
  opj_set_info_handler(codec.get(), ignore_message, nullptr);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec.get(), &params)) fail("decoder set-up failed", errors);
  const int workers = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (workers > 1 && opj_has_thread_support()) opj_codec_set_threads(codec.get(), workers);

  opj_image_t* raw = nullptr;
  if (!opj_read_header(stream.get(), codec.get(), &raw)) {
    opj_image_destroy(raw);
    fail("cannot read the codestream header", errors);
  }
  ImagePtr image(raw);
  const auto width = static_cast<long long>(image->x1) - static_cast<long long>(image->x0);
  const auto height = static_cast<long long>(image->y1) - static_cast<long long>(image->y0);
  if (width != expected_cols || height != expected_rows) {
    fail(fmt::format("codestream is {}x{} but the header says {}x{} (columns x rows)", width,
                     height, expected_cols, expected_rows), "");
  }
  if (static_cast<int>(image->numcomps) < expected_components || image->numcomps > 4) {
    fail(fmt::format("codestream has {} components, the header says {}", image->numcomps,
                     expected_components), "");
  }
  for (int c = 0; c < expected_components; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    if (comp.dx != 1 || comp.dy != 1) fail("subsampled components are not supported", "");
    if (comp.prec < 1 || comp.prec > 16) fail(fmt::format("{}-bit samples are not supported", comp.prec), "");
  }

  opj_codestream_info_v2_t* cinfo = opj_get_cstr_info(codec.get());
  const bool mct = cinfo != nullptr && cinfo->m_default_tile_info.mct != 0;
  opj_destroy_cstr_info(&cinfo);

  if (!opj_decode(codec.get(), stream.get(), image.get())) fail("decoding failed", errors);
  if (!opj_end_decompress(codec.get(), stream.get())) fail("decoding did not finish", errors);

  J2kFrame out;
  out.rows = expected_rows;
  out.cols = expected_cols;
  out.precision = static_cast<int>(image->comps[0].prec);
  out.is_signed = image->comps[0].sgnd != 0;
  out.mct = mct && expected_components == 3;
  const std::size_t n = static_cast<std::size_t>(expected_rows) * static_cast<std::size_t>(expected_cols);
  for (int c = 0; c < expected_components; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    if (comp.data == nullptr || comp.w != static_cast<OPJ_UINT32>(expected_cols) ||
        comp.h != static_cast<OPJ_UINT32>(expected_rows)) {
      fail(fmt::format("component {} was not decoded in full", c), errors);
    }
    out.components.emplace_back(comp.data, comp.data + n);
  }
  return out;
}

std::vector<std::uint8_t> encode_j2k(const std::vector<std::int32_t>& samples, int rows, int cols,
                                     int components, int precision, bool is_signed, double ratio) {
  const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  if (rows <= 0 || cols <= 0 || components < 1 || components > 3 ||
      samples.size() != n * static_cast<std::size_t>(components) || precision < 1 || precision > 16) {
    throw Error(Errc::invalid_argument, "JPEG 2000 encoder: inconsistent image");
  }
  std::vector<opj_image_cmptparm_t> parms(static_cast<std::size_t>(components));
  for (auto& p : parms) {
    std::memset(&p, 0, sizeof p);
    p.dx = p.dy = 1;
    p.w = static_cast<OPJ_UINT32>(cols);
    p.h = static_cast<OPJ_UINT32>(rows);
    p.prec = static_cast<OPJ_UINT32>(precision);
    p.sgnd = is_signed ? 1 : 0;
  }
  ImagePtr image(opj_image_create(static_cast<OPJ_UINT32>(components), parms.data(),
                                  components == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY));
  if (!image) throw Error(Errc::internal, "OpenJPEG: cannot create an image");
  image->x0 = image->y0 = 0;
  image->x1 = static_cast<OPJ_UINT32>(cols);
  image->y1 = static_cast<OPJ_UINT32>(rows);
  for (int c = 0; c < components; ++c) {
    OPJ_INT32* dst = image->comps[c].data;
    for (std::size_t i = 0; i < n; ++i) dst[i] = samples[i * static_cast<std::size_t>(components) + static_cast<std::size_t>(c)];
  }

  opj_cparameters_t params;
  opj_set_default_encoder_parameters(&params);
  params.tcp_numlayers = 1;
  params.cp_disto_alloc = 1;
  params.tcp_rates[0] = ratio > 1.0 ? static_cast<float>(ratio) : 0.0f;  // 0: lossless
  params.irreversible = ratio > 1.0 ? 1 : 0;
  params.tcp_mct = components == 3 ? 1 : 0;
  params.numresolution = std::max(1, std::min(6, 1 + static_cast<int>(std::log2(std::min(rows, cols)))));

  CodecPtr codec(opj_create_compress(OPJ_CODEC_J2K));
  std::string errors;
  opj_set_error_handler(codec.get(), collect_message, &errors);
  opj_set_warning_handler(codec.get(), ignore_message, nullptr);
  opj_set_info_handler(codec.get(), ignore_message, nullptr);
  if (!opj_setup_encoder(codec.get(), &params, image.get())) {
    throw Error(Errc::internal, "OpenJPEG encoder set-up failed: " + errors);
  }
  std::vector<std::uint8_t> out;
  MemoryStream ms{nullptr, 0, 0, &out};
  StreamPtr stream = make_stream(ms, false);
  if (!opj_start_compress(codec.get(), image.get(), stream.get()) ||
      !opj_encode(codec.get(), stream.get()) || !opj_end_compress(codec.get(), stream.get())) {
    throw Error(Errc::internal, "OpenJPEG encoding failed: " + errors);
  }
  stream.reset();  // flushes
  return out;
}

} // namespace osteon::imaging::detail
