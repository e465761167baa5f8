/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: declarations shared by the module's files.
 */
#ifndef _CHAN_INTERNAL_H
#define _CHAN_INTERNAL_H

#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/chan.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/list.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <uapi/linux/chan.h>

#include "debug.h"
#include "ring.h"

struct file;
struct ipc_namespace;
struct iov_iter;
struct user_namespace;
struct seq_file;
struct vm_area_struct;

struct chan;
struct chan_kind_ops;

/**
 * struct chan_name_key - what the name table finds a channel by
 * @ns: the IPC namespace
 * @name: the name, zero-padded so that the whole key can be hashed
 */
struct chan_name_key {
	const struct ipc_namespace *ns;
	char name[CHAN_NAME_MAX];
};

/*
 * chan needs 64-bit kernels: ring sizes, positions past 2^32 and the
 * limits below are only checked there.  dkms.conf says so as well.
 */
#ifndef CONFIG_64BIT
#error "chan supports 64-bit kernels only"
#endif

/* The largest user structure any ioctl takes (the uapi promises E2BIG). */
#define CHAN_STRUCT_MAX		4096
/* Ceilings of the module parameters, so that no product of them overflows. */
#define CHAN_CAPACITY_LIMIT	BIT(29)
#define CHAN_MSG_SIZE_LIMIT	(16U << 20)
#define CHAN_USER_BYTES_LIMIT	BIT_ULL(40)

/* Module parameters (main.c). */
extern unsigned int chan_max_capacity;
extern unsigned int chan_max_msg_size;
extern unsigned int chan_max_user_channels;
extern unsigned long chan_max_user_bytes;
extern unsigned int chan_spin_ns;

/**
 * struct chan_user - what one user's channels cost, at one level of the
 * user-namespace chain (limits.c)
 * @node: in the table of users
 * @ns: the user namespace of this level (a reference is held)
 * @uid: the user: the creator's euid at level 0, above it the owner of
 *	the namespace below
 * @parent: the next level up, or NULL in the initial user namespace
 *	(a reference is held)
 * @ref: one per channel charged here or below
 * @channels: channels charged
 * @bytes: ring memory charged
 */
struct chan_user {
	struct hlist_node node;
	struct user_namespace *ns;
	kuid_t uid;
	struct chan_user *parent;
	refcount_t ref;
	unsigned int channels;
	u64 bytes;
};

/**
 * struct chan_map - the shared state of a mapped ring (%CHAN_MAPPABLE)
 * @hdr: the header user space maps; the slots follow it
 * @size: bytes of the mapping, header and slots
 * @pages: its pages, for mmap()
 * @lock: serialises updates of @hdr's state word
 * @rejects: invalid shared positions or lengths found in the mapping
 */
struct chan_map {
	struct chan_ring_hdr *hdr;
	size_t size;
	struct page **pages;
	raw_spinlock_t lock;		/* serialises hdr->state */
	atomic64_t rejects;
};

/**
 * struct chan - one channel: what every kind needs
 * @ring: the messages; its producer and consumer sides have cache lines of
 *	their own (a broadcast channel uses its slots and counters only)
 * @recv_wq: receivers and pollers waiting for a message or for the close
 * @send_wq: senders and pollers waiting for room or for the last receiver
 * @ref: endpoints, the name table and in-kernel users
 * @senders: open send endpoints
 * @receivers: open receive endpoints
 * @send_closed: 1 once closed for sending; stored with release
 * @sent_plain: &chan_ring.sent may be counted with a plain store: only the
 *	holder of @sp_busy ever changes it (not so where a withdrawing
 *	sender uncounts after giving sp_busy back, %CHAN_KF_HANDOFF)
 * @sp_busy: a sender of a single-producer channel is in progress
 * @sc_busy: a receiver of a single-consumer channel is in progress
 * @send_waiters: tasks waiting (spinning or sleeping) in a send
 * @recv_waiters: tasks waiting (spinning or sleeping) in a receive
 * @dropped: messages discarded by %CHAN_POLICY_DROP_NEWEST
 * @overwritten: messages discarded by %CHAN_POLICY_OVERWRITE
 * @send_waits: times a sender slept
 * @recv_waits: times a receiver slept
 * @ops: what its kind does, fixed at creation
 * @flags: %CHAN_SINGLE_PRODUCER / %CHAN_SINGLE_CONSUMER / %CHAN_MAPPABLE
 * @policy: &enum chan_policy
 * @capacity: slots in the ring, as reported
 * @msg_max: largest message
 * @mode: permission bits
 * @uid: owner
 * @gid: group
 * @id: unique id
 * @ns: IPC namespace the channel was created in (a reference is held)
 * @user: whom the ring memory is charged to
 * @charged: bytes charged
 * @map: the mapped ring (%CHAN_MAPPABLE), else NULL
 * @all: in its namespace's list of channels (ns.c)
 * @name_node: in the name table while named
 * @named: the name table holds a reference, and counts as one sender and
 *	one receiver
 * @kernel: made by chan_kcreate(): only such a channel may take a name of
 *	the kernel's (CHAN_KERNEL_PREFIX) or be found by chan_klookup()
 * @key: the namespace and NUL-terminated name, the name table's key;
 *	the name stays set once given (empty if never named)
 * @wake_work: wakes both queues for a caller that may not (hardirq, NMI,
 *	softirq, interrupts off)
 * @reap: on the reaper's list while a dead namespace's name is removed
 * @free_work: frees the channel when its last reference went in such a
 *	context
 * @priv: the kind's own state, &chan_kind_ops.priv_size bytes; a small
 *	ring's slots follow it in the same allocation
 *
 * The fields are grouped by who writes them, each group on cache lines of
 * its own: what both sides only read, the wait queues, what senders write
 * and what receivers write.  A sender and a receiver streaming on two CPUs
 * then move no cache line between them but the ring's own (ring.h).
 */
struct chan {
	struct chan_ring ring;

	/*
	 * Read on every message by both sides, written only when an end
	 * opens or closes: shared by their caches, never moved.
	 */
	const struct chan_kind_ops *ops ____cacheline_aligned_in_smp;
	u32 flags;
	u32 policy;
	u32 msg_max;
	int send_closed;
	atomic_t senders;
	atomic_t receivers;
	bool sent_plain;
	struct chan_map *map;

	/* Written by whoever sleeps or wakes a sleeper. */
	wait_queue_head_t recv_wq ____cacheline_aligned_in_smp;
	wait_queue_head_t send_wq;

	/*
	 * Written by senders (sp_busy twice per message; overwritten also
	 * by a lapped broadcast subscriber, rarely), then by receivers:
	 * each side on lines of its own.
	 */
	atomic_t sp_busy ____cacheline_aligned_in_smp;
	atomic_t send_waiters;
	atomic64_t dropped;
	atomic64_t overwritten;
	atomic64_t send_waits;

	atomic_t sc_busy ____cacheline_aligned_in_smp;
	atomic_t recv_waiters;
	atomic64_t recv_waits;

	/* Set at creation, or used on the slow paths only. */
	refcount_t ref ____cacheline_aligned_in_smp;
	u32 capacity;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	u64 id;
	struct ipc_namespace *ns;
	struct chan_user *user;
	size_t charged;
	struct list_head all;
	struct rhash_head name_node;
	bool named;
	bool kernel;
	struct chan_name_key key;
	struct irq_work wake_work;
	union {
		struct list_head reap;		/* while referenced */
		struct work_struct free_work;	/* once unreferenced */
	};
	u64 priv[] __aligned(8);
};

/**
 * struct chan_ep - what an endpoint file points at
 * @ch: the channel
 * @role: &enum chan_role
 * @lost_seen: dropped + overwritten when CHAN_IOC_LOST last asked
 * @priv: the kind's per-endpoint state (a broadcast subscriber), or NULL
 */
struct chan_ep {
	struct chan *ch;
	u32 role;
	atomic64_t lost_seen;
	void *priv;
};

/* The kind's state of @ch (&chan_kind_ops.priv_size bytes). */
static inline void *chan_kind_priv(struct chan *ch)
{
	return ch->priv;
}

/* chan_get() for the files below object.c, which defines it. */
static inline void __chan_get(struct chan *ch)
{
	refcount_inc(&ch->ref);
}

/* May this context call wake_up() itself, or must it defer? */
static inline bool chan_may_wake_now(void)
{
	return in_task() && !irqs_disabled();
}

/*
 * A relative timeout in jiffies that never ends early: rounded up, plus
 * one for the partial tick we start in.  0 stays 0 (never wait).
 */
static inline long chan_ns_to_jiffies(u64 ns)
{
	u64 j;

	if (!ns)
		return 0;
	j = div64_u64(ns, TICK_NSEC) + 2;
	return j >= MAX_SCHEDULE_TIMEOUT ? MAX_SCHEDULE_TIMEOUT - 1 : (long)j;
}

/*
 * A timeout in ns on CLOCK_MONOTONIC, relative or absolute, as jiffies;
 * CHAN_TIMEOUT_INFINITE waits for ever.
 */
static inline long chan_timeout_ns(u64 ns, bool abs)
{
	u64 now;

	if (ns == CHAN_TIMEOUT_INFINITE)
		return MAX_SCHEDULE_TIMEOUT;
	if (abs) {
		now = ktime_get_ns();
		ns = ns > now ? ns - now : 0;
	}
	return chan_ns_to_jiffies(ns);
}

/*
 * Count one more on @v.  Where only one task at a time can update it
 * (@single: the side's busy flag is held), a plain read and set does
 * without the locked instruction; readers still see whole values.
 */
static inline void chan_count(atomic64_t *v, bool single)
{
	s64 n;

	if (single) {
		n = atomic64_read(v);
		chan_delay(CHAN_DP_COUNT);
		atomic64_set(v, n + 1);
	} else {
		atomic64_inc(v);
	}
}

/* Count an invalid word found in a mapped ring. */
static inline void chan_reject(struct chan *ch)
{
	if (ch->map)
		atomic64_inc(&ch->map->rejects);
}

/**
 * chan_send_broken() - would a send fail with EPIPE?
 * @ch: the channel
 *
 * Return: true with no receiver left or once closed for sending.
 */
static inline bool chan_send_broken(struct chan *ch)
{
	return !atomic_read(&ch->receivers) || READ_ONCE(ch->send_closed);
}

/* Dropping and overwriting never fail for want of room. */
static inline bool chan_policy_never_full(const struct chan *ch)
{
	return ch->policy == CHAN_POLICY_DROP_NEWEST ||
	       ch->policy == CHAN_POLICY_OVERWRITE;
}

/**
 * chan_map_arm() - ask the other side of a mapped ring to wake us
 * @ch: the channel; nothing happens unless it is mappable
 * @send: a sender (true) or a receiver (false) is about to sleep or poll
 *
 * The caller is on the wait queue already and looks at the ring after
 * this returns.
 */
static inline void chan_map_arm(struct chan *ch, bool send)
{
	struct chan_ring_hdr *h;

	if (!ch->map)
		return;
	h = ch->map->hdr;
	WRITE_ONCE(*(send ? &h->send_wake : &h->recv_wake), 1);
	/*
	 * [C] in mmap.c: the flag is visible before we look at the ring.
	 * Pairs with the full barrier [D] a user-space side issues between
	 * publishing and reading the flag.
	 */
	smp_mb();
}

/* Extensible structures from and to user space (ustruct.c). */
int chan_get_struct(void *dst, size_t ksize, void __user *uarg, size_t min);
int chan_copy_struct_out(void __user *uptr, size_t usize,
			 const void *kptr, size_t ksize);

/* Permissions (perm.c). */
int chan_permission(struct chan *ch, int may);
int chan_permission_noaudit(struct chan *ch, int may);

/* Accounting (limits.c). */
int chan_user_charge(u64 bytes, struct chan_user **out);
void chan_user_uncharge(struct chan_user *u, u64 bytes);
void chan_user_report(struct chan_limits *l);

/* Reporting (info.c). */
u64 chan_since(atomic64_t *seen, u64 total);
void chan_fill_info(struct chan *ch, struct chan_info *info, u32 role);
void chan_show_fdinfo(struct seq_file *m, struct chan *ch, u32 role);

/* Waiting, spinning and waking (wait.c). */
void chan_wake_recv(struct chan *ch);
void __chan_wake_recv(struct chan *ch);
void chan_wake_send(struct chan *ch);
void chan_wake_all(struct chan *ch);
void chan_wake_work(struct irq_work *work);
void chan_pass_wake_send(struct chan *ch, bool room);
/* What a waiter waits for; @arg as chan_wait_for() was given it. */
typedef bool (*chan_ready_fn)(struct chan *ch, void *arg);
int chan_wait_sleep(struct chan *ch, bool send, chan_ready_fn ready,
		    void *arg, long *timeout);

/* Sending and receiving through the ring (xfer.c). */
bool chan_eof(struct chan *ch);
bool chan_xfer_recv_ready(struct chan *ch);
bool chan_xfer_send_ready(struct chan *ch);
int chan_xfer_wait_send(struct chan *ch, long *timeout);
int chan_xfer_wait_recv(struct chan *ch, long *timeout);
void chan_xfer_pass_wake(struct chan *ch, bool send);
ssize_t chan_xfer_send(struct chan *ch, struct iov_iter *from, size_t len,
		       long *timeout, u32 *pos, const u64 *id);
ssize_t chan_xfer_recv(struct chan *ch, struct iov_iter *to, long *timeout,
		       u64 *id);

/* What chan keeps per IPC namespace, and CHAN_IOC_LIST (ns.c). */
int chan_ns_add(struct chan *ch);
void chan_ns_del(struct chan *ch);
bool chan_ns_named(struct chan *ch, bool named);
bool chan_ns_foreign_named(void);
void chan_ns_doomed(struct list_head *doomed);
int chan_list(struct chan_list *l, void __user *entries);

/* Mapped rings (mmap.c). */
void *chan_map_alloc(struct chan *ch, size_t bytes);
void chan_map_free(struct chan *ch);
void chan_map_init(struct chan *ch, u32 capacity);
void chan_map_state(struct chan *ch);
int chan_map_mmap(struct chan *ch, struct vm_area_struct *vma);
long chan_ioctl_wait(struct chan_ep *ep, struct chan_wait __user *uarg);
long chan_ioctl_wake(struct chan_ep *ep);

/* The channel object (object.c). */
struct chan *chan_alloc(const struct chan_kind_ops *ops,
			const struct chan_create *args, struct chan_user *u,
			size_t bytes);
void chan_close_send(struct chan *ch);
void chan_end_get(struct chan *ch, u32 role);
void chan_end_put(struct chan *ch, u32 role);
void chan_queue_work(struct work_struct *work);
int chan_object_init(void);
void chan_object_exit(void);

/* Names (names.c). */
int chan_name_valid(const char *name);
int chan_name_get(const char __user *uname, char *name);
bool chan_name_kernel(const char *name);
int chan_name_add(struct chan *ch, const char *name);
void chan_name_del(struct chan *ch);
struct chan *chan_name_lookup(const char *name, bool kernel);
int chan_name_unlink(const char *name);
int chan_names_init(void);
void chan_names_exit(void);

/* Creating a channel of a kind (kinds.c). */
const struct chan_kind_ops *chan_kind_ops_of(u32 kind);
u64 chan_ring_bytes(u32 capacity, u64 room);
u64 chan_create_bytes(const struct chan_kind_ops *ops,
		      const struct chan_create *args);
int chan_create_check(const struct chan_create *a);
struct chan *chan_create(const struct chan_create *a);

/* Batched I/O (batch.c). */
enum chan_batch_op {
	CHAN_BATCH_SEND,
	CHAN_BATCH_RECV,
	CHAN_BATCH_REPLY,
};

long chan_ioctl_batch(struct chan_ep *ep, struct file *file,
		      struct chan_batch __user *uarg, enum chan_batch_op op);

/* Endpoint files (ep.c). */
struct file *chan_ep_file(struct chan *ch, u32 role, u32 flags);
int chan_ep_fd(struct chan *ch, u32 role, u32 flags);
struct chan_ep *chan_ep_of(struct file *file);

/* The /dev/chan device (dev.c). */
int chan_dev_init(void);
void chan_dev_exit(void);

#include "kind.h"

/**
 * chan_spin_deadline() - start a bounded spin before sleeping
 *
 * Before sleeping, a waiter spins for up to spin_ns while the other side
 * is likely running on another CPU: a reply or a freed slot that arrives
 * within the spin costs neither side a sleep nor a wakeup (the other
 * side's wq_has_sleeper() finds nobody on the queue).  No spin on a
 * uniprocessor or when spin_ns is 0.
 *
 * Return: the local_clock() deadline of the spin, or 0 for no spin.
 */
static inline u64 chan_spin_deadline(void)
{
	u32 ns = READ_ONCE(chan_spin_ns);

	if (!ns || num_online_cpus() < 2)
		return 0;
	return local_clock() + ns;
}

/**
 * chan_spin_more() - spin once more?
 * @end: deadline from chan_spin_deadline()
 *
 * Return: false once the deadline passed, this CPU is wanted elsewhere or
 * a signal is pending.
 */
static inline bool chan_spin_more(u64 end)
{
	cpu_relax();
	return !need_resched() && !signal_pending(current) &&
	       local_clock() < end;
}

/*
 * Spin until @ready or the spin's end (chan_spin_deadline()).  Inlined
 * into each caller with its own @ready, so that the loop makes no
 * indirect call per round.
 */
static __always_inline bool chan_spin(chan_ready_fn ready, struct chan *ch,
				      void *arg)
{
	u64 end = chan_spin_deadline();

	if (!end)
		return false;
	do {
		if (ready(ch, arg))
			return true;
	} while (chan_spin_more(end));
	return ready(ch, arg);
}

/*
 * User space may flip a mapped ring's positions between our looks, so
 * that a wait returns at once and the caller's next look fails again:
 * such a loop must still yield the CPU and end on a signal.
 */
static inline int chan_map_yield(struct chan *ch)
{
	if (!ch->map)
		return 0;
	cond_resched();
	return signal_pending(current) ? -ERESTARTSYS : 0;
}

/**
 * chan_wait_for() - spin, then sleep, until a send or receive may go on
 * @ch: the channel
 * @send: a sender (true) or a receiver (false) waits
 * @ready: the kind's predicate: room or a broken channel for a sender, a
 *	message or end of stream for a receiver
 * @arg: passed to @ready (a broadcast receiver's subscriber)
 * @timeout: jiffies, updated; MAX_SCHEDULE_TIMEOUT for ever
 *
 * The waiter is counted in &chan.send_waiters or &chan.recv_waiters while
 * it waits.  On a %CHAN_KF_HANDOFF kind a receiver starting to wait is
 * what a sender waits for, so pollers of the send end hear of it.
 *
 * Context: process context, sleeps.
 * Return: 0 when @ready may hold, -ERESTARTSYS or -ETIMEDOUT.
 */
static __always_inline int chan_wait_for(struct chan *ch, bool send,
					 chan_ready_fn ready, void *arg,
					 long *timeout)
{
	atomic_t *waiters = send ? &ch->send_waiters : &ch->recv_waiters;
	int ret;

	might_sleep();
	ret = chan_map_yield(ch);
	if (ret)
		return ret;
	atomic_inc(waiters);
	/*
	 * The smp_mb() in chan_wake_send() orders the increment before the
	 * look at the queue; it pairs with the barrier after poll_wait() in
	 * ep.c, before the poller reads recv_waiters.
	 */
	if (!send && (ch->ops->flags & CHAN_KF_HANDOFF))
		chan_wake_send(ch);
	if (chan_spin(ready, ch, arg)) {
		atomic_dec(waiters);
		return 0;
	}
	return chan_wait_sleep(ch, send, ready, arg, timeout);
}

#endif /* _CHAN_INTERNAL_H */
