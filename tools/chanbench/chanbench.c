// SPDX-License-Identifier: GPL-2.0
/*
 * chanbench - chan against what programs use instead, side by side in one
 * run: pipe, AF_UNIX SOCK_SEQPACKET, POSIX message queues, an eventfd +
 * shared-memory ring, and a pure shared-memory ring that busy-polls (the
 * physical reference).
 *
 *   B0 the system-call floor: the B2 loop writing 64 bytes to /dev/null
 *      and reading 64 bytes from /dev/zero, the fastest any path of one
 *      system call per message can go in this guest
 *   B1 ping-pong round trip (8, 64, 256, 1024, 4096 bytes)
 *   B2 one-way streaming, 1 producer -> 1 consumer (64 bytes), one message
 *      per call and in batches of 8, 64, 256
 *   B3 fan-in, 1..4 producers -> 1 consumer (64 bytes)
 *   B4 broadcast 1 -> 4 subscribers, against a fan-out over 4 pipes
 *   B5 request/reply calls, against AF_UNIX SOCK_SEQPACKET request/response
 *   B6 one consumer waiting on 16 channels (epoll) against 16 eventfds
 *   B7 low-rate latency: one message every 100 us (B7-10us, B7-1ms: the
 *      ends of the range)
 *   B8 kernel producer -> user consumer: --b8 NAME --b8-cmd CMD runs CMD
 *      (which loads a kernel producer into the channel NAME, such as
 *      kmod/samples/chan_k2k_prod) and drains NAME with read() to its end
 *   B9 memory per channel: kernel memory (free memory and Slab) per idle
 *      object and per object holding one 64-byte message, for 1000 chan
 *      queues, pipes, eventfd pairs and AF_UNIX SOCK_SEQPACKET pairs; a
 *      table of its own
 *   B10 io_uring: the consumer of B2 submits 64 IORING_OP_READs of one
 *      message at a time, against CHAN_IOC_RECV_BATCH of 64 and against a
 *      pipe read the same way
 *
 * chan runs in each of its modes: read()/write(), the batched ioctls, and
 * libchan over a mapped ring (CHAN_MAPPABLE).  Producers and consumers are
 * separate processes.  Every row reports
 * messages/s, MB/s, latency percentiles (where measured) and CPU time per
 * message (B9: bytes per object); --json writes one object per row.
 *
 *   chanbench [--quick] [--scale N] [--json FILE] [--b8 NAME --b8-cmd CMD]
 *             [--only B0,B1,...] [--transport T] [--ext CMD]...
 *
 * --only runs just the scenarios named (B0 to B10, comma-separated);
 * --transport just the rows of B1 to B7 of one transport (chan,
 * chan-mmap, pipe, unix-seqpacket, posix-mq, eventfd, shm), for a
 * profile of it (tools/profile.sh).
 * --ext CMD runs CMD with two arguments, the number of messages of a
 * stream and of round trips of a ping-pong, after chanbench's own
 * scenarios, and takes each line it prints of the form
 *   ROW scenario transport mode size producers msgs/s p50_ns p99_ns cpu_ns
 * as a row: the language channels of tools/chanbench/lang (Go's buffered
 * and unbuffered channels, Rust's sync_channel), in-process, the ceiling
 * a cross-process channel is compared with in a table of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/chan.h>
#include <liburing.h>

#include "libchan.h"

#define MAXMSG		4096
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define RING_SLOTS	256

enum transport { T_CHAN, T_CHAN_MMAP, T_PIPE, T_SEQPACKET, T_MQ,
		 T_EVENTFD_SHM, T_SHM_SPIN, T_COUNT };
static const char *const tname[] = {
	"chan", "chan", "pipe", "unix-seqpacket", "posix-mq", "eventfd+shm",
	"shm-ring-spin",
};
/* What --transport names each by (a profile of one transport's rows). */
static const char *const tkey[] = {
	"chan", "chan-mmap", "pipe", "unix-seqpacket", "posix-mq", "eventfd",
	"shm",
};

struct row {
	const char *scenario;
	const char *transport;
	const char *mode;
	unsigned int msg_size, batch, producers;
	double msgs_per_sec, mb_per_sec;
	double p50_ns, p99_ns, p999_ns, cpu_ns_per_msg;
	int ext;	/* from an --ext command: a language channel */
};

static struct row rows[256];
static int nrows;
static int quick;
static long scale = 1;

/* B9 rows: kernel bytes per object, medians over B9_REPS rounds. */
struct mem_row {
	const char *transport;
	double idle, one_msg, slab_idle, slab_one_msg;
};

static struct mem_row mem_rows[8];
static int nmem_rows;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double cpu_ns(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return (a.ru_utime.tv_sec + a.ru_stime.tv_sec +
		b.ru_utime.tv_sec + b.ru_stime.tv_sec) * 1e9 +
	       (a.ru_utime.tv_usec + a.ru_stime.tv_usec +
		b.ru_utime.tv_usec + b.ru_stime.tv_usec) * 1e3;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* ---- a shared-memory SPSC ring, with or without eventfd wakeups ---- */

struct shm_ring {
	uint64_t head __attribute__((aligned(64)));
	uint32_t cons_sleeping;
	uint64_t tail __attribute__((aligned(64)));
	uint32_t prod_sleeping;
	unsigned char slot[RING_SLOTS][MAXMSG] __attribute__((aligned(64)));
	uint32_t len[RING_SLOTS];
};

/* Create a chan channel as @c describes, or exit. */
static void chan_create_or_die(struct chan_create *c)
{
	int dev = open("/dev/chan", O_RDWR);

	if (dev < 0 || ioctl(dev, CHAN_IOC_CREATE, c))
		die("chan create");
	close(dev);
}

/* One endpoint pair of any transport; fds are duplicated across fork. */
struct link {
	enum transport t;
	int rfd, sfd;		/* chan, pipe, seqpacket (one socket each) */
	mqd_t mq;
	struct shm_ring *ring;
	int efd_data, efd_room;	/* eventfd+shm: consumer / producer wakeups */
};

static struct link link_new(enum transport t, unsigned int msg, int producers)
{
	struct link l = { .t = t, .rfd = -1, .sfd = -1 };
	int sv[2];
	struct chan_create c = {
		.size = sizeof(c), .kind = CHAN_KIND_QUEUE,
		.capacity = RING_SLOTS, .msg_max = MAXMSG,
		.flags = CHAN_SINGLE_CONSUMER,
	};
	struct mq_attr a = { .mq_maxmsg = 64, .mq_msgsize = MAXMSG };
	char name[64];

	struct chan_opts o = { .capacity = RING_SLOTS, .msg_max = MAXMSG,
			       .flags = CHAN_SINGLE_PRODUCER |
					CHAN_SINGLE_CONSUMER | CHAN_MAPPABLE };
	struct chan_pair cp;

	switch (t) {
	case T_CHAN_MMAP:	/* libchan maps the ring of both ends */
		if (chan_new(&o, &cp) || !chan_mapped(cp.recv_fd) ||
		    !chan_mapped(cp.send_fd))
			die("chan_new (mappable)");
		l.rfd = cp.recv_fd;
		l.sfd = cp.send_fd;
		break;
	case T_CHAN:
		if (producers == 1)
			c.flags |= CHAN_SINGLE_PRODUCER;
		chan_create_or_die(&c);
		l.rfd = c.recv_fd;
		l.sfd = c.send_fd;
		break;
	case T_PIPE:
		if (pipe2(sv, 0))
			die("pipe");
		fcntl(sv[1], F_SETPIPE_SZ, 1 << 20);
		l.rfd = sv[0];
		l.sfd = sv[1];
		break;
	case T_SEQPACKET:
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
			die("socketpair");
		l.rfd = sv[0];
		l.sfd = sv[1];
		break;
	case T_MQ:
		snprintf(name, sizeof(name), "/chanbench.%d", getpid());
		mq_unlink(name);
		l.mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
		if (l.mq == (mqd_t)-1)
			die("mq_open");
		mq_unlink(name);
		break;
	case T_EVENTFD_SHM:
	case T_SHM_SPIN:
		l.ring = mmap(NULL, sizeof(*l.ring), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (l.ring == MAP_FAILED)
			die("mmap");
		l.efd_data = eventfd(0, 0);
		l.efd_room = eventfd(0, 0);
		break;
	default:
		break;
	}
	(void)msg;
	return l;
}

static void link_free(struct link *l)
{
	if (l->rfd >= 0)
		chan_close(l->rfd);
	if (l->sfd >= 0)
		chan_close(l->sfd);
	if (l->t == T_MQ)
		mq_close(l->mq);
	if (l->ring) {
		munmap(l->ring, sizeof(*l->ring));
		close(l->efd_data);
		close(l->efd_room);
	}
}

static void efd_kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, 8) != 8)
		die("eventfd write");
}

static void efd_wait(int fd)
{
	uint64_t v;

	if (read(fd, &v, 8) != 8)
		die("eventfd read");
}

static void ring_send(struct link *l, const void *buf, unsigned int len)
{
	struct shm_ring *r = l->ring;
	uint64_t t = r->tail;

	while (t - __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) >= RING_SLOTS) {
		if (l->t == T_SHM_SPIN)
			continue;
		__atomic_store_n(&r->prod_sleeping, 1, __ATOMIC_SEQ_CST);
		if (t - __atomic_load_n(&r->head, __ATOMIC_SEQ_CST) >= RING_SLOTS)
			efd_wait(l->efd_room);
		__atomic_store_n(&r->prod_sleeping, 0, __ATOMIC_RELAXED);
	}
	memcpy(r->slot[t % RING_SLOTS], buf, len);
	r->len[t % RING_SLOTS] = len;
	__atomic_store_n(&r->tail, t + 1, __ATOMIC_SEQ_CST);
	if (l->t == T_EVENTFD_SHM &&
	    __atomic_load_n(&r->cons_sleeping, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&r->cons_sleeping, 0, __ATOMIC_RELAXED);
		efd_kick(l->efd_data);
	}
}

static unsigned int ring_recv(struct link *l, void *buf)
{
	struct shm_ring *r = l->ring;
	uint64_t h = r->head;
	unsigned int len;

	while (__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == h) {
		if (l->t == T_SHM_SPIN)
			continue;
		__atomic_store_n(&r->cons_sleeping, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->tail, __ATOMIC_SEQ_CST) == h)
			efd_wait(l->efd_data);
		__atomic_store_n(&r->cons_sleeping, 0, __ATOMIC_RELAXED);
	}
	len = r->len[h % RING_SLOTS];
	memcpy(buf, r->slot[h % RING_SLOTS], len);
	__atomic_store_n(&r->head, h + 1, __ATOMIC_SEQ_CST);
	if (l->t == T_EVENTFD_SHM &&
	    __atomic_load_n(&r->prod_sleeping, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&r->prod_sleeping, 0, __ATOMIC_RELAXED);
		efd_kick(l->efd_room);
	}
	return len;
}

static void xsend(struct link *l, const void *buf, unsigned int len)
{
	ssize_t n;

	switch (l->t) {
	case T_MQ:
		if (mq_send(l->mq, buf, len, 0))
			die("mq_send");
		return;
	case T_EVENTFD_SHM:
	case T_SHM_SPIN:
		ring_send(l, buf, len);
		return;
	case T_CHAN_MMAP:
		n = chan_send(l->sfd, buf, len, -1);
		break;
	case T_SEQPACKET:
		n = send(l->sfd, buf, len, 0);
		break;
	default:
		n = write(l->sfd, buf, len);
	}
	if (n != (ssize_t)len)
		die("send");
}

static unsigned int xrecv(struct link *l, void *buf, unsigned int len)
{
	ssize_t n;

	switch (l->t) {
	case T_MQ:
		n = mq_receive(l->mq, buf, MAXMSG, NULL);
		break;
	case T_EVENTFD_SHM:
	case T_SHM_SPIN:
		return ring_recv(l, buf);
	case T_CHAN_MMAP:
		n = chan_recv(l->rfd, buf, MAXMSG, -1);
		break;
	case T_PIPE:	/* a byte stream: read exactly one message */
		n = 0;
		while (n < (ssize_t)len) {
			ssize_t k = read(l->rfd, (char *)buf + n, len - n);

			if (k <= 0)
				die("pipe read");
			n += k;
		}
		break;
	case T_SEQPACKET:
		n = recv(l->rfd, buf, MAXMSG, 0);
		break;
	default:
		n = read(l->rfd, buf, MAXMSG);
	}
	if (n <= 0)
		die("recv");
	return n;
}

/* Add a row of @name in @mode (NULL: read/write). */
static void add_row_as(const char *sc, const char *name, const char *mode,
		       unsigned int size, unsigned int producers, double mps,
		       double cpu_per, double p50, double p99, double p999)
{
	struct row *r = &rows[nrows++];

	*r = (struct row){
		.scenario = sc, .transport = name,
		.mode = mode ? mode : "read/write",
		.msg_size = size, .batch = 1, .producers = producers,
		.msgs_per_sec = mps, .mb_per_sec = mps * size / 1e6,
		.p50_ns = p50, .p99_ns = p99, .p999_ns = p999,
		.cpu_ns_per_msg = cpu_per,
	};
	fprintf(stderr, "\r%-4s %-15s %5u B x%u  %10.0f msg/s%s", sc,
		name, size, producers, mps, isatty(2) ? "          " : "\n");
}

static void add_row(const char *sc, enum transport t, unsigned int size,
		    unsigned int producers, double mps, double cpu_per,
		    double p50, double p99, double p999)
{
	const char *mode = NULL;

	if (t == T_SHM_SPIN || t == T_EVENTFD_SHM)
		mode = "shared memory";
	if (t == T_CHAN_MMAP)
		mode = "mmap";
	add_row_as(sc, tname[t], mode, size, producers, mps, cpu_per, p50,
		   p99, p999);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, long n, double p)
{
	long i = (long)(p * (n - 1));

	return v[i];
}

/*
 * B0: the loop of B2 against the cheapest devices there are: a producer
 * process writes 64 bytes to /dev/null, the consumer reads 64 bytes from
 * /dev/zero, each one system call per message with nothing to wait for.
 */
static void b0(void)
{
	long n = (quick ? 20000 : 200000) * scale, i;
	int wfd = open("/dev/null", O_WRONLY), rfd = open("/dev/zero", O_RDONLY);
	char buf[64] = { 0 };
	double c0 = cpu_ns();
	uint64_t t0 = now_ns();
	pid_t pid;

	if (wfd < 0 || rfd < 0)
		die("B0 open");
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < n; i++)
			if (write(wfd, buf, sizeof(buf)) != sizeof(buf))
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < n; i++)
		if (read(rfd, buf, sizeof(buf)) != sizeof(buf))
			die("B0 read");
	waitpid(pid, NULL, 0);
	t0 = now_ns() - t0;
	add_row_as("B0", "/dev/null + /dev/zero", "write + read", 64, 1,
		   n * 1e9 / t0, (cpu_ns() - c0) / n, 0, 0, 0);
	close(wfd);
	close(rfd);
}

/* B1: round trips through a pair of links, the child echoes. */
static void b1(enum transport t, unsigned int size)
{
	long n = (quick ? 300 : 2000) * scale, i;
	struct link ab = link_new(t, size, 1), ba = link_new(t, size, 1);
	char buf[MAXMSG] = { 0 };
	uint64_t *lat = calloc(n, sizeof(*lat)), t0;
	double c0 = cpu_ns();
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		for (i = 0; i < n; i++) {
			unsigned int len = xrecv(&ab, buf, size);

			xsend(&ba, buf, len);
		}
		_exit(0);
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		uint64_t s = now_ns();

		xsend(&ab, buf, size);
		xrecv(&ba, buf, size);
		lat[i] = now_ns() - s;
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	qsort(lat, n, sizeof(*lat), cmp_u64);
	add_row("B1", t, size, 1, n * 1e9 / t0, (cpu_ns() - c0) / n,
		pct(lat, n, 0.5), pct(lat, n, 0.99), pct(lat, n, 0.999));
	free(lat);
	link_free(&ab);
	link_free(&ba);
}

/* B2/B3: @producers processes stream to one consumer (this process). */
static void stream(const char *sc, enum transport t, unsigned int size,
		   int producers)
{
	long n = (quick ? 20000 : 200000) * scale, per = n / producers, i;
	struct link l = link_new(t, size, producers);
	char buf[MAXMSG] = { 0 };
	double c0 = cpu_ns();
	uint64_t t0 = now_ns();
	pid_t pid[8];
	int p;

	for (p = 0; p < producers; p++) {
		pid[p] = fork();
		if (pid[p] == 0) {
			for (i = 0; i < per; i++)
				xsend(&l, buf, size);
			_exit(0);
		}
	}
	for (i = 0; i < per * producers; i++)
		xrecv(&l, buf, size);
	t0 = now_ns() - t0;
	for (p = 0; p < producers; p++)
		waitpid(pid[p], NULL, 0);
	add_row(sc, t, size, producers, per * producers * 1e9 / t0,
		(cpu_ns() - c0) / (per * producers), 0, 0, 0);
	link_free(&l);
}

/*
 * B2 in batches of @batch each way: the batched ioctls, or (@mapped)
 * libchan's vectors over a mapped ring.
 */
static void stream_batched(unsigned int size, unsigned int batch, int mapped)
{
	long n = (quick ? 20000 : 200000) * scale, i = 0;
	struct link l = link_new(mapped ? T_CHAN_MMAP : T_CHAN, size, 1);
	static char bufs[256][64];
	struct chan_msg m[256];
	struct iovec iov[256];
	struct chan_batch b = { .size = sizeof(b) };
	double c0 = cpu_ns();
	uint64_t t0 = now_ns();
	unsigned int k;
	pid_t pid;
	int r;

	for (k = 0; k < batch; k++) {
		m[k] = (struct chan_msg){ .buf = (uintptr_t)bufs[k],
					  .len = size };
		iov[k] = (struct iovec){ bufs[k], size };
	}
	b.msgs = (uintptr_t)m;
	b.timeout_ns = CHAN_TIMEOUT_INFINITE;
	pid = fork();
	if (pid == 0) {
		while (i < n) {
			b.count = n - i < batch ? n - i : batch;
			r = mapped ? chan_sendv(l.sfd, iov, b.count, -1) :
				     ioctl(l.sfd, CHAN_IOC_SEND_BATCH, &b);
			if (r <= 0)
				die("send batch");
			i += r;
		}
		_exit(0);
	}
	while (i < n) {
		for (k = 0; k < batch; k++) {
			m[k].len = 64;
			iov[k].iov_len = 64;
		}
		b.count = batch;
		r = mapped ? chan_recvv(l.rfd, iov, batch, -1) :
			     ioctl(l.rfd, CHAN_IOC_RECV_BATCH, &b);
		if (r <= 0)
			die("receive batch");
		i += r;
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	add_row("B2", mapped ? T_CHAN_MMAP : T_CHAN, size, 1, n * 1e9 / t0,
		(cpu_ns() - c0) / n, 0, 0, 0);
	rows[nrows - 1].mode = mapped ? "mmap" : "batched ioctl";
	rows[nrows - 1].batch = batch;
	link_free(&l);
}

/*
 * B10: B2 received 64 messages at a time through io_uring - 64
 * IORING_OP_READs of one message each per io_uring_submit_and_wait() -
 * against CHAN_IOC_RECV_BATCH of 64 (@uring 0) and against a pipe read
 * the io_uring way.  The producer sends 64 per call: CHAN_IOC_SEND_BATCH,
 * or one 4 KiB write to the pipe (atomic, so every read gets 64 bytes).
 */
#define B10_BATCH	64

static void b10_produce(struct link *l, long n)
{
	static char buf[B10_BATCH * 64];
	struct chan_msg m[B10_BATCH];
	struct chan_batch b = {
		.size = sizeof(b), .msgs = (uintptr_t)m,
		.timeout_ns = CHAN_TIMEOUT_INFINITE,
	};
	long i = 0;
	int k, r;

	for (k = 0; k < B10_BATCH; k++)
		m[k] = (struct chan_msg){ .buf = (uintptr_t)&buf[k * 64],
					  .len = 64 };
	while (i < n) {
		b.count = n - i < B10_BATCH ? n - i : B10_BATCH;
		if (l->t == T_CHAN)
			r = ioctl(l->sfd, CHAN_IOC_SEND_BATCH, &b);
		else
			r = write(l->sfd, buf, b.count * 64) / 64;
		if (r <= 0)
			die("B10 send");
		i += r;
	}
}

/* One round of @want io_uring reads of a message each; how many came. */
static int b10_uring_round(struct io_uring *ring, int fd, int want)
{
	static char bufs[B10_BATCH][64];
	struct io_uring_cqe *cqe;
	int k, got = 0;

	for (k = 0; k < want; k++)
		io_uring_prep_read(io_uring_get_sqe(ring), fd, bufs[k], 64, -1);
	if (io_uring_submit_and_wait(ring, want) < want)
		die("B10 io_uring_submit_and_wait");
	for (k = 0; k < want; k++) {
		if (io_uring_wait_cqe(ring, &cqe))
			die("B10 io_uring_wait_cqe");
		if (cqe->res != 64) {
			errno = cqe->res < 0 ? -cqe->res : EPROTO;
			die("B10 io_uring read");
		}
		got++;
		io_uring_cqe_seen(ring, cqe);
	}
	return got;
}

static void b10(enum transport t, int uring)
{
	long n = (quick ? 20000 : 200000) * scale, i = 0;
	struct link l = link_new(t, 64, 1);
	struct chan_msg m[B10_BATCH];
	static char bufs[B10_BATCH][64];
	struct chan_batch b = {
		.size = sizeof(b), .msgs = (uintptr_t)m,
		.timeout_ns = CHAN_TIMEOUT_INFINITE,
	};
	struct io_uring ring;
	double c0 = cpu_ns();
	uint64_t t0 = now_ns();
	pid_t pid;
	int k, r;

	if (uring && io_uring_queue_init(B10_BATCH, &ring, 0))
		die("B10 io_uring_queue_init");
	pid = fork();
	if (pid == 0) {
		b10_produce(&l, n);
		_exit(0);
	}
	while (i < n) {
		b.count = n - i < B10_BATCH ? n - i : B10_BATCH;
		if (uring) {
			r = b10_uring_round(&ring, l.rfd, b.count);
		} else {
			for (k = 0; k < B10_BATCH; k++)
				m[k] = (struct chan_msg){
					.buf = (uintptr_t)bufs[k], .len = 64 };
			r = ioctl(l.rfd, CHAN_IOC_RECV_BATCH, &b);
		}
		if (r <= 0)
			die("B10 receive");
		i += r;
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	add_row("B10", t, 64, 1, n * 1e9 / t0, (cpu_ns() - c0) / n, 0, 0, 0);
	rows[nrows - 1].mode = uring ? "io_uring 64 reads" : "batched ioctl";
	rows[nrows - 1].batch = B10_BATCH;
	if (uring)
		io_uring_queue_exit(&ring);
	link_free(&l);
}

/* B4: one producer, four subscribers; every subscriber gets everything. */
#define B4_SUBS	4

static void b4(enum transport t)
{
	long n = (quick ? 20000 : 200000) * scale, i;
	int rfd[B4_SUBS], sfd[B4_SUBS], k, nsfd;
	struct chan_create c = {
		.size = sizeof(c), .kind = CHAN_KIND_BROADCAST,
		.capacity = RING_SLOTS, .msg_max = MAXMSG,
		.flags = CHAN_SINGLE_PRODUCER,
	};
	char buf[MAXMSG] = { 0 };
	pid_t pid[B4_SUBS];
	double c0 = cpu_ns();
	uint64_t t0;
	struct link l;

	if (t == T_CHAN) {
		chan_create_or_die(&c);
		rfd[0] = c.recv_fd;
		sfd[0] = c.send_fd;
		for (k = 1; k < B4_SUBS; k++) {
			rfd[k] = ioctl(rfd[0], CHAN_IOC_SUBSCRIBE, 0);
			if (rfd[k] < 0)
				die("subscribe");
		}
		nsfd = 1;
	} else {
		for (k = 0; k < B4_SUBS; k++) {
			l = link_new(t, 64, 1);
			rfd[k] = l.rfd;
			sfd[k] = l.sfd;
		}
		nsfd = B4_SUBS;
	}
	t0 = now_ns();
	for (k = 0; k < B4_SUBS; k++) {
		pid[k] = fork();
		if (pid[k] == 0) {
			struct link r = { .t = t, .rfd = rfd[k], .sfd = -1 };

			for (i = 0; i < n; i++)
				xrecv(&r, buf, 64);
			_exit(0);
		}
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < nsfd; k++) {
			struct link w = { .t = t, .rfd = -1, .sfd = sfd[k] };

			xsend(&w, buf, 64);
		}
	for (k = 0; k < B4_SUBS; k++)
		waitpid(pid[k], NULL, 0);
	t0 = now_ns() - t0;
	add_row("B4", t, 64, 1, n * 1e9 / t0, (cpu_ns() - c0) / n, 0, 0, 0);
	rows[nrows - 1].mode = t == T_CHAN ? "broadcast 1->4" : "fan-out 1->4";
	for (k = 0; k < B4_SUBS; k++) {
		close(rfd[k]);
		if (k < nsfd)
			close(sfd[k]);
	}
}

/* B5: request/reply round trips, a server process answering. */
static void b5(enum transport t)
{
	long n = (quick ? 300 : 2000) * scale, i;
	uint64_t *lat = calloc(n, sizeof(*lat)), t0;
	char req[64] = { 0 }, rep[64];
	double c0 = cpu_ns();
	int sv[2];
	pid_t pid;
	struct chan_create c = {
		.size = sizeof(c), .kind = CHAN_KIND_REQREP,
		.capacity = 64, .msg_max = 64,
	};

	if (t == T_CHAN) {
		chan_create_or_die(&c);
		sv[0] = c.send_fd;
		sv[1] = c.recv_fd;
	} else if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		die("socketpair");
	}
	pid = fork();
	if (pid == 0) {
		struct chan_msg m = { .buf = (uintptr_t)rep, .len = 64 };
		struct chan_batch b = {
			.size = sizeof(b), .count = 1, .msgs = (uintptr_t)&m,
			.timeout_ns = CHAN_TIMEOUT_INFINITE,
		};

		close(sv[0]);
		for (i = 0; i < n; i++) {
			if (t != T_CHAN) {
				if (recv(sv[1], rep, 64, 0) != 64 ||
				    send(sv[1], rep, 64, 0) != 64)
					die("server");
				continue;
			}
			m.len = 64;
			m.id = 0;
			if (ioctl(sv[1], CHAN_IOC_RECV_BATCH, &b) != 1)
				die("server recv");
			b.timeout_ns = 0;
			if (ioctl(sv[1], CHAN_IOC_REPLY, &b) != 1)
				die("server reply");
			b.timeout_ns = CHAN_TIMEOUT_INFINITE;
		}
		_exit(0);
	}
	close(sv[1]);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		uint64_t s = now_ns();

		if (t == T_CHAN) {
			struct chan_call call = {
				.size = sizeof(call), .req = (uintptr_t)req,
				.req_len = 64, .reply = (uintptr_t)rep,
				.reply_len = 64,
				.timeout_ns = CHAN_TIMEOUT_INFINITE,
			};

			if (ioctl(sv[0], CHAN_IOC_CALL, &call) != 64)
				die("call");
		} else if (send(sv[0], req, 64, 0) != 64 ||
			   recv(sv[0], rep, 64, 0) != 64) {
			die("client");
		}
		lat[i] = now_ns() - s;
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	close(sv[0]);
	qsort(lat, n, sizeof(*lat), cmp_u64);
	add_row("B5", t, 64, 1, n * 1e9 / t0, (cpu_ns() - c0) / n,
		pct(lat, n, 0.5), pct(lat, n, 0.99), pct(lat, n, 0.999));
	rows[nrows - 1].mode = t == T_CHAN ? "CHAN_IOC_CALL" : "send+recv";
	free(lat);
}

/*
 * B6: one consumer epoll-waits on K chan receive ends or K eventfds.  An
 * eventfd counts without bound, so its producer never waits; chan runs
 * twice: with rings of @slots = RING_SLOTS, which the producer fills and
 * then waits on (back-pressure: a wakeup of the producer per message
 * once every ring is full), and with rings that hold the whole run, as
 * the eventfds do (the cost of epoll's wakeups alone).
 */
static void b6(enum transport t, unsigned int slots)
{
	enum { K = 16 };
	long n = (quick ? 2000 : 20000) * scale, i;
	struct epoll_event ev, out[K];
	int ep = epoll_create1(0), rfd[K], sfd[K], k, got = 0;
	char buf[64] = { 0 };
	uint64_t t0;
	double c0;
	pid_t pid;

	for (k = 0; k < K; k++) {
		if (t == T_CHAN) {
			/* Rings of 64-byte slots, as an eventfd holds 8. */
			struct chan_create c = {
				.size = sizeof(c), .kind = CHAN_KIND_QUEUE,
				.capacity = slots, .msg_max = 64,
				.flags = CHAN_SINGLE_PRODUCER |
					 CHAN_SINGLE_CONSUMER,
			};

			chan_create_or_die(&c);
			rfd[k] = c.recv_fd;
			sfd[k] = c.send_fd;
		} else {
			rfd[k] = sfd[k] = eventfd(0, EFD_SEMAPHORE);
		}
		ev.events = EPOLLIN;
		ev.data.u32 = k;
		epoll_ctl(ep, EPOLL_CTL_ADD, rfd[k], &ev);
	}
	/* Setting up is not a message's cost. */
	c0 = cpu_ns();
	t0 = now_ns();
	pid = fork();
	if (pid == 0) {
		uint64_t one = 1;

		for (i = 0; i < n; i++)
			if (write(sfd[i % K], t == T_CHAN ? (void *)buf :
				  (void *)&one, 8) != 8)
				_exit(1);
		_exit(0);
	}
	while (got < n) {
		int m = epoll_wait(ep, out, K, -1);

		for (k = 0; k < m; k++) {
			uint64_t v;

			if (read(rfd[out[k].data.u32], &v, 8) == 8)
				got++;
		}
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	add_row_as("B6", t != T_CHAN ? "eventfd x16 + epoll" :
		   slots == RING_SLOTS ? "chan x16 + epoll" :
		   "chan x16 + epoll, room for all", "epoll", 8, 1,
		   n * 1e9 / t0, (cpu_ns() - c0) / n, 0, 0, 0);
	for (k = 0; k < K; k++) {
		close(rfd[k]);
		if (sfd[k] != rfd[k])
			close(sfd[k]);
	}
	close(ep);
}

/*
 * B7: one message every @us microseconds (B7 is 100 us, B7-10us and
 * B7-1ms the ends of the range); latency from send to receive.
 */
static void b7(enum transport t, long us)
{
	/* A quarter as many messages at 1 ms: half a second each. */
	long n = (quick ? 300 : 2000) * scale / (us > 100 ? 4 : 1), i;
	const char *sc = us == 100 ? "B7" : us < 100 ? "B7-10us" : "B7-1ms";
	struct link l = link_new(t, 64, 1);
	uint64_t *lat = calloc(n, sizeof(*lat)), msg[8] = { 0 };
	double c0 = cpu_ns();
	uint64_t t0 = now_ns();
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		for (i = 0; i < n; i++) {
			struct timespec ts = { 0, us * 1000 };

			nanosleep(&ts, NULL);
			msg[0] = now_ns();
			xsend(&l, msg, 64);
		}
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		xrecv(&l, msg, 64);
		lat[i] = now_ns() - msg[0];
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	qsort(lat, n, sizeof(*lat), cmp_u64);
	add_row(sc, t, 64, 1, n * 1e9 / t0, (cpu_ns() - c0) / n,
		pct(lat, n, 0.5), pct(lat, n, 0.99), pct(lat, n, 0.999));
	free(lat);
	link_free(&l);
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	int i, n = nrows + nmem_rows;

	if (!f)
		die(path);
	fprintf(f, "[\n");
	for (i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		fprintf(f, "  {\"scenario\": \"%s\", \"transport\": \"%s\", \"mode\": \"%s\", "
			"\"msg_size\": %u, \"batch\": %u, \"producers\": %u, "
			"\"msgs_per_sec\": %.0f, \"mb_per_sec\": %.2f, "
			"\"p50_ns\": %.0f, \"p99_ns\": %.0f, \"p999_ns\": %.0f, "
			"\"cpu_ns_per_msg\": %.0f}%s\n",
			r->scenario, r->transport, r->mode, r->msg_size,
			r->batch, r->producers, r->msgs_per_sec, r->mb_per_sec,
			r->p50_ns, r->p99_ns, r->p999_ns, r->cpu_ns_per_msg,
			i + 1 < n ? "," : "");
	}
	for (i = 0; i < nmem_rows; i++) {
		struct mem_row *m = &mem_rows[i];

		fprintf(f, "  {\"scenario\": \"B9\", \"transport\": \"%s\", "
			"\"idle_bytes\": %.0f, \"one_msg_bytes\": %.0f, "
			"\"slab_idle_bytes\": %.0f, \"slab_one_msg_bytes\": %.0f}%s\n",
			m->transport, m->idle, m->one_msg, m->slab_idle,
			m->slab_one_msg, nrows + i + 1 < n ? "," : "");
	}
	fprintf(f, "]\n");
	fclose(f);
}

/* The table, with each row's ratio to the pipe row of its scenario. */
static void print_table(void)
{
	double floor = 0;
	int i, j;

	if (!nrows)
		return;
	for (j = 0; j < nrows; j++)
		if (!strcmp(rows[j].scenario, "B0"))
			floor = rows[j].msgs_per_sec;
	printf("| scenario | transport | mode | batch | size | producers | msg/s | vs pipe (B5: vs unix, B6: vs eventfd) | of B0 floor | MB/s | p50 us | p99 us | p99.9 us | CPU ns/msg |\n");
	printf("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		double base = 0;

		for (j = 0; j < nrows; j++)
			if (!strcmp(rows[j].scenario, r->scenario) &&
			    !strcmp(rows[j].transport, "pipe") &&
			    rows[j].msg_size == r->msg_size &&
			    rows[j].producers == r->producers)
				base = rows[j].msgs_per_sec;
		if (!strcmp(r->scenario, "B5"))	/* against AF_UNIX */
			for (j = 0; j < nrows; j++)
				if (!strcmp(rows[j].scenario, "B5") &&
				    !strcmp(rows[j].transport,
					    "unix-seqpacket"))
					base = rows[j].msgs_per_sec;
		if (!strcmp(r->scenario, "B6"))	/* against eventfds */
			for (j = 0; j < nrows; j++)
				if (!strcmp(rows[j].scenario, "B6") &&
				    strstr(rows[j].transport, "eventfd"))
					base = rows[j].msgs_per_sec;
		printf("| %s | %s | %s | %u | %u | %u | %.0f | %s%.2f | %s%.2f | %.1f | %.1f | %.1f | %.1f | %.0f |\n",
		       r->scenario, r->transport, r->mode, r->batch,
		       r->msg_size, r->producers,
		       r->msgs_per_sec, base ? "" : "-", base ?
		       r->msgs_per_sec / base : 0, floor ? "" : "-",
		       floor ? r->msgs_per_sec / floor : 0, r->mb_per_sec,
		       r->p50_ns / 1e3, r->p99_ns / 1e3, r->p999_ns / 1e3,
		       r->cpu_ns_per_msg);
	}
}

/* B8: a kernel thread produces 16-byte sequenced messages into @name. */
static void b8(const char *name, const char *cmd)
{
	struct chan_open o = { .size = sizeof(o), .role = CHAN_ROLE_RECV,
			       .name = (uintptr_t)name };
	struct { uint64_t seq, check; } m;
	uint64_t t0 = 0, bad = 0;
	double c0;
	long n = 0;
	int dev;

	if (system(cmd))
		die("b8 command");
	dev = open("/dev/chan", O_RDWR);
	if (dev < 0 || ioctl(dev, CHAN_IOC_OPEN, &o))
		die("b8 open");
	close(dev);
	c0 = cpu_ns();
	while (read(o.fd, &m, sizeof(m)) == sizeof(m)) {
		if (!n)
			t0 = now_ns();
		if (m.seq != (uint64_t)n)
			bad++;
		n++;
	}
	t0 = now_ns() - t0;
	close(o.fd);
	if (bad || n < 2)
		die("b8 stream");
	add_row("B8", T_CHAN, sizeof(m), 1, (n - 1) * 1e9 / t0,
		(cpu_ns() - c0) / n, 0, 0, 0);
	rows[nrows - 1].mode = "kthread -> read()";
}

/*
 * B9: kernel memory per object.  B9_N objects of one transport are created
 * and then each given one 64-byte message, with free memory sampled
 * before, in between and after: the drop in free memory (and the growth
 * of Slab) divided by B9_N is what one object costs, idle and holding its
 * message.  Free memory is MemFree of /proc/meminfo plus the pages on the
 * per-CPU free lists (see pcp_pages()).  The figures are system-wide, so
 * whatever else allocates or frees meanwhile shows up in them; each figure
 * is the median of B9_REPS rounds.
 */
#define B9_N		1000
#define B9_REPS		3
#define B9_MSG		64

enum b9_transport { B9_CHAN, B9_PIPE, B9_EVENTFD, B9_SEQPACKET, B9_COUNT };
static const char *const b9_name[] = {
	"chan", "pipe", "eventfd pair", "unix-seqpacket",
};

/* Object i's descriptors are [2i] (written to) and [2i + 1]; -1 unused. */
static int b9_fds[2 * B9_N];
static char b9_msg[B9_MSG];
static char b9_meminfo[8192], b9_zoneinfo[4096];

/* Free memory (MemFree and the per-CPU lists), MemFree alone, Slab. */
struct b9_sample {
	long free_kb, memfree_kb, slab_kb;
};

/*
 * Pages on the per-CPU free lists, the "count:" lines of /proc/zoneinfo;
 * -1 if it cannot be read.  MemFree leaves them out, and they hold tens of
 * megabytes on a large machine: a page freed by one round goes there and
 * the next round's allocations take it back without MemFree moving.
 */
static long pcp_pages(void)
{
	char *buf = b9_zoneinfo;
	size_t have = 0;
	char *p, *nl;
	long sum = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/zoneinfo", O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + have,
			 sizeof(b9_zoneinfo) - 1 - have)) > 0) {
		have += n;
		buf[have] = 0;
		for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
			*nl = 0;
			p += strspn(p, " \t");
			if (!strncmp(p, "count:", 6))
				sum += atol(p + 6);
		}
		have = buf + have - p;
		memmove(buf, p, have);
	}
	close(fd);
	return n < 0 ? -1 : sum;
}

/* The value of the /proc/meminfo line @key, in kB; -1 if missing. */
static long meminfo_kb(const char *key)
{
	const char *p = strstr(b9_meminfo, key);

	return p ? atol(p + strlen(key)) : -1;
}

/*
 * Sample free memory and Slab once earlier work has settled: sync(), a
 * tenth of a second for RCU callbacks to free what they hold, and (as
 * root) a read of /proc/sys/vm/stat_refresh, which folds every CPU's
 * pending counter deltas into the totals that /proc/meminfo shows.
 */
static int b9_sample(struct b9_sample *s)
{
	ssize_t n, len = 0;
	long pcp;
	int fd;

	sync();
	usleep(100000);
	fd = open("/proc/sys/vm/stat_refresh", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, b9_meminfo, sizeof(b9_meminfo));
		close(fd);
	}
	fd = open("/proc/meminfo", O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, b9_meminfo + len,
			 sizeof(b9_meminfo) - 1 - len)) > 0)
		len += n;
	close(fd);
	b9_meminfo[len] = 0;
	s->memfree_kb = meminfo_kb("\nMemFree:");
	s->slab_kb = meminfo_kb("\nSlab:");
	if (n < 0 || s->memfree_kb < 0 || s->slab_kb < 0) {
		errno = EIO;
		return -1;
	}
	pcp = pcp_pages();
	s->free_kb = s->memfree_kb;
	if (pcp > 0)
		s->free_kb += pcp * (sysconf(_SC_PAGESIZE) / 1024);
	return 0;
}

/* Make one object of @t (a chan queue through @dev) into @fd[0], @fd[1]. */
static int b9_create(enum b9_transport t, int dev, int *fd)
{
	struct chan_create c = {
		.size = sizeof(c), .kind = CHAN_KIND_QUEUE,
		.capacity = 16, .msg_max = B9_MSG,
	};
	int p[2];

	switch (t) {
	case B9_CHAN:
		if (ioctl(dev, CHAN_IOC_CREATE, &c))
			return -1;
		fd[0] = c.send_fd;
		fd[1] = c.recv_fd;
		return 0;
	case B9_PIPE:
		if (pipe2(p, 0))
			return -1;
		fd[0] = p[1];
		fd[1] = p[0];
		return 0;
	case B9_EVENTFD:
		fd[0] = eventfd(0, 0);
		if (fd[0] < 0)
			return -1;
		fd[1] = eventfd(0, 0);
		return fd[1] < 0 ? -1 : 0;
	case B9_SEQPACKET:
		return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fd);
	default:
		errno = EINVAL;
		return -1;
	}
}

/* One message into an object: 64 bytes, or an eventfd's 8-byte count. */
static int b9_send(enum b9_transport t, int fd)
{
	uint64_t one = 1;

	if (t == B9_EVENTFD)
		return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
	return write(fd, b9_msg, B9_MSG) == B9_MSG ? 0 : -1;
}

static void b9_close_all(void)
{
	int i;

	for (i = 0; i < 2 * B9_N; i++)
		if (b9_fds[i] >= 0) {
			close(b9_fds[i]);
			b9_fds[i] = -1;
		}
}

/*
 * One round of @t.  @v gets bytes per object from free memory, idle and
 * with one message, the same from Slab, and the same from MemFree alone.
 */
static int b9_round(enum b9_transport t, int dev, double *v)
{
	struct b9_sample s0, s1, s2;
	const char *what = "meminfo";
	int i;

	if (b9_sample(&s0))
		goto fail;
	what = "create";
	for (i = 0; i < B9_N; i++)
		if (b9_create(t, dev, &b9_fds[2 * i]))
			goto fail;
	what = "meminfo";
	if (b9_sample(&s1))
		goto fail;
	what = "write";
	for (i = 0; i < B9_N; i++)
		if (b9_send(t, b9_fds[2 * i]))
			goto fail;
	what = "meminfo";
	if (b9_sample(&s2))
		goto fail;
	b9_close_all();
	v[0] = (s0.free_kb - s1.free_kb) * 1024.0 / B9_N;
	v[1] = (s0.free_kb - s2.free_kb) * 1024.0 / B9_N;
	v[2] = (s1.slab_kb - s0.slab_kb) * 1024.0 / B9_N;
	v[3] = (s2.slab_kb - s0.slab_kb) * 1024.0 / B9_N;
	v[4] = (s0.memfree_kb - s1.memfree_kb) * 1024.0 / B9_N;
	v[5] = (s0.memfree_kb - s2.memfree_kb) * 1024.0 / B9_N;
	return 0;
fail:
	fprintf(stderr, "B9 %s: %s: %s, row skipped\n", b9_name[t], what,
		strerror(errno));
	b9_close_all();
	return -1;
}

static double median(double *v, int n)
{
	double x;
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[n / 2];
}

/*
 * Before the first sample: room for every descriptor, the descriptor
 * table grown to hold them (so that the first transport is not charged
 * for it), and every page the rounds touch in user space faulted in.
 */
static int b9_prepare(void)
{
	rlim_t need = 2 * B9_N + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (rl.rlim_max < need)
			rl.rlim_max = need;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return -1;
	}
	if (dup2(0, 2 * B9_N + 40) < 0)
		perror("B9: growing the descriptor table");
	else
		close(2 * B9_N + 40);
	memset(b9_fds, -1, sizeof(b9_fds));
	memset(b9_msg, 'm', sizeof(b9_msg));
	memset(b9_meminfo, 0, sizeof(b9_meminfo));
	memset(b9_zoneinfo, 0, sizeof(b9_zoneinfo));
	return 0;
}

static void b9(void)
{
	double v[4][B9_REPS], f[6];
	int t, r, k, dev = -1;

	if (b9_prepare()) {
		perror("B9: RLIMIT_NOFILE");
		return;
	}
	for (t = 0; t < B9_COUNT; t++) {
		if (t == B9_CHAN) {
			dev = open("/dev/chan", O_RDWR);
			if (dev < 0) {
				fprintf(stderr, "B9: /dev/chan: %s, chan row skipped\n",
					strerror(errno));
				continue;
			}
		}
		for (r = 0; r < B9_REPS; r++) {
			if (b9_round(t, dev, f))
				break;
			for (k = 0; k < 4; k++)
				v[k][r] = f[k];
			fprintf(stderr, "B9   %-15s round %d: %6.0f B idle, %6.0f B with a message (slab %.0f, %.0f; MemFree alone %.0f, %.0f)\n",
				b9_name[t], r + 1, f[0], f[1], f[2], f[3],
				f[4], f[5]);
		}
		if (dev >= 0) {
			close(dev);
			dev = -1;
		}
		if (r < B9_REPS)
			continue;
		mem_rows[nmem_rows++] = (struct mem_row){
			.transport = b9_name[t],
			.idle = median(v[0], B9_REPS),
			.one_msg = median(v[1], B9_REPS),
			.slab_idle = median(v[2], B9_REPS),
			.slab_one_msg = median(v[3], B9_REPS),
		};
	}
}

/* B9's table, with each row's ratio to the pipe row. */
static void print_mem_table(void)
{
	struct mem_row *pipe = NULL, *m;
	char ri[16], ro[16];
	int i;

	for (i = 0; i < nmem_rows; i++)
		if (!strcmp(mem_rows[i].transport, "pipe"))
			pipe = &mem_rows[i];
	if (!nmem_rows)
		return;
	if (nrows)
		printf("\n");
	printf("B9: kernel memory per object: the drop in free memory (MemFree and the per-CPU free lists) and the growth of Slab, %d objects, median of %d rounds\n\n",
	       B9_N, B9_REPS);
	printf("| scenario | transport | idle bytes/object | bytes/object with one 64 B message | idle vs pipe | one message vs pipe | slab idle | slab one message |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < nmem_rows; i++) {
		m = &mem_rows[i];
		snprintf(ri, sizeof(ri), "-");
		snprintf(ro, sizeof(ro), "-");
		if (pipe && pipe->idle > 0)
			snprintf(ri, sizeof(ri), "%.2f", m->idle / pipe->idle);
		if (pipe && pipe->one_msg > 0)
			snprintf(ro, sizeof(ro), "%.2f",
				 m->one_msg / pipe->one_msg);
		printf("| B9 | %s | %.0f | %.0f | %s | %s | %.0f | %.0f |\n",
		       m->transport, m->idle, m->one_msg, ri, ro,
		       m->slab_idle, m->slab_one_msg);
	}
}

/* --ext: the commands whose ROW lines become rows. */
static const char *ext_cmd[4];
static int next_cmd;

static void ext_rows(const char *cmd)
{
	long n = (quick ? 20000 : 200000) * scale, r = (quick ? 300 : 2000) * scale;
	char line[512], sc[16], tr[64], mode[64], run[1024];
	unsigned int size, producers;
	double mps, p50, p99, cpu;
	FILE *f;

	snprintf(run, sizeof(run), "%s %ld %ld", cmd, n, r);
	f = popen(run, "r");
	if (!f)
		die(cmd);
	while (fgets(line, sizeof(line), f) && nrows < (int)ARRAY_LEN(rows)) {
		if (sscanf(line, "ROW %15s %63s %63s %u %u %lf %lf %lf %lf", sc,
			   tr, mode, &size, &producers, &mps, &p50, &p99,
			   &cpu) != 9)
			continue;
		add_row_as(strdup(sc), strdup(tr), strdup(mode), size,
			   producers, mps, cpu, p50, p99, 0);
		rows[nrows - 1].ext = 1;
	}
	if (pclose(f))
		die(cmd);
}

static struct row *find_row(const char *sc, const char *tr, const char *mode,
			    unsigned int size, unsigned int producers)
{
	int i;

	for (i = 0; i < nrows; i++)
		if (!strcmp(rows[i].scenario, sc) &&
		    !strcmp(rows[i].transport, tr) &&
		    (!mode || !strcmp(rows[i].mode, mode)) &&
		    rows[i].msg_size == size && rows[i].producers == producers)
			return &rows[i];
	return NULL;
}

/*
 * chan against the language channels: for every row an --ext command
 * gave, chan's read/write and mmap rows of the same scenario, size and
 * producers, and their ratios (above 1: chan is faster).
 */
static void print_lang_table(void)
{
	struct row *rw, *mm, *pp;
	int i, first = 1;

	for (i = 0; i < nrows; i++) {
		struct row *l = &rows[i];

		if (!l->ext)
			continue;
		if (first)
			printf("\n| scenario | size | producers | language channel | msg/s | chan read/write msg/s | chan / it | chan mmap msg/s | chan mmap / it | pipe / it |\n"
			       "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
		first = 0;
		rw = find_row(l->scenario, "chan", "read/write", l->msg_size,
			      l->producers);
		mm = find_row(l->scenario, "chan", "mmap", l->msg_size,
			      l->producers);
		pp = find_row(l->scenario, "pipe", NULL, l->msg_size,
			      l->producers);
		printf("| %s | %u | %u | %s %s | %.0f | %.0f | %.3f | %.0f | %.3f | %.3f |\n",
		       l->scenario, l->msg_size, l->producers, l->transport,
		       l->mode, l->msgs_per_sec, rw ? rw->msgs_per_sec : 0,
		       rw ? rw->msgs_per_sec / l->msgs_per_sec : 0,
		       mm ? mm->msgs_per_sec : 0,
		       mm ? mm->msgs_per_sec / l->msgs_per_sec : 0,
		       pp ? pp->msgs_per_sec / l->msgs_per_sec : 0);
	}
}

/* The transport --transport names, or NULL for all. */
static const char *only_t;

static int twanted(enum transport t)
{
	return !only_t || !strcmp(only_t, tkey[t]);
}

/* Scenarios --only names, or NULL for all. */
static const char *only;

static int wanted(const char *scenario)
{
	const char *p = only;
	size_t n = strlen(scenario);

	if (!only)
		return 1;
	for (; (p = strstr(p, scenario)); p += n)
		if ((p == only || p[-1] == ',') && (!p[n] || p[n] == ','))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 8, 64, 256, 1024, 4096 };
	static const unsigned int batches[] = { 8, 64, 256 };
	const char *json = NULL, *b8name = NULL, *b8cmd = NULL;
	unsigned int s;
	int t, p, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
			scale = atol(argv[++i]);
		else if (!strcmp(argv[i], "--b8") && i + 1 < argc)
			b8name = argv[++i];
		else if (!strcmp(argv[i], "--b8-cmd") && i + 1 < argc)
			b8cmd = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--transport") && i + 1 < argc)
			only_t = argv[++i];
		else if (!strcmp(argv[i], "--ext") && i + 1 < argc &&
			 next_cmd < (int)ARRAY_LEN(ext_cmd))
			ext_cmd[next_cmd++] = argv[++i];
		else {
			fprintf(stderr, "usage: chanbench [--quick] [--scale N] [--json FILE] [--b8 NAME --b8-cmd CMD] [--only B0,B1,...] [--transport T] [--ext CMD]...\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (wanted("B0") && !only_t)
		b0();
	if (wanted("B1"))
		for (s = 0; s < 5; s++)
			for (t = 0; t < T_COUNT; t++)
				if (twanted(t))
					b1(t, sizes[s]);
	if (wanted("B2")) {
		for (t = 0; t < T_COUNT; t++)
			if (twanted(t))
				stream("B2", t, 64, 1);
		for (s = 0; s < 3 && !only_t; s++) {
			stream_batched(64, batches[s], 0);
			stream_batched(64, batches[s], 1);
		}
	}
	/* Fan-in needs several producers: no single-producer mmap rings. */
	for (p = 1; p <= 4 && wanted("B3"); p++)
		for (t = 0; t < T_COUNT; t++)
			if (t != T_SEQPACKET && t != T_SHM_SPIN &&
			    t != T_EVENTFD_SHM && t != T_CHAN_MMAP &&
			    twanted(t))
				stream("B3", t, 64, p);
	for (t = 0; t < T_COUNT && wanted("B4"); t++)
		if ((t == T_CHAN || t == T_PIPE || t == T_SEQPACKET) &&
		    twanted(t))
			b4(t);
	for (t = 0; t < T_COUNT && wanted("B5"); t++)
		if ((t == T_CHAN || t == T_SEQPACKET) && twanted(t))
			b5(t);
	for (t = 0; t < T_COUNT && wanted("B6"); t++)
		if ((t == T_CHAN || t == T_EVENTFD_SHM) && twanted(t)) {
			b6(t, RING_SLOTS);
			if (t == T_CHAN)	/* 20000 * scale / 16 each */
				b6(t, 2048 * scale);
		}
	for (t = 0; t < T_COUNT && wanted("B7"); t++)
		if (t != T_SHM_SPIN && twanted(t))
			b7(t, 100);
	for (t = 0; t < T_COUNT && wanted("B7"); t++)
		if ((t == T_CHAN || t == T_CHAN_MMAP || t == T_PIPE ||
		     t == T_EVENTFD_SHM) && twanted(t)) {
			b7(t, 10);
			b7(t, 1000);
		}
	if (b8name && b8cmd && wanted("B8"))
		b8(b8name, b8cmd);
	if (wanted("B10") && (!only_t || twanted(T_CHAN))) {
		b10(T_CHAN, 0);
		b10(T_CHAN, 1);
	}
	if (wanted("B10") && (!only_t || twanted(T_PIPE)))
		b10(T_PIPE, 1);
	if (isatty(2))
		fprintf(stderr, "\n");
	for (i = 0; i < next_cmd; i++)
		ext_rows(ext_cmd[i]);
	if (wanted("B9"))
		b9();
	print_table();
	print_lang_table();
	print_mem_table();
	if (json)
		write_json(json);
	return 0;
}
