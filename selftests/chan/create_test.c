// SPDX-License-Identifier: GPL-2.0
/*
 * CHAN_IOC_CREATE and CHAN_IOC_LIST argument checking: every field given
 * each invalid value on its own gets its errno, and nothing is created.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "chan_test.h"

static uint32_t list_total(int dev)
{
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(struct chan_info),
	};

	if (ioctl(dev, CHAN_IOC_LIST, &l))
		return ~0U;
	return l.total;
}

static void base(struct chan_create *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->kind = CHAN_KIND_QUEUE;
	c->capacity = 8;
	c->msg_max = 32;
	c->recv_fd = -1;
	c->send_fd = -1;
}

FIXTURE(create) {
	int dev;
	uint32_t max_cap, max_msg;
	int fds_before;
	uint32_t chans_before;
};

FIXTURE_SETUP(create)
{
	struct chan_version v = { .size = sizeof(v) };

	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_VERSION, &v));
	self->max_cap = v.max_capacity;
	self->max_msg = v.max_msg_size;
	self->fds_before = count_fds();
	self->chans_before = list_total(self->dev);
}

FIXTURE_TEARDOWN(create)
{
	close(self->dev);
}

/* Expect @c to fail with @err and leave no descriptor and no channel. */
#define EXPECT_REFUSED(c, err) do {					\
	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_CREATE, (c)));		\
	EXPECT_EQ(err, errno);						\
	EXPECT_EQ(self->fds_before, count_fds());			\
	EXPECT_EQ(self->chans_before, list_total(self->dev));		\
} while (0)

TEST_F(create, valid_arguments_make_two_endpoints)
{
	struct chan_create c;

	base(&c);
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_CREATE, &c));
	EXPECT_LE(0, c.recv_fd);
	EXPECT_LE(0, c.send_fd);
	EXPECT_NE(c.recv_fd, c.send_fd);
	EXPECT_EQ(O_RDONLY, fcntl(c.recv_fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_WRONLY, fcntl(c.send_fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(0, fcntl(c.recv_fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(c.send_fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(self->fds_before + 2, count_fds());
	EXPECT_EQ(self->chans_before + 1, list_total(self->dev));
	close(c.recv_fd);
	close(c.send_fd);
	EXPECT_EQ(self->chans_before, list_total(self->dev));
}

TEST_F(create, cloexec_and_nonblock_are_honoured)
{
	struct chan_create c;
	char b;

	base(&c);
	c.flags = CHAN_CLOEXEC | CHAN_NONBLOCK;
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_CREATE, &c));
	EXPECT_EQ(FD_CLOEXEC, fcntl(c.recv_fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(FD_CLOEXEC, fcntl(c.send_fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_NONBLOCK, fcntl(c.recv_fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(-1, read(c.recv_fd, &b, 1));
	EXPECT_EQ(EAGAIN, errno);
	/* fcntl() turns it off and on like on any file. */
	ASSERT_EQ(0, fcntl(c.recv_fd, F_SETFL, 0));
	EXPECT_EQ(0, fcntl(c.recv_fd, F_GETFL) & O_NONBLOCK);
	ASSERT_EQ(0, fcntl(c.recv_fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(c.recv_fd, &b, 1));
	EXPECT_EQ(EAGAIN, errno);
	close(c.recv_fd);
	close(c.send_fd);
}

TEST_F(create, size_field)
{
	unsigned char big[sizeof(struct chan_create) + 8];
	struct chan_create c;

	base(&c);
	c.size = 0;
	EXPECT_REFUSED(&c, EINVAL);
	c.size = CHAN_CREATE_SIZE_VER0 - 1;
	EXPECT_REFUSED(&c, EINVAL);
	c.size = 4097;
	EXPECT_REFUSED(&c, E2BIG);

	/* A newer caller's struct: unknown tail must be zero. */
	memset(big, 0, sizeof(big));
	base((struct chan_create *)big);
	((struct chan_create *)big)->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	EXPECT_REFUSED(big, E2BIG);
	big[sizeof(big) - 1] = 0;
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_CREATE, big));
	close(((struct chan_create *)big)->recv_fd);
	close(((struct chan_create *)big)->send_fd);
}

TEST_F(create, kind_field)
{
	static const uint32_t bad[] = { 0, 2, 99, 0xffffffff };
	struct chan_create c;
	unsigned int k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		base(&c);
		c.kind = bad[k];
		EXPECT_REFUSED(&c, EINVAL);
	}
}

TEST_F(create, flags_field)
{
	struct chan_create c;
	unsigned int bit;

	for (bit = 4; bit < 32; bit++) {
		base(&c);
		c.flags = 1U << bit;
		EXPECT_REFUSED(&c, EINVAL);
	}
}

TEST_F(create, policy_field)
{
	struct chan_create c;

	base(&c);
	c.policy = CHAN_POLICY_OVERWRITE + 1;
	EXPECT_REFUSED(&c, EINVAL);
	c.policy = 0xffffffff;
	EXPECT_REFUSED(&c, EINVAL);
}

TEST_F(create, capacity_field)
{
	struct chan_create c;

	base(&c);
	c.capacity = 0;
	EXPECT_REFUSED(&c, EINVAL);
	c.capacity = self->max_cap + 1;
	EXPECT_REFUSED(&c, E2BIG);
	c.capacity = 0xffffffff;
	EXPECT_REFUSED(&c, E2BIG);
	c.capacity = 0x20000001;
	EXPECT_REFUSED(&c, E2BIG);
}

TEST_F(create, msg_max_field)
{
	struct chan_create c;

	base(&c);
	c.msg_max = 0;
	EXPECT_REFUSED(&c, EINVAL);
	c.msg_max = self->max_msg + 1;
	EXPECT_REFUSED(&c, E2BIG);
	c.msg_max = 0xffffffff;
	EXPECT_REFUSED(&c, E2BIG);
}

TEST_F(create, mode_field)
{
	struct chan_create c;

	base(&c);
	c.mode = 01000;
	EXPECT_REFUSED(&c, EINVAL);
	c.mode = 0xffffffff;
	EXPECT_REFUSED(&c, EINVAL);
}

TEST_F(create, reserved_fields)
{
	struct chan_create c;

	base(&c);
	c.__reserved0 = 1;
	EXPECT_REFUSED(&c, EINVAL);
	base(&c);
	c.__reserved[0] = 1;
	EXPECT_REFUSED(&c, EINVAL);
	base(&c);
	c.__reserved[1] = 1ULL << 63;
	EXPECT_REFUSED(&c, EINVAL);
}

TEST_F(create, name_field)
{
	char longname[CHAN_NAME_MAX + 1];
	struct chan_create c;

	memset(longname, 'n', sizeof(longname));
	longname[CHAN_NAME_MAX] = '\0';

	base(&c);
	c.name = 1;			/* unmapped */
	EXPECT_REFUSED(&c, EFAULT);
	c.name = 0xffffffff81000000ULL;	/* a kernel address */
	EXPECT_REFUSED(&c, EFAULT);
	c.name = (uintptr_t)"";
	EXPECT_REFUSED(&c, EINVAL);
	c.name = (uintptr_t)"a/b";
	EXPECT_REFUSED(&c, EINVAL);
	c.name = (uintptr_t)"tab\there";
	EXPECT_REFUSED(&c, EINVAL);
	c.name = (uintptr_t)longname;	/* 64 chars: no room for the NUL */
	EXPECT_REFUSED(&c, ENAMETOOLONG);
}

TEST_F(create, bad_struct_pointers_are_efault)
{
	struct chan_create *ro;

	EXPECT_REFUSED(NULL, EFAULT);
	EXPECT_REFUSED((void *)0xffffffff81000000ULL, EFAULT);

	/* Readable but not writable: the fds cannot be returned. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	base(ro);
	ro->name = 0;
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_REFUSED(ro, EFAULT);
	munmap(ro, 4096);
}

TEST_F(create, named_create_with_unwritable_struct_leaves_no_name)
{
	struct chan_create *ro, c;
	char name[32];

	snprintf(name, sizeof(name), "ro-%d", getpid());
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	base(ro);
	ro->name = (uintptr_t)name;
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_REFUSED(ro, EFAULT);
	munmap(ro, 4096);
	/* The name is free: a create with it succeeds. */
	base(&c);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_CREATE, &c));
	close(c.recv_fd);
	close(c.send_fd);
	struct chan_unlink u = { .size = sizeof(u), .name = (uintptr_t)name };

	EXPECT_EQ(0, ioctl(self->dev, CHAN_IOC_UNLINK, &u));
}

TEST_F(create, list_arguments)
{
	struct chan_info entries[2];
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(struct chan_info),
		.count = 2, .entries = (uintptr_t)entries,
	};

	l.entry_size = CHAN_INFO_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_LIST, &l));
	EXPECT_EQ(EINVAL, errno);
	l.entry_size = 4097;
	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_LIST, &l));
	EXPECT_EQ(EINVAL, errno);
	l.size = 8;
	l.entry_size = sizeof(struct chan_info);
	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_LIST, &l));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->dev, CHAN_IOC_LIST, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(create, list_reports_each_channel)
{
	struct chan_info *e;
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(struct chan_info),
	};
	int rfd, sfd, found = 0;
	struct chan_info mine;
	uint32_t k;

	ASSERT_EQ(0, chan_make(self->dev, CHAN_SINGLE_PRODUCER,
			       CHAN_POLICY_OVERWRITE, 5, 48, NULL, 0640,
			       &rfd, &sfd));
	ASSERT_EQ(3, write(sfd, "abc", 3));
	ASSERT_EQ(0, chan_info_get(rfd, &mine));
	l.count = self->chans_before + 8;
	e = calloc(l.count, sizeof(*e));
	l.entries = (uintptr_t)e;
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_LIST, &l));
	EXPECT_EQ(self->chans_before + 1, l.total);
	EXPECT_EQ(l.total, l.count);
	for (k = 0; k < l.count; k++) {
		if (e[k].id != mine.id)
			continue;
		found++;
		EXPECT_EQ(8, e[k].capacity);
		EXPECT_EQ(48, e[k].msg_max);
		EXPECT_EQ(CHAN_POLICY_OVERWRITE, e[k].policy);
		EXPECT_EQ(CHAN_SINGLE_PRODUCER, e[k].flags);
		EXPECT_EQ(0640, e[k].mode);
		EXPECT_EQ(geteuid(), e[k].uid);
		EXPECT_EQ(1, e[k].depth);
		EXPECT_EQ(1, e[k].sent);
		EXPECT_EQ(0, e[k].role);
	}
	EXPECT_EQ(1, found);

	/* A short array: count is what fits, total what exists. */
	l.count = 0;
	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_LIST, &l));
	EXPECT_EQ(0, l.count);
	EXPECT_EQ(self->chans_before + 1, l.total);
	free(e);
	close(rfd);
	close(sfd);
}

TEST_HARNESS_MAIN
