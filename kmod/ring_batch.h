/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: batches on the single-producer single-consumer ring (ring.h) -
 * many slots claimed, published, peeked or retired at once.  The module
 * moves one message at a time; tools/ringtest measures what batches gain.
 */
#ifndef _CHAN_RING_BATCH_H
#define _CHAN_RING_BATCH_H

#include "ring.h"

/**
 * chan_ring_reserve_batch() - claim up to @n consecutive slots (SPSC only)
 * @r: a single-producer single-consumer ring
 * @n: slots wanted
 * @pos: out: the first position
 *
 * The caller fills chan_slot.len and chan_slot.data of each and makes them
 * all visible at once with chan_ring_publish_batch().
 *
 * Return: slots claimed, 0 .. @n.
 */
static inline u32 chan_ring_reserve_batch(struct chan_ring *r, u32 n,
					  u32 *pos)
{
	u32 p = r->tail, room = r->mask + 1 - (p - r->head_cache);

	if (room < n) {
		/* Pairs with smp_store_release() in chan_ring_consume*(). */
		r->head_cache = smp_load_acquire(&r->head);
		room = r->mask + 1 - (p - r->head_cache);
	}
	*pos = p;
	return room < n ? room : n;
}

/**
 * chan_ring_publish_batch() - make @n filled slots visible (SPSC only)
 * @r: the ring
 * @pos: first position from chan_ring_reserve_batch()
 * @n: slots filled
 */
static inline void chan_ring_publish_batch(struct chan_ring *r, u32 pos,
					   u32 n)
{
	/* Pairs with smp_load_acquire() in chan_ring_peek*(). */
	smp_store_release(&r->tail, pos + n);
}

/**
 * chan_ring_peek_batch() - find up to @n published messages (SPSC only)
 * @r: the ring
 * @n: messages wanted
 * @pos: out: the first position
 *
 * Return: messages ready, 0 .. @n; retire them with
 * chan_ring_consume_batch().
 */
static inline u32 chan_ring_peek_batch(struct chan_ring *r, u32 n, u32 *pos)
{
	u32 p = r->head, ready = r->tail_cache - p;

	if (ready < n) {
		/* Pairs with smp_store_release() in chan_ring_publish*(). */
		r->tail_cache = smp_load_acquire(&r->tail);
		ready = r->tail_cache - p;
	}
	*pos = p;
	return ready < n ? ready : n;
}

/**
 * chan_ring_consume_batch() - retire @n messages (SPSC only)
 * @r: the ring
 * @pos: first position from chan_ring_peek_batch()
 * @n: messages read
 */
static inline void chan_ring_consume_batch(struct chan_ring *r, u32 pos,
					   u32 n)
{
	/* Pairs with smp_load_acquire() in chan_ring_reserve*(). */
	smp_store_release(&r->head, pos + n);
}

#endif /* _CHAN_RING_BATCH_H */
