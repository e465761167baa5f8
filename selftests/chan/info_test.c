// SPDX-License-Identifier: GPL-2.0
/*
 * What a channel and the limits report, exactly as chan(4) documents it:
 * /proc/<pid>/fdinfo field by field against CHAN_IOC_INFO, CHAN_IOC_LIMITS,
 * and what "this descriptor" means (an open file description: dup() and
 * fork() share it, opening again makes a new one).
 */
#include <stdio.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "chan_test.h"

_Static_assert(sizeof(struct chan_limits) == CHAN_LIMITS_SIZE_VER0,
	       "chan_limits layout");

#define NOBODY	65534
#define FIELDS	26	/* chan_ lines in every fdinfo (chan(4)) */

struct field {
	char key[32];
	char val[80];
};

/* The chan_ lines of /proc/self/fdinfo/@fd, in order; their number. */
static int fdinfo_fields(int fd, struct field *f, int max)
{
	char path[64], line[160];
	int n = 0;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	file = fopen(path, "r");
	if (!file)
		return -1;
	while (fgets(line, sizeof(line), file) && n < max) {
		if (strncmp(line, "chan_", 5))
			continue;
		f[n].val[0] = 0;
		if (sscanf(line, "%31[^:]:\t%79[^\n]", f[n].key, f[n].val) < 1)
			continue;
		n++;
	}
	fclose(file);
	return n;
}

/* What chan(4) says each line holds, made from CHAN_IOC_INFO. */
static int expected_fields(const struct chan_info *i, struct field *f)
{
	static const char *const kinds[] = {
		"?", "queue", "oneshot", "rendezvous", "broadcast", "reqrep",
	};
	static const char *const policies[] = {
		"block", "fail", "drop-newest", "overwrite",
	};
	int n = 0;

#define PUT(k, ...) do { \
		snprintf(f[n].key, sizeof(f[n].key), "chan_%s", k); \
		snprintf(f[n].val, sizeof(f[n].val), __VA_ARGS__); \
		n++; \
	} while (0)
	PUT("kind", "%s", i->kind < 6 ? kinds[i->kind] : "?");
	PUT("flags", "0x%x", i->flags);
	PUT("policy", "%s", i->policy < 4 ? policies[i->policy] : "?");
	PUT("capacity", "%u", i->capacity);
	PUT("msg_max", "%u", i->msg_max);
	PUT("mode", i->mode ? "%#o" : "0", i->mode);
	PUT("uid", "%u", i->uid);
	PUT("gid", "%u", i->gid);
	PUT("role", "%s", i->role == CHAN_ROLE_SEND ? "send" : "recv");
	PUT("senders", "%u", i->senders);
	PUT("receivers", "%u", i->receivers);
	PUT("send_waiters", "%u", i->send_waiters);
	PUT("recv_waiters", "%u", i->recv_waiters);
	PUT("closed", "%u", i->closed);
	PUT("id", "%llu", (unsigned long long)i->id);
	PUT("depth", "%llu", (unsigned long long)i->depth);
	PUT("sent", "%llu", (unsigned long long)i->sent);
	PUT("received", "%llu", (unsigned long long)i->received);
	PUT("dropped", "%llu", (unsigned long long)i->dropped);
	PUT("overwritten", "%llu", (unsigned long long)i->overwritten);
	PUT("send_waits", "%llu", (unsigned long long)i->send_waits);
	PUT("recv_waits", "%llu", (unsigned long long)i->recv_waits);
	PUT("name", "%s", i->name);
	PUT("map_size", "%llu", (unsigned long long)i->map_size);
	PUT("rejects", "%llu", (unsigned long long)i->rejects);
	PUT("cancelled", "%llu", (unsigned long long)i->cancelled);
#undef PUT
	return n;
}

FIXTURE(fdinfo) {
	int dev, rfd, sfd;
	char name[64];
};

FIXTURE_VARIANT(fdinfo) {
	uint32_t kind, flags, policy, cap;
	int named;
};

FIXTURE_VARIANT_ADD(fdinfo, queue) {
	.kind = CHAN_KIND_QUEUE, .policy = CHAN_POLICY_DROP_NEWEST, .cap = 2,
	.named = 1,
};

FIXTURE_VARIANT_ADD(fdinfo, mapped_queue) {
	.kind = CHAN_KIND_QUEUE, .cap = 4,
	.flags = CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER | CHAN_MAPPABLE,
};

FIXTURE_VARIANT_ADD(fdinfo, oneshot) {
	.kind = CHAN_KIND_ONESHOT, .cap = 1,
};

FIXTURE_VARIANT_ADD(fdinfo, rendezvous) {
	.kind = CHAN_KIND_RENDEZVOUS, .cap = 0, .named = 1,
};

FIXTURE_VARIANT_ADD(fdinfo, broadcast) {
	.kind = CHAN_KIND_BROADCAST, .policy = CHAN_POLICY_OVERWRITE, .cap = 4,
};

FIXTURE_VARIANT_ADD(fdinfo, reqrep) {
	.kind = CHAN_KIND_REQREP, .cap = 4, .flags = CHAN_SINGLE_PRODUCER,
};

FIXTURE_SETUP(fdinfo)
{
	umask(0);
	snprintf(self->name, sizeof(self->name), "info.%d", getpid());
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, chan_make_full(self->dev, variant->kind,
				    variant->flags | CHAN_NONBLOCK,
				    variant->policy, variant->cap, 48,
				    variant->named ? self->name : NULL, 0640,
				    &self->rfd, &self->sfd));
}

FIXTURE_TEARDOWN(fdinfo)
{
	struct chan_unlink u = {
		.size = sizeof(u), .name = (uintptr_t)self->name,
	};

	ioctl(self->dev, CHAN_IOC_UNLINK, &u);
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

/* Every line on both ends says what CHAN_IOC_INFO says, in its order. */
TEST_F(fdinfo, every_line_is_the_chan_info_field_of_that_name)
{
	struct field got[40], want[40];
	struct chan_info i;
	int fds[2] = { self->rfd, self->sfd }, e, k, n;
	char buf[48];

	/* Something to count: three sends, one receive (calls for reqrep). */
	if (variant->kind == CHAN_KIND_REQREP) {
		struct chan_call c = {
			.size = sizeof(c), .req = (uintptr_t)"abc", .req_len = 3,
			.reply = (uintptr_t)buf, .reply_len = sizeof(buf),
			.timeout_ns = 1000000,
		};

		EXPECT_EQ(-1, ioctl(self->sfd, CHAN_IOC_CALL, &c));
		EXPECT_EQ(ETIMEDOUT, errno);
	} else if (variant->kind != CHAN_KIND_RENDEZVOUS) {
		for (k = 0; k < 3; k++)
			write(self->sfd, "abc", 3);
		EXPECT_LT(0, read(self->rfd, buf, sizeof(buf)));
	}
	for (e = 0; e < 2; e++) {
		ASSERT_EQ(0, chan_info_get(fds[e], &i));
		ASSERT_EQ(FIELDS, expected_fields(&i, want));
		n = fdinfo_fields(fds[e], got, 40);
		ASSERT_EQ(FIELDS, n);
		for (k = 0; k < n; k++) {
			EXPECT_STREQ(want[k].key, got[k].key);
			EXPECT_STREQ(want[k].val, got[k].val);
		}
	}
	/* And the values are the ones this channel must have. */
	/* Kept for every channel; only a name makes it matter. */
	EXPECT_EQ(0640, fdinfo_value(self->rfd, "chan_mode"));
	EXPECT_EQ(48, fdinfo_value(self->sfd, "chan_msg_max"));
	EXPECT_EQ(1, fdinfo_value(self->sfd, "chan_senders"));
	EXPECT_EQ(1, fdinfo_value(self->sfd, "chan_receivers"));
	EXPECT_EQ(variant->flags, fdinfo_value(self->sfd, "chan_flags"));
}

/*
 * "This descriptor" is an open file description: dup() and fork() share
 * one (one endpoint, one CHAN_IOC_LOST cursor); opening the name again
 * makes another endpoint.
 */
TEST(a_descriptor_is_an_open_file_description)
{
	int dev = chan_dev_open(), rfd, sfd, dfd, k, status;
	struct chan_info i;
	uint64_t lost;
	pid_t pid;

	ASSERT_EQ(0, chan_make(dev, CHAN_NONBLOCK, CHAN_POLICY_DROP_NEWEST, 1,
			       8, NULL, 0, &rfd, &sfd));
	for (k = 0; k < 4; k++)	/* one queued, three dropped */
		ASSERT_EQ(1, write(sfd, "x", 1));
	dfd = dup(sfd);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, chan_info_get(sfd, &i));
	EXPECT_EQ(1, i.senders);	/* dup() adds no endpoint */
	EXPECT_EQ(3, i.dropped);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child's copy shares the cursor: it takes all three. */
		if (ioctl(sfd, CHAN_IOC_LOST, &lost) || lost != 3)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* So neither the parent's descriptor nor its dup() sees them again. */
	ASSERT_EQ(0, ioctl(sfd, CHAN_IOC_LOST, &lost));
	EXPECT_EQ(0, lost);
	ASSERT_EQ(0, ioctl(dfd, CHAN_IOC_LOST, &lost));
	EXPECT_EQ(0, lost);
	/* The receive end has its own cursor, and still gets all three. */
	ASSERT_EQ(0, ioctl(rfd, CHAN_IOC_LOST, &lost));
	EXPECT_EQ(3, lost);
	close(sfd);
	ASSERT_EQ(0, chan_info_get(dfd, &i));
	EXPECT_EQ(1, i.senders);	/* the dup() still holds the end */
	close(dfd);
	ASSERT_EQ(0, chan_info_get(rfd, &i));
	EXPECT_EQ(0, i.senders);
	EXPECT_EQ(1, i.closed);
	close(rfd);
	close(dev);
}

static int limits_get(int dev, struct chan_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	return ioctl(dev, CHAN_IOC_LIMITS, l) ? -errno : 0;
}

/* In a child as nobody: the counts follow creates, closes and names. */
static int limits_as_nobody(const char *unused)
{
	int dev = chan_dev_open(), rfd[3], sfd[3], k;
	struct chan_limits l;
	struct chan_info i;

	if (limits_get(dev, &l))
		return 1;
	if (l.flags || l.channels || l.bytes || l.max_channels != 3 ||
	    l.channels_left != 3 || l.max_bytes != 1 << 20 ||
	    l.bytes_left != 1 << 20)
		return 2;
	for (k = 0; k < 3; k++)
		if (chan_make(dev, 0, 0, 4, 56, NULL, 0, &rfd[k], &sfd[k]))
			return 3;
	/* 4 slots of 56 + 8 bytes each. */
	if (limits_get(dev, &l) || l.channels != 3 || l.channels_left != 0 ||
	    l.bytes != 3 * 256 || l.bytes_left != (1 << 20) - 3 * 256)
		return 4;
	/* channels_left 0: the EMFILE that follows is this limit's. */
	if (chan_make(dev, 0, 0, 4, 56, NULL, 0, &rfd[0], &sfd[0]) != -EMFILE)
		return 5;
	if (chan_info_get(rfd[2], &i) || i.capacity != 4)
		return 6;
	close(rfd[2]);
	close(sfd[2]);
	if (limits_get(dev, &l) || l.channels != 2 || l.channels_left != 1 ||
	    l.bytes != 2 * 256)
		return 7;
	return 0;
}

TEST(limits_report_the_callers_use)
{
	unsigned long chans = chan_param_get("max_user_channels");
	unsigned long bytes = chan_param_get("max_user_bytes");
	struct chan_limits l;
	int dev = chan_dev_open();

	ASSERT_NE(0, chans);
	ASSERT_NE(0, bytes);

	/* root: exempt, and told so. */
	ASSERT_EQ(0, limits_get(dev, &l));
	EXPECT_EQ(CHAN_LIMITS_EXEMPT, l.flags);
	EXPECT_EQ(chans, l.max_channels);
	EXPECT_EQ(bytes, l.max_bytes);

	ASSERT_EQ(0, chan_param_set("max_user_channels", 3));
	ASSERT_EQ(0, chan_param_set("max_user_bytes", 1 << 20));
	EXPECT_EQ(0, as_user(NOBODY, NOBODY, limits_as_nobody, NULL));
	chan_param_set("max_user_channels", chans);
	chan_param_set("max_user_bytes", bytes);
	close(dev);
}

TEST(limits_check_their_argument)
{
	int dev = chan_dev_open(), rfd, sfd;
	struct chan_limits l;
	char big[CHAN_LIMITS_SIZE_VER0 + 8] = { 0 };

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l) - 8;
	EXPECT_EQ(-1, ioctl(dev, CHAN_IOC_LIMITS, &l));
	EXPECT_EQ(EINVAL, errno);
	l.size = sizeof(l);
	/* Output fields may hold anything on the way in. */
	l.flags = 0xfe;
	l.channels = l.max_channels = 77;
	EXPECT_EQ(0, ioctl(dev, CHAN_IOC_LIMITS, &l));
	EXPECT_EQ(CHAN_LIMITS_EXEMPT, l.flags);	/* root */
	EXPECT_NE(77, l.max_channels);
	l.__reserved0 = 1;
	EXPECT_EQ(-1, ioctl(dev, CHAN_IOC_LIMITS, &l));
	EXPECT_EQ(EINVAL, errno);
	l.__reserved0 = 0;
	l.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(dev, CHAN_IOC_LIMITS, &l));
	EXPECT_EQ(EINVAL, errno);
	/* A longer, newer structure: zero past the end is fine, else E2BIG. */
	((struct chan_limits *)big)->size = sizeof(big);
	EXPECT_EQ(0, ioctl(dev, CHAN_IOC_LIMITS, big));
	EXPECT_EQ(CHAN_LIMITS_SIZE_VER0, ((struct chan_limits *)big)->size);
	/* The kernel wrote its own size back: ask with the longer one again. */
	((struct chan_limits *)big)->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	EXPECT_EQ(-1, ioctl(dev, CHAN_IOC_LIMITS, big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(dev, CHAN_IOC_LIMITS, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* A /dev/chan ioctl means nothing on an endpoint (chan(4), ENOTTY). */
	ASSERT_EQ(0, chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd, &sfd));
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	EXPECT_EQ(-1, ioctl(rfd, CHAN_IOC_LIMITS, &l));
	EXPECT_EQ(ENOTTY, errno);
	close(rfd);
	close(sfd);
	close(dev);
}

TEST_HARNESS_MAIN
