// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring on chan descriptors: IORING_OP_READ, WRITE, READV and
 * multishot POLL_ADD complete for every kind as read(), write() and poll()
 * would - a read of an empty channel when a message comes, 0 at end of
 * stream, EPIPE once no receiver is left, EOVERFLOW for a lapped
 * subscriber - and they complete inline or by poll arming: no io-wq worker
 * (iou-wrk thread) is started for them.  The one exception is a
 * rendezvous send, which must wait for its receiver to take the message:
 * io_uring hands it to a worker, and the test says so.
 */
#include <dirent.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define MSG_MAX	64

/* The io-wq workers of this process: threads named iou-wrk-<pid>. */
static int iou_workers(void)
{
	char path[300], comm[32];
	struct dirent *d;
	int n = 0;
	DIR *dir;
	FILE *f;

	dir = opendir("/proc/self/task");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "iou-wrk", 7))
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

struct writer {
	int fd;
	const char *msg;
	unsigned int delay_ms;
	ssize_t ret;
	pthread_t t;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	usleep(w->delay_ms * 1000);
	w->ret = write(w->fd, w->msg, strlen(w->msg));
	return NULL;
}

static void writer_start(struct writer *w, int fd, const char *msg,
			 unsigned int delay_ms)
{
	w->fd = fd;
	w->msg = msg;
	w->delay_ms = delay_ms;
	w->ret = -2;
	pthread_create(&w->t, NULL, writer_main, w);
}

static ssize_t writer_join(struct writer *w)
{
	pthread_join(w->t, NULL);
	return w->ret;
}

/* Wait for one completion; its res, or -ETIME after @ms. */
static int wait_res(struct io_uring *ring, unsigned int ms, __u64 *data,
		    unsigned int *flags)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L,
	};
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (ret)
		return ret;
	ret = cqe->res;
	if (data)
		*data = cqe->user_data;
	if (flags)
		*flags = cqe->flags;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

static void prep_read(struct io_uring *ring, int fd, void *buf, size_t len,
		      __u64 data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_read(sqe, fd, buf, len, -1);
	sqe->user_data = data;
}

static void prep_write(struct io_uring *ring, int fd, const void *buf,
		       size_t len, __u64 data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_write(sqe, fd, buf, len, -1);
	sqe->user_data = data;
}

FIXTURE(uring) {
	struct io_uring ring;
	int dev, rfd, sfd;
	char buf[MSG_MAX];
};

FIXTURE_VARIANT(uring) {
	uint32_t kind, flags, capacity;
	int handoff;	/* a send waits for its receiver */
};

FIXTURE_VARIANT_ADD(uring, queue) {
	.kind = CHAN_KIND_QUEUE, .capacity = 8,
};

FIXTURE_VARIANT_ADD(uring, queue_spsc) {
	.kind = CHAN_KIND_QUEUE, .capacity = 8,
	.flags = CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER,
};

FIXTURE_VARIANT_ADD(uring, queue_mapped) {
	.kind = CHAN_KIND_QUEUE, .capacity = 8,
	.flags = CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER | CHAN_MAPPABLE,
};

FIXTURE_VARIANT_ADD(uring, oneshot) {
	.kind = CHAN_KIND_ONESHOT, .capacity = 1,
};

FIXTURE_VARIANT_ADD(uring, rendezvous) {
	.kind = CHAN_KIND_RENDEZVOUS, .handoff = 1,
};

FIXTURE_VARIANT_ADD(uring, broadcast) {
	.kind = CHAN_KIND_BROADCAST, .capacity = 8,
};

/* Blocking descriptors: io_uring, not O_NONBLOCK, decides not to block. */
FIXTURE_SETUP(uring)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, chan_make_full(self->dev, variant->kind, variant->flags,
				    CHAN_POLICY_BLOCK, variant->capacity,
				    MSG_MAX, NULL, 0, &self->rfd, &self->sfd));
	ASSERT_EQ(0, io_uring_queue_init(16, &self->ring, 0));
	memset(self->buf, 0, sizeof(self->buf));
}

FIXTURE_TEARDOWN(uring)
{
	io_uring_queue_exit(&self->ring);
	if (self->rfd >= 0)
		close(self->rfd);
	if (self->sfd >= 0)
		close(self->sfd);
	close(self->dev);
}

TEST_F(uring, read_of_an_empty_channel_completes_when_a_message_comes)
{
	struct writer w;

	prep_read(&self->ring, self->rfd, self->buf, sizeof(self->buf), 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, wait_res(&self->ring, 200, NULL, NULL));

	writer_start(&w, self->sfd, "first", 0);
	EXPECT_EQ(5, wait_res(&self->ring, 5000, NULL, NULL));
	EXPECT_EQ(0, memcmp(self->buf, "first", 5));
	EXPECT_EQ(5, writer_join(&w));
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, read_of_a_queued_message_completes_inline)
{
	struct writer w;

	writer_start(&w, self->sfd, "queued", 0);
	if (!variant->handoff) {
		EXPECT_EQ(6, writer_join(&w));
	} else {
		/* The sender waits with its message queued. */
		ASSERT_TRUE(WAIT_INFO(self->rfd, depth, 1));
	}
	prep_read(&self->ring, self->rfd, self->buf, sizeof(self->buf), 2);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(6, wait_res(&self->ring, 5000, NULL, NULL));
	EXPECT_EQ(0, memcmp(self->buf, "queued", 6));
	if (variant->handoff) {
		EXPECT_EQ(6, writer_join(&w));
	}
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, readv_scatters_one_message)
{
	char a[4] = "", b[MSG_MAX] = "";
	struct iovec iov[2] = {
		{ .iov_base = a, .iov_len = sizeof(a) },
		{ .iov_base = b, .iov_len = sizeof(b) },
	};
	struct io_uring_sqe *sqe;
	struct writer w;

	sqe = io_uring_get_sqe(&self->ring);
	io_uring_prep_readv(sqe, self->rfd, iov, 2, -1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	writer_start(&w, self->sfd, "scattered", 50);
	EXPECT_EQ(9, wait_res(&self->ring, 5000, NULL, NULL));
	EXPECT_EQ(0, memcmp(a, "scat", 4));
	EXPECT_EQ(0, memcmp(b, "tered", 5));
	EXPECT_EQ(9, writer_join(&w));
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, a_read_too_small_fails_emsgsize_and_keeps_the_message)
{
	char small[2];

	if (variant->handoff)
		SKIP(return, "a rendezvous send waits for its receiver");
	ASSERT_EQ(7, write(self->sfd, "message", 7));
	prep_read(&self->ring, self->rfd, small, sizeof(small), 3);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-EMSGSIZE, wait_res(&self->ring, 5000, NULL, NULL));
	EXPECT_EQ(7, read(self->rfd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0, memcmp(self->buf, "message", 7));
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, write_is_received_in_order)
{
	static const char *const msgs[] = { "one", "two", "three" };
	unsigned int i, n = variant->kind == CHAN_KIND_ONESHOT ? 1 : 3;
	__u64 data;

	if (variant->handoff)
		SKIP(return, "see rendezvous_write_takes_a_worker...");
	for (i = 0; i < n; i++)
		prep_write(&self->ring, self->sfd, msgs[i], strlen(msgs[i]),
			   10 + i);
	ASSERT_EQ(n, io_uring_submit(&self->ring));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(strlen(msgs[i]), wait_res(&self->ring, 5000, &data,
						    NULL));
		EXPECT_EQ(10 + i, data);
	}
	for (i = 0; i < n; i++) {
		memset(self->buf, 0, sizeof(self->buf));
		EXPECT_EQ(strlen(msgs[i]), read(self->rfd, self->buf,
						sizeof(self->buf)));
		EXPECT_STREQ(msgs[i], self->buf);
	}
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, a_pending_read_completes_with_0_at_end_of_stream)
{
	prep_read(&self->ring, self->rfd, self->buf, sizeof(self->buf), 4);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, wait_res(&self->ring, 100, NULL, NULL));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	EXPECT_EQ(0, wait_res(&self->ring, 5000, NULL, NULL));
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, queued_messages_are_drained_before_end_of_stream)
{
	if (variant->handoff)
		SKIP(return, "a rendezvous channel holds no message");
	ASSERT_EQ(4, write(self->sfd, "last", 4));
	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	prep_read(&self->ring, self->rfd, self->buf, sizeof(self->buf), 5);
	prep_read(&self->ring, self->rfd, self->buf + 8, 8, 6);
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	/* Both complete; the first submitted takes the message. */
	EXPECT_EQ(4, wait_res(&self->ring, 5000, NULL, NULL));
	EXPECT_EQ(0, wait_res(&self->ring, 5000, NULL, NULL));
	EXPECT_EQ(0, memcmp(self->buf, "last", 4));
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, write_without_receivers_fails_epipe)
{
	ASSERT_EQ(0, close(self->rfd));
	self->rfd = -1;
	prep_write(&self->ring, self->sfd, "lost", 4, 7);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-EPIPE, wait_res(&self->ring, 5000, NULL, NULL));
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, multishot_poll_reports_each_message)
{
	struct io_uring_sqe *sqe;
	unsigned int i, flags = 0, n = variant->kind == CHAN_KIND_ONESHOT ? 1 : 3;
	struct writer w;
	int res;

	sqe = io_uring_get_sqe(&self->ring);
	io_uring_prep_poll_multishot(sqe, self->rfd, POLLIN);
	sqe->user_data = 8;
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, wait_res(&self->ring, 100, NULL, NULL));
	for (i = 0; i < n; i++) {
		writer_start(&w, self->sfd, "tick", 0);
		res = wait_res(&self->ring, 5000, NULL, &flags);
		ASSERT_LT(0, res);
		EXPECT_TRUE(res & POLLIN);
		EXPECT_TRUE(flags & IORING_CQE_F_MORE);
		EXPECT_EQ(4, read(self->rfd, self->buf, sizeof(self->buf)));
		EXPECT_EQ(4, writer_join(&w));
		/* Drain completions the same message may have raised. */
		while (wait_res(&self->ring, 50, NULL, &flags) > 0)
			;
	}
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, multishot_poll_on_a_send_end_reports_room)
{
	struct io_uring_sqe *sqe;
	unsigned int flags;
	int res;

	if (variant->handoff || variant->kind == CHAN_KIND_ONESHOT)
		SKIP(return, "room is a waiting receiver / one message");
	/* Fill the ring; then reading one message makes room. */
	while (ioctl(self->sfd, CHAN_IOC_SEND_BATCH, &(struct chan_batch){
		.size = sizeof(struct chan_batch), .count = 1,
		.msgs = (uintptr_t)&(struct chan_msg){
			.buf = (uintptr_t)"x", .len = 1 } }) == 1)
		;
	ASSERT_EQ(EAGAIN, errno);
	sqe = io_uring_get_sqe(&self->ring);
	io_uring_prep_poll_multishot(sqe, self->sfd, POLLOUT);
	sqe->user_data = 9;
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, wait_res(&self->ring, 100, NULL, NULL));
	EXPECT_EQ(1, read(self->rfd, self->buf, sizeof(self->buf)));
	res = wait_res(&self->ring, 5000, NULL, &flags);
	ASSERT_LT(0, res);
	EXPECT_TRUE(res & POLLOUT);
	EXPECT_TRUE(flags & IORING_CQE_F_MORE);
	EXPECT_EQ(0, iou_workers());
}

TEST_F(uring, rendezvous_write_takes_a_worker_and_waits_for_its_receiver)
{
	ssize_t got;

	if (!variant->handoff)
		SKIP(return, "only a rendezvous send waits for its receiver");
	prep_write(&self->ring, self->sfd, "handed", 6, 11);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	/* No receiver: the send waits, it does not fail EAGAIN. */
	EXPECT_EQ(-ETIME, wait_res(&self->ring, 200, NULL, NULL));
	got = read(self->rfd, self->buf, sizeof(self->buf));
	EXPECT_EQ(6, got);
	EXPECT_EQ(0, memcmp(self->buf, "handed", 6));
	EXPECT_EQ(6, wait_res(&self->ring, 5000, NULL, NULL));
	/* Waiting for the taker is a blocking call: io_uring's worker. */
	EXPECT_LE(1, iou_workers());
}

/* A lapped subscriber's io_uring read fails once, as read() would. */
TEST(broadcast_lapped_read_fails_eoverflow_then_goes_on)
{
	int dev, rfd, sfd, i;
	struct io_uring ring;
	char buf[MSG_MAX];
	__u64 lost = 0;

	dev = chan_dev_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, chan_make_full(dev, CHAN_KIND_BROADCAST, 0,
				    CHAN_POLICY_OVERWRITE, 4, MSG_MAX, NULL,
				    0, &rfd, &sfd));
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	for (i = 0; i < 6; i++) {
		snprintf(buf, sizeof(buf), "m%d", i);
		ASSERT_EQ(2, write(sfd, buf, 2));
	}
	prep_read(&ring, rfd, buf, sizeof(buf), 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-EOVERFLOW, wait_res(&ring, 5000, NULL, NULL));
	ASSERT_EQ(0, ioctl(rfd, CHAN_IOC_LOST, &lost));
	EXPECT_EQ(2, lost);
	prep_read(&ring, rfd, buf, sizeof(buf), 2);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(2, wait_res(&ring, 5000, NULL, NULL));
	EXPECT_EQ(0, memcmp(buf, "m2", 2));
	EXPECT_EQ(0, iou_workers());
	io_uring_queue_exit(&ring);
	close(rfd);
	close(sfd);
	close(dev);
}

/* reqrep: read/write fail as the plain calls do; poll sees requests. */
TEST(reqrep_read_write_fail_einval_and_poll_sees_a_call)
{
	struct io_uring_sqe *sqe;
	int dev, rfd, sfd, res;
	struct io_uring ring;
	char buf[MSG_MAX];
	pid_t pid;

	dev = chan_dev_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, chan_make_full(dev, CHAN_KIND_REQREP, 0,
				    CHAN_POLICY_BLOCK, 8, MSG_MAX, NULL, 0,
				    &rfd, &sfd));
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	prep_read(&ring, rfd, buf, sizeof(buf), 1);
	prep_write(&ring, sfd, "req", 3, 2);
	ASSERT_EQ(2, io_uring_submit(&ring));
	EXPECT_EQ(-EINVAL, wait_res(&ring, 5000, NULL, NULL));
	EXPECT_EQ(-EINVAL, wait_res(&ring, 5000, NULL, NULL));

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_poll_add(sqe, rfd, POLLIN);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-ETIME, wait_res(&ring, 100, NULL, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct chan_call c = {
			.size = sizeof(c), .req = (uintptr_t)"ping",
			.req_len = 4, .reply = (uintptr_t)buf,
			.reply_len = sizeof(buf), .timeout_ns = 200000000ULL,
		};

		ioctl(sfd, CHAN_IOC_CALL, &c);
		_exit(0);
	}
	res = wait_res(&ring, 5000, NULL, NULL);
	EXPECT_LT(0, res);
	EXPECT_TRUE(res & POLLIN);
	waitpid(pid, NULL, 0);
	EXPECT_EQ(0, iou_workers());
	io_uring_queue_exit(&ring);
	close(rfd);
	close(sfd);
	close(dev);
}

TEST_HARNESS_MAIN
