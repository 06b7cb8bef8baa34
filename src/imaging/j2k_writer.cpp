// write_jpeg2000_copy(): stored values of every frame -> J2K codestreams -> encapsulated copy.
#include "osteon/imaging/j2k_writer.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <fmt/format.h>

#include "dcmtk_codecs.hpp"
#include "frame_reader.hpp"
#include "j2k_codec.hpp"
#include "osteon/core/error.hpp"
#include "osteon/dicom/dcmtk_bridge.hpp"
#include "osteon/dicom/dicom_file.hpp"
#include "pixel_module.hpp"

namespace osteon::imaging {

void write_jpeg2000_copy(const std::filesystem::path& in, const std::filesystem::path& out,
                         const J2kEncodeOptions& options) {
  detail::register_dcmtk_decoders();
  const dicom::DicomFile source = dicom::DicomFile::load(in);
  DcmFileFormat& ff = source.dcmtk();
  DcmDataset& ds = *ff.getDataset();
  const std::string ts = source.transfer_syntax();
  DcmElement* element = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
    throw Error(Errc::not_found, "the object has no Pixel Data");
  }
  std::optional<std::uint64_t> native_bytes;
  if (detail::classify_transfer_syntax(ts.c_str()) == detail::Encoding::native) native_bytes = element->getLength();
  const auto pm = detail::read_pixel_module(ds, ts.c_str(), std::uint64_t{1} << 32, native_bytes);
  if (pm.subsampled_422() || pm.photometric == "PALETTE COLOR" || pm.bits_allocated % 8 != 0) {
    throw Error(Errc::invalid_argument, "JPEG 2000 copy: only greyscale, RGB or YBR_FULL 8/16-bit images");
  }

  const bool lossless = options.compression_ratio <= 1.0;
  std::vector<std::vector<std::uint8_t>> codestreams;
  std::vector<std::string> notes;
  for (int f = 0; f < pm.frames; ++f) {
    const auto samples = detail::read_frame(ds, *element, pm, f, notes);
    std::vector<std::int32_t> interleaved(samples.values.size());
    const auto k = static_cast<std::size_t>(samples.components);
    for (std::size_t i = 0; i < samples.pixels; ++i) {
      for (std::size_t c = 0; c < k; ++c) interleaved[i * k + c] = samples.values[c * samples.pixels + i];
    }
    codestreams.push_back(detail::encode_j2k(interleaved, pm.rows, pm.cols, samples.components, pm.bits_stored,
                                             pm.is_signed, options.compression_ratio));
  }

  auto* seq = new DcmPixelSequence(DCM_PixelSequenceTag);
  auto* offset_table = new DcmPixelItem(DCM_PixelItemTag);
  seq->insert(offset_table);
  DcmOffsetList offsets;
  for (auto& cs : codestreams) {
    if (const auto c = seq->storeCompressedFrame(offsets, cs.data(), static_cast<Uint32>(cs.size()), 0); c.bad()) {
      delete seq;
      throw dicom::error_of(c, Errc::internal, "cannot store a JPEG 2000 frame");
    }
  }
  offset_table->createOffsetTable(offsets);
  const E_TransferSyntax xfer = lossless ? EXS_JPEG2000LosslessOnly : EXS_JPEG2000;
  auto* px = new DcmPixelData(DCM_PixelData);
  px->putOriginalRepresentation(xfer, nullptr, seq);
  ds.insert(px, OFTrue);
  ds.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(pm.bits_stored - 1));
  if (pm.samples_per_pixel == 3) {
    ds.putAndInsertString(DCM_PhotometricInterpretation, lossless ? "YBR_RCT" : "YBR_ICT");
    ds.putAndInsertUint16(DCM_PlanarConfiguration, 0);
  }
  if (!lossless) {
    ds.putAndInsertString(DCM_LossyImageCompression, "01");
    ds.putAndInsertString(DCM_LossyImageCompressionMethod, "ISO_15444_1");
    ds.putAndInsertString(DCM_LossyImageCompressionRatio, fmt::format("{:.2f}", options.compression_ratio).c_str());
  }
  dicom::save(ff, out, xfer);
}

} // namespace osteon::imaging
