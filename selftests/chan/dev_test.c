// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/chan itself: permissions, the version ioctl, unknown ioctls, bad
 * pointers, module parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "chan_test.h"

static unsigned long read_param(const char *name)
{
	char path[128];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/chan/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return ~0UL;
	if (fscanf(f, "%lu", &v) != 1)
		v = ~0UL;
	fclose(f);
	return v;
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = chan_dev_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(device_node_is_char_device_0666)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/chan", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
}

TEST_F(dev, version_reports_abi_and_features)
{
	struct chan_version v;

	/* Output fields may hold anything; reserved words must be zero. */
	memset(&v, 0xff, sizeof(v));
	v.size = sizeof(v);
	v.__reserved[0] = v.__reserved[1] = 0;
	ASSERT_EQ(0, ioctl(self->fd, CHAN_IOC_VERSION, &v));
	EXPECT_EQ(sizeof(v), v.size);
	EXPECT_EQ(CHAN_ABI_VERSION, v.abi_version);
	EXPECT_TRUE(v.features & CHAN_FEAT_QUEUE);
	EXPECT_TRUE(v.features & CHAN_FEAT_NAMES);
	EXPECT_TRUE(v.features & CHAN_FEAT_LIMITS);
	EXPECT_EQ(read_param("max_capacity"), v.max_capacity);
	EXPECT_EQ(read_param("max_msg_size"), v.max_msg_size);
	EXPECT_EQ(0, v.__reserved[0]);
	EXPECT_EQ(0, v.__reserved[1]);
}

TEST_F(dev, version_zero_fills_a_larger_caller_struct)
{
	unsigned char buf[sizeof(struct chan_version) + 32];
	struct chan_version *v = (void *)buf;
	size_t i;

	/* Bytes the kernel does not know must be zero, in and out. */
	memset(buf, 0xaa, sizeof(buf));
	v->size = sizeof(buf);
	v->__reserved[0] = v->__reserved[1] = 0;
	ASSERT_EQ(-1, ioctl(self->fd, CHAN_IOC_VERSION, buf));
	EXPECT_EQ(E2BIG, errno);
	memset(buf + sizeof(*v), 0, sizeof(buf) - sizeof(*v));
	ASSERT_EQ(0, ioctl(self->fd, CHAN_IOC_VERSION, buf));
	EXPECT_EQ(CHAN_ABI_VERSION, v->abi_version);
	for (i = sizeof(*v); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
}

TEST_F(dev, version_too_small_is_einval_too_large_e2big)
{
	struct chan_version v = { .size = 4 };

	EXPECT_EQ(-1, ioctl(self->fd, CHAN_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	v.size = 4097;
	EXPECT_EQ(-1, ioctl(self->fd, CHAN_IOC_VERSION, &v));
	EXPECT_EQ(E2BIG, errno);
	v.size = 0xffffffff;
	EXPECT_EQ(-1, ioctl(self->fd, CHAN_IOC_VERSION, &v));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(dev, version_bad_pointers_are_efault)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, ioctl(self->fd, CHAN_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, CHAN_IOC_VERSION, unmapped));
	EXPECT_EQ(EFAULT, errno);
	/* A kernel address is refused the same way. */
	EXPECT_EQ(-1, ioctl(self->fd, CHAN_IOC_VERSION,
			    (void *)0xffffffff81000000UL));
	EXPECT_EQ(EFAULT, errno);
	munmap(unmapped, 4096);
}

TEST_F(dev, unknown_ioctls_are_enotty)
{
	struct chan_version v = { .size = sizeof(v) };

	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(CHAN_IOC_MAGIC, 0x7f,
					    struct chan_version), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('T', 0x00, struct chan_version),
			    &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, 0x5401, &v));
	EXPECT_EQ(ENOTTY, errno);
	/* Endpoint ioctls mean nothing on the device. */
	EXPECT_EQ(-1, ioctl(self->fd, CHAN_IOC_CLOSE));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, device_is_not_readable_or_writable)
{
	char c = 0;

	EXPECT_EQ(-1, read(self->fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
