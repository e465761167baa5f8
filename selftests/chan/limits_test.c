// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user limits on channels and ring memory; CAP_SYS_RESOURCE lifts
 * them.  Runs the limited side as an unprivileged user.
 */
#include <grp.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define NOBODY	65534

static int drop_privileges(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY);
}

FIXTURE(limits) {
	unsigned long chans, bytes;
};

FIXTURE_SETUP(limits)
{
	self->chans = chan_param_get("max_user_channels");
	self->bytes = chan_param_get("max_user_bytes");
	ASSERT_NE(0, self->chans);
	ASSERT_NE(0, self->bytes);
}

FIXTURE_TEARDOWN(limits)
{
	chan_param_set("max_user_channels", self->chans);
	chan_param_set("max_user_bytes", self->bytes);
}

TEST_F(limits, channel_count_limit_is_emfile_and_frees_on_close)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, chan_param_set("max_user_channels", 4));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev, rfd[5], sfd[5], k, before;

		if (drop_privileges())
			_exit(90);
		dev = chan_dev_open();
		for (k = 0; k < 4; k++)
			if (chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd[k],
				      &sfd[k]))
				_exit(91);
		before = count_fds();
		if (chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd[4], &sfd[4]) !=
		    -EMFILE)
			_exit(92);
		if (count_fds() != before)
			_exit(93);
		/* Closing both ends of one frees its share. */
		close(rfd[0]);
		close(sfd[0]);
		if (chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd[0], &sfd[0]))
			_exit(94);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(limits, root_is_not_limited)
{
	int dev = chan_dev_open(), rfd[8], sfd[8], k;

	ASSERT_EQ(0, chan_param_set("max_user_channels", 2));
	for (k = 0; k < 8; k++)
		ASSERT_EQ(0, chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd[k],
				       &sfd[k]));
	for (k = 0; k < 8; k++) {
		close(rfd[k]);
		close(sfd[k]);
	}
}

TEST_F(limits, ring_memory_limit_is_enomem)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, chan_param_set("max_user_bytes", 1 << 20));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev, rfd, sfd, rfd2, sfd2;

		if (drop_privileges())
			_exit(90);
		dev = chan_dev_open();
		/* 1024 slots of 2048 + 8 bytes: just over 1 MiB. */
		if (chan_make(dev, 0, 0, 1024, 2048, NULL, 0, &rfd, &sfd) !=
		    -ENOMEM)
			_exit(91);
		/* Half of it fits, twice it does not. */
		if (chan_make(dev, 0, 0, 512, 1016, NULL, 0, &rfd, &sfd))
			_exit(92);
		if (chan_make(dev, 0, 0, 512, 1016, NULL, 0, &rfd2, &sfd2))
			_exit(93);
		if (chan_make(dev, 0, 0, 512, 1016, NULL, 0, &rfd2, &sfd2) !=
		    -ENOMEM)
			_exit(94);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(limits, the_largest_unprivileged_request_is_refused_not_oom)
{
	struct chan_version v = { .size = sizeof(v) };
	int status;
	pid_t pid;

	ASSERT_EQ(0, ioctl(chan_dev_open(), CHAN_IOC_VERSION, &v));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev, rfd, sfd;

		if (drop_privileges())
			_exit(90);
		dev = chan_dev_open();
		/* Over 2 GiB of ring: refused by size before any limit. */
		if (chan_make(dev, 0, 0, v.max_capacity, v.max_msg_size,
			      NULL, 0, &rfd, &sfd) != -E2BIG)
			_exit(91);
		/* 1 GiB: a valid size, over the user's memory limit. */
		if (chan_make(dev, 0, 0, 16384, 65536 - 8, NULL, 0,
			      &rfd, &sfd) != -ENOMEM)
			_exit(92);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
