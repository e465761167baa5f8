// SPDX-License-Identifier: GPL-2.0
/*
 * chan-bridge: request/reply channels over NATS requests.
 *
 * On the callers' host the bridge exports the channel: it serves it, each
 * of its workers taking one request at a time and asking the rule's
 * subject with a NATS request, whose reply it hands back to the caller
 * with CHAN_IOC_REPLY.  On the server's host the bridge imports the
 * subject: its workers join the rule's queue group (one of them gets each
 * request) and call the local channel with CHAN_IOC_CALL.
 *
 * The deadline crosses as the Chan-Timeout-Ms header: the time the
 * exporter gives the call (--call-timeout, since a chan server does not
 * learn its callers' deadlines), less what it spent before asking.  A
 * call the far side cannot answer in time - no server, a failed local
 * call (its errno comes back in Chan-Error) - gets no reply: its caller
 * sees its own timeout, so callers of a bridged channel should set one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

#define POLL_MS		200
#define HDR_ERROR	"Chan-Error"

static void *call_export(void *arg)
{
	struct rule *r = arg;
	int t = r->b->call_timeout_ms;
	char *buf = malloc(r->info.msg_max);
	natsMsg *m, *reply;
	char left[16];
	const char *err;
	uint64_t id;
	ssize_t n;
	int ret;

	while (buf && !atomic_load(&bridge_stop)) {
		n = chan_recv_req(r->fd, buf, r->info.msg_max, &id, POLL_MS);
		if (n == -ETIMEDOUT || n == -EAGAIN || n == -EINTR)
			continue;
		if (!n) {		/* no caller left: wait for one */
			sleep_ms(POLL_MS);
			continue;
		}
		if (n < 0) {
			atomic_fetch_add(&r->c.errors, 1);
			bridge_log(r, "receive: %s", strerror(-n));
			sleep_ms(POLL_MS);
			continue;
		}
		if (natsMsg_Create(&m, r->subject, NULL, buf, n) != NATS_OK)
			continue;
		snprintf(left, sizeof(left), "%d", t);
		natsMsgHeader_Set(m, HDR_DEADLINE, left);
		reply = NULL;
		if (natsConnection_RequestMsg(&reply, r->b->nc, m, t) ==
		    NATS_OK) {
			err = NULL;
			natsMsgHeader_Get(reply, HDR_ERROR, &err);
			ret = err ? -EIO :
			      chan_reply(r->fd, id, natsMsg_GetData(reply),
					 natsMsg_GetDataLength(reply));
			if (!ret)
				count_msg(r, n);
			else
				atomic_fetch_add(&r->c.errors, 1);
			natsMsg_Destroy(reply);
		} else {
			atomic_fetch_add(&r->c.errors, 1);
		}
		natsMsg_Destroy(m);
	}
	free(buf);
	return NULL;
}

static void answer_error(struct rule *r, const char *to, int err)
{
	natsMsg *m;

	if (natsMsg_Create(&m, to, NULL, NULL, 0) != NATS_OK)
		return;
	natsMsgHeader_Set(m, HDR_ERROR, strerror(err));
	natsConnection_PublishMsg(r->b->nc, m);
	natsMsg_Destroy(m);
}

static void serve_one(struct rule *r, natsMsg *m, char *reply)
{
	const char *to = natsMsg_GetReply(m);
	const char *v = NULL;
	int t = r->b->call_timeout_ms;
	ssize_t n;

	if (!to)
		return;
	if (natsMsgHeader_Get(m, HDR_DEADLINE, &v) == NATS_OK && v)
		t = atoi(v);
	if (t <= 0) {
		answer_error(r, to, ETIMEDOUT);
		return;
	}
	n = chan_call(r->fd, natsMsg_GetData(m), natsMsg_GetDataLength(m),
		      reply, r->info.msg_max, t);
	if (n < 0) {
		atomic_fetch_add(&r->c.errors, 1);
		answer_error(r, to, -n);
		return;
	}
	count_msg(r, natsMsg_GetDataLength(m));
	natsConnection_Publish(r->b->nc, to, reply, (int)n);
}

static void *call_import(void *arg)
{
	struct rule *r = arg;
	char *reply = malloc(r->info.msg_max);
	natsSubscription *sub = NULL;
	natsMsg *m;

	if (!reply || natsConnection_QueueSubscribeSync(&sub, r->b->nc,
			r->subject, r->b->group) != NATS_OK) {
		fprintf(stderr, "chan-bridge: subscribe %s failed\n",
			r->subject);
		exit(1);
	}
	natsConnection_Flush(r->b->nc);
	while (!atomic_load(&bridge_stop)) {
		if (natsSubscription_NextMsg(&m, sub, POLL_MS) != NATS_OK)
			continue;
		serve_one(r, m, reply);
		natsMsg_Destroy(m);
	}
	natsSubscription_Destroy(sub);
	free(reply);
	return NULL;
}

/**
 * call_start() - start the workers of a request/reply rule
 * @r: the rule
 *
 * Return: 0, or -1 with the reason printed.
 */
int call_start(struct rule *r)
{
	int i;

	for (i = 0; i < r->b->call_workers; i++) {
		if (pthread_create(&r->workers[i], NULL,
				   r->dir == EXPORT ? call_export : call_import,
				   r)) {
			fprintf(stderr, "chan-bridge: no thread\n");
			return -1;
		}
		r->nworkers++;
	}
	return 0;
}
