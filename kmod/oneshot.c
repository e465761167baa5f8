// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the oneshot kind - a queue of one slot whose first successful
 * send closes it for sending.  Receiving, poll and close are the queue's.
 */
#include "internal.h"

/**
 * struct chan_oneshot - a oneshot channel's own state
 * @sent: its send has begun (and, once the channel is closed for
 *	sending, succeeded)
 */
struct chan_oneshot {
	atomic_t sent;
};

/* Capacity 0 or 1 (one slot either way), policy BLOCK. */
static int chan_oneshot_check(const struct chan_create *a)
{
	return a->capacity <= 1 && a->policy == CHAN_POLICY_BLOCK ? 0 :
								    -EINVAL;
}

/*
 * Send the one message: @len, -EALREADY if a send succeeded or is in
 * progress, or an errno of chan_queue_send() with nothing sent.
 */
static ssize_t chan_oneshot_send(struct chan *ch, struct iov_iter *from,
				 size_t len, long *timeout)
{
	struct chan_oneshot *o = chan_kind_priv(ch);
	ssize_t ret;

	if (atomic_cmpxchg(&o->sent, 0, 1))
		return -EALREADY;
	ret = chan_queue_send(ch, from, len, timeout);
	if (ret < 0) {
		/* Nothing was queued: a later send may try again. */
		atomic_set(&o->sent, 0);
		return ret;
	}
	chan_close_send(ch);
	return ret;
}

/* One send, so one producer: its ring needs no cmpxchg() of positions. */
const struct chan_kind_ops chan_oneshot_ops = {
	.kind		= CHAN_KIND_ONESHOT,
	.name		= "oneshot",
	.flags		= CHAN_KF_SP,
	.priv_size	= sizeof(struct chan_oneshot),
	.check		= chan_oneshot_check,
	.send		= chan_oneshot_send,
	.recv		= chan_queue_recv,
	.readable	= chan_queue_readable,
	.writable	= chan_queue_writable,
};
