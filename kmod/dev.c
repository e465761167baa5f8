// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the /dev/chan misc device and the dispatch of its ioctls.
 *
 * An open /dev/chan descriptor carries no state: it is the door through
 * which channels are created, opened by name, unlinked and listed.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "internal.h"

static umode_t chan_dev_mode = 0666;
module_param_named(dev_mode, chan_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permission bits of /dev/chan (default 0666)");

#define CHAN_FEATURES	(CHAN_FEAT_QUEUE | CHAN_FEAT_POLICY | \
			 CHAN_FEAT_NAMES | CHAN_FEAT_LIST | CHAN_FEAT_INFO)

/**
 * chan_copy_struct_out() - copy an extensible structure to user space
 * @uptr: destination
 * @usize: size of the caller's structure
 * @kptr: source
 * @ksize: size of the kernel's structure
 *
 * Copies min(@usize, @ksize) bytes and zeroes the rest of a larger user
 * structure, so old and new callers both get a well-defined answer.
 *
 * Return: 0, or -EFAULT.
 */
int chan_copy_struct_out(void __user *uptr, size_t usize,
			 const void *kptr, size_t ksize)
{
	size_t n = min(usize, ksize);

	if (copy_to_user(uptr, kptr, n))
		return -EFAULT;
	if (usize > ksize && clear_user(uptr + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static long chan_ioctl_version(void __user *arg)
{
	struct chan_version v = {
		.size = sizeof(v),
		.abi_version = CHAN_ABI_VERSION,
		.features = CHAN_FEATURES,
	};
	u32 usize;

	if (get_user(usize, (u32 __user *)arg))
		return -EFAULT;
	if (usize < offsetofend(struct chan_version, features))
		return -EINVAL;
	v.max_capacity = READ_ONCE(chan_max_capacity);
	v.max_msg_size = READ_ONCE(chan_max_msg_size);
	return chan_copy_struct_out(arg, usize, &v, sizeof(v));
}

static long chan_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != CHAN_IOC_MAGIC)
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(CHAN_IOC_VERSION):
		return chan_ioctl_version(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations chan_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= chan_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice chan_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "chan",
	.fops		= &chan_dev_fops,
};

/**
 * chan_dev_init() - register /dev/chan
 *
 * Return: 0 or a negative errno from misc_register().
 */
int chan_dev_init(void)
{
	chan_misc.mode = chan_dev_mode & 0777;
	return misc_register(&chan_misc);
}

/**
 * chan_dev_exit() - unregister /dev/chan
 */
void chan_dev_exit(void)
{
	misc_deregister(&chan_misc);
}
