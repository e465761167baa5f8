// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the channel object - allocation, references, closing for sending
 * and the count of open ends.  What a kind adds it does through its
 * table (&struct chan_kind_ops): its state lives in &chan.priv.
 */
#include <linux/cred.h>
#include <linux/export.h>
#include <linux/hardirq.h>
#include <linux/ipc_namespace.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "internal.h"

/*
 * A ring this small shares the channel's allocation: one object instead
 * of two, and no rounding up of each to its own power of two.
 */
#define CHAN_INLINE_MAX		(2 * PAGE_SIZE)

static atomic64_t chan_next_id = ATOMIC64_INIT(0);
static struct workqueue_struct *chan_wq;

/*
 * put_ipc_ns() is not exported by every kernel chan supports (6.1); the
 * namespace's own operations drop the reference the same way nsfs does.
 */
static void chan_put_ipc_ns(struct ipc_namespace *ns)
{
#ifdef CONFIG_IPC_NS
	ns->ns.ops->put(&ns->ns);
#endif
}

/* Where the slots of a ring allocated with its channel start. */
static size_t chan_inline_offset(const struct chan_kind_ops *ops)
{
	return ALIGN(sizeof(struct chan) + ops->priv_size, SMP_CACHE_BYTES);
}

static bool chan_slots_inline(const struct chan *ch)
{
	return ch->ring.slots == (void *)ch + chan_inline_offset(ch->ops);
}

/*
 * The channel and its kind's state, with the slots after them when the
 * ring is small and not mapped; else the slots on their own.
 */
static struct chan *chan_alloc_mem(const struct chan_kind_ops *ops,
				   bool mappable, size_t bytes, void **slots)
{
	size_t off = chan_inline_offset(ops);
	struct chan *ch;

	if (!mappable && off + bytes <= CHAN_INLINE_MAX) {
		ch = kzalloc(off + bytes, GFP_KERNEL_ACCOUNT);
		*slots = ch ? (void *)ch + off : NULL;
		return ch;
	}
	ch = kzalloc(off, GFP_KERNEL_ACCOUNT);
	if (!ch)
		return NULL;
	if (mappable)
		*slots = chan_map_alloc(ch, bytes);
	else
		*slots = kvzalloc(bytes, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!*slots) {
		kfree(ch);
		return NULL;
	}
	return ch;
}

static void chan_free_mem(struct chan *ch)
{
	if (ch->map)
		chan_map_free(ch);
	else if (!chan_slots_inline(ch))
		kvfree(ch->ring.slots);
	kfree(ch);
}

/* The ring as the kind and the creator's flags shape it. */
static void chan_alloc_ring(struct chan *ch, const struct chan_create *args,
			    void *slots, u32 cap)
{
	u32 kf = ch->ops->flags;
	bool mp, mc;

	/*
	 * Overwriting makes producers consume too, and so does a sender
	 * taking its message back (CHAN_KF_MC): those rings need MC.
	 */
	mp = (!(args->flags & CHAN_SINGLE_PRODUCER) && !(kf & CHAN_KF_SP)) ||
	     (kf & CHAN_KF_MP);
	mc = !(args->flags & CHAN_SINGLE_CONSUMER) ||
	     args->policy == CHAN_POLICY_OVERWRITE || (kf & CHAN_KF_MC);
	/* Validated: at most CHAN_MSG_SIZE_LIMIT + 8, so it fits. */
	chan_ring_init(&ch->ring, slots, cap, args->msg_max + ch->ops->slot_extra,
		       mp, mc, 0);
	ch->sent_plain = !mp && !(kf & CHAN_KF_HANDOFF);
	ch->capacity = kf & CHAN_KF_HANDOFF ? 0 : cap;
	if (ch->map)
		chan_map_init(ch, cap);
}

/**
 * chan_alloc() - allocate a channel owned by the current task
 * @ops: its kind
 * @args: validated creation arguments
 * @u: the user the ring is charged to (the reference passes to the channel)
 * @bytes: chan_create_bytes() of @args
 *
 * Context: process context, may sleep.
 * Return: the channel with one reference, or NULL without memory.
 */
struct chan *chan_alloc(const struct chan_kind_ops *ops,
			const struct chan_create *args, struct chan_user *u,
			size_t bytes)
{
	u32 cap = roundup_pow_of_two(args->capacity ?: 1);
	struct chan *ch;
	void *slots;

	ch = chan_alloc_mem(ops, args->flags & CHAN_MAPPABLE, bytes, &slots);
	if (!ch)
		return NULL;
	ch->ops = ops;
	chan_alloc_ring(ch, args, slots, cap);
	init_waitqueue_head(&ch->recv_wq);
	init_waitqueue_head(&ch->send_wq);
	init_irq_work(&ch->wake_work, chan_wake_work);
	refcount_set(&ch->ref, 1);
	ch->flags = args->flags & (CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER |
				   CHAN_MAPPABLE);
	ch->policy = args->policy;
	ch->msg_max = args->msg_max;
	/* As mq_open() and shm_open() do. */
	ch->mode = args->mode & 0777 & ~current_umask();
	ch->uid = current_euid();
	ch->gid = current_egid();
	ch->ns = get_ipc_ns(current->nsproxy->ipc_ns);
	ch->id = atomic64_inc_return(&chan_next_id);
	if (ops->init)
		ops->init(ch);
	if (chan_ns_add(ch))
		goto put_ns;
	ch->user = u;
	ch->charged = bytes;
	return ch;

put_ns:
	if (ops->release)
		ops->release(ch);
	chan_put_ipc_ns(ch->ns);
	chan_free_mem(ch);
	return NULL;
}

/**
 * chan_get() - take a reference on a channel
 * @ch: the channel
 */
void chan_get(struct chan *ch)
{
	refcount_inc(&ch->ref);
}
EXPORT_SYMBOL_GPL(chan_get);

static void chan_free(struct chan *ch)
{
	irq_work_sync(&ch->wake_work);
	chan_ns_del(ch);
	if (ch->ops->release)
		ch->ops->release(ch);
	chan_put_ipc_ns(ch->ns);
	chan_user_uncharge(ch->user, ch->charged);
	chan_free_mem(ch);
}

static void chan_free_work(struct work_struct *work)
{
	chan_free(container_of(work, struct chan, free_work));
}

/*
 * May the caller sleep, to free here?  Not in interrupt context, with
 * interrupts or preemption off, under a spinlock, or inside an RCU
 * read-side section - PREEMPT_RCU's leaves preemption on, so
 * preemptible() alone would say yes there.  Without a preemption count
 * there is no telling: always defer.
 */
static bool chan_may_sleep_now(void)
{
	return IS_ENABLED(CONFIG_PREEMPT_COUNT) && in_task() &&
	       !irqs_disabled() && !preempt_count() && !rcu_preempt_depth();
}

/**
 * chan_put() - drop a reference; the last one frees the channel
 * @ch: the channel
 *
 * Context: any, an RCU read-side section included.  Where the caller
 * may not sleep, the last reference hands the freeing to a workqueue.
 */
void chan_put(struct chan *ch)
{
	if (!refcount_dec_and_test(&ch->ref))
		return;
	if (chan_may_sleep_now()) {
		chan_free(ch);
		return;
	}
	INIT_WORK(&ch->free_work, chan_free_work);
	queue_work(chan_wq, &ch->free_work);
}
EXPORT_SYMBOL_GPL(chan_put);

/**
 * chan_queue_work() - run @work on chan's workqueue, which module unload
 * waits for
 * @work: the work item
 */
void chan_queue_work(struct work_struct *work)
{
	queue_work(chan_wq, work);
}

/**
 * chan_object_init() - set up what channels share
 *
 * Return: 0 or -ENOMEM.
 */
int chan_object_init(void)
{
	chan_wq = alloc_workqueue("chan", 0, 0);
	return chan_wq ? 0 : -ENOMEM;
}

/**
 * chan_object_exit() - wait for deferred frees, at module unload
 */
void chan_object_exit(void)
{
	destroy_workqueue(chan_wq);
}

/**
 * chan_close_send() - close the channel for sending (idempotent)
 * @ch: the channel
 *
 * Receivers drain what is queued and then read end of stream; senders,
 * blocked or not, get %EPIPE from now on.
 */
void chan_close_send(struct chan *ch)
{
	if (READ_ONCE(ch->send_closed))
		return;
	/*
	 * Pairs with smp_load_acquire() in chan_eof() and the kinds' own
	 * end-of-stream tests: whatever was sent before the close is visible
	 * with it.
	 */
	smp_store_release(&ch->send_closed, 1);
	chan_delay(CHAN_DP_CLOSE);
	chan_map_state(ch);
	chan_wake_all(ch);
}

/**
 * chan_end_get() - count one more open end of @role
 * @ch: the channel
 * @role: %CHAN_ROLE_RECV or %CHAN_ROLE_SEND
 */
void chan_end_get(struct chan *ch, u32 role)
{
	/* A kernel receiver attaching again reopens a mapped ring. */
	if (atomic_inc_return(role == CHAN_ROLE_SEND ? &ch->senders :
			      &ch->receivers) == 1 && role == CHAN_ROLE_RECV)
		chan_map_state(ch);
}

/**
 * chan_end_put() - count one open end of @role fewer
 * @ch: the channel
 * @role: %CHAN_ROLE_RECV or %CHAN_ROLE_SEND
 *
 * The last sender gone closes the channel for sending; the last receiver
 * gone tells the kind and wakes blocked senders so that they fail with
 * %EPIPE.
 */
void chan_end_put(struct chan *ch, u32 role)
{
	if (role == CHAN_ROLE_SEND) {
		if (atomic_dec_and_test(&ch->senders))
			chan_close_send(ch);
	} else if (atomic_dec_and_test(&ch->receivers)) {
		if (ch->ops->last_recv)
			ch->ops->last_recv(ch);
		chan_map_state(ch);
		chan_wake_all(ch);
	}
}
