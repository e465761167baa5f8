// SPDX-License-Identifier: GPL-2.0
/*
 * chan-bridge: queues and broadcasts over core NATS.
 *
 * An export drains its channel in batches and publishes each message on
 * the rule's subject; a broadcast's messages carry the exporter's
 * sequence number, so that an importer tells a gap (messages lost on the
 * way, or by the exporter's own lagging subscription) and counts it.  An
 * import of a queue joins the rule's queue group, so each message reaches
 * one importer; an import of a broadcast subscribes plainly, so every
 * importer gets every message.
 *
 * End of stream travels on SUBJECT.eof to every importer.  It leaves the
 * exporter after the last message, on the same connection, so an
 * importer holds every message meant for it once it has the end: it
 * drains its subscription, then closes its local channel for sending.
 *
 * Core NATS keeps nothing: a server restart loses what it held, and an
 * importer too slow for the stream is cut off by the server (counted as
 * lost).  -J carries queues through JetStream instead (js.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

#define BATCH		64
#define POLL_MS		200
#define EXPORTERS	16	/* broadcast exporters an importer tracks */

/* Publish, riding out a reconnect; false if the bridge is stopping. */
static bool publish(struct rule *r, natsMsg *m)
{
	natsStatus s;

	while ((s = natsConnection_PublishMsg(r->b->nc, m)) != NATS_OK) {
		atomic_fetch_add(&r->c.resent, 1);
		if (atomic_load(&bridge_stop))
			return false;
		sleep_ms(20);
	}
	return true;
}

static bool publish_one(struct rule *r, const void *data, size_t len,
			uint64_t seq)
{
	char hdr[64];
	natsMsg *m;
	bool ok;

	if (natsMsg_Create(&m, r->subject, NULL, data, (int)len) != NATS_OK)
		return false;
	if (r->info.kind == CHAN_KIND_BROADCAST) {
		snprintf(hdr, sizeof(hdr), "%s:%llu", r->b->id,
			 (unsigned long long)seq);
		natsMsgHeader_Set(m, HDR_SEQ, hdr);
	}
	ok = publish(r, m);
	natsMsg_Destroy(m);
	return ok;
}

static void publish_eof(struct rule *r, uint64_t sent)
{
	char n[32];
	natsMsg *m;

	if (natsMsg_Create(&m, r->eof_subject, NULL, NULL, 0) != NATS_OK)
		return;
	snprintf(n, sizeof(n), "%llu", (unsigned long long)sent);
	natsMsgHeader_Set(m, HDR_CTL, "eof");
	natsMsgHeader_Set(m, HDR_SENT, n);
	if (publish(r, m))
		atomic_fetch_add(&r->c.eof, 1);
	natsMsg_Destroy(m);
	natsConnection_FlushTimeout(r->b->nc, 5000);
	bridge_log(r, "end of stream after %llu messages",
		   (unsigned long long)sent);
}

static void *core_export(void *arg)
{
	struct rule *r = arg;
	size_t max = r->info.msg_max;
	struct iovec iov[BATCH];
	uint64_t seq = 0, sent = 0;
	char *buf;
	int i, n;

	buf = malloc(BATCH * max);
	if (!buf)
		return NULL;
	while (!atomic_load(&bridge_stop)) {
		for (i = 0; i < BATCH; i++)
			iov[i] = (struct iovec){ buf + i * max, max };
		n = chan_recvv(r->fd, iov, BATCH, POLL_MS);
		if (n == -ETIMEDOUT || n == -EAGAIN || n == -EINTR)
			continue;
		if (n == -EOVERFLOW) {
			/* Our subscription lagged: a gap the importers see. */
			int64_t lost = chan_lost(r->fd);

			if (lost > 0) {
				seq += lost;
				atomic_fetch_add(&r->c.lost, lost);
			}
			continue;
		}
		if (n < 0) {
			atomic_fetch_add(&r->c.errors, 1);
			bridge_log(r, "receive: %s", strerror(-n));
			sleep_ms(POLL_MS);
			continue;
		}
		if (n == 0) {
			publish_eof(r, sent);
			break;
		}
		for (i = 0; i < n; i++) {
			if (!publish_one(r, iov[i].iov_base, iov[i].iov_len,
					 ++seq))
				break;
			count_msg(r, iov[i].iov_len);
			sent++;
		}
	}
	free(buf);
	return NULL;
}

/* A broadcast importer's view of each exporter: the last sequence seen. */
struct seen {
	char id[32];
	uint64_t last;
};

static void check_gap(struct rule *r, struct seen *seen, natsMsg *m)
{
	const char *v = NULL;
	const char *colon;
	uint64_t seq;
	size_t idlen;
	int i;

	if (natsMsgHeader_Get(m, HDR_SEQ, &v) != NATS_OK || !v)
		return;
	colon = strrchr(v, ':');
	if (!colon || (idlen = colon - v) >= sizeof(seen->id))
		return;
	seq = strtoull(colon + 1, NULL, 10);
	for (i = 0; i < EXPORTERS && seen[i].id[0]; i++)
		if (!strncmp(seen[i].id, v, idlen) && !seen[i].id[idlen])
			break;
	if (i == EXPORTERS)
		i = 0;			/* forget the first: rare */
	if (!seen[i].id[0] || strncmp(seen[i].id, v, idlen)) {
		memcpy(seen[i].id, v, idlen);
		seen[i].id[idlen] = 0;
		seen[i].last = 0;
	}
	if (seq > seen[i].last + 1) {
		atomic_fetch_add(&r->c.lost, seq - seen[i].last - 1);
		bridge_log(r, "lost %llu messages of %s",
			   (unsigned long long)(seq - seen[i].last - 1),
			   seen[i].id);
	}
	if (seq > seen[i].last)
		seen[i].last = seq;
}

/*
 * Send a batch into the local channel, waiting while it is full; a
 * message too long for it is refused (counted), one the channel fails
 * counted as an error.
 */
static void deliver(struct rule *r, struct iovec *iov, int n)
{
	int i = 0, k;

	while (i < n) {
		k = chan_sendv(r->fd, iov + i, n - i, POLL_MS);
		if (k > 0) {
			for (; k > 0; k--, i++)
				count_msg(r, iov[i].iov_len);
			continue;
		}
		if (k == -ETIMEDOUT || k == -EAGAIN || k == -EINTR) {
			if (atomic_load(&bridge_stop))
				return;
			continue;
		}
		atomic_fetch_add(k == -EMSGSIZE ? &r->c.refused :
						   &r->c.errors, 1);
		if (k != -EMSGSIZE)
			bridge_log(r, "send: %s", strerror(-k));
		i++;			/* that one is not sent */
	}
}

/*
 * Take what the subscription holds, up to BATCH messages, the first
 * waiting up to @ms: the number taken into @m.
 */
static int take(natsSubscription *sub, natsMsg **m, int ms)
{
	int n = 0, more = 0, bytes;

	if (natsSubscription_NextMsg(&m[0], sub, ms) != NATS_OK)
		return 0;
	natsSubscription_GetPending(sub, &more, &bytes);
	for (n = 1; n < BATCH && more-- > 0; n++)
		if (natsSubscription_NextMsg(&m[n], sub, 1) != NATS_OK)
			break;
	return n;
}

static void pass_on(struct rule *r, struct seen *seen, natsMsg **m, int n)
{
	struct iovec iov[BATCH];
	int i, k = 0, len;

	for (i = 0; i < n; i++) {
		if (r->info.kind == CHAN_KIND_BROADCAST)
			check_gap(r, seen, m[i]);
		len = natsMsg_GetDataLength(m[i]);
		if (!len)
			continue;
		if ((uint32_t)len > r->info.msg_max) {
			atomic_fetch_add(&r->c.refused, 1);
			continue;
		}
		iov[k++] = (struct iovec){ (void *)natsMsg_GetData(m[i]), len };
	}
	deliver(r, iov, k);
	for (i = 0; i < n; i++)
		natsMsg_Destroy(m[i]);
}

/* Messages the server dropped because we were too slow: lost. */
static void count_dropped(struct rule *r, natsSubscription *sub,
			  int64_t *known)
{
	int64_t d = 0;

	if (natsSubscription_GetDropped(sub, &d) == NATS_OK && d > *known) {
		atomic_fetch_add(&r->c.lost, d - *known);
		*known = d;
	}
}

static void *core_import(void *arg)
{
	struct rule *r = arg;
	struct seen seen[EXPORTERS] = { 0 };
	natsSubscription *data = NULL, *eof = NULL;
	natsMsg *batch[BATCH], *m;
	bool ended = false;
	int64_t dropped = 0;
	natsStatus s;
	int n;

	if (r->info.kind == CHAN_KIND_QUEUE)
		s = natsConnection_QueueSubscribeSync(&data, r->b->nc,
						      r->subject, r->b->group);
	else
		s = natsConnection_SubscribeSync(&data, r->b->nc, r->subject);
	if (s == NATS_OK)
		s = natsConnection_SubscribeSync(&eof, r->b->nc,
						 r->eof_subject);
	if (s == NATS_OK)
		s = natsSubscription_SetPendingLimits(data, 1 << 20, 1 << 30);
	if (s == NATS_OK)
		s = natsConnection_Flush(r->b->nc);
	if (s != NATS_OK) {
		fprintf(stderr, "chan-bridge: subscribe %s: %s\n", r->subject,
			natsStatus_GetText(s));
		exit(1);
	}
	while (!atomic_load(&bridge_stop)) {
		n = take(data, batch, ended ? 50 : POLL_MS);
		if (n) {
			pass_on(r, seen, batch, n);
			continue;
		}
		count_dropped(r, data, &dropped);
		if (ended)
			break;
		/* Everything sent before the end is queued before it. */
		if (natsSubscription_NextMsg(&m, eof, 1) == NATS_OK) {
			natsMsg_Destroy(m);
			ended = true;
		}
	}
	if (ended) {
		chan_close_send(r->fd);
		atomic_fetch_add(&r->c.eof, 1);
		bridge_log(r, "end of stream");
	}
	natsSubscription_Destroy(eof);
	natsSubscription_Destroy(data);
	return NULL;
}

/**
 * core_start() - start the worker of a queue or broadcast rule
 * @r: the rule
 *
 * Return: 0, or -1 with the reason printed.
 */
int core_start(struct rule *r)
{
	r->nworkers = 1;
	if (pthread_create(&r->workers[0], NULL,
			   r->dir == EXPORT ? core_export : core_import, r)) {
		fprintf(stderr, "chan-bridge: no thread\n");
		return -1;
	}
	return 0;
}
