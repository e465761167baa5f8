// SPDX-License-Identifier: GPL-2.0
/*
 * chan: batched send and receive (CHAN_IOC_SEND_BATCH, CHAN_IOC_RECV_BATCH),
 * many messages per system call, like sendmmsg() and recvmmsg().
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "internal.h"

/* Message descriptors read from user space at a time. */
#define CHAN_BATCH_CHUNK	16

static long chan_batch_timeout(const struct chan_batch *b, struct file *file)
{
	u64 j;

	if ((file->f_flags & O_NONBLOCK) || !b->timeout_ns)
		return 0;
	if (b->timeout_ns == CHAN_TIMEOUT_INFINITE)
		return MAX_SCHEDULE_TIMEOUT;
	j = nsecs_to_jiffies64(b->timeout_ns);
	return clamp_t(u64, j, 1, MAX_SCHEDULE_TIMEOUT - 1);
}

/*
 * Move one message.  Returns 1 if it moved, 0 at end of stream, or a
 * negative errno.
 */
static int chan_batch_one(struct chan_ep *ep, struct chan_msg *m,
			  struct chan_msg __user *um, bool send,
			  long *timeout)
{
	struct iov_iter it;
	ssize_t r;

	if (m->flags || m->id)
		return -EINVAL;
	iov_iter_ubuf(&it, send ? ITER_SOURCE : ITER_DEST,
		      u64_to_user_ptr(m->buf), m->len);
	if (send) {
		r = chan_send_iter(ep->ch, &it, timeout);
		return r < 0 ? r : 1;
	}
	/* Make sure the length can be reported before taking a message. */
	if (put_user(m->len, &um->len))
		return -EFAULT;
	r = chan_ep_recv(ep, &it, timeout);
	if (r <= 0)
		return r;
	return put_user((u32)r, &um->len) ? -EFAULT : 1;
}

/**
 * chan_ioctl_batch() - CHAN_IOC_SEND_BATCH and CHAN_IOC_RECV_BATCH
 * @ep: the endpoint
 * @file: its file (for O_NONBLOCK)
 * @uarg: the user's &struct chan_batch
 * @send: which of the two
 *
 * Return: messages moved, or a negative errno if none moved.
 */
long chan_ioctl_batch(struct chan_ep *ep, struct file *file,
		      struct chan_batch __user *uarg, bool send)
{
	struct chan_msg m[CHAN_BATCH_CHUNK];
	struct chan_msg __user *um;
	struct chan_batch b;
	u32 done = 0, n, i;
	long timeout;
	int ret = 0;

	ret = chan_get_struct(&b, sizeof(b), uarg, CHAN_BATCH_SIZE_VER0);
	if (ret)
		return ret;
	if (b.flags || b.__reserved[0] || b.__reserved[1] || !b.count)
		return -EINVAL;
	if (b.count > CHAN_BATCH_MAX)
		return -E2BIG;
	if (ep->role != (send ? CHAN_ROLE_SEND : CHAN_ROLE_RECV))
		return -EBADF;
	timeout = chan_batch_timeout(&b, file);
	um = u64_to_user_ptr(b.msgs);

	while (done < b.count && ret == 0) {
		n = min_t(u32, CHAN_BATCH_CHUNK, b.count - done);
		if (copy_from_user(m, um + done, n * sizeof(m[0]))) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < n; i++) {
			ret = chan_batch_one(ep, &m[i], um + done, send,
					     &timeout);
			if (ret <= 0)
				break;
			ret = 0;
			done++;
			timeout = 0;	/* only the first message waits */
		}
		if (i < n && ret == 0)
			break;		/* end of stream */
	}
	/* A broadcast gap met after some messages is the next call's news. */
	if (ret == -EOVERFLOW && done)
		atomic_set(&ep->sub->gap, 1);
	if (put_user(done, &uarg->done))
		return -EFAULT;
	return done ? done : ret;
}
