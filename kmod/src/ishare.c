// SPDX-License-Identifier: GPL-2.0-only
/*
 * erofs-ishare: page-cache sharing of identical files across erofs mounts.
 *
 * Files whose fingerprint xattr and mount domain are equal share one page
 * cache: the "shared inode", kept on an internal pseudo mount.  Each real
 * erofs inode that carries the fingerprint is a "member" of it.  Reads,
 * mmap, fadvise and splice on a member use the shared inode's mapping,
 * which an open member file points at (ishare_io.c); misses are filled
 * through a member's own read method.
 *
 * A file joins its shared inode at the first use of its page cache
 * (erofs_ishare_get), not at inode fill: lookups, stat() and open/close
 * alone never create a shared inode.  Inode fill only reads the
 * fingerprint and keeps the key (erofs_ishare_prepare).
 *
 * Lock order (outer to inner):
 *   mmap_lock (->mmap joins) -> joining (EROFS_ISHARE_JOINING: others
 *   wait on the member's state) -> iget5_locked (allocation, reclaim,
 *   inode_hash_lock) -> shared inode ->lock;
 *   erofs sb s_umount -> member eviction -> shared inode ->lock.
 *   inode_hash_lock is never taken under ->lock, and reclaim never waits
 *   for a join (only members that are not open are evicted).
 * The shared inode's ->lock is a leaf spinlock (see ishare_priv.h) and is
 * never held during a fill.  A fill holds the shared folio's lock and
 * then takes the member's own locks, as without sharing: for z_erofs the
 * member's pcluster mutex, then its XArray lock / pcluster lockref
 * (readmore only trylocks further shared folios).
 *
 * Lifetimes:
 *  - a member holds one reference on its shared inode from joining to
 *    eviction (erofs_ishare_get/leave); joining runs on behalf of an open
 *    file, which pins the member;
 *  - the pseudo mount lives from module init to module exit; it is
 *    unmounted only after every erofs superblock is gone, which implies
 *    every member, and so every file using a shared mapping, is gone
 *    (see erofs_ishare_exit).
 */
#include <linux/backing-dev.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include <linux/xxhash.h>
#include <linux/unaligned.h>
#include "xattr.h"
#include "ishare_priv.h"

#define EROFS_ISHARE_MAGIC	0x65726973	/* "eris" */

struct vfsmount *erofs_ishare_mnt;
static struct kmem_cache *erofs_ishare_cachep;
static atomic_long_t erofs_ishare_nr_shared = ATOMIC_LONG_INIT(0);
static atomic_long_t erofs_ishare_nr_members = ATOMIC_LONG_INIT(0);

/* never names the domain nor the fingerprint */
#define erofs_ishare_warn(inode, fmt, ...)				\
	pr_warn_ratelimited("(device %s): nid %llu: " fmt "\n",		\
			    (inode)->i_sb->s_id, EROFS_I(inode)->nid,	\
			    ##__VA_ARGS__)

/* ---- mount options ---------------------------------------------------- */

int erofs_ishare_parse_domain(struct fs_context *fc,
			      struct fs_parameter *param)
{
	struct erofs_sb_info *sbi = fc->s_fs_info;

	if (!*param->string)
		return invalfc(fc, "domain_id must not be empty");
	/* take the string over; the old one is a secret too */
	kfree_sensitive(sbi->ishare.domain);
	sbi->ishare.domain = param->string;
	param->string = NULL;
	return 0;
}

/* called once every option of a new mount has been parsed */
int erofs_ishare_check_options(struct fs_context *fc)
{
	struct erofs_sb_info *sbi = fc->s_fs_info;
	struct erofs_mount_opts *opt = &sbi->opt;

	if (sbi->ishare.domain)
		set_opt(opt, INODE_SHARE);
	if (!test_opt(opt, INODE_SHARE))
		return 0;
	if (!sbi->ishare.domain)
		return invalfc(fc, "inode_share requires domain_id");
	if (test_opt(opt, DAX_ALWAYS))
		return invalfc(fc, "inode_share cannot be used with dax=always");
	return 0;
}

/*
 * A remount that does not mention sharing keeps it as it is.  One that
 * does must name the domain the mount already has.  @sbi->opt is about to
 * be replaced by @new_sbi->opt, so carry the current sharing bit over.
 */
int erofs_ishare_reconfigure(struct fs_context *fc, struct erofs_sb_info *sbi,
			     struct erofs_sb_info *new_sbi)
{
	bool on = test_opt(&sbi->opt, INODE_SHARE);
	const char *dom = new_sbi->ishare.domain;

	if (dom || test_opt(&new_sbi->opt, INODE_SHARE)) {
		if (!sbi->ishare.domain)
			return invalfc(fc, "remount cannot turn inode sharing on");
		if (dom && strcmp(dom, sbi->ishare.domain))
			return invalfc(fc, "remount cannot change domain_id");
	}
	if (on && test_opt(&new_sbi->opt, DAX_ALWAYS))
		return invalfc(fc, "inode_share cannot be used with dax=always");

	if (on)
		set_opt(&new_sbi->opt, INODE_SHARE);
	else
		clear_opt(&new_sbi->opt, INODE_SHARE);
	return 0;
}

void erofs_ishare_free_sb(struct erofs_ishare_sb *isb)
{
	kfree_sensitive(isb->domain);
	isb->domain = NULL;
	kfree(isb->name);
	isb->name = NULL;
}

#ifdef CONFIG_EROFS_FS_XATTR
/*
 * The fingerprint xattr is named by long prefix number sb byte 105
 * (checked against the prefix count when the sb was read).  Keep a
 * NUL-terminated copy of its infix for erofs_getxattr().
 */
static int erofs_ishare_load_name(struct super_block *sb)
{
	struct erofs_sb_info *sbi = EROFS_SB(sb);
	struct erofs_xattr_prefix_item *pf =
		&sbi->xattr_prefixes[sbi->ishare_xattr_prefix_id];
	char *name;

	name = kmemdup_nul(pf->prefix->infix, pf->infix_len, GFP_KERNEL);
	if (!name)
		return -ENOMEM;
	if (strlen(name) != pf->infix_len ||
	    (!pf->infix_len && !pf->prefix->base_index)) {
		erofs_err(sb, "invalid fingerprint xattr name (prefix %u)",
			  sbi->ishare_xattr_prefix_id);
		kfree(name);
		return -EFSCORRUPTED;
	}
	sbi->ishare.name = name;
	sbi->ishare.name_len = pf->infix_len;
	sbi->ishare.name_index = pf->prefix->base_index;
	/* the name filter bit erofs_getxattr() tests, same hash and seed */
	sbi->ishare.filter_bit = 0;
	if (erofs_sb_has_xattr_filter(sbi) && !sbi->xattr_filter_reserved)
		sbi->ishare.filter_bit = 1U << (xxh32(name, pf->infix_len,
				EROFS_XATTR_FILTER_SEED + pf->prefix->base_index) &
				(EROFS_XATTR_FILTER_BITS - 1));
	return 0;
}

/*
 * Does inline xattr entry @e carry the fingerprint?  The same rule as
 * erofs_getxattr(): the entry's full name (long prefix infix + own name)
 * under the same short prefix index.
 */
static bool erofs_ishare_entry_match(struct erofs_sb_info *sbi,
				     const struct erofs_xattr_entry *e)
{
	const char *name = sbi->ishare.name;
	unsigned int len = sbi->ishare.name_len;
	const struct erofs_xattr_prefix_item *pf;
	unsigned int id;

	if (!(e->e_name_index & EROFS_XATTR_LONG_PREFIX))
		return e->e_name_index == sbi->ishare.name_index &&
			e->e_name_len == len && !memcmp(e->e_name, name, len);

	id = e->e_name_index & EROFS_XATTR_LONG_PREFIX_MASK;
	if (id >= sbi->xattr_prefix_count)
		return false;
	pf = &sbi->xattr_prefixes[id];
	return pf->prefix->base_index == sbi->ishare.name_index &&
		pf->infix_len + e->e_name_len == len &&
		!memcmp(name, pf->prefix->infix, pf->infix_len) &&
		!memcmp(name + pf->infix_len, e->e_name, e->e_name_len);
}

/*
 * Called by erofs_read_inode() while the inode's block is mapped:
 * @ibody is where the xattr body starts, @avail the bytes of the block
 * from there.  Reading the fingerprint here saves erofs_getxattr() going
 * through the metadata cache again (its cost showed in every cold open).
 * Only the plain case is handled: the whole body in this block, the first
 * matching inline entry, a value of at most EROFS_ISHARE_FP_INLINE bytes.
 * Anything else (the body runs into the next block, a match could be a
 * shared xattr, a long value, a malformed entry) leaves -EAGAIN, and the
 * join asks erofs_getxattr(), which has the final word and the errors.
 */
void erofs_ishare_peek(struct inode *inode, const void *ibody,
		       unsigned int avail, struct erofs_ishare_peek *pk)
{
	struct erofs_sb_info *sbi = EROFS_I_SB(inode);
	const struct erofs_xattr_ibody_header *ih = ibody;
	const struct erofs_xattr_entry *e;
	unsigned int end = EROFS_I(inode)->xattr_isize, pos, vlen, esz;

	if (!sbi->ishare.name || !S_ISREG(inode->i_mode) || !inode->i_size)
		return;
	if (!end) {
		pk->len = -ENOATTR;
		return;
	}
	/* a bare header is an error for erofs_getxattr() to report */
	if (end <= sizeof(*ih) || end > avail ||
	    sbi->ishare.name_len > EROFS_NAME_LEN)
		return;
	if (le32_to_cpu(ih->h_name_filter) & sbi->ishare.filter_bit) {
		pk->len = -ENOATTR;
		return;
	}
	pos = sizeof(*ih) + sizeof(__le32) * ih->h_shared_count;
	while (pos < end) {
		e = ibody + pos;
		if (end - pos < sizeof(*e))
			return;
		vlen = le16_to_cpu(e->e_value_size);
		esz = EROFS_XATTR_ALIGN(sizeof(*e) + e->e_name_len + vlen);
		if (esz > end - pos)
			return;
		if (erofs_ishare_entry_match(sbi, e)) {
			if (vlen <= sizeof(pk->fp)) {
				memcpy(pk->fp, e->e_name + e->e_name_len, vlen);
				pk->len = vlen;
			}
			return;
		}
		pos += esz;
	}
	if (!ih->h_shared_count)
		pk->len = -ENOATTR;
}
#else
static int erofs_ishare_load_name(struct super_block *sb)
{
	return -EOPNOTSUPP;
}

void erofs_ishare_peek(struct inode *inode, const void *ibody,
		       unsigned int avail, struct erofs_ishare_peek *pk)
{
}
#endif

/*
 * Readahead of a shared file is sized by the pseudo superblock's bdi: its
 * window (ra_pages) and the largest request a sync read may issue at once
 * (io_pages).  A bdi from super_setup_bdi() has 128 KiB for both, while a
 * block device allows far larger requests (max_sectors_kb), so a large
 * read of a shared file would go out in smaller pieces than an unshared
 * one.  Raise both to the largest of every sharing mount's bdi.  Tuning a
 * device later does not propagate; the pseudo bdi is tunable itself
 * (/sys/class/bdi/erofs_ishare-N).  Readahead reads these fields without a lock, as
 * it does when they are written through sysfs.
 */
static void erofs_ishare_adopt_bdi(struct backing_dev_info *bdi)
{
	static DEFINE_SPINLOCK(lock);	/* serialises concurrent mounts */
	struct backing_dev_info *own = erofs_ishare_mnt->mnt_sb->s_bdi;

	spin_lock(&lock);
	if (bdi->ra_pages > own->ra_pages)
		WRITE_ONCE(own->ra_pages, bdi->ra_pages);
	if (bdi->io_pages > own->io_pages)
		WRITE_ONCE(own->io_pages, bdi->io_pages);
	spin_unlock(&lock);
}

/* called at the end of fill_super, once the xattr prefixes are loaded */
int erofs_ishare_fill_super(struct super_block *sb)
{
	struct erofs_sb_info *sbi = EROFS_SB(sb);
	int err;

	if (!test_opt(&sbi->opt, INODE_SHARE))
		return 0;
	if (!erofs_sb_has_ishare_xattrs(sbi)) {
		erofs_info(sb, "image has no fingerprint xattrs: page cache not shared");
		clear_opt(&sbi->opt, INODE_SHARE);
		return 0;
	}
	err = erofs_ishare_load_name(sb);
	if (err == -EOPNOTSUPP) {
		erofs_info(sb, "xattr support disabled: page cache not shared");
		clear_opt(&sbi->opt, INODE_SHARE);
		return 0;
	}
	if (err)
		return err;
	erofs_ishare_adopt_bdi(sb->s_bdi);
	erofs_info(sb, "page-cache sharing on");
	return 0;
}

/* ---- shared inodes on the pseudo mount -------------------------------- */

/*
 * The key of a shared inode: fingerprint and domain, length-delimited
 * (le32 fingerprint length, fingerprint, le32 domain length, domain), so
 * (V + "x", "y") and (V, "xy") differ.  Made once per member at inode
 * fill and never changed.  References: the member, from fill to eviction,
 * and the shared inode created with it, until the inode is freed.  So a
 * member can look its key up at any time without owning a join.
 */
struct erofs_ishare_key {
	refcount_t ref;
	u32 hash;
	unsigned int len;
	u8 data[];
};

static struct erofs_ishare_key *erofs_ishare_make_key(const void *fp,
						      unsigned int fplen,
						      const char *domain)
{
	unsigned int dlen = strlen(domain);
	struct erofs_ishare_key *key;
	u8 *p;

	key = kmalloc(struct_size(key, data, 4 + fplen + 4 + dlen), GFP_KERNEL);
	if (!key)
		return NULL;
	refcount_set(&key->ref, 1);
	key->len = 4 + fplen + 4 + dlen;
	p = key->data;
	put_unaligned_le32(fplen, p);
	p += 4;
	memcpy(p, fp, fplen);
	p += fplen;
	put_unaligned_le32(dlen, p);
	memcpy(p + 4, domain, dlen);
	key->hash = xxh32(key->data, key->len, 0);
	return key;
}

static void erofs_ishare_put_key(struct erofs_ishare_key *key)
{
	if (key && refcount_dec_and_test(&key->ref))
		kfree(key);
}

/* called under inode_hash_lock: compare the full key, not just the hash */
static int erofs_ishare_test(struct inode *inode, void *data)
{
	const struct erofs_ishare_key *a = EROFS_ISHARE_I(inode)->key, *b = data;

	return a == b ||
		(a->len == b->len && !memcmp(a->data, b->data, a->len));
}

/* called under inode_hash_lock: the new inode shares the member's key */
static int erofs_ishare_set(struct inode *inode, void *data)
{
	struct erofs_ishare_key *key = data;

	refcount_inc(&key->ref);
	EROFS_ISHARE_I(inode)->key = key;
	inode->i_ino = get_next_ino();
	return 0;
}

static void erofs_ishare_setup(struct inode *shared, struct inode *member)
{
	shared->i_mode = S_IFREG | 0444;
	shared->i_flags |= S_NOATIME | S_IMMUTABLE;
	shared->i_blkbits = member->i_blkbits;
	i_size_write(shared, i_size_read(member));
	/* i_fop stays no_open_fops: only members are ever opened */
	shared->i_mapping->a_ops = &erofs_ishare_aops;
	mapping_set_large_folios(shared->i_mapping);
	atomic_long_inc(&erofs_ishare_nr_shared);
}

/* find, or make, the shared inode for @key */
static struct inode *erofs_ishare_iget(struct erofs_ishare_key *key,
				       struct inode *member)
{
	struct inode *shared;

	shared = iget5_locked(erofs_ishare_mnt->mnt_sb, key->hash,
			      erofs_ishare_test, erofs_ishare_set, key);
	if (shared && (shared->i_state & I_NEW)) {
		erofs_ishare_setup(shared, member);
		unlock_new_inode(shared);
	}
	return shared;
}

static bool erofs_ishare_can_join(struct inode *inode)
{
	const struct address_space_operations *aops = inode->i_mapping->a_ops;

	if (!S_ISREG(inode->i_mode) || !inode->i_size || IS_DAX(inode))
		return false;
	if (!EROFS_I_SB(inode)->ishare.name)	/* off, or sb still filling */
		return false;
	if (aops == &erofs_aops)
		return true;
#ifdef CONFIG_EROFS_FS_BACKED_BY_FILE
	/* mixed members: each miss is filled by the filling member's method */
	if (aops == &erofs_fileio_aops)
		return true;
#endif
#ifdef CONFIG_EROFS_FS_ZIP
	/* compressed, on a block device or file-backed: z_erofs */
	if (aops == &z_erofs_aops)
		return true;
#endif
	return false;
}

/*
 * Make the key from the fingerprint value (1..block size bytes, else do
 * not share).  Most files come with the value erofs_read_inode() found;
 * the others ask erofs_getxattr(), into @pk's buffer and, for a longer
 * value, again into a block-sized one.
 */
static struct erofs_ishare_key *erofs_ishare_read_key(struct inode *inode,
						struct erofs_ishare_peek *pk)
{
	struct erofs_sb_info *sbi = EROFS_I_SB(inode);
	const void *fp = pk->fp;
	struct erofs_ishare_key *key = NULL;
	void *big = NULL;
	int len = pk->len;

	if (len == -EAGAIN)
		len = erofs_getxattr(inode, sbi->ishare.name_index,
				     sbi->ishare.name, pk->fp, sizeof(pk->fp));
	if (len == -ERANGE) {
		big = kmalloc(i_blocksize(inode), GFP_KERNEL);
		if (!big)
			return NULL;
		fp = big;
		len = erofs_getxattr(inode, sbi->ishare.name_index,
				     sbi->ishare.name, big, i_blocksize(inode));
	}
	if (len > 0)
		key = erofs_ishare_make_key(fp, len, sbi->ishare.domain);
	else if (len == -ERANGE)
		erofs_ishare_warn(inode, "fingerprint longer than a block, not shared");
	else if (!len)
		erofs_ishare_warn(inode, "empty fingerprint, not shared");
	else if (len != -ENOATTR)
		erofs_ishare_warn(inode, "cannot read fingerprint (%d), not shared",
				  len);
	kfree(big);
	return key;
}

/*
 * Called at the end of inode fill, while @inode is still I_NEW: nobody
 * else can use it yet.  A file that can share keeps its key and gets the
 * sharing file operations; its shared inode is found at first use
 * (erofs_ishare_get).  Any failure leaves the file unshared.
 */
void erofs_ishare_prepare(struct inode *inode, struct erofs_ishare_peek *pk)
{
	struct erofs_ishare_link *link = &EROFS_I(inode)->ishare;
	struct erofs_ishare_key *key;

	if (!erofs_ishare_can_join(inode))
		return;
	key = erofs_ishare_read_key(inode, pk);
	if (!key)
		return;
	link->key = key;
	link->state = EROFS_ISHARE_PENDING;	/* published by unlock_new_inode() */
	inode->i_fop = &erofs_ishare_fops;
}

/*
 * Add @inode to the members of @shared (NULL: find or make it).  Only the
 * caller that moved @link to JOINING runs this.  Returns the final state.
 */
static int erofs_ishare_join(struct inode *inode, struct erofs_ishare_link *link,
			     struct inode *shared)
{
	struct erofs_ishare_inode *si;

	if (!shared)
		shared = erofs_ishare_iget(link->key, inode);
	if (!shared) {
		erofs_ishare_warn(inode, "out of memory, not shared");
		return EROFS_ISHARE_UNSHARED;
	}
	/* the same fingerprint must mean the same bytes, block for block */
	if (shared->i_size != inode->i_size ||
	    shared->i_blkbits != inode->i_blkbits) {
		erofs_ishare_warn(inode, "size or block size differs from a file with the same fingerprint, not shared");
		iput(shared);
		return EROFS_ISHARE_UNSHARED;
	}
	si = EROFS_ISHARE_I(shared);
	link->shared = shared;
	atomic_set(&link->busy, 0);
	spin_lock(&si->lock);
	list_add_tail(&link->node, &si->members);
	si->nr_members++;
	spin_unlock(&si->lock);
	atomic_long_inc(&erofs_ishare_nr_members);
	return EROFS_ISHARE_JOINED;
}

/*
 * A joiner publishes @shared and @node with a release store of @state;
 * every reader of them first loads @state with acquire.
 */
static bool erofs_ishare_settled(struct erofs_ishare_link *link, int *state)
{
	*state = smp_load_acquire(&link->state);	/* see above */
	return *state > EROFS_ISHARE_JOINING;
}

/*
 * The shared inode of member @inode, or NULL when the file does not share
 * (yet).  With @create, at the first use of the page cache: the file joins
 * its shared inode, making it if need be, or stays unshared for good.
 * Without, at open: it joins only a shared inode that exists already (if
 * none does, nothing of this content is cached, and the file's own empty
 * mapping tells the truth until its first use).
 *
 * One caller at a time joins (PENDING -> JOINING -> final state); callers
 * racing with it sleep until it is done, then look again.  The caller has
 * a file of @inode, so @inode cannot be evicted meanwhile, and its key
 * stays valid.  Callers may hold mmap_lock: joining takes no lock that is
 * held around a user-memory access (inode_hash_lock, the shared inode's
 * ->lock).
 */
struct inode *erofs_ishare_get(struct inode *inode, bool create)
{
	struct erofs_ishare_link *link = &EROFS_I(inode)->ishare;
	struct inode *found;
	int state;

	while (!erofs_ishare_settled(link, &state) &&
	       state != EROFS_ISHARE_NONE) {
		if (state == EROFS_ISHARE_JOINING) {
			wait_var_event(&link->state,
				       READ_ONCE(link->state) != EROFS_ISHARE_JOINING);
			continue;
		}
		found = NULL;
		if (!create) {
			found = ilookup5(erofs_ishare_mnt->mnt_sb, link->key->hash,
					 erofs_ishare_test, link->key);
			if (!found)
				break;		/* still PENDING */
		}
		if (cmpxchg(&link->state, state, EROFS_ISHARE_JOINING) != state) {
			iput(found);
			continue;
		}
		state = erofs_ishare_join(inode, link, found);
		/* release: @shared and @node before the state that shows them */
		smp_store_release(&link->state, state);
		smp_mb();	/* the state before wake_up_var() looks for waiters */
		wake_up_var(&link->state);
	}
	return state == EROFS_ISHARE_JOINED ? link->shared : NULL;
}

/*
 * Called from ->evict_inode of a member.  No file is open, so no join is
 * running.  After the unlink no new fill can pick this member; a fallback
 * fill that picked it before still holds @busy, and our superblock must
 * stay up until it is done, so wait.
 */
void erofs_ishare_leave(struct inode *inode)
{
	struct erofs_ishare_link *link = &EROFS_I(inode)->ishare;
	struct inode *shared = link->shared;
	struct erofs_ishare_inode *si;

	DBG_BUGON(link->state == EROFS_ISHARE_JOINING);
	erofs_ishare_put_key(link->key);
	link->key = NULL;
	link->state = EROFS_ISHARE_NONE;
	if (!shared)
		return;
	si = EROFS_ISHARE_I(shared);
	spin_lock(&si->lock);
	list_del_init(&link->node);
	si->nr_members--;
	spin_unlock(&si->lock);

	wait_var_event(&link->busy, !atomic_read(&link->busy));
	link->shared = NULL;
	atomic_long_dec(&erofs_ishare_nr_members);
	iput(shared);	/* the last reference evicts the shared inode */
}

/*
 * Fallback for a fill that has no member file: pick the first member and
 * mark it busy under the lock, so its eviction (and so its superblock's
 * shutdown) waits until erofs_ishare_unpin_member().
 */
struct erofs_ishare_link *erofs_ishare_pin_member(struct inode *shared)
{
	struct erofs_ishare_inode *si = EROFS_ISHARE_I(shared);
	struct erofs_ishare_link *link;

	spin_lock(&si->lock);
	link = list_first_entry_or_null(&si->members, struct erofs_ishare_link,
					node);
	if (link)
		atomic_inc(&link->busy);
	spin_unlock(&si->lock);
	return link;
}

void erofs_ishare_unpin_member(struct erofs_ishare_link *link)
{
	if (atomic_dec_and_test(&link->busy))
		wake_up_var(&link->busy);
}

/* ---- per-call fill context -------------------------------------------- */

/*
 * @fill lives on the caller's stack between begin and end; the entry is
 * found by task, innermost first, so a nested fill of the same shared
 * inode by the same task sees its own member.
 */
void erofs_ishare_fill_begin(struct inode *shared,
			     struct erofs_ishare_fill *fill,
			     struct inode *member)
{
	struct erofs_ishare_inode *si = EROFS_ISHARE_I(shared);

	fill->task = current;
	fill->member = member;
	spin_lock(&si->lock);
	list_add(&fill->node, &si->fills);
	spin_unlock(&si->lock);
}

void erofs_ishare_fill_end(struct inode *shared,
			   struct erofs_ishare_fill *fill)
{
	struct erofs_ishare_inode *si = EROFS_ISHARE_I(shared);

	spin_lock(&si->lock);
	list_del(&fill->node);
	spin_unlock(&si->lock);
}

struct inode *erofs_ishare_fill_member(struct inode *shared)
{
	struct erofs_ishare_inode *si = EROFS_ISHARE_I(shared);
	struct erofs_ishare_fill *fill;
	struct inode *member = NULL;

	spin_lock(&si->lock);
	list_for_each_entry(fill, &si->fills, node) {
		if (fill->task == current) {
			member = fill->member;
			break;
		}
	}
	spin_unlock(&si->lock);
	return member;
}

/* ---- the pseudo filesystem -------------------------------------------- */

static struct inode *erofs_ishare_alloc_inode(struct super_block *sb)
{
	struct erofs_ishare_inode *si;

	si = alloc_inode_sb(sb, erofs_ishare_cachep, GFP_KERNEL);
	if (!si)
		return NULL;
	spin_lock_init(&si->lock);
	INIT_LIST_HEAD(&si->members);
	INIT_LIST_HEAD(&si->fills);
	si->nr_members = 0;
	si->key = NULL;
	return &si->vfs_inode;
}

/* RCU callback: erofs_ishare_exit() waits for these with rcu_barrier() */
static void erofs_ishare_free_inode(struct inode *inode)
{
	struct erofs_ishare_inode *si = EROFS_ISHARE_I(inode);

	erofs_ishare_put_key(si->key);
	kmem_cache_free(erofs_ishare_cachep, si);
}

static void erofs_ishare_evict_inode(struct inode *inode)
{
	struct erofs_ishare_inode *si = EROFS_ISHARE_I(inode);

	DBG_BUGON(!list_empty(&si->members));
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (si->key)
		atomic_long_dec(&erofs_ishare_nr_shared);
}

static const struct super_operations erofs_ishare_sops = {
	.alloc_inode	= erofs_ishare_alloc_inode,
	.free_inode	= erofs_ishare_free_inode,
	.evict_inode	= erofs_ishare_evict_inode,
	.drop_inode	= generic_delete_inode,
	.statfs		= simple_statfs,
};

static int erofs_ishare_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, EROFS_ISHARE_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &erofs_ishare_sops;
	fc->sb_flags |= SB_NOATIME;
	return 0;
}

/*
 * Never registered, so it cannot be mounted from user space.  No .owner:
 * our own pseudo mount must not pin the module; it is unmounted in
 * erofs_ishare_exit().
 */
static struct file_system_type erofs_ishare_fs_type = {
	.name		= "erofs_ishare",
	.init_fs_context = erofs_ishare_init_fs_context,
	.kill_sb	= kill_anon_super,
};

/* ---- sysfs: /sys/fs/erofs/ishare/ ------------------------------------- */

static struct kobject *erofs_ishare_kobj;

/*
 * Walk the shared inodes: pages resident in shared mappings, and bytes
 * saved = sum over shared inodes of (members - 1) * resident bytes (a
 * member is a file that has used the shared cache, or was opened while
 * its shared inode existed).
 * An inode stays valid while it is on s_inodes under s_inode_list_lock.
 */
static void erofs_ishare_scan(unsigned long *pages, u64 *saved)
{
	struct super_block *sb = erofs_ishare_mnt->mnt_sb;
	struct inode *inode;

	*pages = 0;
	*saved = 0;
	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		unsigned long nr = READ_ONCE(inode->i_data.nrpages);
		unsigned int members = READ_ONCE(EROFS_ISHARE_I(inode)->nr_members);

		*pages += nr;
		if (members > 1)
			*saved += (u64)(members - 1) * nr << PAGE_SHIFT;
	}
	spin_unlock(&sb->s_inode_list_lock);
}

static ssize_t shared_inodes_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&erofs_ishare_nr_shared));
}

static ssize_t member_inodes_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&erofs_ishare_nr_members));
}

static ssize_t cached_pages_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	unsigned long pages;
	u64 saved;

	erofs_ishare_scan(&pages, &saved);
	return sysfs_emit(buf, "%lu\n", pages);
}

static ssize_t bytes_saved_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	unsigned long pages;
	u64 saved;

	erofs_ishare_scan(&pages, &saved);
	return sysfs_emit(buf, "%llu\n", saved);
}

static struct kobj_attribute erofs_ishare_attr_shared = __ATTR_RO(shared_inodes);
static struct kobj_attribute erofs_ishare_attr_members = __ATTR_RO(member_inodes);
static struct kobj_attribute erofs_ishare_attr_pages = __ATTR_RO(cached_pages);
static struct kobj_attribute erofs_ishare_attr_saved = __ATTR_RO(bytes_saved);

static struct attribute *erofs_ishare_attrs[] = {
	&erofs_ishare_attr_shared.attr,
	&erofs_ishare_attr_members.attr,
	&erofs_ishare_attr_pages.attr,
	&erofs_ishare_attr_saved.attr,
	NULL,
};

static const struct attribute_group erofs_ishare_group = {
	.attrs = erofs_ishare_attrs,
};

static int erofs_ishare_init_sysfs(void)
{
	int err;

	erofs_ishare_kobj = kobject_create_and_add("ishare", erofs_sysfs_root());
	if (!erofs_ishare_kobj)
		return -ENOMEM;
	err = sysfs_create_group(erofs_ishare_kobj, &erofs_ishare_group);
	if (err) {
		kobject_put(erofs_ishare_kobj);
		erofs_ishare_kobj = NULL;
	}
	return err;
}

/* ---- module init / exit ----------------------------------------------- */

static void erofs_ishare_inode_init_once(void *ptr)
{
	struct erofs_ishare_inode *si = ptr;

	inode_init_once(&si->vfs_inode);
}

int erofs_ishare_init(void)
{
	int err;

	erofs_ishare_cachep = kmem_cache_create("erofs_ishare_inode",
			sizeof(struct erofs_ishare_inode), 0,
			SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
			erofs_ishare_inode_init_once);
	if (!erofs_ishare_cachep)
		return -ENOMEM;

	erofs_ishare_mnt = kern_mount(&erofs_ishare_fs_type);
	if (IS_ERR(erofs_ishare_mnt)) {
		err = PTR_ERR(erofs_ishare_mnt);
		goto err_cache;
	}
	/*
	 * A real bdi: without one fadvise() is a no-op and readahead has no
	 * window.  Nothing else uses the new sb yet, so set it up here.
	 */
	err = super_setup_bdi(erofs_ishare_mnt->mnt_sb);
	if (err)
		goto err_mnt;
	err = erofs_ishare_init_sysfs();
	if (err)
		goto err_mnt;
	return 0;

err_mnt:
	kern_unmount(erofs_ishare_mnt);
err_cache:
	rcu_barrier();
	kmem_cache_destroy(erofs_ishare_cachep);
	return err;
}

/*
 * Module exit runs with no erofs superblock left (each holds a module
 * reference), hence no member and no open member file (it pins its
 * mount).  So no shared inode remains.  Unmount the pseudo fs, then let the RCU inode frees finish
 * before the inode cache is destroyed.
 */
void erofs_ishare_exit(void)
{
	kobject_put(erofs_ishare_kobj);
	erofs_ishare_kobj = NULL;
	kern_unmount(erofs_ishare_mnt);
	erofs_ishare_mnt = NULL;
	rcu_barrier();
	kmem_cache_destroy(erofs_ishare_cachep);
}
