// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the broadcast kind - every subscriber sees every message sent
 * after it subscribed.
 *
 * One ring, many cursors.  Producers claim positions with cmpxchg() of a
 * 64-bit tail (&chan_bcast.tail).  Each receive endpoint (a subscriber,
 * &struct chan_sub) has its own 64-bit cursor; dup() shares one cursor, so
 * readers of a subscriber advance it with cmpxchg().  Positions are 64-bit
 * because a subscriber under the overwrite policy may fall behind without
 * bound: a reader is lapped exactly when tail - cursor > capacity, whatever
 * the slot holds.  Nothing ever consumes a slot: a slot is rewritten when a
 * producer comes round a lap later.
 *
 * Slot sequence numbers work like a seqlock per slot.  A slot holds
 * seq == 2 * p + 1 (mod 2^32) once the message at position p is
 * published, and seq == 2 * p while a producer writes it; a new ring's
 * slot i starts as "published for position i - capacity", so that a
 * producer finds every slot free for its first lap with one rule.  Within
 * a lap of the tail, (s32) differences of seq order positions exactly:
 *
 *   producer of p                        reader at cursor c
 *   -------------                        ------------------
 *   slot free: seq == 2(p - cap) + 1     seq = load-acquire(slot.seq)   [R1]
 *   claim: cmpxchg(tail, p, p + 1)       seq == 2c + 1: copy the message
 *   WRITE_ONCE(seq, 2p); smp_wmb() [W1]  smp_rmb()                      [R2]
 *   write len and data                   seq unchanged? the copy is whole
 *   store-release(seq, 2p + 1)     [W2]  cmpxchg(cursor, c, c + 1)
 *
 * [W2] pairs with [R1]: a reader that sees 2c + 1 sees the whole message.
 * [W1] pairs with [R2]: a reader whose copy overlapped a rewrite sees seq
 * changed on its second look and throws the copy away.  A seq beyond
 * 2c + 1 means the cursor was lapped.
 *
 * Policies.  CHAN_POLICY_BLOCK: a producer may claim p only when every
 * cursor has passed p - capacity, so the slowest subscriber holds
 * producers back; the minimum over the cursors is cached in &chan_bcast.min
 * and recomputed (under RCU, no lock) only when the ring looks full.
 * CHAN_POLICY_FAIL and CHAN_POLICY_DROP_NEWEST: the same test, but a full
 * ring fails the send or drops the message.
 * CHAN_POLICY_OVERWRITE: producers never wait for subscribers; a reader
 * that finds its cursor lapped jumps to the oldest message still in the
 * ring, counts what it skipped, and its next read fails once with
 * EOVERFLOW - the point of the gap - before reading on.
 * With no subscriber at all (a named channel nobody has opened for
 * receiving), a send succeeds and the message is counted as dropped.
 */
#include <linux/kcsan-checks.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include "internal.h"
#include "trace.h"

/* How often an overwriting producer retries a slot still being written. */
#define CHAN_BCAST_TRIES	64
/**
 * struct chan_bcast - a broadcast channel's own state
 * @tail: next position to produce (64-bit, never wraps)
 * @min: a recent minimum over the subscribers' cursors
 * @subs: the subscribers (&struct chan_sub), walked under RCU
 * @subs_lock: serialises changes to @subs
 */
struct chan_bcast {
	atomic64_t tail;
	atomic64_t min;
	struct list_head subs;
	spinlock_t subs_lock;		/* serialises changes to subs */
};

/**
 * struct chan_sub - one subscriber: the state of a receive endpoint
 * @pos: the next position to read; moved with cmpxchg() (files sharing
 *	the endpoint share the cursor); 64-bit, never wraps
 * @gap: the cursor was lapped and the next read reports it
 * @lost: messages missed by being lapped
 * @lost_seen: @lost when CHAN_IOC_LOST last asked
 * @node: in &chan_bcast.subs
 * @rcu: frees it after producers walking the list are done
 */
struct chan_sub {
	atomic64_t pos;
	atomic_t gap;
	atomic64_t lost;
	atomic64_t lost_seen;
	struct list_head node;
	struct rcu_head rcu;
};

static struct chan_bcast *chan_bcast(struct chan *ch)
{
	return chan_kind_priv(ch);
}

static u32 chan_bcast_seq(u64 pos)
{
	return 2 * (u32)pos + 1;
}

static u32 chan_bcast_free_seq(u64 pos, u32 cap)
{
	return chan_bcast_seq(pos - cap);
}

static u32 chan_bcast_cap(const struct chan *ch)
{
	return ch->ring.mask + 1;
}

/* Prepare a new broadcast channel, its ring initialised. */
static void chan_bcast_init(struct chan *ch)
{
	struct chan_bcast *b = chan_bcast(ch);
	u32 cap = chan_bcast_cap(ch), i;

	for (i = 0; i < cap; i++)
		chan_ring_slot(&ch->ring, i)->seq = chan_bcast_free_seq(i, cap);
	atomic64_set(&b->tail, 0);
	atomic64_set(&b->min, 0);
	INIT_LIST_HEAD(&b->subs);
	spin_lock_init(&b->subs_lock);
}

/* Subscribe a new receive endpoint: a cursor at the next message sent. */
static int chan_sub_new(struct chan_ep *ep)
{
	struct chan_sub *sub = kzalloc(sizeof(*sub), GFP_KERNEL_ACCOUNT);
	struct chan *ch = ep->ch;
	struct chan_bcast *b = chan_bcast(ch);

	if (!sub)
		return -ENOMEM;
	/* A real cursor at once: producers may see us as soon as we are in. */
	atomic64_set(&sub->pos, atomic64_read(&b->tail));
	spin_lock(&b->subs_lock);
	list_add_tail_rcu(&sub->node, &b->subs);
	spin_unlock(&b->subs_lock);
	/*
	 * Pairs with the acquire loads of cursors in chan_bcast_min(): a
	 * producer whose walk missed us read every cursor before we read the
	 * tail here, so the positions it may still overwrite are all behind
	 * the cursor we start at.  What was sent before this read of the tail
	 * was sent before we subscribed.
	 */
	smp_mb();
	atomic64_set(&sub->pos, atomic64_read(&b->tail));
	ep->priv = sub;
	/* A producer may have judged the ring full by our first cursor. */
	chan_wake_send(ch);
	return 0;
}

/* Unsubscribe an endpoint gone from every file; wake whom it held back. */
static void chan_sub_free(struct chan_ep *ep)
{
	struct chan_bcast *b = chan_bcast(ep->ch);
	struct chan_sub *sub = ep->priv;

	spin_lock(&b->subs_lock);
	list_del_rcu(&sub->node);
	spin_unlock(&b->subs_lock);
	kfree_rcu(sub, rcu);
	chan_wake_send(ep->ch);
}

/* The oldest cursor; @tail itself with no subscriber. */
static u64 chan_bcast_min(struct chan *ch, u64 tail)
{
	struct chan_sub *sub;
	u64 min = tail;

	chan_delay(CHAN_DP_BCAST_WALK);
	rcu_read_lock();
	list_for_each_entry_rcu(sub, &chan_bcast(ch)->subs, node) {
		/* Acquire: pairs with smp_mb() in chan_sub_new(). */
		u64 pos = atomic64_read_acquire(&sub->pos);

		if (pos < min)
			min = pos;
	}
	rcu_read_unlock();
	return min;
}

/*
 * May a producer claim @pos without lapping a subscriber?  The cached
 * minimum only ever lags the true one, so it is refreshed only when it
 * says no.
 */
static bool chan_bcast_room(struct chan *ch, u64 pos)
{
	struct chan_bcast *b = chan_bcast(ch);
	u32 cap = chan_bcast_cap(ch);
	u64 min;

	if (pos - atomic64_read(&b->min) < cap)
		return true;
	min = chan_bcast_min(ch, pos);
	atomic64_set(&b->min, min);
	return pos - min < cap;
}

/*
 * Would a producer find a free slot now: the slot at the tail is free
 * and, unless the policy overwrites, every subscriber is less than a
 * ring behind?
 */
static bool chan_bcast_writable(struct chan *ch)
{
	u64 pos = atomic64_read(&chan_bcast(ch)->tail);
	struct chan_slot *s = chan_ring_slot(&ch->ring, pos);

	/* Pairs with smp_store_release() of seq in chan_bcast_publish(). */
	if (smp_load_acquire(&s->seq) !=
	    chan_bcast_free_seq(pos, chan_bcast_cap(ch)))
		return false;
	return ch->policy == CHAN_POLICY_OVERWRITE || chan_bcast_room(ch, pos);
}

/* Messages the slowest subscriber has yet to read: 0 .. capacity. */
static u32 chan_bcast_depth(struct chan *ch)
{
	u64 tail = atomic64_read(&chan_bcast(ch)->tail);

	return min_t(u64, tail - chan_bcast_min(ch, tail), chan_bcast_cap(ch));
}

/* The wait's predicate for a sender: room, or a send would fail. */
static bool chan_bcast_send_ready(struct chan *ch, void *arg)
{
	return chan_bcast_writable(ch) || chan_send_broken(ch);
}

/*
 * Claim the position at the tail if its slot is free.  Returns the slot
 * (marked as being written) or NULL if the ring is full for us.
 */
static struct chan_slot *chan_bcast_claim(struct chan *ch, u64 *posp)
{
	struct chan_bcast *b = chan_bcast(ch);
	u32 cap = chan_bcast_cap(ch);
	struct chan_slot *s;
	u64 pos;

	for (;;) {
		pos = atomic64_read(&b->tail);
		s = chan_ring_slot(&ch->ring, pos);
		/* Pairs with smp_store_release() in chan_bcast_publish(). */
		if (smp_load_acquire(&s->seq) != chan_bcast_free_seq(pos, cap))
			return NULL;	/* the last lap's producer is busy */
		if (ch->policy != CHAN_POLICY_OVERWRITE &&
		    !chan_bcast_room(ch, pos))
			return NULL;
		/* Full barrier: see chan_bcast_eof(). */
		if (atomic64_try_cmpxchg(&b->tail, &pos, pos + 1))
			break;
	}
	WRITE_ONCE(s->seq, 2 * (u32)pos);
	/* [W1]: the mark is visible before any byte of the new message. */
	smp_wmb();
	*posp = pos;
	return s;
}

/*
 * Do senders wait for room: a blocked producer (CHAN_POLICY_BLOCK) or a
 * poller of a CHAN_POLICY_FAIL channel, whose EPOLLOUT means room?
 */
static bool chan_bcast_senders_wait(const struct chan *ch)
{
	return ch->policy == CHAN_POLICY_BLOCK ||
	       ch->policy == CHAN_POLICY_FAIL;
}

static void chan_bcast_publish(struct chan *ch, struct chan_slot *s, u64 pos,
			       u32 len)
{
	WRITE_ONCE(s->len, len);
	/* [W2]: pairs with smp_load_acquire() of seq in readers ([R1]). */
	smp_store_release(&s->seq, chan_bcast_seq(pos));
	/* Subscribers wait non-exclusively: this wakes all of them. */
	chan_wake_recv(ch);
	/* A producer (or poller) of the next lap may wait for this slot. */
	if (chan_bcast_senders_wait(ch))
		chan_wake_send(ch);
}

/* Claim a slot, waiting or retrying as the policy says; NULL: dropped. */
static struct chan_slot *chan_bcast_reserve(struct chan *ch, u64 *pos,
					    long *timeout)
{
	struct chan_slot *s;
	int tries = 0, ret;

	for (;;) {
		if (chan_send_broken(ch))
			return ERR_PTR(-EPIPE);
		if (list_empty(&chan_bcast(ch)->subs)) {
			/* Pairs with receivers-- before unsubscribing: ep.c */
			smp_rmb();
			return chan_send_broken(ch) ? ERR_PTR(-EPIPE) : NULL;
		}
		s = chan_bcast_claim(ch, pos);
		if (s)
			return s;
		switch (ch->policy) {
		case CHAN_POLICY_FAIL:
			return ERR_PTR(-EAGAIN);
		case CHAN_POLICY_DROP_NEWEST:
			return NULL;
		case CHAN_POLICY_OVERWRITE:
			/* Only a producer of the last lap can be in the way. */
			if (++tries < CHAN_BCAST_TRIES) {
				cpu_relax();
				continue;
			}
			return NULL;
		}
		if (!*timeout)
			return ERR_PTR(-EAGAIN);
		ret = chan_wait_for(ch, true, chan_bcast_send_ready, NULL,
				    timeout);
		if (ret)
			return ERR_PTR(ret);
	}
}

static ssize_t __chan_send_bcast(struct chan *ch, struct iov_iter *from,
				 size_t len, long *timeout)
{
	struct chan_slot *s;
	u64 pos;

	/* A claimed position cannot be handed back: fault the message in. */
	if (fault_in_iov_iter_readable(from, len))
		return -EFAULT;
	s = chan_bcast_reserve(ch, &pos, timeout);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!s) {
		atomic64_inc(&ch->dropped);
		trace_chan_drop(ch->id, len, false);
		return len;
	}
	chan_delay(CHAN_DP_CLAIM);
	/* Our claim came before this second look at the close. */
	if (READ_ONCE(ch->send_closed)) {
		chan_bcast_publish(ch, s, pos, CHAN_SLOT_TOMBSTONE);
		return -EPIPE;
	}
	chan_delay(CHAN_DP_COPY);
	if (copy_from_iter(s->data, len, from) != len) {
		chan_bcast_publish(ch, s, pos, CHAN_SLOT_TOMBSTONE);
		return -EFAULT;
	}
	chan_bcast_publish(ch, s, pos, len);
	atomic64_inc(&ch->ring.sent);
	/* The depth walks every subscriber: only for a tracer that asks. */
	if (trace_chan_send_enabled())
		trace_chan_send(ch->id, len, chan_bcast_depth(ch));
	return len;
}

/*
 * Send one message to every subscriber: @len (also when dropped for want
 * of subscribers), or -EPIPE, -EAGAIN, -ETIMEDOUT, -EBUSY, -EFAULT,
 * -ERESTARTSYS.
 */
static ssize_t chan_bcast_send(struct chan *ch, struct iov_iter *from,
			       size_t len, long *timeout)
{
	ssize_t ret;

	if (!(ch->flags & CHAN_SINGLE_PRODUCER)) {
		ret = __chan_send_bcast(ch, from, len, timeout);
	} else {
		if (atomic_cmpxchg(&ch->sp_busy, 0, 1))
			return -EBUSY;
		ret = __chan_send_bcast(ch, from, len, timeout);
		/* Pairs with the cmpxchg() of the next sender. */
		atomic_set_release(&ch->sp_busy, 0);
	}
	if (ret < 0)
		chan_pass_wake_send(ch, chan_bcast_writable(ch));
	return ret;
}

/*
 * End of stream for @sub: closed for sending and the cursor has reached
 * the tail.  A producer that claimed a position before the close is
 * behind the tail we read and will publish it (as a tombstone if it then
 * saw the close); one that claims after our read of the tail sees the
 * close: its cmpxchg() of tail and our smp_mb() order the two looks.
 */
static bool chan_bcast_eof(struct chan *ch, struct chan_sub *sub)
{
	/* Pairs with smp_store_release() in chan_close_send(). */
	if (!smp_load_acquire(&ch->send_closed))
		return false;
	/* Pairs with the full barrier of cmpxchg() in chan_bcast_claim(). */
	smp_mb();
	return atomic64_read(&sub->pos) == atomic64_read(&chan_bcast(ch)->tail);
}

/*
 * What the slot at cursor @c holds for it: 0 a message, > 0 the cursor
 * was lapped, < 0 nothing yet.
 */
static s32 chan_bcast_look(struct chan *ch, u64 c, u32 *seq)
{
	struct chan_slot *s = chan_ring_slot(&ch->ring, c);

	/* Lapped, however far: the slot may hold any later lap. */
	if (atomic64_read(&chan_bcast(ch)->tail) - c > chan_bcast_cap(ch))
		return 1;
	/* [R1]: pairs with smp_store_release() in chan_bcast_publish(). */
	*seq = smp_load_acquire(&s->seq);
	return (s32)(*seq - chan_bcast_seq(c));
}

/* Has @sub something to read: a message or a gap to report? */
static bool chan_bcast_has(struct chan *ch, struct chan_sub *sub)
{
	u32 seq;

	return atomic_read(&sub->gap) ||
	       chan_bcast_look(ch, atomic64_read(&sub->pos), &seq) >= 0;
}

/* The wait's predicate for a subscriber: news, or end of stream. */
static bool chan_bcast_readable(struct chan *ch, void *sub)
{
	return chan_bcast_has(ch, sub) || chan_bcast_eof(ch, sub);
}

/* Move a lapped cursor to the oldest message still in the ring. */
static void chan_bcast_skip(struct chan *ch, struct chan_sub *sub, u64 c)
{
	u64 to = atomic64_read(&chan_bcast(ch)->tail) - chan_bcast_cap(ch);

	if (to <= c)
		to = c + 1;
	if (!atomic64_try_cmpxchg(&sub->pos, &c, to))
		return;		/* another reader of this subscriber moved it */
	atomic64_add(to - c, &sub->lost);
	atomic64_add(to - c, &ch->overwritten);
	trace_chan_drop(ch->id, to - c, true);
	atomic_set(&sub->gap, 1);
}

/*
 * Take the message at cursor @c.  Returns its length, 0 to look again, or
 * a negative errno with the cursor unchanged.
 */
static ssize_t chan_bcast_take(struct chan *ch, struct chan_sub *sub, u64 c,
			       u32 seq, struct iov_iter *to)
{
	struct chan_slot *s = chan_ring_slot(&ch->ring, c);
	u32 len = READ_ONCE(s->len);
	u64 old = c;
	size_t n = 0;

	if (len != CHAN_SLOT_TOMBSTONE && len && len <= ch->msg_max) {
		if (len > iov_iter_count(to)) {
			/* [R2] for the length alone. */
			smp_rmb();
			return READ_ONCE(s->seq) == seq ? -EMSGSIZE : 0;
		}
		/* A lapping producer may rewrite the slot as we copy. */
		kcsan_disable_current();
		n = copy_to_iter(s->data, len, to);
		kcsan_enable_current();
	}
	/* [R2]: pairs with smp_wmb() in chan_bcast_claim() ([W1]). */
	smp_rmb();
	if (READ_ONCE(s->seq) != seq) {
		iov_iter_revert(to, n);
		return 0;		/* rewritten under us: lapped */
	}
	if (len == CHAN_SLOT_TOMBSTONE || !len || len > ch->msg_max) {
		/* Skipping a slot frees it as much as reading it does. */
		if (atomic64_try_cmpxchg(&sub->pos, &old, c + 1) &&
		    chan_bcast_senders_wait(ch))
			chan_wake_send(ch);
		return 0;
	}
	if (n != len) {
		iov_iter_revert(to, n);
		return -EFAULT;
	}
	if (!atomic64_try_cmpxchg(&sub->pos, &old, c + 1)) {
		iov_iter_revert(to, n);
		return 0;		/* a reader sharing the cursor took it */
	}
	atomic64_inc(&ch->ring.received);
	trace_chan_recv(ch->id, len,
			atomic64_read(&chan_bcast(ch)->tail) - c - 1);
	if (chan_bcast_senders_wait(ch))
		chan_wake_send(ch);
	return len;
}

/*
 * Receive the next message of one subscriber: its length, 0 at end of
 * stream, -EOVERFLOW once after the cursor was lapped (CHAN_IOC_LOST
 * tells how many messages it missed; the next read goes on with the
 * oldest message left), or an errno of chan_ep_recv().  A kernel receiver
 * is no subscriber: -EINVAL.
 */
static ssize_t chan_bcast_recv(struct chan *ch, struct chan_ep *ep,
			       struct iov_iter *to, long *timeout, u64 *id)
{
	struct chan_sub *sub = ep ? ep->priv : NULL;
	ssize_t ret;
	u32 seq;
	u64 c;
	s32 d;

	if (!sub)
		return -EINVAL;
	for (;;) {
		if (atomic_xchg(&sub->gap, 0))
			return -EOVERFLOW;
		c = atomic64_read(&sub->pos);
		d = chan_bcast_look(ch, c, &seq);
		if (d > 0) {
			chan_bcast_skip(ch, sub, c);
			continue;
		}
		if (d == 0) {
			ret = chan_bcast_take(ch, sub, c, seq, to);
			if (ret)
				return ret;
			continue;
		}
		if (chan_bcast_eof(ch, sub))
			return 0;
		if (!*timeout)
			return -EAGAIN;
		ret = chan_wait_for(ch, false, chan_bcast_readable, sub,
				    timeout);
		if (ret)
			return ret;
	}
}

/* CHAN_IOC_LOST: what the endpoint's subscriber missed since it asked. */
static u64 chan_sub_lost(struct chan_ep *ep)
{
	struct chan_sub *sub = ep->priv;

	return chan_since(&sub->lost_seen, atomic64_read(&sub->lost));
}

/* Poll: would a read through @ep find news? */
static bool chan_bcast_ep_readable(struct chan_ep *ep)
{
	return chan_bcast_has(ep->ch, ep->priv);
}

/* Poll: would a send return without waiting? */
static bool chan_bcast_ep_writable(struct chan *ch)
{
	return chan_policy_never_full(ch) || chan_bcast_send_ready(ch, NULL);
}

/* A batch stopped at a gap after some messages: the next read reports it. */
static void chan_bcast_rearm_gap(struct chan_ep *ep)
{
	atomic_set(&((struct chan_sub *)ep->priv)->gap, 1);
}

static void chan_bcast_info(struct chan *ch, struct chan_info *i)
{
	i->depth = chan_bcast_depth(ch);
}

/* Producers always claim with cmpxchg(); each message wakes all readers. */
const struct chan_kind_ops chan_broadcast_ops = {
	.kind		= CHAN_KIND_BROADCAST,
	.name		= "broadcast",
	.flags		= CHAN_KF_MP | CHAN_KF_RECV_ALL,
	.priv_size	= sizeof(struct chan_bcast),
	.check		= chan_queue_check,
	.init		= chan_bcast_init,
	.send		= chan_bcast_send,
	.recv		= chan_bcast_recv,
	.readable	= chan_bcast_ep_readable,
	.writable	= chan_bcast_ep_writable,
	.ep_open	= chan_sub_new,
	.ep_release	= chan_sub_free,
	.lost		= chan_sub_lost,
	.rearm_gap	= chan_bcast_rearm_gap,
	.info		= chan_bcast_info,
};
