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
	if (file->f_flags & O_NONBLOCK)
		return 0;
	if (b->timeout_ns == CHAN_TIMEOUT_INFINITE)
		return MAX_SCHEDULE_TIMEOUT;
	return chan_ns_to_jiffies(b->timeout_ns);
}

/*
 * Move one message.  Returns 1 if it moved, 0 at end of stream, or a
 * negative errno.
 */
static int chan_batch_one(struct chan_ep *ep, struct chan_msg *m,
			  struct chan_msg __user *um, enum chan_batch_op op,
			  long *timeout)
{
	struct iov_iter it;
	u64 id = 0;
	ssize_t r;

	if (m->flags)
		return -EINVAL;
	if (op == CHAN_BATCH_REPLY) {
		if (m->len > ep->ch->msg_max)
			return -EMSGSIZE;
		r = ep->ch->ops->reply(ep->ch, m->id, u64_to_user_ptr(m->buf),
				       m->len);
		return r < 0 ? r : 1;
	}
	if (m->id)
		return -EINVAL;
	iov_iter_ubuf(&it, op == CHAN_BATCH_SEND ? ITER_SOURCE : ITER_DEST,
		      u64_to_user_ptr(m->buf), m->len);
	if (op == CHAN_BATCH_SEND) {
		r = chan_send_iter(ep->ch, &it, timeout);
		return r < 0 ? r : 1;
	}
	/* Make sure the results can be reported before taking a message. */
	if (put_user(m->len, &um->len) || put_user(0ULL, &um->id))
		return -EFAULT;
	r = chan_ep_recv(ep->ch, ep, &it, timeout, &id);
	if (r <= 0)
		return r;
	if (put_user((u32)r, &um->len) || put_user(id, &um->id))
		return -EFAULT;
	return 1;
}

/**
 * chan_ioctl_batch() - CHAN_IOC_SEND_BATCH, CHAN_IOC_RECV_BATCH and
 * CHAN_IOC_REPLY
 * @ep: the endpoint
 * @file: its file (for O_NONBLOCK)
 * @uarg: the user's &struct chan_batch
 * @op: which of the three
 *
 * Return: messages moved, or a negative errno if none moved.
 */
long chan_ioctl_batch(struct chan_ep *ep, struct file *file,
		      struct chan_batch __user *uarg, enum chan_batch_op op)
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
	if (ep->role != (op == CHAN_BATCH_SEND ? CHAN_ROLE_SEND :
						  CHAN_ROLE_RECV))
		return -EBADF;
	if (op == CHAN_BATCH_REPLY && (!ep->ch->ops->reply || b.timeout_ns))
		return -EINVAL;
	timeout = chan_batch_timeout(&b, file);
	um = u64_to_user_ptr(b.msgs);

	while (done < b.count && ret == 0) {
		n = min_t(u32, CHAN_BATCH_CHUNK, b.count - done);
		if (copy_from_user(m, um + done, n * sizeof(m[0]))) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < n; i++) {
			ret = chan_batch_one(ep, &m[i], um + done, op,
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
	if (ret == -EOVERFLOW && done && ep->ch->ops->rearm_gap)
		ep->ch->ops->rearm_gap(ep);
	if (put_user(done, &uarg->done))
		return -EFAULT;
	return done ? done : ret;
}
