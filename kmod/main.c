// SPDX-License-Identifier: GPL-2.0
/*
 * chan: message channels on lock-free rings.
 *
 * Module entry points and tunables.  Everything else lives in files of its
 * own, one concern each; kmod/README shows their layers.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

/*
 * Every tunable has a ceiling, so that no product of them can overflow
 * and no value can ask for more than the ring's design allows: capacity
 * at most CHAN_CAPACITY_LIMIT (2^29) slots, messages at most
 * CHAN_MSG_SIZE_LIMIT (16 MiB), a spin at most 10 ms.
 */
#define CHAN_UINT_PARAM(name, var, lo, hi)				\
static int chan_set_##name(const char *val, const struct kernel_param *kp) \
{									\
	return param_set_uint_minmax(val, kp, lo, hi);			\
}									\
static const struct kernel_param_ops chan_##name##_ops = {		\
	.set = chan_set_##name,						\
	.get = param_get_uint,						\
};									\
module_param_cb(name, &chan_##name##_ops, &(var), 0644)

unsigned int chan_max_capacity = 65536;
CHAN_UINT_PARAM(max_capacity, chan_max_capacity, 1, CHAN_CAPACITY_LIMIT);
MODULE_PARM_DESC(max_capacity,
		 "Largest channel capacity in messages, 1 to 2^29 (default 65536)");

unsigned int chan_max_msg_size = 65536;
CHAN_UINT_PARAM(max_msg_size, chan_max_msg_size, 1, CHAN_MSG_SIZE_LIMIT);
MODULE_PARM_DESC(max_msg_size,
		 "Largest message size in bytes, 1 to 16 MiB (default 65536)");

unsigned int chan_max_user_channels = 1024;
CHAN_UINT_PARAM(max_user_channels, chan_max_user_channels, 0, 1U << 20);
MODULE_PARM_DESC(max_user_channels,
		 "Channels one user may own at once, 0 to 2^20 (default 1024)");

static int chan_set_max_user_bytes(const char *val,
				   const struct kernel_param *kp)
{
	unsigned long v;
	int ret = kstrtoul(val, 0, &v);

	if (ret)
		return ret;
	if (v > CHAN_USER_BYTES_LIMIT)
		return -EINVAL;
	*(unsigned long *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops chan_max_user_bytes_ops = {
	.set = chan_set_max_user_bytes,
	.get = param_get_ulong,
};

unsigned long chan_max_user_bytes = 64UL << 20;
module_param_cb(max_user_bytes, &chan_max_user_bytes_ops,
		&chan_max_user_bytes, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Ring memory one user may own in bytes, at most 1 TiB (default 64 MiB)");

unsigned int chan_spin_ns = 50000;
CHAN_UINT_PARAM(spin_ns, chan_spin_ns, 0, 10 * NSEC_PER_MSEC);
MODULE_PARM_DESC(spin_ns,
		 "Nanoseconds a blocking send or receive spins before it sleeps, 0 to 10 ms; 0 never spins (default 50000)");

static int __init chan_init(void)
{
	int ret;

	ret = chan_object_init();
	if (ret)
		return ret;
	ret = chan_names_init();
	if (ret)
		goto exit_object;
	chan_debug_init();
	ret = chan_dev_init();
	if (ret)
		goto exit_debug;
	return 0;

exit_debug:
	chan_debug_exit();
	chan_names_exit();	/* no name exists yet */
exit_object:
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
