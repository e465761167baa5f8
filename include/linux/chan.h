/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: the in-kernel channel API.
 *
 * Kernel code creates channels, sends to and receives from them, hands them
 * to user space as file descriptors and takes them from descriptors user
 * space passes in.  A channel is reference counted (chan_get()/chan_put());
 * a kernel user that sends or receives also counts as an endpoint of that
 * role (chan_attach()/chan_detach()), so that, for example, receivers see
 * end-of-stream only when the last sender - user or kernel - is gone.
 *
 * Timeouts are in jiffies: 0 never sleeps, MAX_SCHEDULE_TIMEOUT waits for
 * ever.  A call with timeout 0 is safe in any context, hardirq included:
 * it takes no lock and defers its wakeups to irq_work.
 */
#ifndef _LINUX_CHAN_H
#define _LINUX_CHAN_H

#include <linux/types.h>
#include <uapi/linux/chan.h>

struct chan;

/**
 * struct chan_kmsg - one message of a batched kernel send or receive
 * @buf: the message, or room for it
 * @len: its length; for a receive, in: the room, out: the length
 */
struct chan_kmsg {
	void *buf;
	size_t len;
};

struct chan *chan_kcreate(u32 flags, u32 policy, u32 capacity, u32 msg_max);
struct chan *chan_klookup(const char *name);
int chan_kname(struct chan *ch, const char *name);
void chan_kunlink(struct chan *ch);
void chan_get(struct chan *ch);
void chan_put(struct chan *ch);
void chan_attach(struct chan *ch, u32 role);
void chan_detach(struct chan *ch, u32 role);
struct chan *chan_fdget(int fd, u32 role);
int chan_fd_install(struct chan *ch, u32 role, u32 flags);
ssize_t chan_ksend(struct chan *ch, const void *buf, size_t len,
		   long timeout);
ssize_t chan_krecv(struct chan *ch, void *buf, size_t len, long timeout);
int chan_ksend_batch(struct chan *ch, const struct chan_kmsg *msgs,
		     unsigned int n, long timeout);
int chan_krecv_batch(struct chan *ch, struct chan_kmsg *msgs,
		     unsigned int n, long timeout);
void chan_kclose(struct chan *ch);
u64 chan_id(const struct chan *ch);
u32 chan_kind(const struct chan *ch);

#endif /* _LINUX_CHAN_H */
