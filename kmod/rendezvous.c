// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the rendezvous kind - a send ends only when a receiver has taken
 * its message.  Receiving is the queue's.
 *
 * A rendezvous channel is a queue of one slot (on a multi-consumer ring)
 * whose sender, after publishing, waits until a receiver has claimed the
 * slot.  A sender that gives up withdraws its message by claiming the slot
 * itself, with the same cmpxchg() of the ring's head that receivers use:
 * exactly one of them wins, so the message is either taken by a receiver
 * (and the send succeeds) or withdrawn (and the send fails), never both.
 *
 *   sender                               receiver
 *   ------                               --------
 *   publish slot (store-release seq)     peek: load-acquire seq, copy out
 *   wait: head > pos ?                   cmpxchg(head, pos, pos + 1) [C]
 *   give up: cmpxchg(head, pos, pos + 1) [C]
 *
 * The two [C] are the same atomic on the same word.  The receiver then
 * wakes the send queue; the waiting sender sleeps non-exclusively there
 * (prepare_to_wait() sets its state with a full barrier before it looks at
 * head), so the wakeup reaches it whichever other senders sleep there.
 */
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "internal.h"
#include "trace.h"

/* No capacity (the ring has one slot), policy BLOCK. */
static int chan_rendezvous_check(const struct chan_create *a)
{
	return !a->capacity && a->policy == CHAN_POLICY_BLOCK ? 0 : -EINVAL;
}

/*
 * Has a receiver (or the sender withdrawing) claimed position @pos?  The
 * ring has one slot, so the head stays at @pos until it is claimed, and
 * any other value means taken - even 2^31 messages later, when a signed
 * difference would read as "not yet".
 */
static bool chan_taken(struct chan *ch, u32 pos)
{
	return READ_ONCE(ch->ring.head) != pos;
}

/*
 * Wait until @pos is taken, every receiver is gone, a signal or the end of
 * *@timeout (updated).  Returns 0 once taken, else -EPIPE, -ERESTARTSYS or
 * -ETIMEDOUT.
 */
static int chan_wait_taken(struct chan *ch, u32 pos, long *timeout)
{
	u64 end = chan_spin_deadline();
	long t = *timeout;
	DEFINE_WAIT(wait);
	int ret = 0;

	if (end) {
		do {
			if (chan_taken(ch, pos))
				return 0;
		} while (chan_spin_more(end));
	}
	atomic_inc(&ch->send_waiters);
	atomic64_inc(&ch->send_waits);
	trace_chan_wait(ch->id, true);
	for (;;) {
		/* Full barrier: pairs with the one in chan_wake_send(). */
		prepare_to_wait(&ch->send_wq, &wait, TASK_INTERRUPTIBLE);
		if (chan_taken(ch, pos))
			break;
		if (!atomic_read(&ch->receivers)) {
			ret = -EPIPE;
			break;
		}
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (!t) {
			ret = -ETIMEDOUT;
			break;
		}
		t = schedule_timeout(t);
	}
	finish_wait(&ch->send_wq, &wait);
	atomic_dec(&ch->send_waiters);
	if (*timeout != MAX_SCHEDULE_TIMEOUT)
		*timeout = t;
	return ret;
}

/*
 * Take our message back.  Returns true if it was still there; false if a
 * receiver claimed it first, and the send has succeeded after all.
 */
static bool chan_withdraw(struct chan *ch, u32 pos)
{
	if (!chan_ring_consume(&ch->ring, pos))
		return false;
	chan_delay(CHAN_DP_WITHDRAW);
	atomic64_dec(&ch->ring.sent);	/* it was never delivered */
	chan_wake_send(ch);		/* the slot is free again */
	return true;
}

/*
 * Hand one message to a receiver.  *@timeout 0 sends only to a receiver
 * already waiting, and then waits up to CHAN_RENDEZVOUS_HANDOFF_MS for it
 * (so it may sleep even then); without one it fails -EAGAIN, or -EPIPE
 * when no receiver is left or the channel is closed for sending.  Returns
 * @len once a receiver took the message; -EAGAIN, -ETIMEDOUT, -ERESTARTSYS
 * or -EPIPE with the message withdrawn; or an errno of chan_queue_send()
 * with nothing sent.
 */
static ssize_t chan_rendezvous_send(struct chan *ch, struct iov_iter *from,
				    size_t len, long *timeout)
{
	bool nonblock = !*timeout;
	long handoff;
	ssize_t ret;
	int err;
	u32 pos;

	/* No one to take it now; with no receiver at all, not ever. */
	if (nonblock && !atomic_read(&ch->recv_waiters))
		return chan_send_broken(ch) ? -EPIPE : -EAGAIN;
	ret = chan_xfer_send(ch, from, len, timeout, &pos, NULL);
	if (ret < 0)
		return ret;
	if (nonblock) {
		handoff = msecs_to_jiffies(CHAN_RENDEZVOUS_HANDOFF_MS);
		err = chan_wait_taken(ch, pos, &handoff);
		if (err == -ETIMEDOUT)
			err = -EAGAIN;
	} else {
		err = chan_wait_taken(ch, pos, timeout);
	}
	if (err && chan_withdraw(ch, pos))
		return err;
	return ret;
}

/* Poll: a send may go ahead only with a receiver waiting for it. */
static bool chan_rendezvous_writable(struct chan *ch)
{
	return (atomic_read(&ch->recv_waiters) &&
		chan_ring_writable(&ch->ring)) || chan_send_broken(ch);
}

/* The withdrawing sender consumes its own slot: a multi-consumer ring. */
const struct chan_kind_ops chan_rendezvous_ops = {
	.kind		= CHAN_KIND_RENDEZVOUS,
	.name		= "rendezvous",
	.flags		= CHAN_KF_MC | CHAN_KF_HANDOFF,
	.check		= chan_rendezvous_check,
	.send		= chan_rendezvous_send,
	.recv		= chan_queue_recv,
	.readable	= chan_queue_readable,
	.writable	= chan_rendezvous_writable,
};
