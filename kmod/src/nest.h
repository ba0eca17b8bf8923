/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * erofs-ishare: lockdep classes for an erofs image nested in an erofs
 * mount (nest.c).  Included by internal.h.
 */
#ifndef __EROFS_NEST_H
#define __EROFS_NEST_H

#include <linux/types.h>

struct inode;
struct super_block;

bool erofs_is_nested(struct super_block *sb);
void erofs_nest_annotate(struct inode *inode, struct super_block *sb,
			 bool shared);

#endif
