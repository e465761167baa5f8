// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: many producers and consumers, as threads and as processes, each
 * message carrying producer id, sequence and checksum.  Zero lost, zero
 * duplicated, FIFO per producer as each consumer sees it, counters exact.
 * Also: close racing blocked readers and writers, and a sender killed in
 * the middle of a blocking send.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_test.h"

#define NPROD		4
#define NCONS		4
#define TOTAL		1000000
#define MSG_MAX		64

struct msg {
	uint32_t producer;
	uint32_t seq;
	uint32_t sum;
	uint8_t payload[MSG_MAX - 12];
};

/* Shared between all workers (MAP_SHARED so processes see it too). */
struct board {
	uint8_t seen[TOTAL];	/* [producer * per + seq] */
	uint32_t nprod;
	uint32_t per;
	long received;
	long bad_sum;
	long out_of_order;
	long bad_size;
	long send_errors;
};

static uint32_t checksum(const uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t h = seed * 2654435761u;
	size_t k;

	for (k = 0; k < n; k++)
		h = (h ^ p[k]) * 16777619u;
	return h;
}

static void produce(int sfd, uint32_t id, uint32_t count, struct board *b)
{
	struct msg m;
	uint32_t s, k;

	for (s = 0; s < count; s++) {
		size_t plen = (s * 7 + id) % sizeof(m.payload);

		m.producer = id;
		m.seq = s;
		for (k = 0; k < plen; k++)
			m.payload[k] = (uint8_t)(s + k * id);
		m.sum = checksum(m.payload, plen, s ^ (id << 24));
		if (write(sfd, &m, 12 + plen) != (ssize_t)(12 + plen))
			__atomic_fetch_add(&b->send_errors, 1, __ATOMIC_RELAXED);
	}
}

static void consume(int rfd, struct board *b)
{
	int32_t last[NPROD];
	struct msg m;
	ssize_t n;
	int k;

	for (k = 0; k < NPROD; k++)
		last[k] = -1;
	while ((n = read(rfd, &m, sizeof(m))) > 0) {
		size_t plen = n - 12;

		if (n < 12 || m.producer >= b->nprod || m.seq >= b->per) {
			__atomic_fetch_add(&b->bad_size, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (m.sum != checksum(m.payload, plen,
				      m.seq ^ (m.producer << 24)) ||
		    plen != (m.seq * 7 + m.producer) % sizeof(m.payload))
			__atomic_fetch_add(&b->bad_sum, 1, __ATOMIC_RELAXED);
		if ((int32_t)m.seq <= last[m.producer])
			__atomic_fetch_add(&b->out_of_order, 1,
					   __ATOMIC_RELAXED);
		last[m.producer] = m.seq;
		__atomic_fetch_add(&b->seen[m.producer * b->per + m.seq], 1,
				   __ATOMIC_RELAXED);
		__atomic_fetch_add(&b->received, 1, __ATOMIC_RELAXED);
	}
}

struct worker {
	int fd;
	uint32_t id;
	uint32_t count;
	struct board *b;
};

static void *producer_thread(void *arg)
{
	struct worker *w = arg;

	produce(w->fd, w->id, w->count, w->b);
	return NULL;
}

static void *consumer_thread(void *arg)
{
	struct worker *w = arg;

	consume(w->fd, w->b);
	return NULL;
}

static void check_board(struct __test_metadata *_metadata, struct board *b,
			int nprod, uint32_t per_prod, int rfd)
{
	long missing = 0, dup = 0;
	struct chan_info i;
	uint32_t s;
	int p;

	for (p = 0; p < nprod; p++)
		for (s = 0; s < per_prod; s++) {
			missing += b->seen[p * per_prod + s] == 0;
			dup += b->seen[p * per_prod + s] > 1;
		}
	EXPECT_EQ(0, b->send_errors);
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, b->bad_sum);
	EXPECT_EQ(0, b->bad_size);
	EXPECT_EQ(0, b->out_of_order);
	EXPECT_EQ((long)nprod * per_prod, b->received);
	ASSERT_EQ(0, chan_info_get(rfd, &i));
	EXPECT_EQ((uint64_t)nprod * per_prod, i.sent);
	EXPECT_EQ((uint64_t)nprod * per_prod, i.received);
	EXPECT_EQ(0, i.depth);
	EXPECT_EQ(0, i.dropped);
	EXPECT_EQ(0, i.overwritten);
}

static struct board *board_new(uint32_t nprod)
{
	struct board *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED)
		return NULL;
	b->nprod = nprod;
	b->per = scaled(TOTAL) / nprod;
	return b;
}

static void run_threads(struct __test_metadata *_metadata, uint32_t flags,
			int nprod, int ncons)
{
	struct worker pw[NPROD], cw[NCONS];
	pthread_t pt[NPROD], ct[NCONS];
	int dev = chan_dev_open(), rfd, sfd, k;
	uint32_t per = scaled(TOTAL) / nprod;
	struct board *b = board_new(nprod);

	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, chan_make(dev, flags, CHAN_POLICY_BLOCK, 256, MSG_MAX,
			       NULL, 0, &rfd, &sfd));
	for (k = 0; k < ncons; k++) {
		cw[k] = (struct worker){ .fd = rfd, .b = b };
		ASSERT_EQ(0, pthread_create(&ct[k], NULL, consumer_thread,
					    &cw[k]));
	}
	for (k = 0; k < nprod; k++) {
		pw[k] = (struct worker){ .fd = sfd, .id = k, .count = per,
					 .b = b };
		ASSERT_EQ(0, pthread_create(&pt[k], NULL, producer_thread,
					    &pw[k]));
	}
	for (k = 0; k < nprod; k++)
		pthread_join(pt[k], NULL);
	close(sfd);		/* the last sender: consumers see EOF */
	for (k = 0; k < ncons; k++)
		pthread_join(ct[k], NULL);
	check_board(_metadata, b, nprod, per, rfd);
	close(rfd);
	close(dev);
	munmap(b, sizeof(*b));
}

/* Debug kernels under emulation are slow: give each test 15 minutes. */
FIXTURE(stress) {
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, threads_4x4_mpmc_one_million, 900)
{
	run_threads(_metadata, 0, NPROD, NCONS);
}

TEST_F_TIMEOUT(stress, threads_1x1_spsc_one_million, 900)
{
	run_threads(_metadata, CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER,
		    1, 1);
}

TEST_F_TIMEOUT(stress, threads_4x1_mpsc_one_million, 900)
{
	run_threads(_metadata, CHAN_SINGLE_CONSUMER, NPROD, 1);
}

TEST_F_TIMEOUT(stress, processes_4x4_mpmc_one_million, 900)
{
	int dev = chan_dev_open(), rfd, sfd, k, status, failed = 0;
	struct board *b = board_new(NPROD);
	pid_t pids[NPROD + NCONS];

	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, chan_make(dev, 0, CHAN_POLICY_BLOCK, 256, MSG_MAX,
			       NULL, 0, &rfd, &sfd));
	for (k = 0; k < NPROD + NCONS; k++) {
		pids[k] = fork();
		ASSERT_LE(0, pids[k]);
		if (pids[k])
			continue;
		if (k < NPROD) {
			close(rfd);
			produce(sfd, k, scaled(TOTAL) / NPROD, b);
		} else {
			close(sfd);
			consume(rfd, b);
		}
		_exit(0);
	}
	close(sfd);	/* EOF comes when the last producer exits */
	for (k = 0; k < NPROD + NCONS; k++) {
		ASSERT_EQ(pids[k], waitpid(pids[k], &status, 0));
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	EXPECT_EQ(0, failed);
	check_board(_metadata, b, NPROD, scaled(TOTAL) / NPROD, rfd);
	close(rfd);
	close(dev);
	munmap(b, sizeof(*b));
}

struct racer {
	int fd;
	int count;
	long done;
	int err;
};

static void *race_reader(void *arg)
{
	struct racer *r = arg;
	char buf[16];
	ssize_t n;

	while ((n = read(r->fd, buf, sizeof(buf))) > 0)
		r->done++;
	r->err = n < 0 ? errno : 0;
	return NULL;
}

static void *race_writer(void *arg)
{
	struct racer *r = arg;

	while (r->count-- > 0 && write(r->fd, "w", 1) == 1)
		r->done++;
	close(r->fd);
	return NULL;
}

TEST_F_TIMEOUT(stress, close_races_blocked_readers, 900)
{
	int dev = chan_dev_open(), iter;

	for (iter = 0; iter < 200; iter++) {
		struct racer rd[2], wr[2];
		pthread_t rt[2], wt[2];
		int rfd, sfd, k;
		long got = 0;

		ASSERT_EQ(0, chan_make(dev, 0, 0, 2, 16, NULL, 0, &rfd,
				       &sfd));
		for (k = 0; k < 2; k++) {
			rd[k] = (struct racer){ .fd = rfd };
			wr[k] = (struct racer){ .fd = dup(sfd), .count = 50 };
			pthread_create(&rt[k], NULL, race_reader, &rd[k]);
			pthread_create(&wt[k], NULL, race_writer, &wr[k]);
		}
		close(sfd);
		for (k = 0; k < 2; k++) {
			pthread_join(wt[k], NULL);
			pthread_join(rt[k], NULL);
			got += rd[k].done;
			ASSERT_EQ(0, rd[k].err);
			ASSERT_EQ(50, wr[k].done);
		}
		ASSERT_EQ(100, got);
		close(rfd);
	}
	close(dev);
}

static void *race_reader_n(void *arg)
{
	struct racer *r = arg;
	char buf[16];

	while (r->count-- > 0 && read(r->fd, buf, sizeof(buf)) > 0)
		r->done++;
	close(r->fd);
	return NULL;
}

static void *race_writer_forever(void *arg)
{
	struct racer *r = arg;

	while (write(r->fd, "w", 1) == 1)
		r->done++;
	r->err = errno;
	return NULL;
}

TEST_F_TIMEOUT(stress, close_races_blocked_writers, 900)
{
	int dev = chan_dev_open(), iter;

	for (iter = 0; iter < 200; iter++) {
		struct racer rd[2], wr[2];
		pthread_t rt[2], wt[2];
		int rfd, sfd, k;
		long sent = 0, got = 0;
		struct chan_info i;

		ASSERT_EQ(0, chan_make(dev, 0, 0, 1, 16, NULL, 0, &rfd,
				       &sfd));
		for (k = 0; k < 2; k++) {
			wr[k] = (struct racer){ .fd = sfd };
			rd[k] = (struct racer){ .fd = dup(rfd), .count = 10 };
			pthread_create(&wt[k], NULL, race_writer_forever,
				       &wr[k]);
			pthread_create(&rt[k], NULL, race_reader_n, &rd[k]);
		}
		close(rfd);
		for (k = 0; k < 2; k++) {
			pthread_join(rt[k], NULL);
			pthread_join(wt[k], NULL);
			ASSERT_EQ(EPIPE, wr[k].err);
			sent += wr[k].done;
			got += rd[k].done;
		}
		ASSERT_EQ(20, got);
		ASSERT_EQ(0, chan_info_get(sfd, &i));
		ASSERT_EQ(sent, got + (long)i.depth);
		ASSERT_EQ((uint64_t)sent, i.sent);
		close(sfd);
	}
	close(dev);
}

TEST_F_TIMEOUT(stress, sender_killed_in_a_blocking_send, 900)
{
	int dev = chan_dev_open(), rfd, sfd, status;
	struct chan_info i;
	char buf[16];
	pid_t pid;

	ASSERT_EQ(0, chan_make(dev, 0, 0, 1, 16, NULL, 0, &rfd, &sfd));
	ASSERT_EQ(5, write(sfd, "first", 5));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ssize_t r = write(sfd, "never", 5);

		_exit(r == 5 ? 0 : 1);
	}
	ASSERT_TRUE(WAIT_INFO(sfd, send_waiters, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(0, chan_info_get(rfd, &i));
	EXPECT_EQ(0, i.send_waiters);
	EXPECT_EQ(1, i.senders);
	EXPECT_EQ(1, i.sent);
	EXPECT_EQ(1, i.depth);
	ASSERT_EQ(5, read(rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "first", 5));
	ASSERT_EQ(5, write(sfd, "after", 5));
	ASSERT_EQ(5, read(rfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "after", 5));
	close(rfd);
	close(sfd);
	close(dev);
}

TEST_HARNESS_MAIN
