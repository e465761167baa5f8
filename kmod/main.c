// SPDX-License-Identifier: GPL-2.0
/*
 * chan: message channels on lock-free rings.
 *
 * Module entry points and tunables.  Everything else lives in files of its
 * own: dev.c (the /dev/chan device and its ioctls).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

unsigned int chan_max_capacity = 65536;
module_param_named(max_capacity, chan_max_capacity, uint, 0644);
MODULE_PARM_DESC(max_capacity,
		 "Largest channel capacity in messages (default 65536)");

unsigned int chan_max_msg_size = 65536;
module_param_named(max_msg_size, chan_max_msg_size, uint, 0644);
MODULE_PARM_DESC(max_msg_size,
		 "Largest message size in bytes (default 65536)");

static int __init chan_init(void)
{
	return chan_dev_init();
}

static void __exit chan_exit(void)
{
	chan_dev_exit();
}

module_init(chan_init);
module_exit(chan_exit);

MODULE_DESCRIPTION("chan: message channels on lock-free rings");
MODULE_AUTHOR("The chan developers");
MODULE_LICENSE("GPL");
