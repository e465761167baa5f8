// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the table of kinds, and creating a channel of one.  The kind is
 * decided here, once: the channel keeps its kind's operations
 * (&struct chan_kind_ops) and nothing after creation asks which kind it is.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>

#include "internal.h"

static const struct chan_kind_ops *const chan_kinds[] = {
	[CHAN_KIND_QUEUE]	= &chan_queue_ops,
	[CHAN_KIND_ONESHOT]	= &chan_oneshot_ops,
	[CHAN_KIND_RENDEZVOUS]	= &chan_rendezvous_ops,
	[CHAN_KIND_BROADCAST]	= &chan_broadcast_ops,
	[CHAN_KIND_REQREP]	= &chan_reqrep_ops,
};

/**
 * chan_kind_ops_of() - the operations of a kind
 * @kind: any value
 *
 * Return: the kind's table, or NULL for an unknown kind.
 */
const struct chan_kind_ops *chan_kind_ops_of(u32 kind)
{
	return kind < ARRAY_SIZE(chan_kinds) ? chan_kinds[kind] : NULL;
}

/**
 * chan_ring_bytes() - ring memory a channel of this shape needs
 * @capacity: requested capacity, any u32 (0: one slot)
 * @room: bytes a slot holds (msg_max plus the kind's slot_extra)
 *
 * Computed in 64 bits and checked, for any input: nothing is narrowed
 * before the caller has compared the result with its limits.
 *
 * Return: bytes, or U64_MAX if they do not fit in 64 bits.
 */
u64 chan_ring_bytes(u32 capacity, u64 room)
{
	u64 cap = capacity <= 1 ? 1 : 1ULL << fls64((u64)capacity - 1);
	u64 stride = (room + sizeof(struct chan_slot) + 7) & ~7ULL;
	u64 bytes;

	if (check_mul_overflow(cap, stride, &bytes))
		return U64_MAX;
	return bytes;
}

/**
 * chan_create_bytes() - memory a channel created with @args is charged
 * @ops: its kind
 * @args: creation arguments (any values)
 *
 * Return: the ring's bytes; a mappable ring adds its header page and
 * rounds up to whole pages; U64_MAX if that does not fit in 64 bits.
 */
u64 chan_create_bytes(const struct chan_kind_ops *ops,
		      const struct chan_create *args)
{
	u64 bytes = chan_ring_bytes(args->capacity,
				    (u64)args->msg_max + ops->slot_extra);

	if (!(args->flags & CHAN_MAPPABLE))
		return bytes;
	if (bytes > U64_MAX - 2 * PAGE_SIZE)
		return U64_MAX;
	return PAGE_SIZE + round_up(bytes, PAGE_SIZE);
}

/* What only a mapped ring's shape allows. */
static int chan_create_check_map(const struct chan_kind_ops *ops,
				 const struct chan_create *a)
{
	if (!(a->flags & CHAN_MAPPABLE))
		return 0;
	if (!(ops->flags & CHAN_KF_MAPPABLE) ||
	    a->policy == CHAN_POLICY_OVERWRITE ||
	    (~a->flags & (CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER)))
		return -EINVAL;
	return 0;
}

/**
 * chan_create_check() - validate creation arguments
 * @a: the arguments
 *
 * Return: 0, -EINVAL or -E2BIG.
 */
int chan_create_check(const struct chan_create *a)
{
	const struct chan_kind_ops *ops = chan_kind_ops_of(a->kind);
	u64 bytes;

	if (a->flags & ~CHAN_CREATE_FLAGS)
		return -EINVAL;
	if (a->policy > CHAN_POLICY_OVERWRITE)
		return -EINVAL;
	if (a->mode & ~0777)
		return -EINVAL;
	if (a->__reserved0 || a->__reserved[0] || a->__reserved[1])
		return -EINVAL;
	if (!ops || ops->check(a) || !a->msg_max)
		return -EINVAL;
	if (chan_create_check_map(ops, a))
		return -EINVAL;
	if (a->capacity > READ_ONCE(chan_max_capacity) ||
	    a->capacity > CHAN_CAPACITY_LIMIT)
		return -E2BIG;
	if (a->msg_max > READ_ONCE(chan_max_msg_size) ||
	    a->msg_max > CHAN_MSG_SIZE_LIMIT)
		return -E2BIG;
	/* In 64 bits, before anything is narrowed or allocated. */
	bytes = chan_create_bytes(ops, a);
	if (bytes > INT_MAX)
		return -E2BIG;
	return 0;
}

/**
 * chan_create() - create a channel as @a describes, charged to the caller
 * @a: creation arguments; checked here (chan_create_check())
 *
 * The channel has no endpoint and no name yet.
 *
 * Context: process context, may sleep.
 * Return: the channel with one reference, or an ERR_PTR (-EINVAL, -E2BIG,
 * -EMFILE, -ENOMEM).
 */
struct chan *chan_create(const struct chan_create *a)
{
	const struct chan_kind_ops *ops;
	struct chan_user *u;
	struct chan *ch;
	size_t bytes;
	int ret;

	ret = chan_create_check(a);
	if (ret)
		return ERR_PTR(ret);
	ops = chan_kind_ops_of(a->kind);
	bytes = chan_create_bytes(ops, a);	/* at most INT_MAX, checked */
	ret = chan_user_charge(bytes, &u);
	if (ret)
		return ERR_PTR(ret);
	ch = chan_alloc(ops, a, u, bytes);
	if (!ch) {
		chan_user_uncharge(u, bytes);
		return ERR_PTR(-ENOMEM);
	}
	return ch;
}
