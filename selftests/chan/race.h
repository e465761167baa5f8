/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the race tests: the kernel's delay points (debug builds, see
 * kmod/debug.h) and blocking operations run on threads of their own.
 */
#ifndef CHAN_RACE_H
#define CHAN_RACE_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>

#define DP_DIR	"/sys/kernel/debug/chan/delay/"

static const char *const dp_names[] = {
	"claim", "copy", "pre_sleep", "ready", "close", "claim_recv",
	"withdraw", "reply", "count", "bcast_walk", "overwrite", "release",
};

static inline pid_t tid_self(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Does this module have delay points (a CHAN_DEBUG=y build)? */
static inline int dp_have(void)
{
	return access(DP_DIR "claim", W_OK) == 0;
}

/*
 * Arm delay point @name: @us microseconds, for thread @tid only (0: any),
 * the next @count times (0: every time).  0, or -errno (-ENOENT without
 * delay points).
 */
static inline int dp_arm(const char *name, unsigned int us, pid_t tid,
			 int count)
{
	char path[128], buf[64];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), DP_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%u %d %d", us, (int)tid, count);
	if (write(fd, buf, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* Times @name delayed a task since it was armed; -1 without it. */
static inline long long dp_hits(const char *name)
{
	char path[128], buf[128];
	long long hits = -1;
	unsigned int us;
	int tid, left;
	FILE *f;

	snprintf(path, sizeof(path), DP_DIR "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) &&
	    sscanf(buf, "%u %d %d %lld", &us, &tid, &left, &hits) != 4)
		hits = -1;
	fclose(f);
	return hits;
}

/* Disarm every delay point. */
static inline void dp_reset(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(dp_names) / sizeof(dp_names[0]); i++)
		dp_arm(dp_names[i], 0, 0, 0);
}

/*
 * Wait up to @ms until @name was hit @n times.  Without delay points
 * there is no window to wait for: returns true at once.
 */
static inline int dp_wait(const char *name, long long n, int ms)
{
	long long end = now_ms() + ms;

	if (!dp_have())
		return 1;
	while (dp_hits(name) < n) {
		if (now_ms() > end)
			return 0;
		usleep(500);
	}
	return 1;
}

/* Write a module parameter; returns the old value in @old (if not NULL). */
static inline int param_set(const char *name, const char *val, char *old,
			    size_t oldlen)
{
	char path[128];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/module/chan/parameters/%s", name);
	if (old) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, old, oldlen - 1);
		close(fd);
		if (n <= 0)
			return -EIO;
		old[n] = '\0';
		old[strcspn(old, "\n")] = '\0';
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (int)strlen(val) ? 0 : -EIO;
}

/* What a thread of struct op does. */
enum op_kind {
	OP_READ,	/* read() until end of stream or an error */
	OP_RECVB,	/* CHAN_IOC_RECV_BATCH of one, until end or an error */
	OP_SERVE,	/* request/reply server: receive and answer, until end */
	OP_WRITE,	/* one write() */
	OP_SENDB,	/* one CHAN_IOC_SEND_BATCH of one, with a timeout */
	OP_CALL,	/* one CHAN_IOC_CALL */
};

#define OP_MSG_MAX	4096

/*
 * One blocking operation on a thread.  The thread first arms the delay
 * point @dp for itself (if set), then runs; receivers loop until end of
 * stream or an error, counting messages; @ret and @err are the last
 * call's result.
 */
struct op {
	pthread_t th;
	enum op_kind kind;
	int fd;
	const char *dp;
	unsigned int dp_us;
	int dp_count;
	const void *buf;		/* what a sender sends */
	size_t len;
	uint64_t timeout_ns;		/* OP_RECVB, OP_SENDB, OP_CALL */
	int once;			/* receivers: one call only */
	pid_t tid;
	ssize_t ret;
	int err;
	int msgs;			/* messages received (served) */
	size_t last_len;
	char data[OP_MSG_MAX];
	volatile int started;
	volatile int done;
};

static inline ssize_t op_recv_batch(int fd, void *buf, size_t len,
				    uint64_t timeout_ns, uint64_t *id)
{
	struct chan_msg m = { .buf = (uintptr_t)buf, .len = len };
	struct chan_batch b = {
		.size = sizeof(b), .count = 1, .msgs = (uintptr_t)&m,
		.timeout_ns = timeout_ns,
	};
	int r = ioctl(fd, CHAN_IOC_RECV_BATCH, &b);

	if (r < 0)
		return -1;
	if (id)
		*id = m.id;
	return r ? (ssize_t)m.len : 0;
}

static inline ssize_t op_send_batch(int fd, const void *buf, size_t len,
				    uint64_t timeout_ns)
{
	struct chan_msg m = { .buf = (uintptr_t)buf, .len = len };
	struct chan_batch b = {
		.size = sizeof(b), .count = 1, .msgs = (uintptr_t)&m,
		.timeout_ns = timeout_ns,
	};
	int r = ioctl(fd, CHAN_IOC_SEND_BATCH, &b);

	return r < 0 ? -1 : (ssize_t)len;
}

static inline ssize_t op_call(int fd, const void *req, size_t len,
			      void *reply, size_t room, uint64_t timeout_ns)
{
	struct chan_call c = {
		.size = sizeof(c), .req = (uintptr_t)req, .req_len = len,
		.reply = (uintptr_t)reply, .reply_len = room,
		.timeout_ns = timeout_ns,
	};

	return ioctl(fd, CHAN_IOC_CALL, &c);
}

static inline ssize_t op_reply(int fd, uint64_t id, const void *buf,
			       size_t len)
{
	struct chan_msg m = { .buf = (uintptr_t)buf, .len = len, .id = id };
	struct chan_batch b = {
		.size = sizeof(b), .count = 1, .msgs = (uintptr_t)&m,
	};

	return ioctl(fd, CHAN_IOC_REPLY, &b);
}

static void *op_thread(void *arg)
{
	struct op *o = arg;
	uint64_t id;
	ssize_t r;

	o->tid = tid_self();
	if (o->dp)
		dp_arm(o->dp, o->dp_us, o->tid, o->dp_count);
	o->started = 1;
	for (;;) {
		errno = 0;
		switch (o->kind) {
		case OP_READ:
			r = read(o->fd, o->data, sizeof(o->data));
			break;
		case OP_RECVB:
			r = op_recv_batch(o->fd, o->data, sizeof(o->data),
					  o->timeout_ns, NULL);
			break;
		case OP_SERVE:
			r = op_recv_batch(o->fd, o->data, sizeof(o->data),
					  o->timeout_ns, &id);
			if (r > 0 && op_reply(o->fd, id, o->data, r) != 1)
				r = -1;
			break;
		case OP_WRITE:
			r = write(o->fd, o->buf, o->len);
			break;
		case OP_SENDB:
			r = op_send_batch(o->fd, o->buf, o->len, o->timeout_ns);
			break;
		default:
			r = op_call(o->fd, o->buf, o->len, o->data,
				    sizeof(o->data), o->timeout_ns);
			break;
		}
		o->ret = r;
		o->err = r < 0 ? errno : 0;
		if (o->kind >= OP_WRITE || r <= 0)
			break;
		o->msgs++;
		o->last_len = r;
		if (o->once)
			break;
	}
	__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static inline int op_start(struct op *o)
{
	o->done = 0;
	o->started = 0;
	o->msgs = 0;
	if (pthread_create(&o->th, NULL, op_thread, o))
		return -1;
	while (!__atomic_load_n(&o->started, __ATOMIC_ACQUIRE))
		usleep(100);
	return 0;
}

/* Wait up to @ms for all @n ops to finish; returns how many did. */
static inline int op_wait(struct op *o, int n, int ms)
{
	long long end = now_ms() + ms;
	int k, done;

	for (;;) {
		for (k = 0, done = 0; k < n; k++)
			done += __atomic_load_n(&o[k].done, __ATOMIC_ACQUIRE);
		if (done == n || now_ms() > end)
			return done;
		usleep(1000);
	}
}

/*
 * Join the finished ops; a thread still blocked is left behind (the test
 * fails; the process exit ends it).
 */
static inline void op_join(struct op *o, int n)
{
	int k;

	for (k = 0; k < n; k++)
		if (__atomic_load_n(&o[k].done, __ATOMIC_ACQUIRE))
			pthread_join(o[k].th, NULL);
		else
			pthread_detach(o[k].th);
}

/* Wait until the channel of @fd counts @n waiters on @recv's side. */
static inline int wait_waiters(int fd, int recv, unsigned int n)
{
	struct chan_info i;
	int k;

	for (k = 0; k < 10000; k++) {
		if (chan_info_get(fd, &i) == 0 &&
		    (recv ? i.recv_waiters : i.send_waiters) >= n)
			return 1;
		usleep(1000);
	}
	return 0;
}

/* Is thread @tid of this process asleep (state S or D)? */
static inline int thread_sleeping(pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int s = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		s = p && (p[2] == 'S' || p[2] == 'D');
	}
	fclose(f);
	return s;
}

/* Wait (up to 5 s) until every op's thread sleeps in the kernel. */
static inline int ops_asleep(struct op *o, int n)
{
	int k, tries, all;

	for (tries = 0; tries < 5000; tries++) {
		for (k = 0, all = 1; k < n; k++)
			all &= thread_sleeping(o[k].tid);
		if (all)
			return 1;
		usleep(1000);
	}
	return 0;
}

#endif /* CHAN_RACE_H */
