/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: what a kind of channel is - its table of operations, and the
 * dispatch to it on the data path.  Included by internal.h.
 */
#ifndef _CHAN_KIND_H
#define _CHAN_KIND_H

/*
 * What a kind's table says about its ring and its sends (chan_kind_ops.flags).
 */
/* Every ring position is claimed with cmpxchg(), whatever the creator asked. */
#define CHAN_KF_MP		BIT(0)
/* One send at a time, whatever the creator asked: no cmpxchg() of positions. */
#define CHAN_KF_SP		BIT(1)
/* Senders consume too (they withdraw messages): several consumers. */
#define CHAN_KF_MC		BIT(2)
/* May be created %CHAN_MAPPABLE. */
#define CHAN_KF_MAPPABLE	BIT(3)
/*
 * A send ends only when a receiver has taken its message: it may sleep
 * even when it must not wait for room, a receiver starting to wait lets
 * senders go ahead, and the ring reports no capacity.
 */
#define CHAN_KF_HANDOFF		BIT(4)
/* Every receiver wants every message: receivers wait non-exclusively. */
#define CHAN_KF_RECV_ALL	BIT(5)

/**
 * struct chan_kind_ops - what one kind of channel does
 * @kind: its &enum chan_kind
 * @name: its name in fdinfo (chan_kind)
 * @flags: %CHAN_KF_MP, %CHAN_KF_SP, %CHAN_KF_MC, %CHAN_KF_MAPPABLE,
 *	%CHAN_KF_HANDOFF, %CHAN_KF_RECV_ALL
 * @slot_extra: bytes a slot holds after the largest message
 * @priv_size: bytes of kind state allocated with each channel (&chan.priv)
 * @check: validate a creation's capacity and policy: 0 or -EINVAL
 * @init: set up &chan.priv of a new channel, its ring initialised
 * @release: undo @init as the channel is freed; may be NULL
 * @send: send one message of 1 to msg_max bytes, as chan_send_iter()
 * @recv: receive one message through @ep (NULL for a kernel receiver);
 *	@id gets a request's call id, NULL where the caller cannot report
 *	one; as chan_ep_recv()
 * @readable: poll: would a receive through @ep find a message?
 * @writable: poll: would a send return without waiting?
 * @ep_open: set up &chan_ep.priv of a new receive endpoint; may be NULL.
 *	A kind with it gives each receive endpoint its own view, and
 *	CHAN_IOC_SUBSCRIBE makes more of them
 * @ep_release: undo @ep_open
 * @lost: CHAN_IOC_LOST for an endpoint @ep_open set up; the others count
 *	the channel's drops and overwrites
 * @rearm_gap: a batch that stopped at a gap (-%EOVERFLOW) after some
 *	messages hands the gap back for the next receive; may be NULL
 * @last_recv: the last receiver is gone, from any context; may be NULL
 * @info: add the kind's figures to a description; may be NULL
 * @call: CHAN_IOC_CALL with @c read and checked; NULL: the kind has no
 *	calls (-%EINVAL)
 * @reply: answer call @id with @len bytes at user @buf (CHAN_IOC_REPLY);
 *	NULL: -%EINVAL
 *
 * One const table per kind, each in the kind's own file; chan_kind_ops_of()
 * finds it at creation and the channel keeps it in &chan.ops.
 */
struct chan_kind_ops {
	u32 kind;
	const char *name;
	u32 flags;
	u32 slot_extra;
	size_t priv_size;
	int (*check)(const struct chan_create *a);
	void (*init)(struct chan *ch);
	void (*release)(struct chan *ch);
	ssize_t (*send)(struct chan *ch, struct iov_iter *from, size_t len,
			long *timeout);
	ssize_t (*recv)(struct chan *ch, struct chan_ep *ep,
			struct iov_iter *to, long *timeout, u64 *id);
	bool (*readable)(struct chan_ep *ep);
	bool (*writable)(struct chan *ch);
	int (*ep_open)(struct chan_ep *ep);
	void (*ep_release)(struct chan_ep *ep);
	u64 (*lost)(struct chan_ep *ep);
	void (*rearm_gap)(struct chan_ep *ep);
	void (*last_recv)(struct chan *ch);
	void (*info)(struct chan *ch, struct chan_info *info);
	long (*call)(struct chan_ep *ep, struct chan_call *c,
		     struct chan_call __user *uarg, bool nonblock);
	int (*reply)(struct chan *ch, u64 id, const void __user *buf,
		     u32 len);
};

/* The kinds' tables (queue.c, oneshot.c, rendezvous.c, broadcast.c, reqrep.c). */
extern const struct chan_kind_ops chan_queue_ops;
extern const struct chan_kind_ops chan_oneshot_ops;
extern const struct chan_kind_ops chan_rendezvous_ops;
extern const struct chan_kind_ops chan_broadcast_ops;
extern const struct chan_kind_ops chan_reqrep_ops;

/* The queue's operations, which the kinds on its ring reuse (queue.c). */
int chan_queue_check(const struct chan_create *a);
ssize_t chan_queue_send(struct chan *ch, struct iov_iter *from, size_t len,
			long *timeout);
ssize_t chan_queue_recv(struct chan *ch, struct chan_ep *ep,
			struct iov_iter *to, long *timeout, u64 *id);
bool chan_queue_readable(struct chan_ep *ep);
bool chan_queue_writable(struct chan *ch);

/*
 * Dispatch to the kind.  The queue's operations, by far the most used, are
 * called directly when they are the ones (INDIRECT_CALL_1: no retpoline on
 * the hot path); the other kinds go through their table.
 */

/**
 * chan_send_iter() - send one message
 * @ch: the channel
 * @from: the message; its whole length is one message
 * @timeout: jiffies to wait for room, updated; 0 never sleeps
 *
 * Context: any context if *@timeout is 0 (wakeups are then deferred to
 * irq_work when needed), except on a %CHAN_KF_HANDOFF kind; otherwise
 * process context, may sleep.
 * Return: the length sent (0 for an empty message, which queues nothing),
 * -EMSGSIZE, -EPIPE, -EAGAIN (full and *@timeout was 0), -ETIMEDOUT,
 * -EBUSY (a second concurrent sender on a single-producer channel),
 * -EALREADY (a oneshot channel's message was sent), -EFAULT,
 * -ERESTARTSYS, or -EINVAL on a request/reply channel.
 */
static inline ssize_t chan_send_iter(struct chan *ch, struct iov_iter *from,
				     long *timeout)
{
	size_t len = iov_iter_count(from);

	if (!len)
		return 0;
	if (len > ch->msg_max)
		return -EMSGSIZE;
	return INDIRECT_CALL_1(ch->ops->send, chan_queue_send, ch, from, len,
			       timeout);
}

/**
 * chan_ep_recv() - receive one message
 * @ch: the channel
 * @ep: the receive endpoint, or NULL for a kernel receiver (which has no
 *	subscriber of a broadcast channel: -EINVAL there)
 * @to: room for the message
 * @timeout: jiffies to wait for a message, updated; 0 never sleeps
 * @id: out: a request's call id; NULL where the caller cannot report one
 *	(a request/reply channel then refuses with -EINVAL)
 *
 * Context: any context if *@timeout is 0; otherwise process context, may
 * sleep.
 * Return: the message length, 0 at end of stream, -EMSGSIZE if @to is too
 * small (the message stays queued), -EAGAIN, -ETIMEDOUT, -EBUSY (a second
 * concurrent receiver on a single-consumer channel), -EFAULT,
 * -ERESTARTSYS, -EINVAL, or -EOVERFLOW once after a broadcast subscriber
 * was lapped.
 */
static inline ssize_t chan_ep_recv(struct chan *ch, struct chan_ep *ep,
				   struct iov_iter *to, long *timeout,
				   u64 *id)
{
	return INDIRECT_CALL_1(ch->ops->recv, chan_queue_recv, ch, ep, to,
			       timeout, id);
}

#endif /* _CHAN_KIND_H */
