// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API through its samples: a channel taken from a user
 * descriptor (role checked), messages sent from hardirq context (an
 * hrtimer), end of stream when the kernel sender detaches; and the
 * tracepoints, read back from tracefs.
 */
#include <libgen.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define IRQ	"/sys/module/chan_irqtest/parameters/"
#define TRACE	"/sys/kernel/tracing/"

static char samples[512];

static int load_sample(const char *mod, const char *args)
{
	char cmd[1024], ko[512];

	if (!getenv("CHAN_KO"))
		return -1;
	snprintf(ko, sizeof(ko), "%s", getenv("CHAN_KO"));
	snprintf(samples, sizeof(samples), "%s/samples", dirname(ko));
	snprintf(cmd, sizeof(cmd), "rmmod %s 2>/dev/null; insmod %s/%s.ko %s",
		 mod, samples, mod, args);
	return system(cmd);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int write_int(const char *path, int v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", v);
	return write_str(path, buf);
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

FIXTURE(irq) {
	int dev;
};

FIXTURE_SETUP(irq)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, load_sample("chan_irqtest", "count=1000 period_us=100"));
}

FIXTURE_TEARDOWN(irq)
{
	close(self->dev);
	system("rmmod chan_irqtest");
}

TEST_F_TIMEOUT(irq, hardirq_sender_delivers_every_message_in_order, 300)
{
	struct chan_info i;
	uint64_t v, want;
	int rfd, sfd;

	ASSERT_EQ(0, chan_make(self->dev, 0, CHAN_POLICY_BLOCK, 2048, 8, NULL,
			       0, &rfd, &sfd));
	ASSERT_EQ(0, write_int(IRQ "attach_fd", sfd));
	ASSERT_EQ(0, chan_info_get(rfd, &i));
	EXPECT_EQ(i.id, (uint64_t)read_long(IRQ "attach_fd"));
	EXPECT_EQ(2, i.senders);	/* ours and the kernel's */
	close(sfd);
	for (want = 0; want < 1000; want++) {
		ASSERT_EQ(8, read(rfd, &v, sizeof(v)));
		ASSERT_EQ(want, v);
	}
	/* The module detaches when done: end of stream. */
	EXPECT_EQ(0, read(rfd, &v, sizeof(v)));
	EXPECT_EQ(1000, read_long(IRQ "sent"));
	EXPECT_EQ(0, read_long(IRQ "failed"));
	close(rfd);
}

/* F19: the period has a floor, so that root cannot flood a CPU either. */
TEST_F(irq, the_timer_period_has_a_floor)
{
	EXPECT_NE(0, write_int(IRQ "period_us", 0));
	EXPECT_NE(0, write_int(IRQ "period_us", 9));
	EXPECT_EQ(100, read_long(IRQ "period_us"));
	EXPECT_EQ(0, write_int(IRQ "period_us", 10));
	EXPECT_EQ(10, read_long(IRQ "period_us"));
	EXPECT_EQ(0, write_int(IRQ "period_us", 100));
}

TEST_F(irq, attach_checks_the_descriptor_and_its_role)
{
	int rfd, sfd, null = open("/dev/null", O_WRONLY);

	ASSERT_EQ(0, chan_make(self->dev, 0, 0, 4, 8, NULL, 0, &rfd, &sfd));
	EXPECT_EQ(-EBADF, write_int(IRQ "attach_fd", rfd));
	EXPECT_EQ(-EBADF, write_int(IRQ "attach_fd", null));
	EXPECT_EQ(-EBADF, write_int(IRQ "attach_fd", 999));
	EXPECT_EQ(-EINVAL, write_str(IRQ "attach_fd", "nonsense"));
	EXPECT_EQ(0, read_long(IRQ "attach_fd"));
	close(null);
	close(rfd);
	close(sfd);
}

static int trace_has(const char *needle)
{
	char line[512];
	int found = 0;
	FILE *f = fopen(TRACE "trace", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

TEST(tracepoints_record_send_recv_drop_and_wait)
{
	char buf[64], needle[128];
	struct chan_info i;
	int dev, rfd, sfd;
	struct stat st;

	if (stat(TRACE "events/chan", &st))
		SKIP(return, "no chan tracepoints (kernel without tracing)");
	ASSERT_EQ(0, write_str(TRACE "tracing_on", "0"));
	ASSERT_EQ(0, write_str(TRACE "trace", ""));
	ASSERT_EQ(0, write_str(TRACE "events/chan/enable", "1"));
	ASSERT_EQ(0, write_str(TRACE "tracing_on", "1"));

	dev = chan_dev_open();
	ASSERT_EQ(0, chan_make(dev, CHAN_NONBLOCK, CHAN_POLICY_DROP_NEWEST, 1,
			       16, NULL, 0, &rfd, &sfd));
	ASSERT_EQ(0, chan_info_get(rfd, &i));
	ASSERT_EQ(5, write(sfd, "hello", 5));
	ASSERT_EQ(3, write(sfd, "xyz", 3));		/* dropped */
	ASSERT_EQ(5, read(rfd, buf, sizeof(buf)));
	fcntl(rfd, F_SETFL, 0);
	ASSERT_EQ(0, ioctl(sfd, CHAN_IOC_CLOSE));	/* read sees EOF */
	ASSERT_EQ(0, read(rfd, buf, sizeof(buf)));
	write_str(TRACE "tracing_on", "0");
	write_str(TRACE "events/chan/enable", "0");

	snprintf(needle, sizeof(needle), "chan_send: chan=%llu len=5 depth=1",
		 (unsigned long long)i.id);
	EXPECT_TRUE(trace_has(needle));
	snprintf(needle, sizeof(needle), "chan_drop: chan=%llu len=3 dropped",
		 (unsigned long long)i.id);
	EXPECT_TRUE(trace_has(needle));
	snprintf(needle, sizeof(needle), "chan_recv: chan=%llu len=5 depth=0",
		 (unsigned long long)i.id);
	EXPECT_TRUE(trace_has(needle));
	close(rfd);
	close(sfd);
	close(dev);
}

TEST(tracepoints_record_wait_and_wake)
{
	char needle[128], buf[8];
	struct chan_info i;
	struct stat st;
	int dev, rfd, sfd;
	pid_t pid;

	if (stat(TRACE "events/chan", &st))
		SKIP(return, "no chan tracepoints (kernel without tracing)");
	write_str(TRACE "trace", "");
	ASSERT_EQ(0, write_str(TRACE "events/chan/enable", "1"));
	write_str(TRACE "tracing_on", "1");
	dev = chan_dev_open();
	ASSERT_EQ(0, chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd, &sfd));
	ASSERT_EQ(0, chan_info_get(rfd, &i));
	pid = fork();
	if (pid == 0)
		_exit(read(rfd, buf, sizeof(buf)) == 1 ? 0 : 1);
	ASSERT_TRUE(WAIT_INFO(rfd, recv_waiters, 1));
	ASSERT_EQ(1, write(sfd, "w", 1));
	waitpid(pid, NULL, 0);
	write_str(TRACE "tracing_on", "0");
	write_str(TRACE "events/chan/enable", "0");
	snprintf(needle, sizeof(needle), "chan_wait: chan=%llu recv",
		 (unsigned long long)i.id);
	EXPECT_TRUE(trace_has(needle));
	snprintf(needle, sizeof(needle), "chan_wake: chan=%llu recv",
		 (unsigned long long)i.id);
	EXPECT_TRUE(trace_has(needle));
	close(rfd);
	close(sfd);
	close(dev);
}

TEST_HARNESS_MAIN
