// SPDX-License-Identifier: GPL-2.0-only
/*
 * erofs-ishare: lockdep classes for an erofs image nested in an erofs mount.
 *
 * A file-backed mount whose image file lives on another erofs mount reads
 * that file from its own readahead: page_cache_ra_unbounded() holds the
 * inner mapping's invalidate_lock shared while erofs_fileio_rq_submit()
 * reads the image, and the image's readahead takes the outer mapping's
 * invalidate_lock shared.  inode_init_always() puts every erofs mapping's
 * lock in one class (erofs_fs_type's invalidate_lock_key), so lockdep
 * reports "possible recursive locking" although the two locks belong to
 * different mappings and nothing in erofs takes either for write.  Debian's
 * own erofs.ko reports the same (tests/vm/nest); the shared inodes of
 * page-cache sharing, all on our pseudo superblock, have the same problem
 * among themselves.
 *
 * erofs_fc_fill_super() refuses an image on a file-backed erofs mount or on
 * any stacked filesystem, so erofs nests at most two levels deep: the
 * inner level gets classes of its own, which keeps lockdep's checking of
 * both levels (an inner lock taken under an outer one would still be
 * reported).
 */
#include "internal.h"

static struct lock_class_key erofs_nested_invalidate_key;
static struct lock_class_key erofs_ishare_nested_invalidate_key;

/*
 * Is @sb's image a file on an erofs mount?  Only the primary device is
 * checked, as erofs_fc_fill_super() does.  The file stays open (and its
 * inode pinned) for the lifetime of the sb.
 */
bool erofs_is_nested(struct super_block *sb)
{
	struct erofs_sb_info *sbi = EROFS_SB(sb);

	return erofs_is_fileio_mode(sbi) &&
	       file_inode(sbi->dif0.file)->i_sb->s_magic == EROFS_SUPER_MAGIC_V1;
}

/*
 * Give @inode's mapping the nested class if @sb is nested.  Called while
 * @inode is I_NEW (nobody holds its locks yet): for an erofs inode at the
 * end of erofs_fill_inode() with @sb its own sb, for a shared inode
 * (@shared) when it is set up, with @sb the first member's sb (a shared
 * inode whose members sit at both levels keeps the first member's class).
 */
void erofs_nest_annotate(struct inode *inode, struct super_block *sb,
			 bool shared)
{
	if (!erofs_is_nested(sb))
		return;
	if (shared)
		lockdep_set_class_and_name(&inode->i_mapping->invalidate_lock,
					   &erofs_ishare_nested_invalidate_key,
					   "erofs_ishare_nested.invalidate_lock");
	else
		lockdep_set_class_and_name(&inode->i_mapping->invalidate_lock,
					   &erofs_nested_invalidate_key,
					   "erofs_nested.invalidate_lock");
}
