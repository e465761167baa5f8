// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the in-kernel API (include/linux/chan.h) - kernel code as a
 * producer or consumer, and channels passed between kernel and user space
 * as file descriptors.
 */
#include <linux/chan.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/uio.h>

#include "internal.h"

/**
 * chan_kcreate() - create a queue channel for kernel use
 * @flags: %CHAN_SINGLE_PRODUCER and/or %CHAN_SINGLE_CONSUMER
 * @policy: &enum chan_policy
 * @capacity: messages, rounded up to a power of two
 * @msg_max: largest message in bytes
 *
 * The channel belongs to the calling task's user and IPC namespace and is
 * charged like one user space creates.  It has no endpoint yet: attach
 * kernel users with chan_attach() or hand it out with chan_fd_install().
 *
 * Context: process context, may sleep.
 * Return: the channel with one reference, or an ERR_PTR (-EINVAL, -E2BIG,
 * -EMFILE, -ENOMEM).
 */
struct chan *chan_kcreate(u32 flags, u32 policy, u32 capacity, u32 msg_max)
{
	struct chan_create a = {
		.size = sizeof(a), .kind = CHAN_KIND_QUEUE,
		.flags = flags, .policy = policy, .capacity = capacity,
		.msg_max = msg_max,
	};
	struct chan *ch;

	might_sleep();
	if (flags & ~(CHAN_SINGLE_PRODUCER | CHAN_SINGLE_CONSUMER))
		return ERR_PTR(-EINVAL);
	ch = chan_create(&a);
	if (!IS_ERR(ch))
		ch->kernel = true;
	return ch;
}
EXPORT_SYMBOL_GPL(chan_kcreate);

/**
 * chan_kname() - give a kernel-made channel a name user space can open
 * @ch: a channel made by chan_kcreate() that has never had a name
 * @name: %CHAN_KERNEL_PREFIX followed by visible ASCII characters other
 *	than '/', %CHAN_NAME_MAX - 1 in all at most
 *
 * Names with the prefix are reserved for kernel code: user space can open
 * them but not create them, so no user can take the name first.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a bad name, one without the prefix, or a channel
 * not made by chan_kcreate(); -EBUSY if @ch has or had a name; -EEXIST;
 * -ENOMEM.
 */
int chan_kname(struct chan *ch, const char *name)
{
	might_sleep();
	if (chan_name_valid(name) || !chan_name_kernel(name) || !ch->kernel)
		return -EINVAL;
	return chan_name_add(ch, name);
}
EXPORT_SYMBOL_GPL(chan_kname);

/**
 * chan_kunlink() - remove the name of @ch, if it has one
 * @ch: the channel
 *
 * Context: process context, may sleep.
 */
void chan_kunlink(struct chan *ch)
{
	might_sleep();
	chan_name_del(ch);
}
EXPORT_SYMBOL_GPL(chan_kunlink);

/**
 * chan_klookup() - find a kernel-named channel in the caller's IPC namespace
 * @name: the name, given by chan_kname()
 *
 * Only channels made by chan_kcreate() are found, so a kernel consumer is
 * never handed a channel user space made.  No permission check: kernel
 * code is trusted.
 *
 * Context: process context, may sleep.
 * Return: the channel with a reference, or NULL.
 */
struct chan *chan_klookup(const char *name)
{
	might_sleep();
	return chan_name_lookup(name, true);
}
EXPORT_SYMBOL_GPL(chan_klookup);

/**
 * chan_attach() - count the caller as an endpoint of @role
 * @ch: the channel
 * @role: %CHAN_ROLE_SEND or %CHAN_ROLE_RECV
 *
 * A kernel sender keeps receivers from seeing end-of-stream; a kernel
 * receiver keeps senders from seeing %EPIPE.
 *
 * Context: any.
 */
void chan_attach(struct chan *ch, u32 role)
{
	chan_end_get(ch, role);
}
EXPORT_SYMBOL_GPL(chan_attach);

/**
 * chan_detach() - undo chan_attach()
 * @ch: the channel
 * @role: the role attached
 *
 * The last sender leaving closes the channel for sending.
 *
 * Context: any.
 */
void chan_detach(struct chan *ch, u32 role)
{
	chan_end_put(ch, role);
}
EXPORT_SYMBOL_GPL(chan_detach);

/**
 * chan_fdget() - take the channel behind a descriptor of the current task
 * @fd: a chan endpoint descriptor
 * @role: the role the descriptor must have
 *
 * On success the caller holds a reference and is attached as @role; undo
 * with chan_detach() and chan_put().
 *
 * Context: process context.
 * Return: the channel, or ERR_PTR(-EBADF) if @fd is not a chan endpoint
 * of @role.
 */
struct chan *chan_fdget(int fd, u32 role)
{
	struct chan *ch = ERR_PTR(-EBADF);
	struct file *file = fget(fd);
	struct chan_ep *ep;

	if (!file)
		return ch;
	ep = chan_ep_of(file);
	if (ep && ep->role == role) {
		ch = ep->ch;
		chan_get(ch);
		chan_end_get(ch, role);
	}
	fput(file);
	return ch;
}
EXPORT_SYMBOL_GPL(chan_fdget);

/**
 * chan_fd_install() - hand a channel to the current task as a descriptor
 * @ch: the channel (the descriptor takes a reference of its own)
 * @role: %CHAN_ROLE_SEND or %CHAN_ROLE_RECV
 * @flags: %CHAN_CLOEXEC and/or %CHAN_NONBLOCK
 *
 * Context: process context, may sleep.
 * Return: the descriptor, or a negative errno.
 */
int chan_fd_install(struct chan *ch, u32 role, u32 flags)
{
	might_sleep();
	if ((role != CHAN_ROLE_SEND && role != CHAN_ROLE_RECV) ||
	    (flags & ~(CHAN_CLOEXEC | CHAN_NONBLOCK)))
		return -EINVAL;
	return chan_ep_fd(ch, role, flags);
}
EXPORT_SYMBOL_GPL(chan_fd_install);

/**
 * chan_ksend() - send one message from kernel memory
 * @ch: the channel
 * @buf: the message
 * @len: its length, 1 .. msg_max
 * @timeout: jiffies to wait for room: 0 never sleeps, MAX_SCHEDULE_TIMEOUT
 *	waits for ever
 *
 * A rendezvous channel's send must wait for its receiver, so with @timeout
 * 0 it fails with -EAGAIN (as on every %CHAN_KF_HANDOFF kind).
 *
 * Context: any context with @timeout 0 (hardirq and softirq included);
 * otherwise process context, may sleep.
 * Return: @len, or -EMSGSIZE, -EPIPE, -EAGAIN, -ETIMEDOUT, -EBUSY,
 * -EALREADY (oneshot), -ERESTARTSYS.
 */
ssize_t chan_ksend(struct chan *ch, const void *buf, size_t len, long timeout)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter it;

	if (!timeout && (ch->ops->flags & CHAN_KF_HANDOFF))
		return -EAGAIN;
	if (timeout)
		might_sleep();
	iov_iter_kvec(&it, ITER_SOURCE, &kv, 1, len);
	return chan_send_iter(ch, &it, &timeout);
}
EXPORT_SYMBOL_GPL(chan_ksend);

/**
 * chan_krecv() - receive one message into kernel memory
 * @ch: the channel
 * @buf: room for the message
 * @len: bytes of room
 * @timeout: jiffies to wait for a message (see chan_ksend())
 *
 * Context: any context with @timeout 0; otherwise process context, may
 * sleep.
 * Return: the message length, 0 at end of stream, or -EMSGSIZE (message
 * kept), -EAGAIN, -ETIMEDOUT, -EBUSY, -ERESTARTSYS.
 */
ssize_t chan_krecv(struct chan *ch, void *buf, size_t len, long timeout)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter it;

	if (timeout)
		might_sleep();
	iov_iter_kvec(&it, ITER_DEST, &kv, 1, len);
	return chan_ep_recv(ch, NULL, &it, &timeout, NULL);
}
EXPORT_SYMBOL_GPL(chan_krecv);

/**
 * chan_ksend_batch() - send up to @n messages
 * @ch: the channel
 * @msgs: the messages
 * @n: how many
 * @timeout: jiffies to wait in all; only the first message waits
 *
 * Context: as chan_ksend().
 * Return: messages sent (stopping at the first that could not be), or a
 * negative errno if none was.
 */
int chan_ksend_batch(struct chan *ch, const struct chan_kmsg *msgs,
		     unsigned int n, long timeout)
{
	unsigned int i;
	ssize_t r;

	for (i = 0; i < n; i++) {
		r = chan_ksend(ch, msgs[i].buf, msgs[i].len, i ? 0 : timeout);
		if (r < 0)
			return i ? i : r;
	}
	return n;
}
EXPORT_SYMBOL_GPL(chan_ksend_batch);

/**
 * chan_krecv_batch() - receive up to @n messages
 * @ch: the channel
 * @msgs: room for them; each @len is set to the message's length
 * @n: how many
 * @timeout: jiffies to wait for the first message
 *
 * Context: as chan_krecv().
 * Return: messages received (0 at end of stream), or a negative errno if
 * none was.
 */
int chan_krecv_batch(struct chan *ch, struct chan_kmsg *msgs, unsigned int n,
		     long timeout)
{
	unsigned int i;
	ssize_t r;

	for (i = 0; i < n; i++) {
		r = chan_krecv(ch, msgs[i].buf, msgs[i].len, i ? 0 : timeout);
		if (r <= 0)
			return i ? i : r;
		msgs[i].len = r;
	}
	return n;
}
EXPORT_SYMBOL_GPL(chan_krecv_batch);

/**
 * chan_kclose() - close the channel for sending (Go's close())
 * @ch: the channel
 *
 * Context: any.
 */
void chan_kclose(struct chan *ch)
{
	chan_close_send(ch);
}
EXPORT_SYMBOL_GPL(chan_kclose);

/**
 * chan_kind() - the channel's kind
 * @ch: the channel
 *
 * Context: any.
 * Return: its &enum chan_kind, fixed at creation.
 */
u32 chan_kind(const struct chan *ch)
{
	return ch->ops->kind;
}
EXPORT_SYMBOL_GPL(chan_kind);

/**
 * chan_id() - the channel's id, as CHAN_IOC_INFO and the tracepoints show it
 * @ch: the channel
 *
 * Context: any.
 * Return: the id.
 */
u64 chan_id(const struct chan *ch)
{
	return ch->id;
}
EXPORT_SYMBOL_GPL(chan_id);
