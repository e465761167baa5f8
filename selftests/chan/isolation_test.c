// SPDX-License-Identifier: GPL-2.0
/*
 * Isolation on a shared host: the security review's findings, one test
 * each, named for the finding.  Runs as root and drops to unprivileged
 * users, inside fresh user and IPC namespaces, where a finding is about
 * them: names die with their namespace (F2), a listing stalled in a page
 * fault holds up nobody (F3), subordinate uids share their owner's budget
 * (F4), parameters and sizes are bounded (F1, F6), the whole ioctl number
 * is checked (F7), listings show other users only what they may see (F8),
 * names take the umask and kernel names cannot be taken (F10), mappings
 * can neither grow nor run (F14), and the contract gaps of the review's
 * item 10 (reserved words, longer structures, cancelled calls, the
 * single-producer call).
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "chan_test.h"
#include "race.h"

#define NOBODY	65534

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int drop_to(uid_t uid)
{
	return setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	       setresuid(uid, uid, uid);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (int)strlen(s) ? 0 : -EIO;
}

/* A user namespace of our own, mapping us to root: 0 or -errno. */
static int own_userns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	/* A changed uid leaves us undumpable: /proc/self/ would be root's. */
	if (prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER))
		return -errno;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/uid_map", map))
		return -EPERM;
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", gid);
	return write_file("/proc/self/gid_map", map) ? -EPERM : 0;
}

/*
 * F2: a child (as @uid, in new user and IPC namespaces unless root)
 * fills a SysV segment it never removes, optionally names a channel, and
 * exits.  Once the namespace's last task is gone its memory must come
 * back: returns the Shmem left over, in MiB, 5 s after the exit at most.
 */
#define SHM_MIB	64

static long pin_and_exit(uid_t uid, int name_it)
{
	long base = meminfo_kb("Shmem"), left;
	int status, p[2];
	long long end;
	char c;
	pid_t pid;

	if (pipe(p))
		return -5;
	pid = fork();
	if (pid == 0) {
		int dev, rfd, sfd, id;
		char *m;

		if (uid && (drop_to(uid) || own_userns()))
			_exit(90);
		if (unshare(CLONE_NEWIPC))
			_exit(91);
		id = shmget(IPC_PRIVATE, SHM_MIB << 20, IPC_CREAT | 0600);
		m = id < 0 ? NULL : shmat(id, NULL, 0);
		if (!m || m == (void *)-1)
			_exit(92);
		memset(m, 1, SHM_MIB << 20);
		shmdt(m);
		dev = chan_dev_open();
		if (name_it && chan_make(dev, 0, 0, 1, 8, "pin", 0600, &rfd,
					 &sfd))
			_exit(93);
		write(p[1], "x", 1);	/* filled: measure now */
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		if (pid > 0 && waitpid(pid, &status, 0) == pid &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 90)
			return -90;	/* no user namespace for us */
		return -2;
	}
	close(p[0]);
	if (meminfo_kb("Shmem") - base < (SHM_MIB << 10) / 2)
		return -3;		/* the segment was not there at all */
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -4;
	end = now_ms() + 5000;
	do {
		usleep(50000);
		left = (meminfo_kb("Shmem") - base) >> 10;
	} while (left >= SHM_MIB / 4 && now_ms() < end);
	/* Others' shared memory may have gone meanwhile: none is left. */
	return left < 0 ? 0 : left;
}

TEST(f2_an_unnamed_namespace_frees_its_memory)
{
	EXPECT_LT(pin_and_exit(0, 0), SHM_MIB / 4);
}

TEST(f2_names_die_with_their_namespace_root)
{
	long left = pin_and_exit(0, 1);

	EXPECT_GE(left, 0);
	EXPECT_LT(left, SHM_MIB / 4) {
		TH_LOG("%ld MiB still held 5 s after the namespace's last task exited",
		       left);
	}
}

TEST(f2_names_die_with_their_namespace_unprivileged)
{
	long left = pin_and_exit(NOBODY, 1);

	if (left == -90)
		SKIP(return, "unprivileged user namespaces are not allowed here");
	EXPECT_GE(left, 0);
	EXPECT_LT(left, SHM_MIB / 4) {
		TH_LOG("%ld MiB still held 5 s after the namespace's last task exited",
		       left);
	}
}

/* A channel named in a living namespace is not reaped. */
TEST(f2_a_living_namespace_keeps_its_names)
{
	int dev = chan_dev_open(), rfd, sfd, fd;
	struct chan_open o = { .size = sizeof(o), .role = CHAN_ROLE_RECV };

	ASSERT_EQ(unshare(CLONE_NEWIPC), 0);
	ASSERT_EQ(chan_make(dev, 0, 0, 1, 8, "keep", 0600, &rfd, &sfd), 0);
	close(rfd);
	close(sfd);
	sleep(2);		/* the reaper runs every second */
	o.name = (uintptr_t)"keep";
	fd = ioctl(dev, CHAN_IOC_OPEN, &o);
	EXPECT_EQ(fd, 0);
	EXPECT_GE(o.fd, 0);
	close(o.fd);
	close(dev);
}

/*
 * F3: a CHAN_IOC_LIST whose buffer sits on a page nobody serves
 * (userfaultfd) must hold up nobody: other processes create and close
 * channels meanwhile.
 */
struct lister {
	int dev;
	struct chan_info *entries;
	int ret, err;
	volatile int done;
};

static void *list_thread(void *arg)
{
	struct lister *l = arg;
	struct chan_list req = {
		.size = sizeof(req), .entry_size = sizeof(struct chan_info),
		.count = 4, .entries = (uintptr_t)l->entries,
	};

	l->ret = ioctl(l->dev, CHAN_IOC_LIST, &req);
	l->err = errno;
	__atomic_store_n(&l->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST(f3_a_stalled_listing_holds_up_nobody)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = {};
	struct lister l = {};
	int uffd, dev, rfd, sfd, k, status;
	long page = sysconf(_SC_PAGESIZE);
	long long t0, t;
	pthread_t th;
	char *area;
	pid_t pid;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(ioctl(uffd, UFFDIO_API, &api), 0);
	area = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(area, MAP_FAILED);
	reg.range.start = (uintptr_t)area;
	reg.range.len = page;
	ASSERT_EQ(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	dev = chan_dev_open();
	ASSERT_EQ(chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd, &sfd), 0);
	l.dev = dev;
	l.entries = (struct chan_info *)area;
	ASSERT_EQ(pthread_create(&th, NULL, list_thread, &l), 0);
	usleep(300000);		/* now stuck in the fault */
	ASSERT_FALSE(l.done);

	/* Another process creates and closes channels: at once. */
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		int d = chan_dev_open(), r, s;

		for (k = 0; k < 20; k++) {
			if (chan_make(d, 0, 0, 1, 8, NULL, 0, &r, &s))
				_exit(1);
			close(r);
			close(s);
		}
		_exit(0);
	}
	ASSERT_GE(pid, 0);
	for (k = 0; k < 300 && waitpid(pid, &status, WNOHANG) == 0; k++)
		usleep(10000);
	t = now_ms() - t0;
	EXPECT_LT(t, 1000) {
		TH_LOG("creating and closing channels waited %lld ms for the listing",
		       t);
	}
	if (k == 300) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));

	/* Serve the fault: the listing completes. */
	zero.range.start = (uintptr_t)area;
	zero.range.len = page;
	ASSERT_EQ(ioctl(uffd, UFFDIO_ZEROPAGE, &zero), 0);
	pthread_join(th, NULL);
	EXPECT_EQ(l.ret, 0);
	close(rfd);
	close(sfd);
	close(uffd);
	close(dev);
}

/*
 * F4: the uids of a user namespace all come out of its owner's budget.
 * A user (uid 1000) makes a user namespace mapping ten of its
 * subordinate uids; in it, uid 1 takes the whole budget and uid 2 then
 * gets EMFILE.
 */
static int param_uint(const char *name, unsigned long v, unsigned long *old)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", v);
	if (old) {
		char cur[32];

		if (param_set(name, buf, cur, sizeof(cur)))
			return -1;
		*old = strtoul(cur, NULL, 0);
		return 0;
	}
	return param_set(name, buf, NULL, 0);
}

/* In the namespace: become @uid, create @n channels, report, hold them. */
static int make_as(uid_t uid, int n, int report, int hold)
{
	int dev, rfd, sfd, k, r = 0;
	char c = 0;

	if (setresuid(uid, uid, uid))
		return 80;
	dev = chan_dev_open();
	for (k = 0; k < n && !r; k++)
		r = chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd, &sfd);
	c = r == -EMFILE ? 'E' : r ? 'x' : 'o';
	write(report, &c, 1);
	read(hold, &c, 1);
	return 0;
}

TEST(f4_subordinate_uids_share_their_owners_budget)
{
	int go[2], rep[2], hold[2], status;
	unsigned long old;
	char map[64], a, b;
	pid_t pid;

	ASSERT_EQ(param_uint("max_user_channels", 8, &old), 0);
	ASSERT_EQ(pipe(go), 0);
	ASSERT_EQ(pipe(rep), 0);
	ASSERT_EQ(pipe(hold), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		pid_t c1, c2;

		close(hold[1]);		/* the parent's close lets them go */
		if (drop_to(1000) || unshare(CLONE_NEWUSER))
			_exit(90);
		write(rep[1], "u", 1);
		read(go[0], &a, 1);		/* mapped by the parent */
		if (setresuid(0, 0, 0))
			_exit(91);
		c1 = fork();
		if (c1 == 0)
			_exit(make_as(1, 8, rep[1], hold[0]));
		read(go[0], &a, 1);		/* uid 1 has reported */
		c2 = fork();
		if (c2 == 0)
			_exit(make_as(2, 1, rep[1], hold[0]));
		waitpid(c1, NULL, 0);
		waitpid(c2, NULL, 0);
		_exit(0);
	}
	/* Only the children hold these ends: a child that dies says EOF. */
	close(rep[1]);
	close(go[0]);
	close(hold[0]);
	if (read(rep[0], &a, 1) != 1) {
		waitpid(pid, &status, 0);
		param_uint("max_user_channels", old, NULL);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 90)
			SKIP(return, "unprivileged user namespaces are not allowed here");
		ASSERT_TRUE(0) TH_LOG("the child died: status %#x", status);
	}
	ASSERT_EQ(a, 'u');
	snprintf(map, sizeof(map), "/proc/%d/uid_map", pid);
	ASSERT_EQ(write_file(map, "0 200000 10"), 0);
	snprintf(map, sizeof(map), "/proc/%d/setgroups", pid);
	write_file(map, "deny");
	snprintf(map, sizeof(map), "/proc/%d/gid_map", pid);
	ASSERT_EQ(write_file(map, "0 200000 10"), 0);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	ASSERT_EQ(read(rep[0], &a, 1), 1);	/* uid 1: eight channels */
	ASSERT_EQ(write(go[1], "g", 1), 1);
	ASSERT_EQ(read(rep[0], &b, 1), 1);	/* uid 2: one more */
	EXPECT_EQ(a, 'o');
	EXPECT_EQ(b, 'E') {
		TH_LOG("a second subordinate uid got a budget of its own");
	}
	close(hold[1]);				/* let them go */
	waitpid(pid, &status, 0);
	param_uint("max_user_channels", old, NULL);
}

/* F1 and F6: sizes checked in 64 bits, parameters bounded. */
TEST(f1_ring_sizes_that_do_not_fit_are_e2big)
{
	unsigned long cap, msg;
	int dev = chan_dev_open(), rfd, sfd;

	ASSERT_EQ(param_uint("max_capacity", 65536, &cap), 0);
	ASSERT_EQ(param_uint("max_msg_size", 65536, &msg), 0);
	EXPECT_EQ(chan_make(dev, 0, 0, 65536, 65536, NULL, 0, &rfd, &sfd),
		  -E2BIG);
	EXPECT_EQ(chan_make(dev, 0, 0, 65536, 65528, NULL, 0, &rfd, &sfd),
		  -E2BIG);
	EXPECT_EQ(chan_make_full(dev, CHAN_KIND_REQREP, 0, 0, 65536, 65536,
				 NULL, 0, &rfd, &sfd), -E2BIG);
	param_uint("max_capacity", cap, NULL);
	param_uint("max_msg_size", msg, NULL);
	close(dev);
}

TEST(f6_module_parameters_are_bounded)
{
	static const char *const bad[][2] = {
		{ "max_msg_size", "4294967295" }, { "max_msg_size", "0" },
		{ "max_capacity", "1073741824" }, { "max_capacity", "0" },
		{ "max_user_bytes", "18446744073709551615" },
		{ "spin_ns", "4000000000" }, { "max_user_channels", "-1" },
	};
	char old[32], now[32];
	unsigned int k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		ASSERT_EQ(param_set(bad[k][0], "1", old, sizeof(old)), 0);
		EXPECT_NE(param_set(bad[k][0], bad[k][1], NULL, 0), 0) {
			TH_LOG("%s=%s was accepted", bad[k][0], bad[k][1]);
		}
		ASSERT_EQ(param_set(bad[k][0], old, now, sizeof(now)), 0);
		EXPECT_STREQ(now, "1");
	}
}

/* F7: only the exact ioctl numbers are commands. */
TEST(f7_ioctl_variants_are_enotty)
{
	int dev = chan_dev_open(), rfd, sfd;
	struct chan_version v = { .size = sizeof(v) };

	ASSERT_EQ(chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd, &sfd), 0);
	EXPECT_EQ(ioctl(dev, _IOC(_IOC_NONE, CHAN_IOC_MAGIC, 0x00, 0), &v), -1);
	EXPECT_EQ(errno, ENOTTY);
	EXPECT_EQ(ioctl(dev, _IOWR(CHAN_IOC_MAGIC, 0x00, struct chan_info), &v),
		  -1);
	EXPECT_EQ(errno, ENOTTY);
	EXPECT_EQ(ioctl(dev, _IOR(CHAN_IOC_MAGIC, 0x02, struct chan_open), &v),
		  -1);
	EXPECT_EQ(errno, ENOTTY);
	EXPECT_EQ(ioctl(sfd, _IO(CHAN_IOC_MAGIC, 0x11) | (8 << _IOC_SIZESHIFT)),
		  -1);
	EXPECT_EQ(errno, ENOTTY);
	EXPECT_EQ(ioctl(dev, CHAN_IOC_VERSION, &v), 0);
	EXPECT_EQ(ioctl(sfd, CHAN_IOC_CLOSE), 0);
	close(rfd);
	close(sfd);
	close(dev);
}

/* F8: what a listing shows another user. */
static int list_all(int dev, struct chan_info *e, uint32_t n, uint32_t *total)
{
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(*e), .count = n,
		.entries = (uintptr_t)e,
	};

	memset(e, 0, n * sizeof(*e));
	if (ioctl(dev, CHAN_IOC_LIST, &l))
		return -errno;
	*total = l.total;
	return l.count;
}

static int f8_look(const char *arg)
{
	struct chan_info e[64];
	uint32_t total = 0, k;
	uint64_t ids[3];
	int dev = chan_dev_open(), n, seen = 0;

	if (sscanf(arg, "%lu %lu %lu", (unsigned long *)&ids[0],
		   (unsigned long *)&ids[1], (unsigned long *)&ids[2]) != 3)
		return 70;
	n = list_all(dev, e, 64, &total);
	if (n < 0 || (uint32_t)n != total)
		return 71;
	for (k = 0; k < (uint32_t)n; k++) {
		if (e[k].id == ids[0])
			return 72;		/* anonymous: hidden */
		if (e[k].id == ids[1]) {	/* private name: described */
			seen |= 1;
			if (e[k].sent || e[k].depth || e[k].senders ||
			    e[k].kind != CHAN_KIND_QUEUE ||
			    strcmp(e[k].name, "f8.private"))
				return 73;
		}
		if (e[k].id == ids[2]) {	/* open to all: everything */
			seen |= 2;
			if (e[k].sent != 1 || e[k].depth != 1)
				return 74;
		}
	}
	return seen == 3 ? 0 : 75;
}

TEST(f8_a_listing_shows_others_only_what_they_may_see)
{
	int dev = chan_dev_open(), r[3], s[3], k;
	struct chan_info info;
	uint64_t ids[3];
	char arg[96];

	umask(0);
	ASSERT_EQ(chan_make(dev, 0, 0, 4, 8, NULL, 0, &r[0], &s[0]), 0);
	ASSERT_EQ(chan_make(dev, 0, 0, 4, 8, "f8.private", 0600, &r[1], &s[1]),
		  0);
	ASSERT_EQ(chan_make(dev, 0, 0, 4, 8, "f8.open", 0666, &r[2], &s[2]), 0);
	for (k = 0; k < 3; k++) {
		ASSERT_EQ(write(s[k], "secret.", 8), 8);
		ASSERT_EQ(chan_info_get(s[k], &info), 0);
		ids[k] = info.id;
	}
	snprintf(arg, sizeof(arg), "%lu %lu %lu", (unsigned long)ids[0],
		 (unsigned long)ids[1], (unsigned long)ids[2]);
	EXPECT_EQ(as_user(NOBODY, NOBODY, f8_look, arg), 0);
	for (k = 1; k < 3; k++) {
		struct chan_unlink u = { .size = sizeof(u) };

		u.name = (uintptr_t)(k == 1 ? "f8.private" : "f8.open");
		ioctl(dev, CHAN_IOC_UNLINK, &u);
	}
	for (k = 0; k < 3; k++) {
		close(r[k]);
		close(s[k]);
	}
	close(dev);
	umask(022);
}

/* F10: a name's mode takes the umask; kernel names are not for taking. */
TEST(f10_umask_applies_and_kernel_names_are_reserved)
{
	struct chan_unlink u = { .size = sizeof(u), .name = (uintptr_t)"f10" };
	int dev = chan_dev_open(), rfd, sfd;
	struct chan_info info;

	umask(027);
	ASSERT_EQ(chan_make(dev, 0, 0, 1, 8, "f10", 0666, &rfd, &sfd), 0);
	ASSERT_EQ(chan_info_get(rfd, &info), 0);
	EXPECT_EQ(info.mode, 0640);
	ioctl(dev, CHAN_IOC_UNLINK, &u);
	close(rfd);
	close(sfd);
	umask(022);
	EXPECT_EQ(chan_make(dev, 0, 0, 1, 8, CHAN_KERNEL_PREFIX "k2k", 0666,
			    &rfd, &sfd), -EPERM);
	/* Names are visible ASCII: no spaces, no high bytes. */
	EXPECT_EQ(chan_make(dev, 0, 0, 1, 8, "two words", 0666, &rfd, &sfd),
		  -EINVAL);
	EXPECT_EQ(chan_make(dev, 0, 0, 1, 8, "caf\xc3\xa9", 0666, &rfd, &sfd),
		  -EINVAL);
	close(dev);
}

/* F14: a mapped ring never grows and never runs. */
TEST(f14_a_mapped_ring_cannot_grow_or_run)
{
	int dev = chan_dev_open(), rfd, sfd;
	struct chan_info info;
	void *m, *g;

	ASSERT_EQ(chan_make(dev, CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER |
				 CHAN_MAPPABLE, 0, 4, 64, NULL, 0, &rfd, &sfd),
		  0);
	ASSERT_EQ(chan_info_get(rfd, &info), 0);
	EXPECT_EQ(mmap(NULL, info.map_size, PROT_READ | PROT_EXEC, MAP_SHARED,
		       rfd, 0), MAP_FAILED);
	EXPECT_EQ(errno, EPERM);
	m = mmap(NULL, info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED, rfd,
		 0);
	ASSERT_NE(m, MAP_FAILED);
	EXPECT_EQ(mprotect(m, info.map_size, PROT_READ | PROT_EXEC), -1);
	g = mremap(m, info.map_size, info.map_size * 2, MREMAP_MAYMOVE);
	EXPECT_EQ(g, MAP_FAILED);
	munmap(g == MAP_FAILED ? m : g, info.map_size);
	close(rfd);
	close(sfd);
	close(dev);
}

/* Item 10: the rules every structure follows, as the header says. */
TEST(reserved_words_and_longer_structures)
{
	struct {
		struct chan_info info;
		uint64_t more;
	} big;
	struct chan_version v = { .size = sizeof(v) };
	int dev = chan_dev_open(), rfd, sfd;

	v.__reserved[1] = 1;
	EXPECT_EQ(ioctl(dev, CHAN_IOC_VERSION, &v), -1);
	EXPECT_EQ(errno, EINVAL);
	ASSERT_EQ(chan_make(dev, 0, 0, 1, 8, NULL, 0, &rfd, &sfd), 0);
	memset(&big, 0, sizeof(big));
	big.info.size = sizeof(big);
	EXPECT_EQ(ioctl(rfd, CHAN_IOC_INFO, &big), 0);
	EXPECT_EQ(big.more, 0);
	big.info.size = sizeof(big);
	big.more = 1;
	EXPECT_EQ(ioctl(rfd, CHAN_IOC_INFO, &big), -1);
	EXPECT_EQ(errno, E2BIG);
	close(rfd);
	close(sfd);
	close(dev);
}

/* Item 10: a server never receives the request of a caller that is gone. */
TEST(cancelled_requests_are_skipped_and_counted)
{
	int dev = chan_dev_open(), rfd, sfd;
	struct chan_info info;
	char buf[64];
	uint64_t id;

	ASSERT_EQ(chan_make_full(dev, CHAN_KIND_REQREP, 0, 0, 4, 64, NULL, 0,
				 &rfd, &sfd), 0);
	/* Nobody serves: the call times out and is gone. */
	EXPECT_EQ(op_call(sfd, "late", 4, buf, sizeof(buf), 20000000), -1);
	EXPECT_EQ(errno, ETIMEDOUT);
	EXPECT_EQ(op_recv_batch(rfd, buf, sizeof(buf), 0, &id), -1);
	EXPECT_EQ(errno, EAGAIN);
	ASSERT_EQ(chan_info_get(rfd, &info), 0);
	EXPECT_EQ(info.cancelled, 1);
	EXPECT_EQ(info.depth, 0);
	EXPECT_EQ(fdinfo_value(rfd, "chan_cancelled"), 1);
	close(rfd);
	close(sfd);
	close(dev);
}

/* Item 10: a single-producer promise covers a whole call. */
struct caller {
	int fd;
	ssize_t ret;
	int err;
};

static void *call_thread(void *arg)
{
	struct caller *c = arg;
	char buf[64];

	c->ret = op_call(c->fd, "first", 5, buf, sizeof(buf), 2000000000);
	c->err = errno;
	return NULL;
}

TEST(a_second_concurrent_call_on_a_single_producer_channel_is_ebusy)
{
	int dev = chan_dev_open(), rfd, sfd;
	struct caller c = {};
	char buf[64];
	uint64_t id;
	pthread_t th;
	ssize_t n;

	ASSERT_EQ(chan_make_full(dev, CHAN_KIND_REQREP, CHAN_SINGLE_PRODUCER,
				 0, 4, 64, NULL, 0, &rfd, &sfd), 0);
	c.fd = sfd;
	ASSERT_EQ(pthread_create(&th, NULL, call_thread, &c), 0);
	n = op_recv_batch(rfd, buf, sizeof(buf), 2000000000, &id);
	ASSERT_EQ(n, 5);
	/* The first call waits for its reply: a second is refused. */
	EXPECT_EQ(op_call(sfd, "second", 6, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_EQ(op_reply(rfd, id, "ok", 2), 1);
	pthread_join(th, NULL);
	EXPECT_EQ(c.ret, 2);
	close(rfd);
	close(sfd);
	close(dev);
}

TEST_HARNESS_MAIN
