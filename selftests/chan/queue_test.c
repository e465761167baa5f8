// SPDX-License-Identifier: GPL-2.0
/*
 * The queue kind: message boundaries, FIFO order, sizes, blocking and
 * non-blocking calls, signals, poll and epoll, close semantics and sharing,
 * over single/multi producer/consumer flags and several capacities.
 */
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define MSG_MAX	64

FIXTURE(queue) {
	int dev, rfd, sfd;
	uint32_t cap;
};

FIXTURE_VARIANT(queue) {
	uint32_t flags;
	uint32_t capacity;	/* 0: the module's maximum */
};

FIXTURE_VARIANT_ADD(queue, spsc_cap1) {
	.flags = CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER, .capacity = 1,
};
FIXTURE_VARIANT_ADD(queue, spsc_cap2) {
	.flags = CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER, .capacity = 2,
};
FIXTURE_VARIANT_ADD(queue, mpsc_cap1) {
	.flags = CHAN_SINGLE_CONSUMER, .capacity = 1,
};
FIXTURE_VARIANT_ADD(queue, spmc_cap1) {
	.flags = CHAN_SINGLE_PRODUCER, .capacity = 1,
};
FIXTURE_VARIANT_ADD(queue, mpmc_cap1) {
	.flags = 0, .capacity = 1,
};
FIXTURE_VARIANT_ADD(queue, mpsc_cap5) {
	.flags = CHAN_SINGLE_CONSUMER, .capacity = 5,
};
FIXTURE_VARIANT_ADD(queue, spmc_cap16) {
	.flags = CHAN_SINGLE_PRODUCER, .capacity = 16,
};
FIXTURE_VARIANT_ADD(queue, mpmc_cap3) {
	.flags = 0, .capacity = 3,
};
FIXTURE_VARIANT_ADD(queue, mpmc_capmax) {
	.flags = 0, .capacity = 0,
};

FIXTURE_SETUP(queue)
{
	struct chan_version v = { .size = sizeof(v) };
	uint32_t cap = variant->capacity;

	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_VERSION, &v));
	if (!cap)
		cap = v.max_capacity;
	self->cap = roundup_pow2(cap);
	ASSERT_EQ(0, chan_make(self->dev, variant->flags | CHAN_NONBLOCK,
			       CHAN_POLICY_BLOCK, cap, MSG_MAX, NULL, 0,
			       &self->rfd, &self->sfd));
}

FIXTURE_TEARDOWN(queue)
{
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

TEST_F(queue, capacity_is_rounded_up_to_a_power_of_two)
{
	struct chan_info i;

	ASSERT_EQ(0, chan_info_get(self->rfd, &i));
	EXPECT_EQ(self->cap, i.capacity);
	EXPECT_EQ(MSG_MAX, i.msg_max);
	EXPECT_EQ(CHAN_KIND_QUEUE, i.kind);
	EXPECT_EQ(variant->flags, i.flags);
	EXPECT_EQ(CHAN_POLICY_BLOCK, i.policy);
	EXPECT_EQ(CHAN_ROLE_RECV, i.role);
	EXPECT_EQ(1, i.senders);
	EXPECT_EQ(1, i.receivers);
	EXPECT_EQ(0, i.depth);
	EXPECT_NE(0, i.id);
}

TEST_F(queue, fill_then_drain_in_fifo_order)
{
	char buf[MSG_MAX], want[MSG_MAX];
	struct chan_info i;
	uint32_t n;

	for (n = 0; n < self->cap; n++) {
		size_t len = 1 + n % MSG_MAX;

		pattern(buf, len, n);
		ASSERT_EQ((ssize_t)len, write(self->sfd, buf, len));
	}
	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, chan_info_get(self->sfd, &i));
	EXPECT_EQ(self->cap, i.depth);
	EXPECT_EQ(self->cap, i.sent);

	for (n = 0; n < self->cap; n++) {
		size_t len = 1 + n % MSG_MAX;

		pattern(want, len, n);
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ((ssize_t)len, read(self->rfd, buf, sizeof(buf)));
		ASSERT_EQ(0, memcmp(buf, want, len));
	}
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, chan_info_get(self->rfd, &i));
	EXPECT_EQ(0, i.depth);
	EXPECT_EQ(self->cap, i.received);
	EXPECT_EQ(0, i.dropped);
	EXPECT_EQ(0, i.overwritten);
}

TEST_F(queue, oversized_message_is_emsgsize_and_not_queued)
{
	char buf[MSG_MAX + 1];
	struct chan_info i;

	memset(buf, 'a', sizeof(buf));
	EXPECT_EQ(-1, write(self->sfd, buf, MSG_MAX + 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(MSG_MAX, write(self->sfd, buf, MSG_MAX));
	ASSERT_EQ(0, chan_info_get(self->sfd, &i));
	EXPECT_EQ(1, i.sent);
	EXPECT_EQ(1, i.depth);
}

TEST_F(queue, short_read_buffer_is_emsgsize_and_keeps_the_message)
{
	char buf[MSG_MAX];

	ASSERT_EQ(10, write(self->sfd, "0123456789", 10));
	EXPECT_EQ(-1, read(self->rfd, buf, 9));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, read(self->rfd, buf, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(10, read(self->rfd, buf, 10));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

TEST_F(queue, zero_length_write_queues_nothing)
{
	struct chan_info i;
	char buf[4];

	EXPECT_EQ(0, write(self->sfd, buf, 0));
	ASSERT_EQ(0, chan_info_get(self->sfd, &i));
	EXPECT_EQ(0, i.sent);
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(queue, readv_and_writev_move_one_message)
{
	char a[3] = "abc", b[4] = "defg", out1[2], out2[10];
	struct iovec wv[2] = { { a, 3 }, { b, 4 } };
	struct iovec rv[2] = { { out1, 2 }, { out2, 10 } };

	ASSERT_EQ(7, writev(self->sfd, wv, 2));
	ASSERT_EQ(7, readv(self->rfd, rv, 2));
	EXPECT_EQ(0, memcmp(out1, "ab", 2));
	EXPECT_EQ(0, memcmp(out2, "cdefg", 5));
}

TEST_F(queue, wrong_direction_is_ebadf)
{
	char c = 'x';

	EXPECT_EQ(-1, read(self->sfd, &c, 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, write(self->rfd, &c, 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_CLOSE));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(queue, unknown_endpoint_ioctl_is_enotty)
{
	struct chan_create c = { .size = sizeof(c) };

	EXPECT_EQ(-1, ioctl(self->rfd, _IO(CHAN_IOC_MAGIC, 0x7e)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_CREATE, &c));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->rfd, _IO('T', 1)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(queue, info_bad_pointer_and_size)
{
	struct chan_info i = { .size = 8 };

	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_INFO, &i));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_LOST, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(queue, close_drains_then_eof_and_is_idempotent)
{
	char buf[MSG_MAX];
	struct chan_info i;

	ASSERT_EQ(3, write(self->sfd, "one", 3));
	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	EXPECT_EQ(-1, write(self->sfd, "two", 3));
	EXPECT_EQ(EPIPE, errno);
	ASSERT_EQ(3, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "one", 3));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
	ASSERT_EQ(0, chan_info_get(self->rfd, &i));
	EXPECT_EQ(1, i.closed);
	EXPECT_EQ(1, i.sent);
}

TEST_F(queue, last_sender_close_is_eof_after_drain)
{
	char buf[MSG_MAX];

	ASSERT_EQ(2, write(self->sfd, "hi", 2));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_EQ(2, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
}

TEST_F(queue, no_receiver_is_epipe_without_sigpipe)
{
	/* SIGPIPE keeps its default action: a signal would kill the test. */
	signal(SIGPIPE, SIG_DFL);
	ASSERT_EQ(0, close(self->rfd));
	self->rfd = -1;
	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(queue, dup_shares_the_endpoint)
{
	char buf[MSG_MAX];
	int d = dup(self->sfd);

	ASSERT_LE(0, d);
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_EQ(1, write(d, "d", 1));
	ASSERT_EQ(1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);	/* the dup keeps the stream open */
	ASSERT_EQ(0, close(d));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
}

TEST_F(queue, fork_shares_the_endpoints)
{
	char buf[MSG_MAX];
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->rfd);
		_exit(write(self->sfd, "child", 5) == 5 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(5, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "child", 5));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c = 'f';
	struct iovec iov = { &c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST_F(queue, scm_rights_passes_an_endpoint)
{
	char buf[MSG_MAX];
	int sv[2], status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		close(self->sfd);
		close(self->rfd);
		fd = recv_fd(sv[1]);
		_exit(fd >= 0 && write(fd, "passed", 6) == 6 ? 0 : 1);
	}
	ASSERT_EQ(0, send_fd(sv[0], self->sfd));
	close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(6, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "passed", 6));
	/* The child's copy died with it: end of stream. */
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
	close(sv[0]);
	close(sv[1]);
}

TEST_F(queue, poll_reports_readable_writable_and_hangup)
{
	struct pollfd p[2] = {
		{ .fd = self->rfd, .events = POLLIN },
		{ .fd = self->sfd, .events = POLLOUT },
	};
	char buf[MSG_MAX];
	uint32_t n;

	ASSERT_EQ(1, poll(p, 2, 0));
	EXPECT_EQ(0, p[0].revents);
	EXPECT_EQ(POLLOUT, p[1].revents);

	for (n = 0; n < self->cap; n++)
		ASSERT_EQ(1, write(self->sfd, "p", 1));
	ASSERT_EQ(1, poll(p, 2, 0));
	EXPECT_EQ(POLLIN, p[0].revents);
	EXPECT_EQ(0, p[1].revents);

	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	ASSERT_EQ(2, poll(p, 2, 0));
	EXPECT_EQ(POLLIN | POLLHUP, p[0].revents);
	EXPECT_EQ(POLLERR, p[1].revents);
	for (n = 0; n < self->cap; n++)
		ASSERT_EQ(1, read(self->rfd, buf, sizeof(buf)));
	ASSERT_EQ(2, poll(p, 2, 0));
	EXPECT_EQ(POLLHUP, p[0].revents);
}

TEST_F(queue, poll_sender_sees_error_when_receivers_are_gone)
{
	struct pollfd p = { .fd = self->sfd, .events = POLLOUT };

	close(self->rfd);
	self->rfd = -1;
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLERR, p.revents);
}

static void *send_later(void *arg)
{
	int fd = *(int *)arg;

	usleep(100 * 1000);
	if (write(fd, "late", 4) != 4)
		return (void *)1;
	return NULL;
}

TEST_F(queue, epoll_level_and_edge_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[2];
	int lt = epoll_create1(0), et = epoll_create1(0);
	pthread_t t;
	void *tret;

	ASSERT_LE(0, lt);
	ASSERT_LE(0, et);
	ASSERT_EQ(0, epoll_ctl(et, EPOLL_CTL_ADD, self->rfd, &ev));
	ev.events = EPOLLIN;
	ASSERT_EQ(0, epoll_ctl(lt, EPOLL_CTL_ADD, self->rfd, &ev));
	EXPECT_EQ(0, epoll_wait(et, out, 2, 0));

	/* A blocked epoll_wait wakes on the send. */
	ASSERT_EQ(0, pthread_create(&t, NULL, send_later, &self->sfd));
	ASSERT_EQ(1, epoll_wait(et, out, 2, 5000));
	EXPECT_EQ(EPOLLIN, out[0].events);
	ASSERT_EQ(0, pthread_join(t, &tret));
	EXPECT_EQ(NULL, tret);

	/* Edge: reported once; level: reported while readable. */
	EXPECT_EQ(0, epoll_wait(et, out, 2, 0));
	EXPECT_EQ(1, epoll_wait(lt, out, 2, 0));
	EXPECT_EQ(1, epoll_wait(lt, out, 2, 0));
	if (self->cap > 1) {
		ASSERT_EQ(1, write(self->sfd, "e", 1));
		EXPECT_EQ(1, epoll_wait(et, out, 2, 0));
		EXPECT_EQ(0, epoll_wait(et, out, 2, 0));
	}
	close(lt);
	close(et);
}

struct blocked {
	int fd;
	ssize_t ret;
	int err;
	char buf[MSG_MAX];
};

static void *blocking_read(void *arg)
{
	struct blocked *b = arg;

	b->ret = read(b->fd, b->buf, sizeof(b->buf));
	b->err = errno;
	return NULL;
}

static void *blocking_write(void *arg)
{
	struct blocked *b = arg;

	b->ret = write(b->fd, "blocked", 7);
	b->err = errno;
	return NULL;
}

static void set_blocking(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

TEST_F(queue, blocked_reader_wakes_on_data)
{
	struct blocked b = { .fd = self->rfd };
	pthread_t t;

	set_blocking(self->rfd);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_read, &b));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waiters, 1));
	ASSERT_EQ(4, write(self->sfd, "wake", 4));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(4, b.ret);
	EXPECT_EQ(0, memcmp(b.buf, "wake", 4));
}

TEST_F(queue, blocked_reader_wakes_on_close)
{
	struct blocked b = { .fd = self->rfd };
	pthread_t t;

	set_blocking(self->rfd);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_read, &b));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waiters, 1));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, b.ret);
}

TEST_F(queue, blocked_writer_wakes_on_room_and_on_receiver_close)
{
	struct blocked b = { .fd = self->sfd };
	char buf[MSG_MAX];
	pthread_t t;
	uint32_t n;

	for (n = 0; n < self->cap; n++)
		ASSERT_EQ(1, write(self->sfd, "f", 1));
	set_blocking(self->sfd);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_write, &b));
	ASSERT_TRUE(WAIT_INFO(self->sfd, send_waiters, 1));
	ASSERT_EQ(1, read(self->rfd, buf, sizeof(buf)));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(7, b.ret);

	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_write, &b));
	ASSERT_TRUE(WAIT_INFO(self->sfd, send_waiters, 1));
	ASSERT_EQ(0, close(self->rfd));
	self->rfd = -1;
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, b.ret);
	EXPECT_EQ(EPIPE, b.err);
}

static void on_usr1(int sig)
{
}

TEST_F(queue, signal_interrupts_a_blocked_read_with_eintr)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct blocked b = { .fd = self->rfd };
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	set_blocking(self->rfd);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_read, &b));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waiters, 1));
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, b.ret);
	EXPECT_EQ(EINTR, b.err);
}

TEST_F(queue, sa_restart_restarts_a_blocked_read)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct blocked b = { .fd = self->rfd };
	struct chan_info i;
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	set_blocking(self->rfd);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_read, &b));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waiters, 1));
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	/* The read went back to sleep: it slept twice. */
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waits, 2));
	ASSERT_EQ(0, chan_info_get(self->rfd, &i));
	EXPECT_EQ(1, i.recv_waiters);
	ASSERT_EQ(7, write(self->sfd, "restart", 7));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(7, b.ret);
}

TEST_F(queue, fdinfo_shows_counters)
{
	ASSERT_EQ(1, write(self->sfd, "a", 1));
	ASSERT_EQ(1, write(self->sfd, "b", 1) == 1 || self->cap == 1);
	EXPECT_EQ(self->cap > 1 ? 2 : 1, fdinfo_value(self->rfd, "chan_sent"));
	EXPECT_EQ(self->cap, fdinfo_value(self->rfd, "chan_capacity"));
	EXPECT_EQ(MSG_MAX, fdinfo_value(self->rfd, "chan_msg_max"));
	EXPECT_EQ(1, fdinfo_value(self->sfd, "chan_senders"));
}

TEST_F(queue, bad_read_buffer_is_efault_and_keeps_the_message)
{
	char buf[MSG_MAX];

	ASSERT_EQ(4, write(self->sfd, "keep", 4));
	EXPECT_EQ(-1, read(self->rfd, null_ptr, sizeof(buf)));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(4, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "keep", 4));
}

TEST_F(queue, bad_write_buffer_is_efault_and_queues_nothing)
{
	char buf[MSG_MAX];
	struct chan_info i;

	EXPECT_EQ(-1, write(self->sfd, null_ptr, 8));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(2, write(self->sfd, "ok", 2));
	ASSERT_EQ(2, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "ok", 2));
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, chan_info_get(self->rfd, &i));
	EXPECT_EQ(1, i.sent);
	EXPECT_EQ(1, i.received);
}

TEST_HARNESS_MAIN
