// SPDX-License-Identifier: GPL-2.0
/*
 * chan-pcap - drain the chan_nftap sample's channel into a pcap file.
 *
 *   chan-pcap -w FILE [-c COUNT] [-t SECONDS]
 *
 * Creates a channel, hands its send end to chan_nftap (attach_fd), writes
 * every captured packet to FILE (pcap, nanosecond timestamps, raw IPv4)
 * until COUNT packets or SECONDS have passed, then detaches.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/chan.h>

#include "../../kmod/samples/chan_nftap.h"

#define PARAM	"/sys/module/chan_nftap/parameters/"
#define LINKTYPE_RAW	101

static int param_write(const char *name, const char *val)
{
	int fd = open(name, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static unsigned long param_read(const char *name)
{
	unsigned long v = 0;
	FILE *f = fopen(name, "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define USAGE "usage: chan-pcap -w FILE [-c COUNT] [-t SECONDS]\n"

int main(int argc, char **argv)
{
	struct chan_create c = {
		.size = sizeof(c), .kind = CHAN_KIND_QUEUE,
		.policy = CHAN_POLICY_FAIL, .capacity = 1024,
		.flags = CHAN_CLOEXEC | CHAN_SINGLE_CONSUMER,
	};
	uint32_t gh[6] = { 0xa1b23c4d, 0x00040002, 0, 0, 0, LINKTYPE_RAW };
	long count = -1, got = 0, dropped0;
	const char *out = NULL;
	double secs = 10, end;
	unsigned long snap;
	char num[32], *buf;
	int opt, dev, ret;
	FILE *f;

	while ((opt = getopt(argc, argv, "w:c:t:h")) != -1) {
		switch (opt) {
		case 'w': out = optarg; break;
		case 'c': count = atol(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'h':
			printf("%s", USAGE);
			return 0;
		default:
			fprintf(stderr, "%s", USAGE);
			return 2;
		}
	}
	if (!out || optind != argc) {
		fprintf(stderr, "%s", USAGE);
		return 2;
	}
	snap = param_read(PARAM "snaplen");
	if (!snap) {
		fprintf(stderr, "chan-pcap: chan_nftap is not loaded\n");
		return 1;
	}
	dev = open("/dev/chan", O_RDWR | O_CLOEXEC);
	c.msg_max = sizeof(struct chan_nftap_hdr) + snap;
	if (dev < 0 || ioctl(dev, CHAN_IOC_CREATE, &c)) {
		perror("chan-pcap: cannot create a channel");
		return 1;
	}
	f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 1;
	}
	gh[4] = snap;
	fwrite(gh, sizeof(gh), 1, f);

	dropped0 = param_read(PARAM "dropped");
	snprintf(num, sizeof(num), "%d", c.send_fd);
	ret = param_write(PARAM "attach_fd", num);
	if (ret) {
		fprintf(stderr, "chan-pcap: cannot attach: %s\n", strerror(-ret));
		return 1;
	}
	close(c.send_fd);	/* the tap holds the send end now */
	fprintf(stderr, "chan-pcap: capturing\n");

	buf = malloc(c.msg_max);
	end = now() + secs;
	while (count < 0 || got < count) {
		struct pollfd p = { .fd = c.recv_fd, .events = POLLIN };
		const struct chan_nftap_hdr *h = (const void *)buf;
		uint32_t rec[4];
		double left = end - now();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)(left * 1000)) <= 0)
			break;
		n = read(c.recv_fd, buf, c.msg_max);
		if (n <= 0)
			break;
		if ((size_t)n < sizeof(*h) || sizeof(*h) + h->caplen != (size_t)n)
			continue;
		rec[0] = h->tstamp_ns / 1000000000ULL;
		rec[1] = h->tstamp_ns % 1000000000ULL;
		rec[2] = h->caplen;
		rec[3] = h->len;
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(buf + sizeof(*h), h->caplen, 1, f);
		got++;
	}
	param_write(PARAM "attach_fd", "-1");
	fclose(f);
	fprintf(stderr, "chan-pcap: %ld packets written to %s, %lu dropped by the tap\n",
		got, out, param_read(PARAM "dropped") - dropped0);
	return 0;
}
