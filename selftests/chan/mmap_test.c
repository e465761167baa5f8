// SPDX-License-Identifier: GPL-2.0
/*
 * Mapped rings (CHAN_MAPPABLE): creation rules, the header layout, mmap()
 * errors, messages in both directions between the mapping and read()/
 * write(), the wait/wake protocol across threads (exact order, no lost
 * wakeup), poll and epoll on a mapped ring, end of stream, a mapping that
 * outlives its descriptors, and a scribbler that writes garbage over every
 * user-writable word while the kernel reads and writes the ring.
 */
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define MSG_MAX	100
#define CAP	8
#define PAGE	4096
#define NOBODY	65534

_Static_assert(sizeof(struct chan_ring_hdr) == 288, "chan_ring_hdr layout");
_Static_assert(__builtin_offsetof(struct chan_ring_hdr, head) == 128,
	       "head on its own cache line");
_Static_assert(sizeof(struct chan_wait) == 32, "chan_wait layout");

/* A mapping and the user-space side of the protocol, as chan.h tells it. */
struct mring {
	struct chan_ring_hdr *h;
	unsigned char *base, *slots;
	size_t size;
	uint32_t cap, stride, msg_max;
	int fd;
};

static int mr_map(struct mring *m, int fd)
{
	struct chan_info info;

	if (chan_info_get(fd, &info))
		return -1;
	m->size = info.map_size;
	m->base = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       0);
	if (m->base == MAP_FAILED)
		return -1;
	m->h = (void *)m->base;
	m->cap = m->h->capacity;
	m->stride = m->h->stride;
	m->msg_max = m->h->msg_max;
	/* Kept: user space may scribble over the header too. */
	m->slots = m->base + m->h->slots_offset;
	m->fd = fd;
	return 0;
}

static void mr_unmap(struct mring *m)
{
	if (m->base)
		munmap(m->base, m->size);
	m->base = NULL;
}

static unsigned char *mr_slot(struct mring *m, uint32_t pos)
{
	return m->slots + (size_t)(pos & (m->cap - 1)) * m->stride;
}

/* After publishing or retiring: wake the other side if it sleeps. */
static void mr_kick(struct mring *m, uint32_t *flag)
{
	atomic_thread_fence(memory_order_seq_cst);	/* [D] in mmap.c */
	if (__atomic_load_n(flag, __ATOMIC_RELAXED))
		ioctl(m->fd, CHAN_IOC_WAKE);
}

/* 1 if sent, 0 if full. */
static int mr_try_send(struct mring *m, const void *buf, uint32_t len)
{
	uint32_t t = __atomic_load_n(&m->h->tail, __ATOMIC_RELAXED);
	uint32_t hd = __atomic_load_n(&m->h->head, __ATOMIC_ACQUIRE);
	unsigned char *s;

	if (t - hd >= m->cap)
		return 0;
	s = mr_slot(m, t);
	memcpy(s + 4, &len, 4);
	memcpy(s + 8, buf, len);
	__atomic_store_n(&m->h->tail, t + 1, __ATOMIC_RELEASE);
	mr_kick(m, &m->h->recv_wake);
	return 1;
}

/* Length received, or 0 if empty. */
static uint32_t mr_try_recv(struct mring *m, void *buf)
{
	uint32_t hd = __atomic_load_n(&m->h->head, __ATOMIC_RELAXED);
	uint32_t t = __atomic_load_n(&m->h->tail, __ATOMIC_ACQUIRE);
	unsigned char *s;
	uint32_t len;

	if (t == hd)
		return 0;
	s = mr_slot(m, hd);
	memcpy(&len, s + 4, 4);
	if (len > m->msg_max)
		len = m->msg_max;
	memcpy(buf, s + 8, len);
	__atomic_store_n(&m->h->head, hd + 1, __ATOMIC_RELEASE);
	mr_kick(m, &m->h->send_wake);
	return len;
}

static int mr_wait(int fd, uint64_t timeout_ns, uint32_t flags)
{
	struct chan_wait w = { .size = sizeof(w), .flags = flags,
			       .timeout_ns = timeout_ns };

	return ioctl(fd, CHAN_IOC_WAIT, &w) ? -errno : 0;
}

/* Blocking forms: wait in the kernel while full or empty. */
static int mr_send(struct mring *m, const void *buf, uint32_t len)
{
	int r;

	while (!mr_try_send(m, buf, len)) {
		r = mr_wait(m->fd, CHAN_TIMEOUT_INFINITE, 0);
		if (r)
			return r;
	}
	return 0;
}

static int mr_recv(struct mring *m, void *buf)
{
	uint32_t len;
	int r;

	while (!(len = mr_try_recv(m, buf))) {
		r = mr_wait(m->fd, CHAN_TIMEOUT_INFINITE, 0);
		if (r)
			return r;
	}
	return len;
}

static int make_mapped(int dev, uint32_t flags, uint32_t cap, int *rfd,
		       int *sfd)
{
	return chan_make(dev, CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER |
			 CHAN_MAPPABLE | flags, CHAN_POLICY_BLOCK, cap,
			 MSG_MAX, NULL, 0, rfd, sfd);
}

FIXTURE(mmap) {
	int dev, rfd, sfd;
	struct mring p, c;	/* producer's and consumer's mappings */
};

FIXTURE_SETUP(mmap)
{
	self->dev = chan_dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, make_mapped(self->dev, 0, CAP, &self->rfd, &self->sfd));
	ASSERT_EQ(0, mr_map(&self->p, self->sfd));
	ASSERT_EQ(0, mr_map(&self->c, self->rfd));
}

FIXTURE_TEARDOWN(mmap)
{
	mr_unmap(&self->p);
	mr_unmap(&self->c);
	close(self->rfd);
	close(self->sfd);
	close(self->dev);
}

TEST_F(mmap, header_describes_the_ring)
{
	struct chan_ring_hdr *h = self->p.h;
	struct chan_version v = { .size = sizeof(v) };
	uint32_t stride = (MSG_MAX + 8 + 7) & ~7U;
	struct chan_info info;

	ASSERT_EQ(0, ioctl(self->dev, CHAN_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & CHAN_FEAT_MMAP);
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER | CHAN_MAPPABLE,
		  info.flags);
	EXPECT_EQ(PAGE + ((CAP * stride + PAGE - 1) & ~(PAGE - 1)),
		  info.map_size);
	EXPECT_EQ(0, info.rejects);
	EXPECT_EQ(CHAN_RING_MAGIC, h->magic);
	EXPECT_EQ(CAP, h->capacity);
	EXPECT_EQ(MSG_MAX, h->msg_max);
	EXPECT_EQ(stride, h->stride);
	EXPECT_EQ(PAGE, h->slots_offset);
	EXPECT_EQ(info.map_size, h->map_size);
	EXPECT_EQ(0, h->tail);
	EXPECT_EQ(0, h->head);
	EXPECT_EQ(0, h->state);
	/* Both mappings are the same memory. */
	h->__pad0[0] = 0x1234;
	EXPECT_EQ(0x1234, self->c.h->__pad0[0]);
	h->__pad0[0] = 0;
	EXPECT_EQ(info.map_size, fdinfo_value(self->rfd, "chan_map_size"));
	EXPECT_EQ(0, fdinfo_value(self->rfd, "chan_rejects"));
}

TEST_F(mmap, endpoints_are_read_write_but_keep_their_roles)
{
	char buf[MSG_MAX];

	EXPECT_EQ(O_RDWR, fcntl(self->rfd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDWR, fcntl(self->sfd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(-1, write(self->rfd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, read(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(EBADF, errno);
}

TEST(create_rules)
{
	int dev = chan_dev_open(), r, s;
	const uint32_t spsc = CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER;

	ASSERT_LE(0, dev);
	/* Single producer and single consumer, a queue, no overwrite. */
	EXPECT_EQ(-EINVAL, chan_make(dev, CHAN_MAPPABLE, 0, 8, 64, NULL, 0,
				     &r, &s));
	EXPECT_EQ(-EINVAL, chan_make(dev, CHAN_MAPPABLE | CHAN_SINGLE_PRODUCER,
				     0, 8, 64, NULL, 0, &r, &s));
	EXPECT_EQ(-EINVAL, chan_make(dev, CHAN_MAPPABLE | CHAN_SINGLE_CONSUMER,
				     0, 8, 64, NULL, 0, &r, &s));
	EXPECT_EQ(-EINVAL, chan_make(dev, CHAN_MAPPABLE | spsc,
				     CHAN_POLICY_OVERWRITE, 8, 64, NULL, 0,
				     &r, &s));
	EXPECT_EQ(-EINVAL, chan_make_full(dev, CHAN_KIND_BROADCAST,
					  CHAN_MAPPABLE | spsc, 0, 8, 64,
					  NULL, 0, &r, &s));
	EXPECT_EQ(-EINVAL, chan_make_full(dev, CHAN_KIND_ONESHOT,
					  CHAN_MAPPABLE | spsc, 0, 1, 64,
					  NULL, 0, &r, &s));
	EXPECT_EQ(-EINVAL, chan_make(dev, 1U << 5, 0, 8, 64, NULL, 0, &r, &s));
	/* Fail and drop-newest are fine. */
	ASSERT_EQ(0, chan_make(dev, CHAN_MAPPABLE | spsc, CHAN_POLICY_FAIL, 8,
			       64, NULL, 0, &r, &s));
	close(r);
	close(s);
	ASSERT_EQ(0, chan_make(dev, CHAN_MAPPABLE | spsc,
			       CHAN_POLICY_DROP_NEWEST, 8, 64, NULL, 0, &r,
			       &s));
	close(r);
	close(s);
	close(dev);
}

TEST_F(mmap, mmap_errors)
{
	struct chan_wait w = { .size = sizeof(w) };
	size_t size = self->p.size;
	int r, s;
	void *p;

	/* Not mappable. */
	ASSERT_EQ(0, chan_make(self->dev, CHAN_NONBLOCK, 0, 8, 64, NULL, 0,
			       &r, &s));
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, r, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	/* Its receive end is read-only, as before. */
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, r, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, ioctl(r, CHAN_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(s, CHAN_IOC_WAKE));
	EXPECT_EQ(EINVAL, errno);
	close(r);
	close(s);

	/* Private, offset, too long. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->rfd,
		 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->rfd,
		 PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, size + PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->rfd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* The header alone is fine. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->rfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(CHAN_RING_MAGIC, ((struct chan_ring_hdr *)p)->magic);
	munmap(p, PAGE);

	/* Bad wait arguments. */
	w.flags = 2;
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.__reserved[1] = 0;
	w.size = 8;
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->rfd, CHAN_IOC_WAIT, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(mmap, mapped_producer_to_read)
{
	char buf[MSG_MAX + 1], want[MSG_MAX];
	struct chan_info info;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		pattern(want, 10 + i, i);
		ASSERT_EQ(1, mr_try_send(&self->p, want, 10 + i));
	}
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(3, info.depth);
	for (i = 0; i < 3; i++) {
		pattern(want, 10 + i, i);
		ASSERT_EQ(10 + i, read(self->rfd, buf, sizeof(buf)));
		EXPECT_EQ(0, memcmp(buf, want, 10 + i));
	}
	EXPECT_EQ(3, self->c.h->head);
	fcntl(self->rfd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(3, info.received);
	EXPECT_EQ(0, info.sent);
	EXPECT_EQ(0, info.rejects);
}

TEST_F(mmap, write_to_mapped_consumer)
{
	char buf[MSG_MAX], want[MSG_MAX];
	unsigned int i;

	for (i = 0; i < CAP; i++) {
		pattern(want, 1 + i * 12, i);
		ASSERT_EQ(1 + i * 12, write(self->sfd, want, 1 + i * 12));
	}
	EXPECT_EQ(CAP, self->c.h->tail);
	/* Full: a mapped producer sees it too. */
	EXPECT_EQ(0, mr_try_send(&self->p, "x", 1));
	for (i = 0; i < CAP; i++) {
		pattern(want, 1 + i * 12, i);
		ASSERT_EQ(1 + i * 12, mr_try_recv(&self->c, buf));
		EXPECT_EQ(0, memcmp(buf, want, 1 + i * 12));
	}
	EXPECT_EQ(0, mr_try_recv(&self->c, buf));
}

/* Positions are free-running: start just below the 2^32 wrap. */
TEST_F(mmap, positions_wrap)
{
	char buf[MSG_MAX], want[MSG_MAX];
	unsigned int i;

	self->p.h->tail = 0xfffffff0U;
	self->p.h->head = 0xfffffff0U;
	for (i = 0; i < 200; i++) {
		pattern(want, 32, i);
		if (i % 2) {
			ASSERT_EQ(32, write(self->sfd, want, 32));
		} else {
			ASSERT_EQ(1, mr_try_send(&self->p, want, 32));
		}
		if (i % 3) {
			ASSERT_EQ(32, read(self->rfd, buf, sizeof(buf)));
		} else {
			ASSERT_EQ(32, mr_try_recv(&self->c, buf));
		}
		EXPECT_EQ(0, memcmp(buf, want, 32));
	}
	EXPECT_EQ(0xfffffff0U + 200, self->c.h->head);
}

TEST_F(mmap, wait_and_wake_flags)
{
	struct timespec now;
	uint64_t t;

	/* Nothing there: look only, then time out. */
	EXPECT_EQ(-EAGAIN, mr_wait(self->rfd, 0, 0));
	EXPECT_EQ(-ETIMEDOUT, mr_wait(self->rfd, 20000000, 0));
	/* The wait armed the receiver's flag; WAKE clears it. */
	EXPECT_EQ(1, self->p.h->recv_wake);
	EXPECT_EQ(0, ioctl(self->sfd, CHAN_IOC_WAKE));
	EXPECT_EQ(0, self->p.h->recv_wake);
	clock_gettime(CLOCK_MONOTONIC, &now);
	t = now.tv_sec * 1000000000ULL + now.tv_nsec;
	EXPECT_EQ(-ETIMEDOUT, mr_wait(self->rfd, t - 1, CHAN_WAIT_ABSTIME));
	EXPECT_EQ(-ETIMEDOUT, mr_wait(self->rfd, t + 10000000,
				      CHAN_WAIT_ABSTIME));
	/* Room: a sender's wait returns at once and arms nothing. */
	EXPECT_EQ(0, mr_wait(self->sfd, 0, 0));
	EXPECT_EQ(0, self->c.h->send_wake);
	ASSERT_EQ(1, mr_try_send(&self->p, "a", 1));
	EXPECT_EQ(0, mr_wait(self->rfd, CHAN_TIMEOUT_INFINITE, 0));
	/* Full: the sender's wait times out with its flag armed. */
	while (mr_try_send(&self->p, "b", 1))
		;
	EXPECT_EQ(-ETIMEDOUT, mr_wait(self->sfd, 1000000, 0));
	EXPECT_EQ(1, self->c.h->send_wake);
	EXPECT_EQ(0, ioctl(self->rfd, CHAN_IOC_WAKE));
	EXPECT_EQ(0, self->c.h->send_wake);
}

static void on_signal(int sig)
{
	(void)sig;
}

struct waiter {
	int fd;
	int ret;
	atomic_int tid;
	atomic_int done;
};

/* Wait (up to 10 s) until thread @tid sleeps ('S' in its stat). */
static int sleeping(atomic_int *tid)
{
	char path[64], line[256], *p;
	int n;
	FILE *f;

	for (n = 0; n < 10000; n++, usleep(1000)) {
		if (!atomic_load(tid))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat",
			 atomic_load(tid));
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		fclose(f);
		if (p && p[1] == ' ' && p[2] == 'S')
			return 1;
	}
	return 0;
}

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->tid, (int)syscall(SYS_gettid));
	w->ret = mr_wait(w->fd, CHAN_TIMEOUT_INFINITE, 0);
	atomic_store(&w->done, 1);
	return NULL;
}

TEST_F(mmap, wait_is_interrupted_not_restarted)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct waiter w = { .fd = self->rfd };
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waits, 1));
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	pthread_join(t, NULL);
	EXPECT_EQ(-EINTR, w.ret);
}

/* A sleeping receiver is woken by the mapped producer's WAKE, and only so. */
TEST_F(mmap, wake_reaches_a_sleeping_receiver)
{
	struct waiter w = { .fd = self->rfd };
	pthread_t t;
	int i;

	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	ASSERT_TRUE(WAIT_INFO(self->rfd, recv_waits, 1));
	ASSERT_TRUE(sleeping(&w.tid));
	EXPECT_EQ(1, self->p.h->recv_wake);
	/* Publish without the kick: the receiver keeps sleeping. */
	self->p.h->tail = 1;
	for (i = 0; i < 50 && !atomic_load(&w.done); i++)
		usleep(1000);
	EXPECT_FALSE(atomic_load(&w.done));
	EXPECT_EQ(0, ioctl(self->sfd, CHAN_IOC_WAKE));
	pthread_join(t, NULL);
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(0, self->p.h->recv_wake);
}

struct streamer {
	struct mring *m;
	int fd;		/* read()/write() instead of the mapping if >= 0 */
	unsigned int n;
	unsigned int bad;
	int err;
};

static void *produce(void *arg)
{
	struct streamer *s = arg;
	char buf[MSG_MAX];
	unsigned int i;
	uint32_t len;

	for (i = 0; i < s->n; i++) {
		len = 4 + i % (MSG_MAX - 3);
		pattern(buf, len, i);
		if (s->fd >= 0) {
			if (write(s->fd, buf, len) != (ssize_t)len) {
				s->err = errno;
				break;
			}
		} else if (mr_send(s->m, buf, len)) {
			s->err = -1;
			break;
		}
	}
	return NULL;
}

static void *consume(void *arg)
{
	struct streamer *s = arg;
	char buf[MSG_MAX], want[MSG_MAX];
	unsigned int i;
	ssize_t len;

	for (i = 0; i < s->n; i++) {
		if (s->fd >= 0)
			len = read(s->fd, buf, sizeof(buf));
		else
			len = mr_recv(s->m, buf);
		if (len <= 0) {
			s->err = len ? errno : -1;
			break;
		}
		pattern(want, 4 + i % (MSG_MAX - 3), i);
		if (len != 4 + i % (MSG_MAX - 3) || memcmp(buf, want, len))
			s->bad++;
	}
	return NULL;
}

static void stream(struct __test_metadata *_metadata, struct mring *p,
		   int pfd, struct mring *c, int cfd, unsigned int n)
{
	struct streamer sp = { .m = p, .fd = pfd, .n = n };
	struct streamer sc = { .m = c, .fd = cfd, .n = n };
	pthread_t tp, tc;

	ASSERT_EQ(0, pthread_create(&tc, NULL, consume, &sc));
	ASSERT_EQ(0, pthread_create(&tp, NULL, produce, &sp));
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	EXPECT_EQ(0, sp.err);
	EXPECT_EQ(0, sc.err);
	EXPECT_EQ(0, sc.bad);
}

TEST_F_TIMEOUT(mmap, stream_mapped_both_ends, 300)
{
	struct chan_info info;

	stream(_metadata, &self->p, -1, &self->c, -1, scaled(1000000));
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(0, info.depth);
	EXPECT_EQ(0, info.rejects);
	EXPECT_EQ(scaled(1000000), self->c.h->head);
}

TEST_F_TIMEOUT(mmap, stream_mapped_to_read, 300)
{
	stream(_metadata, &self->p, -1, &self->c, self->rfd, scaled(200000));
	EXPECT_EQ(scaled(200000), self->c.h->head);
}

TEST_F_TIMEOUT(mmap, stream_write_to_mapped, 300)
{
	struct chan_info info;

	stream(_metadata, &self->p, self->sfd, &self->c, -1, scaled(200000));
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(scaled(200000), info.sent);
	EXPECT_EQ(0, info.rejects);
}

TEST_F(mmap, poll_and_edge_triggered_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out;
	struct pollfd pfd = { .fd = self->rfd, .events = POLLIN };
	char buf[MSG_MAX];
	int ep, round;

	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(1, self->p.h->recv_wake);	/* poll armed it */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->rfd, &ev));
	for (round = 0; round < 3; round++) {
		EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
		/* The mapped producer kicks only when the flag says so. */
		ASSERT_EQ(1, mr_try_send(&self->p, "ping", 4));
		EXPECT_EQ(0, self->p.h->recv_wake);
		ASSERT_EQ(1, epoll_wait(ep, &out, 1, 5000));
		EXPECT_EQ(EPOLLIN, out.events & EPOLLIN);
		ASSERT_EQ(4, mr_try_recv(&self->c, buf));
		EXPECT_EQ(0, memcmp(buf, "ping", 4));
	}
	close(ep);
}

TEST_F(mmap, end_of_stream_and_no_receivers)
{
	char buf[MSG_MAX];

	ASSERT_EQ(1, mr_try_send(&self->p, "last", 4));
	EXPECT_EQ(0, ioctl(self->sfd, CHAN_IOC_CLOSE));
	EXPECT_EQ(CHAN_RING_CLOSED, self->c.h->state);
	/* The message queued before the close still comes, then EPIPE. */
	EXPECT_EQ(0, mr_wait(self->rfd, 0, 0));
	ASSERT_EQ(4, mr_try_recv(&self->c, buf));
	EXPECT_EQ(-EPIPE, mr_wait(self->rfd, CHAN_TIMEOUT_INFINITE, 0));
	EXPECT_EQ(0, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(-EPIPE, mr_wait(self->sfd, 0, 0));

	/* A mapping holds its endpoint open. */
	close(self->rfd);
	self->rfd = -1;
	EXPECT_EQ(CHAN_RING_CLOSED, self->p.h->state);
	mr_unmap(&self->c);
	EXPECT_EQ(CHAN_RING_CLOSED | CHAN_RING_NO_RECEIVERS, self->p.h->state);
}

TEST_F(mmap, full_ring_and_no_receivers)
{
	struct waiter w = { .fd = self->sfd };
	pthread_t t;

	while (mr_try_send(&self->p, "f", 1))
		;
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	ASSERT_TRUE(WAIT_INFO(self->sfd, send_waits, 1));
	mr_unmap(&self->c);
	close(self->rfd);
	self->rfd = -1;
	pthread_join(t, NULL);
	EXPECT_EQ(-EPIPE, w.ret);
	EXPECT_EQ(CHAN_RING_NO_RECEIVERS, self->p.h->state);
	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

/* Open each end of @name by name; 0 if both opened, else the roles refused. */
static int open_both(const char *name)
{
	struct chan_open o = { .size = sizeof(o), .name = (uintptr_t)name };
	int dev = chan_dev_open(), role, bad = 0;

	for (role = CHAN_ROLE_RECV; role <= CHAN_ROLE_SEND; role++) {
		o.role = role;
		if (ioctl(dev, CHAN_IOC_OPEN, &o))
			bad |= errno == EACCES ? role : 64;
		else
			close(o.fd);
	}
	return bad;
}

/*
 * Either end of a mapped ring reads and writes all of it: opening one by
 * name takes read and write permission, whatever the role.
 */
TEST(open_by_name_needs_read_and_write)
{
	struct chan_unlink u = { .size = sizeof(u) };
	int dev = chan_dev_open(), r, s, both;
	char name[48];

	ASSERT_LE(0, dev);
	umask(0);	/* the modes below are the modes meant (chan(4)) */
	snprintf(name, sizeof(name), "mmap.perm.%d", getpid());
	u.name = (uintptr_t)name;
	ASSERT_EQ(0, chan_make(dev, CHAN_SINGLE_PRODUCER |
			       CHAN_SINGLE_CONSUMER | CHAN_MAPPABLE, 0, 4, 16,
			       name, 0644, &r, &s));
	/* Others may read: enough for a plain queue's receive end only. */
	EXPECT_EQ(CHAN_ROLE_RECV | CHAN_ROLE_SEND,
		  as_user(NOBODY, NOBODY, open_both, name));
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_UNLINK, &u));
	close(r);
	close(s);
	ASSERT_EQ(0, chan_make(dev, CHAN_SINGLE_PRODUCER |
			       CHAN_SINGLE_CONSUMER | CHAN_MAPPABLE, 0, 4, 16,
			       name, 0646, &r, &s));
	both = as_user(NOBODY, NOBODY, open_both, name);
	EXPECT_EQ(0, both);
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_UNLINK, &u));
	close(r);
	close(s);
	/* A plain queue still checks the role's permission alone. */
	ASSERT_EQ(0, chan_make(dev, 0, 0, 4, 16, name, 0644, &r, &s));
	EXPECT_EQ(CHAN_ROLE_SEND, as_user(NOBODY, NOBODY, open_both, name));
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_UNLINK, &u));
	close(r);
	close(s);
	close(dev);
}

/* The mapping keeps the channel alive after both descriptors close. */
TEST(mapping_outlives_descriptors)
{
	struct chan_list l = { .size = sizeof(l),
			       .entry_size = sizeof(struct chan_info) };
	int dev = chan_dev_open(), r, s;
	uint32_t before;
	struct mring m;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_LIST, &l));
	before = l.total;
	ASSERT_EQ(0, make_mapped(dev, 0, 4, &r, &s));
	ASSERT_EQ(0, mr_map(&m, s));
	ASSERT_EQ(1, mr_try_send(&m, "kept", 4));
	close(r);
	close(s);
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_LIST, &l));
	EXPECT_EQ(before + 1, l.total);
	EXPECT_EQ(CHAN_RING_MAGIC, m.h->magic);
	EXPECT_EQ(1, m.h->tail);
	/* The mapping holds the send end open; the receive end is gone. */
	EXPECT_EQ(CHAN_RING_NO_RECEIVERS, m.h->state);
	mr_unmap(&m);
	ASSERT_EQ(0, ioctl(dev, CHAN_IOC_LIST, &l));
	EXPECT_EQ(before, l.total);
	close(dev);
}

/* Garbage in the header: each operation fails cleanly and is counted. */
TEST_F(mmap, invalid_positions_and_lengths_are_rejected)
{
	char buf[MSG_MAX];
	struct chan_info info;
	uint32_t len = MSG_MAX + 1;

	fcntl(self->rfd, F_SETFL, O_NONBLOCK);
	fcntl(self->sfd, F_SETFL, O_NONBLOCK);
	self->p.h->tail = CAP + 1;	/* more than the ring holds */
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EPROTO, errno);
	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EPROTO, errno);
	EXPECT_EQ(-EPROTO, mr_wait(self->rfd, 0, 0));
	self->p.h->tail = 0;
	self->p.h->head = 5;		/* head ahead of tail */
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EPROTO, errno);
	EXPECT_EQ(-EPROTO, mr_wait(self->sfd, 0, 0));
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(5, info.rejects);
	EXPECT_EQ(0, info.depth);	/* clamped */

	/* A bad length fails once and is retired; the next message comes. */
	self->p.h->head = 0;
	memcpy(mr_slot(&self->p, 0) + 4, &len, 4);
	self->p.h->tail = 1;
	ASSERT_EQ(1, mr_try_send(&self->p, "good", 4));
	EXPECT_EQ(-1, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(EPROTO, errno);
	EXPECT_EQ(1, self->c.h->head);
	EXPECT_EQ(4, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "good", 4));
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	EXPECT_EQ(6, info.rejects);
	EXPECT_EQ(6, fdinfo_value(self->sfd, "chan_rejects"));
}

struct scribbler {
	struct mring *m;
	atomic_int stop;
	uint64_t seed;
	unsigned long writes;
};

static uint32_t xrnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

/*
 * Random values over every user-writable word the kernel could look at:
 * both positions, both wake flags, the state and description, and every
 * slot's header.  Slot data stays 0x5a so that whatever a read returns can
 * be checked to come from inside the ring.
 */
static void *scribble(void *arg)
{
	struct scribbler *sc = arg;
	struct mring *m = sc->m;
	uint32_t *hw = (uint32_t *)m->h, v, *slot;
	static const uint32_t vals[] = { 0, 1, CAP - 1, CAP, CAP + 1,
					 MSG_MAX, MSG_MAX + 1, 0x7fffffff,
					 0x80000000, 0xffffffff };

	while (!atomic_load(&sc->stop)) {
		v = xrnd(&sc->seed) % 2 ? vals[xrnd(&sc->seed) % 10] :
					  xrnd(&sc->seed);
		switch (xrnd(&sc->seed) % 4) {
		case 0:
			__atomic_store_n(&m->h->tail, m->h->head + v % 16,
					 __ATOMIC_RELAXED);
			break;
		case 1:
			hw[xrnd(&sc->seed) % (sizeof(*m->h) / 4)] = v;
			break;
		default:
			slot = (uint32_t *)mr_slot(m, xrnd(&sc->seed));
			slot[xrnd(&sc->seed) % 2] = v;
		}
		sc->writes++;
	}
	return NULL;
}

static int from_ring(const char *buf, ssize_t n)
{
	ssize_t k;

	for (k = 0; k < n; k++)
		if ((unsigned char)buf[k] != 0x5a)
			return 0;
	return 1;
}

TEST_F_TIMEOUT(mmap, scribbler_cannot_hurt_the_kernel, 120)
{
	struct scribbler sc = { .m = &self->p, .seed = 0x9e3779b97f4a7c15ULL };
	char buf[MSG_MAX + 64], msg[MSG_MAX];
	unsigned long ops = 0, ok = 0, eproto = 0;
	struct chan_info info;
	struct pollfd pfd[2];
	unsigned int i;
	pthread_t t;
	ssize_t n;

	memset(msg, 0x5a, sizeof(msg));
	for (i = 0; i < CAP; i++)
		memset(mr_slot(&self->p, i) + 8, 0x5a, self->p.stride - 8);
	fcntl(self->rfd, F_SETFL, O_NONBLOCK);
	fcntl(self->sfd, F_SETFL, O_NONBLOCK);
	ASSERT_EQ(0, pthread_create(&t, NULL, scribble, &sc));
	for (i = 0; i < scaled(200000); i++, ops++) {
		switch (i % 5) {
		case 0:
		case 1:
			n = write(self->sfd, msg, 1 + i % MSG_MAX);
			break;
		case 2:
		case 3:
			memset(buf, 0, sizeof(buf));
			n = read(self->rfd, buf, sizeof(buf));
			if (n > 0) {
				ASSERT_GE(MSG_MAX, n);
				ASSERT_TRUE(from_ring(buf, n));
			}
			break;
		default:
			pfd[0] = (struct pollfd){ .fd = self->rfd,
						  .events = POLLIN };
			pfd[1] = (struct pollfd){ .fd = self->sfd,
						  .events = POLLOUT };
			n = poll(pfd, 2, 0);
			if (n >= 0)
				n = mr_wait(i % 2 ? self->rfd : self->sfd,
					    i % 3 ? 0 : 1000, 0);
			if (n == -EAGAIN || n == -ETIMEDOUT || n == -EPROTO)
				errno = -n, n = -1;
			break;
		}
		if (n >= 0) {
			ok++;
			continue;
		}
		/* Only these failures may come out of a garbled ring. */
		if (errno == EPROTO)
			eproto++;
		else
			ASSERT_TRUE(errno == EAGAIN || errno == ETIMEDOUT ||
				    errno == EMSGSIZE);
		ASSERT_EQ(0, chan_info_get(self->rfd, &info));
		ASSERT_GE(CAP, info.depth);
	}
	atomic_store(&sc.stop, 1);
	pthread_join(t, NULL);
	ASSERT_EQ(0, chan_info_get(self->rfd, &info));
	TH_LOG("%lu ops, %lu ok, %lu EPROTO, %llu rejects, %lu scribbles",
	       ops, ok, eproto, (unsigned long long)info.rejects, sc.writes);
	EXPECT_LT(0, info.rejects);
	EXPECT_LE(eproto, info.rejects);

	/* Put the header right and the channel works again. */
	self->p.h->head = self->p.h->tail;
	ASSERT_EQ(5, write(self->sfd, "again", 5));
	ASSERT_EQ(5, read(self->rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "again", 5));
}

TEST_HARNESS_MAIN
