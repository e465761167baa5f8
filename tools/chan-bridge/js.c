// SPDX-License-Identifier: GPL-2.0
/*
 * chan-bridge: queues through JetStream (-J), so that nothing is lost.
 *
 * Each exported queue has a stream of its own (CHAN_<subject>, work-queue
 * retention, file storage, at most --js-max messages, new ones refused
 * beyond).  The export publishes a window of messages asynchronously,
 * each with a message id (exporter id and sequence) the stream
 * deduplicates on, then waits for the stream's acknowledgements.  If one
 * is missing - the server restarted, the stream is full - it publishes
 * the window again, one message at a time and in order, until each is
 * stored:
 * copies the stream already holds are dropped by the deduplication, and
 * a full stream holds the export back, which holds back the local
 * senders once their channel is full.
 *
 * Importers share one durable pull consumer, so each message reaches one
 * of them.  A message is acknowledged only once the local channel took
 * it; while the channel is full the importer tells the server it is
 * still working on what it holds, and a killed importer's messages are
 * redelivered to another after the consumer's ack wait.  An importer
 * remembers the message ids it passed on, so a redelivery of one whose
 * acknowledgement was lost is dropped, not passed on twice.
 *
 * End of stream is the stream's last message: the importer that takes it
 * closes its local channel once the consumer has nothing else pending
 * (see drained()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

#define BATCH		64		/* received from the channel at once */
#define FETCH		256		/* fetched from the stream at once */
#define POLL_MS		200
#define WAIT_MS		5000		/* for a publish's acknowledgement */
#define ACK_WAIT_S	10		/* before a message is redelivered */
#define SEEN_BITS	20		/* message ids remembered */

static void on_pub_err(jsCtx *js, jsPubAckErr *pae, void *closure)
{
	struct rule *r = closure;

	atomic_store(&r->pub_failed, true);
}

/* Create the rule's stream, or find it made; waits for the server. */
static int ensure_stream(struct rule *r)
{
	const char *subjects[] = { r->subject };
	jsStreamInfo *si = NULL;
	jsStreamConfig cfg;
	jsErrCode jerr = 0;
	natsStatus s;

	jsStreamConfig_Init(&cfg);
	cfg.Name = r->stream;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Retention = js_WorkQueuePolicy;
	cfg.Storage = js_FileStorage;
	cfg.MaxMsgs = r->b->js_max;
	cfg.Discard = js_DiscardNew;
	cfg.Duplicates = 120LL * 1000000000;	/* ns */
	while (!atomic_load(&bridge_stop)) {
		s = js_AddStream(&si, r->js, &cfg, NULL, &jerr);
		jsStreamInfo_Destroy(si);
		si = NULL;
		if (s == NATS_OK || jerr == JSStreamNameExistErr)
			return 0;
		/* What the other side's bridge is making at the same time. */
		if (jerr == JSStreamSubjectOverlapErr)
			continue;
		bridge_log(r, "stream %s: %s (%d)", r->stream,
			   natsStatus_GetText(s), jerr);
		sleep_ms(POLL_MS);
	}
	return -1;
}

static natsMsg *make_msg(struct rule *r, const void *data, size_t len)
{
	natsMsg *m = NULL;

	natsMsg_Create(&m, r->subject, NULL, data, (int)len);
	return m;
}

/* Publish one message until the stream stores it (or holds a copy). */
static void publish_sync(struct rule *r, natsMsg *m, const char *id)
{
	jsPubOptions po;
	jsPubAck *pa = NULL;
	jsErrCode jerr;

	jsPubOptions_Init(&po);
	po.MsgId = id;
	po.MaxWait = WAIT_MS;
	while (!atomic_load(&bridge_stop)) {
		jerr = 0;
		if (js_PublishMsg(&pa, r->js, m, &po, &jerr) == NATS_OK) {
			jsPubAck_Destroy(pa);
			return;
		}
		atomic_fetch_add(&r->c.resent, 1);
		sleep_ms(jerr == JSStreamStoreFailedErr ? 50 : POLL_MS);
	}
	atomic_fetch_add(&r->c.lost, 1);
}

/*
 * The messages published but not yet known stored: at most WINDOW, and
 * at most WINDOW_BYTES of room for them.
 */
#define WINDOW		1024
#define WINDOW_BYTES	(8 << 20)

struct window {
	struct iovec iov[WINDOW];
	uint64_t seq[WINDOW];
	char *buf;
	size_t max;
	int cap, n;
};

static void msg_id(char *buf, size_t n, const struct rule *r, uint64_t seq)
{
	snprintf(buf, n, "%s:%llu", r->b->id, (unsigned long long)seq);
}

static void publish_async(struct rule *r, struct window *w, int i)
{
	jsPubOptions po;
	char id[64];
	natsMsg *m;

	jsPubOptions_Init(&po);
	po.MaxWait = WAIT_MS;
	po.MsgId = id;
	msg_id(id, sizeof(id), r, w->seq[i]);
	m = make_msg(r, w->iov[i].iov_base, w->iov[i].iov_len);
	if (!m || js_PublishMsgAsync(r->js, &m, &po) != NATS_OK) {
		natsMsg_Destroy(m);
		atomic_store(&r->pub_failed, true);
	}
}

/*
 * Wait until the stream stored the whole window: if an acknowledgement
 * is missing, publish the window again in order, one message at a time.
 */
static void window_flush(struct rule *r, struct window *w)
{
	natsMsgList pending = { 0 };
	jsPubOptions po;
	char id[64];
	natsMsg *m;
	int i;

	jsPubOptions_Init(&po);
	po.MaxWait = WAIT_MS;
	if (js_PublishAsyncComplete(r->js, &po) != NATS_OK ||
	    atomic_load(&r->pub_failed)) {
		/* Forget what is still in flight, then store in order. */
		if (js_PublishAsyncGetPendingList(&pending, r->js) == NATS_OK)
			natsMsgList_Destroy(&pending);
		for (i = 0; i < w->n; i++) {
			msg_id(id, sizeof(id), r, w->seq[i]);
			m = make_msg(r, w->iov[i].iov_base, w->iov[i].iov_len);
			if (m)
				publish_sync(r, m, id);
			natsMsg_Destroy(m);
		}
		atomic_store(&r->pub_failed, false);
	}
	for (i = 0; i < w->n; i++)
		count_msg(r, w->iov[i].iov_len);
	w->n = 0;
}

static void publish_eof(struct rule *r, uint64_t sent)
{
	char id[64], n[32];
	natsMsg *m = make_msg(r, NULL, 0);

	if (!m)
		return;
	snprintf(n, sizeof(n), "%llu", (unsigned long long)sent);
	natsMsgHeader_Set(m, HDR_CTL, "eof");
	natsMsgHeader_Set(m, HDR_SENT, n);
	snprintf(id, sizeof(id), "%s:eof", r->b->id);
	publish_sync(r, m, id);
	natsMsg_Destroy(m);
	atomic_fetch_add(&r->c.eof, 1);
	bridge_log(r, "end of stream after %llu messages",
		   (unsigned long long)sent);
}

/*
 * Fill the window from the channel, publishing as it fills; flush it
 * when it is full or the channel has nothing more at once.
 */
static void *js_export(void *arg)
{
	struct rule *r = arg;
	struct window w = { .max = r->info.msg_max };
	uint64_t seq = 0, sent = 0;
	int i, n, want;

	w.cap = WINDOW_BYTES / w.max;
	w.cap = w.cap < 1 ? 1 : w.cap > WINDOW ? WINDOW : w.cap;
	w.buf = malloc(w.cap * w.max);
	if (!w.buf)
		return NULL;
	while (!atomic_load(&bridge_stop)) {
		want = w.cap - w.n < BATCH ? w.cap - w.n : BATCH;
		for (i = 0; i < want; i++)
			w.iov[w.n + i] = (struct iovec){
				w.buf + (w.n + i) * w.max, w.max };
		n = chan_recvv(r->fd, w.iov + w.n, want, w.n ? 0 : POLL_MS);
		if (n == -ETIMEDOUT || n == -EAGAIN || n == -EINTR) {
			if (w.n)
				window_flush(r, &w);
			continue;
		}
		if (n < 0) {
			atomic_fetch_add(&r->c.errors, 1);
			bridge_log(r, "receive: %s", strerror(-n));
			sleep_ms(POLL_MS);
			continue;
		}
		if (n == 0) {
			window_flush(r, &w);
			publish_eof(r, sent);
			break;
		}
		for (i = w.n; i < w.n + n; i++) {
			w.seq[i] = ++seq;
			publish_async(r, &w, i);
		}
		w.n += n;
		sent += n;
		/* A refused publish (a full stream) takes no more in. */
		if (w.n == w.cap || atomic_load(&r->pub_failed))
			window_flush(r, &w);
	}
	free(w.buf);
	return NULL;
}

/*
 * The messages this importer passed on, by message id (exporter and its
 * sequence), direct-mapped: a redelivery whose acknowledgement was lost
 * has the id of what it repeats, and so has an export's resend that a
 * restarted server stored afresh (a work queue forgets the ids of what
 * was consumed), though the stream numbers it anew.
 */
struct seen {
	uint64_t *key;
};

static uint64_t msg_key(natsMsg *m)
{
	const char *v = NULL, *p;
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	if (natsMsgHeader_Get(m, "Nats-Msg-Id", &v) != NATS_OK || !v)
		return 0;
	p = strrchr(v, ':');
	if (!p)
		return 0;
	for (; v < p; v++)
		h = (h ^ (unsigned char)*v) * 1099511628211ULL;
	return (h << 32) ^ strtoull(p + 1, NULL, 10) ^ 1;
}

static uint64_t *seen_slot(struct seen *s, uint64_t key)
{
	return &s->key[(key ^ (key >> 32)) & ((1u << SEEN_BITS) - 1)];
}

static bool seen_before(struct seen *s, uint64_t key)
{
	return key && *seen_slot(s, key) == key;
}

static void seen_add(struct seen *s, uint64_t key)
{
	if (key)
		*seen_slot(s, key) = key;
}

/*
 * The importer pulls by hand: a request for FETCH messages to the
 * consumer's next-message subject, answered on an inbox of its own.  A
 * plain subscription, which the library re-makes on every reconnect, is
 * all it needs; a pull request lost in a server restart just times out
 * and the next one is sent.
 */
struct pull {
	natsSubscription *inbox_sub;
	natsInbox *inbox;
	char next[SUBJECT_MAX * 2 + 32];
	natsMsg *held[FETCH];	/* taken, not yet in the channel */
	int n;
};

/* The stream sequence in a JetStream message's ack subject, or 0. */
static uint64_t stream_seq(natsMsg *m)
{
	const char *reply = natsMsg_GetReply(m), *p;
	const char *tok[16];
	int n = 0;

	if (!reply || strncmp(reply, "$JS.ACK.", 8))
		return 0;
	for (p = reply; p && n < 16; p = strchr(p, '.'))
		tok[n++] = *p == '.' ? ++p : p;
	/* $JS.ACK.stream.consumer.delivered.sseq... or with domain, hash */
	if (n == 9)
		return strtoull(tok[5], NULL, 10);
	if (n >= 11)
		return strtoull(tok[7], NULL, 10);
	return 0;
}

static void ack(struct rule *r, natsMsg *m, const char *what)
{
	const char *reply = natsMsg_GetReply(m);

	if (reply)
		natsConnection_PublishString(r->b->nc, reply, what);
}

/* Keep the server from redelivering what we hold while we wait. */
static void in_progress(struct rule *r, struct pull *pl, int from)
{
	int i;

	for (i = from; i < pl->n; i++)
		ack(r, pl->held[i], "+WPI");
}

/* Into the local channel; false if refused. */
static bool js_deliver(struct rule *r, struct pull *pl, int i)
{
	natsMsg *m = pl->held[i];
	int len = natsMsg_GetDataLength(m);
	int64_t last = now_ms();
	ssize_t n;

	if ((uint32_t)len > r->info.msg_max || !len) {
		atomic_fetch_add(&r->c.refused, 1);
		return false;
	}
	for (;;) {
		n = chan_send(r->fd, natsMsg_GetData(m), len, POLL_MS);
		if (n != -ETIMEDOUT && n != -EAGAIN && n != -EINTR)
			break;
		if (atomic_load(&bridge_stop))
			return false;
		if (now_ms() - last > ACK_WAIT_S * 1000 / 4) {
			in_progress(r, pl, i);
			last = now_ms();
		}
	}
	if (n == len) {
		count_msg(r, len);
		return true;
	}
	atomic_fetch_add(n == -EMSGSIZE ? &r->c.refused : &r->c.errors, 1);
	bridge_log(r, "send: %s", strerror(-n));
	return false;
}

static bool is_eof(natsMsg *m)
{
	const char *v = NULL;

	return natsMsgHeader_Get(m, HDR_CTL, &v) == NATS_OK && v &&
	       !strcmp(v, "eof");
}

/* One pulled message other than the end: into the channel, or refused. */
static void js_take(struct rule *r, struct seen *seen, struct pull *pl,
		    int i)
{
	natsMsg *m = pl->held[i];
	uint64_t key = msg_key(m);

	/* Whatever its delivery count says: see struct seen. */
	if (seen_before(seen, key)) {
		atomic_fetch_add(&r->c.dups, 1);
		ack(r, m, "+ACK");
		return;
	}
	if (js_deliver(r, pl, i)) {
		seen_add(seen, key);
		ack(r, m, "+ACK");
	} else if (!atomic_load(&bridge_stop)) {
		ack(r, m, "+TERM");	/* refused: never redelivered */
	}
}

/*
 * The end of stream is the stream's last message, but not the last
 * delivery: what a killed importer held comes again after the ack wait.
 * So the channel closes only once the consumer has nothing pending or
 * unacknowledged but the end itself.
 */
static bool drained(struct rule *r)
{
	jsConsumerInfo *ci = NULL;
	bool ret;

	if (js_GetConsumerInfo(&ci, r->js, r->stream, r->stream, NULL,
			       NULL) != NATS_OK)
		return false;
	ret = !ci->NumPending && ci->NumAckPending <= 1;
	jsConsumerInfo_Destroy(ci);
	return ret;
}

static void end_stream(struct rule *r, natsMsg *eof)
{
	natsMsg *reply = NULL;

	/* Acknowledged for sure before the channel closes. */
	natsConnection_RequestString(&reply, r->b->nc, natsMsg_GetReply(eof),
				     "+ACK", WAIT_MS);
	natsMsg_Destroy(reply);
	chan_close_send(r->fd);
	atomic_fetch_add(&r->c.eof, 1);
	bridge_log(r, "end of stream");
}

/* The importers' durable consumer; waits for the server. */
static int ensure_consumer(struct rule *r)
{
	jsConsumerInfo *ci = NULL;
	jsConsumerConfig cc;
	jsErrCode jerr = 0;
	natsStatus s;

	jsConsumerConfig_Init(&cc);
	cc.Durable = r->stream;
	cc.AckPolicy = js_AckExplicit;
	cc.AckWait = ACK_WAIT_S * 1000000000LL;
	cc.MaxAckPending = 4 * FETCH;
	while (!atomic_load(&bridge_stop)) {
		s = js_AddConsumer(&ci, r->js, r->stream, &cc, NULL, &jerr);
		jsConsumerInfo_Destroy(ci);
		ci = NULL;
		if (s == NATS_OK || jerr == JSConsumerNameExistErr)
			return 0;
		bridge_log(r, "consumer %s: %s (%d)", r->stream,
			   natsStatus_GetText(s), jerr);
		sleep_ms(POLL_MS);
	}
	return -1;
}

/* Pull up to FETCH messages into pl->held; waits up to about 1 s. */
static void pull(struct rule *r, struct pull *pl)
{
	char req[96];
	int64_t end;
	natsMsg *m;

	pl->n = 0;
	snprintf(req, sizeof(req), "{\"batch\":%d,\"expires\":%lld}", FETCH,
		 500LL * 1000000);
	if (natsConnection_PublishRequestString(r->b->nc, pl->next, pl->inbox,
						req) != NATS_OK) {
		sleep_ms(POLL_MS);
		return;
	}
	end = now_ms() + 1000;
	while (pl->n < FETCH && now_ms() < end) {
		if (natsSubscription_NextMsg(&m, pl->inbox_sub,
					     end - now_ms()) != NATS_OK)
			break;
		/* A status (no messages, request expired) ends the pull. */
		if (!stream_seq(m) && !natsMsg_GetDataLength(m) && !is_eof(m)) {
			natsMsg_Destroy(m);
			break;
		}
		pl->held[pl->n++] = m;
	}
}

static void *js_import(void *arg)
{
	struct rule *r = arg;
	struct pull pl = { 0 };
	natsMsg *eof = NULL;
	struct seen seen;
	bool done = false;
	int i;

	seen.key = calloc(1u << SEEN_BITS, sizeof(*seen.key));
	if (!seen.key || ensure_consumer(r) ||
	    natsInbox_Create(&pl.inbox) != NATS_OK ||
	    natsConnection_SubscribeSync(&pl.inbox_sub, r->b->nc,
					 pl.inbox) != NATS_OK ||
	    natsSubscription_SetPendingLimits(pl.inbox_sub, -1, -1) != NATS_OK)
		goto out;
	snprintf(pl.next, sizeof(pl.next), "$JS.API.CONSUMER.MSG.NEXT.%s.%s",
		 r->stream, r->stream);
	while (!done && !atomic_load(&bridge_stop)) {
		pull(r, &pl);
		for (i = 0; i < pl.n; i++) {
			if (!is_eof(pl.held[i])) {
				js_take(r, &seen, &pl, i);
			} else if (!eof) {
				eof = pl.held[i];	/* held until drained */
				continue;
			}
			natsMsg_Destroy(pl.held[i]);
		}
		if (eof && drained(r)) {
			end_stream(r, eof);
			done = true;
		} else if (eof) {
			ack(r, eof, "+WPI");
		}
	}
out:
	natsMsg_Destroy(eof);
	natsSubscription_Destroy(pl.inbox_sub);
	natsInbox_Destroy(pl.inbox);
	free(seen.key);
	return NULL;
}

/**
 * js_start() - start the worker of a queue rule carried by JetStream
 * @r: the rule
 *
 * Return: 0, or -1 with the reason printed.
 */
int js_start(struct rule *r)
{
	jsOptions jo;

	jsOptions_Init(&jo);
	jo.Wait = WAIT_MS;
	/* Never stalled: the window is what may be in flight. */
	jo.PublishAsync.MaxPending = 2 * WINDOW;
	jo.PublishAsync.ErrHandler = on_pub_err;
	jo.PublishAsync.ErrHandlerClosure = r;
	if (natsConnection_JetStream(&r->js, r->b->nc, &jo) != NATS_OK) {
		fprintf(stderr, "chan-bridge: no JetStream context\n");
		return -1;
	}
	if (ensure_stream(r))
		return -1;
	r->nworkers = 1;
	if (pthread_create(&r->workers[0], NULL,
			   r->dir == EXPORT ? js_export : js_import, r)) {
		fprintf(stderr, "chan-bridge: no thread\n");
		return -1;
	}
	return 0;
}
