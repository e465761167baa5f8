// SPDX-License-Identifier: GPL-2.0
/*
 * natsbench - the two ends of B11 (tools/bridgebench.sh): a stream and
 * calls through chan-bridge, against the same through plain NATS
 * clients, in one guest.
 *
 *   natsbench send-chan NAME N SIZE     N messages into a local channel
 *   natsbench recv-chan NAME N          take N, print "RATE msgs/s"
 *   natsbench call-chan NAME N          N calls one after another, print
 *                                       "LAT p50_ns p99_ns"
 *   natsbench pub URL SUBJECT N SIZE    N messages on a subject
 *   natsbench sub URL SUBJECT N         take N (queue group chan), RATE
 *   natsbench req URL SUBJECT N         N requests, LAT
 *   natsbench reply URL SUBJECT         answer requests until killed
 *
 * A rate is taken from the first message to the last, on the receiving
 * side, so that start-up and the wait for the first message do not count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "libchan.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "natsbench: %s: %s\n", what, why);
	exit(1);
}

static void rate(uint64_t first, uint64_t last, long n)
{
	printf("RATE %.0f\n", last > first ? (n - 1) * 1e9 / (last - first) : 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void latencies(uint64_t *lat, long n)
{
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("LAT %llu %llu\n", (unsigned long long)lat[n / 2],
	       (unsigned long long)lat[n * 99 / 100]);
}

static natsConnection *connect_to(const char *url)
{
	natsConnection *nc = NULL;
	natsStatus s = natsConnection_ConnectTo(&nc, url);

	if (s != NATS_OK)
		die(url, natsStatus_GetText(s));
	return nc;
}

static int open_or_die(const char *name, int role)
{
	int fd = chan_open(name, role, 0);

	if (fd < 0)
		die(name, strerror(-fd));
	return fd;
}

static void send_chan(const char *name, long n, size_t size)
{
	int fd = open_or_die(name, CHAN_ROLE_SEND);
	char buf[65536] = { 0 };
	long i;

	for (i = 0; i < n; i++)
		if (chan_send(fd, buf, size, -1) != (ssize_t)size)
			die(name, "send");
}

static void recv_chan(const char *name, long n)
{
	int fd = open_or_die(name, CHAN_ROLE_RECV);
	uint64_t first = 0;
	char buf[65536];
	long i;

	for (i = 0; i < n; i++) {
		if (chan_recv(fd, buf, sizeof(buf), -1) <= 0)
			die(name, "receive");
		if (!i)
			first = now_ns();
	}
	rate(first, now_ns(), n);
}

static void call_chan(const char *name, long n)
{
	int fd = open_or_die(name, CHAN_ROLE_SEND);
	uint64_t *lat = calloc(n, sizeof(*lat)), t;
	char req[64] = "ping", reply[4096];
	long i;

	for (i = 0; lat && i < n; i++) {
		t = now_ns();
		if (chan_call(fd, req, sizeof(req), reply, sizeof(reply),
			      5000) < 0)
			die(name, "call");
		lat[i] = now_ns() - t;
	}
	latencies(lat, n);
}

static void pub(const char *url, const char *subj, long n, size_t size)
{
	natsConnection *nc = connect_to(url);
	char buf[65536] = { 0 };
	long i;

	for (i = 0; i < n; i++)
		while (natsConnection_Publish(nc, subj, buf, (int)size) !=
		       NATS_OK)
			nats_Sleep(1);
	natsConnection_FlushTimeout(nc, 60000);
	natsConnection_Destroy(nc);
}

static void sub(const char *url, const char *subj, long n)
{
	natsConnection *nc = connect_to(url);
	natsSubscription *s = NULL;
	uint64_t first = 0;
	natsMsg *m;
	long i;

	if (natsConnection_QueueSubscribeSync(&s, nc, subj, "chan") !=
	    NATS_OK ||
	    natsSubscription_SetPendingLimits(s, -1, -1) != NATS_OK)
		die(subj, "subscribe");
	natsConnection_Flush(nc);
	printf("READY\n");
	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (natsSubscription_NextMsg(&m, s, 60000) != NATS_OK)
			die(subj, "no message for 60 s");
		natsMsg_Destroy(m);
		if (!i)
			first = now_ns();
	}
	rate(first, now_ns(), n);
	natsSubscription_Destroy(s);
	natsConnection_Destroy(nc);
}

static void req(const char *url, const char *subj, long n)
{
	natsConnection *nc = connect_to(url);
	uint64_t *lat = calloc(n, sizeof(*lat)), t;
	char buf[64] = "ping";
	natsMsg *m;
	long i;

	for (i = 0; lat && i < n; i++) {
		t = now_ns();
		if (natsConnection_Request(&m, nc, subj, buf, sizeof(buf),
					   5000) != NATS_OK)
			die(subj, "request");
		lat[i] = now_ns() - t;
		natsMsg_Destroy(m);
	}
	latencies(lat, n);
	natsConnection_Destroy(nc);
}

static void reply(const char *url, const char *subj)
{
	natsConnection *nc = connect_to(url);
	natsSubscription *s = NULL;
	natsMsg *m;

	if (natsConnection_QueueSubscribeSync(&s, nc, subj, "chan") != NATS_OK)
		die(subj, "subscribe");
	natsConnection_Flush(nc);
	printf("READY\n");
	fflush(stdout);
	for (;;) {
		if (natsSubscription_NextMsg(&m, s, 1000) != NATS_OK)
			continue;
		natsConnection_Publish(nc, natsMsg_GetReply(m),
				       natsMsg_GetData(m),
				       natsMsg_GetDataLength(m));
		natsMsg_Destroy(m);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "send-chan") && argc == 5)
		send_chan(argv[2], atol(argv[3]), atol(argv[4]) % 65536);
	else if (!strcmp(mode, "recv-chan") && argc == 4)
		recv_chan(argv[2], atol(argv[3]));
	else if (!strcmp(mode, "call-chan") && argc == 4)
		call_chan(argv[2], atol(argv[3]));
	else if (!strcmp(mode, "pub") && argc == 6)
		pub(argv[2], argv[3], atol(argv[4]), atol(argv[5]) % 65536);
	else if (!strcmp(mode, "sub") && argc == 5)
		sub(argv[2], argv[3], atol(argv[4]));
	else if (!strcmp(mode, "req") && argc == 5)
		req(argv[2], argv[3], atol(argv[4]));
	else if (!strcmp(mode, "reply") && argc == 4)
		reply(argv[2], argv[3]);
	else {
		fprintf(stderr, "usage: see the comment at the top of natsbench.c\n");
		return 2;
	}
	return 0;
}
