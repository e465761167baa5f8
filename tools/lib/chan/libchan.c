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
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "libchan.h"

static int dev_open(void)
{
	int fd = open("/dev/chan", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
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

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
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

static ssize_t io_timed(int fd, struct iovec *iov, int send, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	ssize_t n;
	int ret;

	for (;;) {
		n = io_once(fd, iov, send);
		if (n != -EAGAIN || timeout_ms == 0)
			return n;
		ret = wait_fd(fd, send ? POLLOUT : POLLIN, deadline);
		if (ret)
			return ret;
	}
}

ssize_t chan_send(int fd, const void *buf, size_t len, int timeout_ms)
{
	struct iovec iov = { (void *)buf, len };

	return io_timed(fd, &iov, 1, timeout_ms);
}

ssize_t chan_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	struct iovec iov = { buf, len };

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
	return batch_io(fd, (struct iovec *)msgs, n, timeout_ms, 1);
}

int chan_recvv(int fd, struct iovec *msgs, unsigned int n, int timeout_ms)
{
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

	return fd < 0 ? -errno : fd;
}
