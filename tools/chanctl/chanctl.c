// SPDX-License-Identifier: GPL-2.0
/*
 * chanctl - create, list, inspect, feed, drain and remove chan channels.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/chan.h>

#define EXIT_USAGE	2

static const char *prog = "chanctl";

static void usage(FILE *f)
{
	fprintf(f,
"usage: chanctl COMMAND [ARGS]\n"
"\n"
"  create NAME [-k KIND] [-c CAP] [-m MSGMAX] [-p POLICY] [-M MODE]\n"
"              [--sp] [--sc] [--mmap]\n"
"                  make a named channel (KIND: queue, oneshot,\n"
"                  rendezvous, broadcast, reqrep; POLICY: block, fail, drop, overwrite;\n"
"                  MODE in octal, default 0600; --mmap: a mappable\n"
"                  single-producer single-consumer queue)\n"
"  ls [-n]         list the channels of this IPC namespace (-n: numeric\n"
"                  owner and group)\n"
"  stat NAME [-i SECS] [-n COUNT]\n"
"                  show a channel's counters; refreshes on a terminal\n"
"  send NAME [-x] [-f FILE] [MSG...]\n"
"                  send each MSG, else each line of FILE or stdin\n"
"                  (-x: messages are hex)\n"
"  recv NAME [-n COUNT] [-w] [-x]\n"
"                  print queued messages, one per line (-w: wait for\n"
"                  COUNT messages or end of stream; -x: print hex)\n"
"  call NAME MSG [-t MS]\n"
"                  call a reqrep channel with MSG and print the reply\n"
"                  (-t: give up after MS milliseconds)\n"
"  serve NAME [-n COUNT] [-p PREFIX]\n"
"                  answer each call of a reqrep channel with PREFIX and\n"
"                  the request (default PREFIX: none), COUNT calls or for ever\n"
"  rm NAME         remove a channel's name\n"
"  limits          how much of the per-user limits you use\n"
"  version         module ABI version and features\n");
}

static int die(const char *what, const char *name, int err)
{
	if (name)
		fprintf(stderr, "%s: %s '%s': %s\n", prog, what, name,
			strerror(err));
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	return 1;
}

static int dev_open(void)
{
	int fd = open("/dev/chan", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		die("cannot open /dev/chan (is the chan module loaded?)",
		    NULL, errno);
		exit(1);
	}
	return fd;
}

static int open_name(const char *name, uint32_t role, uint32_t flags)
{
	struct chan_open o = {
		.size = sizeof(o), .role = role, .flags = flags | CHAN_CLOEXEC,
		.name = (uintptr_t)name,
	};
	int dev = dev_open();

	if (ioctl(dev, CHAN_IOC_OPEN, &o)) {
		int err = errno;

		close(dev);
		die("cannot open channel", name, err);
		exit(1);
	}
	close(dev);
	return o.fd;
}

static const char *policy_name(uint32_t p)
{
	static const char *const n[] = { "block", "fail", "drop", "overwrite" };

	return p < 4 ? n[p] : "?";
}

static int parse_policy(const char *s)
{
	static const char *const n[] = { "block", "fail", "drop", "overwrite" };
	int k;

	for (k = 0; k < 4; k++)
		if (!strcmp(s, n[k]))
			return k;
	return -1;
}

static const char *const kind_names[] = {
	[CHAN_KIND_QUEUE] = "queue",
	[CHAN_KIND_ONESHOT] = "oneshot",
	[CHAN_KIND_RENDEZVOUS] = "rendezvous",
	[CHAN_KIND_BROADCAST] = "broadcast",
	[CHAN_KIND_REQREP] = "reqrep",
};

static const char *kind_name(uint32_t k)
{
	return k && k <= CHAN_KIND_REQREP ? kind_names[k] : "?";
}

/* Returns the kind, or 0 if @s names none. */
static uint32_t parse_kind(const char *s)
{
	uint32_t k;

	for (k = CHAN_KIND_QUEUE; k <= CHAN_KIND_REQREP; k++)
		if (!strcmp(s, kind_names[k]))
			return k;
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sp", no_argument, NULL, 'P' },
		{ "sc", no_argument, NULL, 'C' },
		{ "mmap", no_argument, NULL, 'R' },
		{ "kind", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct chan_create c = {
		.size = sizeof(c), .kind = CHAN_KIND_QUEUE, .capacity = 64,
		.msg_max = 4096, .mode = 0600, .flags = CHAN_CLOEXEC,
	};
	int opt, dev, pol, cap = -1;

	while ((opt = getopt_long(argc, argv, "c:m:p:M:k:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': cap = strtoul(optarg, NULL, 0); break;
		case 'k':
			c.kind = parse_kind(optarg);
			if (!c.kind) {
				fprintf(stderr, "%s: unknown kind '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'm': c.msg_max = strtoul(optarg, NULL, 0); break;
		case 'M': c.mode = strtoul(optarg, NULL, 8); break;
		case 'P': c.flags |= CHAN_SINGLE_PRODUCER; break;
		case 'C': c.flags |= CHAN_SINGLE_CONSUMER; break;
		case 'R':
			c.flags |= CHAN_MAPPABLE | CHAN_SINGLE_PRODUCER |
				   CHAN_SINGLE_CONSUMER;
			break;
		case 'p':
			pol = parse_policy(optarg);
			if (pol < 0) {
				fprintf(stderr, "%s: unknown policy '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			c.policy = pol;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c.name = (uintptr_t)argv[optind];
	c.capacity = cap >= 0 ? (uint32_t)cap :
		     c.kind == CHAN_KIND_ONESHOT ||
		     c.kind == CHAN_KIND_RENDEZVOUS ? 0 : 64;
	dev = dev_open();
	if (ioctl(dev, CHAN_IOC_CREATE, &c))
		return die("cannot create channel", argv[optind], errno);
	close(c.recv_fd);
	close(c.send_fd);
	close(dev);
	return 0;
}

static struct chan_info *list_all(uint32_t *n)
{
	struct chan_list l = {
		.size = sizeof(l), .entry_size = sizeof(struct chan_info),
	};
	struct chan_info *e = NULL;
	int dev = dev_open();

	for (;;) {
		if (ioctl(dev, CHAN_IOC_LIST, &l)) {
			die("cannot list channels", NULL, errno);
			exit(1);
		}
		if (l.count >= l.total)
			break;
		l.count = l.total + 16;
		free(e);
		e = calloc(l.count, sizeof(*e));
		if (!e) {
			die("cannot list channels", NULL, ENOMEM);
			exit(1);
		}
		l.entries = (uintptr_t)e;
	}
	close(dev);
	*n = l.count;
	return e;
}

static int numeric;	/* ls -n: owner and group as numbers */

/* An owner or group as ls -l shows it: the name, else the number. */
static const char *id_name(uint32_t id, int group)
{
	static char buf[2][16];
	struct passwd *pw;
	struct group *gr;

	if (!numeric && !group && (pw = getpwuid(id)))
		return pw->pw_name;
	if (!numeric && group && (gr = getgrgid(id)))
		return gr->gr_name;
	snprintf(buf[group], sizeof(buf[group]), "%u", id);
	return buf[group];
}

static void print_header(void)
{
	printf("%-5s %-20s %-10s %-8s %-8s %-4s %-9s %6s %6s %10s %10s %8s %8s %4s %4s\n",
	       "ID", "NAME", "KIND", "OWNER", "GROUP", "MODE", "POLICY", "CAP",
	       "DEPTH", "SENT", "RECEIVED", "DROPPED", "OVERWR", "SND", "RCV");
}

static void print_row(const struct chan_info *i)
{
	printf("%-5llu %-20s %-10s %-8s %-8s %04o %-9s %6u %6llu %10llu %10llu %8llu %8llu %4u %4u\n",
	       (unsigned long long)i->id, i->name[0] ? i->name : "-",
	       kind_name(i->kind), id_name(i->uid, 0), id_name(i->gid, 1),
	       i->mode, policy_name(i->policy), i->capacity,
	       (unsigned long long)i->depth, (unsigned long long)i->sent,
	       (unsigned long long)i->received,
	       (unsigned long long)i->dropped,
	       (unsigned long long)i->overwritten, i->senders, i->receivers);
}

static int cmd_ls(int argc, char **argv)
{
	struct chan_info *e;
	uint32_t n, k;

	if (argc == 2 && !strcmp(argv[1], "-n")) {
		numeric = 1;
	} else if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	e = list_all(&n);
	print_header();
	for (k = 0; k < n; k++)
		print_row(&e[k]);
	free(e);
	return 0;
}

static int find(const char *name, struct chan_info *out)
{
	struct chan_info *e;
	uint32_t n, k;
	int found = 0;

	e = list_all(&n);
	for (k = 0; k < n && !found; k++)
		if (!strcmp(e[k].name, name)) {
			*out = e[k];
			found = 1;
		}
	free(e);
	return found;
}

static int cmd_stat(int argc, char **argv)
{
	int opt, count = -1, tty = isatty(STDOUT_FILENO), k;
	double interval = 1.0;
	struct chan_info i;

	while ((opt = getopt(argc, argv, "i:n:")) != -1) {
		switch (opt) {
		case 'i': interval = atof(optarg); break;
		case 'n': count = atoi(optarg); break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (count < 0)
		count = tty ? 0 : 1;	/* a terminal refreshes until ^C */
	for (k = 0; !count || k < count; k++) {
		struct timespec ts = {
			.tv_sec = (time_t)interval,
			.tv_nsec = (long)((interval - (time_t)interval) * 1e9),
		};

		if (!find(argv[optind], &i)) {
			fprintf(stderr, "%s: no channel '%s'\n", prog,
				argv[optind]);
			return 1;
		}
		if (tty)
			printf("\033[H\033[J");
		if (tty || k == 0)
			print_header();
		print_row(&i);
		fflush(stdout);
		if (!count || k + 1 < count)
			nanosleep(&ts, NULL);
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex in place; returns the length or -1. */
static ssize_t unhex(char *s, size_t len)
{
	size_t k, n = 0;

	for (k = 0; k < len; k += 2) {
		int hi = hexval(s[k]), lo = k + 1 < len ? hexval(s[k + 1]) : -1;

		if (hi < 0 || lo < 0)
			return -1;
		s[n++] = (char)(hi << 4 | lo);
	}
	return n;
}

static int send_one(int fd, const char *name, char *msg, size_t len, int hex)
{
	ssize_t n = len;

	if (hex) {
		n = unhex(msg, len);
		if (n < 0) {
			fprintf(stderr, "%s: not hex: '%s'\n", prog, msg);
			return EXIT_USAGE;
		}
	}
	if (write(fd, msg, n) != n)
		return die("cannot send to channel", name, errno);
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	const char *file = NULL, *name;
	int opt, hex = 0, fd, ret = 0, k;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *in;

	while ((opt = getopt(argc, argv, "xf:")) != -1) {
		switch (opt) {
		case 'x': hex = 1; break;
		case 'f': file = optarg; break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[optind++];
	fd = open_name(name, CHAN_ROLE_SEND, 0);
	if (optind < argc) {
		for (k = optind; k < argc && !ret; k++)
			ret = send_one(fd, name, argv[k], strlen(argv[k]), hex);
		return ret;
	}
	in = file ? fopen(file, "r") : stdin;
	if (!in)
		return die("cannot open", file, errno);
	while (!ret && (len = getline(&line, &cap, in)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		ret = send_one(fd, name, line, len, hex);
	}
	free(line);
	return ret;
}

static int cmd_recv(int argc, char **argv)
{
	int opt, hex = 0, wait = 0, fd, count = -1, got = 0;
	struct chan_info info = { .size = sizeof(info) };
	const char *name;
	char *buf;
	ssize_t n, k;

	while ((opt = getopt(argc, argv, "xwn:")) != -1) {
		switch (opt) {
		case 'x': hex = 1; break;
		case 'w': wait = 1; break;
		case 'n': count = atoi(optarg); break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[optind];
	fd = open_name(name, CHAN_ROLE_RECV, wait ? 0 : CHAN_NONBLOCK);
	if (ioctl(fd, CHAN_IOC_INFO, &info))
		return die("cannot query channel", name, errno);
	buf = malloc(info.msg_max);
	if (!buf)
		return die("cannot receive", name, ENOMEM);
	while (count < 0 || got < count) {
		n = read(fd, buf, info.msg_max);
		if (n == 0)
			break;		/* end of stream */
		if (n < 0) {
			if (errno == EAGAIN && !wait)
				break;
			return die("cannot receive from channel", name, errno);
		}
		if (hex)
			for (k = 0; k < n; k++)
				printf("%02x", (unsigned char)buf[k]);
		else
			fwrite(buf, 1, n, stdout);
		putchar('\n');
		got++;
	}
	free(buf);
	return 0;
}

static int cmd_call(int argc, char **argv)
{
	struct chan_call c = { .size = sizeof(c),
			       .timeout_ns = CHAN_TIMEOUT_INFINITE };
	struct chan_info info = { .size = sizeof(info) };
	const char *name;
	int opt, fd, n;
	char *reply;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		switch (opt) {
		case 't':
			c.timeout_ns = strtoull(optarg, NULL, 10) * 1000000ULL;
			break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 2 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[optind];
	fd = open_name(name, CHAN_ROLE_SEND, 0);
	if (ioctl(fd, CHAN_IOC_INFO, &info))
		return die("cannot query channel", name, errno);
	reply = malloc(info.msg_max);
	if (!reply)
		return die("cannot call", name, ENOMEM);
	c.req = (uintptr_t)argv[optind + 1];
	c.req_len = strlen(argv[optind + 1]);
	c.reply = (uintptr_t)reply;
	c.reply_len = info.msg_max;
	n = ioctl(fd, CHAN_IOC_CALL, &c);
	if (n < 0)
		return die("cannot call channel", name, errno);
	fwrite(reply, 1, n, stdout);
	putchar('\n');
	free(reply);
	return 0;
}

/* Take one request of a reqrep channel: its length, 0 at the end. */
static int take_request(int fd, char *buf, uint32_t room, __u64 *id)
{
	struct chan_msg m = { .buf = (uintptr_t)buf, .len = room };
	struct chan_batch b = { .size = sizeof(b), .count = 1,
				.msgs = (uintptr_t)&m,
				.timeout_ns = CHAN_TIMEOUT_INFINITE };
	int n = ioctl(fd, CHAN_IOC_RECV_BATCH, &b);

	if (n <= 0)
		return n;
	*id = m.id;
	return m.len;
}

static int cmd_serve(int argc, char **argv)
{
	struct chan_info info = { .size = sizeof(info) };
	int opt, fd, count = -1, got = 0, n;
	const char *name, *prefix = "";
	struct chan_msg m = { 0 };
	struct chan_batch b = { .size = sizeof(b), .count = 1,
				.msgs = (uintptr_t)&m };
	size_t plen;
	char *buf;

	while ((opt = getopt(argc, argv, "n:p:")) != -1) {
		switch (opt) {
		case 'n': count = atoi(optarg); break;
		case 'p': prefix = optarg; break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[optind];
	fd = open_name(name, CHAN_ROLE_RECV, 0);
	if (ioctl(fd, CHAN_IOC_INFO, &info))
		return die("cannot query channel", name, errno);
	plen = strlen(prefix);
	if (plen >= info.msg_max)
		return die("cannot serve", name, EMSGSIZE);
	buf = malloc(info.msg_max);
	if (!buf)
		return die("cannot serve", name, ENOMEM);
	memcpy(buf, prefix, plen);
	while (count < 0 || got < count) {
		n = take_request(fd, buf + plen, info.msg_max - plen, &m.id);
		if (n == 0)
			break;
		if (n < 0)
			return die("cannot serve channel", name, errno);
		m.buf = (uintptr_t)buf;
		m.len = plen + n;
		/* A caller that gave up meanwhile is not an error. */
		if (ioctl(fd, CHAN_IOC_REPLY, &b) < 0 && errno != ENOENT)
			return die("cannot reply on channel", name, errno);
		got++;
	}
	free(buf);
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	struct chan_unlink u = { .size = sizeof(u) };
	int dev;

	if (argc != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	u.name = (uintptr_t)argv[1];
	dev = dev_open();
	if (ioctl(dev, CHAN_IOC_UNLINK, &u))
		return die("cannot remove channel", argv[1], errno);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	static const char *const feat[] = {
		"queue", "policy", "names", "list", "info", "batch",
		"oneshot", "rendezvous", "broadcast", "reqrep", "mmap",
		"limits",
	};
	const int nfeat = sizeof(feat) / sizeof(feat[0]);
	struct chan_version v = { .size = sizeof(v) };
	int dev = dev_open(), k;

	if (ioctl(dev, CHAN_IOC_VERSION, &v))
		return die("cannot query the module", NULL, errno);
	printf("chan ABI %u (chanctl built for %u)\nfeatures:", v.abi_version,
	       CHAN_ABI_VERSION);
	for (k = 0; k < 64; k++)
		if (v.features & (1ULL << k))
			printf(" %s", k < nfeat ? feat[k] : "?");
	printf("\nmax capacity %u messages, max message %u bytes\n",
	       v.max_capacity, v.max_msg_size);
	return 0;
}

static int cmd_limits(int argc, char **argv)
{
	struct chan_limits l = { .size = sizeof(l) };
	int dev;

	if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	dev = dev_open();
	if (ioctl(dev, CHAN_IOC_LIMITS, &l))
		return die("cannot query the limits", NULL, errno);
	printf("channels: %u of %u, %u left\n", l.channels, l.max_channels,
	       l.channels_left);
	printf("ring memory: %llu of %llu bytes, %llu left\n",
	       (unsigned long long)l.bytes, (unsigned long long)l.max_bytes,
	       (unsigned long long)l.bytes_left);
	if (l.flags & CHAN_LIMITS_EXEMPT)
		printf("exempt: CAP_SYS_RESOURCE lifts both limits\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "create", cmd_create }, { "ls", cmd_ls }, { "stat", cmd_stat },
		{ "send", cmd_send }, { "recv", cmd_recv }, { "rm", cmd_rm },
		{ "call", cmd_call }, { "serve", cmd_serve },
		{ "limits", cmd_limits }, { "version", cmd_version },
	};
	unsigned int k;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(argv[1], cmds[k].name))
			return cmds[k].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
