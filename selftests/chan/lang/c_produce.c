// SPDX-License-Identifier: GPL-2.0
/*
 * c_produce NAME COUNT: the C side of the cross-language tests
 * (lang_test.sh).  Opens the named channel NAME for sending, sends COUNT
 * messages of lengths that vary with their number, then closes the
 * channel for sending (CHAN_IOC_CLOSE: a named channel stays open when
 * its last sender goes).  Message i is "c-<i>:" followed by i % 40
 * copies of the letter 'a' + i % 26.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/chan.h>

static int die(const char *what)
{
	fprintf(stderr, "c_produce: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct chan_open o = { .size = sizeof(o), .role = CHAN_ROLE_SEND };
	char msg[64];
	long i, count;
	int dev, n;

	if (argc != 3) {
		fprintf(stderr, "usage: c_produce NAME COUNT\n");
		return 2;
	}
	count = atol(argv[2]);
	o.name = (uintptr_t)argv[1];
	dev = open("/dev/chan", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return die("/dev/chan");
	if (ioctl(dev, CHAN_IOC_OPEN, &o))
		return die(argv[1]);
	for (i = 0; i < count; i++) {
		n = snprintf(msg, sizeof(msg), "c-%ld:", i);
		memset(msg + n, 'a' + i % 26, i % 40);
		if (write(o.fd, msg, n + i % 40) != n + i % 40)
			return die("write");
	}
	if (ioctl(o.fd, CHAN_IOC_CLOSE))
		return die("CHAN_IOC_CLOSE");
	return 0;
}
