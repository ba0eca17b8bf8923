// libFuzzer target: the image reader behind inspect.erofs++ (superblock,
// device table, inodes, xattrs, directories, every data extent and the
// fingerprints, as --fsck --verify-fingerprints reads them).  Any
// erofs::Error is a clean rejection; anything else is a finding.
#include <cstdint>
#include <cstddef>

#include "base/error.hpp"
#include "check/fsck.hpp"
#include "read/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	using namespace erofs;
	try {
		Image img("fuzz", std::span<const uint8_t>(data, size));
		run_fsck(img, {true, 1, 100});
	} catch (const Error &) {
	}
	return 0;
}
