// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the channel object - allocation, references, closing for sending,
 * and the list of all channels that CHAN_IOC_LIST walks.
 */
#include <linux/cred.h>
#include <linux/export.h>
#include <linux/hardirq.h>
#include <linux/ipc_namespace.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

static LIST_HEAD(chan_all);
static DEFINE_MUTEX(chan_all_lock);
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
 * @capacity: requested capacity, at most 2^31 (0: one slot)
 * @msg_max: largest message
 *
 * Return: bytes, computed without overflow.
 */
size_t chan_ring_bytes(u32 capacity, u32 msg_max)
{
	u64 cap = roundup_pow_of_two(capacity ?: 1);

	return (size_t)(cap * chan_ring_stride(msg_max));
}

/**
 * chan_create_bytes() - memory a channel created with @args is charged
 * @args: validated creation arguments
 *
 * Return: the ring's bytes; a mappable ring adds its header page and
 * rounds up to whole pages.
 */
size_t chan_create_bytes(const struct chan_create *args)
{
	size_t bytes = chan_ring_bytes(args->capacity,
				       chan_slot_room(args->kind, args->msg_max));

	if (args->flags & CHAN_MAPPABLE)
		bytes = PAGE_SIZE + PAGE_ALIGN(bytes);
	return bytes;
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
	chan_ring_init(&ch->ring, slots, cap,
		       chan_slot_room(args->kind, args->msg_max), mp, mc, 0);
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
	refcount_set(&ch->ref, 1);
	ch->kind = args->kind;
	ch->flags = args->flags & (CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER |
				   CHAN_MAPPABLE);
	ch->policy = args->policy;
	ch->capacity = args->kind == CHAN_KIND_RENDEZVOUS ? 0 : cap;
	ch->msg_max = args->msg_max;
	ch->mode = args->mode & 0777;
	ch->uid = current_euid();
	ch->gid = current_egid();
	ch->ns = get_ipc_ns(current->nsproxy->ipc_ns);
	ch->user = u;
	ch->charged = bytes;
	ch->id = atomic64_inc_return(&chan_next_id);

	mutex_lock(&chan_all_lock);
	list_add_tail(&ch->all, &chan_all);
	mutex_unlock(&chan_all_lock);
	return ch;
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
	mutex_lock(&chan_all_lock);
	list_del(&ch->all);
	mutex_unlock(&chan_all_lock);

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

/**
 * chan_put() - drop a reference; the last one frees the channel
 * @ch: the channel
 *
 * Context: any.  Where the caller may not sleep, the last reference hands
 * the freeing to a workqueue.
 */
void chan_put(struct chan *ch)
{
	if (!refcount_dec_and_test(&ch->ref))
		return;
	if (preemptible()) {
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
			chan_calls_fail(ch);
		chan_map_state(ch);
		chan_wake_all(ch);
	}
}

/**
 * chan_list() - fill a listing of the channels of the caller's namespace
 * @l: the request; @l->count and @l->total are updated
 * @entries: user array of @l->count entries of @l->entry_size bytes
 *
 * Context: process context, may sleep.
 * Return: 0 or -EFAULT.
 */
int chan_list(struct chan_list *l, void __user *entries)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct chan_info *info;
	u32 n = 0, total = 0;
	struct chan *ch;
	int ret = 0;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;

	mutex_lock(&chan_all_lock);
	list_for_each_entry(ch, &chan_all, all) {
		if (ch->ns != ns)
			continue;
		total++;
		if (n >= l->count)
			continue;
		chan_fill_info(ch, info, 0);
		ret = chan_copy_struct_out(entries + (size_t)n * l->entry_size,
					   l->entry_size, info, sizeof(*info));
		if (ret)
			break;
		n++;
	}
	mutex_unlock(&chan_all_lock);

	kfree(info);
	l->count = n;
	l->total = total;
	return ret;
}
