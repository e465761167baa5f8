// SPDX-License-Identifier: GPL-2.0
/*
 * chan-bridge - the command line, the connection, the counters.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"

#define EXIT_USAGE	2

atomic_bool bridge_stop;

static void usage(FILE *f)
{
	fprintf(f,
"usage: chan-bridge [-s URL] [-J] [-g GROUP] [-T MS] [-w N] [-m MAX]\n"
"                   [-S FILE] [-v] (-e NAME[=SUBJECT] | -i NAME[=SUBJECT])...\n"
"       chan-bridge --stat FILE\n"
"\n"
"  -e, --export NAME[=SUBJECT]  drain local channel NAME, publish on SUBJECT\n"
"  -i, --import NAME[=SUBJECT]  subscribe to SUBJECT, send into channel NAME\n"
"                               (SUBJECT defaults to chan.NAME)\n"
"  -s, --server URL             NATS server (default nats://127.0.0.1:4222)\n"
"  -J, --jetstream              carry queues through JetStream: stored,\n"
"                               acknowledged, redelivered\n"
"  -m, --js-max N               messages a stream holds before exports wait\n"
"                               (default 65536)\n"
"  -g, --group GROUP            queue group of queue and call imports\n"
"                               (default chan)\n"
"  -T, --call-timeout MS        deadline of a bridged call (default 5000)\n"
"  -w, --workers N              calls carried at once per rule (default 4)\n"
"  -S, --stat-file FILE         keep the counters in FILE (every 0.5 s)\n"
"      --stat FILE              print the counters a bridge keeps in FILE\n"
"  -v, --verbose                log ends of stream and errors\n");
}

void bridge_log(const struct rule *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->b->verbose)
		return;
	fprintf(stderr, "chan-bridge: %s %s: ",
		r->dir == EXPORT ? "export" : "import", r->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void count_msg(struct rule *r, size_t len)
{
	atomic_fetch_add(&r->c.msgs, 1);
	atomic_fetch_add(&r->c.bytes, len);
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case CHAN_KIND_QUEUE:		return "queue";
	case CHAN_KIND_BROADCAST:	return "broadcast";
	case CHAN_KIND_REQREP:		return "reqrep";
	case CHAN_KIND_ONESHOT:		return "oneshot";
	case CHAN_KIND_RENDEZVOUS:	return "rendezvous";
	}
	return "?";
}

/* NATS subject tokens and stream names: no space, '*', '>' or '.'. */
static void sanitize(char *dst, size_t n, const char *src, bool dots)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++) {
		char ch = src[i];

		if (ch <= ' ' || ch == '*' || ch == '>' || ch > '~' ||
		    (!dots && ch == '.'))
			ch = '_';
		dst[i] = ch;
	}
	dst[i] = 0;
}

static int parse_rule(struct bridge *b, enum dir dir, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
	struct rule *r;
	char tok[CHAN_NAME_MAX];

	if (!nlen || nlen >= CHAN_NAME_MAX || (eq && !eq[1]) ||
	    (eq && strlen(eq + 1) >= SUBJECT_MAX)) {
		fprintf(stderr, "chan-bridge: bad rule '%s'\n", arg);
		return -1;
	}
	r = realloc(b->rules, (b->nrules + 1) * sizeof(*r));
	if (!r)
		return -1;
	b->rules = r;
	r = &b->rules[b->nrules++];
	memset(r, 0, sizeof(*r));
	r->dir = dir;
	r->fd = -1;
	memcpy(r->name, arg, nlen);
	sanitize(tok, sizeof(tok), r->name, false);
	if (eq)
		sanitize(r->subject, sizeof(r->subject), eq + 1, true);
	else
		snprintf(r->subject, sizeof(r->subject), "chan.%s", tok);
	snprintf(r->eof_subject, sizeof(r->eof_subject), "%s.eof",
		 r->subject);
	sanitize(tok, sizeof(tok), r->subject, false);
	snprintf(r->stream, sizeof(r->stream), "CHAN_%s", tok);
	return 0;
}

static int open_rule(struct rule *r)
{
	int role = r->dir == EXPORT ? CHAN_ROLE_RECV : CHAN_ROLE_SEND;
	int ret;

	r->fd = chan_open(r->name, role, 0);
	if (r->fd < 0) {
		fprintf(stderr, "chan-bridge: open '%s': %s\n", r->name,
			strerror(-r->fd));
		return -1;
	}
	r->info.size = sizeof(r->info);
	ret = chan_stat(r->fd, &r->info);
	if (ret < 0) {
		fprintf(stderr, "chan-bridge: stat '%s': %s\n", r->name,
			strerror(-ret));
		return -1;
	}
	return 0;
}

static int start_rule(struct rule *r)
{
	switch (r->info.kind) {
	case CHAN_KIND_QUEUE:
		return r->b->jetstream ? js_start(r) : core_start(r);
	case CHAN_KIND_BROADCAST:
		return core_start(r);
	case CHAN_KIND_REQREP:
		return call_start(r);
	}
	fprintf(stderr, "chan-bridge: '%s' is a %s channel: only queue, broadcast and reqrep channels cross hosts\n",
		r->name, kind_name(r->info.kind));
	return -1;
}

static void write_stats(const struct bridge *b)
{
	char tmp[4096];
	FILE *f;
	int i;

	if (!b->stat_file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", b->stat_file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (i = 0; i < b->nrules; i++) {
		const struct rule *r = &b->rules[i];

		fprintf(f, "%s %s %s %s msgs=%llu bytes=%llu refused=%llu lost=%llu dups=%llu resent=%llu errors=%llu eof=%llu\n",
			r->dir == EXPORT ? "export" : "import",
			kind_name(r->info.kind), r->name, r->subject,
			(unsigned long long)atomic_load(&r->c.msgs),
			(unsigned long long)atomic_load(&r->c.bytes),
			(unsigned long long)atomic_load(&r->c.refused),
			(unsigned long long)atomic_load(&r->c.lost),
			(unsigned long long)atomic_load(&r->c.dups),
			(unsigned long long)atomic_load(&r->c.resent),
			(unsigned long long)atomic_load(&r->c.errors),
			(unsigned long long)atomic_load(&r->c.eof));
	}
	if (fclose(f) == 0)
		rename(tmp, b->stat_file);
}

static void *stats_thread(void *arg)
{
	struct bridge *b = arg;

	while (!atomic_load(&bridge_stop)) {
		write_stats(b);
		sleep_ms(500);
	}
	return NULL;
}

static int print_stats(const char *file)
{
	char line[4096];
	FILE *f = fopen(file, "r");

	if (!f) {
		fprintf(stderr, "chan-bridge: %s: %s\n", file, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}

static void on_signal(int sig)
{
	atomic_store(&bridge_stop, true);
}

static int connect_nats(struct bridge *b)
{
	natsOptions *o = NULL;
	natsStatus s;

	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetURL(o, b->url);
	/* Ride out a server restart: reconnect for ever, buffer meanwhile. */
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, 100);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectBufSize(o, 64 << 20);
	if (s == NATS_OK)
		s = natsOptions_SetRetryOnFailedConnect(o, true, NULL, NULL);
	if (s == NATS_OK)
		s = natsConnection_Connect(&b->nc, o);
	/* Not connected yet is fine: it goes on trying. */
	if (s == NATS_NOT_YET_CONNECTED)
		s = NATS_OK;
	natsOptions_Destroy(o);
	if (s != NATS_OK) {
		fprintf(stderr, "chan-bridge: %s: %s\n", b->url,
			natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

static const struct option longopts[] = {
	{ "export", required_argument, NULL, 'e' },
	{ "import", required_argument, NULL, 'i' },
	{ "server", required_argument, NULL, 's' },
	{ "jetstream", no_argument, NULL, 'J' },
	{ "js-max", required_argument, NULL, 'm' },
	{ "group", required_argument, NULL, 'g' },
	{ "call-timeout", required_argument, NULL, 'T' },
	{ "workers", required_argument, NULL, 'w' },
	{ "stat-file", required_argument, NULL, 'S' },
	{ "stat", required_argument, NULL, 'P' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static int parse_args(struct bridge *b, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "e:i:s:Jm:g:T:w:S:vh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'e':
		case 'i':
			if (parse_rule(b, c == 'e' ? EXPORT : IMPORT, optarg))
				return EXIT_USAGE;
			break;
		case 's': b->url = optarg; break;
		case 'J': b->jetstream = true; break;
		case 'm': b->js_max = atoll(optarg); break;
		case 'g': b->group = optarg; break;
		case 'T': b->call_timeout_ms = atoi(optarg); break;
		case 'w': b->call_workers = atoi(optarg); break;
		case 'S': b->stat_file = optarg; break;
		case 'P': exit(print_stats(optarg));
		case 'v': b->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || !b->nrules || b->js_max <= 0 ||
	    b->call_timeout_ms <= 0 || b->call_workers < 1 ||
	    b->call_workers > WORKERS_MAX) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bridge b = {
		.url = "nats://127.0.0.1:4222", .group = "chan",
		.js_max = 65536, .call_timeout_ms = 5000, .call_workers = 4,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t st;
	int i, j, ret;

	ret = parse_args(&b, argc, argv);
	if (ret)
		return ret;
	snprintf(b.id, sizeof(b.id), "%lx.%d", (long)time(NULL), getpid());
	for (i = 0; i < b.nrules; i++) {
		b.rules[i].b = &b;
		if (open_rule(&b.rules[i]))
			return 1;
	}
	if (connect_nats(&b))
		return 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < b.nrules; i++)
		if (start_rule(&b.rules[i]))
			return 1;
	pthread_create(&st, NULL, stats_thread, &b);
	/* Each rule's workers end at its end of stream or at a signal. */
	for (i = 0; i < b.nrules; i++)
		for (j = 0; j < b.rules[i].nworkers; j++)
			pthread_join(b.rules[i].workers[j], NULL);
	atomic_store(&bridge_stop, true);
	pthread_join(st, NULL);
	natsConnection_Flush(b.nc);
	write_stats(&b);
	for (i = 0; i < b.nrules; i++) {
		chan_close(b.rules[i].fd);
		if (b.rules[i].js)
			jsCtx_Destroy(b.rules[i].js);
	}
	natsConnection_Destroy(b.nc);
	free(b.rules);
	return 0;
}
