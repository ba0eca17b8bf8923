// --fsck and --overlap rendering.
#include <cstdio>

#include "base/json.hpp"
#include "base/progress.hpp"
#include "report.hpp"

namespace erofs {

std::string fsck_text(const FsckReport &r)
{
	std::string out;
	for (const auto &w : r.warnings)
		out += "warning: " + w + "\n";
	for (const auto &e : r.errors)
		out += "error: " + e + "\n";
	char b[512];
	snprintf(b, sizeof(b),
		 "%s: %llu inodes (%llu dirs, %llu files, %llu symlinks, %llu special), %s of file data\n",
		 r.clean() ? "clean" : "NOT CLEAN", (unsigned long long)r.inodes, (unsigned long long)r.dirs,
		 (unsigned long long)r.files, (unsigned long long)r.symlinks, (unsigned long long)r.specials,
		 human_bytes(r.data_bytes).c_str());
	out += b;
	if (r.fp_verified || r.fp_mismatched || r.fp_missing) {
		snprintf(b, sizeof(b), "fingerprints: %llu verified, %llu mismatched, %llu missing\n",
			 (unsigned long long)r.fp_verified, (unsigned long long)r.fp_mismatched,
			 (unsigned long long)r.fp_missing);
		out += b;
	}
	return out;
}

std::string fsck_json(const FsckReport &r)
{
	Json j;
	j.begin_object().boolean("clean", r.clean());
	j.num("inodes", r.inodes).num("dirs", r.dirs).num("files", r.files);
	j.num("symlinks", r.symlinks).num("special", r.specials).num("data_bytes", r.data_bytes);
	j.begin_object("fingerprints").num("verified", r.fp_verified);
	j.num("mismatched", r.fp_mismatched).num("missing", r.fp_missing).end_object();
	j.begin_array("errors");
	for (const auto &e : r.errors)
		j.str_item(e);
	j.end_array().begin_array("warnings");
	for (const auto &w : r.warnings)
		j.str_item(w);
	j.end_array().end_object();
	return j.text() + "\n";
}

std::string overlap_text(const OverlapReport &r)
{
	std::string out;
	char b[1024];
	for (const auto &i : r.images) {
		snprintf(b, sizeof(b), "%s: %llu files, %s; shared with the others: %llu files, %s (%.1f%%)%s\n",
			 i.path.c_str(), (unsigned long long)i.files, human_bytes(i.bytes).c_str(),
			 (unsigned long long)i.shared_files, human_bytes(i.shared_bytes).c_str(),
			 i.bytes ? 100.0 * double(i.shared_bytes) / double(i.bytes) : 0.0,
			 i.hashed_files ? (", " + std::to_string(i.hashed_files) + " hashed on the fly").c_str() : "");
		out += b;
	}
	snprintf(b, sizeof(b), "total %s, distinct %s, page-cache saving ceiling %.2f%%\n",
		 human_bytes(r.total_bytes).c_str(), human_bytes(r.unique_bytes).c_str(), 100.0 * r.ceiling());
	return out + b;
}

std::string overlap_json(const OverlapReport &r)
{
	Json j;
	j.begin_object().begin_array("images");
	for (const auto &i : r.images) {
		j.begin_object().str("path", i.path).num("files", i.files).num("bytes", i.bytes);
		j.num("shared_files", i.shared_files).num("shared_bytes", i.shared_bytes);
		j.num("hashed_files", i.hashed_files).end_object();
	}
	j.end_array().num("total_bytes", r.total_bytes).num("unique_bytes", r.unique_bytes);
	j.real("ceiling", r.ceiling()).end_object();
	return j.text() + "\n";
}

}  // namespace erofs
