/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * erofs-ishare: definitions shared by ishare.c and ishare_io.c only.
 */
#ifndef __EROFS_ISHARE_PRIV_H
#define __EROFS_ISHARE_PRIV_H

#include "internal.h"

/*
 * A shared inode lives on our internal pseudo mount, one per (fingerprint,
 * domain) key.  Each member holds one reference, and only members hold
 * references (open files reach it through their member).  The last
 * reference evicts it at once (never cached unreferenced) and its page
 * cache goes with it.
 *
 * @lock protects @members, @fills and @nr_members.  It is a
 * leaf lock: nothing else is taken while it is held, and it is never held
 * across a sleep.
 */
struct erofs_ishare_inode {
	spinlock_t lock;
	struct list_head members;	/* erofs_ishare_link.node */
	struct list_head fills;		/* erofs_ishare_fill.node */
	unsigned int nr_members;
	struct erofs_ishare_key *key;	/* a reference, see ishare.c */
	struct inode vfs_inode;
};

static inline struct erofs_ishare_inode *EROFS_ISHARE_I(struct inode *inode)
{
	return container_of(inode, struct erofs_ishare_inode, vfs_inode);
}

extern struct vfsmount *erofs_ishare_mnt;
extern const struct file_operations erofs_ishare_fops;
extern const struct address_space_operations erofs_ishare_aops;

struct erofs_ishare_link *erofs_ishare_pin_member(struct inode *shared);
void erofs_ishare_unpin_member(struct erofs_ishare_link *link);
struct inode *erofs_ishare_get(struct inode *inode, bool create);

#endif	/* __EROFS_ISHARE_PRIV_H */
