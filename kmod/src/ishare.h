/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * erofs-ishare: page-cache sharing of identical files across erofs mounts.
 *
 * Included by internal.h, so it only uses basic kernel types.  The
 * design, the lock order and the lifetimes are described in ishare.c and
 * in Documentation/ishare.rst.
 */
#ifndef __EROFS_ISHARE_H
#define __EROFS_ISHARE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/atomic.h>

struct inode;
struct file;
struct super_block;
struct fs_context;
struct fs_parameter;
struct erofs_sb_info;
struct erofs_ishare_key;

/* per-superblock state, part of struct erofs_sb_info */
struct erofs_ishare_sb {
	char *domain;		/* domain_id=: a secret, never printed */
	char *name;		/* fingerprint xattr name infix, NUL-terminated */
	unsigned int name_len;
	int name_index;		/* its short xattr prefix index */
	bool by_default;	/* @domain is erofs.ishare_default_domain's */
	u64 domain_hash;	/* of @domain, part of every key's hash */
	u32 filter_bit;		/* its bit in h_name_filter, 0: no filter */
	/*
	 * Fills without a member file pin a member of this sb (ishare.c):
	 * @pins counts them, and once @dying is set (the sb is being shut
	 * down) no new pin is taken.
	 */
	atomic_t pins;
	bool dying;
};

/*
 * The longest fingerprint value that shares: 128 bytes, room for a
 * 512-bit digest with a text prefix.  erofs-utils writes 39 bytes
 * ("sha256:" and 32 raw digest bytes).  Longer values do not share.
 */
#define EROFS_ISHARE_FP_MAX	128

/*
 * The fingerprint as erofs_read_inode() found it in the inode's own block,
 * kept on erofs_fill_inode()'s stack until erofs_ishare_prepare().  @len is
 * the value length, -ENOATTR when the file has none, or -EAGAIN when the
 * block alone cannot tell (erofs_getxattr() will).  @pos is where the
 * value starts, in bytes from the start of the xattr body.
 */
struct erofs_ishare_peek {
	int len;
	unsigned int pos;
	u8 fp[EROFS_ISHARE_FP_MAX];
};

/*
 * Membership of a real (member) inode in a shared inode, part of struct
 * erofs_inode (zeroed at allocation: EROFS_ISHARE_NONE).
 *
 * A regular file whose fingerprint is read at inode fill keeps the hash
 * of its key (@hash) and where its fingerprint is (@fp_pos, @fp_len), and
 * is PENDING; the key itself is only made when the file joins, so a file
 * that is only looked up or stat()ed costs no allocation.  Opening it
 * joins the shared inode if one exists already; the first use of its
 * page cache (read, mmap, splice, fadvise through one of its files) joins
 * it, making it if need be.  One caller at a time moves PENDING ->
 * JOINING and ends in JOINED or, if joining fails, UNSHARED; concurrent
 * callers wait for it.  JOINED and UNSHARED are final until eviction.  A
 * file that is only looked up, stat()ed or opened never makes a shared
 * inode.
 *
 * @shared and @node are set by the joiner and torn down at eviction;
 * readers see them after an acquire load of @state that returns JOINED.
 * @hash, @fp_pos and @fp_len are set at fill, before the inode is
 * published, and never change.
 */
enum {
	EROFS_ISHARE_NONE,	/* not a candidate: never shares */
	EROFS_ISHARE_PENDING,	/* has its key hash, page cache not used yet */
	EROFS_ISHARE_JOINING,	/* a first user is joining */
	EROFS_ISHARE_JOINED,	/* a member of @shared */
	EROFS_ISHARE_UNSHARED,	/* joining failed: uses its own cache */
};

struct erofs_ishare_link {
	struct inode *shared;
	struct list_head node;	/* on the shared inode's member list */
	unsigned long hash;	/* the hash of its key */
	/*
	 * The fingerprint value: @fp_len bytes, @fp_pos bytes after the
	 * on-disk inode's start (in the inode's block), or, if @fp_pos is
	 * 0, wherever erofs_getxattr() finds it.
	 */
	u32 fp_pos;
	u8 fp_len;
	int state;
};

/*
 * Per-call fill context.  iomap calls ->iomap_begin with the shared inode
 * only, so a fill registers which member it runs through, keyed by the
 * task, for as long as it maps blocks.  Any read path that is handed the
 * shared inode can find its member with erofs_ishare_fill_member().
 */
struct erofs_ishare_fill {
	struct list_head node;	/* on the shared inode's fill list */
	struct task_struct *task;
	struct inode *member;
};

int erofs_ishare_parse_domain(struct fs_context *fc,
			      struct fs_parameter *param);
int erofs_ishare_check_options(struct fs_context *fc);
int erofs_ishare_reconfigure(struct fs_context *fc, struct erofs_sb_info *sbi,
			     struct erofs_sb_info *new_sbi);
int erofs_ishare_fill_super(struct super_block *sb);
int erofs_ishare_check_reuse(struct fs_context *fc);
void erofs_ishare_kill_sb(struct super_block *sb);
void erofs_ishare_free_sb(struct erofs_ishare_sb *isb);

void erofs_ishare_peek(struct inode *inode, const void *ibody,
		       unsigned int avail, struct erofs_ishare_peek *pk);
void erofs_ishare_prepare(struct inode *inode, struct erofs_ishare_peek *pk);
void erofs_ishare_leave(struct inode *inode);

void erofs_ishare_fill_begin(struct inode *shared,
			     struct erofs_ishare_fill *fill,
			     struct inode *member);
void erofs_ishare_fill_end(struct inode *shared,
			   struct erofs_ishare_fill *fill);
struct inode *erofs_ishare_fill_member(struct inode *shared);

int erofs_ishare_init(void);
void erofs_ishare_exit(void);

#endif	/* __EROFS_ISHARE_H */
