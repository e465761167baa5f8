// SPDX-License-Identifier: GPL-2.0
/*
 * The request/reply kind: calls and replies by id, timeouts (relative and
 * absolute), late and unknown replies, a server that goes away, callers
 * that give up, argument checks, and 8 callers x 10,000 calls with every
 * reply matched to its request.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define MSG_MAX	64
#define SEC	1000000000ULL

_Static_assert(sizeof(struct chan_call) == CHAN_CALL_SIZE_VER0, "chan_call layout");

static int rmake(int dev, uint32_t cap, uint32_t policy, int *rfd, int *sfd)
{
	return chan_make_full(dev, CHAN_KIND_REQREP, 0, policy, cap, MSG_MAX,
			      NULL, 0, rfd, sfd);
}

/* One call; returns the reply length or -errno, *id the call's id. */
static int call(int sfd, const void *req, uint32_t len, void *reply,
		uint32_t room, uint64_t timeout_ns, uint32_t flags,
		uint64_t *id)
{
	struct chan_call c = {
		.size = sizeof(c), .flags = flags, .req = (uintptr_t)req,
		.req_len = len, .reply = (uintptr_t)reply, .reply_len = room,
		.timeout_ns = timeout_ns,
	};
	int r = ioctl(sfd, CHAN_IOC_CALL, &c);

	if (id)
		*id = c.id;
	if (r < 0)
		return -errno;
	if ((uint32_t)r != c.reply_len)
		return -EPROTO;
	return r;
}

/* Receive up to @n requests; returns how many or -errno. */
static int serve_recv(int rfd, struct chan_msg *m, char (*buf)[MSG_MAX],
		      int n, uint64_t timeout_ns)
{
	struct chan_batch b = {
		.size = sizeof(b), .count = n, .msgs = (uintptr_t)m,
		.timeout_ns = timeout_ns,
	};
	int i, r;

	for (i = 0; i < n; i++)
		m[i] = (struct chan_msg){ .buf = (uintptr_t)buf[i],
					  .len = MSG_MAX };
	r = ioctl(rfd, CHAN_IOC_RECV_BATCH, &b);
	return r < 0 ? -errno : r;
}

static int reply(int rfd, uint64_t id, const void *buf, uint32_t len)
{
	struct chan_msg m = { .buf = (uintptr_t)buf, .len = len, .id = id };
	struct chan_batch b = {
		.size = sizeof(b), .count = 1, .msgs = (uintptr_t)&m,
	};

	return ioctl(rfd, CHAN_IOC_REPLY, &b) == 1 ? 0 : -errno;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

struct caller {
	int sfd;
	const char *req;
	uint64_t timeout_ns;
	char reply[MSG_MAX];
	uint64_t id, t_end;
	int ret;
};

static void *do_call(void *arg)
{
	struct caller *c = arg;

	c->ret = call(c->sfd, c->req, strlen(c->req), c->reply,
		      sizeof(c->reply), c->timeout_ns, 0, &c->id);
	c->t_end = now_ns();
	return NULL;
}

FIXTURE(rr) {
	int dev, rfd, sfd;
};

FIXTURE_SETUP(rr)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, rmake(self->dev, 8, CHAN_POLICY_BLOCK, &self->rfd,
			   &self->sfd));
}

FIXTURE_TEARDOWN(rr)
{
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

TEST_F(rr, a_call_gets_the_reply_to_its_request)
{
	struct caller c = { .sfd = self->sfd, .req = "ping",
			    .timeout_ns = CHAN_TIMEOUT_INFINITE };
	char buf[4][MSG_MAX];
	struct chan_msg m[4];
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, do_call, &c));
	ASSERT_EQ(1, serve_recv(self->rfd, m, buf, 4, CHAN_TIMEOUT_INFINITE));
	ASSERT_EQ(4, m[0].len);
	EXPECT_EQ(0, memcmp(buf[0], "ping", 4));
	EXPECT_NE(0, m[0].id);
	ASSERT_EQ(0, reply(self->rfd, m[0].id, "pong!", 5));
	pthread_join(t, NULL);
	ASSERT_EQ(5, c.ret);
	EXPECT_EQ(0, memcmp(c.reply, "pong!", 5));
	EXPECT_EQ(m[0].id, c.id);
	/* Answered: a second reply finds nobody. */
	EXPECT_EQ(-ENOENT, reply(self->rfd, m[0].id, "again", 5));
}

TEST_F(rr, an_empty_reply_is_a_reply)
{
	struct caller c = { .sfd = self->sfd, .req = "ack?",
			    .timeout_ns = CHAN_TIMEOUT_INFINITE };
	char buf[1][MSG_MAX];
	struct chan_msg m[1];
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, do_call, &c));
	ASSERT_EQ(1, serve_recv(self->rfd, m, buf, 1, CHAN_TIMEOUT_INFINITE));
	ASSERT_EQ(0, reply(self->rfd, m[0].id, NULL, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(0, c.ret);
}

TEST_F(rr, unknown_ids_are_refused)
{
	EXPECT_EQ(-ENOENT, reply(self->rfd, 1, "x", 1));
	EXPECT_EQ(-ENOENT, reply(self->rfd, 0, "x", 1));
	EXPECT_EQ(-ENOENT, reply(self->rfd, ~0ULL, "x", 1));
}

TEST_F(rr, a_timed_out_call_leaves_nothing_and_a_late_reply_fails)
{
	char buf[1][MSG_MAX], out[MSG_MAX];
	struct chan_msg m[1];
	uint64_t id, t0 = now_ns();

	EXPECT_EQ(-ETIMEDOUT, call(self->sfd, "slow", 4, out, sizeof(out),
				   50000000, 0, &id));
	EXPECT_LE(50000000ULL, now_ns() - t0);
	/* The caller is gone: its request is skipped and counted. */
	EXPECT_EQ(-EAGAIN, serve_recv(self->rfd, m, buf, 1, 0));
	EXPECT_EQ(1, fdinfo_value(self->rfd, "chan_cancelled"));
	EXPECT_EQ(-ENOENT, reply(self->rfd, id, "late", 4));
}

TEST_F(rr, an_absolute_timeout_is_honoured)
{
	char out[MSG_MAX], buf[2][MSG_MAX];
	struct chan_msg m[2];
	uint64_t t0 = now_ns();

	EXPECT_EQ(-ETIMEDOUT, call(self->sfd, "abs", 3, out, sizeof(out),
				   t0 + 50000000, CHAN_CALL_ABSTIME, NULL));
	EXPECT_LE(t0 + 50000000, now_ns());
	/* Already past: the request is queued, the wait is not. */
	EXPECT_EQ(-ETIMEDOUT, call(self->sfd, "past", 4, out, sizeof(out),
				   t0, CHAN_CALL_ABSTIME, NULL));
	/* Both callers have gone: a server sees neither request. */
	EXPECT_EQ(-EAGAIN, serve_recv(self->rfd, m, buf, 2, 0));
	EXPECT_EQ(2, fdinfo_value(self->rfd, "chan_cancelled"));
}

TEST_F(rr, a_reply_longer_than_the_room_is_refused_and_the_call_waits)
{
	char buf[1][MSG_MAX], out[4];
	struct chan_msg m[1];
	uint64_t id;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		int r = call(self->sfd, "q", 1, out, sizeof(out),
			     CHAN_TIMEOUT_INFINITE, 0, &id);

		_exit(r == 3 && !memcmp(out, "abc", 3) ? 0 : 1);
	}
	ASSERT_EQ(1, serve_recv(self->rfd, m, buf, 1, CHAN_TIMEOUT_INFINITE));
	EXPECT_EQ(-EMSGSIZE, reply(self->rfd, m[0].id, "abcde", 5));
	ASSERT_EQ(0, reply(self->rfd, m[0].id, "abc", 3));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_F(rr, the_server_closing_fails_pending_calls_at_once)
{
	struct caller c[3];
	char buf[2][MSG_MAX];
	struct chan_msg m[2];
	pthread_t t[3];
	uint64_t t0;
	int i;

	for (i = 0; i < 3; i++) {
		c[i] = (struct caller){ .sfd = self->sfd, .req = "wait",
					.timeout_ns = 30 * SEC };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, do_call, &c[i]));
	}
	ASSERT_TRUE(WAIT_INFO(self->sfd, sent, 3));
	/* Two requests taken, not answered; one still queued. */
	ASSERT_EQ(2, serve_recv(self->rfd, m, buf, 2, 0));
	t0 = now_ns();
	close(self->rfd);
	self->rfd = -1;
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(-ECONNRESET, c[i].ret);
		EXPECT_GT(SEC, c[i].t_end - t0);
	}
	/* A new call finds no server. */
	EXPECT_EQ(-EPIPE, call(self->sfd, "x", 1, buf[0], MSG_MAX,
			       CHAN_TIMEOUT_INFINITE, 0, NULL));
}

static void on_signal(int sig)
{
	(void)sig;
}

TEST_F(rr, an_interrupted_call_is_gone)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct caller c = { .sfd = self->sfd, .req = "int",
			    .timeout_ns = CHAN_TIMEOUT_INFINITE };
	char buf[1][MSG_MAX];
	struct chan_msg m[1];
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, do_call, &c));
	ASSERT_EQ(1, serve_recv(self->rfd, m, buf, 1, CHAN_TIMEOUT_INFINITE));
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	pthread_join(t, NULL);
	EXPECT_EQ(-EINTR, c.ret);
	EXPECT_EQ(-ENOENT, reply(self->rfd, m[0].id, "late", 4));
	signal(SIGUSR1, SIG_DFL);
}

TEST_F(rr, a_dead_caller_leaves_nothing)
{
	char buf[1][MSG_MAX];
	struct chan_msg m[1];
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		char out[8];

		call(self->sfd, "die", 3, out, sizeof(out),
		     CHAN_TIMEOUT_INFINITE, 0, NULL);
		_exit(1);
	}
	ASSERT_EQ(1, serve_recv(self->rfd, m, buf, 1, CHAN_TIMEOUT_INFINITE));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(-ENOENT, reply(self->rfd, m[0].id, "late", 4));
}

TEST_F(rr, plain_io_and_wrong_ends_are_refused)
{
	struct chan_msg mm = { .buf = (uintptr_t)"x", .len = 1 };
	struct chan_batch b = {
		.size = sizeof(b), .count = 1, .msgs = (uintptr_t)&mm,
	};
	char buf[MSG_MAX];
	int qr, qs;

	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_SEND_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	fcntl(self->rfd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EBADF, call(self->rfd, "x", 1, buf, 8, 0, 0, NULL));
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_REPLY, &b));
	EXPECT_EQ(EBADF, errno);
	b.timeout_ns = 1;
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_REPLY, &b));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, chan_make(self->dev, 0, 0, 4, 8, NULL, 0, &qr, &qs));
	EXPECT_EQ(-EINVAL, call(qs, "x", 1, buf, 8, 0, 0, NULL));
	b.timeout_ns = 0;
	EXPECT_EQ(-1, ioctl(qr, CHAN_IOC_REPLY, &b));
	EXPECT_EQ(EINVAL, errno);
	close(qr);
	close(qs);
}

TEST_F(rr, call_arguments_are_checked)
{
	struct chan_call c = {
		.size = sizeof(c), .req = (uintptr_t)"x", .req_len = 1,
	};
	char big[MSG_MAX + 1] = { 0 }, out[8];
	struct chan_info info;

	EXPECT_EQ(-EINVAL, call(self->sfd, "x", 1, out, 8, 0, 2, NULL));
	EXPECT_EQ(-EINVAL, call(self->sfd, "x", 0, out, 8, 0, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, call(self->sfd, big, sizeof(big), out, 8, 0, 0,
				  NULL));
	EXPECT_EQ(-EFAULT, call(self->sfd, null_ptr, 4, out, 8, 0, 0, NULL));
	c.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_CALL, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_CALL, null_ptr));
	EXPECT_EQ(EFAULT, errno);
	/* Nothing was queued by any of them. */
	ASSERT_EQ(0, chan_info_get(self->sfd, &info));
	EXPECT_EQ(0, info.sent);
	EXPECT_EQ(0, info.depth);
}

TEST_F(rr, a_nonblocking_caller_does_not_wait_for_room)
{
	char out[8];
	struct chan_info info;
	int i, fl = fcntl(self->sfd, F_GETFL);

	/* Fill the ring with requests nobody serves (each times out). */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(-ETIMEDOUT, call(self->sfd, "f", 1, out, 8, 1000, 0,
					   NULL));
	ASSERT_EQ(0, chan_info_get(self->sfd, &info));
	ASSERT_EQ(8, info.depth);
	fcntl(self->sfd, F_SETFL, fl | O_NONBLOCK);
	EXPECT_EQ(-EAGAIN, call(self->sfd, "f", 1, out, 8,
				CHAN_TIMEOUT_INFINITE, 0, NULL));
	fcntl(self->sfd, F_SETFL, fl);
}

TEST(creation_rules_and_feature)
{
	struct chan_version v = { .size = sizeof(v) };
	int dev = chan_dev_open(), r, s;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & CHAN_FEAT_REQREP);
	EXPECT_EQ(-EINVAL, rmake(dev, 0, CHAN_POLICY_BLOCK, &r, &s));
	EXPECT_EQ(-EINVAL, rmake(dev, 4, CHAN_POLICY_DROP_NEWEST, &r, &s));
	EXPECT_EQ(-EINVAL, rmake(dev, 4, CHAN_POLICY_OVERWRITE, &r, &s));
	ASSERT_EQ(0, rmake(dev, 4, CHAN_POLICY_FAIL, &r, &s));
	close(r);
	close(s);
	close(dev);
}

/* Many callers, a batching server: every reply matches its request. */

#define CALLERS		8
#define CALLS		scaled(10000)
#define SERVE_BATCH	16

struct req {
	uint32_t caller, seq;
};

struct rep {
	uint32_t caller, seq, check;
};

struct client {
	int sfd, who, calls;
	long ok, bad, reset, other;
	uint64_t t_end;
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	struct req q = { .caller = c->who };
	struct rep p;
	int i, r;

	for (i = 0; i < c->calls; i++) {
		q.seq = i;
		r = call(c->sfd, &q, sizeof(q), &p, sizeof(p), 60 * SEC, 0,
			 NULL);
		if (r == sizeof(p) && p.caller == q.caller && p.seq == q.seq &&
		    p.check == (q.caller * 2654435761U ^ q.seq)) {
			c->ok++;
		} else if (r == -ECONNRESET || r == -EPIPE) {
			c->reset++;
			break;
		} else if (r >= 0) {
			c->bad++;
		} else {
			c->other++;
		}
	}
	c->t_end = now_ns();
	return NULL;
}

/* Serve until end of stream, or @limit calls; batches both ways. */
static long serve(int rfd, long limit)
{
	char buf[SERVE_BATCH][MSG_MAX];
	struct chan_msg m[SERVE_BATCH], out[SERVE_BATCH];
	struct rep rep[SERVE_BATCH];
	struct chan_batch b = {
		.size = sizeof(b), .msgs = (uintptr_t)out,
	};
	long served = 0;
	int n, i;

	while (!limit || served < limit) {
		n = serve_recv(rfd, m, buf, SERVE_BATCH,
			       CHAN_TIMEOUT_INFINITE);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			struct req *q = (struct req *)buf[i];

			rep[i] = (struct rep){ q->caller, q->seq,
					       q->caller * 2654435761U ^
					       q->seq };
			out[i] = (struct chan_msg){ .buf = (uintptr_t)&rep[i],
						    .len = sizeof(rep[i]),
						    .id = m[i].id };
		}
		b.count = n;
		if (ioctl(rfd, CHAN_IOC_REPLY, &b) != n)
			return -1;
		served += n;
	}
	return served;
}

FIXTURE(load) {
	int dev, rfd, sfd;
};

FIXTURE_SETUP(load)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, rmake(self->dev, 64, CHAN_POLICY_BLOCK, &self->rfd,
			   &self->sfd));
}

FIXTURE_TEARDOWN(load)
{
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

TEST_F_TIMEOUT(load, eight_callers_ten_thousand_calls_each_matched, 900)
{
	struct client c[CALLERS];
	pthread_t t[CALLERS];
	struct chan_info info;
	pid_t pid;
	int i, st;

	pid = fork();
	if (pid == 0) {
		close(self->sfd);
		_exit(serve(self->rfd, 0) == CALLERS * CALLS ? 0 : 1);
	}
	close(self->rfd);
	self->rfd = -1;
	for (i = 0; i < CALLERS; i++) {
		c[i] = (struct client){ .sfd = self->sfd, .who = i,
					.calls = CALLS };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, client_run, &c[i]));
	}
	for (i = 0; i < CALLERS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(CALLS, c[i].ok);
		EXPECT_EQ(0, c[i].bad + c[i].reset + c[i].other);
	}
	ASSERT_EQ(0, chan_info_get(self->sfd, &info));
	EXPECT_EQ(CALLERS * CALLS, info.sent);
	EXPECT_EQ(CALLERS * CALLS, info.received);
	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_F_TIMEOUT(load, server_killed_mid_stream_fails_every_call_promptly,
	       300)
{
	struct client c[CALLERS];
	pthread_t t[CALLERS];
	uint64_t t_kill;
	long ok = 0;
	pid_t pid;
	int i, st;

	pid = fork();
	if (pid == 0) {
		close(self->sfd);
		serve(self->rfd, 0);
		_exit(0);
	}
	close(self->rfd);
	self->rfd = -1;
	for (i = 0; i < CALLERS; i++) {
		c[i] = (struct client){ .sfd = self->sfd, .who = i,
					.calls = 1000000 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, client_run, &c[i]));
	}
	ASSERT_TRUE(WAIT_INFO(self->sfd, received, 200));
	t_kill = now_ns();
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	for (i = 0; i < CALLERS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(1, c[i].reset);
		EXPECT_EQ(0, c[i].bad + c[i].other);
		EXPECT_GT(SEC, c[i].t_end - t_kill);
		ok += c[i].ok;
	}
	TH_LOG("%ld calls answered before the kill", ok);
}

/* Close races call: callers see only replies, resets or EPIPE. */
TEST_F_TIMEOUT(load, close_races_call, 300)
{
	int round;

	for (round = 0; round < 30; round++) {
		struct client c[4];
		pthread_t t[4];
		int r, s, i, st;
		pid_t pid;

		ASSERT_EQ(0, rmake(self->dev, 4, CHAN_POLICY_BLOCK, &r, &s));
		pid = fork();
		if (pid == 0) {
			close(s);
			serve(r, 50 + round * 7);
			_exit(0);	/* closes the server's end mid-stream */
		}
		close(r);
		for (i = 0; i < 4; i++) {
			c[i] = (struct client){ .sfd = s, .who = i,
						.calls = 1000000 };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, client_run,
						    &c[i]));
		}
		for (i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			EXPECT_EQ(1, c[i].reset);
			EXPECT_EQ(0, c[i].bad + c[i].other);
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		close(s);
	}
}

TEST_HARNESS_MAIN
