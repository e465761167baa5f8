// SPDX-License-Identifier: GPL-2.0
/*
 * Every kind through every transition its waiters must see: three
 * receivers asleep when the channel is closed with a send in flight, when
 * the last sender goes, when a claimed send aborts, when their timeouts
 * expire or a signal comes while a message is on its way; three senders
 * asleep when the last receiver goes, when the channel is closed, when
 * their timeouts expire (a rendezvous sender then withdraws its message)
 * or a signal comes.  Every waiter must return with the documented result
 * within seconds, and the messages must add up exactly: what the waiters
 * got plus what is left equals what was sent successfully.  With a
 * CHAN_DEBUG=y module the send in flight is held in its window (see
 * race.h); elsewhere the same steps race freely.
 */
#include <poll.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "chan_test.h"
#include "race.h"

#define MSG	200
#define N	3

static void on_usr1(int sig)
{
	(void)sig;
}

/* SIGUSR1 interrupts blocking calls: no SA_RESTART. */
static void usr1_interrupts(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* Messages left for a non-blocking receive on @fd (serving calls). */
static int drain(int fd, int reqrep)
{
	char buf[OP_MSG_MAX];
	uint64_t id;
	ssize_t r;
	int n = 0;

	while ((r = op_recv_batch(fd, buf, sizeof(buf), 0, &id)) > 0) {
		if (reqrep)
			op_reply(fd, id, buf, r);
		n++;
	}
	return n;
}

/* ---- three sleeping receivers ---- */

FIXTURE(rx) {
	int dev, rfd, sfd;
	int fd[N];
	struct op r[N];
	int once;		/* receivers make one call only */
	char *buf;
};

FIXTURE_VARIANT(rx) {
	uint32_t kind;
	uint32_t flags;
	enum op_kind recv;
	enum op_kind send;
};

FIXTURE_VARIANT_ADD(rx, queue) {
	.kind = CHAN_KIND_QUEUE, .recv = OP_READ, .send = OP_WRITE,
};

FIXTURE_VARIANT_ADD(rx, queue_single_producer) {
	.kind = CHAN_KIND_QUEUE, .flags = CHAN_SINGLE_PRODUCER,
	.recv = OP_RECVB, .send = OP_SENDB,
};

FIXTURE_VARIANT_ADD(rx, oneshot) {
	.kind = CHAN_KIND_ONESHOT, .recv = OP_READ, .send = OP_WRITE,
};

FIXTURE_VARIANT_ADD(rx, rendezvous) {
	.kind = CHAN_KIND_RENDEZVOUS, .recv = OP_RECVB, .send = OP_WRITE,
};

FIXTURE_VARIANT_ADD(rx, broadcast) {
	.kind = CHAN_KIND_BROADCAST, .recv = OP_READ, .send = OP_WRITE,
};

FIXTURE_VARIANT_ADD(rx, reqrep) {
	.kind = CHAN_KIND_REQREP, .recv = OP_SERVE, .send = OP_CALL,
};

FIXTURE_SETUP(rx)
{
	uint32_t cap = variant->kind == CHAN_KIND_RENDEZVOUS ? 0 :
		       variant->kind == CHAN_KIND_ONESHOT ? 1 : 4;
	int k;

	dp_reset();
	usr1_interrupts();
	self->dev = chan_dev_open();
	ASSERT_GE(self->dev, 0);
	ASSERT_EQ(chan_make_full(self->dev, variant->kind, variant->flags,
				 CHAN_POLICY_BLOCK, cap, OP_MSG_MAX, NULL, 0,
				 &self->rfd, &self->sfd), 0);
	self->buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(self->buf, MAP_FAILED);
	pattern(self->buf, MSG, 3);
	for (k = 0; k < N; k++) {
		self->fd[k] = self->rfd;
		if (variant->kind == CHAN_KIND_BROADCAST)
			self->fd[k] = ioctl(self->rfd, CHAN_IOC_SUBSCRIBE, 0);
		ASSERT_GE(self->fd[k], 0);
	}
}

FIXTURE_TEARDOWN(rx)
{
	dp_reset();
}

/*
 * Start the receivers and let them sleep; with a timeout @ns they receive
 * by CHAN_IOC_RECV_BATCH (read() has none).
 */
static void rx_start(struct __test_metadata *_metadata, FIXTURE_DATA(rx) *self,
		     const FIXTURE_VARIANT(rx) *variant, uint64_t ns)
{
	int k;

	for (k = 0; k < N; k++) {
		memset(&self->r[k], 0, sizeof(self->r[k]));
		self->r[k].kind = variant->recv;
		if (ns != CHAN_TIMEOUT_INFINITE && variant->recv == OP_READ)
			self->r[k].kind = OP_RECVB;
		self->r[k].once = self->once;
		self->r[k].fd = self->fd[k];
		self->r[k].timeout_ns = ns;
		ASSERT_EQ(op_start(&self->r[k]), 0);
	}
	ASSERT_TRUE(wait_waiters(self->rfd, 1, N));
	ASSERT_TRUE(ops_asleep(self->r, N));
}

/* A sender of one message, held @us in window @dp. */
static void rx_send(struct __test_metadata *_metadata, FIXTURE_DATA(rx) *self,
		    const FIXTURE_VARIANT(rx) *variant, struct op *s, int fd,
		    const char *dp, unsigned int us)
{
	memset(s, 0, sizeof(*s));
	s->kind = variant->send;
	s->fd = fd;
	s->buf = self->buf;
	s->len = MSG;
	s->timeout_ns = CHAN_TIMEOUT_INFINITE;
	s->dp = dp;
	s->dp_us = us;
	s->dp_count = 1;
	ASSERT_EQ(op_start(s), 0);
	ASSERT_TRUE(dp_wait(dp, 1, 3000));
}

/*
 * All receivers back within 3 s, each ending with @end (0: end of stream,
 * else that errno); returns the messages they got in all.
 */
static int rx_done(struct __test_metadata *_metadata, FIXTURE_DATA(rx) *self,
		   const FIXTURE_VARIANT(rx) *variant, int end)
{
	int k, total = 0;

	EXPECT_EQ(op_wait(self->r, N, 3000), N) {
		for (k = 0; k < N; k++)
			if (!self->r[k].done)
				TH_LOG("receiver %d still blocked", k);
	}
	for (k = 0; k < N; k++) {
		if (!self->r[k].done)
			continue;
		if (self->r[k].once && self->r[k].ret == MSG && !dp_have()) {
			/* the message won the race against the signal */
		} else if (end && !dp_have() && !self->r[k].ret &&
			   variant->kind == CHAN_KIND_ONESHOT) {
			/*
			 * Unheld, the one message went at once, and with it
			 * the stream: end of stream came before the timeout
			 * or the signal (the callers check it was sent).
			 */
		} else if (end) {
			EXPECT_EQ(self->r[k].ret, -1);
			EXPECT_EQ(self->r[k].err, end) {
				TH_LOG("receiver %d: %s", k,
				       strerror(self->r[k].err));
			}
		} else {
			EXPECT_EQ(self->r[k].ret, 0) {
				TH_LOG("receiver %d: %zd %s", k,
				       self->r[k].ret,
				       strerror(self->r[k].err));
			}
		}
		if (self->r[k].msgs)
			EXPECT_EQ(self->r[k].last_len, MSG);
		total += self->r[k].msgs;
	}
	op_join(self->r, N);
	return total;
}

/* How many receivers each message reaches: every subscriber, or one. */
static int fan(const FIXTURE_VARIANT(rx) *variant)
{
	return variant->kind == CHAN_KIND_BROADCAST ? N : 1;
}

/*
 * Messages left for the receivers (for every subscriber of a broadcast).
 * With @wait, a message the receivers did not get is still in flight:
 * wait (up to 3 s) until it can be read where it should be.
 */
static int rx_left(struct __test_metadata *_metadata, FIXTURE_DATA(rx) *self,
		   const FIXTURE_VARIANT(rx) *variant, int wait)
{
	struct pollfd p = { .events = POLLIN };
	int k, n, bc = variant->kind == CHAN_KIND_BROADCAST;

	for (k = 0; wait && k < (bc ? N : 1); k++) {
		if (bc ? self->r[k].msgs : wait < 0)
			continue;
		p.fd = self->fd[k];
		EXPECT_EQ(poll(&p, 1, 3000), 1);
	}
	n = drain(self->fd[0], variant->kind == CHAN_KIND_REQREP);
	if (variant->kind == CHAN_KIND_BROADCAST)
		for (k = 1; k < N; k++)
			n += drain(self->fd[k], 0);
	return n;
}

/* The sender is back within 3 s; returns 1 if its message went out. */
static int rx_sent(struct __test_metadata *_metadata, struct op *s,
		   int fail_err)
{
	EXPECT_EQ(op_wait(s, 1, 3000), 1);
	if (!s->done)
		return 0;
	op_join(s, 1);
	if (s->ret == MSG)
		return 1;
	EXPECT_EQ(s->ret, -1);
	EXPECT_EQ(s->err, fail_err) {
		TH_LOG("sender: %s", strerror(s->err));
	}
	return 0;
}

TEST_F_TIMEOUT(rx, close_with_a_send_in_flight, 60)
{
	struct op s;
	int got, sent;

	rx_start(_metadata, self, variant, CHAN_TIMEOUT_INFINITE);
	rx_send(_metadata, self, variant, &s, self->sfd, "copy", 200000);
	ASSERT_EQ(ioctl(self->sfd, CHAN_IOC_CLOSE), 0);
	got = rx_done(_metadata, self, variant, 0);
	sent = rx_sent(_metadata, &s, EPIPE);
	if (dp_have())
		EXPECT_EQ(sent, 1);
	EXPECT_EQ(got, sent * fan(variant));
	EXPECT_EQ(rx_left(_metadata, self, variant, 0), 0);
}

TEST_F_TIMEOUT(rx, last_sender_gone_with_a_send_in_flight, 60)
{
	struct op s;
	int wfd, got, sent;

	rx_start(_metadata, self, variant, CHAN_TIMEOUT_INFINITE);
	wfd = dup(self->sfd);
	ASSERT_GE(wfd, 0);
	rx_send(_metadata, self, variant, &s, wfd, "copy", 200000);
	ASSERT_EQ(close(self->sfd), 0);		/* one sender left, busy */
	sent = rx_sent(_metadata, &s, EPIPE);
	ASSERT_EQ(close(wfd), 0);		/* the last one */
	got = rx_done(_metadata, self, variant, 0);
	EXPECT_EQ(sent, 1);
	EXPECT_EQ(got, fan(variant));
	EXPECT_EQ(rx_left(_metadata, self, variant, 0), 0);
}

TEST_F_TIMEOUT(rx, a_claimed_send_aborts_on_the_close, 60)
{
	struct op s;
	int got, sent;

	rx_start(_metadata, self, variant, CHAN_TIMEOUT_INFINITE);
	rx_send(_metadata, self, variant, &s, self->sfd, "claim", 200000);
	ASSERT_EQ(ioctl(self->sfd, CHAN_IOC_CLOSE), 0);
	got = rx_done(_metadata, self, variant, 0);
	sent = rx_sent(_metadata, &s, EPIPE);
	if (dp_have())
		EXPECT_EQ(sent, 0);
	EXPECT_EQ(got, sent * fan(variant));
	EXPECT_EQ(rx_left(_metadata, self, variant, 0), 0);
}

/* Timeouts expire while the message is held in flight past them. */
TEST_F_TIMEOUT(rx, timeouts_expire_with_a_send_in_flight, 60)
{
	struct op s;
	int got, sent, left;

	rx_start(_metadata, self, variant, 300000000);
	rx_send(_metadata, self, variant, &s, self->sfd, "copy", 700000);
	/* Without delay points the message comes first, then the timeout. */
	got = rx_done(_metadata, self, variant, ETIMEDOUT);
	/* A rendezvous sender or a caller waits for the drain below. */
	left = rx_left(_metadata, self, variant, got ? -1 : 1);
	sent = rx_sent(_metadata, &s, 0);
	EXPECT_EQ(sent, 1);
	EXPECT_EQ(got + left, fan(variant));
	if (dp_have())
		EXPECT_EQ(got, 0);
}

/* A signal comes for every receiver while a message is in flight. */
TEST_F_TIMEOUT(rx, signals_with_a_send_in_flight, 60)
{
	struct op s;
	int got, k, left, sent;

	self->once = 1;
	rx_start(_metadata, self, variant, CHAN_TIMEOUT_INFINITE);
	rx_send(_metadata, self, variant, &s, self->sfd, "copy", 500000);
	for (k = 0; k < N; k++)
		pthread_kill(self->r[k].th, SIGUSR1);
	got = rx_done(_metadata, self, variant, EINTR);
	left = rx_left(_metadata, self, variant, got ? -1 : 1);
	sent = rx_sent(_metadata, &s, 0);
	EXPECT_EQ(sent, 1);
	EXPECT_EQ(got + left, fan(variant));
}

/* ---- three sleeping senders ---- */

FIXTURE(tx) {
	int dev, rfd, sfd;
	int prefill;
	struct op s[N];
	char buf[MSG];
};

FIXTURE_VARIANT(tx) {
	uint32_t kind;
	uint32_t flags;
	enum op_kind send;
};

FIXTURE_VARIANT_ADD(tx, queue) {
	.kind = CHAN_KIND_QUEUE, .send = OP_SENDB,
};

FIXTURE_VARIANT_ADD(tx, queue_single_consumer) {
	.kind = CHAN_KIND_QUEUE, .flags = CHAN_SINGLE_CONSUMER,
	.send = OP_SENDB,
};

FIXTURE_VARIANT_ADD(tx, rendezvous) {
	.kind = CHAN_KIND_RENDEZVOUS, .send = OP_SENDB,
};

FIXTURE_VARIANT_ADD(tx, broadcast) {
	.kind = CHAN_KIND_BROADCAST, .send = OP_SENDB,
};

FIXTURE_VARIANT_ADD(tx, reqrep) {
	.kind = CHAN_KIND_REQREP, .send = OP_CALL,
};

FIXTURE_SETUP(tx)
{
	uint32_t cap = variant->kind == CHAN_KIND_RENDEZVOUS ? 0 : 2;
	int k;

	dp_reset();
	usr1_interrupts();
	self->dev = chan_dev_open();
	ASSERT_GE(self->dev, 0);
	ASSERT_EQ(chan_make_full(self->dev, variant->kind, variant->flags,
				 CHAN_POLICY_BLOCK, cap, OP_MSG_MAX, NULL, 0,
				 &self->rfd, &self->sfd), 0);
	pattern(self->buf, MSG, 5);
	/* Fill the ring (calls fill it themselves). */
	self->prefill = variant->kind == CHAN_KIND_REQREP ? 0 : cap;
	for (k = 0; k < self->prefill; k++)
		ASSERT_EQ(write(self->sfd, self->buf, MSG), MSG);
}

FIXTURE_TEARDOWN(tx)
{
	dp_reset();
}

/* Start the senders (timeout @ns) and let them sleep. */
static void tx_start(struct __test_metadata *_metadata, FIXTURE_DATA(tx) *self,
		     const FIXTURE_VARIANT(tx) *variant, uint64_t ns)
{
	int k;

	for (k = 0; k < N; k++) {
		memset(&self->s[k], 0, sizeof(self->s[k]));
		self->s[k].kind = variant->send;
		self->s[k].fd = self->sfd;
		self->s[k].buf = self->buf;
		self->s[k].len = MSG;
		self->s[k].timeout_ns = ns;
		ASSERT_EQ(op_start(&self->s[k]), 0);
	}
	if (variant->kind != CHAN_KIND_REQREP)
		ASSERT_TRUE(wait_waiters(self->sfd, 0, N));
	ASSERT_TRUE(ops_asleep(self->s, N));
}

/*
 * All senders back within 3 s, each with success or one of @e1/@e2;
 * returns how many succeeded.
 */
static int tx_done(struct __test_metadata *_metadata, FIXTURE_DATA(tx) *self,
		   int e1, int e2)
{
	int k, ok = 0;

	EXPECT_EQ(op_wait(self->s, N, 3000), N) {
		for (k = 0; k < N; k++)
			if (!self->s[k].done)
				TH_LOG("sender %d still blocked", k);
	}
	for (k = 0; k < N; k++) {
		if (!self->s[k].done)
			continue;
		if (self->s[k].ret == MSG) {
			ok++;
			continue;
		}
		EXPECT_EQ(self->s[k].ret, -1);
		EXPECT_TRUE(self->s[k].err == e1 || self->s[k].err == e2) {
			TH_LOG("sender %d: %s", k, strerror(self->s[k].err));
		}
	}
	op_join(self->s, N);
	return ok;
}

TEST_F_TIMEOUT(tx, last_receiver_gone, 60)
{
	tx_start(_metadata, self, variant, CHAN_TIMEOUT_INFINITE);
	ASSERT_EQ(close(self->rfd), 0);
	EXPECT_EQ(tx_done(_metadata, self, EPIPE,
			  variant->kind == CHAN_KIND_REQREP ? ECONNRESET :
							      EPIPE), 0);
}

TEST_F_TIMEOUT(tx, close_for_sending, 60)
{
	struct op srv = { .kind = OP_SERVE, .timeout_ns = 0 };
	int ok, left;

	tx_start(_metadata, self, variant, CHAN_TIMEOUT_INFINITE);
	ASSERT_EQ(ioctl(self->sfd, CHAN_IOC_CLOSE), 0);
	if (variant->kind == CHAN_KIND_RENDEZVOUS ||
	    variant->kind == CHAN_KIND_REQREP) {
		/* Published messages and queued calls still wait: serve. */
		srv.kind = variant->kind == CHAN_KIND_REQREP ? OP_SERVE :
							       OP_RECVB;
		srv.fd = self->rfd;
		srv.timeout_ns = CHAN_TIMEOUT_INFINITE;
		ASSERT_EQ(op_start(&srv), 0);
		ok = tx_done(_metadata, self, EPIPE, EPIPE);
		ASSERT_EQ(op_wait(&srv, 1, 3000), 1);
		op_join(&srv, 1);
		EXPECT_EQ(srv.ret, 0);		/* then end of stream */
		EXPECT_EQ(srv.msgs, ok);
		return;
	}
	ok = tx_done(_metadata, self, EPIPE, EPIPE);
	EXPECT_EQ(ok, 0);
	left = drain(self->rfd, 0);
	EXPECT_EQ(left, self->prefill);
	EXPECT_EQ(op_recv_batch(self->rfd, self->buf, MSG, 0, NULL), 0);
}

/* Timeouts expire as room is made: a rendezvous sender withdraws. */
TEST_F_TIMEOUT(tx, timeouts_expire_as_room_is_made, 60)
{
	char got[OP_MSG_MAX];
	uint64_t id;
	int ok, taken = 0, left;
	ssize_t r;

	tx_start(_metadata, self, variant, 300000000);
	usleep(280000);
	/* One message (or call) taken near the deadline. */
	r = op_recv_batch(self->rfd, got, sizeof(got), 0, &id);
	if (r > 0) {
		taken = 1;
		if (variant->kind == CHAN_KIND_REQREP)
			taken = op_reply(self->rfd, id, got, r) == 1;
	}
	ok = tx_done(_metadata, self, ETIMEDOUT, ETIMEDOUT);
	if (variant->kind == CHAN_KIND_REQREP) {
		/* A call answered in time succeeded; the rest timed out. */
		EXPECT_EQ(ok, taken);
		return;
	}
	left = drain(self->rfd, 0);
	/* Everything sent is read exactly once, nothing withdrawn is. */
	EXPECT_EQ(self->prefill + ok, taken + left) {
		TH_LOG("prefill %d, %d sent, %d taken, %d left",
		       self->prefill, ok, taken, left);
	}
}

/* A signal for every sender as room is made. */
TEST_F_TIMEOUT(tx, signals_as_room_is_made, 60)
{
	char got[OP_MSG_MAX];
	int ok, k, taken = 0, left;
	uint64_t id;
	ssize_t r;

	tx_start(_metadata, self, variant, CHAN_TIMEOUT_INFINITE);
	for (k = 0; k < N; k++)
		pthread_kill(self->s[k].th, SIGUSR1);
	r = op_recv_batch(self->rfd, got, sizeof(got), 0, &id);
	if (r > 0) {
		taken = 1;
		if (variant->kind == CHAN_KIND_REQREP)
			taken = op_reply(self->rfd, id, got, r) == 1;
	}
	ok = tx_done(_metadata, self, EINTR, EINTR);
	if (variant->kind == CHAN_KIND_REQREP) {
		EXPECT_EQ(ok, taken);
		return;
	}
	left = drain(self->rfd, 0);
	EXPECT_EQ(self->prefill + ok, taken + left) {
		TH_LOG("prefill %d, %d sent, %d taken, %d left",
		       self->prefill, ok, taken, left);
	}
}

TEST_HARNESS_MAIN
