// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the channel object - allocation, references and closing for
 * sending.
 */
#include <linux/cred.h>
#include <linux/export.h>
#include <linux/hardirq.h>
#include <linux/ipc_namespace.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/overflow.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

static atomic64_t chan_next_id = ATOMIC64_INIT(0);
static struct workqueue_struct *chan_wq;

static void chan_wake_work(struct irq_work *work)
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

static void chan_calls_work(struct work_struct *work)
{
	struct chan *ch = container_of(work, struct chan, calls_work);

	chan_calls_fail(ch);
	chan_put(ch);
}

/*
 * Fail every waiting call, from any context: the XArray's lock is a
 * spinlock_t, which sleeps on PREEMPT_RT, so where waking is not allowed
 * (a kernel receiver detaching in hardirq) a work item does it.
 */
static void chan_calls_fail_any(struct chan *ch)
{
	if (chan_may_wake_now()) {
		chan_calls_fail(ch);
		return;
	}
	chan_get(ch);
	queue_work(chan_wq, &ch->calls_work);
}

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

/**
 * chan_ring_bytes() - ring memory a channel of this shape needs
 * @capacity: requested capacity, any u32 (0: one slot)
 * @room: bytes a slot holds (chan_slot_room())
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
 * @args: creation arguments (any values)
 *
 * Return: the ring's bytes; a mappable ring adds its header page and
 * rounds up to whole pages; U64_MAX if that does not fit in 64 bits.
 */
u64 chan_create_bytes(const struct chan_create *args)
{
	u64 bytes = chan_ring_bytes(args->capacity,
				    chan_slot_room(args->kind, args->msg_max));

	if (!(args->flags & CHAN_MAPPABLE))
		return bytes;
	if (bytes > U64_MAX - 2 * PAGE_SIZE)
		return U64_MAX;
	return PAGE_SIZE + round_up(bytes, PAGE_SIZE);
}

/**
 * chan_alloc() - allocate a channel owned by the current task
 * @args: validated creation arguments
 * @u: the user the ring is charged to (the reference passes to the channel)
 * @bytes: chan_create_bytes() of @args
 *
 * Context: process context, may sleep.
 * Return: the channel with one reference, or NULL without memory.
 */
struct chan *chan_alloc(const struct chan_create *args, struct chan_user *u,
			size_t bytes)
{
	u32 cap = roundup_pow_of_two(args->capacity ?: 1);
	bool mp, mc;
	struct chan *ch;
	void *slots;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL_ACCOUNT);
	if (!ch)
		return NULL;
	if (args->flags & CHAN_MAPPABLE)
		slots = chan_map_alloc(ch, bytes);
	else
		slots = kvzalloc(bytes, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!slots) {
		kfree(ch);
		return NULL;
	}

	/*
	 * Overwriting makes producers consume too, and so does a rendezvous
	 * sender taking its message back: those rings need MC.  A oneshot
	 * channel has one send, which can always give its slot back.
	 */
	mp = (!(args->flags & CHAN_SINGLE_PRODUCER) &&
	      args->kind != CHAN_KIND_ONESHOT) ||
	     args->kind == CHAN_KIND_BROADCAST;
	mc = !(args->flags & CHAN_SINGLE_CONSUMER) ||
	     args->policy == CHAN_POLICY_OVERWRITE ||
	     args->kind == CHAN_KIND_RENDEZVOUS;
	/* Validated: at most CHAN_MSG_SIZE_LIMIT + 8, so it fits. */
	chan_ring_init(&ch->ring, slots, cap,
		       (u32)chan_slot_room(args->kind, args->msg_max), mp, mc,
		       0);
	ch->sent_plain = !mp && args->kind != CHAN_KIND_RENDEZVOUS;
	if (args->kind == CHAN_KIND_BROADCAST)
		chan_bcast_init(ch);
	if (ch->map)
		chan_map_init(ch, cap);

	xa_init_flags(&ch->calls, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
	INIT_LIST_HEAD(&ch->subs);
	spin_lock_init(&ch->subs_lock);
	init_waitqueue_head(&ch->recv_wq);
	init_waitqueue_head(&ch->send_wq);
	init_irq_work(&ch->wake_work, chan_wake_work);
	INIT_WORK(&ch->calls_work, chan_calls_work);
	refcount_set(&ch->ref, 1);
	ch->kind = args->kind;
	ch->flags = args->flags & (CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER |
				   CHAN_MAPPABLE);
	ch->policy = args->policy;
	ch->capacity = args->kind == CHAN_KIND_RENDEZVOUS ? 0 : cap;
	ch->msg_max = args->msg_max;
	/* As mq_open() and shm_open() do. */
	ch->mode = args->mode & 0777 & ~current_umask();
	ch->uid = current_euid();
	ch->gid = current_egid();
	ch->ns = get_ipc_ns(current->nsproxy->ipc_ns);
	ch->id = atomic64_inc_return(&chan_next_id);
	if (chan_ns_add(ch))
		goto put_ns;
	ch->user = u;
	ch->charged = bytes;
	return ch;

put_ns:
	chan_put_ipc_ns(ch->ns);
	if (ch->map)
		chan_map_free(ch);
	else
		kvfree(ch->ring.slots);
	kfree(ch);
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
	xa_destroy(&ch->calls);
	chan_put_ipc_ns(ch->ns);
	chan_user_uncharge(ch->user, ch->charged);
	if (ch->map)
		chan_map_free(ch);
	else
		kvfree(ch->ring.slots);
	kfree(ch);
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
	 * Pairs with smp_load_acquire() in chan_eof() and chan_send_iter():
	 * whatever was sent before the close is visible with it.
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
 * gone wakes blocked senders so that they fail with %EPIPE.
 */
void chan_end_put(struct chan *ch, u32 role)
{
	if (role == CHAN_ROLE_SEND) {
		if (atomic_dec_and_test(&ch->senders))
			chan_close_send(ch);
	} else if (atomic_dec_and_test(&ch->receivers)) {
		if (ch->kind == CHAN_KIND_REQREP)
			chan_calls_fail_any(ch);
		chan_map_state(ch);
		chan_wake_all(ch);
	}
}
