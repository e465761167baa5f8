// SPDX-License-Identifier: GPL-2.0
/*
 * The concurrency review's findings (C1, C2, C7, C9, C10, C11, S1, S2),
 * one test each, named for the finding.  On a module built with
 * CHAN_DEBUG=y the race window of each is held open with a delay point
 * (kmod/debug.h), so that the interleaving the finding describes happens
 * every time; elsewhere the same steps run without the window and only
 * check what must hold whatever the timing.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "chan_test.h"
#include "race.h"

#define MSG	1000		/* bytes per test message */
#define NRECV	3		/* sleeping receivers */

/* The kinds whose receivers sleep on the queue (C1). */
FIXTURE(c1) {
	int dev, rfd, sfd;
	int sub[NRECV];		/* broadcast: a subscriber per receiver */
};

FIXTURE_VARIANT(c1) {
	uint32_t kind;
	uint32_t flags;
	enum op_kind recv;	/* how receivers receive */
	enum op_kind send;	/* how the sender sends */
};

FIXTURE_VARIANT_ADD(c1, queue_read) {
	.kind = CHAN_KIND_QUEUE, .recv = OP_READ, .send = OP_WRITE,
};

FIXTURE_VARIANT_ADD(c1, queue_recv_batch) {
	.kind = CHAN_KIND_QUEUE, .recv = OP_RECVB, .send = OP_SENDB,
};

FIXTURE_VARIANT_ADD(c1, queue_single_producer) {
	.kind = CHAN_KIND_QUEUE, .flags = CHAN_SINGLE_PRODUCER,
	.recv = OP_READ, .send = OP_WRITE,
};

FIXTURE_VARIANT_ADD(c1, rendezvous_read) {
	.kind = CHAN_KIND_RENDEZVOUS, .recv = OP_READ, .send = OP_WRITE,
};

FIXTURE_VARIANT_ADD(c1, oneshot_read) {
	.kind = CHAN_KIND_ONESHOT, .recv = OP_READ, .send = OP_WRITE,
};

FIXTURE_VARIANT_ADD(c1, reqrep_servers) {
	.kind = CHAN_KIND_REQREP, .recv = OP_SERVE, .send = OP_CALL,
};

FIXTURE_VARIANT_ADD(c1, broadcast_read) {
	.kind = CHAN_KIND_BROADCAST, .recv = OP_READ, .send = OP_WRITE,
};

FIXTURE_SETUP(c1)
{
	uint32_t cap = variant->kind == CHAN_KIND_RENDEZVOUS ? 0 :
		       variant->kind == CHAN_KIND_ONESHOT ? 1 : 4;
	int k;

	dp_reset();
	self->dev = chan_dev_open();
	ASSERT_GE(self->dev, 0);
	ASSERT_EQ(chan_make_full(self->dev, variant->kind, variant->flags,
				 CHAN_POLICY_BLOCK, cap, OP_MSG_MAX, NULL, 0,
				 &self->rfd, &self->sfd), 0);
	for (k = 0; k < NRECV; k++) {
		self->sub[k] = self->rfd;
		if (variant->kind == CHAN_KIND_BROADCAST)
			self->sub[k] = ioctl(self->rfd, CHAN_IOC_SUBSCRIBE, 0);
		ASSERT_GE(self->sub[k], 0);
	}
}

FIXTURE_TEARDOWN(c1)
{
	dp_reset();
}

/*
 * Three receivers sleep; a send is held in the window @dp (its buffer
 * unmapped there if @unmap); the channel is closed meanwhile.  Every
 * receiver must come back within 3 s: with the message once (every
 * subscriber of a broadcast, one receiver otherwise) if @delivered, then
 * with end of stream; the sender with @send_ret/@send_err.  Without delay
 * points the close races the send freely: either may win, and what was
 * delivered must match what the sender was told.
 */
static void c1_run(struct __test_metadata *_metadata,
		   FIXTURE_DATA(c1) *self, const FIXTURE_VARIANT(c1) *variant,
		   const char *dp, int unmap, int delivered, ssize_t send_ret,
		   int send_err)
{
	struct op r[NRECV] = {}, s = {};
	int k, total = 0, bcast = variant->kind == CHAN_KIND_BROADCAST;
	char *buf;

	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(buf, MAP_FAILED);
	pattern(buf, MSG, 7);
	for (k = 0; k < NRECV; k++) {
		r[k].kind = variant->recv;
		r[k].fd = self->sub[k];
		r[k].timeout_ns = CHAN_TIMEOUT_INFINITE;
		ASSERT_EQ(op_start(&r[k]), 0);
	}
	ASSERT_TRUE(wait_waiters(self->rfd, 1, NRECV));
	ASSERT_TRUE(ops_asleep(r, NRECV));

	s.kind = variant->send;
	s.fd = self->sfd;
	s.buf = buf;
	s.len = MSG;
	s.timeout_ns = CHAN_TIMEOUT_INFINITE;
	s.dp = dp;
	s.dp_us = 300000;
	s.dp_count = 1;
	ASSERT_EQ(op_start(&s), 0);
	ASSERT_TRUE(dp_wait(dp, 1, 3000));
	if (unmap)
		ASSERT_EQ(munmap(buf, 4096), 0);
	ASSERT_EQ(ioctl(self->sfd, CHAN_IOC_CLOSE), 0);

	EXPECT_EQ(op_wait(r, NRECV, 3000), NRECV) {
		for (k = 0; k < NRECV; k++)
			if (!r[k].done)
				TH_LOG("receiver %d still blocked after the close",
				       k);
	}
	EXPECT_EQ(op_wait(&s, 1, 3000), 1);
	if (dp_have()) {
		EXPECT_EQ(dp_hits(dp), 1);
	} else if (s.done) {
		/* Whoever won, the sender's answer says what happened. */
		delivered = s.ret == MSG;
		send_ret = s.ret;
		if (s.ret < 0)
			EXPECT_TRUE(s.err == EPIPE || (unmap && s.err == EFAULT));
		send_err = s.err;
	}
	for (k = 0; k < NRECV; k++) {
		if (!r[k].done)
			continue;
		EXPECT_EQ(r[k].ret, 0) {
			TH_LOG("receiver %d: %zd (%s)", k, r[k].ret,
			       strerror(r[k].err));
		}
		if (r[k].msgs) {
			EXPECT_EQ(r[k].last_len, MSG);
			if (!unmap)
				EXPECT_EQ(memcmp(r[k].data, buf, MSG), 0);
		}
		if (bcast)
			EXPECT_EQ(r[k].msgs, delivered);
		total += r[k].msgs;
	}
	if (!bcast)
		EXPECT_EQ(total, delivered);
	if (s.done) {
		EXPECT_EQ(s.ret, send_ret);
		if (send_ret < 0)
			EXPECT_EQ(s.err, send_err);
	}
	op_join(r, NRECV);
	op_join(&s, 1);
	if (!unmap)
		munmap(buf, 4096);
}

/* C1: the close meets a send that has copied nothing yet and publishes. */
TEST_F_TIMEOUT(c1, c1_close_while_a_send_is_in_flight, 60)
{
	c1_run(_metadata, self, variant, "copy", 0, 1, MSG, 0);
}

/* C1: the send sees the close after its claim and leaves a tombstone. */
TEST_F_TIMEOUT(c1, c1_close_after_a_claim_aborts_it, 60)
{
	c1_run(_metadata, self, variant, "claim", 0, 0, -1, EPIPE);
}

/* C1: the sender's buffer goes away in flight (EFAULT) as the close comes. */
TEST_F_TIMEOUT(c1, c1_close_and_a_send_that_faults, 60)
{
	c1_run(_metadata, self, variant, "copy", 1, 0, -1, EFAULT);
}

/*
 * C2, blocking form: a receiver that queued itself after two messages
 * were published reads the head index; another receiver retires the
 * first message before the sleeper looks at that slot.  The sleeper must
 * see the second message, not sleep with it queued.
 */
TEST(c2_stale_head_in_the_receive_predicate)
{
	struct op r = { .kind = OP_READ, .once = 1 };
	int dev, rfd, sfd, r2;
	char m[8], got[8];

	dp_reset();
	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make(dev, 0, CHAN_POLICY_BLOCK, 4, 8, NULL, 0, &rfd,
			    &sfd), 0);
	r2 = dup(rfd);
	ASSERT_GE(r2, 0);
	r.fd = rfd;
	r.dp = "pre_sleep";
	r.dp_us = 300000;
	r.dp_count = 1;
	ASSERT_EQ(op_start(&r), 0);
	ASSERT_TRUE(dp_wait("pre_sleep", 1, 3000));
	/* Both published while the receiver is not on the queue yet. */
	memcpy(m, "first..", 8);
	ASSERT_EQ(write(sfd, m, 8), 8);
	memcpy(m, "second.", 8);
	ASSERT_EQ(write(sfd, m, 8), 8);
	if (dp_have()) {
		/* The next look at the ring stops between index and slot. */
		ASSERT_EQ(dp_arm("ready", 300000, r.tid, 1), 0);
		ASSERT_TRUE(dp_wait("ready", 1, 3000));
		ASSERT_EQ(read(r2, got, sizeof(got)), 8);
		EXPECT_EQ(memcmp(got, "first..", 8), 0);
	}
	EXPECT_EQ(op_wait(&r, 1, 3000), 1) {
		TH_LOG("the receiver sleeps with a message queued");
	}
	if (r.done) {
		EXPECT_EQ(r.ret, 8);
		EXPECT_EQ(memcmp(r.data, dp_have() ? "second." : "first..", 8),
			  0);
	}
	op_join(&r, 1);
	dp_reset();
	close(r2);
	close(rfd);
	close(sfd);
	close(dev);
}

/*
 * C2, epoll form: both messages are queued before epoll_wait() scans the
 * ready list; the first is retired between the poll's look at the index
 * and at the slot.  The second must still be reported.
 */
struct c2_epoll {
	int ep;
	pid_t tid;
	int n;
	volatile int done;
};

static void *c2_epoll_thread(void *arg)
{
	struct c2_epoll *e = arg;
	struct epoll_event ev;

	e->tid = tid_self();
	dp_arm("ready", 300000, e->tid, 1);
	__atomic_store_n(&e->done, 1, __ATOMIC_RELEASE);
	e->n = epoll_wait(e->ep, &ev, 1, 3000);
	__atomic_store_n(&e->done, 2, __ATOMIC_RELEASE);
	return NULL;
}

TEST(c2_stale_head_in_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct c2_epoll e = {};
	int dev, rfd, sfd, r2;
	char got[8];
	pthread_t th;

	dp_reset();
	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make(dev, CHAN_NONBLOCK, CHAN_POLICY_BLOCK, 4, 8, NULL,
			    0, &rfd, &sfd), 0);
	r2 = dup(rfd);
	e.ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(e.ep, 0);
	ASSERT_EQ(epoll_ctl(e.ep, EPOLL_CTL_ADD, rfd, &ev), 0);
	ASSERT_EQ(write(sfd, "first..", 8), 8);
	ASSERT_EQ(write(sfd, "second.", 8), 8);
	ASSERT_EQ(pthread_create(&th, NULL, c2_epoll_thread, &e), 0);
	if (dp_have()) {
		ASSERT_TRUE(dp_wait("ready", 1, 3000));
		ASSERT_EQ(read(r2, got, sizeof(got)), 8);
	}
	pthread_join(th, NULL);
	EXPECT_EQ(e.n, 1) {
		TH_LOG("epoll lost EPOLLIN with a message queued");
	}
	dp_reset();
	close(e.ep);
	close(r2);
	close(rfd);
	close(sfd);
	close(dev);
}

/*
 * C2, send side: a sender queued itself on a full ring after room was
 * made; it reads the tail, another producer takes that slot, and the
 * sender must still find the next free one.
 */
TEST(c2_stale_tail_in_the_send_predicate)
{
	struct op s = { .kind = OP_WRITE };
	int dev, rfd, sfd;
	char got[8];

	dp_reset();
	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make(dev, 0, CHAN_POLICY_BLOCK, 2, 8, NULL, 0, &rfd,
			    &sfd), 0);
	ASSERT_EQ(write(sfd, "m0.....", 8), 8);
	ASSERT_EQ(write(sfd, "m1.....", 8), 8);
	s.fd = sfd;
	s.buf = "late...";
	s.len = 8;
	s.dp = "pre_sleep";
	s.dp_us = 300000;
	s.dp_count = 1;
	ASSERT_EQ(op_start(&s), 0);
	ASSERT_TRUE(dp_wait("pre_sleep", 1, 3000));
	/* Room for two, made while the sender is not queued. */
	ASSERT_EQ(read(rfd, got, 8), 8);
	ASSERT_EQ(read(rfd, got, 8), 8);
	if (dp_have()) {
		ASSERT_EQ(dp_arm("ready", 300000, s.tid, 1), 0);
		ASSERT_TRUE(dp_wait("ready", 1, 3000));
		/* Another producer takes the slot the sender looks at. */
		ASSERT_EQ(write(sfd, "other..", 8), 8);
	}
	EXPECT_EQ(op_wait(&s, 1, 3000), 1) {
		TH_LOG("the sender sleeps with room in the ring");
	}
	EXPECT_EQ(s.ret, 8);
	op_join(&s, 1);
	dp_reset();
	close(rfd);
	close(sfd);
	close(dev);
}

/*
 * C7: a caller whose server has claimed the call and is slow to copy the
 * reply (held 3 s in the window) must still die at once when killed.
 */
TEST(c7_caller_killable_while_the_server_replies)
{
	struct op srv = { .kind = OP_SERVE, .once = 1 };
	int dev, rfd, sfd, status;
	long long t0, t;
	pid_t pid;
	char buf[64];

	dp_reset();
	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make_full(dev, CHAN_KIND_REQREP, 0, CHAN_POLICY_BLOCK,
				 4, 64, NULL, 0, &rfd, &sfd), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		op_call(sfd, "ping", 4, buf, sizeof(buf),
			CHAN_TIMEOUT_INFINITE);
		_exit(0);
	}
	srv.fd = rfd;
	srv.timeout_ns = CHAN_TIMEOUT_INFINITE;
	srv.dp = "reply";
	srv.dp_us = 3000000;
	srv.dp_count = 1;
	ASSERT_EQ(op_start(&srv), 0);
	if (!dp_have()) {
		/* No window to hold: the call simply completes. */
		ASSERT_EQ(waitpid(pid, &status, 0), pid);
		op_wait(&srv, 1, 3000);
		op_join(&srv, 1);
		goto out;
	}
	ASSERT_TRUE(dp_wait("reply", 1, 3000));
	usleep(100000);		/* the caller now waits for the copy */
	t0 = now_ms();
	ASSERT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	t = now_ms() - t0;
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_LT(t, 1000) {
		TH_LOG("the killed caller took %lld ms to die", t);
	}
	/* The server's reply finds its caller gone, and nothing breaks. */
	EXPECT_EQ(op_wait(&srv, 1, 5000), 1);
	op_join(&srv, 1);
out:
	dp_reset();
	close(rfd);
	close(sfd);
	close(dev);
}

/*
 * C9: a single-producer rendezvous sender that gave up takes its message
 * back and uncounts it while the next sender's count of its own message
 * is half done.  Both counts must survive: one message sent, one received.
 */
TEST(c9_withdraw_and_the_next_send_both_count)
{
	struct op s1 = { .kind = OP_SENDB }, s2 = { .kind = OP_WRITE };
	struct chan_info info;
	int dev, rfd, sfd;
	char got[8];

	dp_reset();
	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make_full(dev, CHAN_KIND_RENDEZVOUS,
				 CHAN_SINGLE_PRODUCER, CHAN_POLICY_BLOCK, 0, 8,
				 NULL, 0, &rfd, &sfd), 0);
	s1.fd = sfd;
	s1.buf = "first..";
	s1.len = 8;
	s1.timeout_ns = 50000000;	/* nobody takes it: withdrawn */
	s1.dp = "withdraw";
	s1.dp_us = 300000;
	s1.dp_count = 1;
	ASSERT_EQ(op_start(&s1), 0);
	if (dp_have()) {
		ASSERT_TRUE(dp_wait("withdraw", 1, 3000));
		/* The next sender counts its message across s1's uncount. */
		s2.dp = "count";
		s2.dp_us = 600000;
		s2.dp_count = 1;
	} else {
		op_wait(&s1, 1, 3000);
	}
	s2.fd = sfd;
	s2.buf = "second.";
	s2.len = 8;
	ASSERT_EQ(op_start(&s2), 0);
	ASSERT_EQ(read(rfd, got, 8), 8);
	EXPECT_EQ(memcmp(got, "second.", 8), 0);
	ASSERT_EQ(op_wait(&s1, 1, 5000), 1);
	ASSERT_EQ(op_wait(&s2, 1, 5000), 1);
	EXPECT_EQ(s1.ret, -1);
	EXPECT_EQ(s1.err, ETIMEDOUT);
	EXPECT_EQ(s2.ret, 8);
	ASSERT_EQ(chan_info_get(sfd, &info), 0);
	EXPECT_EQ(info.sent, 1);
	EXPECT_EQ(info.received, 1);
	op_join(&s1, 1);
	op_join(&s2, 1);
	dp_reset();
	close(rfd);
	close(sfd);
	close(dev);
}

/*
 * C10: under CHAN_POLICY_FAIL, EPOLLOUT means a send would not fail for
 * lack of room, and a sender waiting for room with edge-triggered epoll
 * hears of it; the other policies never fail for room and are always
 * writable.
 */
static void c10_run(struct __test_metadata *_metadata, uint32_t kind)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET };
	int dev, rfd, sfd, ep, k, n;
	struct pollfd p;
	char got[8];

	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make_full(dev, kind, CHAN_NONBLOCK, CHAN_POLICY_FAIL, 2,
				 8, NULL, 0, &rfd, &sfd), 0);
	for (k = 0; k < 2; k++)
		ASSERT_EQ(write(sfd, "x......", 8), 8);
	ASSERT_EQ(write(sfd, "x......", 8), -1);
	ASSERT_EQ(errno, EAGAIN);
	p.fd = sfd;
	p.events = POLLOUT;
	EXPECT_EQ(poll(&p, 1, 0), 0) {
		TH_LOG("a full FAIL channel reports POLLOUT");
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev), 0);
	EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
	ASSERT_EQ(read(rfd, got, 8), 8);
	n = epoll_wait(ep, &ev, 1, 1000);
	EXPECT_EQ(n, 1) {
		TH_LOG("room made on a FAIL channel wakes no EPOLLOUT");
	}
	if (n == 1)
		EXPECT_TRUE(ev.events & EPOLLOUT);
	EXPECT_EQ(write(sfd, "y......", 8), 8);
	close(ep);
	close(rfd);
	close(sfd);
	close(dev);
}

TEST(c10_fail_policy_epollout_means_room_queue)
{
	c10_run(_metadata, CHAN_KIND_QUEUE);
}

TEST(c10_fail_policy_epollout_means_room_broadcast)
{
	c10_run(_metadata, CHAN_KIND_BROADCAST);
}

TEST(c10_dropping_policies_are_always_writable)
{
	static const uint32_t pol[] = {
		CHAN_POLICY_DROP_NEWEST, CHAN_POLICY_OVERWRITE,
	};
	int dev, rfd, sfd, k, i;
	struct pollfd p;

	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(chan_make(dev, CHAN_NONBLOCK, pol[i], 2, 8, NULL, 0,
				    &rfd, &sfd), 0);
		for (k = 0; k < 3; k++)
			ASSERT_EQ(write(sfd, "x......", 8), 8);
		p.fd = sfd;
		p.events = POLLOUT;
		EXPECT_EQ(poll(&p, 1, 0), 1);
		EXPECT_TRUE(p.revents & POLLOUT);
		close(rfd);
		close(sfd);
	}
	close(dev);
}

/*
 * C11: with the chan_send tracepoint off, a broadcast send walks no
 * subscriber list unless the ring looks full.  The walk is a delay point,
 * so its hits count the walks.
 */
TEST(c11_broadcast_send_untraced_walks_no_subscribers)
{
	int dev, rfd, sfd, sub[8], k;
	char buf[8] = "m......";

	if (!dp_have())
		SKIP(return, "needs a CHAN_DEBUG=y module to count the walks");
	dp_reset();
	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make_full(dev, CHAN_KIND_BROADCAST, 0,
				 CHAN_POLICY_BLOCK, 256, 8, NULL, 0, &rfd,
				 &sfd), 0);
	for (k = 0; k < 8; k++)
		ASSERT_GE(sub[k] = ioctl(rfd, CHAN_IOC_SUBSCRIBE, 0), 0);
	ASSERT_EQ(dp_arm("bcast_walk", 1, tid_self(), 0), 0);
	for (k = 0; k < 100; k++)
		ASSERT_EQ(write(sfd, buf, 8), 8);
	EXPECT_EQ(dp_hits("bcast_walk"), 0);
	dp_reset();
	for (k = 0; k < 8; k++)
		close(sub[k]);
	close(rfd);
	close(sfd);
	close(dev);
}

/*
 * S1: an overwriting sender whose every retry loses the freed slot to
 * another producer gives up after a bounded number of attempts instead of
 * looping while the flood lasts; every message is still accounted for:
 * sent == received + overwritten + depth.
 */
struct flood {
	int fd;
	volatile int stop;
	long sent;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;
	char m[8] = "flood..";

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
		if (write(f->fd, m, 8) == 8)
			f->sent++;
	return NULL;
}

TEST(s1_overwrite_retries_are_bounded)
{
	struct op s = { .kind = OP_WRITE };
	struct flood f = {};
	struct chan_info info;
	int dev, rfd, sfd, done, k;
	pthread_t th;

	if (!dp_have())
		SKIP(return, "needs a CHAN_DEBUG=y module to hold the retry open");
	dp_reset();
	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	/* Room for 4: the oldest is never the slot the flood is writing. */
	ASSERT_EQ(chan_make(dev, 0, CHAN_POLICY_OVERWRITE, 4, 8, NULL, 0,
			    &rfd, &sfd), 0);
	for (k = 0; k < 4; k++)
		ASSERT_EQ(write(sfd, "first..", 8), 8);
	f.fd = sfd;
	ASSERT_EQ(pthread_create(&th, NULL, flood_thread, &f), 0);
	s.fd = sfd;
	s.buf = "mine...";
	s.len = 8;
	s.dp = "overwrite";
	s.dp_us = 2000;
	ASSERT_EQ(op_start(&s), 0);
	done = op_wait(&s, 1, 3000);
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	EXPECT_EQ(done, 1) {
		TH_LOG("the overwriting sender still loops after 3 s");
	}
	op_wait(&s, 1, 3000);
	EXPECT_EQ(s.ret, 8);
	op_join(&s, 1);
	ASSERT_EQ(chan_info_get(sfd, &info), 0);
	EXPECT_EQ(info.sent, f.sent + 5);
	EXPECT_EQ(info.sent, info.received + info.overwritten + info.depth);
	EXPECT_EQ(info.dropped, 0);
	dp_reset();
	close(rfd);
	close(sfd);
	close(dev);
}

/*
 * S2: a multi-consumer receiver never sleeps between copying a message
 * and claiming it; one whose buffer must be faulted in (here: a fresh
 * mapping) faults it in first and still gets exactly the next message,
 * while another receiver goes on.
 */
TEST(s2_a_receiver_faults_in_before_it_claims)
{
	int dev, rfd, sfd, k;
	char *buf, m[64], got[64];

	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make(dev, CHAN_NONBLOCK, CHAN_POLICY_BLOCK, 8, 64, NULL,
			    0, &rfd, &sfd), 0);
	for (k = 0; k < 8; k++) {
		pattern(m, 64, k);
		ASSERT_EQ(write(sfd, m, 64), 64);
	}
	for (k = 0; k < 8; k++) {
		/* Every other message lands in memory not yet faulted in. */
		buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(buf, MAP_FAILED);
		ASSERT_EQ(read(rfd, k & 1 ? buf + 4000 : got, 64), 64);
		pattern(m, 64, k);
		EXPECT_EQ(memcmp(k & 1 ? buf + 4000 : got, m, 64), 0);
		munmap(buf, 4096);
	}
	EXPECT_EQ(read(rfd, got, 64), -1);
	EXPECT_EQ(errno, EAGAIN);
	close(rfd);
	close(sfd);
	close(dev);
}

/*
 * B1: the last subscriber of a broadcast channel closes while senders are
 * blocked on its full ring.  Its end is counted out before its cursor
 * goes (the going wakes the senders), so every woken sender finds no
 * receiver and fails with EPIPE; none may find "no subscriber to wait
 * for" first and report its message sent.  The window between the two
 * steps is held open for the closing task.  With the two swapped, as
 * before 296dbe8, this test fails: the senders return 8.
 */
TEST(b1_last_subscriber_gone_fails_every_blocked_sender)
{
	struct op s[3];
	int dev, rfd, sfd, k, done;

	if (!dp_have())
		SKIP(return, "needs a CHAN_DEBUG=y module to hold the window open");
	dp_reset();
	dev = chan_dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_EQ(chan_make_full(dev, CHAN_KIND_BROADCAST, 0, CHAN_POLICY_BLOCK,
				 1, 8, NULL, 0, &rfd, &sfd), 0);
	ASSERT_EQ(write(sfd, "full...", 8), 8);	/* the subscriber lags */
	memset(s, 0, sizeof(s));
	for (k = 0; k < 3; k++) {
		s[k].kind = OP_WRITE;
		s[k].fd = sfd;
		s[k].buf = "late...";
		s[k].len = 8;
		ASSERT_EQ(op_start(&s[k]), 0);
	}
	ASSERT_TRUE(wait_waiters(sfd, 0, 3));
	ASSERT_EQ(dp_arm("release", 200000, tid_self(), 1), 0);
	ASSERT_EQ(close(rfd), 0);
	EXPECT_EQ(dp_hits("release"), 1);
	done = op_wait(s, 3, 5000);
	EXPECT_EQ(done, 3);
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(s[k].ret, -1) {
			TH_LOG("sender %d: %zd, not EPIPE", k, s[k].ret);
		}
		EXPECT_EQ(s[k].err, EPIPE);
	}
	op_join(s, 3);
	dp_reset();
	close(sfd);
	close(dev);
}

TEST_HARNESS_MAIN
