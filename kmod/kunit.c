// SPDX-License-Identifier: GPL-2.0
/*
 * chan: KUnit suites for the ring core and the channel object.  Built into
 * chan.ko when the kernel has CONFIG_KUNIT; they run when the module loads
 * and report under /sys/kernel/debug/kunit/chan_*.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "internal.h"

struct ring_case {
	bool mp, mc;
	u32 cap;
	u32 start;
};

static void *ring_make(struct kunit *test, struct chan_ring *r,
		       const struct ring_case *c)
{
	void *slots = kunit_kzalloc(test, c->cap * chan_ring_stride(16),
				    GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, slots);
	chan_ring_init(r, slots, c->cap, 16, c->mp, c->mc, c->start);
	return slots;
}

static void ring_put(struct kunit *test, struct chan_ring *r, u32 v)
{
	struct chan_slot *s;
	u32 pos;

	s = chan_ring_reserve(r, &pos);
	KUNIT_ASSERT_NOT_NULL(test, s);
	memcpy(s->data, &v, sizeof(v));
	chan_ring_publish(r, pos, sizeof(v));
}

static u32 ring_get(struct kunit *test, struct chan_ring *r)
{
	struct chan_slot *s;
	u32 pos, v = 0;

	s = chan_ring_peek(r, &pos);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->len, (u32)sizeof(v));
	KUNIT_EXPECT_TRUE(test, chan_ring_is_head(r, pos));
	memcpy(&v, s->data, sizeof(v));
	KUNIT_EXPECT_TRUE(test, chan_ring_consume(r, pos));
	return v;
}

/* Fill, check the full edge, drain, check the empty edge, many laps. */
static void ring_laps(struct kunit *test, const struct ring_case *c)
{
	struct chan_ring r;
	u32 lap, k, next = 0, want = 0, pos;

	ring_make(test, &r, c);
	for (lap = 0; lap < 5; lap++) {
		KUNIT_EXPECT_FALSE(test, chan_ring_readable(&r));
		KUNIT_EXPECT_NULL(test, chan_ring_peek(&r, &pos));
		for (k = 0; k < c->cap; k++) {
			KUNIT_EXPECT_TRUE(test, chan_ring_writable(&r));
			ring_put(test, &r, next++);
			KUNIT_EXPECT_EQ(test, chan_ring_depth(&r), k + 1);
		}
		KUNIT_EXPECT_FALSE(test, chan_ring_writable(&r));
		KUNIT_EXPECT_NULL(test, chan_ring_reserve(&r, &pos));
		KUNIT_EXPECT_TRUE(test, chan_ring_readable(&r));
		for (k = 0; k < c->cap; k++)
			KUNIT_EXPECT_EQ(test, ring_get(test, &r), want++);
		KUNIT_EXPECT_EQ(test, chan_ring_depth(&r), 0U);
	}
	KUNIT_EXPECT_EQ(test, r.tail, c->start + 5 * c->cap);
}

static const struct ring_case ring_cases[] = {
	{ false, false, 1, 0 },
	{ false, false, 4, 0xfffffffe },	/* positions wrap at 2^32 */
	{ true, false, 1, 0 },			/* the capacity-1 MPSC case */
	{ true, false, 8, 0xfffffffb },
	{ false, true, 1, 0x7ffffffe },		/* seq wraps at 2^31 */
	{ false, true, 2, 0xffffffff },
	{ true, true, 1, 0xffffffff },
	{ true, true, 16, 0xfffffff0 },
};

static void chan_ring_test_laps(struct kunit *test)
{
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(ring_cases); k++)
		ring_laps(test, &ring_cases[k]);
}

static void chan_ring_test_tombstone(struct kunit *test)
{
	const struct ring_case c = { true, true, 4, 0 };
	struct chan_ring r;
	struct chan_slot *s;
	u32 pos;

	ring_make(test, &r, &c);
	s = chan_ring_reserve(&r, &pos);
	KUNIT_ASSERT_NOT_NULL(test, s);
	chan_ring_abort(&r, pos);
	ring_put(test, &r, 7);
	s = chan_ring_peek(&r, &pos);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->len, CHAN_SLOT_TOMBSTONE);
	KUNIT_EXPECT_TRUE(test, chan_ring_consume(&r, pos));
	KUNIT_EXPECT_EQ(test, ring_get(test, &r), 7U);
}

static void chan_ring_test_single_producer_abort(struct kunit *test)
{
	const struct ring_case c = { false, false, 2, 0 };
	struct chan_ring r;
	u32 pos;

	ring_make(test, &r, &c);
	KUNIT_ASSERT_NOT_NULL(test, chan_ring_reserve(&r, &pos));
	chan_ring_abort(&r, pos);	/* nothing became visible */
	KUNIT_EXPECT_FALSE(test, chan_ring_readable(&r));
	ring_put(test, &r, 9);
	KUNIT_EXPECT_EQ(test, ring_get(test, &r), 9U);
}

static void chan_ring_test_lost_claim(struct kunit *test)
{
	const struct ring_case c = { false, true, 4, 0 };
	struct chan_ring r;
	u32 a, b;

	ring_make(test, &r, &c);
	ring_put(test, &r, 1);
	ring_put(test, &r, 2);
	/* Two consumers peek the same message; only one may claim it. */
	KUNIT_ASSERT_NOT_NULL(test, chan_ring_peek(&r, &a));
	KUNIT_ASSERT_NOT_NULL(test, chan_ring_peek(&r, &b));
	KUNIT_EXPECT_EQ(test, a, b);
	KUNIT_EXPECT_TRUE(test, chan_ring_consume(&r, a));
	KUNIT_EXPECT_FALSE(test, chan_ring_is_head(&r, b));
	KUNIT_EXPECT_FALSE(test, chan_ring_consume(&r, b));
	KUNIT_EXPECT_EQ(test, ring_get(test, &r), 2U);
}

/* A mapped ring's positions live elsewhere and are checked, not trusted. */
static void chan_ring_test_mapped_positions(struct kunit *test)
{
	const struct ring_case c = { .cap = 4 };
	u32 tail = 0xfffffffe, head = 0xfffffffe, pos, k;
	struct chan_ring r;

	ring_make(test, &r, &c);
	r.utail = &tail;
	r.uhead = &head;
	for (k = 0; k < 4; k++)
		ring_put(test, &r, k);
	KUNIT_EXPECT_EQ(test, tail, 2U);	/* wrapped past 2^32 */
	KUNIT_EXPECT_NULL(test, chan_ring_reserve(&r, &pos));
	KUNIT_EXPECT_EQ(test, chan_ring_depth(&r), 4U);
	KUNIT_EXPECT_EQ(test, ring_get(test, &r), 0U);
	KUNIT_EXPECT_EQ(test, head, 0xffffffffU);

	tail = head + 5;			/* more than the capacity */
	KUNIT_EXPECT_PTR_EQ(test, chan_ring_reserve(&r, &pos), CHAN_RING_BAD);
	KUNIT_EXPECT_PTR_EQ(test, chan_ring_peek(&r, &pos), CHAN_RING_BAD);
	KUNIT_EXPECT_TRUE(test, chan_ring_readable(&r));
	KUNIT_EXPECT_TRUE(test, chan_ring_writable(&r));
	KUNIT_EXPECT_EQ(test, chan_ring_depth(&r), 4U);
	tail = head - 1;			/* head ahead of tail */
	KUNIT_EXPECT_PTR_EQ(test, chan_ring_peek(&r, &pos), CHAN_RING_BAD);
	KUNIT_EXPECT_EQ(test, chan_ring_depth(&r), 0U);
	tail = head;
	KUNIT_EXPECT_NULL(test, chan_ring_peek(&r, &pos));
	KUNIT_EXPECT_FALSE(test, chan_ring_readable(&r));
}

/* F1: every size is computed in 64 bits and checked, whatever the input. */
static void chan_ring_test_size_overflow(struct kunit *test)
{
	struct chan_create a = {
		.kind = CHAN_KIND_QUEUE, .capacity = 65536, .msg_max = 65536,
	};

	/* 65536 slots of 65544 bytes: 2^32 + 2^19, over INT_MAX. */
	KUNIT_EXPECT_EQ(test, chan_ring_bytes(65536, 65536),
			65536ULL * 65544);
	KUNIT_EXPECT_EQ(test, chan_create_check(&a), -E2BIG);
	/* Exactly 2^32: would be 0 in 32 bits. */
	KUNIT_EXPECT_EQ(test, chan_ring_bytes(65536, 65528), 1ULL << 32);
	a.msg_max = 65528;
	KUNIT_EXPECT_EQ(test, chan_create_check(&a), -E2BIG);
	/* Beyond 64 bits: reported, not wrapped. */
	KUNIT_EXPECT_EQ(test, chan_ring_bytes(U32_MAX, U32_MAX), U64_MAX);
	KUNIT_EXPECT_EQ(test, chan_ring_bytes(0x80000001U, 1), 0x100000000ULL * 16);
	a.capacity = U32_MAX;
	a.msg_max = U32_MAX;
	KUNIT_EXPECT_EQ(test, chan_create_check(&a), -E2BIG);
	a.flags = CHAN_MAPPABLE | CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER;
	KUNIT_EXPECT_EQ(test, chan_create_bytes(chan_kind_ops_of(a.kind), &a),
			U64_MAX);
}

static struct kunit_case chan_ring_cases[] = {
	KUNIT_CASE(chan_ring_test_laps),
	KUNIT_CASE(chan_ring_test_tombstone),
	KUNIT_CASE(chan_ring_test_single_producer_abort),
	KUNIT_CASE(chan_ring_test_lost_claim),
	KUNIT_CASE(chan_ring_test_mapped_positions),
	KUNIT_CASE(chan_ring_test_size_overflow),
	{}
};

static struct kunit_suite chan_ring_suite = {
	.name = "chan_ring",
	.test_cases = chan_ring_cases,
};

/* The channel object, driven through the same entry points as read(2). */

static struct chan *chan_test_make_kind(struct kunit *test, u32 kind,
					u32 flags, u32 policy, u32 cap)
{
	struct chan_create a = {
		.kind = kind, .flags = flags, .policy = policy,
		.capacity = cap, .msg_max = 16,
	};
	struct chan *ch = chan_create(&a);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ch));
	chan_end_get(ch, CHAN_ROLE_SEND);
	chan_end_get(ch, CHAN_ROLE_RECV);
	return ch;
}

static struct chan *chan_test_make(struct kunit *test, u32 flags, u32 policy,
				   u32 cap)
{
	return chan_test_make_kind(test, CHAN_KIND_QUEUE, flags, policy, cap);
}

static void chan_test_free(struct chan *ch)
{
	chan_end_put(ch, CHAN_ROLE_SEND);
	chan_end_put(ch, CHAN_ROLE_RECV);
	chan_put(ch);
}

static ssize_t chan_test_send(struct chan *ch, u32 v)
{
	struct kvec kv = { &v, sizeof(v) };
	struct iov_iter it;

	long timeout = 0;

	iov_iter_kvec(&it, ITER_SOURCE, &kv, 1, sizeof(v));
	return chan_send_iter(ch, &it, &timeout);
}

static ssize_t chan_test_recv(struct chan *ch, u32 *v)
{
	struct kvec kv = { v, sizeof(*v) };
	struct iov_iter it;

	long timeout = 0;

	iov_iter_kvec(&it, ITER_DEST, &kv, 1, sizeof(*v));
	return chan_ep_recv(ch, NULL, &it, &timeout, NULL);
}

static void chan_policy_run(struct kunit *test, u32 flags, u32 policy)
{
	struct chan *ch = chan_test_make(test, flags, policy, 4);
	u32 k, v, first;

	for (k = 0; k < 10; k++) {
		ssize_t r = chan_test_send(ch, k);

		if (k >= 4 && policy == CHAN_POLICY_FAIL)
			KUNIT_EXPECT_EQ(test, r, (ssize_t)-EAGAIN);
		else if (k >= 4 && policy == CHAN_POLICY_BLOCK)
			KUNIT_EXPECT_EQ(test, r, (ssize_t)-EAGAIN);
		else
			KUNIT_EXPECT_EQ(test, r, (ssize_t)4);
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&ch->dropped),
			policy == CHAN_POLICY_DROP_NEWEST ? 6LL : 0LL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ch->overwritten),
			policy == CHAN_POLICY_OVERWRITE ? 6LL : 0LL);
	first = policy == CHAN_POLICY_OVERWRITE ? 6 : 0;
	for (k = 0; k < 4; k++) {
		KUNIT_EXPECT_EQ(test, chan_test_recv(ch, &v), (ssize_t)4);
		KUNIT_EXPECT_EQ(test, v, first + k);
	}
	KUNIT_EXPECT_EQ(test, chan_test_recv(ch, &v), (ssize_t)-EAGAIN);
	chan_close_send(ch);
	KUNIT_EXPECT_EQ(test, chan_test_recv(ch, &v), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, chan_test_send(ch, 1), (ssize_t)-EPIPE);
	chan_test_free(ch);
}

static void chan_object_test_policies(struct kunit *test)
{
	static const u32 flags[] = {
		0, CHAN_SINGLE_PRODUCER, CHAN_SINGLE_CONSUMER,
		CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER,
	};
	unsigned int f;
	u32 p;

	for (f = 0; f < ARRAY_SIZE(flags); f++)
		for (p = CHAN_POLICY_BLOCK; p <= CHAN_POLICY_OVERWRITE; p++)
			chan_policy_run(test, flags[f], p);
}

static void chan_object_test_epipe_and_sizes(struct kunit *test)
{
	struct chan *ch = chan_test_make(test, 0, CHAN_POLICY_BLOCK, 2);
	char big[17] = { 0 };
	struct kvec kv = { big, sizeof(big) };
	struct iov_iter it;

	long timeout = 0;

	iov_iter_kvec(&it, ITER_SOURCE, &kv, 1, sizeof(big));
	KUNIT_EXPECT_EQ(test, chan_send_iter(ch, &it, &timeout),
			(ssize_t)-EMSGSIZE);
	chan_end_put(ch, CHAN_ROLE_RECV);
	KUNIT_EXPECT_EQ(test, chan_test_send(ch, 1), (ssize_t)-EPIPE);
	chan_end_get(ch, CHAN_ROLE_RECV);
	chan_test_free(ch);
}

static void chan_kind_test_oneshot(struct kunit *test)
{
	struct chan *ch = chan_test_make_kind(test, CHAN_KIND_ONESHOT, 0,
					      CHAN_POLICY_BLOCK, 1);
	u32 v;

	KUNIT_EXPECT_EQ(test, chan_test_send(ch, 7), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, chan_test_send(ch, 8), (ssize_t)-EALREADY);
	KUNIT_EXPECT_EQ(test, chan_test_recv(ch, &v), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, v, 7U);
	KUNIT_EXPECT_EQ(test, chan_test_recv(ch, &v), (ssize_t)0);
	chan_test_free(ch);
}

static void chan_kind_test_rendezvous(struct kunit *test)
{
	struct chan *ch = chan_test_make_kind(test, CHAN_KIND_RENDEZVOUS, 0,
					      CHAN_POLICY_BLOCK, 0);
	u32 v;

	KUNIT_EXPECT_EQ(test, ch->capacity, 0U);
	/* No receiver waiting: a non-blocking send queues nothing. */
	KUNIT_EXPECT_EQ(test, chan_test_send(ch, 1), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, chan_ring_depth(&ch->ring), 0U);
	KUNIT_EXPECT_EQ(test, chan_test_recv(ch, &v), (ssize_t)-EAGAIN);
	chan_test_free(ch);
}

static ssize_t chan_test_sub_recv(struct chan *ch, struct chan_ep *sub,
				  u32 *v)
{
	struct kvec kv = { v, sizeof(*v) };
	struct iov_iter it;

	long timeout = 0;

	iov_iter_kvec(&it, ITER_DEST, &kv, 1, sizeof(*v));
	return chan_ep_recv(ch, sub, &it, &timeout, NULL);
}

static void chan_kind_test_broadcast(struct kunit *test)
{
	struct chan *ch = chan_test_make_kind(test, CHAN_KIND_BROADCAST, 0,
					      CHAN_POLICY_OVERWRITE, 4);
	struct chan_ep fast_ep = { .ch = ch, .role = CHAN_ROLE_RECV };
	struct chan_ep slow_ep = { .ch = ch, .role = CHAN_ROLE_RECV };
	struct chan_ep *fast = &fast_ep, *slow = &slow_ep;
	u32 k, v;

	KUNIT_ASSERT_EQ(test, ch->ops->ep_open(fast), 0);
	KUNIT_ASSERT_EQ(test, ch->ops->ep_open(slow), 0);
	/* No plain receiver: only subscribers read a broadcast channel. */
	KUNIT_EXPECT_EQ(test, chan_test_recv(ch, &v), (ssize_t)-EINVAL);
	for (k = 0; k < 10; k++) {
		KUNIT_EXPECT_EQ(test, chan_test_send(ch, k), (ssize_t)4);
		KUNIT_EXPECT_EQ(test, chan_test_sub_recv(ch, fast, &v),
				(ssize_t)4);
		KUNIT_EXPECT_EQ(test, v, k);
	}
	KUNIT_EXPECT_EQ(test, chan_test_sub_recv(ch, slow, &v),
			(ssize_t)-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, ch->ops->lost(slow), 6ULL);
	KUNIT_EXPECT_EQ(test, ch->ops->lost(fast), 0ULL);
	for (k = 6; k < 10; k++) {
		KUNIT_EXPECT_EQ(test, chan_test_sub_recv(ch, slow, &v),
				(ssize_t)4);
		KUNIT_EXPECT_EQ(test, v, k);
	}
	KUNIT_EXPECT_EQ(test, chan_test_sub_recv(ch, slow, &v),
			(ssize_t)-EAGAIN);
	chan_close_send(ch);
	KUNIT_EXPECT_EQ(test, chan_test_sub_recv(ch, slow, &v), (ssize_t)0);
	ch->ops->ep_release(fast);
	ch->ops->ep_release(slow);
	chan_test_free(ch);
}

static void chan_kind_test_reqrep(struct kunit *test)
{
	struct chan *ch = chan_test_make_kind(test, CHAN_KIND_REQREP, 0,
					      CHAN_POLICY_BLOCK, 4);
	u32 v;

	KUNIT_EXPECT_EQ(test, chan_test_send(ch, 1), (ssize_t)-EINVAL);
	KUNIT_EXPECT_EQ(test, chan_test_recv(ch, &v), (ssize_t)-EINVAL);
	KUNIT_EXPECT_EQ(test, ch->ops->reply(ch, 1, NULL, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, ch->ops->reply(ch, 1ULL << 32 | 1, NULL, 0),
			-ENOENT);
	chan_test_free(ch);
}

#ifdef CHAN_DEBUG
/* One kernel receiver of the C1 case: chan_krecv() until end of stream. */
struct c1_krecv {
	struct chan *ch;
	struct completion done;
	int msgs;
	ssize_t last;
};

static int c1_krecv_fn(void *arg)
{
	struct c1_krecv *k = arg;
	u32 v;

	for (;;) {
		k->last = chan_krecv(k->ch, &v, sizeof(v), 5 * HZ);
		if (k->last <= 0)
			break;
		k->msgs++;
	}
	complete_all(&k->done);
	return 0;
}

struct c1_ksend {
	struct chan *ch;
	struct completion done;
	ssize_t ret;
};

static int c1_ksend_fn(void *arg)
{
	struct c1_ksend *k = arg;
	u32 v = 42;

	/* Hold this send between its claim and its copy for 200 ms. */
	chan_delay_arm(CHAN_DP_COPY, 200000, task_pid_nr(current), 1);
	k->ret = chan_ksend(k->ch, &v, sizeof(v), MAX_SCHEDULE_TIMEOUT);
	complete_all(&k->done);
	return 0;
}

/*
 * C1 through the kernel API: three kernel receivers sleep in chan_krecv()
 * with a timeout, a kernel send is in flight when the channel is closed.
 * All three must return well before their 5 s timeout: one with the
 * message, then all with end of stream.
 */
static void chan_kind_test_c1_krecv(struct kunit *test)
{
	struct chan *ch = chan_test_make(test, 0, CHAN_POLICY_BLOCK, 4);
	struct c1_krecv r[3] = {};
	struct c1_ksend s = { .ch = ch };
	int k, msgs = 0, slept;

	init_completion(&s.done);
	for (k = 0; k < 3; k++) {
		r[k].ch = ch;
		init_completion(&r[k].done);
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(c1_krecv_fn, &r[k],
							    "chan-c1-r%d", k)));
	}
	for (slept = 0; slept < 5000 && atomic_read(&ch->recv_waiters) < 3;
	     slept++)
		usleep_range(1000, 2000);
	KUNIT_ASSERT_EQ(test, atomic_read(&ch->recv_waiters), 3);
	msleep(20);		/* past their spin: asleep */
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(c1_ksend_fn, &s,
						    "chan-c1-s")));
	for (slept = 0; slept < 3000 && !chan_delay_hits(CHAN_DP_COPY);
	     slept++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, chan_delay_hits(CHAN_DP_COPY), 1ULL);
	chan_close_send(ch);
	for (k = 0; k < 3; k++) {
		KUNIT_EXPECT_GT_MSG(test, wait_for_completion_timeout(&r[k].done,
								      2 * HZ),
				    0UL, "receiver %d still blocked", k);
	}
	wait_for_completion(&s.done);
	KUNIT_EXPECT_EQ(test, s.ret, (ssize_t)sizeof(u32));
	for (k = 0; k < 3; k++) {
		/* A receiver the bug stranded times out: wait for it. */
		wait_for_completion(&r[k].done);
		KUNIT_EXPECT_EQ(test, r[k].last, (ssize_t)0);
		msgs += r[k].msgs;
	}
	KUNIT_EXPECT_EQ(test, msgs, 1);
	chan_delay_arm(CHAN_DP_COPY, 0, 0, 0);
	chan_test_free(ch);
}
#else
static void chan_kind_test_c1_krecv(struct kunit *test)
{
	kunit_skip(test, "needs a CHAN_DEBUG=y module to hold the window");
}
#endif

/* F17: the last reference may go inside an RCU read-side section. */
static void chan_object_test_put_under_rcu(struct kunit *test)
{
	struct chan *ch = chan_test_make(test, 0, CHAN_POLICY_BLOCK, 2);

	chan_end_put(ch, CHAN_ROLE_SEND);
	chan_end_put(ch, CHAN_ROLE_RECV);
	rcu_read_lock();
	chan_put(ch);		/* may not sleep here: freed by a worker */
	rcu_read_unlock();
}

/* F10, F17: kernel names are kernel channels', given once. */
static void chan_object_test_kernel_names(struct kunit *test)
{
	struct chan *k = chan_kcreate(0, CHAN_POLICY_BLOCK, 2, 16);
	struct chan *u = chan_test_make(test, 0, CHAN_POLICY_BLOCK, 2);
	struct chan *found;

	KUNIT_ASSERT_FALSE(test, IS_ERR(k));
	KUNIT_EXPECT_EQ(test, chan_kname(k, "no-prefix"), -EINVAL);
	KUNIT_EXPECT_EQ(test, chan_kname(u, CHAN_KERNEL_PREFIX "user"), -EINVAL);
	KUNIT_EXPECT_EQ(test, chan_kname(k, CHAN_KERNEL_PREFIX "kunit"), 0);
	KUNIT_EXPECT_EQ(test, chan_kname(k, CHAN_KERNEL_PREFIX "again"), -EBUSY);
	/* A user's channel under a name never reaches kernel lookups. */
	KUNIT_EXPECT_EQ(test, chan_name_add(u, "kunit.user"), 0);
	KUNIT_EXPECT_NULL(test, chan_klookup("kunit.user"));
	found = chan_klookup(CHAN_KERNEL_PREFIX "kunit");
	KUNIT_EXPECT_PTR_EQ(test, found, k);
	if (found)
		chan_put(found);
	chan_kunlink(k);
	chan_kunlink(k);	/* twice is nothing */
	KUNIT_EXPECT_NULL(test, chan_klookup(CHAN_KERNEL_PREFIX "kunit"));
	chan_name_del(u);
	chan_put(k);
	chan_test_free(u);
}

static struct kunit_case chan_object_cases[] = {
	KUNIT_CASE(chan_object_test_policies),
	KUNIT_CASE(chan_object_test_epipe_and_sizes),
	KUNIT_CASE(chan_kind_test_oneshot),
	KUNIT_CASE(chan_kind_test_rendezvous),
	KUNIT_CASE(chan_kind_test_broadcast),
	KUNIT_CASE(chan_kind_test_reqrep),
	KUNIT_CASE(chan_kind_test_c1_krecv),
	KUNIT_CASE(chan_object_test_put_under_rcu),
	KUNIT_CASE(chan_object_test_kernel_names),
	{}
};

static struct kunit_suite chan_object_suite = {
	.name = "chan_object",
	.test_cases = chan_object_cases,
};

kunit_test_suites(&chan_ring_suite, &chan_object_suite);
