// SPDX-License-Identifier: GPL-2.0
/*
 * ringtest - the chan ring core (kmod/ring.h) compiled in user space.
 *
 *   ringtest stress MODE PRODUCERS CONSUMERS COUNT
 *	MODE is spsc, mpsc, spmc or mpmc.  Every message carries producer,
 *	sequence and checksum; exits non-zero on any loss, duplicate,
 *	corruption or per-producer reordering.  Built with ThreadSanitizer
 *	by make check.
 *   ringtest close MODE PRODUCERS CONSUMERS ROUNDS
 *	End of stream racing sends: each round, producers send until the
 *	channel is closed under them, consumers read until they see end of
 *	stream, with the protocol of kmod/xfer.c (the close re-checked after
 *	the claim, an aborted claim left as a tombstone, a single producer's
 *	busy flag, the full fences) over this ring core.  Exits non-zero if
 *	a consumer ever read end of stream while a message was or would be
 *	left behind.
 *   ringtest bench [COUNT]
 *	Native single-producer single-consumer throughput on two real
 *	cores: the chan ring per message and in batches of 64, a minimal
 *	reference SPSC ring, and a mutex + condition variable queue.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../kmod/ring_batch.h"

#define MSG	16	/* producer, seq, checksum */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % CPU_SETSIZE, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void relax(unsigned int *spins)
{
	if (++*spins > 64) {
		sched_yield();
		*spins = 0;
	}
}

/*
 * Slot payloads move with relaxed atomic 8-byte accesses: a
 * multi-consumer reader copies a slot before it claims it (see ring.h),
 * which the C memory model only allows with atomics.
 */
static void put64(unsigned char *d, const uint64_t *v, int n)
{
	int k;

	for (k = 0; k < n; k++)
		__atomic_store_n((uint64_t *)d + k, v[k], __ATOMIC_RELAXED);
}

static void get64(const unsigned char *d, uint64_t *v, int n)
{
	int k;

	for (k = 0; k < n; k++)
		v[k] = __atomic_load_n((const uint64_t *)d + k,
				       __ATOMIC_RELAXED);
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	return (a * 0x9e3779b97f4a7c15ULL) ^ (b + 0x7f4a7c15);
}

struct stress {
	struct chan_ring ring;
	int producers, consumers;
	uint64_t per;
	unsigned char *seen;	/* [producer * per + seq] */
	long errors;
	long received;
};

struct worker {
	struct stress *st;
	int id;
};

static void *stress_producer(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	unsigned int spins = 0;
	uint64_t s, v[2];
	struct chan_slot *slot;
	u32 pos;

	for (s = 0; s < st->per; s++) {
		while (!(slot = chan_ring_reserve(&st->ring, &pos)))
			relax(&spins);
		v[0] = (uint64_t)w->id << 32 | s;
		v[1] = mix(v[0], s);
		put64(slot->data, v, 2);
		chan_ring_publish(&st->ring, pos, MSG);
	}
	return NULL;
}

static void *stress_consumer(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	int64_t *last = calloc(st->producers, sizeof(*last));
	uint64_t total = st->per * st->producers, v[2];
	unsigned int spins = 0;
	struct chan_slot *slot;
	u32 pos, len, p, s;
	int k;

	for (k = 0; k < st->producers; k++)
		last[k] = -1;
	while (__atomic_load_n(&st->received, __ATOMIC_RELAXED) <
	       (long)total) {
		slot = chan_ring_peek(&st->ring, &pos);
		if (!slot) {
			relax(&spins);
			continue;
		}
		len = READ_ONCE(slot->len);
		get64(slot->data, v, 2);
		if (!chan_ring_consume(&st->ring, pos))
			continue;	/* another consumer took it */
		p = v[0] >> 32;
		s = (u32)v[0];
		if (len != MSG || p >= (u32)st->producers || s >= st->per ||
		    v[1] != mix(v[0], s) || (int64_t)s <= last[p]) {
			__atomic_fetch_add(&st->errors, 1, __ATOMIC_RELAXED);
		} else {
			last[p] = s;
			__atomic_fetch_add(&st->seen[p * st->per + s], 1,
					   __ATOMIC_RELAXED);
		}
		__atomic_fetch_add(&st->received, 1, __ATOMIC_RELAXED);
	}
	free(last);
	return NULL;
}

static int stress(const char *mode, int np, int nc, uint64_t count)
{
	bool mp = mode[0] == 'm', mc = mode[2] == 'm';
	struct stress st = { .producers = np, .consumers = nc };
	pthread_t t[64];
	struct worker w[64];
	uint64_t k, bad = 0;
	void *slots;
	int i;

	if (np < 1 || nc < 1 || np + nc > 64 || (!mp && np > 1) ||
	    (!mc && nc > 1)) {
		fprintf(stderr, "ringtest: bad thread counts for %s\n", mode);
		return 2;
	}
	st.per = count / np;
	st.seen = calloc(st.per * np, 1);
	slots = calloc(64, chan_ring_stride(MSG));
	chan_ring_init(&st.ring, slots, 64, MSG, mp, mc, 0xffffff00u);
	for (i = 0; i < np + nc; i++) {
		w[i] = (struct worker){ .st = &st, .id = i < np ? i : i - np };
		pthread_create(&t[i], NULL, i < np ? stress_producer :
			       stress_consumer, &w[i]);
	}
	for (i = 0; i < np + nc; i++)
		pthread_join(t[i], NULL);
	for (k = 0; k < st.per * np; k++)
		bad += st.seen[k] != 1;
	printf("ringtest stress %s %dx%d: %llu messages, %ld bad, %llu lost or duplicated\n",
	       mode, np, nc, (unsigned long long)(st.per * np), st.errors,
	       (unsigned long long)bad);
	free(st.seen);
	free(slots);
	return st.errors || bad ? 1 : 0;
}

/* ---- end of stream racing sends ---- */

struct eof {
	struct chan_ring ring;
	int closed;		/* send_closed */
	int busy;		/* sp_busy */
	long published;		/* messages the producers were told went out */
	long received;
	long close_after;	/* the closer closes once this many went out */
};

/*
 * Hold a race window open now and then, as the kernel's delay points do
 * in a CHAN_DEBUG=y module: a claimed slot, a send about to publish.
 */
static void window(unsigned int *seed)
{
	unsigned int n = rand_r(seed) % 8;

	if (n == 0)
		sched_yield();
	else if (n == 1)
		for (n = rand_r(seed) % 4096; n; n--)
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* One send as chan_send_queue_id() does it; true if published. */
static bool eof_send(struct eof *e, uint64_t v, unsigned int *seed)
{
	struct chan_slot *s;
	bool ok = false;
	u32 pos;

	if (!e->ring.mp) {
		int zero = 0;

		/* A promise kept by the test: only one producer. */
		if (!__atomic_compare_exchange_n(&e->busy, &zero, 1, false,
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			abort();
	}
	if (__atomic_load_n(&e->closed, __ATOMIC_ACQUIRE))
		goto end;
	s = chan_ring_reserve(&e->ring, &pos);
	if (!s)
		goto end;	/* full: the caller retries */
	window(seed);
	/* After the claim's full barrier: look at the close again. */
	if (__atomic_load_n(&e->closed, __ATOMIC_RELAXED)) {
		chan_ring_abort(&e->ring, pos);
		goto end;
	}
	put64(s->data, &v, 1);
	window(seed);
	chan_ring_publish(&e->ring, pos, 8);
	ok = true;
end:
	if (!e->ring.mp)
		__atomic_store_n(&e->busy, 0, __ATOMIC_RELEASE);
	/* [B] of chan_send_end() */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return ok;
}

/* chan_eof(): closed (acquire), full barrier, then nothing in flight. */
static bool eof_ended(struct eof *e)
{
	if (!__atomic_load_n(&e->closed, __ATOMIC_ACQUIRE))
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (e->ring.mp)
		return chan_ring_drained(&e->ring);
	return !__atomic_load_n(&e->busy, __ATOMIC_ACQUIRE) &&
	       chan_ring_drained(&e->ring);
}

static void *eof_producer(void *arg)
{
	struct eof *e = arg;
	unsigned int spins = 0, seed = (unsigned int)(uintptr_t)arg;
	uint64_t k;

	for (k = 0; !__atomic_load_n(&e->closed, __ATOMIC_RELAXED); k++) {
		if (eof_send(e, k, &seed)) {
			__atomic_fetch_add(&e->published, 1, __ATOMIC_RELAXED);
			spins = 0;
		} else {
			relax(&spins);
		}
	}
	return NULL;
}

static void *eof_consumer(void *arg)
{
	struct eof *e = arg;
	unsigned int spins = 0;
	struct chan_slot *s;
	uint64_t v;
	u32 pos, len;

	for (;;) {
		s = chan_ring_peek(&e->ring, &pos);
		if (s) {
			len = READ_ONCE(s->len);
			get64(s->data, &v, 1);
			if (chan_ring_consume(&e->ring, pos) &&
			    len != CHAN_SLOT_TOMBSTONE)
				__atomic_fetch_add(&e->received, 1,
						   __ATOMIC_RELAXED);
			continue;
		}
		if (eof_ended(e))
			return NULL;
		relax(&spins);
	}
}

static void *eof_closer(void *arg)
{
	struct eof *e = arg;

	while (__atomic_load_n(&e->published, __ATOMIC_RELAXED) <
	       e->close_after)
		sched_yield();
	/* chan_close_send() */
	__atomic_store_n(&e->closed, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int close_races(const char *mode, int np, int nc, int rounds)
{
	bool mp = mode[0] == 'm', mc = mode[2] == 'm';
	long lost = 0, total = 0;
	pthread_t t[64];
	void *slots;
	int r, i;

	if (np < 1 || nc < 1 || np + nc > 63 || (!mp && np > 1) ||
	    (!mc && nc > 1)) {
		fprintf(stderr, "ringtest: bad thread counts for %s\n", mode);
		return 2;
	}
	slots = calloc(8, chan_ring_stride(8));
	for (r = 0; r < rounds; r++) {
		struct eof e = { .close_after = r % 37 };

		memset(slots, 0, 8 * chan_ring_stride(8));
		chan_ring_init(&e.ring, slots, 8, 8, mp, mc, 0xfffffff0u + r);
		for (i = 0; i < np + nc; i++)
			pthread_create(&t[i], NULL, i < np ? eof_producer :
				       eof_consumer, &e);
		pthread_create(&t[np + nc], NULL, eof_closer, &e);
		for (i = 0; i <= np + nc; i++)
			pthread_join(t[i], NULL);
		/* Everyone saw end of stream: nothing may be left. */
		lost += e.published - e.received;
		total += e.published;
	}
	printf("ringtest close %s %dx%d: %d rounds, %ld messages, %ld left behind at end of stream\n",
	       mode, np, nc, rounds, total, lost);
	free(slots);
	return lost ? 1 : 0;
}

/* ---- benchmarks ---- */

#define BATCH	64

struct bench {
	struct chan_ring ring;
	uint64_t count;
	int batch;
	uint64_t sum;
};

/* One producer's share: the values [from, to). */
struct bench_prod {
	struct bench *b;
	uint64_t from, to;
};

static void *bench_producer(void *arg)
{
	struct bench_prod *bp = arg;
	struct bench *b = bp->b;
	struct chan_slot *slot;
	uint64_t i = bp->from;
	u32 pos = 0, n, k;	/* reserve sets it; gcc cannot tell */

	pin(0);
	while (i < bp->to) {
		if (b->batch == 1) {
			slot = chan_ring_reserve(&b->ring, &pos);
			if (!slot)
				continue;
			slot->len = 8;
			memcpy(slot->data, &i, 8);
			chan_ring_publish(&b->ring, pos, 8);
			i++;
			continue;
		}
		n = chan_ring_reserve_batch(&b->ring, b->batch, &pos);
		for (k = 0; k < n && i < bp->to; k++, i++) {
			slot = chan_ring_slot(&b->ring, pos + k);
			slot->len = 8;
			memcpy(slot->data, &i, 8);
		}
		if (k)
			chan_ring_publish_batch(&b->ring, pos, k);
	}
	return NULL;
}

static void *bench_consumer(void *arg)
{
	struct bench *b = arg;
	struct chan_slot *slot;
	uint64_t i = 0, v, sum = 0;
	u32 pos = 0, n, k;	/* peek sets it; gcc cannot tell */

	pin(1);
	while (i < b->count) {
		if (b->batch == 1) {
			slot = chan_ring_peek(&b->ring, &pos);
			if (!slot)
				continue;
			memcpy(&v, slot->data, 8);
			sum += v;
			chan_ring_consume(&b->ring, pos);
			i++;
			continue;
		}
		n = chan_ring_peek_batch(&b->ring, b->batch, &pos);
		for (k = 0; k < n; k++) {
			memcpy(&v, chan_ring_slot(&b->ring, pos + k)->data, 8);
			sum += v;
		}
		if (n)
			chan_ring_consume_batch(&b->ring, pos, n);
		i += n;
	}
	b->sum = sum;
	return NULL;
}

/*
 * @producers threads share CPU 0, as the one producer of SPSC has it, and
 * the consumer has CPU 1: with several producers (a multi-producer ring)
 * the difference is the cost of the claim protocol, and of a producer
 * preempted between its claim and its publish holding up the consumer.
 */
static double bench_chan(uint64_t count, int batch, int producers)
{
	struct bench b = { .count = count, .batch = batch };
	void *slots = aligned_alloc(64, 1024 * chan_ring_stride(8));
	struct bench_prod bp[4];
	pthread_t p[4], c;
	double t0;
	int k;

	memset(slots, 0, 1024 * chan_ring_stride(8));
	chan_ring_init(&b.ring, slots, 1024, 8, producers > 1, false, 0);
	t0 = now();
	pthread_create(&c, NULL, bench_consumer, &b);
	for (k = 0; k < producers; k++) {
		bp[k] = (struct bench_prod){ .b = &b,
			.from = count * k / producers,
			.to = count * (k + 1) / producers };
		pthread_create(&p[k], NULL, bench_producer, &bp[k]);
	}
	for (k = 0; k < producers; k++)
		pthread_join(p[k], NULL);
	pthread_join(c, NULL);
	t0 = now() - t0;
	free(slots);
	if (b.sum != count * (count - 1) / 2)
		fprintf(stderr, "ringtest: bench checksum mismatch\n");
	return count / t0;
}

/* The reference: the smallest SPSC ring of 8-byte values. */
struct ref {
	uint64_t head __attribute__((aligned(64)));
	uint64_t tail __attribute__((aligned(64)));
	uint64_t v[1024] __attribute__((aligned(64)));
	uint64_t count, sum;
};

static void *ref_producer(void *arg)
{
	struct ref *r = arg;
	uint64_t i, head = 0;

	pin(0);
	for (i = 0; i < r->count; i++) {
		while (i - head >= 1024)
			head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		r->v[i & 1023] = i;
		__atomic_store_n(&r->tail, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *ref_consumer(void *arg)
{
	struct ref *r = arg;
	uint64_t i, tail = 0, sum = 0;

	pin(1);
	for (i = 0; i < r->count; i++) {
		while (i == tail)
			tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		sum += r->v[i & 1023];
		__atomic_store_n(&r->head, i + 1, __ATOMIC_RELEASE);
	}
	r->sum = sum;
	return NULL;
}

static double bench_ref(uint64_t count)
{
	struct ref *r = aligned_alloc(64, sizeof(*r));
	pthread_t p, c;
	double t0;

	memset(r, 0, sizeof(*r));
	r->count = count;
	t0 = now();
	pthread_create(&c, NULL, ref_consumer, r);
	pthread_create(&p, NULL, ref_producer, r);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	t0 = now() - t0;
	free(r);
	return count / t0;
}

/* A mutex + condition variable queue, what many programs use. */
struct mq {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	uint64_t v[1024];
	uint64_t head, tail, count, sum;
};

static void *mq_producer(void *arg)
{
	struct mq *q = arg;
	uint64_t i;

	pin(0);
	for (i = 0; i < q->count; i++) {
		pthread_mutex_lock(&q->lock);
		while (q->tail - q->head == 1024)
			pthread_cond_wait(&q->not_full, &q->lock);
		q->v[q->tail++ & 1023] = i;
		pthread_cond_signal(&q->not_empty);
		pthread_mutex_unlock(&q->lock);
	}
	return NULL;
}

static void *mq_consumer(void *arg)
{
	struct mq *q = arg;
	uint64_t i, sum = 0;

	pin(1);
	for (i = 0; i < q->count; i++) {
		pthread_mutex_lock(&q->lock);
		while (q->tail == q->head)
			pthread_cond_wait(&q->not_empty, &q->lock);
		sum += q->v[q->head++ & 1023];
		pthread_cond_signal(&q->not_full);
		pthread_mutex_unlock(&q->lock);
	}
	q->sum = sum;
	return NULL;
}

static double bench_mutex(uint64_t count)
{
	struct mq *q = calloc(1, sizeof(*q));
	pthread_t p, c;
	double t0;

	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	q->count = count;
	t0 = now();
	pthread_create(&c, NULL, mq_consumer, q);
	pthread_create(&p, NULL, mq_producer, q);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	t0 = now() - t0;
	free(q);
	return count / t0;
}

static int bench(uint64_t count)
{
	double ref = bench_ref(count);
	double one = bench_chan(count, 1, 1);
	double batch = bench_chan(count, BATCH, 1);
	double mp2 = bench_chan(count, 1, 2);
	double mp4 = bench_chan(count, 1, 4);
	double mtx = bench_mutex(count / 10);

	printf("| ring | M msg/s | vs reference |\n|---|---:|---:|\n");
	printf("| reference SPSC ring | %.1f | 1.00 |\n", ref / 1e6);
	printf("| chan ring, per message | %.1f | %.2f |\n", one / 1e6,
	       one / ref);
	printf("| chan ring, batch %d | %.1f | %.2f |\n", BATCH, batch / 1e6,
	       batch / ref);
	printf("| chan ring, MPSC, 2 producers (%.2f of SPSC) | %.1f | %.2f |\n",
	       mp2 / one, mp2 / 1e6, mp2 / ref);
	printf("| chan ring, MPSC, 4 producers (%.2f of SPSC) | %.1f | %.2f |\n",
	       mp4 / one, mp4 / 1e6, mp4 / ref);
	printf("| mutex + condvar queue | %.1f | %.2f |\n", mtx / 1e6,
	       mtx / ref);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "stress"))
		return stress(argv[2], atoi(argv[3]), atoi(argv[4]),
			      strtoull(argv[5], NULL, 0));
	if (argc == 6 && !strcmp(argv[1], "close"))
		return close_races(argv[2], atoi(argv[3]), atoi(argv[4]),
				   atoi(argv[5]));
	if (argc >= 2 && !strcmp(argv[1], "bench"))
		return bench(argc > 2 ? strtoull(argv[2], NULL, 0) :
			     100000000ULL);
	fprintf(stderr, "usage: ringtest stress spsc|mpsc|spmc|mpmc P C COUNT\n"
		"       ringtest close spsc|mpsc|spmc|mpmc P C ROUNDS\n"
		"       ringtest bench [COUNT]\n");
	return 2;
}
