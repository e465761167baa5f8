// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the /dev/chan misc device and its ioctls: version, create, open by
 * name, unlink, list and limits.
 *
 * An open /dev/chan descriptor carries no state: it is the door through
 * which channels are created, opened by name, unlinked and listed.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "internal.h"

static umode_t chan_dev_mode = 0666;
module_param_named(dev_mode, chan_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permission bits of /dev/chan (default 0666)");

#define CHAN_FEATURES	(CHAN_FEAT_QUEUE | CHAN_FEAT_POLICY | \
			 CHAN_FEAT_NAMES | CHAN_FEAT_LIST | CHAN_FEAT_INFO | \
			 CHAN_FEAT_BATCH | CHAN_FEAT_ONESHOT | \
			 CHAN_FEAT_RENDEZVOUS | CHAN_FEAT_BROADCAST | \
			 CHAN_FEAT_REQREP | CHAN_FEAT_MMAP | CHAN_FEAT_LIMITS)

static long chan_ioctl_version(void __user *arg)
{
	struct chan_version v;
	u32 usize;
	int ret;

	/* Reserved words must be zero in and out, as in every structure. */
	ret = chan_get_struct(&v, sizeof(v), arg, CHAN_VERSION_SIZE_VER0);
	if (ret)
		return ret;
	if (v.__reserved[0] || v.__reserved[1])
		return -EINVAL;
	usize = v.size;
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.abi_version = CHAN_ABI_VERSION;
	v.features = CHAN_FEATURES;
	v.max_capacity = READ_ONCE(chan_max_capacity);
	v.max_msg_size = READ_ONCE(chan_max_msg_size);
	return chan_copy_struct_out(arg, usize, &v, sizeof(v));
}

/*
 * Both endpoint files and their descriptors, not yet installed, so that
 * a late failure can still undo everything.
 */
struct chan_fds {
	int fd[2];
	struct file *file[2];
};

static int chan_fds_make(struct chan *ch, u32 flags, struct chan_fds *f)
{
	int oflags = flags & CHAN_CLOEXEC ? O_CLOEXEC : 0;
	static const u32 roles[2] = { CHAN_ROLE_RECV, CHAN_ROLE_SEND };
	int i, ret;

	for (i = 0; i < 2; i++) {
		f->fd[i] = get_unused_fd_flags(oflags);
		if (f->fd[i] < 0) {
			ret = f->fd[i];
			goto undo;
		}
		f->file[i] = chan_ep_file(ch, roles[i], flags);
		if (IS_ERR(f->file[i])) {
			ret = PTR_ERR(f->file[i]);
			put_unused_fd(f->fd[i]);
			goto undo;
		}
	}
	return 0;
undo:
	while (i--) {
		fput(f->file[i]);
		put_unused_fd(f->fd[i]);
	}
	return ret;
}

static void chan_fds_undo(struct chan_fds *f)
{
	int i;

	for (i = 0; i < 2; i++) {
		fput(f->file[i]);
		put_unused_fd(f->fd[i]);
	}
}

static long chan_ioctl_create(struct chan_create __user *uarg)
{
	char name[CHAN_NAME_MAX];
	struct chan_create a;
	struct chan_fds f;
	struct chan *ch;
	int ret;

	ret = chan_get_struct(&a, sizeof(a), uarg, CHAN_CREATE_SIZE_VER0);
	if (ret)
		return ret;
	ret = chan_create_check(&a);
	if (ret)
		return ret;
	if (a.name) {
		ret = chan_name_get(u64_to_user_ptr(a.name), name);
		if (ret)
			return ret;
		/* Kernel code's names are for opening, not for taking. */
		if (chan_name_kernel(name))
			return -EPERM;
	}

	ch = chan_create(&a);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	/* From here on the channel owns the charge. */
	ret = chan_fds_make(ch, a.flags, &f);
	if (ret)
		goto put_chan;
	if (a.name) {
		ret = chan_name_add(ch, name);
		if (ret)
			goto undo_fds;
	}
	if (put_user(f.fd[0], &uarg->recv_fd) ||
	    put_user(f.fd[1], &uarg->send_fd)) {
		ret = -EFAULT;
		goto del_name;
	}
	fd_install(f.fd[0], f.file[0]);
	fd_install(f.fd[1], f.file[1]);
	chan_put(ch);
	return 0;

del_name:
	chan_name_del(ch);
undo_fds:
	chan_fds_undo(&f);
put_chan:
	chan_put(ch);
	return ret;
}

static long chan_ioctl_open(struct chan_open __user *uarg)
{
	char name[CHAN_NAME_MAX];
	struct chan_open a;
	struct file *file;
	struct chan *ch;
	int fd, ret;

	ret = chan_get_struct(&a, sizeof(a), uarg, CHAN_OPEN_SIZE_VER0);
	if (ret)
		return ret;
	if (a.role != CHAN_ROLE_RECV && a.role != CHAN_ROLE_SEND)
		return -EINVAL;
	if (a.flags & ~(CHAN_CLOEXEC | CHAN_NONBLOCK))
		return -EINVAL;
	if (a.__reserved[0] || a.__reserved[1])
		return -EINVAL;
	ret = chan_name_get(u64_to_user_ptr(a.name), name);
	if (ret)
		return ret;

	ch = chan_name_lookup(name, false);
	if (!ch)
		return -ENOENT;
	/*
	 * Either end of a mapped ring can read and write all of it, so
	 * opening one takes both permissions.
	 */
	if (ch->map)
		ret = chan_permission(ch, MAY_READ | MAY_WRITE);
	else
		ret = chan_permission(ch, a.role == CHAN_ROLE_RECV ?
				      MAY_READ : MAY_WRITE);
	if (ret)
		goto put_chan;
	fd = get_unused_fd_flags(a.flags & CHAN_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto put_chan;
	}
	file = chan_ep_file(ch, a.role, a.flags);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto put_fd;
	}
	if (put_user(fd, &uarg->fd)) {
		ret = -EFAULT;
		goto put_file;
	}
	fd_install(fd, file);
	chan_put(ch);
	return 0;

put_file:
	fput(file);
put_fd:
	put_unused_fd(fd);
put_chan:
	chan_put(ch);
	return ret;
}

static long chan_ioctl_unlink(struct chan_unlink __user *uarg)
{
	char name[CHAN_NAME_MAX];
	struct chan_unlink a;
	int ret;

	ret = chan_get_struct(&a, sizeof(a), uarg, CHAN_UNLINK_SIZE_VER0);
	if (ret)
		return ret;
	if (a.flags)
		return -EINVAL;
	ret = chan_name_get(u64_to_user_ptr(a.name), name);
	if (ret)
		return ret;
	return chan_name_unlink(name);
}

static long chan_ioctl_list(struct chan_list __user *uarg)
{
	struct chan_list l;
	int ret;

	ret = chan_get_struct(&l, sizeof(l), uarg, CHAN_LIST_SIZE_VER0);
	if (ret)
		return ret;
	if (l.entry_size < CHAN_INFO_SIZE_VER0 ||
	    l.entry_size > CHAN_STRUCT_MAX)
		return -EINVAL;
	ret = chan_list(&l, u64_to_user_ptr(l.entries));
	if (ret)
		return ret;
	if (put_user(l.count, &uarg->count) ||
	    put_user(l.total, &uarg->total))
		return -EFAULT;
	return 0;
}

static long chan_ioctl_limits(struct chan_limits __user *uarg)
{
	struct chan_limits l;
	u32 usize;
	int ret;

	ret = chan_get_struct(&l, sizeof(l), uarg, CHAN_LIMITS_SIZE_VER0);
	if (ret)
		return ret;
	if (l.__reserved0 || l.__reserved[0] || l.__reserved[1])
		return -EINVAL;
	usize = l.size;
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	chan_user_report(&l);
	return chan_copy_struct_out(uarg, usize, &l, sizeof(l));
}

static long chan_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/*
	 * The whole number, direction and size bits included, so that a
	 * seccomp filter on the exact values means what it says.
	 */
	switch (cmd) {
	case CHAN_IOC_VERSION:
		return chan_ioctl_version(uarg);
	case CHAN_IOC_CREATE:
		return chan_ioctl_create(uarg);
	case CHAN_IOC_OPEN:
		return chan_ioctl_open(uarg);
	case CHAN_IOC_UNLINK:
		return chan_ioctl_unlink(uarg);
	case CHAN_IOC_LIST:
		return chan_ioctl_list(uarg);
	case CHAN_IOC_LIMITS:
		return chan_ioctl_limits(uarg);
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
