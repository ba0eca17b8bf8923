// SPDX-License-Identifier: GPL-2.0-only
/*
 * erofs-ishare: file and address-space operations of shared files.
 *
 * A member's file points at the shared mapping (file->f_mapping), as
 * block-device files point at the device's mapping: from open when its
 * shared inode exists, else from its first page-cache use, which creates
 * it (erofs_ishare_use).  A joined member's inode->i_mapping points there
 * too (erofs_ishare_join), for users that go by the inode; its own
 * address space (i_data) keeps its read method.  Everything that works on file->f_mapping then
 * uses the one shared page cache with no extra object per open: buffered
 * reads, mmap and page faults, fadvise and readahead(2), splice, sendfile
 * and copy_file_range, mincore and cachestat.  file_inode() stays the
 * member, so permissions, atime, fsnotify, LSM hooks and /proc/<pid>/maps
 * see the file the user opened.  The member's own mapping stays empty:
 * nothing is cached privately.  O_DIRECT bypasses the page cache and is
 * served by the member's own inode.
 *
 * Lifetime: an open file pins its path, hence the member inode, which
 * holds a reference on its shared inode (erofs_ishare_get/leave), so the
 * shared mapping outlives every file and every mapping (a vma holds its
 * file) that points at it.
 *
 * A page-cache miss is filled through a member chosen per call:
 *  - the opener's own real inode when the caller passes its file (read,
 *    fault, splice, fadvise, readahead): the file pins that inode's mount,
 *    so unmounting another member never pulls the device away from that
 *    I/O, and `umount -l` waits for the last file or mapping;
 *  - otherwise a list member, held by a reference and a pin on its
 *    superblock, so that neither goes away during the fill
 *    (erofs_ishare_pin_member).
 * The fill then runs the member's own read method: iomap for uncompressed
 * block-device members, the file-backed path for uncompressed file-backed
 * members, z_erofs for compressed members of either kind, so members of
 * all kinds can share one page cache.
 *
 * Which state lives where when z_erofs fills a shared folio:
 *  - the member's superblock owns the pcluster XArray (keyed by physical
 *    address on that member's device), the managed cache of compressed
 *    data and the device or backing file; z_erofs_map_blocks_iter() and
 *    fragment reads run on the member;
 *  - the shared mapping owns the decompressed folios, including those
 *    "readmore" adds around the requested range;
 *  - folio->private of a shared folio is the z_erofs (or file-backed)
 *    folio counter only while that fill holds the folio lock, and zero
 *    (no PG_private) afterwards; iomap attaches per-block state with
 *    PG_private and keeps it after the fill.  The methods meet only on a
 *    folio that is not uptodate, i.e. after a failed fill: before z_erofs
 *    or the file-backed path takes such a folio, iomap's state is
 *    released, and z_erofs' readmore skips folios with PG_private.
 * Lifetimes of an asynchronous compressed fill: the frontend runs under
 * the pin described above.  Once it has submitted, the decompression
 * queue holds a reference on each of its pclusters until it has
 * decompressed them, and the member's ->put_super
 * (erofs_shrinker_unregister) waits for every pcluster of its XArray to
 * be released, so unmounting the member never frees the superblock, its
 * managed cache or its device under an in-flight decompression.  The
 * file-backed request additionally holds its backing file.
 */
#include "ishare_priv.h"

/* ---- user file ---------------------------------------------------------- */

/*
 * do_dentry_open() set file->f_mapping from inode->i_mapping before calling
 * us; it initialises the readahead state from file->f_mapping after we
 * return, so the shared mapping's bdi drives readahead.  A member that has
 * joined published the shared mapping in its i_mapping (erofs_ishare_join)
 * before anything could open it through that value, and holds its
 * reference until eviction, which no open file allows: such a file
 * already points at the shared mapping, and that is most opens of a
 * shared file, so they take no other step here.  A member that has not
 * joined yet joins here only a shared inode that exists; if there is
 * none, the file keeps its own (empty) mapping until its first page-cache
 * use (erofs_ishare_use), so opening never creates one.
 */
static int erofs_ishare_open(struct inode *inode, struct file *file)
{
	struct inode *shared;

	/* the VFS tests ->direct_IO of f_mapping: keep the member's answer */
	if (inode->i_data.a_ops->direct_IO)
		file->f_mode |= FMODE_CAN_ODIRECT;
	/*
	 * IOCB_NOWAIT reads (preadv2(RWF_NOWAIT), io_uring) are handled:
	 * filemap_read() does not wait for I/O, and a file that would have
	 * to join first gets -EAGAIN (erofs_ishare_read_iter).
	 */
	file->f_mode |= FMODE_NOWAIT;
	if (file->f_mapping != &inode->i_data)
		return 0;
	shared = erofs_ishare_get(inode, EROFS_ISHARE_GET_OPEN);
	if (!IS_ERR_OR_NULL(shared))
		file->f_mapping = shared->i_mapping;
	return 0;
}

/*
 * A loop device restricts the allocations of its backing file's mapping
 * (no __GFP_IO/__GFP_FS: its worker must not recurse into filesystem I/O)
 * when it is set up, which may be before the file's first use moved it to
 * the shared mapping.  Carry such a restriction over; loop restores the
 * mask on f_mapping when it is torn down.
 */
static void erofs_ishare_inherit_gfp(struct address_space *own,
				     struct address_space *shared)
{
	gfp_t gfp = mapping_gfp_mask(own), now = mapping_gfp_mask(shared);

	if ((now & gfp) != now)
		mapping_set_gfp_mask(shared, now & gfp);
}

/*
 * Called before every page-cache access through @file (read, mmap,
 * splice, fadvise): join the shared inode if the member has not yet, and
 * point the file at the shared mapping.
 *
 * file->f_mapping changes at most once, from the member's own mapping,
 * which nothing has used through this file, to the shared mapping, and
 * never back (JOINED is final).  Every way into the page cache through a
 * file of ours passes here first, in the same task, so nothing is cached
 * in the member's mapping and no vma is linked to it: ->mmap runs before
 * mmap_region() links the vma to file->f_mapping, and a vma merge or fork
 * needs an existing vma of the same file.  Readers that only look at
 * f_mapping (llseek, cachestat) may see either mapping; both stay valid
 * while the file is open.  A member that stays unshared keeps its own
 * mapping for good.
 *
 * Returns 0, -EINTR when a fatal signal ended the wait for another
 * joiner, or -EAGAIN for @how == EROFS_ISHARE_GET_NOWAIT when joining
 * would block.
 */
static int erofs_ishare_use(struct file *file, int how)
{
	struct inode *inode = file_inode(file);
	struct inode *shared = erofs_ishare_get(inode, how);

	if (IS_ERR(shared))
		return PTR_ERR(shared);
	if (!shared || READ_ONCE(file->f_mapping) == shared->i_mapping)
		return 0;
	/* racing first users of one file: one moves it and resets readahead */
	if (cmpxchg(&file->f_mapping, &inode->i_data, shared->i_mapping) ==
	    &inode->i_data) {
		erofs_ishare_inherit_gfp(&inode->i_data, shared->i_mapping);
		file_ra_state_init(&file->f_ra, shared->i_mapping);
	}
	return 0;
}

/*
 * O_DIRECT can only be set on files whose member supports it (see
 * erofs_ishare_open and fcntl's FMODE_CAN_ODIRECT check); only
 * uncompressed members on block-device mounts serve it.  They read their
 * own blocks, bypassing any cache.
 */
static ssize_t erofs_ishare_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	int err;

	if (!(iocb->ki_flags & IOCB_DIRECT)) {
		err = erofs_ishare_use(iocb->ki_filp,
				       (iocb->ki_flags & IOCB_NOWAIT) ?
				       EROFS_ISHARE_GET_NOWAIT : EROFS_ISHARE_GET_USE);
		if (err)
			return err;
		return filemap_read(iocb, to, 0);
	}
	if (inode->i_data.a_ops != &erofs_aops)
		return -EINVAL;
	return erofs_file_fops.read_iter(iocb, to);
}

static int erofs_ishare_mmap(struct file *file, struct vm_area_struct *vma)
{
	int err = erofs_ishare_use(file, EROFS_ISHARE_GET_USE);

	return err ?: generic_file_readonly_mmap(file, vma);
}

static ssize_t erofs_ishare_splice_read(struct file *in, loff_t *ppos,
					struct pipe_inode_info *pipe,
					size_t len, unsigned int flags)
{
	int err = erofs_ishare_use(in, EROFS_ISHARE_GET_USE);

	return err ?: filemap_splice_read(in, ppos, pipe, len, flags);
}

/* also readahead(2) and madvise(MADV_WILLNEED) */
static int erofs_ishare_fadvise(struct file *file, loff_t offset, loff_t len,
				int advice)
{
	int err = erofs_ishare_use(file, EROFS_ISHARE_GET_USE);

	return err ?: generic_fadvise(file, offset, len, advice);
}

/* No ->release: nothing is allocated per open. */
const struct file_operations erofs_ishare_fops = {
	.open		= erofs_ishare_open,
	.llseek		= generic_file_llseek,
	.read_iter	= erofs_ishare_read_iter,
	.mmap		= erofs_ishare_mmap,
	.splice_read	= erofs_ishare_splice_read,
	.fadvise	= erofs_ishare_fadvise,
	.get_unmapped_area = thp_get_unmapped_area,
};

/* ---- filling the shared mapping --------------------------------------- */

struct erofs_ishare_pick {
	struct inode *member;
	bool pinned;		/* fallback: erofs_ishare_pin_member() */
};

/* the member a user file of a shared inode was opened on */
static struct inode *erofs_ishare_opener(struct file *file)
{
	if (!file || file->f_op != &erofs_ishare_fops)
		return NULL;
	return file_inode(file);
}

static int erofs_ishare_pick(struct inode *shared, struct file *file,
			     struct erofs_ishare_pick *p)
{
	p->member = erofs_ishare_opener(file);
	p->pinned = false;
	if (p->member) {
		DBG_BUGON(EROFS_I(p->member)->ishare.shared != shared);
		return 0;
	}
	p->member = erofs_ishare_pin_member(shared);
	if (!p->member)
		return -EIO;
	p->pinned = true;
	return 0;
}

static void erofs_ishare_unpick(struct erofs_ishare_pick *p)
{
	if (p->pinned)
		erofs_ishare_unpin_member(p->member);
}

/* iomap only knows the shared inode: map through the current fill's member */
static int erofs_ishare_iomap_begin(struct inode *inode, loff_t offset,
				    loff_t length, unsigned int flags,
				    struct iomap *iomap, struct iomap *srcmap)
{
	struct inode *member = erofs_ishare_fill_member(inode);

	if (!member) {
		DBG_BUGON(1);
		return -EIO;
	}
	return erofs_iomap_ops.iomap_begin(member, offset, length, flags,
					   iomap, srcmap);
}

static int erofs_ishare_iomap_end(struct inode *inode, loff_t pos,
				  loff_t length, ssize_t written,
				  unsigned int flags, struct iomap *iomap)
{
	struct inode *member = erofs_ishare_fill_member(inode);

	return erofs_iomap_ops.iomap_end(member ?: inode, pos, length, written,
					 flags, iomap);
}

static const struct iomap_ops erofs_ishare_iomap_ops = {
	.iomap_begin	= erofs_ishare_iomap_begin,
	.iomap_end	= erofs_ishare_iomap_end,
};

/*
 * The file-backed and compressed paths keep a counter in ->private while
 * they fill a locked folio: drop per-block state that an earlier, failed
 * iomap fill left on it (it is not uptodate, nobody else uses it).
 */
static void erofs_ishare_clear_iomap_state(struct folio *folio)
{
	if (folio_test_private(folio))
		iomap_release_folio(folio, GFP_NOFS);
}

static int erofs_ishare_read_folio_via(struct inode *shared,
				       struct inode *member,
				       struct folio *folio)
{
	const struct address_space_operations *aops = member->i_data.a_ops;
	struct erofs_ishare_fill fill;
	int err;

	if (aops == &erofs_aops) {
		erofs_ishare_fill_begin(shared, &fill, member);
		err = iomap_read_folio(folio, &erofs_ishare_iomap_ops);
		erofs_ishare_fill_end(shared, &fill);
		return err;
	}
#ifdef CONFIG_EROFS_FS_BACKED_BY_FILE
	if (aops == &erofs_fileio_aops) {
		erofs_ishare_clear_iomap_state(folio);
		return erofs_fileio_read_folio_as(member, folio);
	}
#endif
#ifdef CONFIG_EROFS_FS_ZIP
	if (aops == &z_erofs_aops) {
		erofs_ishare_clear_iomap_state(folio);
		return z_erofs_read_folio_as(member, folio);
	}
#endif
	folio_unlock(folio);
	return -EIO;
}

static int erofs_ishare_read_folio(struct file *file, struct folio *folio)
{
	struct inode *shared = folio->mapping->host;
	struct erofs_ishare_pick p;
	int err;

	err = erofs_ishare_pick(shared, file, &p);
	if (err) {
		folio_unlock(folio);
		return err;
	}
	err = erofs_ishare_read_folio_via(shared, p.member, folio);
	erofs_ishare_unpick(&p);
	return err;
}

/* folios left in @rac are unlocked and dropped by the caller */
static void erofs_ishare_readahead(struct readahead_control *rac)
{
	struct inode *shared = rac->mapping->host;
	const struct address_space_operations *aops;
	struct erofs_ishare_fill fill;
	struct erofs_ishare_pick p;

	if (erofs_ishare_pick(shared, rac->file, &p))
		return;
	aops = p.member->i_data.a_ops;
	if (aops == &erofs_aops) {
		erofs_ishare_fill_begin(shared, &fill, p.member);
		iomap_readahead(rac, &erofs_ishare_iomap_ops);
		erofs_ishare_fill_end(shared, &fill);
	}
#ifdef CONFIG_EROFS_FS_BACKED_BY_FILE
	if (aops == &erofs_fileio_aops)
		erofs_fileio_readahead_as(p.member, rac);
#endif
#ifdef CONFIG_EROFS_FS_ZIP
	/* its folios are new: no other method's state on them */
	if (aops == &z_erofs_aops)
		z_erofs_readahead_as(p.member, rac);
#endif
	erofs_ishare_unpick(&p);
}

const struct address_space_operations erofs_ishare_aops = {
	.read_folio	= erofs_ishare_read_folio,
	.readahead	= erofs_ishare_readahead,
	.release_folio	= iomap_release_folio,
	.invalidate_folio = iomap_invalidate_folio,
};
