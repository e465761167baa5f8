/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libchan - a small C library over /dev/chan.
 *
 * Every function returns a negative errno on failure, never sets errno as
 * its only report, and never raises SIGPIPE.  Timeouts are in
 * milliseconds: -1 waits for ever, 0 never waits.
 */
#ifndef LIBCHAN_H
#define LIBCHAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <linux/chan.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct chan_opts - how to make a channel; zero means the default
 * @capacity: messages (default 64 for a queue)
 * @msg_max: largest message in bytes (default 4096)
 * @policy: enum chan_policy (default CHAN_POLICY_BLOCK)
 * @flags: CHAN_SINGLE_PRODUCER, CHAN_SINGLE_CONSUMER, CHAN_NONBLOCK,
 *	CHAN_MAPPABLE (CHAN_CLOEXEC is always set).  The descriptors of a
 *	CHAN_MAPPABLE channel have its ring mapped: chan_send(), chan_recv(),
 *	chan_sendv() and chan_recvv() then move messages without system
 *	calls while neither side has to sleep; close them with chan_close().
 * @name: a name other processes can open, or NULL
 * @mode: permission bits for a named channel (default 0600)
 * @kind: enum chan_kind (default CHAN_KIND_QUEUE); a oneshot or rendezvous
 *	channel's capacity defaults to 0, every other kind's to 64
 */
struct chan_opts {
	uint32_t capacity;
	uint32_t msg_max;
	uint32_t policy;
	uint32_t flags;
	const char *name;
	uint32_t mode;
	uint32_t kind;
};

/** A channel's two ends. */
struct chan_pair {
	int recv_fd;
	int send_fd;
};

int chan_new(const struct chan_opts *opts, struct chan_pair *out);
int chan_open(const char *name, int role, int flags);
int chan_unlink(const char *name);
/* A new subscriber of a broadcast channel: a receive fd, or -errno. */
int chan_subscribe(int recv_fd, int flags);
int chan_version(struct chan_version *v);
/* The caller's use of the per-user limits (CHAN_IOC_LIMITS): 0 or -errno. */
int chan_limits(struct chan_limits *l);
/* Unmap a mapped ring (if any) and close the descriptor. */
int chan_close(int fd);
/* 1 if chan_send()/chan_recv() on @fd go through a mapped ring. */
int chan_mapped(int fd);

ssize_t chan_send(int fd, const void *buf, size_t len, int timeout_ms);
ssize_t chan_recv(int fd, void *buf, size_t len, int timeout_ms);
int chan_sendv(int fd, const struct iovec *msgs, unsigned int n,
	       int timeout_ms);
int chan_recvv(int fd, struct iovec *msgs, unsigned int n, int timeout_ms);
int chan_close_send(int fd);

/* Request/reply channels (CHAN_KIND_REQREP). */
ssize_t chan_call(int send_fd, const void *req, size_t req_len, void *reply,
		  size_t room, int timeout_ms);
ssize_t chan_recv_req(int recv_fd, void *buf, size_t len, uint64_t *id,
		      int timeout_ms);
int chan_reply(int recv_fd, uint64_t id, const void *buf, size_t len);
int chan_stat(int fd, struct chan_info *info);
int64_t chan_lost(int fd);

/** chan_select() flags */
#define CHAN_SELECT_BIASED	1	/* prefer lower indexes, as listed */

/**
 * struct chan_case - one arm of chan_select()
 * @fd: a receive endpoint (ready when a message or end of stream is
 *	there) or a send endpoint (ready when a send would not block)
 * @ready: out: set when this arm is ready
 */
struct chan_case {
	int fd;
	int ready;
};

int chan_select(struct chan_case *cases, unsigned int n, int timeout_ms,
		int flags);

#ifdef __cplusplus
}
#endif

#endif /* LIBCHAN_H */
