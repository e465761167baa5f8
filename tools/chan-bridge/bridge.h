/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan-bridge - named chan channels carried across hosts over NATS.
 *
 * A rule connects one local channel to one NATS subject, in one
 * direction: an export drains the channel and publishes, an import
 * subscribes and sends into the channel.  The channel's kind says how:
 * core.c (queue and broadcast over core NATS), js.c (queue over
 * JetStream, acknowledged), call.c (request/reply).
 */
#ifndef CHAN_BRIDGE_H
#define CHAN_BRIDGE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <nats/nats.h>

#include "libchan.h"

#define SUBJECT_MAX	256
#define WORKERS_MAX	64

/* Headers the bridges speak to each other. */
#define HDR_SEQ		"Chan-Seq"	/* exporter id ":" sequence */
#define HDR_CTL		"Chan-Ctl"	/* "eof": the end of the stream */
#define HDR_SENT	"Chan-Sent"	/* with eof: messages the export sent */
#define HDR_DEADLINE	"Chan-Timeout-Ms" /* a call's time left */

enum dir { EXPORT, IMPORT };

/* One rule's counters, read by the stats thread while workers count. */
struct counters {
	atomic_uint_fast64_t msgs;	/* messages carried */
	atomic_uint_fast64_t bytes;
	atomic_uint_fast64_t refused;	/* over the local msg_max */
	atomic_uint_fast64_t lost;	/* gaps seen, or dropped by NATS */
	atomic_uint_fast64_t dups;	/* redeliveries not passed on */
	atomic_uint_fast64_t resent;	/* publishes retried */
	atomic_uint_fast64_t errors;	/* failed calls and publishes */
	atomic_uint_fast64_t eof;	/* ends of stream carried */
};

struct rule {
	enum dir dir;
	char name[CHAN_NAME_MAX];
	char subject[SUBJECT_MAX];
	char eof_subject[SUBJECT_MAX + 8];
	char stream[SUBJECT_MAX];	/* JetStream stream name */
	struct chan_info info;		/* the local channel, as opened */
	int fd;
	int nworkers;
	pthread_t workers[WORKERS_MAX];
	struct counters c;
	jsCtx *js;			/* a JetStream export's own context */
	atomic_bool pub_failed;		/* an async publish of it failed */
	struct bridge *b;
};

struct bridge {
	const char *url;
	const char *group;		/* queue group of queue and call imports */
	const char *stat_file;
	bool jetstream;
	int64_t js_max;			/* stream limit: back-pressure beyond */
	int call_timeout_ms;
	int call_workers;
	bool verbose;
	char id[32];			/* this exporter, for sequence numbers */
	natsConnection *nc;
	struct rule *rules;
	int nrules;
};

extern atomic_bool bridge_stop;

void bridge_log(const struct rule *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void count_msg(struct rule *r, size_t len);
void sleep_ms(int ms);
int64_t now_ms(void);

int core_start(struct rule *r);
int js_start(struct rule *r);
int call_start(struct rule *r);

#endif /* CHAN_BRIDGE_H */
