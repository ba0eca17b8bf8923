// libFuzzer target: the tar reader and tree builder (index mode, so no
// data file), on plain or compressed input.  Any erofs::Error is a clean
// rejection; anything else (a crash, a sanitizer report, another
// exception) is a finding.
#include <cstdint>
#include <cstddef>

#include "base/error.hpp"
#include "source/tar/input.hpp"
#include "source/tar/reader.hpp"
#include "source/tar/tar_tree.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	using namespace erofs;
	for (bool headerball : {false, true}) {
		try {
			auto raw = std::make_unique<MemorySource>(std::span<const uint8_t>(data, size));
			auto in = open_decompressed(std::move(raw), TarCompression::Auto, "fuzz");
			TarReader r(*in, "fuzz", {headerball});
			TarTreeOptions o;
			o.mode = headerball ? TarMode::Headerball : TarMode::Index;
			o.aufs = true;
			o.fingerprints = true;  // (else index mode skips file data unread)
			read_tar_tree(r, o, nullptr);
		} catch (const Error &) {
		}
	}
	return 0;
}
