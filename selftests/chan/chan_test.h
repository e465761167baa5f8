/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the chan selftests. */
#ifndef CHAN_TEST_H
#define CHAN_TEST_H

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/chan.h>

/* The ABI is the same for 32- and 64-bit callers: prove the layout. */
_Static_assert(sizeof(struct chan_version) == 40, "chan_version layout");
_Static_assert(sizeof(struct chan_create) == 64, "chan_create layout");
_Static_assert(sizeof(struct chan_open) == 40, "chan_open layout");
_Static_assert(sizeof(struct chan_unlink) == 16, "chan_unlink layout");
_Static_assert(sizeof(struct chan_info) == 224, "chan_info layout");
_Static_assert(sizeof(struct chan_list) == 24, "chan_list layout");
_Static_assert(__builtin_offsetof(struct chan_create, name) == 32,
	       "chan_create.name offset");
_Static_assert(__builtin_offsetof(struct chan_info, id) == 64,
	       "chan_info.id offset");

static inline int chan_dev_open(void)
{
	return open("/dev/chan", O_RDWR | O_CLOEXEC);
}

/* Any kind of channel; returns 0 and fills *rfd, *sfd, or -errno. */
static inline int chan_make_full(int dev, uint32_t kind, uint32_t flags,
				 uint32_t policy, uint32_t capacity,
				 uint32_t msg_max, const char *name,
				 uint32_t mode, int *rfd, int *sfd)
{
	struct chan_create c;

	*rfd = -1;
	*sfd = -1;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.kind = kind;
	c.flags = flags;
	c.policy = policy;
	c.capacity = capacity;
	c.msg_max = msg_max;
	c.mode = mode;
	c.name = (uintptr_t)name;
	c.recv_fd = -1;
	c.send_fd = -1;
	if (ioctl(dev, CHAN_IOC_CREATE, &c))
		return -errno;
	*rfd = c.recv_fd;
	*sfd = c.send_fd;
	return 0;
}

/* A queue; returns 0 and fills *rfd, *sfd, or -errno. */
static inline int chan_make(int dev, uint32_t flags, uint32_t policy,
			    uint32_t capacity, uint32_t msg_max,
			    const char *name, uint32_t mode, int *rfd, int *sfd)
{
	return chan_make_full(dev, CHAN_KIND_QUEUE, flags, policy, capacity,
			      msg_max, name, mode, rfd, sfd);
}

/* An anonymous, non-blocking channel of @kind (msg_max 64, block policy). */
static inline int chan_make_kind(int dev, uint32_t kind, uint32_t capacity,
				 int *rfd, int *sfd)
{
	return chan_make_full(dev, kind, CHAN_NONBLOCK, CHAN_POLICY_BLOCK,
			      capacity, 64, NULL, 0, rfd, sfd);
}

static inline int chan_info_get(int fd, struct chan_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, CHAN_IOC_INFO, info) ? -errno : 0;
}

/* Run @fn in a child as @uid/@gid with no capabilities; its exit code. */
static inline int as_user(uid_t uid, gid_t gid, int (*fn)(const char *),
			  const char *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid))
			_exit(100);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * @n scaled by CHAN_TEST_SCALE percent (default 100).  The guests of the
 * debug kernels, whose race windows the delay points hold open, run the
 * long soaks at a tenth (tools/vm/run-selftests.sh).
 */
static inline unsigned long scaled(unsigned long n)
{
	const char *s = getenv("CHAN_TEST_SCALE");
	unsigned long pct = s ? strtoul(s, NULL, 10) : 100;

	if (!pct || pct > 100)
		pct = 100;
	n = n * pct / 100;
	return n ? n : 1;
}

/* Number of open descriptors of this process. */
static inline int count_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

#endif /* CHAN_TEST_H */

#include <pthread.h>
#include <stdio.h>
#include <time.h>

/* Wait (up to 10 s) until INFO on @fd shows @field >= @want. */
#define WAIT_INFO(fd, field, want) ({					\
	struct chan_info __i;						\
	int __n;							\
	for (__n = 0; __n < 10000; __n++) {				\
		if (chan_info_get((fd), &__i) == 0 &&			\
		    __i.field >= (want))				\
			break;						\
		usleep(1000);						\
	}								\
	__n < 10000;							\
})

static inline uint32_t roundup_pow2(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Message i of a test pattern: "m<i>" padded with a pattern to len. */
static inline void pattern(char *buf, size_t len, unsigned int i)
{
	size_t k;

	for (k = 0; k < len; k++)
		buf[k] = (char)(i * 31 + k * 7 + 1);
	if (len >= sizeof(i))
		memcpy(buf, &i, sizeof(i));
}

/* A module parameter of chan as a number; 0 if it cannot be read. */
static inline unsigned long chan_param_get(const char *name)
{
	char path[128];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/chan/parameters/%s", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lu", &v) != 1)
		v = 0;
	if (f)
		fclose(f);
	return v;
}

/* Set a module parameter of chan; 0 or -1. */
static inline int chan_param_set(const char *name, unsigned long v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/chan/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%lu\n", v);
	return fclose(f);
}

/* Read one line of /proc/self/fdinfo/@fd that starts with @key. */
static inline long long fdinfo_value(int fd, const char *key)
{
	char path[64], line[256];
	long long v = -1;
	size_t kl = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtoll(line + kl + 1, NULL, 0);
			break;
		}
	fclose(f);
	return v;
}

/* NULL the compiler cannot see through, for EFAULT tests. */
static void *volatile null_ptr;
