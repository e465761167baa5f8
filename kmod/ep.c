// SPDX-License-Identifier: GPL-2.0
/*
 * chan: endpoint files - the receive and send descriptors of a channel.
 *
 * Each endpoint is an anonymous-inode file opened O_RDONLY (receive) or
 * O_WRONLY (send) that holds a reference to its channel.  dup(), fork()
 * and SCM_RIGHTS share the file; opening by name makes a new one.  The
 * channel counts open files per role: the last send endpoint closing
 * closes the channel for sending, the last receive endpoint closing makes
 * sends fail with EPIPE.  Both endpoints of a mappable channel are opened
 * O_RDWR so that either may map the ring writable; the role, not the file
 * mode, then decides what read() and write() may do.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "internal.h"

static long chan_ep_timeout(struct kiocb *iocb)
{
	if ((iocb->ki_flags & IOCB_NOWAIT) ||
	    (iocb->ki_filp->f_flags & O_NONBLOCK))
		return 0;
	return MAX_SCHEDULE_TIMEOUT;
}

static ssize_t chan_ep_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct chan_ep *ep = iocb->ki_filp->private_data;
	long timeout = chan_ep_timeout(iocb);

	if (ep->role != CHAN_ROLE_RECV)
		return -EBADF;
	return chan_ep_recv(ep->ch, ep, to, &timeout, NULL);
}

static ssize_t chan_ep_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct chan_ep *ep = iocb->ki_filp->private_data;
	long timeout = chan_ep_timeout(iocb);

	if (ep->role != CHAN_ROLE_SEND)
		return -EBADF;
	/*
	 * Even a non-blocking handoff send waits for its receiver, so one
	 * that must not sleep (io_uring's first try) cannot start.  But a
	 * send that would fail fails now: io_uring would otherwise hand it
	 * to a worker thread only to learn EPIPE there.
	 */
	if ((iocb->ki_flags & IOCB_NOWAIT) &&
	    (ep->ch->ops->flags & CHAN_KF_HANDOFF) &&
	    !chan_send_broken(ep->ch))
		return -EAGAIN;

	return chan_send_iter(ep->ch, from, &timeout);
}

static __poll_t chan_ep_poll(struct file *file, poll_table *pt)
{
	struct chan_ep *ep = file->private_data;
	struct chan *ch = ep->ch;
	__poll_t mask = 0;

	if (ep->role == CHAN_ROLE_RECV) {
		poll_wait(file, &ch->recv_wq, pt);
		/* Before the barrier below: [C] in mmap.c. */
		if (ch->map)
			WRITE_ONCE(ch->map->hdr->recv_wake, 1);
		/*
		 * Pairs with smp_mb() in wq_has_sleeper() of the sender, or
		 * with the fence [D] of a user-space producer (mmap.c).
		 */
		smp_mb();
		if (INDIRECT_CALL_1(ch->ops->readable, chan_queue_readable, ep))
			mask |= EPOLLIN | EPOLLRDNORM;
		/* As for a pipe: hang-up once closed, data or not. */
		if (READ_ONCE(ch->send_closed))
			mask |= EPOLLHUP;
		return mask;
	}

	poll_wait(file, &ch->send_wq, pt);
	if (ch->map)
		WRITE_ONCE(ch->map->hdr->send_wake, 1);
	/* As above, with the receiver's barriers. */
	smp_mb();
	if (!atomic_read(&ch->receivers) || READ_ONCE(ch->send_closed))
		mask |= EPOLLERR;
	else if (INDIRECT_CALL_1(ch->ops->writable, chan_queue_writable, ch))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static u64 chan_lost(struct chan *ch)
{
	return atomic64_read(&ch->dropped) + atomic64_read(&ch->overwritten);
}

static long chan_ep_lost(struct chan_ep *ep, u64 __user *uptr)
{
	/* An endpoint with a view of its own (a subscriber) has its losses. */
	if (ep->priv)
		return put_user(ep->ch->ops->lost(ep), uptr);
	return put_user(chan_since(&ep->lost_seen, chan_lost(ep->ch)), uptr);
}

static long chan_ep_info(struct chan_ep *ep, void __user *uarg)
{
	struct chan_info info;
	u32 usize;
	int ret;

	/* A longer structure's unknown bytes must be zero (E2BIG). */
	ret = chan_get_struct(&info, sizeof(info), uarg, CHAN_INFO_SIZE_VER0);
	if (ret)
		return ret;
	if (info.__reserved0 || info.__reserved)
		return -EINVAL;
	usize = info.size;
	chan_fill_info(ep->ch, &info, ep->role);
	return chan_copy_struct_out(uarg, usize, &info, sizeof(info));
}

/* CHAN_IOC_SUBSCRIBE: a new subscriber on a new receive descriptor. */
static long chan_ep_subscribe(struct chan_ep *ep, unsigned long flags)
{
	if (ep->role != CHAN_ROLE_RECV)
		return -EBADF;
	if (!ep->ch->ops->ep_open ||
	    flags & ~(unsigned long)(CHAN_CLOEXEC | CHAN_NONBLOCK))
		return -EINVAL;
	return chan_ep_fd(ep->ch, CHAN_ROLE_RECV, flags);
}

/* CHAN_IOC_CALL: the kind answers, once the structure is read. */
static long chan_ep_call(struct chan_ep *ep, struct file *file,
			 struct chan_call __user *uarg)
{
	struct chan_call c;
	long ret;

	ret = chan_get_struct(&c, sizeof(c), uarg, CHAN_CALL_SIZE_VER0);
	if (ret)
		return ret;
	if (ep->role != CHAN_ROLE_SEND)
		return -EBADF;
	if (!ep->ch->ops->call)
		return -EINVAL;
	return ep->ch->ops->call(ep, &c, uarg, file->f_flags & O_NONBLOCK);
}

static long chan_ep_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct chan_ep *ep = file->private_data;
	void __user *uarg = (void __user *)arg;

	/* The whole number: see chan_dev_ioctl(). */
	switch (cmd) {
	case CHAN_IOC_INFO:
		return chan_ep_info(ep, uarg);
	case CHAN_IOC_CLOSE:
		if (ep->role != CHAN_ROLE_SEND)
			return -EBADF;
		chan_close_send(ep->ch);
		return 0;
	case CHAN_IOC_LOST:
		return chan_ep_lost(ep, uarg);
	case CHAN_IOC_SEND_BATCH:
		return chan_ioctl_batch(ep, file, uarg, CHAN_BATCH_SEND);
	case CHAN_IOC_RECV_BATCH:
		return chan_ioctl_batch(ep, file, uarg, CHAN_BATCH_RECV);
	case CHAN_IOC_REPLY:
		return chan_ioctl_batch(ep, file, uarg, CHAN_BATCH_REPLY);
	case CHAN_IOC_CALL:
		return chan_ep_call(ep, file, uarg);
	case CHAN_IOC_SUBSCRIBE:
		return chan_ep_subscribe(ep, arg);
	case CHAN_IOC_WAIT:
		return chan_ioctl_wait(ep, uarg);
	case CHAN_IOC_WAKE:
		return chan_ioctl_wake(ep);
	default:
		return -ENOTTY;
	}
}

static int chan_ep_release(struct inode *inode, struct file *file)
{
	struct chan_ep *ep = file->private_data;
	struct chan *ch = ep->ch;

	/*
	 * The end first, its view after: a broadcast subscriber leaving
	 * makes room, and a sender woken by that must already find the
	 * last receiver gone (EPIPE), not room or nobody to drop for.  The
	 * fully ordered atomic_dec_and_test() of the receivers count in
	 * chan_end_put() pairs with the smp_rmb() of a broadcast sender
	 * that finds no subscriber (chan_bcast_reserve()).
	 */
	chan_end_put(ch, ep->role);
	chan_delay(CHAN_DP_RELEASE);
	if (ep->priv)
		ch->ops->ep_release(ep);
	chan_put(ch);
	kfree(ep);
	return 0;
}

static int chan_ep_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct chan_ep *ep = file->private_data;

	return chan_map_mmap(ep->ch, vma);
}

static void chan_ep_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct chan_ep *ep = file->private_data;

	chan_show_fdinfo(m, ep->ch, ep->role);
}

static const struct file_operations chan_ep_fops = {
	.owner		= THIS_MODULE,
	.read_iter	= chan_ep_read_iter,
	.write_iter	= chan_ep_write_iter,
	.poll		= chan_ep_poll,
	.mmap		= chan_ep_mmap,
	.unlocked_ioctl	= chan_ep_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= chan_ep_release,
	.show_fdinfo	= chan_ep_show_fdinfo,
	.llseek		= noop_llseek,
};

/**
 * chan_ep_of() - the endpoint behind a file, if it is one
 * @file: any file
 *
 * Return: the endpoint, or NULL if @file is not a chan endpoint.
 */
struct chan_ep *chan_ep_of(struct file *file)
{
	return file->f_op == &chan_ep_fops ? file->private_data : NULL;
}

/**
 * chan_ep_file() - make an endpoint file for @ch
 * @ch: the channel; the file takes a reference of its own
 * @role: %CHAN_ROLE_RECV or %CHAN_ROLE_SEND
 * @flags: %CHAN_NONBLOCK or 0 (close-on-exec belongs to the descriptor)
 *
 * Context: process context, may sleep.
 * Return: the file, or an ERR_PTR.
 */
struct file *chan_ep_file(struct chan *ch, u32 role, u32 flags)
{
	int oflags = role == CHAN_ROLE_RECV ? O_RDONLY : O_WRONLY;
	struct chan_ep *ep;
	struct file *file;
	int ret;

	if (ch->map)
		oflags = O_RDWR;

	if (flags & CHAN_NONBLOCK)
		oflags |= O_NONBLOCK;
	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		return ERR_PTR(-ENOMEM);
	ep->ch = ch;
	ep->role = role;
	atomic64_set(&ep->lost_seen, chan_lost(ch));
	if (role == CHAN_ROLE_RECV && ch->ops->ep_open) {
		ret = ch->ops->ep_open(ep);
		if (ret) {
			file = ERR_PTR(ret);
			goto free_ep;
		}
	}

	file = anon_inode_getfile(role == CHAN_ROLE_RECV ? "[chan-recv]" :
				  "[chan-send]", &chan_ep_fops, ep, oflags);
	if (IS_ERR(file))
		goto release_ep;
	file->f_mode |= FMODE_NOWAIT;
	chan_get(ch);
	chan_end_get(ch, role);
	return file;

release_ep:
	if (ep->priv)
		ch->ops->ep_release(ep);
free_ep:
	kfree(ep);
	return file;
}

/**
 * chan_ep_fd() - a new endpoint of @ch as a descriptor of the current task
 * @ch: the channel (the descriptor takes a reference of its own)
 * @role: %CHAN_ROLE_SEND or %CHAN_ROLE_RECV
 * @flags: %CHAN_CLOEXEC and/or %CHAN_NONBLOCK
 *
 * Context: process context, may sleep.
 * Return: the descriptor, or a negative errno.
 */
int chan_ep_fd(struct chan *ch, u32 role, u32 flags)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(flags & CHAN_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	file = chan_ep_file(ch, role, flags);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}
