// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libchan - a small C library over /dev/chan.  See libchan(3).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "libchan.h"

static int dev_open(void)
{
	int fd = open("/dev/chan", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Mapped rings (CHAN_MAPPABLE).  Descriptors that chan_new() or
 * chan_open() made for a mappable channel have their ring mapped, and
 * chan_send()/chan_recv()/chan_sendv()/chan_recvv() then move messages
 * with loads and stores, entering the kernel only to sleep (CHAN_IOC_WAIT)
 * or to wake the other side when its flag asks for it (CHAN_IOC_WAKE).
 * The description is copied out of the header once: the header is
 * writable by anyone who maps the ring.
 */
struct mapped {
	struct chan_ring_hdr *h;
	unsigned char *slots;
	size_t size;
	uint32_t mask, stride, msg_max, policy;
	int send;
};

#define MAP_FDS		4096
#define SPIN_LOOKS	256	/* looks at the ring before sleeping */
#define FALLBACK	(-100000) /* let the kernel's read()/write() do it */
#define PUBLISH_EVERY	32	/* a long batch publishes as it goes */

static struct mapped *maps[MAP_FDS];
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;

static struct mapped *mapped_of(int fd)
{
	if (fd < 0 || fd >= MAP_FDS)
		return NULL;
	return __atomic_load_n(&maps[fd], __ATOMIC_ACQUIRE);
}

/* Forget and unmap @fd's ring, if it has one. */
static void drop_map(int fd)
{
	struct mapped *m = NULL;

	if (fd < 0 || fd >= MAP_FDS)
		return;
	pthread_mutex_lock(&maps_lock);
	m = maps[fd];
	__atomic_store_n(&maps[fd], NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&maps_lock);
	if (m) {
		munmap(m->h, m->size);
		free(m);
	}
}

/* Map @fd's ring if its channel allows it; failures just leave it. */
static void map_fd(int fd)
{
	struct chan_info info;
	struct mapped *m;
	uint32_t off;
	void *p;

	if (fd < 0 || fd >= MAP_FDS)
		return;
	drop_map(fd);		/* a stale entry of a number reused */
	if (chan_stat(fd, &info) || !(info.flags & CHAN_MAPPABLE) ||
	    !info.map_size)
		return;
	m = calloc(1, sizeof(*m));
	if (!m)
		return;
	p = mmap(NULL, info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	if (p == MAP_FAILED) {
		free(m);
		return;
	}
	m->h = p;
	m->size = info.map_size;
	m->mask = info.capacity - 1;
	m->stride = __atomic_load_n(&m->h->stride, __ATOMIC_RELAXED);
	m->msg_max = info.msg_max;
	m->policy = info.policy;
	m->send = info.role == CHAN_ROLE_SEND;
	/* Each header word read once: anyone who maps the ring can write it. */
	off = __atomic_load_n(&m->h->slots_offset, __ATOMIC_RELAXED);
	if (__atomic_load_n(&m->h->magic, __ATOMIC_RELAXED) !=
	    CHAN_RING_MAGIC || off >= info.map_size ||
	    (uint64_t)m->stride * info.capacity > info.map_size - off ||
	    m->stride < 8 + m->msg_max) {
		munmap(p, info.map_size);
		free(m);
		return;
	}
	m->slots = (unsigned char *)p + off;
	pthread_mutex_lock(&maps_lock);
	if (maps[fd]) {
		munmap(maps[fd]->h, maps[fd]->size);
		free(maps[fd]);
	}
	__atomic_store_n(&maps[fd], m, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&maps_lock);
}

int chan_close(int fd)
{
	drop_map(fd);
	return close(fd) ? -errno : 0;
}

int chan_mapped(int fd)
{
	return mapped_of(fd) != NULL;
}

static unsigned char *slot_of(struct mapped *m, uint32_t pos)
{
	return m->slots + (size_t)(pos & m->mask) * m->stride;
}

/* After publishing or retiring: wake the other side if its flag asks. */
static void kick(int fd, uint32_t *flag)
{
	/* Pairs with the kernel's smp_mb() after arming the flag. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(flag, __ATOMIC_RELAXED))
		ioctl(fd, CHAN_IOC_WAKE);
}

/* 0 when there may be room or messages, else -errno (EPIPE at the end). */
static int ring_wait(int fd, int64_t deadline)
{
	struct chan_wait w;
	int64_t left;

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	left = deadline < 0 ? -1 : deadline - now_ms();
	w.timeout_ns = deadline < 0 ? CHAN_TIMEOUT_INFINITE :
		       left > 0 ? (uint64_t)left * 1000000 : 0;
	if (!ioctl(fd, CHAN_IOC_WAIT, &w))
		return 0;
	if (errno == EINTR)
		return 0;
	if (errno == EAGAIN && deadline >= 0)
		return -ETIMEDOUT;
	return -errno;
}

/* Messages a side may move now: room (send) or queued (receive). */
static uint32_t ring_avail(struct mapped *m, uint32_t *pos)
{
	uint32_t used;

	if (m->send) {
		*pos = __atomic_load_n(&m->h->tail, __ATOMIC_RELAXED);
		used = *pos - __atomic_load_n(&m->h->head, __ATOMIC_ACQUIRE);
		return used > m->mask ? 0 : m->mask + 1 - used;
	}
	*pos = __atomic_load_n(&m->h->head, __ATOMIC_RELAXED);
	used = __atomic_load_n(&m->h->tail, __ATOMIC_ACQUIRE) - *pos;
	return used > m->mask + 1 ? 0 : used;
}

/*
 * Wait for ring_avail() > 0: a short spin, then the kernel.  Returns what
 * is available, or -errno; -EAGAIN with a zero timeout.
 */
static int64_t ring_ready(int fd, struct mapped *m, uint32_t *pos,
			  int timeout_ms, int64_t *deadline)
{
	uint32_t n;
	int i, r;

	for (;;) {
		for (i = 0; i < SPIN_LOOKS; i++) {
			n = ring_avail(m, pos);
			if (n)
				return n;
			if (timeout_ms == 0)
				break;
		}
		if (*deadline == -2)
			*deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
		r = ring_wait(fd, timeout_ms == 0 ? 0 : *deadline);
		if (r == -ETIMEDOUT && timeout_ms == 0)
			return -EAGAIN;
		if (r)
			return r;
	}
}

static int ring_sendv(int fd, struct mapped *m, const struct iovec *msgs,
		      unsigned int n, int timeout_ms)
{
	int64_t deadline = -2, avail;
	uint32_t pos, len, i;
	unsigned char *s;

	if (__atomic_load_n(&m->h->state, __ATOMIC_RELAXED))
		return -EPIPE;
	for (i = 0; i < n; i++)
		if (msgs[i].iov_len > m->msg_max)
			break;
	if (i < n) {
		if (!i)
			return -EMSGSIZE;
		n = i;
	}
	avail = ring_ready(fd, m, &pos, m->policy == CHAN_POLICY_BLOCK ?
			   timeout_ms : 0, &deadline);
	if (avail == -EAGAIN && m->policy != CHAN_POLICY_BLOCK)
		return FALLBACK;	/* full: the kernel applies the policy */
	if (avail < 0)
		return avail;
	if (n > avail)
		n = avail;
	for (i = 0; i < n; i++) {
		len = msgs[i].iov_len;
		s = slot_of(m, pos + i);
		memcpy(s + 4, &len, sizeof(len));
		memcpy(s + 8, msgs[i].iov_base, len);
		/* The consumer may start on the first ones meanwhile. */
		if (i % PUBLISH_EVERY == PUBLISH_EVERY - 1)
			__atomic_store_n(&m->h->tail, pos + i + 1,
					 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&m->h->tail, pos + n, __ATOMIC_RELEASE);
	kick(fd, &m->h->recv_wake);
	return n;
}

static int ring_recvv(int fd, struct mapped *m, struct iovec *msgs,
		      unsigned int n, int timeout_ms)
{
	int64_t deadline = -2, avail;
	uint32_t pos, len, i;
	unsigned char *s;

	avail = ring_ready(fd, m, &pos, timeout_ms, &deadline);
	if (avail == -EPIPE)
		return 0;		/* end of stream */
	if (avail < 0)
		return avail;
	if (n > avail)
		n = avail;
	for (i = 0; i < n; i++) {
		s = slot_of(m, pos + i);
		memcpy(&len, s + 4, sizeof(len));
		if (!len || len > m->msg_max)
			break;		/* garbage: let the kernel skip it */
		if (len > msgs[i].iov_len) {
			if (!i) {
				msgs[0].iov_len = len;
				return -EMSGSIZE;
			}
			break;
		}
		memcpy(msgs[i].iov_base, s + 8, len);
		msgs[i].iov_len = len;
		/* The producer may refill the first slots meanwhile. */
		if (i % PUBLISH_EVERY == PUBLISH_EVERY - 1)
			__atomic_store_n(&m->h->head, pos + i + 1,
					 __ATOMIC_RELEASE);
	}
	if (!i)
		return FALLBACK;	/* the kernel's read() sorts it out */
	__atomic_store_n(&m->h->head, pos + i, __ATOMIC_RELEASE);
	kick(fd, &m->h->send_wake);
	return i;
}

int chan_version(struct chan_version *v)
{
	int dev = dev_open(), ret;

	if (dev < 0)
		return dev;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	ret = ioctl(dev, CHAN_IOC_VERSION, v) ? -errno : 0;
	close(dev);
	return ret;
}

int chan_limits(struct chan_limits *l)
{
	int dev = dev_open(), ret;

	if (dev < 0)
		return dev;
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	ret = ioctl(dev, CHAN_IOC_LIMITS, l) ? -errno : 0;
	close(dev);
	return ret;
}

int chan_new(const struct chan_opts *o, struct chan_pair *out)
{
	static const struct chan_opts defaults;
	struct chan_create c;
	int dev, ret;

	if (!o)
		o = &defaults;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.kind = o->kind ? o->kind : CHAN_KIND_QUEUE;
	c.capacity = o->capacity;
	if (!c.capacity && c.kind != CHAN_KIND_ONESHOT &&
	    c.kind != CHAN_KIND_RENDEZVOUS)
		c.capacity = 64;
	c.msg_max = o->msg_max ? o->msg_max : 4096;
	c.policy = o->policy;
	c.flags = o->flags | CHAN_CLOEXEC;
	c.mode = o->name ? (o->mode ? o->mode : 0600) : 0;
	c.name = (uintptr_t)o->name;
	dev = dev_open();
	if (dev < 0)
		return dev;
	ret = ioctl(dev, CHAN_IOC_CREATE, &c) ? -errno : 0;
	close(dev);
	if (!ret) {
		out->recv_fd = c.recv_fd;
		out->send_fd = c.send_fd;
		if (c.flags & CHAN_MAPPABLE) {
			map_fd(c.recv_fd);
			map_fd(c.send_fd);
		} else {	/* numbers closed without chan_close() */
			drop_map(c.recv_fd);
			drop_map(c.send_fd);
		}
	}
	return ret;
}

int chan_open(const char *name, int role, int flags)
{
	struct chan_open o;
	int dev, ret;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.role = role;
	o.flags = flags | CHAN_CLOEXEC;
	o.name = (uintptr_t)name;
	dev = dev_open();
	if (dev < 0)
		return dev;
	ret = ioctl(dev, CHAN_IOC_OPEN, &o) ? -errno : o.fd;
	close(dev);
	if (ret >= 0)
		map_fd(ret);
	return ret;
}

int chan_unlink(const char *name)
{
	struct chan_unlink u;
	int dev, ret;

	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.name = (uintptr_t)name;
	dev = dev_open();
	if (dev < 0)
		return dev;
	ret = ioctl(dev, CHAN_IOC_UNLINK, &u) ? -errno : 0;
	close(dev);
	return ret;
}

/* Wait for @events on @fd until @deadline (ms, -1: never). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int left, n;

	do {
		left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && left < 0)
			left = 0;
		n = poll(&p, 1, left);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/*
 * Every call is made non-blocking (MSG_DONTWAIT has no read() twin, so
 * the descriptor's own flag is left alone and poll() does the waiting).
 */
static ssize_t io_once(int fd, struct iovec *iov, int send)
{
	ssize_t n = send ? pwritev2(fd, iov, 1, -1, RWF_NOWAIT) :
			   preadv2(fd, iov, 1, -1, RWF_NOWAIT);

	return n < 0 ? -errno : n;
}

/* A full CHAN_POLICY_FAIL channel: waiting for room is not asked for. */
static int fails_when_full(int fd, int send)
{
	struct chan_info info;

	return send && !chan_stat(fd, &info) &&
	       info.policy == CHAN_POLICY_FAIL;
}

static ssize_t io_timed(int fd, struct iovec *iov, int send, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	ssize_t n;
	int ret;

	for (;;) {
		n = io_once(fd, iov, send);
		if (n != -EAGAIN || timeout_ms == 0 || fails_when_full(fd, send))
			return n;
		ret = wait_fd(fd, send ? POLLOUT : POLLIN, deadline);
		if (ret)
			return ret;
	}
}

ssize_t chan_send(int fd, const void *buf, size_t len, int timeout_ms)
{
	struct iovec iov = { (void *)buf, len };
	struct mapped *m = mapped_of(fd);
	int r;

	if (m && m->send && len) {
		r = ring_sendv(fd, m, &iov, 1, timeout_ms);
		if (r != FALLBACK)
			return r < 0 ? r : (ssize_t)len;
	}
	return io_timed(fd, &iov, 1, timeout_ms);
}

ssize_t chan_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	struct iovec iov = { buf, len };
	struct mapped *m = mapped_of(fd);
	int r;

	if (m && !m->send) {
		r = ring_recvv(fd, m, &iov, 1, timeout_ms);
		if (r != FALLBACK)
			return r <= 0 ? r : (ssize_t)iov.iov_len;
	}
	return io_timed(fd, &iov, 0, timeout_ms);
}

/*
 * Several messages per system call (CHAN_IOC_SEND_BATCH/RECV_BATCH); the
 * kernel never waits here, poll() does, as for single messages.
 */
static int batch_io(int fd, struct iovec *msgs, unsigned int n,
		    int timeout_ms, int send)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct chan_msg stack[64], *m = stack;
	struct chan_batch b;
	unsigned int i;
	int r;

	if (!n)
		return 0;
	if (n > CHAN_BATCH_MAX)
		n = CHAN_BATCH_MAX;
	if (n > 64) {
		m = calloc(n, sizeof(*m));
		if (!m)
			return -ENOMEM;
	}
	memset(m, 0, n * sizeof(*m));
	for (i = 0; i < n; i++) {
		m[i].buf = (uintptr_t)msgs[i].iov_base;
		m[i].len = msgs[i].iov_len;
	}
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.count = n;
	b.msgs = (uintptr_t)m;
	for (;;) {
		r = ioctl(fd, send ? CHAN_IOC_SEND_BATCH : CHAN_IOC_RECV_BATCH,
			  &b);
		if (r >= 0 || errno != EAGAIN || timeout_ms == 0)
			break;
		if (fails_when_full(fd, send)) {
			errno = EAGAIN;
			break;
		}
		r = wait_fd(fd, send ? POLLOUT : POLLIN, deadline);
		if (r) {
			errno = -r;
			r = -1;
			break;
		}
	}
	if (r < 0)
		r = -errno;
	for (i = 0; !send && r > 0 && i < (unsigned int)r; i++)
		msgs[i].iov_len = m[i].len;
	if (m != stack)
		free(m);
	return r;
}

int chan_sendv(int fd, const struct iovec *msgs, unsigned int n,
	       int timeout_ms)
{
	struct mapped *m = mapped_of(fd);
	int r;

	if (m && m->send && n) {
		r = ring_sendv(fd, m, msgs, n, timeout_ms);
		if (r != FALLBACK)
			return r;
	}
	return batch_io(fd, (struct iovec *)msgs, n, timeout_ms, 1);
}

int chan_recvv(int fd, struct iovec *msgs, unsigned int n, int timeout_ms)
{
	struct mapped *m = mapped_of(fd);
	int r;

	if (m && !m->send && n) {
		r = ring_recvv(fd, m, msgs, n, timeout_ms);
		if (r != FALLBACK)
			return r;
	}
	return batch_io(fd, msgs, n, timeout_ms, 0);
}

static uint64_t ms_to_ns(int timeout_ms)
{
	return timeout_ms < 0 ? CHAN_TIMEOUT_INFINITE :
				(uint64_t)timeout_ms * 1000000;
}

ssize_t chan_call(int send_fd, const void *req, size_t req_len, void *reply,
		  size_t room, int timeout_ms)
{
	struct chan_call c;
	int r;

	if (req_len > UINT32_MAX || room > UINT32_MAX)
		return -EMSGSIZE;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.req = (uintptr_t)req;
	c.req_len = req_len;
	c.reply = (uintptr_t)reply;
	c.reply_len = room;
	c.timeout_ns = ms_to_ns(timeout_ms);
	r = ioctl(send_fd, CHAN_IOC_CALL, &c);
	return r < 0 ? -errno : r;
}

ssize_t chan_recv_req(int recv_fd, void *buf, size_t len, uint64_t *id,
		      int timeout_ms)
{
	struct chan_msg m;
	struct chan_batch b;
	int r;

	if (len > UINT32_MAX)
		len = UINT32_MAX;
	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)buf;
	m.len = len;
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.count = 1;
	b.msgs = (uintptr_t)&m;
	b.timeout_ns = ms_to_ns(timeout_ms);
	r = ioctl(recv_fd, CHAN_IOC_RECV_BATCH, &b);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	*id = m.id;
	return m.len;
}

int chan_reply(int recv_fd, uint64_t id, const void *buf, size_t len)
{
	struct chan_msg m;
	struct chan_batch b;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)buf;
	m.len = len;
	m.id = id;
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.count = 1;
	b.msgs = (uintptr_t)&m;
	return ioctl(recv_fd, CHAN_IOC_REPLY, &b) < 0 ? -errno : 0;
}

int chan_close_send(int fd)
{
	return ioctl(fd, CHAN_IOC_CLOSE) ? -errno : 0;
}

int chan_stat(int fd, struct chan_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, CHAN_IOC_INFO, info) ? -errno : 0;
}

int64_t chan_lost(int fd)
{
	uint64_t n;

	return ioctl(fd, CHAN_IOC_LOST, &n) ? -errno : (int64_t)n;
}

/*
 * Go's select: wait until at least one arm is ready.  Fair by default: the
 * scan starts at a rotating index so that no busy arm starves the others;
 * CHAN_SELECT_BIASED scans in the order given.  Returns the index of the
 * chosen arm (all ready arms get .ready set), -ETIMEDOUT or -errno.
 */
int chan_select(struct chan_case *cases, unsigned int n, int timeout_ms,
		int flags)
{
	static __thread unsigned int rotor;
	struct pollfd stack[16], *p = stack;
	unsigned int i, start;
	int k, ret = -ETIMEDOUT;

	if (!n)
		return -EINVAL;
	if (n > 16) {
		p = calloc(n, sizeof(*p));
		if (!p)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		int acc = fcntl(cases[i].fd, F_GETFL);

		if (acc < 0) {
			ret = -errno;
			goto out;
		}
		p[i].fd = cases[i].fd;
		p[i].events = (acc & O_ACCMODE) == O_WRONLY ? POLLOUT : POLLIN;
		/* Endpoints of a mappable channel are O_RDWR: ask the role. */
		if ((acc & O_ACCMODE) == O_RDWR) {
			struct mapped *m = mapped_of(cases[i].fd);
			struct chan_info info;

			if (m ? m->send : !chan_stat(cases[i].fd, &info) &&
				       info.role == CHAN_ROLE_SEND)
				p[i].events = POLLOUT;
		}
		p[i].revents = 0;
		cases[i].ready = 0;
	}
	do {
		k = poll(p, n, timeout_ms);
	} while (k < 0 && errno == EINTR);
	if (k < 0) {
		ret = -errno;
		goto out;
	}
	if (k == 0)
		goto out;
	start = flags & CHAN_SELECT_BIASED ? 0 : rotor++ % n;
	for (i = 0; i < n; i++)
		cases[i].ready = p[i].revents != 0;
	for (i = 0; i < n; i++)
		if (cases[(start + i) % n].ready) {
			ret = (start + i) % n;
			break;
		}
out:
	if (p != stack)
		free(p);
	return ret;
}

int chan_subscribe(int recv_fd, int flags)
{
	int fd = ioctl(recv_fd, CHAN_IOC_SUBSCRIBE,
		       (unsigned long)(flags | CHAN_CLOEXEC));

	drop_map(fd);

	return fd < 0 ? -errno : fd;
}
