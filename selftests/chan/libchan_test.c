// SPDX-License-Identifier: GPL-2.0
/*
 * libchan: round trips, timeouts, names, vectors, lost counts,
 * chan_select() fairness (no busy channel starved) and bias, calls and
 * replies, kinds and subscribers, and the transparent mapped-ring path.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "libchan.h"

TEST(round_trip_and_errors_as_negative_errno)
{
	struct chan_opts o = { .capacity = 2, .msg_max = 16 };
	struct chan_pair p;
	char buf[16];

	ASSERT_EQ(0, chan_new(&o, &p));
	EXPECT_EQ(5, chan_send(p.send_fd, "hello", 5, -1));
	EXPECT_EQ(5, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(-ETIMEDOUT, chan_recv(p.recv_fd, buf, sizeof(buf), 20));
	EXPECT_EQ(-EAGAIN, chan_recv(p.recv_fd, buf, sizeof(buf), 0));
	EXPECT_EQ(-EMSGSIZE, chan_send(p.send_fd, buf, 17, 0));
	EXPECT_EQ(1, chan_send(p.send_fd, "a", 1, 0));
	EXPECT_EQ(1, chan_send(p.send_fd, "b", 1, 0));
	EXPECT_EQ(-ETIMEDOUT, chan_send(p.send_fd, "c", 1, 20));
	EXPECT_EQ(0, chan_close_send(p.send_fd));
	EXPECT_EQ(1, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ(1, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ(0, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	close(p.recv_fd);
	EXPECT_EQ(-EPIPE, chan_send(p.send_fd, "x", 1, -1));
	close(p.send_fd);
}

/* chan_limits() counts this caller's channels and ring memory. */
TEST(limits_follow_creates_and_closes)
{
	struct chan_opts o = { .capacity = 4, .msg_max = 64 };
	struct chan_limits before, during, after;
	struct chan_pair p;

	ASSERT_EQ(0, chan_limits(&before));
	EXPECT_EQ(CHAN_LIMITS_SIZE_VER0, before.size);
	ASSERT_EQ(0, chan_new(&o, &p));
	ASSERT_EQ(0, chan_limits(&during));
	EXPECT_EQ(before.channels + 1, during.channels);
	EXPECT_LT(before.bytes, during.bytes);
	EXPECT_EQ(before.max_channels, during.max_channels);
	close(p.recv_fd);
	close(p.send_fd);
	/* The channel is freed after the last close, maybe a little later. */
	for (int i = 0; i < 1000; i++) {
		ASSERT_EQ(0, chan_limits(&after));
		if (after.channels == before.channels)
			break;
		usleep(1000);
	}
	EXPECT_EQ(before.channels, after.channels);
	EXPECT_EQ(before.bytes, after.bytes);
}

TEST(names_open_and_unlink)
{
	struct chan_opts o = { .name = "libchan.test", .mode = 0600 };
	struct chan_info info;
	struct chan_pair p;
	char buf[8];
	int s;

	ASSERT_EQ(0, chan_new(&o, &p));
	EXPECT_EQ(-EEXIST, chan_new(&o, &p));
	s = chan_open("libchan.test", CHAN_ROLE_SEND, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(2, chan_send(s, "hi", 2, -1));
	EXPECT_EQ(2, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	ASSERT_EQ(0, chan_stat(s, &info));
	EXPECT_STREQ("libchan.test", info.name);
	EXPECT_EQ(0, chan_unlink("libchan.test"));
	EXPECT_EQ(-ENOENT, chan_open("libchan.test", CHAN_ROLE_RECV, 0));
	close(s);
	close(p.recv_fd);
	close(p.send_fd);
}

TEST(vectors_and_lost)
{
	struct chan_opts o = { .capacity = 4, .policy = CHAN_POLICY_OVERWRITE };
	char a[8], b[8], c[8];
	struct iovec out[3] = { { "one", 3 }, { "two", 3 }, { "three", 5 } };
	struct iovec in[3] = { { a, 8 }, { b, 8 }, { c, 8 } };
	struct chan_pair p;
	int k;

	ASSERT_EQ(0, chan_new(&o, &p));
	EXPECT_EQ(3, chan_sendv(p.send_fd, out, 3, -1));
	EXPECT_EQ(3, chan_recvv(p.recv_fd, in, 3, -1));
	EXPECT_EQ(5, in[2].iov_len);
	EXPECT_EQ(0, memcmp(c, "three", 5));
	for (k = 0; k < 6; k++)
		chan_send(p.send_fd, "x", 1, 0);
	EXPECT_EQ(2, chan_lost(p.recv_fd));
	EXPECT_EQ(0, chan_lost(p.recv_fd));
	close(p.recv_fd);
	close(p.send_fd);
}

static void select_run(struct __test_metadata *_metadata, int flags,
		       int counts[4])
{
	struct chan_opts o = { .capacity = 16384, .msg_max = 8 };
	struct chan_case cases[4];
	struct chan_pair p[4];
	char buf[8];
	int k, i;

	for (k = 0; k < 4; k++) {
		ASSERT_EQ(0, chan_new(&o, &p[k]));
		for (i = 0; i < 10000; i++)
			ASSERT_EQ(1, chan_send(p[k].send_fd, "m", 1, 0));
		cases[k].fd = p[k].recv_fd;
		counts[k] = 0;
	}
	for (i = 0; i < 10000; i++) {
		k = chan_select(cases, 4, -1, flags);
		ASSERT_LE(0, k);
		ASSERT_EQ(1, cases[k].ready);
		ASSERT_EQ(1, chan_recv(cases[k].fd, buf, sizeof(buf), 0));
		counts[k]++;
	}
	for (k = 0; k < 4; k++) {
		close(p[k].recv_fd);
		close(p[k].send_fd);
	}
}

TEST(select_is_fair_over_busy_channels)
{
	int counts[4], k;

	select_run(_metadata, 0, counts);
	for (k = 0; k < 4; k++) {
		EXPECT_LE(2400, counts[k]);
		EXPECT_GE(2600, counts[k]);
	}
}

TEST(select_biased_prefers_the_first_ready_arm)
{
	int counts[4];

	select_run(_metadata, CHAN_SELECT_BIASED, counts);
	EXPECT_EQ(10000, counts[0]);
	EXPECT_EQ(0, counts[1] + counts[2] + counts[3]);
}

TEST(select_times_out_and_sees_writable_send_ends)
{
	struct chan_opts o = { .capacity = 1 };
	struct chan_case c[2];
	struct chan_pair p;

	ASSERT_EQ(0, chan_new(&o, &p));
	c[0].fd = p.recv_fd;
	EXPECT_EQ(-ETIMEDOUT, chan_select(c, 1, 10, 0));
	EXPECT_EQ(0, c[0].ready);
	c[1].fd = p.send_fd;
	EXPECT_EQ(1, chan_select(c, 2, -1, 0));
	EXPECT_EQ(0, c[0].ready);
	EXPECT_EQ(1, c[1].ready);
	close(p.recv_fd);
	close(p.send_fd);
}

static void *echo_server(void *arg)
{
	int fd = *(int *)arg;
	char buf[32], out[40];
	uint64_t id;
	ssize_t n;

	while ((n = chan_recv_req(fd, buf, sizeof(buf), &id, -1)) > 0) {
		memcpy(out, "re:", 3);
		memcpy(out + 3, buf, n);
		if (chan_reply(fd, id, out, n + 3))
			break;
	}
	return NULL;
}

TEST(call_and_reply)
{
	struct chan_opts o = { .kind = CHAN_KIND_REQREP, .msg_max = 32 };
	struct chan_pair p;
	char reply[40];
	pthread_t t;
	int i;

	ASSERT_EQ(0, chan_new(&o, &p));
	ASSERT_EQ(0, pthread_create(&t, NULL, echo_server, &p.recv_fd));
	for (i = 0; i < 100; i++) {
		char req[16];
		int n = snprintf(req, sizeof(req), "call %d", i);

		ASSERT_EQ(n + 3, chan_call(p.send_fd, req, n, reply,
					   sizeof(reply), 5000));
		ASSERT_EQ(0, memcmp(reply, "re:", 3));
		ASSERT_EQ(0, memcmp(reply + 3, req, n));
	}
	EXPECT_EQ(-ENOENT, chan_reply(p.recv_fd, 12345, "x", 1));
	ASSERT_EQ(0, chan_close_send(p.send_fd));
	pthread_join(t, NULL);
	close(p.recv_fd);
	EXPECT_EQ(-EPIPE, chan_call(p.send_fd, "x", 1, reply, sizeof(reply),
				    -1));
	close(p.send_fd);
}

TEST(kinds_through_options_and_subscribe)
{
	struct chan_opts o = { .kind = CHAN_KIND_ONESHOT };
	struct chan_pair p;
	char buf[8];
	int sub;

	ASSERT_EQ(0, chan_new(&o, &p));
	EXPECT_EQ(2, chan_send(p.send_fd, "ok", 2, -1));
	EXPECT_EQ(-EALREADY, chan_send(p.send_fd, "no", 2, -1));
	EXPECT_EQ(2, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ(0, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	close(p.recv_fd);
	close(p.send_fd);

	o.kind = CHAN_KIND_BROADCAST;
	ASSERT_EQ(0, chan_new(&o, &p));
	sub = chan_subscribe(p.recv_fd, 0);
	ASSERT_LE(0, sub);
	EXPECT_EQ(FD_CLOEXEC, fcntl(sub, F_GETFD));
	EXPECT_EQ(3, chan_send(p.send_fd, "all", 3, -1));
	EXPECT_EQ(3, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ(3, chan_recv(sub, buf, sizeof(buf), -1));
	EXPECT_EQ(0, memcmp(buf, "all", 3));
	EXPECT_EQ(-EBADF, chan_subscribe(p.send_fd, 0));
	close(sub);
	close(p.recv_fd);
	close(p.send_fd);
}

#define SPSC_MAP (CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER | CHAN_MAPPABLE)

/* The same contract as above, through a mapped ring. */
TEST(mapped_round_trip_and_errors)
{
	struct chan_opts o = { .capacity = 2, .msg_max = 16,
			       .flags = SPSC_MAP };
	struct chan_info info;
	struct chan_pair p;
	char buf[16];

	ASSERT_EQ(0, chan_new(&o, &p));
	EXPECT_EQ(1, chan_mapped(p.send_fd));
	EXPECT_EQ(1, chan_mapped(p.recv_fd));
	EXPECT_EQ(5, chan_send(p.send_fd, "hello", 5, -1));
	EXPECT_EQ(5, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(-ETIMEDOUT, chan_recv(p.recv_fd, buf, sizeof(buf), 20));
	EXPECT_EQ(-EAGAIN, chan_recv(p.recv_fd, buf, sizeof(buf), 0));
	EXPECT_EQ(-EMSGSIZE, chan_send(p.send_fd, buf, 17, 0));
	EXPECT_EQ(2, chan_send(p.send_fd, "bc", 2, 0));
	EXPECT_EQ(1, chan_send(p.send_fd, "a", 1, 0));
	EXPECT_EQ(-EAGAIN, chan_send(p.send_fd, "d", 1, 0));
	EXPECT_EQ(-ETIMEDOUT, chan_send(p.send_fd, "d", 1, 20));
	EXPECT_EQ(-EMSGSIZE, chan_recv(p.recv_fd, buf, 1, 0));
	/* Nothing went through the kernel's read/write path. */
	ASSERT_EQ(0, chan_stat(p.recv_fd, &info));
	EXPECT_EQ(0, info.sent);
	EXPECT_EQ(0, info.received);
	EXPECT_EQ(2, info.depth);
	EXPECT_EQ(0, chan_close_send(p.send_fd));
	EXPECT_EQ(-EPIPE, chan_send(p.send_fd, "x", 1, -1));
	EXPECT_EQ(2, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ(0, memcmp(buf, "bc", 2));
	EXPECT_EQ(1, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(0, chan_recv(p.recv_fd, buf, sizeof(buf), -1));
	EXPECT_EQ(0, chan_recv(p.recv_fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, chan_close(p.recv_fd));
	EXPECT_EQ(0, chan_mapped(p.recv_fd));
	EXPECT_EQ(0, chan_close(p.send_fd));
}

TEST(mapped_receiver_gone_and_policies)
{
	struct chan_opts o = { .capacity = 1, .msg_max = 8,
			       .flags = SPSC_MAP,
			       .policy = CHAN_POLICY_DROP_NEWEST };
	struct chan_info info;
	struct chan_pair p;

	ASSERT_EQ(0, chan_new(&o, &p));
	EXPECT_EQ(1, chan_send(p.send_fd, "a", 1, -1));
	/* Full: the kernel applies the policy and counts the drop. */
	EXPECT_EQ(1, chan_send(p.send_fd, "b", 1, -1));
	ASSERT_EQ(0, chan_stat(p.send_fd, &info));
	EXPECT_EQ(1, info.dropped);
	EXPECT_EQ(0, chan_close(p.recv_fd));
	EXPECT_EQ(-EPIPE, chan_send(p.send_fd, "c", 1, -1));
	EXPECT_EQ(0, chan_close(p.send_fd));

	o.policy = CHAN_POLICY_FAIL;
	ASSERT_EQ(0, chan_new(&o, &p));
	EXPECT_EQ(1, chan_send(p.send_fd, "a", 1, -1));
	EXPECT_EQ(-EAGAIN, chan_send(p.send_fd, "b", 1, -1));
	chan_close(p.recv_fd);
	chan_close(p.send_fd);
}

struct mstream {
	int fd;
	unsigned int n, bad;
	int err;
};

static void *mproduce(void *arg)
{
	struct mstream *s = arg;
	struct iovec iov[8];
	uint32_t v[8];
	unsigned int i = 0, k;
	int r;

	while (i < s->n) {
		if (i % 3) {
			r = chan_send(s->fd, &i, sizeof(i), -1);
			if (r != sizeof(i)) {
				s->err = r;
				return NULL;
			}
			i++;
			continue;
		}
		for (k = 0; k < 8; k++) {
			v[k] = i + k;
			iov[k] = (struct iovec){ &v[k], sizeof(v[k]) };
		}
		r = chan_sendv(s->fd, iov, s->n - i < 8 ? s->n - i : 8, -1);
		if (r <= 0) {
			s->err = r ? r : -1;
			return NULL;
		}
		i += r;
	}
	return NULL;
}

/* 300,000 messages between threads over the mapping, exactly in order. */
TEST(mapped_stream_in_order)
{
	struct chan_opts o = { .capacity = 16, .msg_max = 8,
			       .flags = SPSC_MAP };
	struct mstream ps = { .n = 300000 };
	struct iovec iov[5];
	uint32_t v[5], want = 0;
	struct chan_pair p;
	pthread_t t;
	int r, k;

	ASSERT_EQ(0, chan_new(&o, &p));
	ps.fd = p.send_fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, mproduce, &ps));
	while (want < ps.n) {
		for (k = 0; k < 5; k++)
			iov[k] = (struct iovec){ &v[k], sizeof(v[k]) };
		r = chan_recvv(p.recv_fd, iov, 5, 10000);
		ASSERT_LT(0, r);
		for (k = 0; k < r; k++, want++) {
			ASSERT_EQ(sizeof(uint32_t), iov[k].iov_len);
			ASSERT_EQ(want, v[k]);
		}
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, ps.err);
	EXPECT_EQ(-EAGAIN, chan_recv(p.recv_fd, v, sizeof(v), 0));
	chan_close(p.recv_fd);
	chan_close(p.send_fd);
}

/* A mapped fd closed with plain close(): its number's next user is fine. */
TEST(reused_descriptor_numbers_forget_old_mappings)
{
	struct chan_opts m = { .capacity = 4, .msg_max = 8,
			       .flags = SPSC_MAP };
	struct chan_opts q = { .capacity = 4, .msg_max = 8 };
	struct chan_info info;
	struct chan_pair a, b;
	char buf[8];

	ASSERT_EQ(0, chan_new(&m, &a));
	EXPECT_EQ(1, chan_mapped(a.recv_fd));
	close(a.recv_fd);
	close(a.send_fd);
	ASSERT_EQ(0, chan_new(&q, &b));
	EXPECT_EQ(a.recv_fd, b.recv_fd);	/* the lowest numbers again */
	EXPECT_EQ(0, chan_mapped(b.recv_fd));
	EXPECT_EQ(0, chan_mapped(b.send_fd));
	EXPECT_EQ(2, chan_send(b.send_fd, "ok", 2, 0));
	EXPECT_EQ(2, chan_recv(b.recv_fd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, chan_stat(b.recv_fd, &info));
	EXPECT_EQ(1, info.sent);
	chan_close(b.recv_fd);
	chan_close(b.send_fd);
}

TEST(mapped_open_by_name_and_select)
{
	char name[32];
	struct chan_opts o = { .capacity = 4, .msg_max = 8,
			       .flags = SPSC_MAP, .name = name };
	struct chan_case c[2];
	struct chan_pair p;
	int rfd, sfd;
	char buf[8];

	snprintf(name, sizeof(name), "lc.map.%d", getpid());
	ASSERT_EQ(0, chan_new(&o, &p));
	chan_close(p.recv_fd);
	chan_close(p.send_fd);
	rfd = chan_open(name, CHAN_ROLE_RECV, 0);
	sfd = chan_open(name, CHAN_ROLE_SEND, 0);
	ASSERT_LE(0, rfd);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(1, chan_mapped(rfd));
	EXPECT_EQ(1, chan_mapped(sfd));
	/* Both ends are O_RDWR; select still knows which way each faces. */
	c[0].fd = rfd;
	c[1].fd = sfd;
	EXPECT_EQ(1, chan_select(c, 2, 0, 0));
	EXPECT_EQ(0, c[0].ready);
	EXPECT_EQ(1, c[1].ready);
	EXPECT_EQ(3, chan_send(sfd, "abc", 3, 0));
	EXPECT_LE(0, chan_select(c, 2, 0, CHAN_SELECT_BIASED));
	EXPECT_EQ(1, c[0].ready);
	EXPECT_EQ(3, chan_recv(rfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, chan_unlink(name));
	chan_close(rfd);
	chan_close(sfd);
}

TEST_HARNESS_MAIN
