// SPDX-License-Identifier: GPL-2.0-only
/*
 * erofs-ishare: tell our out-of-tree build apart from Debian's erofs.ko.
 * `modinfo erofs.ko` shows this string as "version:", and the loaded
 * module shows it in /sys/module/erofs/version.
 */
#include <linux/module.h>
#include "ishare_version.h"

MODULE_VERSION(EROFS_ISHARE_VERSION);
MODULE_INFO(ishare, "erofs-ishare out-of-tree build");
