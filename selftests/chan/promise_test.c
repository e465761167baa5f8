// SPDX-License-Identifier: GPL-2.0
/*
 * A single-producer or single-consumer flag is a promise the module
 * checks: a second concurrent sender or receiver gets EBUSY.
 */
#include "kselftest_harness.h"
#include "chan_test.h"

struct call {
	int fd;
	ssize_t ret;
	char buf[16];
};

static void *do_write(void *arg)
{
	struct call *c = arg;

	c->ret = write(c->fd, "second", 6);
	return NULL;
}

static void *do_read(void *arg)
{
	struct call *c = arg;

	c->ret = read(c->fd, c->buf, sizeof(c->buf));
	return NULL;
}

TEST(second_concurrent_sender_on_single_producer_is_ebusy)
{
	int dev = chan_dev_open(), rfd = -1, sfd = -1;
	struct call c;
	struct chan_info i;
	char buf[16];
	pthread_t t;

	ASSERT_EQ(0, chan_make(dev, CHAN_SINGLE_PRODUCER, CHAN_POLICY_BLOCK,
			       1, 16, NULL, 0, &rfd, &sfd));
	ASSERT_EQ(5, write(sfd, "first", 5));
	c.fd = sfd;
	ASSERT_EQ(0, pthread_create(&t, NULL, do_write, &c));
	ASSERT_TRUE(WAIT_INFO(sfd, send_waiters, 1));
	EXPECT_EQ(-1, write(sfd, "third", 5));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(5, read(rfd, buf, sizeof(buf)));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(6, c.ret);
	ASSERT_EQ(6, read(rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "second", 6));
	/* Sequential senders keep the promise. */
	ASSERT_EQ(5, write(sfd, "again", 5));
	ASSERT_EQ(0, chan_info_get(rfd, &i));
	EXPECT_EQ(3, i.sent);
	close(rfd);
	close(sfd);
	close(dev);
}

TEST(second_concurrent_receiver_on_single_consumer_is_ebusy)
{
	int dev = chan_dev_open(), rfd = -1, sfd = -1;
	char buf[16];
	struct call c;
	pthread_t t;

	ASSERT_EQ(0, chan_make(dev, CHAN_SINGLE_CONSUMER, CHAN_POLICY_BLOCK,
			       4, 16, NULL, 0, &rfd, &sfd));
	c.fd = rfd;
	ASSERT_EQ(0, pthread_create(&t, NULL, do_read, &c));
	ASSERT_TRUE(WAIT_INFO(rfd, recv_waiters, 1));
	EXPECT_EQ(-1, read(rfd, buf, sizeof(buf)));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(2, write(sfd, "go", 2));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(2, c.ret);
	EXPECT_EQ(0, memcmp(c.buf, "go", 2));
	close(rfd);
	close(sfd);
	close(dev);
}

TEST(overwrite_on_single_consumer_still_checks_the_promise)
{
	int dev = chan_dev_open(), rfd = -1, sfd = -1;
	char buf[16];
	struct call c;
	pthread_t t;

	ASSERT_EQ(0, chan_make(dev, CHAN_SINGLE_CONSUMER,
			       CHAN_POLICY_OVERWRITE, 2, 16, NULL, 0,
			       &rfd, &sfd));
	c.fd = rfd;
	ASSERT_EQ(0, pthread_create(&t, NULL, do_read, &c));
	ASSERT_TRUE(WAIT_INFO(rfd, recv_waiters, 1));
	EXPECT_EQ(-1, read(rfd, buf, sizeof(buf)));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, ioctl(sfd, CHAN_IOC_CLOSE));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, c.ret);
	close(rfd);
	close(sfd);
	close(dev);
}

TEST_HARNESS_MAIN
