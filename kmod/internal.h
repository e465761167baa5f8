/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: declarations shared by the module's files.
 */
#ifndef _CHAN_INTERNAL_H
#define _CHAN_INTERNAL_H

#include <linux/bits.h>
#include <linux/chan.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/list.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <uapi/linux/chan.h>

#include "debug.h"
#include "ring.h"

struct file;
struct ipc_namespace;
struct iov_iter;
struct user_namespace;
struct seq_file;
struct vm_area_struct;

struct chan_sub;

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
 * struct chan - one channel
 * @ring: the messages; its producer and consumer sides have cache lines of
 *	their own
 * @recv_wq: receivers and pollers waiting for a message or for the close
 * @send_wq: senders and pollers waiting for room or for the last receiver
 * @ref: endpoints, the name table and in-kernel users
 * @senders: open send endpoints
 * @receivers: open receive endpoints
 * @send_closed: 1 once closed for sending; stored with release
 * @sent_plain: &chan_ring.sent may be counted with a plain store: only the
 *	holder of @sp_busy ever changes it (not so on a rendezvous channel,
 *	whose withdrawing sender uncounts after giving sp_busy back)
 * @sp_busy: a sender of a single-producer channel is in progress
 * @sc_busy: a receiver of a single-consumer channel is in progress
 * @oneshot_sent: a oneshot channel's send has begun (and, once the channel
 *	is closed for sending, succeeded)
 * @send_waiters: tasks waiting (spinning or sleeping) in a send
 * @recv_waiters: tasks waiting (spinning or sleeping) in a receive
 * @dropped: messages discarded by %CHAN_POLICY_DROP_NEWEST
 * @overwritten: messages discarded by %CHAN_POLICY_OVERWRITE
 * @send_waits: times a sender slept
 * @recv_waits: times a receiver slept
 * @kind: &enum chan_kind
 * @flags: %CHAN_SINGLE_PRODUCER / %CHAN_SINGLE_CONSUMER
 * @policy: &enum chan_policy
 * @capacity: slots in the ring, as reported (0 for rendezvous, whose ring
 *	has one slot)
 * @msg_max: largest message
 * @mode: permission bits
 * @uid: owner
 * @gid: group
 * @id: unique id
 * @ns: IPC namespace the channel was created in (a reference is held)
 * @user: whom the ring memory is charged to
 * @charged: bytes charged
 * @all: in its namespace's list of channels (ns.c)
 * @name_node: in the name table while named
 * @named: the name table holds a reference, and counts as one sender and
 *	one receiver
 * @key: the namespace and NUL-terminated name, the name table's key;
 *	the name stays set once given (empty if never named)
 * @calls: request/reply calls waiting for their replies, by id
 * @call_next: next index to try in @calls
 * @call_gen: generation of call ids
 * @call_busy: a caller of a single-producer request/reply channel is in
 *	progress
 * @cancelled: requests skipped because their caller was gone
 * @bc_tail: broadcast: next position to produce (64-bit, never wraps)
 * @bc_min: broadcast: a recent minimum over the subscribers' cursors
 * @subs: broadcast subscribers (&struct chan_sub), walked under RCU
 * @subs_lock: serialises changes to @subs
 * @map_lock: serialises updates of @map's state word
 * @map: the mapped ring's shared header (%CHAN_MAPPABLE), else NULL; the
 *	slots follow it
 * @map_size: bytes of @map, header and slots
 * @map_pages: the pages of @map, for mmap()
 * @rejects: invalid shared positions or lengths found in @map
 * @wake_work: wakes both queues for a caller that may not (hardirq, NMI,
 *	softirq, interrupts off)
 * @calls_work: fails a request/reply channel's calls for a last receiver
 *	that left where it could not (holds a reference)
 * @reap: on the reaper's list while a dead namespace's name is removed
 * @kernel: made by chan_kcreate(): only such a channel may take a name of
 *	the kernel's (CHAN_KERNEL_PREFIX) or be found by chan_klookup()
 * @free_work: frees the channel when its last reference went in such a
 *	context
 */
struct chan {
	struct chan_ring ring;

	wait_queue_head_t recv_wq;
	wait_queue_head_t send_wq;
	refcount_t ref;
	atomic_t senders;
	atomic_t receivers;
	int send_closed;
	bool sent_plain;
	atomic_t sp_busy;
	atomic_t sc_busy;
	atomic_t oneshot_sent;
	atomic_t send_waiters;
	atomic_t recv_waiters;
	atomic64_t dropped;
	atomic64_t overwritten;
	atomic64_t send_waits;
	atomic64_t recv_waits;

	u32 kind;
	u32 flags;
	u32 policy;
	u32 capacity;
	u32 msg_max;
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
	struct chan_name_key key;
	struct xarray calls;
	u32 call_next;
	atomic_t call_gen;
	atomic_t call_busy;
	atomic64_t cancelled;
	atomic64_t bc_tail;
	atomic64_t bc_min;
	struct list_head subs;
	spinlock_t subs_lock;		/* serialises changes to subs */
	raw_spinlock_t map_lock;	/* serialises map->state */
	struct chan_ring_hdr *map;
	size_t map_size;
	struct page **map_pages;
	atomic64_t rejects;
	struct irq_work wake_work;
	struct work_struct free_work;
	struct work_struct calls_work;
	struct list_head reap;
	bool kernel;
};

/* May this context call wake_up() itself, or must it defer? */
static inline bool chan_may_wake_now(void)
{
	return in_task() && !irqs_disabled();
}

/**
 * struct chan_ep - what an endpoint file points at
 * @ch: the channel
 * @role: &enum chan_role
 * @lost_seen: dropped + overwritten when CHAN_IOC_LOST last asked
 * @sub: the subscriber of a broadcast receive endpoint, else NULL
 */
struct chan_ep {
	struct chan *ch;
	u32 role;
	atomic64_t lost_seen;
	struct chan_sub *sub;
};

/**
 * struct chan_sub - one subscriber of a broadcast channel
 * @pos: the next position to read; moved with cmpxchg() (files sharing
 *	the endpoint share the cursor); 64-bit, never wraps
 * @gap: the cursor was lapped and the next read reports it
 * @lost: messages missed by being lapped
 * @lost_seen: @lost when CHAN_IOC_LOST last asked
 * @node: in &chan.subs
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

/* The channel object (object.c). */
struct chan *chan_alloc(const struct chan_create *args, struct chan_user *u,
			size_t bytes);
u64 chan_ring_bytes(u32 capacity, u64 room);
u64 chan_create_bytes(const struct chan_create *args);

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
	atomic64_inc(&ch->rejects);
}

/* Bytes a slot holds: the message, and a request's call id after it. */
static inline u64 chan_slot_room(u32 kind, u32 msg_max)
{
	return (u64)msg_max + (kind == CHAN_KIND_REQREP ? sizeof(u64) : 0);
}

void chan_close_send(struct chan *ch);
void chan_wake_all(struct chan *ch);
int chan_object_init(void);
void chan_object_exit(void);
void chan_end_get(struct chan *ch, u32 role);
void chan_end_put(struct chan *ch, u32 role);

/* What chan keeps per IPC namespace (ns.c). */
int chan_ns_add(struct chan *ch);
void chan_ns_del(struct chan *ch);
void chan_ns_named(struct chan *ch, bool named);
int chan_list(struct chan_list *l, void __user *entries);
void chan_ns_exit(void);

/* Accounting (limits.c). */
int chan_user_charge(u64 bytes, struct chan_user **out);
void chan_user_uncharge(struct chan_user *u, u64 bytes);
void chan_user_usage(u32 *channels, u64 *bytes);

/* Names (names.c). */
int chan_name_valid(const char *name);
int chan_name_get(const char __user *uname, char *name);
bool chan_name_kernel(const char *name);
int chan_name_add(struct chan *ch, const char *name);
void chan_name_del(struct chan *ch);
struct chan *chan_name_lookup(const char *name, bool kernel);
int chan_name_unlink(const char *name);
int chan_permission(struct chan *ch, int may);
int chan_permission_noaudit(struct chan *ch, int may);
int chan_names_init(void);
void chan_names_exit(void);

/* The data path (xfer.c). */
void chan_wake_recv(struct chan *ch);
void chan_wake_send(struct chan *ch);
u64 chan_spin_deadline(void);
bool chan_spin_more(u64 end);
ssize_t chan_send_queue_id(struct chan *ch, struct iov_iter *from, size_t len,
			   long *timeout, u32 *pos, const u64 *id);
ssize_t chan_recv_queue_id(struct chan *ch, struct iov_iter *to,
			   long *timeout, u64 *id);

/* Queue one message (see chan_send_queue_id()). */
static inline ssize_t chan_send_queue(struct chan *ch, struct iov_iter *from,
				      size_t len, long *timeout, u32 *pos)
{
	return chan_send_queue_id(ch, from, len, timeout, pos, NULL);
}

bool chan_send_broken(struct chan *ch);
int chan_wait_send(struct chan *ch, long *timeout);
void chan_pass_wake(struct chan *ch, bool send);
ssize_t chan_ep_recv(struct chan_ep *ep, struct iov_iter *to, long *timeout,
		     u64 *id);
ssize_t chan_send_iter(struct chan *ch, struct iov_iter *from, long *timeout);
ssize_t chan_recv_iter(struct chan *ch, struct iov_iter *to, long *timeout);
bool chan_recv_ready(struct chan *ch);
bool chan_send_ready(struct chan *ch);

/* Oneshot and rendezvous sends (kinds.c). */
ssize_t chan_send_oneshot(struct chan *ch, struct iov_iter *from, size_t len,
			  long *timeout);
ssize_t chan_send_rendezvous(struct chan *ch, struct iov_iter *from,
			     size_t len, long *timeout);

/* The broadcast kind (broadcast.c). */
void chan_bcast_init(struct chan *ch);
struct chan_sub *chan_sub_new(struct chan *ch);
void chan_sub_free(struct chan *ch, struct chan_sub *sub);
bool chan_bcast_writable(struct chan *ch);
bool chan_bcast_has(struct chan *ch, struct chan_sub *sub);
ssize_t chan_send_bcast(struct chan *ch, struct iov_iter *from, size_t len,
			long *timeout);
ssize_t chan_recv_bcast(struct chan *ch, struct chan_sub *sub,
			struct iov_iter *to, long *timeout);
u64 chan_sub_lost(struct chan_sub *sub);
u32 chan_bcast_depth(struct chan *ch);

/* Mapped rings (mmap.c). */
void *chan_map_alloc(struct chan *ch, size_t bytes);
void chan_map_free(struct chan *ch);
void chan_map_init(struct chan *ch, u32 capacity);
void chan_map_state(struct chan *ch);
void chan_map_arm(struct chan *ch, bool send);
int chan_map_mmap(struct chan *ch, struct vm_area_struct *vma);
long chan_ioctl_wait(struct chan_ep *ep, struct chan_wait __user *uarg);
long chan_ioctl_wake(struct chan_ep *ep);
int chan_wait_ready(struct chan *ch, bool send, long *timeout);

/* Endpoint files (ep.c). */
struct file *chan_ep_file(struct chan *ch, u32 role, u32 flags);
struct chan_ep *chan_ep_of(struct file *file);

/* Reporting (info.c). */
void chan_fill_info(struct chan *ch, struct chan_info *info, u32 role);
void chan_show_fdinfo(struct seq_file *m, struct chan *ch, u32 role);

/* Batched I/O (batch.c). */
enum chan_batch_op {
	CHAN_BATCH_SEND,
	CHAN_BATCH_RECV,
	CHAN_BATCH_REPLY,
};

long chan_ioctl_batch(struct chan_ep *ep, struct file *file,
		      struct chan_batch __user *uarg, enum chan_batch_op op);

/* Request/reply (reqrep.c). */
long chan_ioctl_call(struct chan_ep *ep, struct file *file,
		     struct chan_call __user *uarg);
int chan_reply_one(struct chan *ch, u64 id, const void __user *buf, u32 len);
ssize_t chan_serve_recv(struct chan *ch, struct iov_iter *to, long *timeout,
			u64 *id);
void chan_calls_fail(struct chan *ch);

/* The /dev/chan device (dev.c). */
int chan_get_struct(void *dst, size_t ksize, void __user *uarg, size_t min);
int chan_create_check(const struct chan_create *a);
int chan_dev_init(void);
void chan_dev_exit(void);
int chan_copy_struct_out(void __user *uptr, size_t usize,
			 const void *kptr, size_t ksize);

#endif /* _CHAN_INTERNAL_H */
