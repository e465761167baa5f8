// SPDX-License-Identifier: GPL-2.0
/*
 * The broadcast kind: subscribers and their cursors, every policy, the
 * EOVERFLOW gap report with exact counts, close, poll, subscribe errors,
 * and stress: 1 producer -> 4 subscribers x 1,000,000 messages in order,
 * overwrite with exact loss accounting, subscribe racing send.
 */
#include <poll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define MSG_MAX	64

static int bmake(int dev, uint32_t policy, uint32_t cap, uint32_t flags,
		 const char *name, int *rfd, int *sfd)
{
	return chan_make_full(dev, CHAN_KIND_BROADCAST, flags, policy, cap,
			      MSG_MAX, name, name ? 0600 : 0, rfd, sfd);
}

static int subscribe(int rfd, unsigned long flags)
{
	int fd = ioctl(rfd, CHAN_IOC_SUBSCRIBE, flags);

	return fd < 0 ? -errno : fd;
}

static int send_u32(int sfd, uint32_t v)
{
	return write(sfd, &v, sizeof(v)) == sizeof(v) ? 0 : -errno;
}

/* Read one u32 message: 0 and *v, or -errno, or 1 at end of stream. */
static int recv_u32(int rfd, uint32_t *v)
{
	ssize_t n = read(rfd, v, sizeof(*v));

	if (n == 0)
		return 1;
	if (n < 0)
		return -errno;
	return n == sizeof(*v) ? 0 : -EPROTO;
}

static uint64_t lost(int rfd)
{
	uint64_t n = ~0ULL;

	if (ioctl(rfd, CHAN_IOC_LOST, &n))
		return ~0ULL;
	return n;
}

FIXTURE(bc) {
	int dev, rfd, sfd;
};

FIXTURE_VARIANT(bc) {
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(bc, mp) { .flags = CHAN_NONBLOCK };
FIXTURE_VARIANT_ADD(bc, sp) {
	.flags = CHAN_NONBLOCK | CHAN_SINGLE_PRODUCER,
};

FIXTURE_SETUP(bc)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, bmake(self->dev, CHAN_POLICY_BLOCK, 8, variant->flags,
			   NULL, &self->rfd, &self->sfd));
}

FIXTURE_TEARDOWN(bc)
{
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

TEST_F(bc, every_subscriber_gets_every_message_in_order)
{
	int sub[3] = { self->rfd }, i, k;
	uint32_t v;

	sub[1] = subscribe(self->rfd, CHAN_NONBLOCK);
	sub[2] = subscribe(self->rfd, CHAN_NONBLOCK | CHAN_CLOEXEC);
	ASSERT_LE(0, sub[1]);
	ASSERT_LE(0, sub[2]);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, send_u32(self->sfd, 100 + i));
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 5; i++) {
			ASSERT_EQ(0, recv_u32(sub[k], &v));
			EXPECT_EQ(100 + i, v);
		}
		EXPECT_EQ(-EAGAIN, recv_u32(sub[k], &v));
	}
	close(sub[1]);
	close(sub[2]);
}

TEST_F(bc, a_subscriber_sees_only_what_is_sent_after_it_joined)
{
	struct chan_info info;
	uint32_t v;
	int late;

	ASSERT_EQ(0, send_u32(self->sfd, 1));
	late = subscribe(self->rfd, CHAN_NONBLOCK);
	ASSERT_LE(0, late);
	ASSERT_EQ(0, send_u32(self->sfd, 2));
	ASSERT_EQ(0, recv_u32(self->rfd, &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, recv_u32(self->rfd, &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, recv_u32(late, &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(-EAGAIN, recv_u32(late, &v));
	ASSERT_EQ(0, chan_info_get(self->sfd, &info));
	EXPECT_EQ(CHAN_KIND_BROADCAST, info.kind);
	EXPECT_EQ(2, info.sent);
	EXPECT_EQ(3, info.received);	/* deliveries */
	EXPECT_EQ(2, info.receivers);
	close(late);
}

TEST_F(bc, dup_shares_a_cursor)
{
	int d = dup(self->rfd);
	uint32_t v;

	ASSERT_LE(0, d);
	ASSERT_EQ(0, send_u32(self->sfd, 7));
	ASSERT_EQ(0, send_u32(self->sfd, 8));
	ASSERT_EQ(0, recv_u32(d, &v));
	EXPECT_EQ(7, v);
	ASSERT_EQ(0, recv_u32(self->rfd, &v));
	EXPECT_EQ(8, v);
	EXPECT_EQ(-EAGAIN, recv_u32(d, &v));
	close(d);
}

TEST_F(bc, block_policy_waits_for_the_slowest_subscriber)
{
	int slow = subscribe(self->rfd, CHAN_NONBLOCK), i;
	struct chan_info info;
	uint32_t v;

	ASSERT_LE(0, slow);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, send_u32(self->sfd, i));
		ASSERT_EQ(0, recv_u32(self->rfd, &v));
	}
	ASSERT_EQ(0, chan_info_get(self->sfd, &info));
	EXPECT_EQ(8, info.depth);
	EXPECT_EQ(-EAGAIN, send_u32(self->sfd, 8));
	ASSERT_EQ(0, recv_u32(slow, &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, send_u32(self->sfd, 8));
	for (i = 1; i <= 8; i++) {
		ASSERT_EQ(0, recv_u32(slow, &v));
		EXPECT_EQ(i, v);
	}
	ASSERT_EQ(0, recv_u32(self->rfd, &v));
	EXPECT_EQ(8, v);
	EXPECT_EQ(0, lost(slow));
	close(slow);
}

TEST_F(bc, a_closing_subscriber_releases_the_producer)
{
	int slow = subscribe(self->rfd, CHAN_NONBLOCK), i;
	uint32_t v;

	ASSERT_LE(0, slow);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, send_u32(self->sfd, i));
		ASSERT_EQ(0, recv_u32(self->rfd, &v));
	}
	EXPECT_EQ(-EAGAIN, send_u32(self->sfd, 8));
	close(slow);
	EXPECT_EQ(0, send_u32(self->sfd, 8));
}

TEST_F(bc, close_drains_every_subscriber_then_end_of_stream)
{
	int other = subscribe(self->rfd, 0);
	uint32_t v;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, send_u32(self->sfd, 5));
	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	EXPECT_EQ(-EPIPE, send_u32(self->sfd, 6));
	ASSERT_EQ(0, recv_u32(self->rfd, &v));
	EXPECT_EQ(5, v);
	EXPECT_EQ(1, recv_u32(self->rfd, &v));
	ASSERT_EQ(0, recv_u32(other, &v));	/* blocking fd: no wait */
	EXPECT_EQ(5, v);
	EXPECT_EQ(1, recv_u32(other, &v));
	close(other);
}

TEST_F(bc, poll_is_per_subscriber)
{
	int other = subscribe(self->rfd, CHAN_NONBLOCK);
	struct pollfd p[2] = {
		{ .fd = self->rfd, .events = POLLIN },
		{ .fd = other, .events = POLLIN },
	};
	uint32_t v;

	ASSERT_LE(0, other);
	EXPECT_EQ(0, poll(p, 2, 0));
	ASSERT_EQ(0, send_u32(self->sfd, 1));
	EXPECT_EQ(2, poll(p, 2, 0));
	ASSERT_EQ(0, recv_u32(self->rfd, &v));
	ASSERT_EQ(1, poll(p, 2, 0));
	EXPECT_EQ(0, p[0].revents);
	EXPECT_EQ(POLLIN, p[1].revents);
	close(other);
}

TEST_F(bc, a_blocked_subscriber_wakes_on_a_message)
{
	int other = subscribe(self->rfd, 0);
	uint32_t v = 0;
	pid_t pid;
	int st;

	ASSERT_LE(0, other);
	pid = fork();
	if (pid == 0)
		_exit(recv_u32(other, &v) == 0 && v == 42 ? 0 : 1);
	ASSERT_TRUE(WAIT_INFO(self->sfd, recv_waiters, 1));
	ASSERT_EQ(0, send_u32(self->sfd, 42));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(other);
}

TEST_F(bc, subscribe_errors)
{
	int qr, qs, fd;

	EXPECT_EQ(-EBADF, subscribe(self->sfd, 0));
	EXPECT_EQ(-EINVAL, subscribe(self->rfd, 0x100));
	ASSERT_EQ(0, chan_make(self->dev, 0, 0, 4, 8, NULL, 0, &qr, &qs));
	EXPECT_EQ(-EINVAL, subscribe(qr, 0));
	close(qr);
	close(qs);
	fd = subscribe(self->rfd, CHAN_CLOEXEC | CHAN_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
	fd = subscribe(self->rfd, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD));
	EXPECT_FALSE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

TEST(creation_rules_and_feature)
{
	struct chan_version v = { .size = sizeof(v) };
	int dev = chan_dev_open(), r, s, p;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & CHAN_FEAT_BROADCAST);
	EXPECT_EQ(-EINVAL, bmake(dev, CHAN_POLICY_BLOCK, 0, 0, NULL, &r, &s));
	EXPECT_EQ(-EINVAL, bmake(dev, 4, 4, 0, NULL, &r, &s));
	for (p = CHAN_POLICY_BLOCK; p <= CHAN_POLICY_OVERWRITE; p++) {
		ASSERT_EQ(0, bmake(dev, p, 3, 0, NULL, &r, &s));
		close(r);
		close(s);
	}
	close(dev);
}

static int open_recv(int dev, const char *name)
{
	struct chan_open o = { .size = sizeof(o), .role = CHAN_ROLE_RECV,
			       .flags = CHAN_NONBLOCK,
			       .name = (uintptr_t)name };

	return ioctl(dev, CHAN_IOC_OPEN, &o) ? -errno : o.fd;
}

TEST(each_open_by_name_is_a_new_subscriber)
{
	int dev = chan_dev_open(), r, s, a, b;
	struct chan_unlink u = { .size = sizeof(u) };
	struct chan_info info;
	char name[32];
	uint32_t v;

	ASSERT_LE(0, dev);
	snprintf(name, sizeof(name), "bc.%d", getpid());
	u.name = (uintptr_t)name;
	ASSERT_EQ(0, bmake(dev, CHAN_POLICY_BLOCK, 4, CHAN_NONBLOCK, name,
			   &r, &s));
	close(r);
	/* Nobody subscribed: the message is dropped, the send succeeds. */
	ASSERT_EQ(0, send_u32(s, 1));
	a = open_recv(dev, name);
	b = open_recv(dev, name);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, chan_info_get(s, &info));
	EXPECT_EQ(1, info.dropped);
	EXPECT_EQ(0, info.sent);
	ASSERT_EQ(0, send_u32(s, 2));
	ASSERT_EQ(0, recv_u32(a, &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, recv_u32(b, &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(-EAGAIN, recv_u32(a, &v));
	close(a);
	close(b);
	close(s);
	EXPECT_EQ(0, ioctl(dev, CHAN_IOC_UNLINK, &u));
	close(dev);
}

TEST(fail_and_drop_policies_when_the_slowest_is_a_ring_behind)
{
	int dev = chan_dev_open(), r, s, i;
	struct chan_info info;
	uint32_t v;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, bmake(dev, CHAN_POLICY_FAIL, 2, 0, NULL, &r, &s));
	ASSERT_EQ(0, send_u32(s, 0));
	ASSERT_EQ(0, send_u32(s, 1));
	EXPECT_EQ(-EAGAIN, send_u32(s, 2));	/* blocking fd, still fails */
	close(r);
	close(s);
	ASSERT_EQ(0, bmake(dev, CHAN_POLICY_DROP_NEWEST, 2, CHAN_NONBLOCK,
			   NULL, &r, &s));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, send_u32(s, i));
	ASSERT_EQ(0, chan_info_get(s, &info));
	EXPECT_EQ(3, info.dropped);
	/*
	 * The send end has no subscriber: its CHAN_IOC_LOST counts the
	 * channel's drops, once; the subscriber was lapped by none.
	 */
	EXPECT_EQ(3, lost(s));
	EXPECT_EQ(0, lost(s));
	EXPECT_EQ(0, lost(r));
	ASSERT_EQ(0, recv_u32(r, &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, recv_u32(r, &v));
	EXPECT_EQ(1, v);
	EXPECT_EQ(-EAGAIN, recv_u32(r, &v));
	close(r);
	close(s);
	close(dev);
}

TEST(overwrite_a_stalled_subscriber_is_told_exactly_what_it_missed)
{
	int dev = chan_dev_open(), fast, slow, s, i;
	struct chan_info info;
	uint32_t v;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, bmake(dev, CHAN_POLICY_OVERWRITE, 4, CHAN_NONBLOCK, NULL,
			   &fast, &s));
	slow = subscribe(fast, CHAN_NONBLOCK);
	ASSERT_LE(0, slow);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, send_u32(s, i));
		ASSERT_EQ(0, recv_u32(fast, &v));
		ASSERT_EQ(i, v);
	}
	EXPECT_EQ(0, lost(fast));
	EXPECT_EQ(-EOVERFLOW, recv_u32(slow, &v));
	EXPECT_EQ(6, lost(slow));
	EXPECT_EQ(0, lost(slow));		/* told once */
	for (i = 6; i < 10; i++) {
		ASSERT_EQ(0, recv_u32(slow, &v));
		EXPECT_EQ(i, v);
	}
	EXPECT_EQ(-EAGAIN, recv_u32(slow, &v));
	ASSERT_EQ(0, chan_info_get(s, &info));
	EXPECT_EQ(6, info.overwritten);
	EXPECT_EQ(10, info.sent);
	/* The stream stays open: later messages reach both. */
	ASSERT_EQ(0, send_u32(s, 10));
	ASSERT_EQ(0, recv_u32(slow, &v));
	EXPECT_EQ(10, v);
	ASSERT_EQ(0, recv_u32(fast, &v));
	EXPECT_EQ(10, v);
	close(slow);
	close(fast);
	close(s);
	close(dev);
}

TEST(overwrite_a_batch_stops_before_the_gap)
{
	int dev = chan_dev_open(), fast, slow, s, i;
	uint32_t buf[8];
	struct chan_msg m[8];
	struct chan_batch b = {
		.size = sizeof(b), .count = 8, .msgs = (uintptr_t)m,
	};
	uint32_t v;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, bmake(dev, CHAN_POLICY_OVERWRITE, 4, CHAN_NONBLOCK, NULL,
			   &fast, &s));
	slow = subscribe(fast, CHAN_NONBLOCK);
	ASSERT_LE(0, slow);
	ASSERT_EQ(0, send_u32(s, 0));
	ASSERT_EQ(0, send_u32(s, 1));
	ASSERT_EQ(0, recv_u32(slow, &v));	/* slow is at 1 */
	for (i = 2; i < 8; i++)
		ASSERT_EQ(0, send_u32(s, i));	/* 1 is overwritten by 5 */
	for (i = 0; i < 8; i++)
		m[i] = (struct chan_msg){ .buf = (uintptr_t)&buf[i],
					  .len = sizeof(buf[i]) };
	EXPECT_EQ(-1, ioctl(slow, CHAN_IOC_RECV_BATCH, &b));
	EXPECT_EQ(EOVERFLOW, errno);
	EXPECT_EQ(0, b.done);
	EXPECT_EQ(3, lost(slow));		/* 1, 2, 3 */
	for (i = 0; i < 8; i++)
		m[i].len = sizeof(buf[i]);
	ASSERT_EQ(4, ioctl(slow, CHAN_IOC_RECV_BATCH, &b));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(4 + i, buf[i]);
	close(slow);
	close(fast);
	close(s);
	close(dev);
}

/* Stress: one producer, four subscriber threads, batched both ways. */

#define BC_SUBS		4
#define BC_BATCH	64

struct bc_sub {
	int fd;
	uint32_t cap;
	long n;			/* messages to expect */
	int overwrite;		/* exact loss accounting instead of none */
	long got, missed, bad;
};

static void *bc_consume(void *arg)
{
	struct bc_sub *c = arg;
	uint32_t buf[BC_BATCH], next = 0;
	struct chan_msg m[BC_BATCH];
	struct chan_batch b = {
		.size = sizeof(b), .msgs = (uintptr_t)m,
		.timeout_ns = CHAN_TIMEOUT_INFINITE,
	};
	int r, i;

	for (;;) {
		for (i = 0; i < BC_BATCH; i++)
			m[i] = (struct chan_msg){ .buf = (uintptr_t)&buf[i],
						  .len = sizeof(buf[i]) };
		b.count = BC_BATCH;
		r = ioctl(c->fd, CHAN_IOC_RECV_BATCH, &b);
		if (r == 0)
			break;
		if (r < 0 && errno == EOVERFLOW && c->overwrite) {
			uint64_t k = lost(c->fd);

			/* The next message is exactly k after the last. */
			c->missed += k;
			next += k;
			continue;
		}
		if (r < 0) {
			c->bad++;
			break;
		}
		for (i = 0; i < r; i++) {
			if (buf[i] != next || m[i].len != sizeof(buf[i]))
				c->bad++;
			next = buf[i] + 1;
		}
		c->got += r;
	}
	return NULL;
}

static void bc_stress(struct __test_metadata *_metadata, uint32_t policy,
		      long n)
{
	struct bc_sub sub[BC_SUBS];
	pthread_t t[BC_SUBS];
	uint32_t buf[BC_BATCH];
	struct chan_msg m[BC_BATCH];
	struct chan_batch b = {
		.size = sizeof(b), .msgs = (uintptr_t)m,
		.timeout_ns = CHAN_TIMEOUT_INFINITE,
	};
	int dev = chan_dev_open(), r, s, k, i;
	struct chan_info info;
	long sent = 0;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, bmake(dev, policy, 256, CHAN_SINGLE_PRODUCER, NULL, &r,
			   &s));
	for (k = 0; k < BC_SUBS; k++) {
		sub[k] = (struct bc_sub){
			.fd = k ? subscribe(r, 0) : r, .n = n,
			.overwrite = policy == CHAN_POLICY_OVERWRITE,
		};
		ASSERT_LE(0, sub[k].fd);
	}
	for (k = 0; k < BC_SUBS; k++)
		ASSERT_EQ(0, pthread_create(&t[k], NULL, bc_consume, &sub[k]));
	while (sent < n) {
		int c = n - sent < BC_BATCH ? n - sent : BC_BATCH, got;

		for (i = 0; i < c; i++) {
			buf[i] = sent + i;
			m[i] = (struct chan_msg){ .buf = (uintptr_t)&buf[i],
						  .len = sizeof(buf[i]) };
		}
		b.count = c;
		got = ioctl(s, CHAN_IOC_SEND_BATCH, &b);
		ASSERT_LT(0, got);
		sent += got;
	}
	ASSERT_EQ(0, ioctl(s, CHAN_IOC_CLOSE));
	for (k = 0; k < BC_SUBS; k++) {
		pthread_join(t[k], NULL);
		EXPECT_EQ(0, sub[k].bad);
		EXPECT_EQ(n, sub[k].got + sub[k].missed);
		if (policy == CHAN_POLICY_BLOCK)
			EXPECT_EQ(0, sub[k].missed);
		if (k)
			close(sub[k].fd);
	}
	ASSERT_EQ(0, chan_info_get(s, &info));
	EXPECT_EQ(n, info.sent);
	EXPECT_EQ(0, info.dropped);
	if (policy == CHAN_POLICY_OVERWRITE) {
		long missed = 0;

		for (k = 0; k < BC_SUBS; k++)
			missed += sub[k].missed;
		EXPECT_EQ(missed, info.overwritten);
		TH_LOG("overwrite: %ld of %ld deliveries lapped", missed,
		       n * BC_SUBS);
	}
	close(r);
	close(s);
	close(dev);
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, block_1_to_4_one_million_in_order, 900)
{
	bc_stress(_metadata, CHAN_POLICY_BLOCK, scaled(1000000));
}

TEST_F_TIMEOUT(stress, overwrite_1_to_4_losses_counted_exactly, 900)
{
	bc_stress(_metadata, CHAN_POLICY_OVERWRITE, scaled(200000));
}

/* Subscribers come and go while a producer sends: each sees a run. */
struct churn {
	int rfd, stop;
	long runs, bad;
};

static void *bc_churn(void *arg)
{
	struct churn *c = arg;
	uint32_t v, first, last;
	int fd, i, r;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		fd = subscribe(c->rfd, 0);
		if (fd < 0) {
			c->bad++;
			break;
		}
		r = recv_u32(fd, &first);
		if (r == 1) {
			close(fd);
			break;
		}
		last = first;
		for (i = 0; i < 100 && r == 0; i++) {
			r = recv_u32(fd, &v);
			if (r == 0 && v != last + 1)
				c->bad++;
			if (r == 0)
				last = v;
		}
		if (r < 0)
			c->bad++;
		c->runs++;
		close(fd);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, subscribe_races_send, 600)
{
	int dev = chan_dev_open(), r, s, k;
	struct churn c[2];
	pthread_t t[2];
	uint32_t i;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, bmake(dev, CHAN_POLICY_BLOCK, 16, 0, NULL, &r, &s));
	for (k = 0; k < 2; k++) {
		c[k] = (struct churn){ .rfd = r };
		ASSERT_EQ(0, pthread_create(&t[k], NULL, bc_churn, &c[k]));
	}
	/* r itself never reads: drain it alongside to keep room. */
	for (i = 0; i < scaled(200000); i++) {
		uint32_t v;

		ASSERT_EQ(0, send_u32(s, i));
		ASSERT_EQ(0, recv_u32(r, &v));
		ASSERT_EQ(i, v);
	}
	for (k = 0; k < 2; k++)
		__atomic_store_n(&c[k].stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, ioctl(s, CHAN_IOC_CLOSE));
	for (k = 0; k < 2; k++) {
		pthread_join(t[k], NULL);
		EXPECT_EQ(0, c[k].bad);
		EXPECT_LT(0, c[k].runs);
	}
	close(r);
	close(s);
	close(dev);
}

TEST_HARNESS_MAIN
