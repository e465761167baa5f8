// SPDX-License-Identifier: GPL-2.0
/*
 * CHAN_IOC_SEND_BATCH / CHAN_IOC_RECV_BATCH: many messages per call,
 * partial progress like recvmmsg(), timeouts, end of stream, and every
 * argument checked with nothing lost.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "chan_test.h"

static int batch(int fd, unsigned long cmd, struct chan_msg *m,
		 uint32_t count, uint64_t timeout_ns, uint32_t *done)
{
	struct chan_batch b = {
		.size = sizeof(b), .count = count, .msgs = (uintptr_t)m,
		.timeout_ns = timeout_ns, .done = 0xdead,
	};
	int r = ioctl(fd, cmd, &b);

	if (done)
		*done = b.done;
	return r < 0 ? -errno : r;
}

FIXTURE(batch) {
	int dev, rfd, sfd;
	char bufs[32][64];
	struct chan_msg m[32];
};

FIXTURE_SETUP(batch)
{
	int k;

	self->dev = chan_dev_open();
	ASSERT_EQ(0, chan_make(self->dev, 0, CHAN_POLICY_BLOCK, 8, 64, NULL,
			       0, &self->rfd, &self->sfd));
	for (k = 0; k < 32; k++) {
		self->m[k] = (struct chan_msg){
			.buf = (uintptr_t)self->bufs[k], .len = 64,
		};
	}
}

FIXTURE_TEARDOWN(batch)
{
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

TEST_F(batch, send_many_then_receive_many)
{
	struct chan_msg out[5];
	uint32_t done, k;
	char text[5][8];

	for (k = 0; k < 5; k++) {
		snprintf(text[k], sizeof(text[k]), "m%u-%.*s", k, k, "xxxx");
		out[k] = (struct chan_msg){ .buf = (uintptr_t)text[k],
					    .len = strlen(text[k]) };
	}
	ASSERT_EQ(5, batch(self->sfd, CHAN_IOC_SEND_BATCH, out, 5, 0, &done));
	EXPECT_EQ(5, done);
	ASSERT_EQ(5, batch(self->rfd, CHAN_IOC_RECV_BATCH, self->m, 16, 0,
			   &done));
	EXPECT_EQ(5, done);
	for (k = 0; k < 5; k++) {
		EXPECT_EQ(strlen(text[k]), self->m[k].len);
		EXPECT_EQ(0, memcmp(self->bufs[k], text[k], strlen(text[k])));
	}
	EXPECT_EQ(64, self->m[5].len);	/* untouched */
}

TEST_F(batch, partial_progress_on_a_full_channel)
{
	uint32_t done;

	ASSERT_EQ(0, fcntl(self->sfd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(8, batch(self->sfd, CHAN_IOC_SEND_BATCH, self->m, 20,
			   CHAN_TIMEOUT_INFINITE, &done));
	EXPECT_EQ(8, done);
	EXPECT_EQ(-EAGAIN, batch(self->sfd, CHAN_IOC_SEND_BATCH, self->m, 1,
				 0, &done));
	EXPECT_EQ(0, done);
}

TEST_F(batch, timeouts_and_end_of_stream)
{
	uint32_t done;

	EXPECT_EQ(-EAGAIN, batch(self->rfd, CHAN_IOC_RECV_BATCH, self->m, 4,
				 0, &done));
	EXPECT_EQ(-ETIMEDOUT, batch(self->rfd, CHAN_IOC_RECV_BATCH, self->m,
				    4, 20000000, &done));
	ASSERT_EQ(3, batch(self->sfd, CHAN_IOC_SEND_BATCH, self->m, 3, 0,
			   NULL));
	ASSERT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	EXPECT_EQ(3, batch(self->rfd, CHAN_IOC_RECV_BATCH, self->m, 10,
			   CHAN_TIMEOUT_INFINITE, &done));
	EXPECT_EQ(0, batch(self->rfd, CHAN_IOC_RECV_BATCH, self->m, 10,
			   CHAN_TIMEOUT_INFINITE, &done));
	EXPECT_EQ(0, done);
}

TEST_F(batch, a_short_buffer_stops_the_batch_and_keeps_the_message)
{
	char big[40], buf[64];
	struct chan_msg out[3] = {
		{ .buf = (uintptr_t)"a", .len = 1 },
		{ .buf = (uintptr_t)"b", .len = 1 },
		{ .buf = (uintptr_t)big, .len = 40 },
	};

	memset(big, 'z', sizeof(big));
	ASSERT_EQ(3, batch(self->sfd, CHAN_IOC_SEND_BATCH, out, 3, 0, NULL));
	self->m[2].len = 10;
	EXPECT_EQ(2, batch(self->rfd, CHAN_IOC_RECV_BATCH, self->m, 3, 0,
			   NULL));
	EXPECT_EQ(-EMSGSIZE, batch(self->rfd, CHAN_IOC_RECV_BATCH,
				   &self->m[2], 1, 0, NULL));
	ASSERT_EQ(40, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, big, 40));
}

TEST_F(batch, bad_buffers_lose_nothing)
{
	struct chan_msg *ro;
	struct chan_info i;
	char buf[64];

	ASSERT_EQ(4, write(self->sfd, "keep", 4));
	/* Bad message buffer. */
	self->m[0].buf = 1;
	EXPECT_EQ(-EFAULT, batch(self->rfd, CHAN_IOC_RECV_BATCH, self->m, 1,
				 0, NULL));
	/* A descriptor array whose lengths cannot be written back. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro[0] = (struct chan_msg){ .buf = (uintptr_t)buf, .len = 64 };
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, batch(self->rfd, CHAN_IOC_RECV_BATCH, ro, 1, 0,
				 NULL));
	munmap(ro, 4096);
	/* Bad send buffer: nothing queued. */
	EXPECT_EQ(-EFAULT, batch(self->sfd, CHAN_IOC_SEND_BATCH, self->m, 1,
				 0, NULL));
	ASSERT_EQ(0, chan_info_get(self->rfd, &i));
	EXPECT_EQ(1, i.depth);
	ASSERT_EQ(4, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "keep", 4));
}

TEST_F(batch, arguments_are_checked)
{
	struct chan_batch b = { .size = sizeof(b), .count = 1,
				.msgs = (uintptr_t)self->m };

	EXPECT_EQ(-EINVAL, batch(self->sfd, CHAN_IOC_SEND_BATCH, self->m, 0,
				 0, NULL));
	EXPECT_EQ(-E2BIG, batch(self->sfd, CHAN_IOC_SEND_BATCH, self->m,
				CHAN_BATCH_MAX + 1, 0, NULL));
	EXPECT_EQ(-EBADF, batch(self->rfd, CHAN_IOC_SEND_BATCH, self->m, 1,
				0, NULL));
	EXPECT_EQ(-EBADF, batch(self->sfd, CHAN_IOC_RECV_BATCH, self->m, 1,
				0, NULL));
	EXPECT_EQ(-EFAULT, batch(self->sfd, CHAN_IOC_SEND_BATCH, NULL, 1, 0,
				 NULL));
	self->m[0].flags = 1;
	EXPECT_EQ(-EINVAL, batch(self->sfd, CHAN_IOC_SEND_BATCH, self->m, 1,
				 0, NULL));
	self->m[0].flags = 0;
	self->m[0].id = 7;
	EXPECT_EQ(-EINVAL, batch(self->sfd, CHAN_IOC_SEND_BATCH, self->m, 1,
				 0, NULL));
	b.flags = 1;
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_SEND_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	b.flags = 0;
	b.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_SEND_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	b.__reserved[1] = 0;
	b.size = 8;
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_SEND_BATCH, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_SEND_BATCH, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_HARNESS_MAIN
