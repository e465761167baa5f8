/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: the lock-free ring core.
 *
 * A ring holds a power-of-two number of fixed-size slots, each with room
 * for one message of up to msg_max bytes.  Positions run freely as u32 and
 * wrap; only the low bits (pos & mask) pick a slot, and (s32)(a - b)
 * compares positions across the 2^32 wrap.
 *
 * The single-producer single-consumer ring is the classic one (see
 * Documentation/core-api/circular-buffers.rst): the producer alone writes
 * prod.tail, the consumer alone writes cons.head, each publishes with
 * smp_store_release() and reads the other's index with smp_load_acquire().
 * Each side caches the other's index on its own cache line and refreshes it
 * only when the ring looks full (or empty), so in the steady state no cache
 * line moves between the two CPUs except the slots themselves.
 *
 * Rings with more than one producer or consumer use per-slot sequence
 * numbers (Dmitry Vyukov's bounded MPMC queue).  A slot holds
 * seq == 2 * pos when it is free for the producer of position pos, and
 * seq == 2 * pos + 1 once the message at pos is published; the consumer of
 * pos frees it for the next lap by storing seq = 2 * (pos + capacity).
 * (Vyukov's seq == pos, pos + 1 cannot tell "full at pos" from "free for
 * pos + 1" when the capacity is 1; doubling keeps the two apart.  seq
 * wraps at 2^31 positions, far more than the 2^29 slots a ring may have,
 * so (s32) differences still order them.)  A side with several tasks
 * claims a position with cmpxchg() on its index; a side with one task just
 * stores it.  No lock is taken anywhere.
 *
 * A multi-producer ring publishes a slot whose copy from user space failed
 * as a tombstone (len == CHAN_SLOT_TOMBSTONE) that consumers skip: the
 * position was already claimed and later producers may be behind it.
 *
 * Consumers of a multi-consumer ring copy a message out before they claim
 * it and claim it with cmpxchg() afterwards: if the claim fails, another
 * consumer took the message and the copy is thrown away.  A successful
 * claim proves the copy was clean: the producer of the next lap waits for
 * seq == 2 * (pos + capacity), which is only stored after the claim.  So a bad
 * user buffer never loses a message.  The claim compares 32-bit positions,
 * so it would be fooled if the head came round 2^32 positions to the same
 * value while one consumer sat between its copy and its claim; the kernel
 * copies with page faults and preemption disabled there (xfer.c), which
 * bounds that window to one copy.
 *
 * A mapped ring (CHAN_MAPPABLE, see struct chan_ring_hdr in the uapi
 * header) is single-producer single-consumer and keeps its two positions
 * in a page user space may write at any moment; @utail and @uhead point
 * there.  The kernel reads each of those words once into a local and uses
 * a pair only if 0 <= tail - head <= capacity; otherwise the operation
 * gets CHAN_RING_BAD.  Slots are found by pos & mask, so no value user
 * space writes can move an access outside the ring.
 *
 * This header also compiles in user space (tools/ringtest) through a shim
 * that maps the kernel primitives onto C11 atomics.
 */
#ifndef _CHAN_RING_H
#define _CHAN_RING_H

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include "debug.h"
#else
#include "ring_shim.h"
#endif

/* A slot whose message was abandoned; consumers skip it. */
#define CHAN_SLOT_TOMBSTONE	0xffffffffU

/* What a mapped ring's reserve or peek returns for invalid positions. */
#define CHAN_RING_BAD		((struct chan_slot *)ERR_PTR(-EPROTO))

/**
 * struct chan_slot - header of one ring slot
 * @seq: lap marker of multi-sided rings (unused by the SPSC ring)
 * @len: length of the message, or %CHAN_SLOT_TOMBSTONE
 * @data: the message
 */
struct chan_slot {
	u32 seq;
	u32 len;
	unsigned char data[];
};

/**
 * struct chan_ring - a bounded lock-free ring of messages
 * @tail: next position to produce; written by producers only
 * @head_cache: SPSC producer's copy of @head
 * @sent: messages published
 * @head: next position to consume; written by consumers only
 * @tail_cache: SPSC consumer's copy of @tail
 * @received: messages consumed
 * @slots: capacity * stride bytes of slots
 * @mask: capacity - 1
 * @stride: bytes per slot, header included
 * @msg_max: largest message
 * @mp: more than one producer may run at once
 * @mc: more than one consumer may run at once
 * @utail: a mapped ring's producer position, in user-writable memory
 * @uhead: a mapped ring's consumer position, in user-writable memory
 */
struct chan_ring {
	/* Producer side. */
	u32 tail ____cacheline_aligned_in_smp;
	u32 head_cache;
	atomic64_t sent;

	/* Consumer side. */
	u32 head ____cacheline_aligned_in_smp;
	u32 tail_cache;
	atomic64_t received;

	/* Read-only after chan_ring_init(); at most 2^29 slots. */
	void *slots ____cacheline_aligned_in_smp;
	u32 mask;
	u32 stride;
	u32 msg_max;
	bool mp;
	bool mc;
	u32 *utail;
	u32 *uhead;
};

/**
 * chan_ring_stride() - bytes one slot takes for messages of @msg_max bytes
 * @msg_max: largest message
 *
 * Return: the slot size, a multiple of 8.
 */
static inline size_t chan_ring_stride(u32 msg_max)
{
	return ((size_t)msg_max + sizeof(struct chan_slot) + 7) & ~(size_t)7;
}

static inline struct chan_slot *chan_ring_slot(const struct chan_ring *r,
					       u32 pos)
{
	return (struct chan_slot *)((char *)r->slots +
				    (size_t)(pos & r->mask) * r->stride);
}

static inline bool chan_ring_spsc(const struct chan_ring *r)
{
	return !r->mp && !r->mc;
}

/**
 * chan_ring_init() - set up a ring over zeroed memory
 * @r: the ring
 * @slots: capacity * chan_ring_stride(@msg_max) bytes
 * @capacity: number of slots, a power of two
 * @msg_max: largest message
 * @mp: several producers may run concurrently
 * @mc: several consumers may run concurrently
 * @start: first position (tests start near the 2^32 wrap)
 */
static inline void chan_ring_init(struct chan_ring *r, void *slots,
				  u32 capacity, u32 msg_max, bool mp, bool mc,
				  u32 start)
{
	u32 i;

	r->slots = slots;
	r->mask = capacity - 1;
	r->stride = chan_ring_stride(msg_max);
	r->msg_max = msg_max;
	r->mp = mp;
	r->mc = mc;
	r->utail = NULL;
	r->uhead = NULL;
	r->tail = start;
	r->head_cache = start;
	r->head = start;
	r->tail_cache = start;
	atomic64_set(&r->sent, 0);
	atomic64_set(&r->received, 0);
	for (i = 0; i < capacity; i++)
		chan_ring_slot(r, start + i)->seq = 2 * (start + i);
}

/*
 * Positions of a mapped ring, each read once: the caller's own side with
 * READ_ONCE(), the other side's with acquire.  Returns the number of
 * messages in the ring, or a value above the capacity if the pair is
 * invalid.
 */
static inline u32 chan_ring_mapped_used(const struct chan_ring *r, u32 *tail,
					u32 *head, bool producer)
{
	if (producer) {
		*tail = READ_ONCE(*r->utail);
		/*
		 * Pairs with the consumer's store-release of head
		 * (chan_ring_consume() or user space): it is done with the
		 * slot before we may refill it.
		 */
		*head = smp_load_acquire(r->uhead);
	} else {
		*head = READ_ONCE(*r->uhead);
		/*
		 * Pairs with the producer's store-release of tail
		 * (chan_ring_publish() or user space): we see the whole
		 * message.
		 */
		*tail = smp_load_acquire(r->utail);
	}
	return *tail - *head;
}

static inline struct chan_slot *chan_ring_reserve_mapped(struct chan_ring *r,
							 u32 *pos)
{
	u32 tail, head, used = chan_ring_mapped_used(r, &tail, &head, true);

	if (used > r->mask + 1)
		return CHAN_RING_BAD;
	if (used == r->mask + 1)
		return NULL;
	*pos = tail;
	return chan_ring_slot(r, tail);
}

static inline struct chan_slot *chan_ring_peek_mapped(struct chan_ring *r,
						      u32 *pos)
{
	u32 tail, head, used = chan_ring_mapped_used(r, &tail, &head, false);

	if (used > r->mask + 1)
		return CHAN_RING_BAD;
	if (!used)
		return NULL;
	*pos = head;
	return chan_ring_slot(r, head);
}

/**
 * chan_ring_reserve() - claim the slot for the next message
 * @r: the ring
 * @pos: out: the claimed position
 *
 * On success the caller fills chan_slot.data and must then call either
 * chan_ring_publish() or chan_ring_abort() with @pos.
 *
 * Return: the slot, NULL if the ring is full, or CHAN_RING_BAD if a mapped
 * ring's positions are invalid.
 */
static inline struct chan_slot *chan_ring_reserve(struct chan_ring *r,
						  u32 *pos)
{
	struct chan_slot *s;
	u32 p, seq;
	s32 dif;

	if (r->utail)
		return chan_ring_reserve_mapped(r, pos);
	if (chan_ring_spsc(r)) {
		p = r->tail;
		if (p - r->head_cache > r->mask) {
			/*
			 * Pairs with smp_store_release() of head in
			 * chan_ring_consume(): the consumer has finished
			 * reading the slot before we may overwrite it.
			 */
			r->head_cache = smp_load_acquire(&r->head);
			if (p - r->head_cache > r->mask)
				return NULL;
		}
		*pos = p;
		return chan_ring_slot(r, p);
	}

	for (;;) {
		p = READ_ONCE(r->tail);
		s = chan_ring_slot(r, p);
		/*
		 * Pairs with smp_store_release() of seq in
		 * chan_ring_consume(): the previous lap's message has been
		 * read before the slot reads as free.
		 */
		seq = smp_load_acquire(&s->seq);
		dif = (s32)(seq - 2 * p);
		if (dif == 0) {
			if (!r->mp)
				break;
			if (cmpxchg(&r->tail, p, p + 1) == p)
				break;
		} else if (dif < 0) {
			return NULL;	/* previous lap not consumed: full */
		}
		/* Another producer took p; look again. */
	}
	*pos = p;
	return s;
}

/**
 * chan_ring_publish() - make a reserved slot visible to consumers
 * @r: the ring
 * @pos: position from chan_ring_reserve()
 * @len: message length (or %CHAN_SLOT_TOMBSTONE)
 */
static inline void chan_ring_publish(struct chan_ring *r, u32 pos, u32 len)
{
	struct chan_slot *s = chan_ring_slot(r, pos);

	WRITE_ONCE(s->len, len);
	if (chan_ring_spsc(r)) {
		u32 *tail = r->utail ? r->utail : &r->tail;

		/*
		 * Pairs with smp_load_acquire() of tail in chan_ring_peek()
		 * (or, mapped, the consumer's in user space): the message is
		 * written before the consumer sees the tail.
		 */
		smp_store_release(tail, pos + 1);
		return;
	}
	if (!r->mp)
		WRITE_ONCE(r->tail, pos + 1);
	/*
	 * Pairs with smp_load_acquire() of seq in chan_ring_peek(): the
	 * message is written before the slot reads as full.
	 */
	smp_store_release(&s->seq, 2 * pos + 1);
}

/**
 * chan_ring_abort() - give up a reserved slot whose message was not written
 * @r: the ring
 * @pos: position from chan_ring_reserve()
 *
 * A single producer has made nothing visible and simply forgets @pos.  With
 * several producers the position is taken for good, so it is published as
 * a tombstone that consumers skip.
 */
static inline void chan_ring_abort(struct chan_ring *r, u32 pos)
{
	if (r->mp)
		chan_ring_publish(r, pos, CHAN_SLOT_TOMBSTONE);
}

/**
 * chan_ring_peek() - find the oldest published message
 * @r: the ring
 * @pos: out: its position
 *
 * The slot stays in the ring until chan_ring_consume(); on a
 * multi-consumer ring another consumer may take it first.
 *
 * Return: the slot, NULL if no message is ready, or CHAN_RING_BAD if a
 * mapped ring's positions are invalid.
 */
static inline struct chan_slot *chan_ring_peek(struct chan_ring *r, u32 *pos)
{
	struct chan_slot *s;
	u32 p, seq;
	s32 dif;

	if (r->uhead)
		return chan_ring_peek_mapped(r, pos);
	if (chan_ring_spsc(r)) {
		p = r->head;
		if (p == r->tail_cache) {
			/*
			 * Pairs with smp_store_release() of tail in
			 * chan_ring_publish(): we see the whole message.
			 */
			r->tail_cache = smp_load_acquire(&r->tail);
			if (p == r->tail_cache)
				return NULL;
		}
		*pos = p;
		return chan_ring_slot(r, p);
	}

	for (;;) {
		p = READ_ONCE(r->head);
		s = chan_ring_slot(r, p);
		/*
		 * Pairs with smp_store_release() of seq in
		 * chan_ring_publish(): we see the whole message.
		 */
		seq = smp_load_acquire(&s->seq);
		dif = (s32)(seq - (2 * p + 1));
		if (dif == 0) {
			*pos = p;
			return s;
		}
		if (dif < 0)
			return NULL;	/* empty, or still being written */
		/* Another consumer took p; look again. */
	}
}

/**
 * chan_ring_is_head() - is @pos still the oldest message?
 * @r: the ring
 * @pos: position from chan_ring_peek()
 *
 * Lets a multi-consumer reader trust what it read from a peeked slot
 * before it claims it: while head == @pos nobody has claimed the slot, so
 * no producer can be rewriting it.
 *
 * Return: true if no consumer has taken @pos yet.
 */
static inline bool chan_ring_is_head(const struct chan_ring *r, u32 pos)
{
	if (!r->mc)
		return true;
	/* Orders our reads of the slot before the re-read of head. */
	smp_rmb();
	return READ_ONCE(r->head) == pos;
}

/**
 * chan_ring_consume() - retire the message at @pos
 * @r: the ring
 * @pos: position from chan_ring_peek()
 *
 * Return: true if this caller retired it; false if another consumer of a
 * multi-consumer ring took it first (peek again).
 */
static inline bool chan_ring_consume(struct chan_ring *r, u32 pos)
{
	if (chan_ring_spsc(r)) {
		u32 *head = r->uhead ? r->uhead : &r->head;

		/*
		 * Pairs with smp_load_acquire() of head in
		 * chan_ring_reserve() (or, mapped, the producer's in user
		 * space): we are done reading the slot before the producer
		 * may reuse it.
		 */
		smp_store_release(head, pos + 1);
		return true;
	}
	if (!r->mc)
		WRITE_ONCE(r->head, pos + 1);
	else if (cmpxchg(&r->head, pos, pos + 1) != pos)
		return false;
	/*
	 * Pairs with smp_load_acquire() of seq in chan_ring_reserve(): we
	 * are done reading the slot before the next lap's producer may use
	 * it.
	 */
	smp_store_release(&chan_ring_slot(r, pos)->seq,
			  2 * (pos + r->mask + 1));
	return true;
}

/**
 * chan_ring_readable() - is a message (or tombstone) ready for consumers?
 * @r: the ring
 *
 * Return: true if chan_ring_peek() would find a slot (or, mapped, report
 * invalid positions).
 */
static inline bool chan_ring_readable(const struct chan_ring *r)
{
	u32 tail, head, p, seq;
	s32 dif;

	if (r->uhead)
		return chan_ring_mapped_used(r, &tail, &head, false);
	if (chan_ring_spsc(r)) {
		p = READ_ONCE(r->head);
		/* Pairs with smp_store_release() in chan_ring_publish(). */
		return smp_load_acquire(&r->tail) != p;
	}
	/*
	 * Loop as chan_ring_peek() does: a slot already retired (or reused
	 * for a later lap) means another consumer moved the head after we
	 * read it, and the message at the new head may be ready.  Reading
	 * it as "empty" would let a waiter sleep with a message queued and
	 * its wakeup already spent.
	 */
	for (;;) {
		p = READ_ONCE(r->head);
		chan_delay(CHAN_DP_READY);
		/* Pairs with smp_store_release() of seq in chan_ring_publish(). */
		seq = smp_load_acquire(&chan_ring_slot(r, p)->seq);
		dif = (s32)(seq - (2 * p + 1));
		if (!dif)
			return true;
		if (dif < 0)
			return false;	/* empty, or still being written */
	}
}

/**
 * chan_ring_writable() - is a slot free for producers?
 * @r: the ring
 *
 * Return: true if chan_ring_reserve() would find a slot (or, mapped,
 * report invalid positions).
 */
static inline bool chan_ring_writable(const struct chan_ring *r)
{
	u32 tail, head, p, seq;
	s32 dif;

	if (r->utail)
		return chan_ring_mapped_used(r, &tail, &head, true) !=
		       r->mask + 1;
	if (chan_ring_spsc(r)) {
		p = READ_ONCE(r->tail);
		/* Pairs with smp_store_release() in chan_ring_consume(). */
		return p - smp_load_acquire(&r->head) <= r->mask;
	}
	/* As chan_ring_readable(): a slot taken under us sends us on. */
	for (;;) {
		p = READ_ONCE(r->tail);
		chan_delay(CHAN_DP_READY);
		/* Pairs with smp_store_release() of seq in chan_ring_consume(). */
		seq = smp_load_acquire(&chan_ring_slot(r, p)->seq);
		dif = (s32)(seq - 2 * p);
		if (!dif)
			return true;
		if (dif < 0)
			return false;	/* the last lap is not consumed: full */
	}
}

/**
 * chan_ring_drained() - has everything claimed been consumed?
 * @r: the ring
 *
 * The ring's half of end of stream (the channel's is the close, and with
 * one producer its busy flag).  With several producers a claimed position
 * that is not published yet keeps tail != head, so "drained" also means
 * "no producer in flight"; tail is read first and head never passes it.
 * The caller orders this after its look at the close with a full barrier,
 * which pairs with the full barrier of a producer's claim before that
 * producer looks at the close itself.
 *
 * Return: true if no message, tombstone or claimed position is left.
 */
static inline bool chan_ring_drained(const struct chan_ring *r)
{
	u32 tail;

	if (!r->mp)
		return !chan_ring_readable(r);
	tail = READ_ONCE(r->tail);
	return tail == READ_ONCE(r->head);
}

/**
 * chan_ring_depth() - messages in the ring, a snapshot
 * @r: the ring
 *
 * Counts claimed positions, so a message still being written or a
 * tombstone counts too.
 *
 * Return: 0 .. capacity.
 */
static inline u32 chan_ring_depth(const struct chan_ring *r)
{
	const u32 *hp = r->uhead ? r->uhead : &r->head;
	const u32 *tp = r->utail ? r->utail : &r->tail;
	u32 head = READ_ONCE(*hp);
	u32 d = READ_ONCE(*tp) - head;

	if ((s32)d < 0)
		return 0;
	return d > r->mask + 1 ? r->mask + 1 : d;
}

#endif /* _CHAN_RING_H */
