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
 *   wait on the member's state, killably) -> iget5_locked (allocation,
 *   reclaim, inode_hash_lock) -> shared inode ->lock -> member ->i_lock
 *   (igrab in erofs_ishare_pin_member);
 *   erofs sb s_umount -> member eviction -> shared inode ->lock.
 *   inode_hash_lock is never taken under ->lock, and reclaim never waits
 *   for a join (only members that are not open are evicted).
 * The shared inode's ->lock is a spinlock (see ishare_priv.h) never held
 * across a sleep or during a fill.  A fill holds the shared folio's lock
 * and then takes the member's own locks, as without sharing: for z_erofs
 * the member's pcluster mutex, then its XArray lock / pcluster lockref
 * (readmore only trylocks further shared folios).
 *
 * Lifetimes:
 *  - a member holds one reference on its shared inode from joining to
 *    eviction (erofs_ishare_get/leave); joining runs on behalf of an open
 *    file, which pins the member;
 *  - a shared inode without members stays cached, like any unused inode
 *    with page cache: its pages age on the page LRU, the inode shrinker
 *    skips it while it has pages, and a later member with the same key
 *    finds it again.  Evicting a member (from reclaim, too) only drops a
 *    reference: it never truncates shared pages and never waits for I/O;
 *  - a fill without a member file holds a reference on the member it
 *    fills through and a pin on that member's sb; the sb's shutdown
 *    waits for its pins (erofs_ishare_kill_sb) before evicting inodes;
 *  - the pseudo mount lives from module init to module exit; it is
 *    unmounted only after every erofs superblock is gone, which implies
 *    every member, and so every file using a shared mapping, is gone;
 *    unmounting it evicts the shared inodes left in the cache
 *    (see erofs_ishare_exit).
 */
#include <linux/backing-dev.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/siphash.h>
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
/* keys the hash of shared inode keys; chosen at module load */
static siphash_key_t erofs_ishare_hash_key __read_mostly;
/*
 * Every shared inode, for the sysfs page counts: added when set up,
 * removed at eviction under the lock, walked under RCU (inodes are freed
 * after a grace period).
 */
static LIST_HEAD(erofs_ishare_all);
static DEFINE_SPINLOCK(erofs_ishare_all_lock);

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

/*
 * erofs.ishare_default_domain=NAME (module parameter, /etc/modprobe.d or
 * /sys/module/erofs/parameters, root only): the domain of every new mount
 * that names none, so that a container runtime that knows nothing of
 * domain_id still gets sharing.  Empty (the default) turns it off.  Like
 * any domain it is a secret: the file is 0600, the value is never logged
 * nor shown in /proc/mounts, and it is freed with kfree_sensitive().
 *
 * Lock: the module parameter lock (kernel_param_lock(THIS_MODULE)), held
 * by the sysfs store around erofs_ishare_set_default(), and by
 * erofs_ishare_take_default() while it copies the value.  A change only
 * affects later mounts: each sb keeps its own copy.
 */
static char *erofs_ishare_default_domain;

static int erofs_ishare_set_default(const char *val,
				    const struct kernel_param *kp)
{
	size_t len = strcspn(val, "\n");	/* echo adds a newline */
	char **slot = kp->arg;
	char *dom = NULL;

	if (len) {
		dom = kstrndup(val, len, GFP_KERNEL_ACCOUNT);
		if (!dom)
			return -ENOMEM;
	}
	kfree_sensitive(*slot);
	*slot = dom;
	return 0;
}

static int erofs_ishare_get_default(char *buf, const struct kernel_param *kp)
{
	char *dom = *(char **)kp->arg;

	return sysfs_emit(buf, "%s\n", dom ?: "");
}

static void erofs_ishare_free_default(void *arg)
{
	char **slot = arg;

	kfree_sensitive(*slot);
	*slot = NULL;
}

static const struct kernel_param_ops erofs_ishare_default_ops = {
	.set	= erofs_ishare_set_default,
	.get	= erofs_ishare_get_default,
	.free	= erofs_ishare_free_default,
};
module_param_cb(ishare_default_domain, &erofs_ishare_default_ops,
		&erofs_ishare_default_domain, 0600);
MODULE_PARM_DESC(ishare_default_domain,
		 "domain_id of mounts that give none (empty: no sharing for them)");

/*
 * A new mount without domain_id takes the default domain, if one is set.
 * Only mounts made in the initial user namespace: erofs is not mountable
 * in a user namespace (no FS_USERNS_MOUNT: it parses untrusted images in
 * the kernel), and should that change, an unprivileged mount must not
 * land in the host-wide domain.
 */
static int erofs_ishare_take_default(struct fs_context *fc,
				     struct erofs_ishare_sb *isb)
{
	char *dom = NULL;
	bool set;

	if (fc->user_ns != &init_user_ns)
		return 0;
	kernel_param_lock(THIS_MODULE);
	set = erofs_ishare_default_domain;
	if (set)
		dom = kstrdup(erofs_ishare_default_domain, GFP_KERNEL_ACCOUNT);
	kernel_param_unlock(THIS_MODULE);
	if (set && !dom)
		return -ENOMEM;
	isb->domain = dom;
	isb->by_default = set;
	return 0;
}

/* called once every option of a new mount has been parsed */
int erofs_ishare_check_options(struct fs_context *fc)
{
	struct erofs_sb_info *sbi = fc->s_fs_info;
	struct erofs_mount_opts *opt = &sbi->opt;

	/* domain_id= given on the mount always wins */
	if (!sbi->ishare.domain) {
		int err = erofs_ishare_take_default(fc, &sbi->ishare);

		if (err)
			return err;
	}
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
 * matching inline entry, a value of at most EROFS_ISHARE_FP_MAX bytes.
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
				pk->pos = pos + sizeof(*e) + e->e_name_len;
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

/* the domain's part of every key hash of an sb's files */
static void erofs_ishare_hash_domain(struct erofs_ishare_sb *isb)
{
	isb->domain_hash = siphash(isb->domain, strlen(isb->domain),
				   &erofs_ishare_hash_key);
}

/* called at the end of fill_super, once the xattr prefixes are loaded */
int erofs_ishare_fill_super(struct super_block *sb)
{
	struct erofs_sb_info *sbi = EROFS_SB(sb);
	int err;

	if (!test_opt(&sbi->opt, INODE_SHARE))
		return 0;
	if (!erofs_sb_has_ishare_xattrs(sbi)) {
		/* with the host-wide default, most images have none: no noise */
		if (!sbi->ishare.by_default)
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
	erofs_ishare_hash_domain(&sbi->ishare);
	erofs_ishare_adopt_bdi(sb->s_bdi);
	erofs_info(sb, "page-cache sharing on%s",
		   sbi->ishare.by_default ? " (default domain)" : "");
	return 0;
}

static bool erofs_ishare_same_domain(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/*
 * Called after get_tree found the superblock of a block device.  If the
 * device was mounted already, the VFS hands back that superblock, and the
 * options of this mount (left in @fc->s_fs_info) were never applied: a
 * different domain_id (or none where one was given, or the reverse)
 * would silently keep the first mount's.  Refuse it, and drop the
 * superblock the way get_tree_bdev() does (it returns it locked).
 * File-backed mounts always get a superblock of their own.
 */
int erofs_ishare_check_reuse(struct fs_context *fc)
{
	struct erofs_sb_info *want = fc->s_fs_info;
	struct super_block *sb = fc->root->d_sb;

	if (!want)	/* a new superblock took over our options */
		return 0;
	if (erofs_ishare_same_domain(want->ishare.domain,
				     EROFS_SB(sb)->ishare.domain))
		return 0;
	errorfc(fc, "%s is already mounted with a different domain_id (or without one)",
		fc->source);
	dput(fc->root);
	fc->root = NULL;
	deactivate_locked_super(sb);
	return -EBUSY;
}

/*
 * Called first thing when @sb is shut down, before its inodes are
 * evicted: stop fills without a member file from picking members of @sb,
 * and wait for those that did (erofs_ishare_pin_member).  Pairs with the
 * barrier there: either the pinner sees @dying, or we see its pin.
 */
void erofs_ishare_kill_sb(struct super_block *sb)
{
	struct erofs_ishare_sb *isb = &EROFS_SB(sb)->ishare;

	WRITE_ONCE(isb->dying, true);
	smp_mb();	/* @dying before reading @pins */
	wait_var_event(&isb->pins, !atomic_read(&isb->pins));
}

/* ---- shared inodes on the pseudo mount -------------------------------- */

/*
 * The key of a shared inode: fingerprint, file size, block size and
 * domain, length-delimited (le32 fingerprint length, fingerprint, le64
 * i_size, u8 block size bits, le32 domain length, domain), so (V + "x",
 * "y") and (V, "xy") differ, and a file that claims a fingerprint with
 * another size gets a shared inode of its own instead of keeping the
 * honest files of that size out.  The domain makes the key a secret: it
 * is freed with kfree_sensitive().
 *
 * Only shared inodes keep a key, one reference each, until they are
 * freed (erofs_ishare_free_inode), after eviction took them out of the
 * inode hash, so the lookups that compare keys under inode_hash_lock never
 * see a freed one.  A member keeps only the key's hash (erofs_ishare_link):
 * it makes the key when it joins, from the fingerprint read again
 * (erofs_ishare_fetch_key), and drops it once the shared inode is found
 * or made with it, so a file that is looked up but never read allocates
 * nothing for sharing.
 *
 * The hash is SipHash with a key chosen at module load: an image author
 * cannot make many keys fall into one chain of the global inode hash.
 * It is computed from the parts of the key (erofs_ishare_hash), so that
 * inode fill can compute it without building the key.
 */
struct erofs_ishare_key {
	refcount_t ref;
	unsigned long hash;
	unsigned int len;
	u8 data[];
};

#define EROFS_ISHARE_KEY_LEN(fplen, dlen)	(4 + (fplen) + 8 + 1 + 4 + (dlen))

static unsigned long erofs_ishare_hash(const u8 *fp, unsigned int fplen,
				       struct inode *inode)
{
	return siphash_4u64(siphash(fp, fplen, &erofs_ishare_hash_key),
			    i_size_read(inode),
			    (u64)fplen << 8 | inode->i_blkbits,
			    EROFS_I_SB(inode)->ishare.domain_hash,
			    &erofs_ishare_hash_key);
}

static void erofs_ishare_put_key(struct erofs_ishare_key *key)
{
	if (key && refcount_dec_and_test(&key->ref))
		kfree_sensitive(key);
}

/*
 * Read the member's fingerprint value again, into @fp (@link->fp_len
 * bytes): from where inode fill found it, or through erofs_getxattr().
 * The image is read-only, but its backing file need not be: a value that
 * changed length since fill is an error.
 */
static int erofs_ishare_read_fp(struct inode *inode,
				struct erofs_ishare_link *link, u8 *fp)
{
	struct erofs_sb_info *sbi = EROFS_I_SB(inode);
	struct erofs_buf buf = __EROFS_BUF_INITIALIZER;
	const void *p;
	int len;

	if (!link->fp_pos) {
		len = erofs_getxattr(inode, sbi->ishare.name_index,
				     sbi->ishare.name, fp, link->fp_len);
		if (len < 0)
			return len;
		return len == link->fp_len ? 0 : -EFSCORRUPTED;
	}
	/* fill saw the whole xattr body, hence the value, in one block */
	p = erofs_read_metabuf(&buf, inode->i_sb,
			       erofs_iloc(inode) + link->fp_pos, EROFS_KMAP);
	if (IS_ERR(p))
		return PTR_ERR(p);
	memcpy(fp, p, link->fp_len);
	erofs_put_metabuf(&buf);
	return 0;
}

/* make the key of member @inode; NULL if it cannot (a read error warns) */
static struct erofs_ishare_key *erofs_ishare_fetch_key(struct inode *inode,
						struct erofs_ishare_link *link)
{
	const char *domain = EROFS_I_SB(inode)->ishare.domain;
	unsigned int dlen = strlen(domain), fplen = link->fp_len;
	struct erofs_ishare_key *key;
	u8 *p;
	int err;

	key = kmalloc(struct_size(key, data, EROFS_ISHARE_KEY_LEN(fplen, dlen)),
		      GFP_KERNEL_ACCOUNT);
	if (!key)
		return NULL;
	p = key->data;
	put_unaligned_le32(fplen, p);
	p += 4;
	err = erofs_ishare_read_fp(inode, link, p);
	if (err) {
		erofs_ishare_warn(inode, "cannot read fingerprint again (%d), not shared",
				  err);
		kfree_sensitive(key);
		return NULL;
	}
	refcount_set(&key->ref, 1);
	key->len = EROFS_ISHARE_KEY_LEN(fplen, dlen);
	key->hash = erofs_ishare_hash(p, fplen, inode);
	p += fplen;
	put_unaligned_le64(i_size_read(inode), p);
	p += 8;
	*p++ = inode->i_blkbits;
	put_unaligned_le32(dlen, p);
	memcpy(p + 4, domain, dlen);
	return key;
}

/*
 * Compare the full key, not just the hash: called under inode_hash_lock,
 * or with a reference on @inode (erofs_ishare_lookup).
 */
static int erofs_ishare_test(struct inode *inode, void *data)
{
	const struct erofs_ishare_key *a = EROFS_ISHARE_I(inode)->key, *b = data;

	return a->hash == b->hash && a->len == b->len &&
		!memcmp(a->data, b->data, a->len);
}

/* called under inode_hash_lock: is there a shared inode of this hash? */
static int erofs_ishare_test_hash(struct inode *inode, void *data)
{
	return EROFS_ISHARE_I(inode)->key->hash == *(unsigned long *)data;
}

/* called under inode_hash_lock: the new inode takes a key reference */
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
	erofs_nest_annotate(shared, member->i_sb, true);
	spin_lock(&erofs_ishare_all_lock);
	list_add_tail_rcu(&EROFS_ISHARE_I(shared)->all, &erofs_ishare_all);
	spin_unlock(&erofs_ishare_all_lock);
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
	const struct address_space_operations *aops = inode->i_data.a_ops;

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
 * The length of the fingerprint value (1..EROFS_ISHARE_FP_MAX bytes), or
 * 0: do not share.  Most files come with the value erofs_read_inode()
 * found and where it is; the others ask erofs_getxattr(), into @pk's
 * buffer, and will ask it again when they join (@pk->pos 0).
 */
static int erofs_ishare_read_value(struct inode *inode,
				   struct erofs_ishare_peek *pk)
{
	struct erofs_sb_info *sbi = EROFS_I_SB(inode);
	int len = pk->len;

	if (len == -EAGAIN) {
		len = erofs_getxattr(inode, sbi->ishare.name_index,
				     sbi->ishare.name, pk->fp, sizeof(pk->fp));
		pk->pos = 0;
	}
	if (len > 0)
		return len;
	if (len == -ERANGE)
		erofs_ishare_warn(inode, "fingerprint longer than %d bytes, not shared",
				  EROFS_ISHARE_FP_MAX);
	else if (!len)
		erofs_ishare_warn(inode, "empty fingerprint, not shared");
	else if (len != -ENOATTR)
		erofs_ishare_warn(inode, "cannot read fingerprint (%d), not shared",
				  len);
	return 0;
}

/*
 * Called at the end of inode fill, while @inode is still I_NEW: nobody
 * else can use it yet.  A file that can share keeps its key's hash and
 * where its fingerprint is, and gets the sharing file operations; it
 * makes its key and finds its shared inode at first use
 * (erofs_ishare_get).  Nothing is allocated.  Any failure leaves the file
 * unshared.
 */
void erofs_ishare_prepare(struct inode *inode, struct erofs_ishare_peek *pk)
{
	struct erofs_ishare_link *link = &EROFS_I(inode)->ishare;
	int len;

	if (!erofs_ishare_can_join(inode))
		return;
	len = erofs_ishare_read_value(inode, pk);
	if (!len)
		return;
	link->hash = erofs_ishare_hash(pk->fp, len, inode);
	link->fp_len = len;
	link->fp_pos = pk->pos ? EROFS_I(inode)->inode_isize + pk->pos : 0;
	link->state = EROFS_ISHARE_PENDING;	/* published by unlock_new_inode() */
	inode->i_fop = &erofs_ishare_fops;
}

/*
 * Add @inode to the members of @shared (NULL: find or make it with the
 * member's key).  Only the caller that moved @link to JOINING runs this.
 * Returns the final state.
 */
static int erofs_ishare_join(struct inode *inode, struct erofs_ishare_link *link,
			     struct inode *shared)
{
	struct erofs_ishare_inode *si;
	struct erofs_ishare_key *key;

	if (!shared) {
		key = erofs_ishare_fetch_key(inode, link);
		if (!key)
			return EROFS_ISHARE_UNSHARED;
		shared = erofs_ishare_iget(key, inode);
		/* a shared inode made with it took its own reference */
		erofs_ishare_put_key(key);
		if (!shared) {
			erofs_ishare_warn(inode, "out of memory, not shared");
			return EROFS_ISHARE_UNSHARED;
		}
	}
	/* the key holds both; a key collision would be a bug */
	if (WARN_ON_ONCE(shared->i_size != inode->i_size ||
			 shared->i_blkbits != inode->i_blkbits)) {
		iput(shared);
		return EROFS_ISHARE_UNSHARED;
	}
	si = EROFS_ISHARE_I(shared);
	link->shared = shared;
	spin_lock(&si->lock);
	list_add_tail(&link->node, &si->members);
	si->nr_members++;
	spin_unlock(&si->lock);
	atomic_long_inc(&erofs_ishare_nr_members);
	/*
	 * From now on the member's page cache is the shared mapping, for
	 * everyone: the VFS's i_mapping indirection, as for block-device
	 * inodes of old.  Kernel users that work on inode->i_mapping rather
	 * than on a file (uprobes walk its i_mmap, new opens copy it to
	 * f_mapping, drop_caches invalidates it) see the shared cache.  A
	 * reader that loaded the old value uses the member's own mapping,
	 * which stays valid (and empty unless such a reader fills it) until
	 * eviction; i_data keeps the member's own state (a_ops, which the
	 * fills dispatch on, and the pages eviction truncates).
	 */
	WRITE_ONCE(inode->i_mapping, shared->i_mapping);
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
 * The shared inode of member @inode if it exists already (and a
 * reference), else NULL.  A lookup by the hash alone costs no allocation
 * when there is none, as for most cold opens; only a match makes the
 * member's key, to compare it in full.  (Should two keys share a 64-bit
 * hash, the file may find the other one here and not join at open; its
 * first use still joins the right one.)
 */
static struct inode *erofs_ishare_lookup(struct inode *inode,
					 struct erofs_ishare_link *link)
{
	struct erofs_ishare_key *key;
	struct inode *found;

	found = ilookup5(erofs_ishare_mnt->mnt_sb, link->hash,
			 erofs_ishare_test_hash, &link->hash);
	if (!found)
		return NULL;
	key = erofs_ishare_fetch_key(inode, link);
	if (!key || !erofs_ishare_test(found, key)) {
		iput(found);
		found = NULL;
	}
	erofs_ishare_put_key(key);
	return found;
}

/*
 * The shared inode of member @inode, NULL when the file does not share
 * (yet), or an ERR_PTR.
 *
 * EROFS_ISHARE_GET_USE, at the first use of the page cache: the file joins
 * its shared inode, making it if need be, or stays unshared for good.
 * A fatal signal ends the wait for another joiner (-EINTR).
 * EROFS_ISHARE_GET_NOWAIT, for IOCB_NOWAIT reads: never block; -EAGAIN if
 * the file has not joined yet.
 * EROFS_ISHARE_GET_OPEN, at open: join only a shared inode that exists
 * already, and do not wait for a joiner (if none exists, nothing of this
 * content is cached, and the file's own empty mapping tells the truth
 * until its first use).
 *
 * One caller at a time joins (PENDING -> JOINING -> final state); callers
 * racing with it sleep until it is done, then look again.  The caller has
 * a file of @inode, so @inode cannot be evicted meanwhile.  Callers may
 * hold mmap_lock: joining takes no lock that is held around a user-memory
 * access (inode_hash_lock, the shared inode's ->lock).
 */
struct inode *erofs_ishare_get(struct inode *inode, int how)
{
	struct erofs_ishare_link *link = &EROFS_I(inode)->ishare;
	struct inode *found;
	int state;

	while (!erofs_ishare_settled(link, &state) &&
	       state != EROFS_ISHARE_NONE) {
		if (how == EROFS_ISHARE_GET_NOWAIT)
			return ERR_PTR(-EAGAIN);
		if (state == EROFS_ISHARE_JOINING) {
			if (how == EROFS_ISHARE_GET_OPEN)
				return NULL;
			if (wait_var_event_killable(&link->state,
				READ_ONCE(link->state) != EROFS_ISHARE_JOINING))
				return ERR_PTR(-EINTR);
			continue;
		}
		found = NULL;
		if (how == EROFS_ISHARE_GET_OPEN) {
			found = erofs_ishare_lookup(inode, link);
			if (!found)
				return NULL;	/* still PENDING */
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
 * Called from ->evict_inode of a member, maybe from the inode shrinker.
 * No file is open, so no join is running, and no fill without a member
 * file runs through us (it would hold a reference).  Only drop our
 * reference: a shared inode left without members stays cached with its
 * pages (see the lifetimes at the top), so nothing here truncates or
 * waits for I/O.
 */
void erofs_ishare_leave(struct inode *inode)
{
	struct erofs_ishare_link *link = &EROFS_I(inode)->ishare;
	struct inode *shared = link->shared;
	struct erofs_ishare_inode *si;

	DBG_BUGON(link->state == EROFS_ISHARE_JOINING);
	inode->i_mapping = &inode->i_data;
	link->state = EROFS_ISHARE_NONE;
	if (!shared)
		return;
	si = EROFS_ISHARE_I(shared);
	spin_lock(&si->lock);
	list_del_init(&link->node);
	si->nr_members--;
	spin_unlock(&si->lock);

	link->shared = NULL;
	atomic_long_dec(&erofs_ishare_nr_members);
	iput(shared);
}

static void erofs_ishare_unpin_sb(struct erofs_ishare_sb *isb)
{
	if (atomic_dec_and_test(&isb->pins))
		wake_up_var(&isb->pins);
}

/*
 * Fallback for a fill that has no member file: take a reference on a
 * member whose superblock is not shutting down, and a pin on that
 * superblock, so neither goes away until erofs_ishare_unpin_member().
 * The reference keeps the inode shrinker off the member; the pin makes
 * the superblock's shutdown wait (erofs_ishare_kill_sb).  The pin is
 * taken before @dying is read, the reverse of the killer's order.
 */
struct inode *erofs_ishare_pin_member(struct inode *shared)
{
	struct erofs_ishare_inode *si = EROFS_ISHARE_I(shared);
	struct erofs_ishare_link *link;
	struct erofs_ishare_sb *isb;
	struct inode *member;

	spin_lock(&si->lock);
	list_for_each_entry(link, &si->members, node) {
		member = &container_of(link, struct erofs_inode, ishare)->vfs_inode;
		isb = &EROFS_I_SB(member)->ishare;
		atomic_inc(&isb->pins);
		smp_mb__after_atomic();	/* the pin before reading @dying */
		if (!READ_ONCE(isb->dying) && igrab(member)) {
			spin_unlock(&si->lock);
			return member;
		}
		erofs_ishare_unpin_sb(isb);
	}
	spin_unlock(&si->lock);
	return NULL;
}

void erofs_ishare_unpin_member(struct inode *member)
{
	struct erofs_ishare_sb *isb = &EROFS_I_SB(member)->ishare;

	iput(member);
	erofs_ishare_unpin_sb(isb);
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
	INIT_LIST_HEAD(&si->all);
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
	if (!list_empty(&si->all)) {
		spin_lock(&erofs_ishare_all_lock);
		list_del_rcu(&si->all);
		spin_unlock(&erofs_ishare_all_lock);
		atomic_long_dec(&erofs_ishare_nr_shared);
	}
}

static const struct super_operations erofs_ishare_sops = {
	.alloc_inode	= erofs_ishare_alloc_inode,
	.free_inode	= erofs_ishare_free_inode,
	.evict_inode	= erofs_ishare_evict_inode,
	/* default ->drop_inode: an unused shared inode stays cached */
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
 * Pages resident in shared mappings, and bytes saved = sum over shared
 * inodes of (members - 1) * resident bytes (a member is a file that has
 * used the shared cache, or was opened while its shared inode existed).
 * The page cache has no hook that would tell us when a folio enters or
 * leaves a mapping (->free_folio does not name it), so these two are
 * summed when read, over our own list of shared inodes, under RCU only:
 * no lock that joins, fills or evictions take.  The files are root-only.
 */
static void erofs_ishare_scan(unsigned long *pages, u64 *saved)
{
	struct erofs_ishare_inode *si;

	*pages = 0;
	*saved = 0;
	rcu_read_lock();
	list_for_each_entry_rcu(si, &erofs_ishare_all, all) {
		unsigned long nr = READ_ONCE(si->vfs_inode.i_data.nrpages);
		unsigned int members = READ_ONCE(si->nr_members);

		*pages += nr;
		if (members > 1)
			*saved += (u64)(members - 1) * nr << PAGE_SHIFT;
	}
	rcu_read_unlock();
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

/*
 * Root only: the counters change when any domain's files are used, so
 * other users could watch what other tenants read.
 */
static struct kobj_attribute erofs_ishare_attr_shared =
	__ATTR(shared_inodes, 0400, shared_inodes_show, NULL);
static struct kobj_attribute erofs_ishare_attr_members =
	__ATTR(member_inodes, 0400, member_inodes_show, NULL);
static struct kobj_attribute erofs_ishare_attr_pages =
	__ATTR(cached_pages, 0400, cached_pages_show, NULL);
static struct kobj_attribute erofs_ishare_attr_saved =
	__ATTR(bytes_saved, 0400, bytes_saved_show, NULL);

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

	get_random_bytes(&erofs_ishare_hash_key, sizeof(erofs_ishare_hash_key));
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
 * mount), so every shared inode left is unused.  Unmounting the pseudo
 * fs evicts them; then let the RCU inode frees (which free the keys)
 * finish before the inode cache is destroyed.
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
