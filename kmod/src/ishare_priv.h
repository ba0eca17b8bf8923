/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * erofs-ishare: definitions shared by ishare.c and ishare_io.c only.
 */
#ifndef __EROFS_ISHARE_PRIV_H
#define __EROFS_ISHARE_PRIV_H

#include "internal.h"

/*
 * A shared inode lives on our internal pseudo mount, one per key (see
 * ishare.c).  Each member holds one reference, and only members and
 * fills without a member file hold references (open files reach it
 * through their member).  Without references it stays cached with its
 * pages until the page LRU has reclaimed them and the inode shrinker
 * evicts it, or until module exit.
 *
 * @lock protects @members, @fills and @nr_members.  It is a spinlock
 * never held across a sleep; under it only a member's ->i_lock is taken
 * (igrab).  @all is on the list of every shared inode (ishare.c).
 */
struct erofs_ishare_inode {
	spinlock_t lock;
	struct list_head members;	/* erofs_ishare_link.node */
	struct list_head fills;		/* erofs_ishare_fill.node */
	unsigned int nr_members;
	struct erofs_ishare_key *key;	/* a reference, see ishare.c */
	struct list_head all;
	struct inode vfs_inode;
};

static inline struct erofs_ishare_inode *EROFS_ISHARE_I(struct inode *inode)
{
	return container_of(inode, struct erofs_ishare_inode, vfs_inode);
}

extern struct vfsmount *erofs_ishare_mnt;
extern const struct file_operations erofs_ishare_fops;
extern const struct address_space_operations erofs_ishare_aops;

struct inode *erofs_ishare_pin_member(struct inode *shared);
void erofs_ishare_unpin_member(struct inode *member);

/* how erofs_ishare_get() is called */
enum {
	EROFS_ISHARE_GET_OPEN,		/* at open: join an existing one only */
	EROFS_ISHARE_GET_USE,		/* first page-cache use: join, wait */
	EROFS_ISHARE_GET_NOWAIT,	/* IOCB_NOWAIT: never block */
};
struct inode *erofs_ishare_get(struct inode *inode, int how);

#endif	/* __EROFS_ISHARE_PRIV_H */
