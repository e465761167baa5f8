// SPDX-License-Identifier: GPL-2.0
/*
 * c1soak - the reproduction of the concurrency review's C1, as a soak.
 *
 *   c1soak [ITERATIONS] [MSG_BYTES]
 *
 * Each iteration: a default queue (capacity 4, MPMC), three threads
 * blocked in read(), one thread writing one MSG_BYTES message (64 KiB by
 * default), and the main thread calling CHAN_IOC_CLOSE 0-190 us after the
 * write began.  Every reader must return within 3 s - one with the
 * message or none, the rest with end of stream - and what was read must
 * match what the writer was told.  Prints the iterations and failures;
 * exits non-zero on any failure.  tools/soak/c1.sh runs it in guests.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/chan.h>

#define READERS	3

struct reader {
	int fd;
	char *buf;
	size_t room;
	ssize_t first, last;
	int msgs;
	volatile int done;
};

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void *reader(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	while ((n = read(r->fd, r->buf, r->room)) > 0)
		r->msgs++;
	r->last = n;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct writer {
	int fd;
	const char *buf;
	size_t len;
	ssize_t ret;
	long long start;
	volatile int started;
};

static void *writer(void *arg)
{
	struct writer *w = arg;

	w->start = now_us();
	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);
	w->ret = write(w->fd, w->buf, w->len);
	return NULL;
}

static int waiters(int fd)
{
	struct chan_info i = { .size = sizeof(i) };

	return ioctl(fd, CHAN_IOC_INFO, &i) ? -1 : (int)i.recv_waiters;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 10000;
	size_t len = argc > 2 ? strtoul(argv[2], NULL, 0) : 65536;
	long it, fails = 0, delivered = 0;
	char *msg = malloc(len);
	int dev = open("/dev/chan", O_RDWR | O_CLOEXEC);
	unsigned int seed = 1;

	if (dev < 0 || !msg) {
		perror("c1soak: /dev/chan");
		return 2;
	}
	memset(msg, 'm', len);
	for (it = 0; it < iters; it++) {
		struct chan_create c = {
			.size = sizeof(c), .kind = CHAN_KIND_QUEUE,
			.capacity = 4, .msg_max = len,
		};
		struct reader r[READERS];
		struct writer w;
		pthread_t rt[READERS], wt;
		long long end;
		int k, done, got = 0, delay;

		if (ioctl(dev, CHAN_IOC_CREATE, &c)) {
			perror("c1soak: CHAN_IOC_CREATE");
			return 2;
		}
		for (k = 0; k < READERS; k++) {
			r[k] = (struct reader){ .fd = c.recv_fd, .room = len };
			r[k].buf = malloc(len);
			pthread_create(&rt[k], NULL, reader, &r[k]);
		}
		end = now_us() + 3000000;
		while (waiters(c.recv_fd) < READERS && now_us() < end)
			usleep(100);
		w = (struct writer){ .fd = c.send_fd, .buf = msg, .len = len };
		delay = rand_r(&seed) % 191;
		pthread_create(&wt, NULL, writer, &w);
		while (!__atomic_load_n(&w.started, __ATOMIC_ACQUIRE))
			;
		while (now_us() < w.start + delay)
			;
		ioctl(c.send_fd, CHAN_IOC_CLOSE);
		pthread_join(wt, NULL);
		end = now_us() + 3000000;
		do {
			for (k = 0, done = 0; k < READERS; k++)
				done += __atomic_load_n(&r[k].done,
							__ATOMIC_ACQUIRE);
		} while (done < READERS && now_us() < end && !usleep(200));
		for (k = 0; k < READERS; k++)
			got += r[k].msgs;
		if (done < READERS || got != (w.ret == (ssize_t)len)) {
			fails++;
			fprintf(stderr,
				"c1soak: iteration %ld: %d of %d readers back, %d read, write %zd (close after %d us)\n",
				it, done, READERS, got, w.ret, delay);
			if (done < READERS)
				break;	/* readers stuck: cannot reuse */
		}
		delivered += got;
		for (k = 0; k < READERS; k++) {
			pthread_join(rt[k], NULL);
			free(r[k].buf);
		}
		close(c.recv_fd);
		close(c.send_fd);
	}
	printf("c1soak: %ld iterations of %zu-byte messages, %ld delivered before the close, %ld failed\n",
	       it, len, delivered, fails);
	return fails ? 1 : 0;
}
