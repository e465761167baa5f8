// SPDX-License-Identifier: GPL-2.0
/*
 * chan: waiting, spinning and waking - what every kind's senders and
 * receivers do when they cannot go on, and what the other side does to
 * let them.
 *
 * No lock is taken on the data path.  A side that makes progress possible
 * (a published message, a freed slot) wakes the other only if one sleeps:
 *
 *   waiter                              waker
 *   ------                              -----
 *   prepare_to_wait_exclusive()
 *     adds itself to the queue and
 *     sets TASK_INTERRUPTIBLE
 *     (set_current_state: smp_mb) [A]
 *   ready()? no -> schedule()           publish (store-release)
 *                                       smp_mb() [B], then
 *                                         waitqueue_active()
 *                                       -> wake_up_interruptible_poll()
 *
 * [A] pairs with [B]: either the waker's waitqueue_active() sees the
 * waiter on the queue and wakes it, or the waiter's ready() after [A]
 * sees what was published and does not sleep.  Pollers get the same
 * guarantee from the smp_mb() after poll_wait() in ep.c.  xfer.c shows
 * how end of stream reaches every receiver on top of this.
 */
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "internal.h"
#include "trace.h"

/**
 * __chan_wake_recv() - chan_wake_recv() for a caller that has just issued
 * a full barrier
 * @ch: the channel
 */
void __chan_wake_recv(struct chan *ch)
{
	/* The caller's smp_mb() [B] pairs with [A] of the waiters. */
	if (!waitqueue_active(&ch->recv_wq))
		return;
	trace_chan_wake(ch->id, false);
	if (chan_may_wake_now())
		wake_up_interruptible_poll(&ch->recv_wq, EPOLLIN | EPOLLRDNORM);
	else
		irq_work_queue(&ch->wake_work);
}

/**
 * chan_wake_recv() - wake one receiver and the pollers of the receive end
 * @ch: the channel
 *
 * Context: any; deferred to irq_work where waking is not allowed.
 */
void chan_wake_recv(struct chan *ch)
{
	/* [B]: pairs with set_current_state() of the waiter ([A]). */
	smp_mb();
	__chan_wake_recv(ch);
}

/**
 * chan_wake_send() - wake one sender and the pollers of the send end
 * @ch: the channel
 *
 * Context: any; deferred to irq_work where waking is not allowed.
 */
void chan_wake_send(struct chan *ch)
{
	/* smp_mb() inside ([B]) pairs with set_current_state() ([A]). */
	if (!wq_has_sleeper(&ch->send_wq))
		return;
	trace_chan_wake(ch->id, true);
	if (chan_may_wake_now())
		wake_up_interruptible_poll(&ch->send_wq,
					   EPOLLOUT | EPOLLWRNORM);
	else
		irq_work_queue(&ch->wake_work);
}

/**
 * chan_wake_work() - wake every sleeper and poller of both queues
 * @work: &chan.wake_work
 */
void chan_wake_work(struct irq_work *work)
{
	struct chan *ch = container_of(work, struct chan, wake_work);

	wake_up_interruptible_all(&ch->recv_wq);
	wake_up_interruptible_all(&ch->send_wq);
}

/**
 * chan_wake_all() - wake every sleeper and poller of both queues
 * @ch: the channel
 *
 * Context: any; from hardirq, softirq or with interrupts off the wakeup
 * runs from irq_work.
 */
void chan_wake_all(struct chan *ch)
{
	if (chan_may_wake_now())
		chan_wake_work(&ch->wake_work);
	else
		irq_work_queue(&ch->wake_work);
}

/**
 * chan_pass_wake_send() - hand on a wakeup a leaving sender did not use
 * @ch: the channel
 * @room: the kind finds room for a send now
 *
 * A sender that returns an error may have been the one exclusive sleeper
 * a wakeup chose.  If what a sleeper waits for is still there - room, or
 * a broken channel: the predicate the waits use - wake the next one.
 */
void chan_pass_wake_send(struct chan *ch, bool room)
{
	if (room || chan_send_broken(ch))
		chan_wake_send(ch);
}

/*
 * Sleep until @ready(@ch), a signal, or the end of *@timeout (jiffies;
 * updated, MAX_SCHEDULE_TIMEOUT for ever) on the send (@send) or receive
 * queue.  Waits are exclusive: a freed slot or a new message wakes one
 * sleeper, not all of them (closing wakes everyone), but for the
 * receivers of a %CHAN_KF_RECV_ALL kind, each of whom wants every message.  A sleeper that
 * leaves without using what woke it passes the wakeup on (see
 * chan_xfer_pass_wake()).  On a mapped ring every waiter is woken
 * instead, and each arms its wake flag before it looks at the ring (see
 * mmap.c).  Returns 0, -ERESTARTSYS or -ETIMEDOUT.
 */
static int chan_wait(struct chan *ch, bool send, chan_ready_fn ready,
		     void *arg, long *timeout)
{
	wait_queue_head_t *wq = send ? &ch->send_wq : &ch->recv_wq;
	bool all = ch->map || (!send && (ch->ops->flags & CHAN_KF_RECV_ALL));
	long t = *timeout;
	DEFINE_WAIT(wait);
	int ret = 0;

	for (;;) {
		/* set_current_state() inside: the barrier [A] above. */
		if (all)
			prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE);
		else
			prepare_to_wait_exclusive(wq, &wait,
						  TASK_INTERRUPTIBLE);
		if (ready(ch, arg))
			break;
		/* Arm only now, so that a ready ring leaves it clear. */
		if (ch->map) {
			chan_map_arm(ch, send);
			if (ready(ch, arg))
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
	finish_wait(wq, &wait);
	if (*timeout != MAX_SCHEDULE_TIMEOUT)
		*timeout = t ?: 1;	/* 0 would mean "never sleep" */
	return ret;
}

/**
 * chan_wait_sleep() - the sleeping half of chan_wait_for()
 * @ch: the channel
 * @send: a sender (true) or a receiver (false) waits
 * @ready: as for chan_wait_for()
 * @arg: passed to @ready
 * @timeout: jiffies, updated; MAX_SCHEDULE_TIMEOUT for ever
 *
 * The caller counted itself in the waiters and spun; this sleeps and
 * uncounts it.
 *
 * Context: process context, sleeps.
 * Return: 0 when @ready may hold, -ERESTARTSYS or -ETIMEDOUT.
 */
int chan_wait_sleep(struct chan *ch, bool send, chan_ready_fn ready,
		    void *arg, long *timeout)
{
	int ret;

	chan_delay(CHAN_DP_PRE_SLEEP);
	trace_chan_wait(ch->id, send);
	atomic64_inc(send ? &ch->send_waits : &ch->recv_waits);
	ret = chan_wait(ch, send, ready, arg, timeout);
	atomic_dec(send ? &ch->send_waiters : &ch->recv_waiters);
	return ret;
}
