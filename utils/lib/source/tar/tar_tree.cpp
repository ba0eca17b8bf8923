#include "source/tar/tar_tree.hpp"

#include <algorithm>
#include <string_view>
#include <sys/stat.h>

#include "base/error.hpp"
#include "source/tar/content_pipe.hpp"
#include "write/spill.hpp"

namespace erofs {

namespace {

constexpr const char *kWhPrefix = ".wh.";
constexpr const char *kOpaque = ".wh..wh..opq";
constexpr const char *kOvlOpaque = "trusted.overlay.opaque";
constexpr const char *kOvlOrigin = "trusted.overlay.origin";

// (directory, name) -> that directory's entry in Node::children: one
// open-addressing table for the whole tree while the stream is read.  (A
// std::map per directory and a map of full paths cost about 250 bytes per
// entry; this costs 16 to 32.)  Entries are never removed: a later entry
// of the same name replaces the node in place.
class EntryIndex {
public:
	DirEntry *find(Node *dir, std::string_view name) const
	{
		uint32_t h = hash(dir, name);
		for (size_t i = h & mask(); slots_[i].dir; i = (i + 1) & mask()) {
			const Slot &s = slots_[i];
			if (s.dir == dir && s.hash == h && dir->children[s.idx].name == name)
				return &dir->children[s.idx];
		}
		return nullptr;
	}

	// dir->children.back() is new (its name not yet in the table).
	void add_last(Node *dir)
	{
		if ((used_ + 1) * 10 > slots_.size() * 7)
			grow();
		uint32_t idx = uint32_t(dir->children.size() - 1);
		put({dir, idx, hash(dir, dir->children[idx].name)});
		used_++;
	}

private:
	struct Slot {
		Node *dir = nullptr;
		uint32_t idx = 0;
		uint32_t hash = 0;
	};

	size_t mask() const { return slots_.size() - 1; }

	static uint32_t hash(const Node *dir, std::string_view name)
	{
		uint64_t h = std::hash<std::string_view>{}(name) ^ (uint64_t(uintptr_t(dir)) * 0x9E3779B97F4A7C15ull);
		return uint32_t(h ^ (h >> 29));
	}

	void put(const Slot &s)
	{
		size_t i = s.hash & mask();
		while (slots_[i].dir)
			i = (i + 1) & mask();
		slots_[i] = s;
	}

	void grow()
	{
		std::vector<Slot> old(slots_.size() * 2);
		old.swap(slots_);
		for (const Slot &s : old)
			if (s.dir)
				put(s);
	}

	std::vector<Slot> slots_ = std::vector<Slot>(1024);
	size_t used_ = 0;
};

struct Builder {
	const TarTreeOptions &opt;
	Spill *data;
	std::vector<std::unique_ptr<Node>> all;  // every node made; Node::id = index here
	EntryIndex index;
	Node *root = nullptr;
	std::optional<ContentPipe> pipe;  // file content on its way (made on first use)

	Node *make(Kind k, uint32_t mode, const std::string &path)
	{
		auto n = std::make_unique<Node>();
		n->id = uint32_t(all.size());
		n->kind = k;
		n->mode = mode;
		n->path = path;
		n->mtime = opt.scan.timestamp;
		all.push_back(std::move(n));
		return all.back().get();
	}

	Node *child(Node *dir, std::string_view name) const
	{
		const DirEntry *e = index.find(dir, name);
		return e ? e->node : nullptr;
	}

	// Puts n at dir/name, replacing what was there.
	void link(Node *dir, const std::string &name, Node *n)
	{
		if (DirEntry *e = index.find(dir, name)) {
			e->node = n;
			return;
		}
		dir->children.push_back({name, n});
		index.add_last(dir);
	}

	void set_xattr(Node &n, const std::string &name, const std::string &value)
	{
		for (auto &x : n.xattrs)
			if (x.name == name) {
				x.value = value;
				return;
			}
		n.xattrs.push_back({name, value});
		std::sort(n.xattrs.begin(), n.xattrs.end());
	}

	// The directory at `parts` (created with default metadata when missing).
	Node *dir_at(const std::vector<std::string> &parts, size_t count, const std::string &where)
	{
		Node *d = root;
		for (size_t i = 0; i < count; i++) {
			Node *c = child(d, parts[i]);
			if (!c) {
				std::string p;
				for (size_t j = 0; j <= i; j++)
					p += (j ? "/" : "") + parts[j];
				c = make(Kind::Directory, S_IFDIR | 0755, p);
				c->parent = d;
				link(d, parts[i], c);
			} else if (c->kind != Kind::Directory) {
				std::string p;
				for (size_t j = 0; j <= i; j++)
					p += (j ? "/" : "") + parts[j];
				throw Error("a parent of the entry ('" + p + "') is not a directory", where);
			}
			d = c;
		}
		return d;
	}

	// What is at `parts` now (nullptr: nothing, or a parent is not a directory).
	Node *lookup(const std::vector<std::string> &parts) const
	{
		Node *d = root;
		for (const auto &p : parts) {
			if (d->kind != Kind::Directory)
				return nullptr;
			d = child(d, p);
			if (!d)
				return nullptr;
		}
		return d;
	}

	// Regular file content: fingerprinted, and copied in full mode, by
	// the pipe's thread while this one reads on.
	void take_content(TarReader &r, Node &n, const TarEntry &e)
	{
		bool store = opt.mode == TarMode::Full && e.data_len;
		if (!opt.fingerprints && !store)
			return;  // nothing to do with the bytes: next() skips them
		if (!pipe)  // copying wants big writes; hashing does not
			pipe.emplace(data, opt.mode == TarMode::Full ? size_t(512) << 10 : size_t(64) << 10, 4, opt.stored);
		uint64_t off = pipe->begin(n, e, store, opt.fingerprints, opt.mode == TarMode::Headerball);
		if (store)
			n.blob_off = off;
		for (uint64_t got = 0; got < e.data_len;) {
			auto b = pipe->buffer();
			size_t len = r.read_data(b);
			if (!len)
				throw Error("truncated archive: the data ends early", r.where(e));
			pipe->push(len);
			got += len;
		}
		pipe->end();
	}

	void add(TarReader &r, const TarEntry &e)
	{
		std::string where = r.where(e);
		auto parts = tar_path_parts(e.path, where);
		// whiteouts
		if (opt.aufs && !parts.empty() && parts.back().rfind(kWhPrefix, 0) == 0) {
			std::string base = parts.back();
			Node *dir = dir_at(parts, parts.size() - 1, where);
			if (base == kOpaque) {
				if (!opt.ovlfs_strip)
					set_xattr(*dir, kOvlOpaque, "y");
				return;
			}
			if (base.rfind(".wh..wh.", 0) == 0)
				return;  // aufs' own bookkeeping (.wh..wh.plnk, .wh..wh.aufs)
			if (opt.ovlfs_strip)
				return;
			parts.back() = base.substr(4);
			if (parts.back().empty())
				throw Error("whiteout without a name", where);
			TarEntry w = e;
			w.type = TarType::CharDev;
			w.devmajor = w.devminor = 0;
			w.size = w.data_len = 0;
			place(r, w, parts, where, dir);
			if (!opt.ovlfs_strip)
				set_xattr(*dir, kOvlOrigin, "");
			return;
		}
		if (parts.empty()) {
			if (e.type != TarType::Directory)
				throw Error("the root of the archive is not a directory", where);
			apply_meta(*root, e, where);
			return;
		}
		Node *dir = dir_at(parts, parts.size() - 1, where);
		place(r, e, parts, where, dir);
	}

	void apply_meta(Node &n, const TarEntry &e, const std::string &where)
	{
		apply_owner_time(n, e.uid, e.gid, e.mtime, e.mtime_nsec, opt.scan);
		n.mode = (n.mode & S_IFMT) | e.mode;
		if (!opt.scan.xattrs)
			return;
		for (const auto &[k, v] : e.xattrs) {
			if (opt.ovlfs_strip && k.rfind("trusted.overlay.", 0) == 0)
				continue;
			if (k.empty() || k.find('\0') != std::string::npos)
				throw Error("invalid xattr name", where);
			set_xattr(n, k, v);
		}
	}

	void place(TarReader &r, const TarEntry &e, const std::vector<std::string> &parts, const std::string &where,
		   Node *dir)
	{
		std::string path;
		for (const auto &p : parts)
			path += (path.empty() ? "" : "/") + p;
		const std::string &name = parts.back();
		Node *old = child(dir, name);
		if (e.type == TarType::HardLink) {
			auto tp = tar_path_parts(e.link, where);
			Node *target = lookup(tp);
			if (!target)
				throw Error("hard link to '" + e.link.substr(0, 200) + "', which is not an earlier entry",
					    where);
			if (target->kind == Kind::Directory)
				throw Error("hard link to a directory", where);
			if (tp == parts)
				return;  // a link to itself changes nothing
			link(dir, name, target);
			return;
		}
		// A directory given again (or after its children) keeps them.
		if (e.type == TarType::Directory && old && old->kind == Kind::Directory) {
			apply_meta(*old, e, where);
			return;
		}
		Kind k = Kind::Regular;
		uint32_t fmt = S_IFREG;
		switch (e.type) {
		case TarType::Regular: break;
		case TarType::Directory: k = Kind::Directory, fmt = S_IFDIR; break;
		case TarType::Symlink: k = Kind::Symlink, fmt = S_IFLNK; break;
		case TarType::CharDev: k = Kind::CharDev, fmt = S_IFCHR; break;
		case TarType::BlockDev: k = Kind::BlockDev, fmt = S_IFBLK; break;
		case TarType::Fifo: k = Kind::Fifo, fmt = S_IFIFO; break;
		case TarType::HardLink: break;
		}
		Node *n = make(k, fmt, path);
		n->parent = dir;
		apply_meta(*n, e, where);
		if (k == Kind::Symlink) {
			if (e.link.empty())
				throw Error("symbolic link without a target", where);
			if (e.link.size() > 4095)
				throw Error("symbolic link target longer than 4095 bytes", where);
			n->target = e.link;
			n->size = e.link.size();
		} else if (k == Kind::CharDev || k == Kind::BlockDev) {
			if (e.devmajor > 0xfff || e.devminor > 0xfffff)
				throw Error("device number " + std::to_string(e.devmajor) + ":" +
						    std::to_string(e.devminor) + " does not fit 12:20 bits",
					    where);
			n->rdev = encode_dev(e.devmajor, e.devminor);
		} else if (k == Kind::Regular) {
			n->size = e.size;
			if (e.sparse) {
				n->sparse = true;
				for (const auto &s : e.map)
					if (s.len)
						n->data.push_back({s.off, s.len});
			}
			if (opt.mode == TarMode::Index && e.size) {
				n->on_device = true;
				n->device_off = e.data_off;
			}
			if (opt.mode == TarMode::Headerball && e.size) {
				n->sparse = true;  // all holes: the data is not in this stream
				n->data.clear();
			}
			take_content(r, *n, e);
			if (opt.mode == TarMode::Full && e.data_len)
				n->blob_fd = data->fd();
		}
		link(dir, name, n);
	}

	Tree finish()
	{
		if (pipe) {  // every fingerprint written, every byte in the data file
			pipe->drain();
			pipe.reset();
		}
		index = EntryIndex();
		// Keep what is reachable from the root, in creation order; each
		// directory's entries sorted by name bytes.
		std::vector<bool> live(all.size(), false);
		std::vector<Node *> stack{root};
		live[root->id] = true;
		while (!stack.empty()) {
			Node *d = stack.back();
			stack.pop_back();
			std::sort(d->children.begin(), d->children.end(),
				  [](const DirEntry &a, const DirEntry &b) { return a.name < b.name; });
			d->children.shrink_to_fit();
			for (const auto &c : d->children) {
				if (live[c.node->id])
					continue;
				live[c.node->id] = true;
				if (c.node->kind == Kind::Directory)
					stack.push_back(c.node);
			}
		}
		Tree t;
		t.nodes.reserve(size_t(std::count(live.begin(), live.end(), true)));
		for (auto &n : all)
			if (live[n->id])
				t.add(std::move(n));
		all.clear();
		all.shrink_to_fit();
		t.root = root;
		validate_tree(t);
		return t;
	}
};

}  // namespace

std::vector<std::string> tar_path_parts(const std::string &path, const std::string &where)
{
	if (path.find('\0') != std::string::npos)
		throw Error("path with a NUL byte", where);
	std::vector<std::string> parts;
	size_t s = 0;
	while (s <= path.size()) {
		size_t e = path.find('/', s);
		if (e == std::string::npos)
			e = path.size();
		std::string p = path.substr(s, e - s);
		if (p == "..") {
			if (!parts.empty())
				parts.pop_back();
		} else if (!p.empty() && p != ".") {
			if (p.size() > kNameMax)
				throw Error("file name longer than 255 bytes", where);
			parts.push_back(p);
		}
		s = e + 1;
	}
	return parts;
}

TarTree read_tar_tree(TarReader &r, const TarTreeOptions &opt, Spill *data)
{
	Builder b{opt, data, {}, {}, nullptr, {}};
	b.root = b.make(Kind::Directory, S_IFDIR | 0755, "");
	b.root->uid = b.root->gid = 0;
	TarEntry e;
	while (r.next(e))
		b.add(r, e);
	TarTree out;
	out.tar_bytes = r.offset();
	out.tree = b.finish();
	return out;
}

}  // namespace erofs
