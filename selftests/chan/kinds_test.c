// SPDX-License-Identifier: GPL-2.0
/*
 * The oneshot and rendezvous kinds: creation rules, one message then end
 * of stream, a send that completes only when a receiver took the message,
 * withdrawal on timeout, signal and close, poll, and the race between a
 * withdrawing sender and a taking receiver (never lost, never twice).
 */
#include <poll.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define MSG_MAX	64

static int kmake(int dev, uint32_t kind, uint32_t flags, uint32_t cap,
		 uint32_t policy, int *rfd, int *sfd)
{
	return chan_make_full(dev, kind, flags, policy, cap, MSG_MAX, NULL, 0,
			      rfd, sfd);
}

/* Send @len bytes of @buf with a timeout; returns messages sent or -errno. */
static int send_timeout(int sfd, const void *buf, uint32_t len,
			uint64_t timeout_ns)
{
	struct chan_msg m = { .buf = (uintptr_t)buf, .len = len };
	struct chan_batch b = {
		.size = sizeof(b), .count = 1, .msgs = (uintptr_t)&m,
		.timeout_ns = timeout_ns,
	};
	int r = ioctl(sfd, CHAN_IOC_SEND_BATCH, &b);

	return r < 0 ? -errno : r;
}

static void set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

struct io {
	int fd;
	char buf[MSG_MAX];
	size_t len;
	ssize_t ret;
	int err;
	volatile int done;
};

static void *reader(void *arg)
{
	struct io *io = arg;

	io->ret = read(io->fd, io->buf, sizeof(io->buf));
	io->err = io->ret < 0 ? errno : 0;
	io->done = 1;
	return NULL;
}

static void *writer(void *arg)
{
	struct io *io = arg;

	io->ret = write(io->fd, io->buf, io->len);
	io->err = io->ret < 0 ? errno : 0;
	io->done = 1;
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
}

TEST(features_report_both_kinds)
{
	struct chan_version v = { .size = sizeof(v) };
	int dev = chan_dev_open();

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & CHAN_FEAT_ONESHOT);
	EXPECT_TRUE(v.features & CHAN_FEAT_RENDEZVOUS);
	close(dev);
}

TEST(creation_rules)
{
	int dev = chan_dev_open(), r, s;
	struct chan_info info;

	ASSERT_LE(0, dev);
	/* Oneshot: capacity 0 or 1, block policy only. */
	ASSERT_EQ(0, kmake(dev, CHAN_KIND_ONESHOT, 0, 0, 0, &r, &s));
	ASSERT_EQ(0, chan_info_get(r, &info));
	EXPECT_EQ(CHAN_KIND_ONESHOT, info.kind);
	EXPECT_EQ(1, info.capacity);
	close(r);
	close(s);
	ASSERT_EQ(0, kmake(dev, CHAN_KIND_ONESHOT, 0, 1, 0, &r, &s));
	close(r);
	close(s);
	EXPECT_EQ(-EINVAL, kmake(dev, CHAN_KIND_ONESHOT, 0, 2, 0, &r, &s));
	EXPECT_EQ(-EINVAL, kmake(dev, CHAN_KIND_ONESHOT, 0, 1,
				 CHAN_POLICY_OVERWRITE, &r, &s));
	/* Rendezvous: capacity 0, block policy only. */
	ASSERT_EQ(0, kmake(dev, CHAN_KIND_RENDEZVOUS, 0, 0, 0, &r, &s));
	ASSERT_EQ(0, chan_info_get(s, &info));
	EXPECT_EQ(CHAN_KIND_RENDEZVOUS, info.kind);
	EXPECT_EQ(0, info.capacity);
	close(r);
	close(s);
	EXPECT_EQ(-EINVAL, kmake(dev, CHAN_KIND_RENDEZVOUS, 0, 1, 0, &r, &s));
	EXPECT_EQ(-EINVAL, kmake(dev, CHAN_KIND_RENDEZVOUS, 0, 0,
				 CHAN_POLICY_DROP_NEWEST, &r, &s));
	/* A queue still needs a capacity; unknown kinds are refused. */
	EXPECT_EQ(-EINVAL, kmake(dev, CHAN_KIND_QUEUE, 0, 0, 0, &r, &s));
	EXPECT_EQ(-EINVAL, kmake(dev, 0, 0, 1, 0, &r, &s));
	EXPECT_EQ(-EINVAL, kmake(dev, 99, 0, 1, 0, &r, &s));
	close(dev);
}

/* The "chan_kind:" line of /proc/self/fdinfo/@fd, or "" */
static void fdinfo_kind(int fd, char *out, size_t len)
{
	char path[64], line[128];
	FILE *f;

	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "chan_kind: %31s", out) == 1)
			break;
	fclose(f);
}

TEST(fdinfo_names_every_kind)
{
	static const struct { uint32_t kind, cap; const char *name; } k[] = {
		{ CHAN_KIND_QUEUE, 4, "queue" },
		{ CHAN_KIND_ONESHOT, 1, "oneshot" },
		{ CHAN_KIND_RENDEZVOUS, 0, "rendezvous" },
		{ CHAN_KIND_BROADCAST, 4, "broadcast" },
		{ CHAN_KIND_REQREP, 4, "reqrep" },
	};
	int dev = chan_dev_open(), r, s;
	char name[32];
	unsigned int i;

	ASSERT_LE(0, dev);
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		ASSERT_EQ(0, kmake(dev, k[i].kind, 0, k[i].cap, 0, &r, &s));
		fdinfo_kind(r, name, sizeof(name));
		EXPECT_STREQ(k[i].name, name);
		fdinfo_kind(s, name, sizeof(name));
		EXPECT_STREQ(k[i].name, name);
		close(r);
		close(s);
	}
	close(dev);
}

/* chan(4): capacity 0 and 1 make the same oneshot, one slot, no wait. */
TEST(oneshot_capacity_0_and_1_are_the_same)
{
	int dev = chan_dev_open(), r, s;
	struct chan_info info;
	uint32_t cap;
	char buf[MSG_MAX];

	ASSERT_LE(0, dev);
	for (cap = 0; cap <= 1; cap++) {
		ASSERT_EQ(0, kmake(dev, CHAN_KIND_ONESHOT, 0, cap, 0, &r, &s));
		ASSERT_EQ(0, chan_info_get(r, &info));
		EXPECT_EQ(1, info.capacity);
		set_nonblock(s, 1);
		/* No receiver waits, yet the send is done at once. */
		EXPECT_EQ(3, write(s, "one", 3));
		EXPECT_EQ(-1, write(s, "two", 3));
		EXPECT_EQ(EALREADY, errno);
		EXPECT_EQ(3, read(r, buf, sizeof(buf)));
		EXPECT_EQ(0, read(r, buf, sizeof(buf)));
		close(r);
		close(s);
	}
	close(dev);
}

FIXTURE(oneshot) {
	int dev, rfd, sfd;
};

FIXTURE_VARIANT(oneshot) {
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(oneshot, plain) { .flags = 0 };
FIXTURE_VARIANT_ADD(oneshot, single_sided) {
	.flags = CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER,
};

FIXTURE_SETUP(oneshot)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, kmake(self->dev, CHAN_KIND_ONESHOT, variant->flags, 1, 0,
			   &self->rfd, &self->sfd));
}

FIXTURE_TEARDOWN(oneshot)
{
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

TEST_F(oneshot, one_message_then_end_of_stream)
{
	struct chan_info info;
	char buf[MSG_MAX];

	ASSERT_EQ(5, write(self->sfd, "hello", 5));
	EXPECT_EQ(-1, write(self->sfd, "again", 5));
	EXPECT_EQ(EALREADY, errno);
	ASSERT_EQ(0, chan_info_get(self->sfd, &info));
	EXPECT_EQ(1, info.closed);
	EXPECT_EQ(1, info.sent);
	ASSERT_EQ(5, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(-1, write(self->sfd, "late", 4));
	EXPECT_EQ(EALREADY, errno);
}

TEST_F(oneshot, poll_shows_the_message_then_hangup)
{
	struct pollfd p = { .fd = self->rfd, .events = POLLIN };
	char buf[MSG_MAX];

	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(2, write(self->sfd, "hi", 2));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	ASSERT_EQ(2, read(self->rfd, buf, sizeof(buf)));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLHUP);
}

TEST_F(oneshot, a_blocked_receiver_gets_the_message)
{
	struct io io = { .fd = self->rfd };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, reader, &io));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waiters, 1));
	ASSERT_EQ(3, write(self->sfd, "abc", 3));
	pthread_join(t, NULL);
	ASSERT_EQ(3, io.ret);
	EXPECT_EQ(0, memcmp(io.buf, "abc", 3));
}

TEST_F(oneshot, a_sender_closing_unsent_gives_end_of_stream)
{
	struct io io = { .fd = self->rfd };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, reader, &io));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waiters, 1));
	close(self->sfd);
	self->sfd = -1;
	pthread_join(t, NULL);
	EXPECT_EQ(0, io.ret);
}

TEST_F(oneshot, a_failed_send_can_be_retried)
{
	char buf[MSG_MAX];

	EXPECT_EQ(-1, write(self->sfd, null_ptr, 4));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(2, write(self->sfd, "ok", 2));
	ASSERT_EQ(2, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "ok", 2));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
}

TEST_F(oneshot, closed_before_sending_refuses_with_epipe)
{
	char buf[MSG_MAX];

	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
}

TEST_F(oneshot, a_batch_sends_only_the_first)
{
	struct chan_msg m[2] = {
		{ .buf = (uintptr_t)"one", .len = 3 },
		{ .buf = (uintptr_t)"two", .len = 3 },
	};
	struct chan_batch b = {
		.size = sizeof(b), .count = 2, .msgs = (uintptr_t)m,
	};
	char buf[MSG_MAX];

	EXPECT_EQ(1, ioctl(self->sfd, CHAN_IOC_SEND_BATCH, &b));
	EXPECT_EQ(1, b.done);
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_SEND_BATCH, &b));
	EXPECT_EQ(EALREADY, errno);
	ASSERT_EQ(3, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "one", 3));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
}

#define RACERS	8

struct racer {
	int sfd;
	unsigned int i;
	ssize_t ret;
	int err;
};

static void *race_send(void *arg)
{
	struct racer *r = arg;

	r->ret = write(r->sfd, &r->i, sizeof(r->i));
	r->err = r->ret < 0 ? errno : 0;
	return NULL;
}

TEST(oneshot_racing_senders_exactly_one_wins)
{
	int dev = chan_dev_open(), round;

	ASSERT_LE(0, dev);
	for (round = 0; round < 200; round++) {
		struct racer r[RACERS];
		pthread_t t[RACERS];
		int rfd, sfd, i, won = -1, wins = 0;
		unsigned int got;

		ASSERT_EQ(0, kmake(dev, CHAN_KIND_ONESHOT, 0, 1, 0, &rfd,
				   &sfd));
		for (i = 0; i < RACERS; i++) {
			r[i] = (struct racer){ .sfd = sfd, .i = i };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, race_send,
						    &r[i]));
		}
		for (i = 0; i < RACERS; i++) {
			pthread_join(t[i], NULL);
			if (r[i].ret == sizeof(unsigned int)) {
				wins++;
				won = i;
			} else {
				ASSERT_EQ(EALREADY, r[i].err);
			}
		}
		ASSERT_EQ(1, wins);
		ASSERT_EQ(sizeof(got), read(rfd, &got, sizeof(got)));
		ASSERT_EQ((unsigned int)won, got);
		ASSERT_EQ(0, read(rfd, &got, sizeof(got)));
		close(rfd);
		close(sfd);
	}
	close(dev);
}

FIXTURE(rdv) {
	int dev, rfd, sfd;
};

FIXTURE_VARIANT(rdv) {
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(rdv, mpmc) { .flags = 0 };
FIXTURE_VARIANT_ADD(rdv, spsc) {
	.flags = CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER,
};

FIXTURE_SETUP(rdv)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, kmake(self->dev, CHAN_KIND_RENDEZVOUS, variant->flags, 0,
			   0, &self->rfd, &self->sfd));
}

FIXTURE_TEARDOWN(rdv)
{
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

TEST_F(rdv, nonblocking_send_without_a_receiver_fails_and_queues_nothing)
{
	struct chan_info info;
	char buf[MSG_MAX];

	set_nonblock(self->sfd, 1);
	set_nonblock(self->rfd, 1);
	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-EAGAIN, send_timeout(self->sfd, "x", 1, 0));
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(0, info.depth);
	EXPECT_EQ(0, info.sent);
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(rdv, a_send_completes_only_when_a_receiver_took_it)
{
	struct io w = { .fd = self->sfd, .len = 4 };
	struct chan_info info;
	char buf[MSG_MAX];
	pthread_t t;

	memcpy(w.buf, "ping", 4);
	ASSERT_EQ(0, pthread_create(&t, NULL, writer, &w));
	ASSERT_TRUE(WAIT_INFO(self->sfd, send_waiters, 1));
	ASSERT_EQ(0, chan_info_get(self->sfd, &info));
	EXPECT_EQ(1, info.depth);
	usleep(50 * 1000);
	EXPECT_EQ(0, w.done);		/* still waiting for a receiver */
	ASSERT_EQ(4, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	pthread_join(t, NULL);
	EXPECT_EQ(4, w.ret);
	ASSERT_EQ(0, chan_info_get(self->sfd, &info));
	EXPECT_EQ(0, info.depth);
	EXPECT_EQ(1, info.sent);
	EXPECT_EQ(1, info.received);
}

TEST_F(rdv, nonblocking_send_to_a_waiting_receiver_succeeds)
{
	struct io r = { .fd = self->rfd };
	pthread_t t;

	set_nonblock(self->sfd, 1);
	ASSERT_EQ(0, pthread_create(&t, NULL, reader, &r));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waiters, 1));
	ASSERT_EQ(5, write(self->sfd, "hello", 5));
	pthread_join(t, NULL);
	ASSERT_EQ(5, r.ret);
	EXPECT_EQ(0, memcmp(r.buf, "hello", 5));
}

TEST_F(rdv, poll_writable_only_while_a_receiver_waits)
{
	struct pollfd p = { .fd = self->sfd, .events = POLLOUT };
	struct io r = { .fd = self->rfd };
	pthread_t t;

	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, reader, &r));
	/* The receiver's arrival wakes the poller. */
	ASSERT_EQ(1, poll(&p, 1, 10000));
	EXPECT_TRUE(p.revents & POLLOUT);
	ASSERT_EQ(1, write(self->sfd, "z", 1));
	pthread_join(t, NULL);
	ASSERT_EQ(1, r.ret);
	EXPECT_EQ('z', r.buf[0]);
	EXPECT_EQ(0, poll(&p, 1, 0));
}

TEST_F(rdv, a_timed_out_send_is_withdrawn)
{
	struct chan_info info;
	char buf[MSG_MAX];

	EXPECT_EQ(-ETIMEDOUT, send_timeout(self->sfd, "late", 4, 20000000));
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(0, info.depth);
	EXPECT_EQ(0, info.sent);
	set_nonblock(self->rfd, 1);
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(rdv, an_interrupted_send_is_withdrawn)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct io w = { .fd = self->sfd, .len = 3 };
	char buf[MSG_MAX];
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	memcpy(w.buf, "sig", 3);
	ASSERT_EQ(0, pthread_create(&t, NULL, writer, &w));
	ASSERT_TRUE(WAIT_INFO(self->sfd, send_waits, 1));
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	pthread_join(t, NULL);
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(EINTR, w.err);
	set_nonblock(self->rfd, 1);
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	signal(SIGUSR1, SIG_DFL);
}

TEST_F(rdv, the_last_receiver_closing_fails_a_waiting_send)
{
	struct io w = { .fd = self->sfd, .len = 1 };
	pthread_t t;

	w.buf[0] = 'q';
	ASSERT_EQ(0, pthread_create(&t, NULL, writer, &w));
	ASSERT_TRUE(WAIT_INFO(self->sfd, send_waits, 1));
	close(self->rfd);
	self->rfd = -1;
	pthread_join(t, NULL);
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(EPIPE, w.err);
}

/* Nothing can ever take it: EPIPE, not "try again", blocking or not. */
TEST_F(rdv, nonblocking_send_without_receivers_or_after_close_fails_epipe)
{
	int rfd, sfd;

	set_nonblock(self->sfd, 1);
	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(-EPIPE, send_timeout(self->sfd, "x", 1, 0));

	ASSERT_EQ(0, kmake(self->dev, CHAN_KIND_RENDEZVOUS, variant->flags, 0,
			   0, &rfd, &sfd));
	close(rfd);
	set_nonblock(sfd, 1);
	EXPECT_EQ(-1, write(sfd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(-EPIPE, send_timeout(sfd, "x", 1, 0));
	close(sfd);
}

TEST_F(rdv, close_after_a_handoff_gives_end_of_stream)
{
	struct io w = { .fd = self->sfd, .len = 2 };
	char buf[MSG_MAX];
	pthread_t t;

	memcpy(w.buf, "hi", 2);
	ASSERT_EQ(0, pthread_create(&t, NULL, writer, &w));
	ASSERT_EQ(2, read(self->rfd, buf, sizeof(buf)));
	pthread_join(t, NULL);
	ASSERT_EQ(2, w.ret);
	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
}

#define RDV_PRODUCERS	4
#define RDV_EACH	2000

struct rdv_prod {
	int sfd;
	unsigned int id;
	uint64_t timeout_ns;	/* 0: blocking write() */
	unsigned int sent;	/* successful sends, numbered 0 .. sent-1 */
	int bad;
};

static void *rdv_produce(void *arg)
{
	struct rdv_prod *p = arg;
	unsigned int i, msg[2];
	int r;

	for (i = 0; i < RDV_EACH; i++) {
		msg[0] = p->id;
		msg[1] = p->sent;
		if (!p->timeout_ns) {
			if (write(p->sfd, msg, sizeof(msg)) != sizeof(msg))
				p->bad++;
			else
				p->sent++;
			continue;
		}
		r = send_timeout(p->sfd, msg, sizeof(msg), p->timeout_ns);
		if (r == 1)
			p->sent++;
		else if (r != -ETIMEDOUT)
			p->bad++;
	}
	return NULL;
}

struct closer {
	pthread_t *t;
	int n, sfd;
};

/* Close the channel for sending once every producer has finished. */
static void *close_when_done(void *arg)
{
	struct closer *c = arg;
	int i;

	for (i = 0; i < c->n; i++)
		pthread_join(c->t[i], NULL);
	ioctl(c->sfd, CHAN_IOC_CLOSE);
	return NULL;
}

/*
 * @nprod producers send numbered messages, blocking or with a short
 * timeout (so that withdrawals race with takes); one consumer checks that
 * each producer's successful sends arrive exactly once, in order, and that
 * nothing else arrives.
 */
static void rdv_run(struct __test_metadata *_metadata, int nprod,
		    uint64_t timeout_ns, int flags)
{
	unsigned int next[RDV_PRODUCERS] = { 0 }, msg[2], total = 0, want = 0;
	struct rdv_prod p[RDV_PRODUCERS];
	pthread_t t[RDV_PRODUCERS], ct;
	int dev = chan_dev_open(), rfd, sfd, i;
	struct chan_info info;
	struct closer c;
	ssize_t n;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, kmake(dev, CHAN_KIND_RENDEZVOUS, flags, 0, 0, &rfd,
			   &sfd));
	for (i = 0; i < nprod; i++) {
		p[i] = (struct rdv_prod){ .sfd = sfd, .id = i,
					  .timeout_ns = timeout_ns };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, rdv_produce, &p[i]));
	}
	c = (struct closer){ .t = t, .n = nprod, .sfd = sfd };
	ASSERT_EQ(0, pthread_create(&ct, NULL, close_when_done, &c));
	while ((n = read(rfd, msg, sizeof(msg))) != 0) {
		ASSERT_EQ(sizeof(msg), n);
		ASSERT_LT(msg[0], (unsigned int)nprod);
		ASSERT_EQ(next[msg[0]], msg[1]);
		next[msg[0]]++;
		total++;
		/* Pause about as long as a send waits, so that some give up. */
		if (timeout_ns && total % 25 == 0)
			usleep(5000 + (total % 5) * 1000);
	}
	pthread_join(ct, NULL);
	for (i = 0; i < nprod; i++) {
		EXPECT_EQ(0, p[i].bad);
		EXPECT_EQ(p[i].sent, next[i]);
		want += p[i].sent;
	}
	EXPECT_EQ(want, total);
	ASSERT_EQ(0, chan_info_get(rfd, &info));
	EXPECT_EQ(total, info.sent);
	EXPECT_EQ(total, info.received);
	EXPECT_EQ(0, info.depth);
	if (!timeout_ns) {
		EXPECT_EQ((unsigned int)nprod * RDV_EACH, total);
	} else {
		TH_LOG("%u of %u sends taken, the rest withdrawn", total,
		       nprod * RDV_EACH);
	}
	close(rfd);
	close(sfd);
	close(dev);
}

TEST(rendezvous_one_producer_in_order)
{
	rdv_run(_metadata, 1, 0, CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER);
}

TEST(rendezvous_four_producers_each_in_order)
{
	rdv_run(_metadata, 4, 0, 0);
}

TEST(rendezvous_withdrawals_race_takes_nothing_lost_or_doubled)
{
	rdv_run(_metadata, 4, scaled(100000), 0);
}

TEST_HARNESS_MAIN
