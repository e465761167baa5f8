// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the request/reply kind - calls that wait for the answer to their
 * own request.
 *
 * Requests travel through the channel's lock-free ring like queue
 * messages, each carrying its call id in the slot after the largest
 * message.  The call itself - the caller's room for the reply and its
 * state - lives in an XArray indexed by the id's low 32 bits (the high 32
 * bits are a generation, so an id is never reused while the module is
 * loaded).  The XArray's lock orders callers registering and leaving
 * against servers replying and the last receiver failing everything; no
 * ring operation takes it.
 *
 * A call's state only ever moves forward, by cmpxchg():
 *
 *   WAITING --server claims--> REPLYING --reply copied--> DONE
 *      +--caller gives up--> GONE      (a late reply finds no WAITING)
 *      +--last receiver closes--> FAILED
 *
 * The caller sleeps until the state is DONE or beyond; giving up is a
 * cmpxchg() from WAITING, so it races a server's claim cleanly: whoever
 * wins decides, and a caller that loses to REPLYING waits for the copy to
 * end - a memcpy() from the server's kernel copy of the reply, which
 * cannot fault, so the wait is short even against a hostile server.
 *
 * The XArray's lock is taken with interrupts off: the last receiver may
 * go away from any context (chan_detach()).
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "internal.h"

enum {
	CHAN_CALL_WAITING,
	CHAN_CALL_REPLYING,
	CHAN_CALL_DONE,
	CHAN_CALL_FAILED,
	CHAN_CALL_GONE,
};

/* Replies up to this size travel inside the call itself. */
#define CHAN_REPLY_INLINE	128

/**
 * struct chan_pending - one call waiting for its reply
 * @id: generation << 32 | index in &chan.calls
 * @ref: the caller's, plus a replying server's
 * @state: CHAN_CALL_*
 * @room: the longest reply the caller takes
 * @len: the reply's length, once DONE
 * @wq: the caller sleeps here
 * @reply: the reply once DONE: @short_reply, or the server's kernel copy,
 *	handed over
 * @short_reply: room for a short reply
 *
 * A waiting call holds no buffer for its reply: the server copies the
 * reply into the kernel before it claims the call, and a long reply's
 * copy changes hands.  So callers waiting by the thousand pin a small
 * structure each, not msg_max bytes.
 */
struct chan_pending {
	u64 id;
	refcount_t ref;
	atomic_t state;
	u32 room;
	u32 len;
	wait_queue_head_t wq;
	void *reply;
	u8 short_reply[CHAN_REPLY_INLINE];
};

static void chan_pending_put(struct chan_pending *p)
{
	if (!refcount_dec_and_test(&p->ref))
		return;
	if (p->reply != p->short_reply)
		kvfree(p->reply);
	kfree(p);
}

/* A registered call with room for @room bytes of reply, or an ERR_PTR. */
static struct chan_pending *chan_pending_new(struct chan *ch, u32 room)
{
	struct chan_pending *p;
	u32 idx;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->reply = p->short_reply;
	refcount_set(&p->ref, 1);
	init_waitqueue_head(&p->wq);
	p->room = room;
	/* Reserve the index first, so servers never see a half-made call. */
	ret = xa_alloc_cyclic_irq(&ch->calls, &idx, NULL, xa_limit_32b,
				  &ch->call_next, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto free_p;
	/*
	 * An id names its slot and a 32-bit generation: a stale reply can
	 * reach a later call only if that call took the same slot after
	 * exactly a multiple of 2^32 calls in between (review F21).
	 */
	p->id = (u64)(u32)atomic_inc_return(&ch->call_gen) << 32 | idx;
	xa_store_irq(&ch->calls, idx, p, GFP_KERNEL_ACCOUNT);
	return p;

free_p:
	kfree(p);
	return ERR_PTR(ret);
}

static long chan_call_timeout(const struct chan_call *c)
{
	return chan_timeout_ns(c->timeout_ns, c->flags & CHAN_CALL_ABSTIME);
}

/* Is the wait over: an answer, a failure, or no server left? */
static bool chan_call_over(struct chan *ch, struct chan_pending *p)
{
	return atomic_read(&p->state) >= CHAN_CALL_DONE ||
	       !atomic_read(&ch->receivers);
}

/*
 * Wait for the reply.  Returns 0 with the reply in @p, or -ECONNRESET,
 * -ETIMEDOUT, -ERESTARTSYS or -EINTR (killed while the server copied the
 * reply) with the call given up.
 */
static int chan_call_wait(struct chan *ch, struct chan_pending *p,
			  long timeout)
{
	u64 end = chan_spin_deadline();
	int gone;
	long t;

	if (end) {
		do {
			if (chan_call_over(ch, p))
				break;
		} while (chan_spin_more(end));
	}
	t = wait_event_interruptible_timeout(p->wq, chan_call_over(ch, p),
					     timeout);
	for (;;) {
		/* Pairs with atomic_set_release() in chan_reply_one(). */
		switch (atomic_read_acquire(&p->state)) {
		case CHAN_CALL_DONE:
			return 0;
		case CHAN_CALL_FAILED:
			return -ECONNRESET;
		case CHAN_CALL_WAITING:
			gone = atomic_read(&ch->receivers) ? CHAN_CALL_GONE :
							     CHAN_CALL_FAILED;
			if (atomic_cmpxchg(&p->state, CHAN_CALL_WAITING,
					   gone) != CHAN_CALL_WAITING)
				break;
			if (gone == CHAN_CALL_FAILED)
				return -ECONNRESET;
			return t < 0 ? t : -ETIMEDOUT;
		default:
			/*
			 * REPLYING: the server is copying the reply.  A
			 * caller killed meanwhile leaves at once: the server
			 * holds a reference of its own on @p.
			 */
			if (wait_event_killable(p->wq, atomic_read(&p->state) !=
					       CHAN_CALL_REPLYING))
				return -EINTR;
		}
	}
}

/* Queue the request and wait for its reply; returns its length. */
static long chan_call_do(struct chan *ch, struct chan_pending *p,
			 const struct chan_call *c, bool nonblock)
{
	long timeout = chan_call_timeout(c), room = timeout;
	struct iov_iter it;
	ssize_t ret;
	u32 pos;

	if (nonblock)
		room = 0;
	iov_iter_ubuf(&it, ITER_SOURCE, u64_to_user_ptr(c->req), c->req_len);
	ret = chan_send_queue_id(ch, &it, c->req_len, &room, &pos, &p->id);
	if (ret < 0)
		return ret;
	if (!nonblock)
		timeout = room;
	ret = chan_call_wait(ch, p, timeout);
	if (ret)
		return ret;
	if (copy_to_user(u64_to_user_ptr(c->reply), p->reply, p->len))
		return -EFAULT;
	return p->len;
}

/**
 * chan_ioctl_call() - CHAN_IOC_CALL
 * @ep: a send endpoint of a request/reply channel
 * @file: its file (for O_NONBLOCK)
 * @uarg: the caller's &struct chan_call
 *
 * Return: the reply's length, or a negative errno; the call is gone
 * either way.
 */
long chan_ioctl_call(struct chan_ep *ep, struct file *file,
		     struct chan_call __user *uarg)
{
	struct chan *ch = ep->ch;
	struct chan_pending *p;
	struct chan_call c;
	long ret;

	ret = chan_get_struct(&c, sizeof(c), uarg, CHAN_CALL_SIZE_VER0);
	if (ret)
		return ret;
	if (ep->role != CHAN_ROLE_SEND)
		return -EBADF;
	if (ch->kind != CHAN_KIND_REQREP || (c.flags & ~CHAN_CALL_ABSTIME) ||
	    c.__reserved[0] || c.__reserved[1] || !c.req_len)
		return -EINVAL;
	if (c.req_len > ch->msg_max)
		return -EMSGSIZE;
	/*
	 * A single producer's promise covers the whole call, request and
	 * reply: a second concurrent caller is refused.
	 */
	if ((ch->flags & CHAN_SINGLE_PRODUCER) &&
	    atomic_cmpxchg(&ch->call_busy, 0, 1))
		return -EBUSY;
	p = chan_pending_new(ch, min(c.reply_len, ch->msg_max));
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto unbusy;
	}
	ret = chan_call_do(ch, p, &c, file->f_flags & O_NONBLOCK);
	xa_erase_irq(&ch->calls, (u32)p->id);
	if (ret >= 0 && put_user((u32)ret, &uarg->reply_len))
		ret = -EFAULT;
	if (put_user(p->id, &uarg->id) && ret >= 0)
		ret = -EFAULT;
	chan_pending_put(p);
unbusy:
	if (ch->flags & CHAN_SINGLE_PRODUCER)
		/* Pairs with the cmpxchg() of the next caller. */
		atomic_set_release(&ch->call_busy, 0);
	/* Never restarted: the server may have seen the request. */
	return ret == -ERESTARTSYS ? -EINTR : ret;
}

/*
 * Hand a reply already in kernel memory to call @id; a long one's buffer
 * *@buf (kvmalloc()ed) passes to the call, and *@buf becomes NULL.
 */
static int chan_reply_kernel(struct chan *ch, u64 id, void **buf, u32 len)
{
	struct chan_pending *p;
	int ret = -ENOENT;

	xa_lock_irq(&ch->calls);
	p = xa_load(&ch->calls, (u32)id);
	if (p && p->id == id && atomic_read(&p->state) == CHAN_CALL_WAITING) {
		if (len > p->room)
			ret = -EMSGSIZE;
		else if (atomic_cmpxchg(&p->state, CHAN_CALL_WAITING,
					CHAN_CALL_REPLYING) ==
			 CHAN_CALL_WAITING)
			ret = 0;
	}
	if (!ret)
		refcount_inc(&p->ref);
	xa_unlock_irq(&ch->calls);
	if (ret)
		return ret;

	chan_delay(CHAN_DP_REPLY);
	if (len <= sizeof(p->short_reply)) {
		memcpy(p->short_reply, *buf, len);
	} else {
		p->reply = *buf;
		*buf = NULL;
	}
	p->len = len;
	/* Pairs with atomic_read_acquire() in chan_call_wait(). */
	atomic_set_release(&p->state, CHAN_CALL_DONE);
	wake_up(&p->wq);
	chan_pending_put(p);
	return 0;
}

/**
 * chan_reply_one() - answer one call
 * @ch: a request/reply channel
 * @id: the call's id, from the server's receive
 * @buf: user pointer to the reply
 * @len: its length, 0 .. msg_max
 *
 * The reply is copied from user space before the call is claimed, so no
 * caller ever waits on a fault in the server's memory.
 *
 * Return: 0, or -ENOENT (no call @id is waiting), -EMSGSIZE (longer
 * than the caller's room; the call still waits), -EFAULT or -ENOMEM
 * (likewise).
 */
int chan_reply_one(struct chan *ch, u64 id, const void __user *buf, u32 len)
{
	u8 stack[CHAN_REPLY_INLINE];
	void *kbuf = stack;
	int ret;

	if (len > sizeof(stack)) {
		kbuf = kvmalloc(len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!kbuf)
			return -ENOMEM;
	}
	ret = copy_from_user(kbuf, buf, len) ? -EFAULT :
	      chan_reply_kernel(ch, id, &kbuf, len);
	if (kbuf != stack)
		kvfree(kbuf);
	return ret;
}

/* Is call @id still waiting for its reply? */
static bool chan_call_waiting(struct chan *ch, u64 id)
{
	struct chan_pending *p;
	bool waiting;

	xa_lock_irq(&ch->calls);
	p = xa_load(&ch->calls, (u32)id);
	waiting = p && p->id == id &&
		  atomic_read(&p->state) == CHAN_CALL_WAITING;
	xa_unlock_irq(&ch->calls);
	return waiting;
}

/**
 * chan_serve_recv() - receive the next request a caller still waits for
 * @ch: a request/reply channel
 * @to: room for the request
 * @timeout: as for chan_recv_iter()
 * @id: out: the request's call id
 *
 * A request whose caller timed out, was interrupted or died before a
 * server took it is skipped and counted (&chan_info.cancelled), so that no
 * server works for a caller that is gone.  A caller may still give up
 * once its request is taken; its reply then fails with %ENOENT.
 *
 * Return: as for chan_recv_iter().
 */
ssize_t chan_serve_recv(struct chan *ch, struct iov_iter *to, long *timeout,
			u64 *id)
{
	ssize_t ret;

	for (;;) {
		ret = chan_recv_queue_id(ch, to, timeout, id);
		if (ret <= 0 || chan_call_waiting(ch, *id))
			return ret;
		atomic64_inc(&ch->cancelled);
		iov_iter_revert(to, ret);
	}
}

/**
 * chan_calls_fail() - fail every waiting call: the last receiver is gone
 * @ch: a request/reply channel
 */
void chan_calls_fail(struct chan *ch)
{
	struct chan_pending *p;
	unsigned long idx, flags;

	xa_lock_irqsave(&ch->calls, flags);
	xa_for_each(&ch->calls, idx, p) {
		atomic_cmpxchg(&p->state, CHAN_CALL_WAITING,
			       CHAN_CALL_FAILED);
		wake_up(&p->wq);
	}
	xa_unlock_irqrestore(&ch->calls, flags);
}
