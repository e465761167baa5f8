// SPDX-License-Identifier: GPL-2.0
/*
 * Fault-injection walk: for every path that allocates (create, named
 * create, the first channel of a new IPC namespace, open by name, list,
 * send), fail the Nth fault site of the call
 * (slab, page allocator, user copy) for N = 1, 2, ... until the call gets
 * through.  Each failure must be a clean errno that leaves nothing behind:
 * no descriptor, no channel, no name.  Needs CONFIG_FAULT_INJECTION (the
 * debug kernel); skipped elsewhere.
 */
#include <sched.h>
#include <sys/syscall.h>

#include <sys/mman.h>

#include "kselftest_harness.h"
#include "chan_test.h"

static int nth_fd = -1;

static int debugfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int setup(void)
{
	static const char *const quiet[] = {
		"/sys/kernel/debug/failslab/ignore-gfp-wait",
		"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
		"/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem",
	};
	static const char *const verbose[] = {
		"/sys/kernel/debug/failslab/verbose",
		"/sys/kernel/debug/fail_page_alloc/verbose",
		"/sys/kernel/debug/fail_usercopy/verbose",
	};
	char path[64];
	unsigned int k;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	nth_fd = open(path, O_RDWR);
	if (nth_fd < 0)
		return -1;
	for (k = 0; k < 3; k++) {
		debugfs_write(quiet[k], "N");
		debugfs_write(verbose[k], "0");	/* no stack dumps */
	}
	return 0;
}

static void fail_nth(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	pwrite(nth_fd, buf, len, 0);
}

/* 0 once the armed fault fired, the count left otherwise. */
static int nth_left(void)
{
	char buf[16] = "";

	pread(nth_fd, buf, sizeof(buf) - 1, 0);
	return atoi(buf);
}

static uint32_t list_total(int dev)
{
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(struct chan_info),
	};

	return ioctl(dev, CHAN_IOC_LIST, &l) ? ~0U : l.total;
}

enum op {
	OP_CREATE, OP_CREATE_NAMED, OP_OPEN, OP_LIST, OP_SEND, OP_RECV,
	OP_SUBSCRIBE, OP_CALL, OP_CREATE_MAPPED, OP_CREATE_NS,
};

struct ctx {
	int dev;
	int rfd, sfd;		/* a named channel for OP_OPEN and I/O */
	int brfd, bsfd;		/* a broadcast channel for OP_SUBSCRIBE */
	int qrfd, qsfd;		/* a request/reply channel for OP_CALL */
	int nth;		/* the fault armed */
	int ipcns;		/* the IPC namespace the fixture's name is in */
	char name[32];
};

/* A call nobody answers: 0 once it timed out, as it should. */
static int fi_call(int sfd)
{
	char out[8];
	struct chan_call call = {
		.size = sizeof(call), .req = (uintptr_t)"req", .req_len = 3,
		.reply = (uintptr_t)out, .reply_len = sizeof(out),
		.timeout_ns = 1,
	};

	if (ioctl(sfd, CHAN_IOC_CALL, &call) >= 0)
		return -EPROTO;
	return errno == ETIMEDOUT ? 0 : -errno;
}

/* Create a mapped ring and map it; everything is undone after. */
static int fi_create_mapped(int dev)
{
	struct chan_info i;
	int rfd, sfd, ret;
	void *p;

	ret = chan_make(dev, CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER |
			CHAN_MAPPABLE, 0, 64, 512, NULL, 0, &rfd, &sfd);
	if (ret)
		return ret;
	ret = chan_info_get(sfd, &i);
	if (!ret) {
		p = mmap(NULL, i.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 sfd, 0);
		if (p == MAP_FAILED)
			ret = -errno;
		else if (((struct chan_ring_hdr *)p)->magic != CHAN_RING_MAGIC)
			ret = -EPROTO;
		if (p != MAP_FAILED)
			munmap(p, i.map_size);
	}
	close(rfd);
	close(sfd);
	return ret;
}

/* Take whatever requests are queued, unanswered. */
static void fi_drain(int rfd)
{
	char buf[16];
	struct chan_msg m = { .buf = (uintptr_t)buf, .len = sizeof(buf) };
	struct chan_batch b = {
		.size = sizeof(b), .count = 1, .msgs = (uintptr_t)&m,
	};

	while (ioctl(rfd, CHAN_IOC_RECV_BATCH, &b) == 1)
		m.len = sizeof(buf);
}

/*
 * One call with fail-nth armed; returns 0 or -errno, sets *left to what
 * fail-nth had left (0: the fault fired), and cleans up what it made.
 */
static int do_op(struct ctx *c, enum op op, char *name, int *left)
{
	struct chan_info entries[4];
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(struct chan_info),
		.count = 4, .entries = (uintptr_t)entries,
	};
	struct chan_open o = { .size = sizeof(o), .role = CHAN_ROLE_RECV,
			       .name = (uintptr_t)c->name };
	struct chan_unlink u = { .size = sizeof(u), .name = (uintptr_t)name };
	int rfd, sfd, ret = 0;
	char buf[16];

	/* Cleanup runs disarmed: a fault there would leave a name behind. */
	switch (op) {
	case OP_CREATE:
	case OP_CREATE_NAMED:
		ret = chan_make(c->dev, 0, 0, 64, 512,
				op == OP_CREATE_NAMED ? name : NULL, 0600,
				&rfd, &sfd);
		*left = nth_left();
		fail_nth(0);
		if (!ret) {
			close(rfd);
			close(sfd);
			if (op == OP_CREATE_NAMED)
				ioctl(c->dev, CHAN_IOC_UNLINK, &u);
		}
		return ret;
	case OP_OPEN:
		ret = ioctl(c->dev, CHAN_IOC_OPEN, &o) ? -errno : 0;
		*left = nth_left();
		fail_nth(0);
		if (!ret)
			close(o.fd);
		return ret;
	case OP_LIST:
		ret = ioctl(c->dev, CHAN_IOC_LIST, &l) ? -errno : 0;
		break;
	case OP_SEND:
		ret = write(c->sfd, "fault", 5) == 5 ? 0 : -errno;
		break;
	case OP_RECV:
		ret = read(c->rfd, buf, sizeof(buf)) == 5 ? 0 : -errno;
		break;
	case OP_SUBSCRIBE:
		rfd = ioctl(c->brfd, CHAN_IOC_SUBSCRIBE,
			    CHAN_CLOEXEC | CHAN_NONBLOCK);
		ret = rfd < 0 ? -errno : 0;
		*left = nth_left();
		fail_nth(0);
		if (!ret)
			close(rfd);
		return ret;
	case OP_CREATE_NS:
		/*
		 * The first channel of a new IPC namespace: its record and
		 * its name.  The namespace itself is made disarmed.
		 */
		fail_nth(0);
		if (unshare(CLONE_NEWIPC))
			return -errno;
		fail_nth(c->nth);
		ret = chan_make(c->dev, 0, 0, 4, 64, name, 0600, &rfd, &sfd);
		*left = nth_left();
		fail_nth(0);
		if (!ret) {
			close(rfd);
			close(sfd);
			ioctl(c->dev, CHAN_IOC_UNLINK, &u);
		}
		return ret;
	case OP_CREATE_MAPPED:
		ret = fi_create_mapped(c->dev);
		*left = nth_left();
		fail_nth(0);
		return ret;
	case OP_CALL:
		ret = fi_call(c->qsfd);
		*left = nth_left();
		fail_nth(0);
		fi_drain(c->qrfd);
		return ret;
	}
	*left = nth_left();
	fail_nth(0);
	return ret;
}

FIXTURE(walk) {
	struct ctx c;
};

FIXTURE_SETUP(walk)
{
	if (setup())
		SKIP(return, "no fail-nth: kernel without CONFIG_FAULT_INJECTION");
	self->c.dev = chan_dev_open();
	ASSERT_LE(0, self->c.dev);
	self->c.ipcns = open("/proc/self/ns/ipc", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->c.ipcns);
	snprintf(self->c.name, sizeof(self->c.name), "fi.%d", getpid());
	ASSERT_EQ(0, chan_make(self->c.dev, CHAN_NONBLOCK, 0, 8, 64,
			       self->c.name, 0600, &self->c.rfd,
			       &self->c.sfd));
	ASSERT_EQ(0, chan_make_kind(self->c.dev, CHAN_KIND_BROADCAST, 8,
				    &self->c.brfd, &self->c.bsfd));
	ASSERT_EQ(0, chan_make_kind(self->c.dev, CHAN_KIND_REQREP, 8,
				    &self->c.qrfd, &self->c.qsfd));
}

FIXTURE_TEARDOWN(walk)
{
	struct chan_unlink u = { .size = sizeof(u),
				 .name = (uintptr_t)self->c.name };

	if (nth_fd < 0)
		return;
	fail_nth(0);
	/* OP_CREATE_NS left this process in a namespace of its own. */
	EXPECT_EQ(0, setns(self->c.ipcns, CLONE_NEWIPC));
	EXPECT_EQ(0, ioctl(self->c.dev, CHAN_IOC_UNLINK, &u));
	close(self->c.ipcns);
	close(self->c.rfd);
	close(self->c.sfd);
	close(self->c.brfd);
	close(self->c.bsfd);
	close(self->c.qrfd);
	close(self->c.qsfd);
	close(self->c.dev);
}

static void walk(struct __test_metadata *_metadata, struct ctx *c, enum op op)
{
	int n, ret, fds, left, injected = 0;
	uint32_t chans;
	struct chan_info i;
	uint64_t sent;
	uint32_t subs;
	char name[32];

	snprintf(name, sizeof(name), "fi.new.%d", getpid());
	for (n = 1; n < 1000; n++) {
		fds = count_fds();
		chans = list_total(c->dev);
		ASSERT_EQ(0, chan_info_get(c->rfd, &i));
		sent = i.sent;
		ASSERT_EQ(0, chan_info_get(c->brfd, &i));
		subs = i.receivers;
		ASSERT_EQ(0, chan_info_get(c->rfd, &i));
		if (op == OP_RECV && i.depth == 0)
			ASSERT_EQ(5, write(c->sfd, "fault", 5));

		c->nth = n;
		fail_nth(n);
		ret = do_op(c, op, name, &left);
		if (left > 0) {
			ASSERT_EQ(0, ret);	/* no fault left to hit */
			break;
		}
		injected++;
		if (ret == 0)
			continue;		/* the fault was absorbed */
		EXPECT_TRUE(ret == -ENOMEM || ret == -EFAULT ||
			    ret == -EMFILE || ret == -ENFILE) {
			TH_LOG("op %d, fault %d: errno %d", op, n, -ret);
		}
		/* Nothing left behind. */
		EXPECT_EQ(fds, count_fds());
		/* A new namespace starts empty, and must stay so. */
		EXPECT_EQ(op == OP_CREATE_NS ? 0 : chans, list_total(c->dev));
		ASSERT_EQ(0, chan_info_get(c->rfd, &i));
		if (op == OP_SEND)
			EXPECT_EQ(sent, i.sent);
		ASSERT_EQ(0, chan_info_get(c->brfd, &i));
		EXPECT_EQ(subs, i.receivers);
	}
	EXPECT_GT(injected, 0);
	ksft_print_msg("op %d: %d fault points walked\n", op, injected);
}

TEST_F_TIMEOUT(walk, create, 600) { walk(_metadata, &self->c, OP_CREATE); }
TEST_F_TIMEOUT(walk, create_named, 600) { walk(_metadata, &self->c, OP_CREATE_NAMED); }
TEST_F_TIMEOUT(walk, open_by_name, 600) { walk(_metadata, &self->c, OP_OPEN); }
TEST_F_TIMEOUT(walk, list, 600) { walk(_metadata, &self->c, OP_LIST); }
TEST_F_TIMEOUT(walk, send, 600) { walk(_metadata, &self->c, OP_SEND); }
TEST_F_TIMEOUT(walk, recv, 600) { walk(_metadata, &self->c, OP_RECV); }
TEST_F_TIMEOUT(walk, subscribe, 600) { walk(_metadata, &self->c, OP_SUBSCRIBE); }
TEST_F_TIMEOUT(walk, call, 600) { walk(_metadata, &self->c, OP_CALL); }
TEST_F_TIMEOUT(walk, create_mapped, 600) { walk(_metadata, &self->c, OP_CREATE_MAPPED); }
TEST_F_TIMEOUT(walk, create_in_a_new_namespace, 600) { walk(_metadata, &self->c, OP_CREATE_NS); }

TEST_HARNESS_MAIN
