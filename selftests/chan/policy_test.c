// SPDX-License-Identifier: GPL-2.0
/*
 * Full-channel policies (fail, drop newest, overwrite oldest) and the
 * single-producer / single-consumer promises.
 */
#include <poll.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define CAP	4

FIXTURE(policy) {
	int dev, rfd, sfd;
};

FIXTURE_VARIANT(policy) {
	uint32_t policy;
	uint32_t flags;
};

#define SPSC (CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER)
FIXTURE_VARIANT_ADD(policy, fail_spsc) { CHAN_POLICY_FAIL, SPSC };
FIXTURE_VARIANT_ADD(policy, fail_mpmc) { CHAN_POLICY_FAIL, 0 };
FIXTURE_VARIANT_ADD(policy, drop_spsc) { CHAN_POLICY_DROP_NEWEST, SPSC };
FIXTURE_VARIANT_ADD(policy, drop_mpmc) { CHAN_POLICY_DROP_NEWEST, 0 };
FIXTURE_VARIANT_ADD(policy, overwrite_spsc) { CHAN_POLICY_OVERWRITE, SPSC };
FIXTURE_VARIANT_ADD(policy, overwrite_mpsc) {
	CHAN_POLICY_OVERWRITE, CHAN_SINGLE_CONSUMER
};
FIXTURE_VARIANT_ADD(policy, overwrite_mpmc) { CHAN_POLICY_OVERWRITE, 0 };

FIXTURE_SETUP(policy)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	/* Blocking descriptors: no policy here may ever block. */
	ASSERT_EQ(0, chan_make(self->dev, variant->flags, variant->policy,
			       CAP, 16, NULL, 0, &self->rfd, &self->sfd));
}

FIXTURE_TEARDOWN(policy)
{
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

static ssize_t send_u32(int fd, uint32_t v)
{
	return write(fd, &v, sizeof(v));
}

TEST_F(policy, overflow_follows_the_policy_and_is_counted)
{
	uint32_t n, v, first, lost = 0, extra = 3 * CAP;
	struct chan_info i;
	uint64_t missed;

	for (n = 0; n < CAP + extra; n++) {
		ssize_t r = send_u32(self->sfd, n);

		if (variant->policy == CHAN_POLICY_FAIL && n >= CAP) {
			ASSERT_EQ(-1, r);
			ASSERT_EQ(EAGAIN, errno);
		} else {
			ASSERT_EQ(4, r);
		}
	}
	ASSERT_EQ(0, chan_info_get(self->rfd, &i));
	EXPECT_EQ(CAP, i.depth);
	EXPECT_EQ(CAP + (variant->policy == CHAN_POLICY_OVERWRITE ? extra : 0),
		  i.sent);
	EXPECT_EQ(variant->policy == CHAN_POLICY_DROP_NEWEST ? extra : 0,
		  i.dropped);
	EXPECT_EQ(variant->policy == CHAN_POLICY_OVERWRITE ? extra : 0,
		  i.overwritten);
	if (variant->policy != CHAN_POLICY_FAIL)
		lost = extra;

	/* The receiver learns what it missed, once. */
	ASSERT_EQ(0, ioctl(self->rfd, CHAN_IOC_LOST, &missed));
	EXPECT_EQ(lost, missed);
	ASSERT_EQ(0, ioctl(self->rfd, CHAN_IOC_LOST, &missed));
	EXPECT_EQ(0, missed);

	/* Fail and drop keep the oldest; overwrite keeps the newest. */
	first = variant->policy == CHAN_POLICY_OVERWRITE ? extra : 0;
	for (n = 0; n < CAP; n++) {
		ASSERT_EQ(4, read(self->rfd, &v, sizeof(v)));
		EXPECT_EQ(first + n, v);
	}
	fcntl(self->rfd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, read(self->rfd, &v, sizeof(v)));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * EPOLLOUT means a send would not fail for lack of room: a full channel
 * that drops or overwrites stays writable, one that fails does not, until
 * room is made (C10 of the concurrency review).
 */
TEST_F(policy, a_full_channel_is_writable_unless_a_send_would_fail)
{
	struct pollfd p = { .fd = self->sfd, .events = POLLOUT };
	uint32_t n, v;

	for (n = 0; n < CAP; n++)
		ASSERT_EQ(4, send_u32(self->sfd, n));
	if (variant->policy != CHAN_POLICY_FAIL) {
		ASSERT_EQ(1, poll(&p, 1, 0));
		EXPECT_EQ(POLLOUT, p.revents);
		return;
	}
	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(4, read(self->rfd, &v, sizeof(v)));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT, p.revents);
}

TEST_F(policy, lost_counts_per_descriptor)
{
	int other = dup(self->rfd);
	uint64_t a, b;
	uint32_t n;

	ASSERT_LE(0, other);
	for (n = 0; n < CAP + 2; n++)
		send_u32(self->sfd, n);
	ASSERT_EQ(0, ioctl(self->rfd, CHAN_IOC_LOST, &a));
	/* A dup shares the file, so it shares what was already reported. */
	ASSERT_EQ(0, ioctl(other, CHAN_IOC_LOST, &b));
	EXPECT_EQ(variant->policy == CHAN_POLICY_FAIL ? 0 : 2, a);
	EXPECT_EQ(0, b);
	close(other);
}

TEST_HARNESS_MAIN
