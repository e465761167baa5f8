// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the queue kind - messages in order through the ring, each to one
 * receiver.  Its operations are the ring's (xfer.c); the oneshot,
 * rendezvous and request/reply kinds, which travel the same ring, reuse
 * the ones they do not change.
 */
#include "internal.h"

/**
 * chan_queue_check() - a queue's creation: any capacity but 0, any policy
 * @a: the creation arguments
 *
 * Return: 0 or -EINVAL.
 */
int chan_queue_check(const struct chan_create *a)
{
	return a->capacity ? 0 : -EINVAL;
}

/**
 * chan_queue_send() - queue one message
 * @ch: a channel on the ring
 * @from: the message
 * @len: its length, 1 to msg_max
 * @timeout: as for chan_send_iter()
 *
 * Return: as for chan_send_iter().
 */
ssize_t chan_queue_send(struct chan *ch, struct iov_iter *from, size_t len,
			long *timeout)
{
	u32 pos;

	return chan_xfer_send(ch, from, len, timeout, &pos, NULL);
}

/**
 * chan_queue_recv() - receive the oldest message
 * @ch: a channel on the ring
 * @ep: the receive endpoint, or NULL (every receiver shares the ring)
 * @to: room for the message
 * @timeout: as for chan_ep_recv()
 * @id: unused: queue messages carry no call id
 *
 * Return: as for chan_ep_recv().
 */
ssize_t chan_queue_recv(struct chan *ch, struct chan_ep *ep,
			struct iov_iter *to, long *timeout, u64 *id)
{
	return chan_xfer_recv(ch, to, timeout, NULL);
}

/**
 * chan_queue_readable() - poll: is a message queued?
 * @ep: a receive endpoint
 *
 * Return: true if a receive would find a message.
 */
bool chan_queue_readable(struct chan_ep *ep)
{
	return chan_ring_readable(&ep->ch->ring);
}

/**
 * chan_queue_writable() - poll: would a send return without waiting?
 * @ch: a channel on the ring
 *
 * Return: true if there is room, the policy never blocks, or the send
 * would fail.
 */
bool chan_queue_writable(struct chan *ch)
{
	return chan_policy_never_full(ch) || chan_xfer_send_ready(ch);
}

const struct chan_kind_ops chan_queue_ops = {
	.kind		= CHAN_KIND_QUEUE,
	.name		= "queue",
	.flags		= CHAN_KF_MAPPABLE,
	.check		= chan_queue_check,
	.send		= chan_queue_send,
	.recv		= chan_queue_recv,
	.readable	= chan_queue_readable,
	.writable	= chan_queue_writable,
};
