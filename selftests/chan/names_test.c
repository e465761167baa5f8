// SPDX-License-Identifier: GPL-2.0
/*
 * Named channels: create, open by name, unlink, persistence, permissions
 * checked against owner, group and mode, CAP_IPC_OWNER, and IPC namespace
 * scoping.
 */
#include <grp.h>
#include <sched.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define NOBODY	65534

static int open_name(int dev, const char *name, uint32_t role,
		     uint32_t flags)
{
	struct chan_open o = {
		.size = sizeof(o), .role = role, .flags = flags,
		.name = (uintptr_t)name, .fd = -1,
	};

	if (ioctl(dev, CHAN_IOC_OPEN, &o))
		return -errno;
	return o.fd;
}

static int unlink_name(int dev, const char *name)
{
	struct chan_unlink u = { .size = sizeof(u), .name = (uintptr_t)name };

	return ioctl(dev, CHAN_IOC_UNLINK, &u) ? -errno : 0;
}

FIXTURE(names) {
	int dev, rfd, sfd;
	char name[48];
};

FIXTURE_SETUP(names)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	snprintf(self->name, sizeof(self->name), "test.%d.%s", getpid(),
		 _metadata->name);
	self->name[CHAN_NAME_MAX - 1 < sizeof(self->name) ?
		   CHAN_NAME_MAX - 1 : sizeof(self->name) - 1] = '\0';
	ASSERT_EQ(0, chan_make(self->dev, 0, CHAN_POLICY_BLOCK, 4, 32,
			       self->name, 0600, &self->rfd, &self->sfd));
}

FIXTURE_TEARDOWN(names)
{
	close(self->rfd);
	close(self->sfd);
	unlink_name(self->dev, self->name);
	close(self->dev);
}

TEST_F(names, same_name_again_is_eexist_and_creates_nothing)
{
	int rfd, sfd, before = count_fds();

	EXPECT_EQ(-EEXIST, chan_make(self->dev, 0, 0, 4, 32, self->name,
				     0600, &rfd, &sfd));
	EXPECT_EQ(before, count_fds());
}

TEST_F(names, open_by_name_reaches_the_same_channel)
{
	int s2 = open_name(self->dev, self->name, CHAN_ROLE_SEND, 0);
	int r2 = open_name(self->dev, self->name, CHAN_ROLE_RECV,
			   CHAN_NONBLOCK | CHAN_CLOEXEC);
	struct chan_info i;
	char buf[32];

	ASSERT_LE(0, s2);
	ASSERT_LE(0, r2);
	EXPECT_EQ(O_WRONLY, fcntl(s2, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDONLY | O_NONBLOCK, fcntl(r2, F_GETFL) &
		  (O_ACCMODE | O_NONBLOCK));
	EXPECT_EQ(FD_CLOEXEC, fcntl(r2, F_GETFD));
	ASSERT_EQ(5, write(s2, "named", 5));
	ASSERT_EQ(5, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "named", 5));
	ASSERT_EQ(0, chan_info_get(r2, &i));
	EXPECT_EQ(2, i.senders);
	EXPECT_EQ(2, i.receivers);
	EXPECT_STREQ(self->name, i.name);
	close(s2);
	close(r2);
}

TEST_F(names, open_arguments_are_checked)
{
	struct chan_open o = { .size = sizeof(o), .role = CHAN_ROLE_RECV,
			       .name = (uintptr_t)self->name };
	int before = count_fds();

	EXPECT_EQ(-ENOENT, open_name(self->dev, "no-such-channel",
				     CHAN_ROLE_RECV, 0));
	EXPECT_EQ(-EINVAL, open_name(self->dev, self->name, 0, 0));
	EXPECT_EQ(-EINVAL, open_name(self->dev, self->name, 3, 0));
	EXPECT_EQ(-EINVAL, open_name(self->dev, self->name, CHAN_ROLE_RECV,
				     CHAN_SINGLE_PRODUCER));
	EXPECT_EQ(-EINVAL, open_name(self->dev, "", CHAN_ROLE_RECV, 0));
	o.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	o.__reserved[1] = 0;
	o.name = 1;
	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_OPEN, &o));
	EXPECT_EQ(EFAULT, errno);
	o.size = 4;
	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, count_fds());
}

TEST_F(names, unlink_removes_the_name_and_open_endpoints_keep_working)
{
	char buf[32];
	struct chan_unlink u = { .size = sizeof(u), .flags = 1,
				 .name = (uintptr_t)self->name };

	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_UNLINK, &u));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, unlink_name(self->dev, self->name));
	EXPECT_EQ(-ENOENT, unlink_name(self->dev, self->name));
	EXPECT_EQ(-ENOENT, open_name(self->dev, self->name,
				     CHAN_ROLE_SEND, 0));
	ASSERT_EQ(3, write(self->sfd, "still", 3));
	ASSERT_EQ(3, read(self->rfd, buf, sizeof(buf)));
	/* Anonymous now: the last sender closing ends the stream. */
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
}

TEST_F(names, a_named_channel_outlives_its_descriptors)
{
	char buf[32];
	int s, r;

	close(self->rfd);
	close(self->sfd);
	self->rfd = self->sfd = -1;

	/* No receiver open: the message waits, as in a POSIX mq. */
	s = open_name(self->dev, self->name, CHAN_ROLE_SEND, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(7, write(s, "persist", 7));
	close(s);

	r = open_name(self->dev, self->name, CHAN_ROLE_RECV, CHAN_NONBLOCK);
	ASSERT_LE(0, r);
	ASSERT_EQ(7, read(r, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "persist", 7));
	/* The name keeps it open for sending: nothing more, not EOF. */
	EXPECT_EQ(-1, read(r, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	close(r);
}

static int try_open_recv(const char *name)
{
	int dev = chan_dev_open(), fd;

	fd = open_name(dev, name, CHAN_ROLE_RECV, 0);
	return fd >= 0 ? 0 : -fd;
}

static int try_open_send(const char *name)
{
	int dev = chan_dev_open(), fd;

	fd = open_name(dev, name, CHAN_ROLE_SEND, 0);
	return fd >= 0 ? 0 : -fd;
}

static int try_unlink(const char *name)
{
	return -unlink_name(chan_dev_open(), name);
}

static int chmod_by_recreate(int dev, const char *name, uint32_t mode,
			     gid_t gid)
{
	int rfd, sfd, ret;

	unlink_name(dev, name);
	if (setegid(gid))
		return -1;
	ret = chan_make(dev, 0, 0, 4, 32, name, mode, &rfd, &sfd);
	if (setegid(0))
		return -1;
	if (ret)
		return ret;
	close(rfd);
	close(sfd);
	return 0;
}

TEST_F(names, other_users_are_checked_against_the_mode)
{
	umask(0);	/* the modes below are the modes meant (chan(4)) */
	/* 0600 root:root - nobody gets nothing. */
	EXPECT_EQ(EACCES, as_user(NOBODY, NOBODY, try_open_recv, self->name));
	EXPECT_EQ(EACCES, as_user(NOBODY, NOBODY, try_open_send, self->name));
	EXPECT_EQ(EACCES, as_user(NOBODY, NOBODY, try_unlink, self->name));

	/* Other may read. */
	ASSERT_EQ(0, chmod_by_recreate(self->dev, self->name, 0604, 0));
	EXPECT_EQ(0, as_user(NOBODY, NOBODY, try_open_recv, self->name));
	EXPECT_EQ(EACCES, as_user(NOBODY, NOBODY, try_open_send, self->name));

	/* Other may write. */
	ASSERT_EQ(0, chmod_by_recreate(self->dev, self->name, 0602, 0));
	EXPECT_EQ(EACCES, as_user(NOBODY, NOBODY, try_open_recv, self->name));
	EXPECT_EQ(0, as_user(NOBODY, NOBODY, try_open_send, self->name));

	/* Group bits apply to members of the channel's group. */
	ASSERT_EQ(0, chmod_by_recreate(self->dev, self->name, 0060, 4242));
	EXPECT_EQ(0, as_user(NOBODY, 4242, try_open_recv, self->name));
	EXPECT_EQ(0, as_user(NOBODY, 4242, try_open_send, self->name));
	EXPECT_EQ(EACCES, as_user(NOBODY, NOBODY, try_open_recv, self->name));
	/* Only the owner unlinks, whatever the mode. */
	EXPECT_EQ(EACCES, as_user(NOBODY, 4242, try_unlink, self->name));
}

static int create_own(const char *name)
{
	int dev = chan_dev_open(), rfd, sfd;

	return -chan_make(dev, 0, 0, 2, 8, name, 0, &rfd, &sfd);
}

TEST_F(names, owner_is_the_creator_and_cap_ipc_owner_overrides)
{
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(struct chan_info),
	};
	struct chan_info *e;
	char other[64];
	uint32_t k;
	int fd, found = 0;

	snprintf(other, sizeof(other), "owned.%d", getpid());
	ASSERT_EQ(0, as_user(NOBODY, NOBODY, create_own, other));

	/* root has CAP_IPC_OWNER: mode 0 does not stop it. */
	fd = open_name(self->dev, other, CHAN_ROLE_RECV, 0);
	EXPECT_LE(0, fd);
	close(fd);

	l.count = 256;
	e = calloc(l.count, sizeof(*e));
	l.entries = (uintptr_t)e;
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_LIST, &l));
	for (k = 0; k < l.count; k++) {
		if (strcmp(e[k].name, other))
			continue;
		found++;
		EXPECT_EQ(NOBODY, e[k].uid);
		EXPECT_EQ(NOBODY, e[k].gid);
		EXPECT_EQ(0, e[k].mode);
		EXPECT_EQ(0, e[k].senders);
		EXPECT_EQ(0, e[k].receivers);
	}
	EXPECT_EQ(1, found);
	free(e);
	EXPECT_EQ(0, as_user(NOBODY, NOBODY, try_unlink, other));
}

static int in_new_ipc_ns(const char *name)
{
	int dev, rfd, sfd;
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(struct chan_info),
	};

	if (unshare(CLONE_NEWIPC))
		return 101;
	dev = chan_dev_open();
	if (open_name(dev, name, CHAN_ROLE_RECV, 0) != -ENOENT)
		return 102;
	if (ioctl(dev, CHAN_IOC_LIST, &l) || l.total != 0)
		return 103;
	/* The same name is free here. */
	if (chan_make(dev, 0, 0, 2, 8, name, 0600, &rfd, &sfd))
		return 104;
	if (ioctl(dev, CHAN_IOC_LIST, &l) || l.total != 1)
		return 105;
	return unlink_name(dev, name) ? 106 : 0;
}

TEST_F(names, names_live_in_the_ipc_namespace)
{
	EXPECT_EQ(0, as_user(0, 0, in_new_ipc_ns, self->name));
	/* Ours is untouched. */
	EXPECT_EQ(-EEXIST, chan_make(self->dev, 0, 0, 2, 8, self->name, 0,
				     &(int){0}, &(int){0}));
}

/*
 * A lookup uses the caller's IPC namespace at the time of the call, not
 * the one /dev/chan was opened in (chan(4), Names and namespaces).
 */
TEST_F(names, an_old_dev_descriptor_looks_up_in_the_callers_namespace)
{
	int status, rfd, sfd;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWIPC))
			_exit(1);
		/* self->dev was opened in the old namespace. */
		if (open_name(self->dev, self->name, CHAN_ROLE_RECV, 0) !=
		    -ENOENT)
			_exit(2);
		if (chan_make(self->dev, 0, 0, 2, 8, self->name, 0600, &rfd,
			      &sfd))
			_exit(3);
		if (open_name(self->dev, self->name, CHAN_ROLE_SEND, 0) < 0)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's channel went with its namespace; ours is still here. */
	EXPECT_LE(0, open_name(self->dev, self->name, CHAN_ROLE_RECV, 0));
}

TEST_HARNESS_MAIN
