// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded, structure-aware fuzzer for /dev/chan and channel endpoints.
 *
 * Calls mix valid commands with corrupted ones: random ioctl numbers next
 * to real ones, random flags and fields, sizes 0, 1, huge and at page
 * boundaries, NULL, unmapped and kernel pointers, structs that straddle
 * into an inaccessible page.  Several threads share the descriptor table
 * while others close, dup, fork and exit mid-call.  The kernel must answer
 * every call with a result or an errno from the documented set, and the
 * guest runner fails the run on any splat.  Mapped rings are mapped,
 * scribbled over and unmapped while the other threads use them.
 *
 * CHAN_FUZZ_SEED=n reproduces a run; CHAN_FUZZ_CALLS=n sets its length
 * (default 125000 picks, at least 100000 calls).
 */
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define NTHREADS	4
#define NFDS		64

static int fds[NFDS];		/* -1 or a descriptor the fuzzer made */
static int dev_fd = -1;
static unsigned char *guard;	/* a RW page followed by a PROT_NONE page */
static long pagesz;
static long bad_errno;
static int last_bad_errno;
static long calls_done;

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int allowed(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case EBADF: case EAGAIN:
	case EMSGSIZE: case EPIPE: case EBUSY: case E2BIG: case ENOMEM:
	case EMFILE: case ENFILE: case EEXIST: case ENOENT: case EACCES:
	case ENAMETOOLONG: case EINTR: case EPERM: case EALREADY:
	case EOVERFLOW: case ETIMEDOUT: case ECONNRESET: case EPROTO:
	case ENODEV:
		return 1;
	}
	return 0;
}

static void note(long r)
{
	__atomic_fetch_add(&calls_done, 1, __ATOMIC_RELAXED);
	if (r < 0 && !allowed(errno)) {
		__atomic_fetch_add(&bad_errno, 1, __ATOMIC_RELAXED);
		last_bad_errno = errno;
	}
}

static int pick_fd(uint64_t *s)
{
	int fd;

	switch (rnd(s) % 8) {
	case 0:
		return dev_fd;
	case 1:
		/* Anything but stdin/stdout/stderr, often EBADF. */
		return 3 + (int)(rnd(s) % 1021);
	default:
		fd = __atomic_load_n(&fds[rnd(s) % NFDS], __ATOMIC_RELAXED);
		return fd >= 0 ? fd : dev_fd;
	}
}

static void keep_fd(uint64_t *s, int fd)
{
	int old;

	if (fd < 0)
		return;
	old = __atomic_exchange_n(&fds[rnd(s) % NFDS], fd, __ATOMIC_RELAXED);
	if (old >= 0)
		close(old);
}

/* A pointer for an argument: valid, NULL, unmapped, kernel, straddling. */
static void *pick_ptr(uint64_t *s, unsigned char *buf, size_t len)
{
	switch (rnd(s) % 10) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)1;
	case 2:
		return (void *)(uintptr_t)0xffffffff81000000ULL;
	case 3:
		return guard + pagesz - (rnd(s) % (len ? len : 1)) - 1;
	case 4:
		return guard + pagesz;		/* PROT_NONE */
	default:
		return buf;
	}
}

static uint32_t pick_size(uint64_t *s, uint32_t real)
{
	static const uint32_t sizes[] = {
		0, 1, 4, 7, 8, 16, 23, 24, 39, 40, 63, 64, 65, 223, 224, 225,
		4095, 4096, 4097, 65536, 0x7fffffff, 0xffffffff,
	};

	if (rnd(s) % 3)
		return real;
	return sizes[rnd(s) % (sizeof(sizes) / sizeof(sizes[0]))];
}

static const char *const names[] = { "fz.a", "fz.b", "fz.c", "", "x/y" };

static void fill_create(uint64_t *s, struct chan_create *c, char *name)
{
	memset(c, 0, sizeof(*c));
	c->size = pick_size(s, sizeof(*c));
	c->kind = rnd(s) % 8 ? 1 + rnd(s) % 5 : (uint32_t)rnd(s);
	c->flags = rnd(s) % 8 ? rnd(s) % 32 : (uint32_t)rnd(s);
	c->policy = rnd(s) % 8 ? rnd(s) % 4 : (uint32_t)rnd(s);
	c->capacity = rnd(s) % 8 ? rnd(s) % 65 : (uint32_t)rnd(s);
	c->msg_max = rnd(s) % 8 ? 1 + rnd(s) % 256 : (uint32_t)rnd(s);
	c->mode = rnd(s) % 8 ? 0666 : (uint32_t)rnd(s);
	if (rnd(s) % 16 == 0)
		c->__reserved[rnd(s) % 2] = rnd(s);
	if (rnd(s) % 4 == 0) {
		strcpy(name, names[rnd(s) % 5]);
		c->name = (uintptr_t)name;
	}
	c->flags &= rnd(s) % 4 ? ~(uint32_t)CHAN_CLOEXEC : ~0U;
	c->flags |= CHAN_CLOEXEC | (rnd(s) % 2 ? CHAN_NONBLOCK : 0);
	if (rnd(s) % 6 == 0) {		/* often a valid mapped ring */
		c->kind = CHAN_KIND_QUEUE;
		c->flags |= CHAN_MAPPABLE | CHAN_SINGLE_PRODUCER |
			    CHAN_SINGLE_CONSUMER;
		c->policy %= 3;
	}
}

static void op_create(uint64_t *s)
{
	unsigned char buf[256];
	struct chan_create c;
	char name[16];
	void *p;
	long r;

	fill_create(s, &c, name);
	/* Blocking endpoints would stall the fuzzer: never ask for them. */
	c.flags |= CHAN_NONBLOCK;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &c, sizeof(c));
	p = pick_ptr(s, buf, sizeof(c));
	if (p == buf + 0 && rnd(s) % 8 == 0)
		buf[sizeof(c) + rnd(s) % 32] = 1;	/* non-zero tail */
	r = ioctl(dev_fd, CHAN_IOC_CREATE, p);
	note(r);
	if (r == 0 && p == buf) {
		memcpy(&c, buf, sizeof(c));
		keep_fd(s, c.recv_fd);
		keep_fd(s, c.send_fd);
	}
}

static void op_open_unlink(uint64_t *s)
{
	char name[16];
	struct chan_open o = {
		.size = pick_size(s, sizeof(o)),
		.role = rnd(s) % 4,
		.flags = (rnd(s) % 8 ? 0 : (uint32_t)rnd(s)) | CHAN_NONBLOCK |
			 CHAN_CLOEXEC,
		.name = (uintptr_t)name,
	};
	struct chan_unlink u = { .size = pick_size(s, sizeof(u)),
				 .name = (uintptr_t)name };
	long r;

	strcpy(name, names[rnd(s) % 5]);
	if (rnd(s) % 3) {
		r = ioctl(dev_fd, CHAN_IOC_OPEN, pick_ptr(s, (void *)&o,
							  sizeof(o)));
		note(r);
		if (r == 0)
			keep_fd(s, o.fd);
	} else {
		note(ioctl(dev_fd, CHAN_IOC_UNLINK,
			   pick_ptr(s, (void *)&u, sizeof(u))));
	}
}

/* New subscribers are kept, and always non-blocking. */
static void op_subscribe(uint64_t *s, unsigned long cmd)
{
	unsigned long flags = CHAN_CLOEXEC | CHAN_NONBLOCK;
	long r;

	if (rnd(s) % 8 == 0)
		flags |= rnd(s) << 4;
	r = ioctl(pick_fd(s), cmd, flags);
	note(r < 0 ? r : 0);
	if (r >= 0)
		keep_fd(s, r);
}

/*
 * A call with a timeout of at most 0.1 ms (or an absolute time in the
 * past), so that it never stalls the fuzzer; its reply would land in buf.
 */
static void op_call(uint64_t *s, unsigned long cmd, unsigned char *buf)
{
	struct chan_call *c = (void *)buf;

	c->size = pick_size(s, sizeof(*c));
	c->flags = rnd(s) % 8 ? rnd(s) % 2 : (uint32_t)rnd(s);
	c->req = (uintptr_t)pick_ptr(s, buf + 512, 64);
	c->req_len = rnd(s) % 4 ? rnd(s) % 80 : (uint32_t)rnd(s);
	c->reply = (uintptr_t)(rnd(s) % 4 ? buf + 1024 : NULL);
	c->reply_len = rnd(s) % 4 ? rnd(s) % 80 : 1024;
	c->timeout_ns = rnd(s) % 100000;
	note(ioctl(pick_fd(s), cmd, rnd(s) % 8 ? (void *)buf : NULL));
}

/* A wait of at most 0.1 ms (or until an absolute time long past). */
static void op_wait(uint64_t *s, unsigned long cmd, unsigned char *buf)
{
	struct chan_wait *w = (void *)buf;

	memset(w, 0, sizeof(*w));
	w->size = pick_size(s, sizeof(*w));
	w->flags = rnd(s) % 8 ? rnd(s) % 2 : (uint32_t)rnd(s);
	w->timeout_ns = rnd(s) % 4 ? rnd(s) % 100000 : 0;
	if (rnd(s) % 16 == 0)
		w->__reserved[rnd(s) % 2] = rnd(s);
	note(ioctl(pick_fd(s), cmd, rnd(s) % 8 ? (void *)buf : NULL));
}

/* Mappings of rings, taken by one thread at a time with an exchange. */
#define NMAPS	8
struct fmap {
	uint32_t *p;
	size_t len;
};
static struct fmap *maps[NMAPS];

static void map_put(int slot, struct fmap *m)
{
	struct fmap *none = NULL;

	if (!__atomic_compare_exchange_n(&maps[slot], &none, m, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
		munmap(m->p, m->len);
		free(m);
	}
}

/*
 * Map an endpoint (any length, protection, sharing and offset), or
 * scribble random words over a mapping already made, or unmap it.
 */
static void op_map(uint64_t *s)
{
	static const size_t lens[] = { 0, 1, 4096, 8192, 12288, 1 << 20 };
	int slot = rnd(s) % NMAPS, prot, k;
	struct fmap *m;
	size_t len;
	void *p;

	m = __atomic_exchange_n(&maps[slot], NULL, __ATOMIC_ACQ_REL);
	if (m) {
		if (rnd(s) % 4 == 0) {
			munmap(m->p, m->len);
			free(m);
			return;
		}
		for (k = 0; k < 16; k++)
			m->p[rnd(s) % (m->len / 4)] = rnd(s) % 2 ?
				(uint32_t)rnd(s) : (uint32_t)(rnd(s) % 64);
		return map_put(slot, m);
	}
	len = lens[rnd(s) % 6];
	prot = rnd(s) % 4 ? PROT_READ | PROT_WRITE : PROT_READ;
	p = mmap(NULL, len, prot, rnd(s) % 8 ? MAP_SHARED : MAP_PRIVATE,
		 pick_fd(s), rnd(s) % 8 ? 0 : pagesz * (rnd(s) % 4));
	note(p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	m = malloc(sizeof(*m));
	if (!m || !(prot & PROT_WRITE)) {
		munmap(p, len);
		free(m);
		return;
	}
	m->p = p;
	m->len = (len + pagesz - 1) & ~(size_t)(pagesz - 1);
	map_put(slot, m);
}

/* @cmd is not a command: only ENOTTY (or EBADF for a bad descriptor). */
static void op_variant(uint64_t *s, unsigned long cmd, void *buf,
		       const unsigned long *cmds, unsigned int n)
{
	unsigned int k;
	long r;

	int fd = __atomic_load_n(&fds[rnd(s) % NFDS], __ATOMIC_RELAXED);

	for (k = 0; k < n; k++)
		if (cmds[k] == (uint32_t)cmd)
			return;		/* the flip made another real one */
	/* /dev/chan or an endpoint (or a closed slot: EBADF). */
	r = ioctl(rnd(s) % 2 || fd < 0 ? dev_fd : fd, cmd, buf);
	__atomic_fetch_add(&calls_done, 1, __ATOMIC_RELAXED);
	if (r >= 0 || (errno != ENOTTY && errno != EBADF)) {
		__atomic_fetch_add(&bad_errno, 1, __ATOMIC_RELAXED);
		last_bad_errno = r >= 0 ? 0 : errno;
	}
}

static void op_ioctl(uint64_t *s)
{
	static const unsigned long cmds[] = {
		CHAN_IOC_VERSION, CHAN_IOC_CREATE, CHAN_IOC_OPEN,
		CHAN_IOC_UNLINK, CHAN_IOC_LIST, CHAN_IOC_INFO, CHAN_IOC_CLOSE,
		CHAN_IOC_LOST, CHAN_IOC_SEND_BATCH, CHAN_IOC_RECV_BATCH,
		CHAN_IOC_SUBSCRIBE, CHAN_IOC_CALL, CHAN_IOC_REPLY,
		CHAN_IOC_WAIT, CHAN_IOC_WAKE, CHAN_IOC_LIMITS,
	};
	unsigned char buf[4096 + 64];
	unsigned long cmd;
	uint32_t k;

	for (k = 0; k < sizeof(buf); k++)
		buf[k] = rnd(s) % 4 ? 0 : (unsigned char)rnd(s);
	*(uint32_t *)buf = pick_size(s, 224);
	if (rnd(s) % 3 == 0) {	/* a batch that points at buf */
		struct chan_batch *b = (void *)buf;
		struct chan_msg *m = (void *)(buf + 64);

		/*
		 * Descriptors either in buf or plainly bad: a descriptor
		 * array read from memory the kernel scribbled on could aim
		 * anywhere in this process.
		 */
		static const uint64_t bad[] = { 0, 1, 0xffffffff81000000ULL };

		b->count = rnd(s) % 4 ? rnd(s) % 8 : (uint32_t)rnd(s);
		b->msgs = rnd(s) % 4 ? (uintptr_t)m : (uintptr_t)bad[rnd(s) % 3];
		b->timeout_ns = 0;	/* a blocking batch would stall us */
		for (k = 0; k < 8; k++) {
			m[k].buf = (uintptr_t)pick_ptr(s, buf + 512, 64);
			m[k].len = rnd(s) % 64;
			if (m[k].buf == (uintptr_t)(buf + 512) && rnd(s) % 2)
				m[k].len = rnd(s) % (sizeof(buf) - 512);
		}
	} else if (rnd(s) % 2) {	/* a list request that points at buf */
		struct chan_list *l = (void *)buf;

		l->entry_size = pick_size(s, sizeof(struct chan_info));
		l->count = rnd(s) % 20;
		l->entries = (uintptr_t)pick_ptr(s, buf + 64, 224);
		/* The kernel may rightly fill all of it: keep it in buf. */
		if (l->entries == (uintptr_t)(buf + 64) && l->entry_size &&
		    (uint64_t)l->count * l->entry_size > sizeof(buf) - 64)
			l->count = (sizeof(buf) - 64) / l->entry_size;
	}
	switch (rnd(s) % 5) {
	case 0:
		cmd = _IOC(rnd(s) % 4, CHAN_IOC_MAGIC, rnd(s) % 32,
			   rnd(s) % 512);
		break;
	case 1:
		cmd = (unsigned long)rnd(s);
		break;
	case 2:
		/*
		 * A real command with other direction or size bits is no
		 * command at all (seccomp filters match exact numbers).
		 */
		cmd = cmds[rnd(s) % (sizeof(cmds) / sizeof(cmds[0]))];
		return op_variant(s, cmd ^ ((1 + rnd(s) % 0xffff) << 16), buf,
				  cmds, sizeof(cmds) / sizeof(cmds[0]));
	default:
		cmd = cmds[rnd(s) % (sizeof(cmds) / sizeof(cmds[0]))];
	}
	if (cmd == CHAN_IOC_CREATE)
		return op_create(s);
	if (_IOC_TYPE(cmd) == CHAN_IOC_MAGIC &&
	    _IOC_NR(cmd) == _IOC_NR(CHAN_IOC_SUBSCRIBE))
		return op_subscribe(s, cmd);
	if (_IOC_TYPE(cmd) == CHAN_IOC_MAGIC &&
	    _IOC_NR(cmd) == _IOC_NR(CHAN_IOC_CALL))
		return op_call(s, cmd, buf);
	/* A wait whose timeout came from random bytes could stall us. */
	if (_IOC_TYPE(cmd) == CHAN_IOC_MAGIC &&
	    _IOC_NR(cmd) == _IOC_NR(CHAN_IOC_WAIT))
		return op_wait(s, cmd, buf);
	/* A batch read from a scribbled page could aim anywhere: see above. */
	if (_IOC_NR(cmd) == _IOC_NR(CHAN_IOC_SEND_BATCH) ||
	    _IOC_NR(cmd) == _IOC_NR(CHAN_IOC_RECV_BATCH) ||
	    _IOC_NR(cmd) == _IOC_NR(CHAN_IOC_REPLY))
		note(ioctl(pick_fd(s), cmd, rnd(s) % 4 ? (void *)buf : NULL));
	else
		note(ioctl(pick_fd(s), cmd, pick_ptr(s, buf, 256)));
}

static void op_io(uint64_t *s)
{
	static const size_t sizes[] = { 0, 1, 2, 16, 255, 256, 257, 4096,
					65537 };
	unsigned char buf[70000];
	size_t len = sizes[rnd(s) % (sizeof(sizes) / sizeof(sizes[0]))];
	int fd = pick_fd(s);
	void *p = len > 4096 ? buf : pick_ptr(s, buf, len);

	if (p == buf)
		memset(buf, (int)rnd(s), len < 64 ? len : 64);
	if (rnd(s) % 2)
		note(read(fd, p, len));
	else
		note(write(fd, p, len));
}

static void op_misc(uint64_t *s)
{
	struct pollfd p = { .fd = pick_fd(s), .events = POLLIN | POLLOUT };
	int slot = rnd(s) % NFDS, fd;

	switch (rnd(s) % 4) {
	case 0:
		note(poll(&p, 1, 0));
		break;
	case 1:
		fd = __atomic_exchange_n(&fds[slot], -1, __ATOMIC_RELAXED);
		if (fd >= 0)
			note(close(fd));
		break;
	case 2:
		fd = __atomic_load_n(&fds[slot], __ATOMIC_RELAXED);
		if (fd >= 0)
			keep_fd(s, fcntl(fd, F_DUPFD_CLOEXEC, 0));
		break;
	case 3:
		/* Never clear O_NONBLOCK: a blocking read would stall us. */
		note(fcntl(pick_fd(s), F_SETFL, O_NONBLOCK |
			   (rnd(s) % 2 ? O_APPEND : 0)));
		break;
	}
}

static void one_call(uint64_t *s)
{
	if (rnd(s) % 16 == 0)
		return op_map(s);
	switch (rnd(s) % 10) {
	case 0: case 1:
		op_create(s);
		break;
	case 2:
		op_open_unlink(s);
		break;
	case 3: case 4:
		op_ioctl(s);
		break;
	case 5: case 6: case 7:
		op_io(s);
		break;
	default:
		op_misc(s);
	}
}

struct fuzzer {
	uint64_t seed;
	long calls;
};

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	uint64_t s = f->seed;
	long k;

	for (k = 0; k < f->calls; k++) {
		one_call(&s);
		/* Now and then a child inherits everything mid-flight. */
		if (rnd(&s) % 2000 == 0) {
			pid_t pid = fork();

			if (pid == 0) {
				int j;

				for (j = 0; j < 50; j++)
					one_call(&s);
				_exit(0);
			}
			if (pid > 0 && rnd(&s) % 2)
				kill(pid, SIGKILL);
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
	}
	return NULL;
}

FIXTURE(fuzz) {
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, seeded_calls, 900)
{
	const char *env_seed = getenv("CHAN_FUZZ_SEED");
	const char *env_calls = getenv("CHAN_FUZZ_CALLS");
	long total = env_calls ? atol(env_calls) : 125000;
	struct fuzzer f[NTHREADS];
	pthread_t t[NTHREADS];
	uint64_t seed;
	int k;

	seed = env_seed ? strtoull(env_seed, NULL, 0) :
			  (uint64_t)time(NULL) * 2654435761u + getpid();
	if (!seed)
		seed = 1;
	ksft_print_msg("fuzz seed %llu, %ld calls (CHAN_FUZZ_SEED=%llu reproduces)\n",
		       (unsigned long long)seed, total,
		       (unsigned long long)seed);
	pagesz = sysconf(_SC_PAGESIZE);
	guard = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, guard);
	ASSERT_EQ(0, mprotect(guard + pagesz, pagesz, PROT_NONE));
	for (k = 0; k < NFDS; k++)
		fds[k] = -1;
	dev_fd = chan_dev_open();
	ASSERT_LE(0, dev_fd);
	signal(SIGPIPE, SIG_IGN);

	for (k = 0; k < NTHREADS; k++) {
		f[k].seed = seed * (k + 1) + k;
		f[k].calls = total / NTHREADS;
		ASSERT_EQ(0, pthread_create(&t[k], NULL, fuzz_thread, &f[k]));
	}
	for (k = 0; k < NTHREADS; k++)
		pthread_join(t[k], NULL);
	for (k = 0; k < NFDS; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	for (k = 0; k < 3; k++) {
		struct chan_unlink u = { .size = sizeof(u),
					 .name = (uintptr_t)names[k] };

		ioctl(dev_fd, CHAN_IOC_UNLINK, &u);
	}
	ksft_print_msg("fuzz: %ld calls made\n", calls_done);
	/* Some picks (an empty slot) make no call: 80% do. */
	EXPECT_LE(total * 8 / 10, calls_done);
	EXPECT_EQ(0, bad_errno) {
		ksft_print_msg("unexpected errno %d\n", last_bad_errno);
	}
}

TEST_HARNESS_MAIN
