// SPDX-License-Identifier: GPL-2.0
/*
 * chan: message channels on lock-free rings.
 *
 * Module entry points and tunables.  Everything else lives in files of its
 * own: dev.c (the /dev/chan device and its ioctls), object.c (the channel
 * object), ring.h (the lock-free ring), xfer.c (sending and receiving),
 * ep.c (endpoint files), names.c (names and permissions), limits.c
 * (per-user limits) and info.c (reporting).
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

unsigned int chan_max_user_channels = 1024;
module_param_named(max_user_channels, chan_max_user_channels, uint, 0644);
MODULE_PARM_DESC(max_user_channels,
		 "Channels one user may own at once (default 1024)");

unsigned long chan_max_user_bytes = 64UL << 20;
module_param_named(max_user_bytes, chan_max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Ring memory one user may own in bytes (default 64 MiB)");

unsigned int chan_spin_ns = 50000;
module_param_named(spin_ns, chan_spin_ns, uint, 0644);
MODULE_PARM_DESC(spin_ns,
		 "Nanoseconds a blocking send or receive spins before it sleeps; 0 never spins (default 50000)");

static int __init chan_init(void)
{
	int ret;

	ret = chan_object_init();
	if (ret)
		return ret;
	chan_debug_init();
	ret = chan_dev_init();
	if (ret)
		goto exit_debug;
	return 0;

exit_debug:
	chan_debug_exit();
	chan_object_exit();
	return ret;
}

static void __exit chan_exit(void)
{
	chan_dev_exit();
	chan_names_exit();
	chan_debug_exit();
	chan_object_exit();
}

module_init(chan_init);
module_exit(chan_exit);

MODULE_DESCRIPTION("chan: message channels on lock-free rings");
MODULE_AUTHOR("The chan developers");
MODULE_LICENSE("GPL");
