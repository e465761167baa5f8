// SPDX-License-Identifier: GPL-2.0
/*
 * chan: sending and receiving through the ring - one message in, one
 * message out, for every kind whose messages travel the ring (queue,
 * oneshot, rendezvous, request/reply; broadcast has its own cursors).
 *
 * No lock is taken.  A sender publishes into the ring and wakes receivers
 * only if one sleeps; a receiver retires a slot and wakes senders only if
 * one sleeps (why no wakeup is lost: wait.c, barriers [A] and [B]).
 *
 * End of stream is a state, not an event: closed for sending, nothing
 * queued and no send in flight (chan_eof()).  Every receiver must see it,
 * however many exclusive wakeups were spent before it queued itself.  The
 * close wakes everyone; a receiver that then finds a send still in flight
 * (a claimed position, or sp_busy) sleeps again, so the end of every send
 * that claimed a slot or held sp_busy - published, aborted, left as a
 * tombstone or failed - goes through chan_send_end(), whose barrier [B]
 * also decides between waking one receiver and waking all:
 *
 *   receiver                            sender (in flight)    closer
 *   --------                            ------                ------
 *   prepare_to_wait_exclusive() [A]     publish or abort      send_closed = 1
 *   send_closed? (acquire)              sp_busy = 0 (release) wake everyone
 *   smp_mb() [E]                        smp_mb() [B]            (queue lock)
 *   in flight? (acquire of sp_busy,     send_closed?
 *     or tail != head) -> schedule()      yes: wake everyone
 *                                         no:  wake one
 *
 * [E] pairs with [B] (and the closer's store with both): a receiver that
 * saw the close and a send in flight cannot be missed by that sender's
 * look at send_closed (the RWC pattern with full barriers, forbidden by
 * the memory model), and [A] against [B] puts it on the queue the sender
 * then wakes.  Once a send in flight has ended after the close, every
 * receiver is awake and no later one can sleep: it sees a message or
 * end of stream.  tools/model/eof.pml checks this exhaustively, and
 * tools/model/eof_sp.pml the barriers.
 */
#include <linux/kcsan-checks.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "internal.h"
#include "trace.h"

/* How often an overwriting sender retries before it drops its message. */
#define CHAN_OVERWRITE_TRIES	64

/**
 * chan_eof() - has the stream of a ring ended?
 * @ch: the channel
 *
 * End of stream: closed for sending, nothing queued and no sender half
 * way through.  A sender that had not seen the close yet is in flight:
 * with several producers it holds a claimed position (tail != head), with
 * one it holds sp_busy; both are set before that sender checks the close
 * again, with a full barrier in between.
 *
 * Return: true at end of stream.
 */
bool chan_eof(struct chan *ch)
{
	/* Pairs with smp_store_release() in chan_close_send(). */
	if (!smp_load_acquire(&ch->send_closed))
		return false;
	/*
	 * [E]: pairs with the full barrier of a sender's claim (cmpxchg()
	 * of tail or of sp_busy) before its second look at send_closed in
	 * __chan_send(), and with [B] in chan_send_end() before its last.
	 */
	smp_mb();
	if (ch->ring.mp)
		return chan_ring_drained(&ch->ring);
	/*
	 * Pairs with atomic_set_release() in chan_send_end(): a sender seen
	 * done has its message visible to chan_ring_drained() below.  A
	 * plain load here could be answered after that look at the tail
	 * on weakly ordered CPUs (tools/model/eof_sp.pml, -DOLD_C4).
	 */
	return !atomic_read_acquire(&ch->sp_busy) &&
	       chan_ring_drained(&ch->ring);
}

/**
 * chan_xfer_recv_ready() - would a receive from the ring return at once?
 * @ch: the channel
 *
 * Return: true if a message is ready or the stream has ended.
 */
bool chan_xfer_recv_ready(struct chan *ch)
{
	return chan_ring_readable(&ch->ring) || chan_eof(ch);
}

/**
 * chan_xfer_send_ready() - would a send to the ring find room or fail?
 * @ch: the channel
 *
 * Return: true if a slot is free or a send would fail with EPIPE.
 */
bool chan_xfer_send_ready(struct chan *ch)
{
	return chan_ring_writable(&ch->ring) || chan_send_broken(ch);
}

/* The waits' predicates. */
static bool chan_xfer_room(struct chan *ch, void *arg)
{
	return chan_xfer_send_ready(ch);
}

static bool chan_xfer_news(struct chan *ch, void *arg)
{
	return chan_xfer_recv_ready(ch);
}

/**
 * chan_xfer_pass_wake() - hand on a wakeup this caller did not use
 * @ch: the channel
 * @send: a sender (true) or a receiver (false) is leaving
 *
 * A sender or receiver that returns an error may have been the one
 * exclusive sleeper a wakeup chose.  If what a sleeper waits for is still
 * there - room or a broken channel, a message or end of stream: the same
 * predicates the waits use - wake the next one.
 */
void chan_xfer_pass_wake(struct chan *ch, bool send)
{
	if (send)
		chan_pass_wake_send(ch, chan_ring_writable(&ch->ring));
	else if (chan_xfer_recv_ready(ch))
		chan_wake_recv(ch);
}

/**
 * chan_xfer_wait_send() - wait for room in the ring
 * @ch: the channel
 * @timeout: jiffies, updated; MAX_SCHEDULE_TIMEOUT for ever
 *
 * Context: process context, sleeps.
 * Return: 0 when there may be room or a send would fail, -ERESTARTSYS or
 * -ETIMEDOUT.
 */
int chan_xfer_wait_send(struct chan *ch, long *timeout)
{
	return chan_wait_for(ch, true, chan_xfer_room, NULL, timeout);
}

/**
 * chan_xfer_wait_recv() - wait for a message in the ring or its end
 * @ch: the channel
 * @timeout: jiffies, updated; MAX_SCHEDULE_TIMEOUT for ever
 *
 * Context: process context, sleeps.
 * Return: 0 when there may be a message or end of stream, -ERESTARTSYS
 * or -ETIMEDOUT.
 */
int chan_xfer_wait_recv(struct chan *ch, long *timeout)
{
	return chan_wait_for(ch, false, chan_xfer_news, NULL, timeout);
}

/*
 * Make room under CHAN_POLICY_OVERWRITE by retiring the oldest message,
 * unless it is still being written or another consumer takes it first;
 * the caller claims again either way.
 */
static void chan_overwrite_oldest(struct chan *ch)
{
	struct chan_slot *s;
	u32 pos, len;

	s = chan_ring_peek(&ch->ring, &pos);
	if (IS_ERR_OR_NULL(s))
		return;
	len = READ_ONCE(s->len);
	if (!chan_ring_consume(&ch->ring, pos))
		return;
	if (len != CHAN_SLOT_TOMBSTONE) {
		atomic64_inc(&ch->overwritten);
		trace_chan_drop(ch->id, len, true);
	}
}

/* What became of a message the full-channel policy did not queue. */
enum chan_fate {
	CHAN_QUEUED,
	CHAN_DROPPED,		/* CHAN_POLICY_DROP_NEWEST: discarded */
	CHAN_DISPLACED,		/* CHAN_POLICY_OVERWRITE: overwritten at once */
};

/*
 * Find a free slot, applying the full-channel policy.  Returns it, NULL
 * with *@fate telling why the message is not queued, or an ERR_PTR.
 *
 * Under CHAN_POLICY_OVERWRITE a full ring makes room by retiring its
 * oldest message and claims again; another producer may take the freed
 * slot every time.  Every round counts: after CHAN_OVERWRITE_TRIES the
 * new message is the one overwritten - as if queued and displaced at once
 * - so a flood from other producers cannot keep this one looping, in
 * softirq least of all.
 */
static struct chan_slot *chan_send_reserve(struct chan *ch, u32 *pos,
					   long *timeout, enum chan_fate *fate)
{
	int tries = 0, ret;
	struct chan_slot *s;

	for (;;) {
		if (chan_send_broken(ch))
			return ERR_PTR(-EPIPE);
		s = chan_ring_reserve(&ch->ring, pos);
		if (IS_ERR(s)) {
			chan_reject(ch);
			return s;
		}
		if (s)
			return s;
		switch (ch->policy) {
		case CHAN_POLICY_FAIL:
			return ERR_PTR(-EAGAIN);
		case CHAN_POLICY_DROP_NEWEST:
			*fate = CHAN_DROPPED;
			return NULL;
		case CHAN_POLICY_OVERWRITE:
			if (++tries > CHAN_OVERWRITE_TRIES) {
				*fate = CHAN_DISPLACED;
				return NULL;
			}
			chan_overwrite_oldest(ch);
			chan_delay(CHAN_DP_OVERWRITE);
			cpu_relax();
			continue;
		}
		if (!*timeout)
			return ERR_PTR(-EAGAIN);
		ret = chan_xfer_wait_send(ch, timeout);
		if (ret)
			return ERR_PTR(ret);
	}
}

/* Account for a message the policy did not queue; the send succeeds. */
static ssize_t chan_send_discard(struct chan *ch, size_t len,
				 enum chan_fate fate)
{
	if (fate == CHAN_DROPPED) {
		atomic64_inc(&ch->dropped);
		trace_chan_drop(ch->id, len, false);
		return len;
	}
	/* sent == received + overwritten + depth holds for it too. */
	atomic64_inc(&ch->ring.sent);
	atomic64_inc(&ch->overwritten);
	trace_chan_drop(ch->id, len, true);
	return len;
}

/*
 * Copy a message into its slot.  In a mapped ring user space may have
 * garbled the positions so that a kernel receiver reads this very slot:
 * harmless (it gets garbage, the kernel stays safe), so KCSAN looks away.
 */
static size_t chan_copy_in(struct chan *ch, struct chan_slot *s, size_t len,
			   struct iov_iter *from)
{
	size_t n;

	if (!ch->map)
		return copy_from_iter(s->data, len, from);
	kcsan_disable_current();
	n = copy_from_iter(s->data, len, from);
	kcsan_enable_current();
	return n;
}

/*
 * Queue one message.  *@claimed tells chan_send_end() that a position was
 * taken (published, or aborted: a tombstone with several producers).
 */
static ssize_t __chan_send(struct chan *ch, struct iov_iter *from,
			   size_t len, long *timeout, u32 *posp,
			   const u64 *id, bool *claimed)
{
	enum chan_fate fate = CHAN_QUEUED;
	struct chan_slot *s;
	u32 pos;

	/*
	 * With several producers a claimed position cannot be handed back,
	 * so fault the message in first: only a buffer unmapped under our
	 * feet still leaves a tombstone behind.
	 */
	if (ch->ring.mp && fault_in_iov_iter_readable(from, len))
		return -EFAULT;
	s = chan_send_reserve(ch, &pos, timeout, &fate);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!s)
		return chan_send_discard(ch, len, fate);
	*claimed = true;
	chan_delay(CHAN_DP_CLAIM);
	/*
	 * Our claim is visible to chan_eof() before this second look at the
	 * close: the cmpxchg() of tail in chan_ring_reserve() (several
	 * producers) or of sp_busy in chan_send_queue_id() (one producer)
	 * was a full barrier; it pairs with [E] there.
	 */
	if (READ_ONCE(ch->send_closed)) {
		chan_ring_abort(&ch->ring, pos);
		return -EPIPE;
	}
	chan_delay(CHAN_DP_COPY);
	if (chan_copy_in(ch, s, len, from) != len) {
		chan_ring_abort(&ch->ring, pos);
		return -EFAULT;
	}
	/* A request's call id rides after the largest message. */
	if (id)
		memcpy(s->data + ch->msg_max, id, sizeof(*id));
	*posp = pos;
	chan_ring_publish(&ch->ring, pos, len);
	chan_count(&ch->ring.sent, ch->sent_plain);
	trace_chan_send(ch->id, len, chan_ring_depth(&ch->ring));
	return len;
}

/*
 * The end of a send, whatever its outcome (see the diagram at the top).
 * A single producer gives sp_busy back first.  Then one full barrier [B]
 * orders the publish (or abort) and that release before the look at the
 * close and at the receive queue: once closed, every receiver is woken,
 * since this send may have been the last in flight that kept them from
 * end of stream; otherwise one, if a message or tombstone was published.
 */
static void chan_send_end(struct chan *ch, bool claimed)
{
	if (!ch->ring.mp)
		/*
		 * Pairs with atomic_read_acquire() in chan_eof(), and with
		 * the cmpxchg() of the next sender.
		 */
		atomic_set_release(&ch->sp_busy, 0);
	else if (!claimed)
		return;
	/* [B]: pairs with [A] of the waiters and with [E] in chan_eof(). */
	smp_mb();
	if (READ_ONCE(ch->send_closed))
		chan_wake_all(ch);
	else if (claimed)
		__chan_wake_recv(ch);
}

/**
 * chan_xfer_send() - queue one message of @len bytes
 * @ch: the channel
 * @from: the message, 1 to msg_max bytes
 * @len: iov_iter_count(@from)
 * @timeout: as for chan_send_iter()
 * @pos: out: the message's position in the ring, when it was queued (not
 *	when a policy dropped it)
 * @id: the call id stored with a request, or NULL
 *
 * Return: as for chan_send_iter().
 */
ssize_t chan_xfer_send(struct chan *ch, struct iov_iter *from, size_t len,
		       long *timeout, u32 *pos, const u64 *id)
{
	bool claimed = false;
	ssize_t ret;

	/* One producer: a full barrier when it succeeds; see chan_eof(). */
	if (!ch->ring.mp && atomic_cmpxchg(&ch->sp_busy, 0, 1))
		return -EBUSY;
	ret = __chan_send(ch, from, len, timeout, pos, id, &claimed);
	chan_send_end(ch, claimed);
	/* With one producer nobody else waits in a send. */
	if (ret < 0 && ch->ring.mp)
		chan_xfer_pass_wake(ch, true);
	return ret;
}

/*
 * Copy out and claim the message at @pos of a multi-consumer ring, which
 * copies before it claims (see ring.h): a producer may be rewriting the
 * slot if another consumer took it meanwhile, and the failed claim then
 * throws the copy away.  That race is by design, so KCSAN looks away.
 *
 * The copy runs with page faults and preemption disabled, so nothing
 * between the peek and the claim can sleep: the window is one copy of at
 * most msg_max bytes (and interrupts), far too short for other consumers
 * to bring the 32-bit head all the way round to @pos again - the ABA
 * that the claim's cmpxchg() could not tell, had the copy slept on a
 * page fault (a stalled FUSE page) or been preempted for 2^32 messages.
 * A buffer that would fault is faulted in with nothing claimed, and the
 * caller looks again.  Returns @len, 0 to look again, or -EFAULT with
 * the message left in place.
 */
static ssize_t chan_recv_claim(struct chan *ch, struct chan_slot *s, u32 pos,
			       u32 len, struct iov_iter *to, u64 *id)
{
	bool won = false;
	size_t n;

	preempt_disable();
	pagefault_disable();
	kcsan_disable_current();
	n = copy_to_iter(s->data, len, to);
	if (id)
		memcpy(id, s->data + ch->msg_max, sizeof(*id));
	kcsan_enable_current();
	if (n == len) {
		chan_delay(CHAN_DP_CLAIM_RECV);
		won = chan_ring_consume(&ch->ring, pos);
	}
	pagefault_enable();
	preempt_enable();
	if (won)
		return len;
	iov_iter_revert(to, n);
	if (n != len && fault_in_iov_iter_writeable(to, len))
		return -EFAULT;
	return 0;
}

/*
 * Take the message at @pos if it fits.  Returns its length, 0 if another
 * consumer took it first (look again), or a negative errno with the
 * message left in place.
 */
static ssize_t chan_recv_slot(struct chan *ch, struct chan_slot *s, u32 pos,
			      struct iov_iter *to, u64 *id)
{
	u32 len = READ_ONCE(s->len);
	size_t n;

	if (len == CHAN_SLOT_TOMBSTONE || len > ch->msg_max || !len) {
		/*
		 * Abandoned by its producer: retire it and go on.  In a
		 * mapped ring it is garbage user space wrote: retire it and
		 * fail, so that user space cannot keep us here.
		 */
		if (chan_ring_consume(&ch->ring, pos))
			chan_wake_send(ch);
		if (ch->map) {
			chan_reject(ch);
			return -EPROTO;
		}
		return 0;
	}
	if (len > iov_iter_count(to)) {
		if (!chan_ring_is_head(&ch->ring, pos))
			return 0;
		return -EMSGSIZE;
	}
	if (ch->ring.mc) {
		n = chan_recv_claim(ch, s, pos, len, to, id);
		if (n != len)
			return n;
	} else {
		/*
		 * A mapped ring's positions may have been garbled by user
		 * space so that a kernel sender writes the slot we read:
		 * harmless, so KCSAN looks away.
		 */
		if (ch->map)
			kcsan_disable_current();
		n = copy_to_iter(s->data, len, to);
		if (id)
			memcpy(id, s->data + ch->msg_max, sizeof(*id));
		if (ch->map)
			kcsan_enable_current();
		if (n != len)
			return -EFAULT;		/* bad buffer: the message stays */
		chan_ring_consume(&ch->ring, pos);
	}
	/* A single consumer holds sc_busy. */
	chan_count(&ch->ring.received, ch->flags & CHAN_SINGLE_CONSUMER);
	trace_chan_recv(ch->id, len, chan_ring_depth(&ch->ring));
	chan_wake_send(ch);
	return len;
}

static ssize_t __chan_recv(struct chan *ch, struct iov_iter *to,
			   long *timeout, u64 *id)
{
	struct chan_slot *s;
	ssize_t ret;
	u32 pos;

	for (;;) {
		s = chan_ring_peek(&ch->ring, &pos);
		if (IS_ERR(s)) {
			chan_reject(ch);
			return PTR_ERR(s);
		}
		if (s) {
			ret = chan_recv_slot(ch, s, pos, to, id);
			if (ret)
				return ret;
			continue;
		}
		if (chan_eof(ch))
			return 0;
		if (!*timeout)
			return -EAGAIN;
		ret = chan_xfer_wait_recv(ch, timeout);
		if (ret)
			return ret;
	}
}

/**
 * chan_xfer_recv() - receive one message and its call id from the ring
 * @ch: the channel
 * @to: room for the message
 * @timeout: as for chan_ep_recv()
 * @id: out: the call id stored with a request, or NULL
 *
 * Return: as for chan_ep_recv().
 */
ssize_t chan_xfer_recv(struct chan *ch, struct iov_iter *to, long *timeout,
		       u64 *id)
{
	ssize_t ret;

	if (!(ch->flags & CHAN_SINGLE_CONSUMER)) {
		ret = __chan_recv(ch, to, timeout, id);
		if (ret < 0)
			chan_xfer_pass_wake(ch, false);
		return ret;
	}
	if (atomic_cmpxchg(&ch->sc_busy, 0, 1))
		return -EBUSY;
	ret = __chan_recv(ch, to, timeout, id);
	/* Pairs with the cmpxchg() of the next receiver. */
	atomic_set_release(&ch->sc_busy, 0);
	return ret;
}
