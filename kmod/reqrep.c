// SPDX-License-Identifier: GPL-2.0
/*
 * chan: the request/reply kind - calls that wait for the answer to their
 * own request.
 *
 * Requests travel through the channel's lock-free ring like queue
 * messages, each carrying its call id in the slot after the largest
 * message.  The call itself - the caller's room for the reply and its
 * state - lives in an XArray (&chan_reqrep.calls) indexed by the id's low 32 bits (the high 32
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
 * struct chan_reqrep - a request/reply channel's own state
 * @ch: the channel
 * @calls: calls waiting for their replies, by id
 * @call_next: next index to try in @calls
 * @call_gen: generation of call ids
 * @call_busy: a caller of a single-producer channel is in progress
 * @cancelled: requests skipped because their caller was gone
 * @calls_work: fails the calls for a last receiver that left where it
 *	could not (holds a reference)
 */
struct chan_reqrep {
	struct chan *ch;
	struct xarray calls;
	u32 call_next;
	atomic_t call_gen;
	atomic_t call_busy;
	atomic64_t cancelled;
	struct work_struct calls_work;
};

static struct chan_reqrep *chan_reqrep(struct chan *ch)
{
	return chan_kind_priv(ch);
}

/**
 * struct chan_pending - one call waiting for its reply
 * @id: generation << 32 | index in &chan_reqrep.calls
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
	struct chan_reqrep *r = chan_reqrep(ch);
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
	ret = xa_alloc_cyclic_irq(&r->calls, &idx, NULL, xa_limit_32b,
				  &r->call_next, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto free_p;
	/*
	 * An id names its slot and a 32-bit generation: a stale reply can
	 * reach a later call only if that call took the same slot after
	 * exactly a multiple of 2^32 calls in between (review F21).
	 */
	p->id = (u64)(u32)atomic_inc_return(&r->call_gen) << 32 | idx;
	xa_store_irq(&r->calls, idx, p, GFP_KERNEL_ACCOUNT);
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
	ret = chan_xfer_send(ch, &it, c->req_len, &room, &pos, &p->id);
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

/*
 * CHAN_IOC_CALL through a send endpoint, @c read from user space: the
 * reply's length, or a negative errno; the call is gone either way.
 */
static long chan_reqrep_call(struct chan_ep *ep, struct chan_call *cp,
			     struct chan_call __user *uarg, bool nonblock)
{
	struct chan *ch = ep->ch;
	struct chan_reqrep *r = chan_reqrep(ch);
	const struct chan_call c = *cp;
	struct chan_pending *p;
	long ret;

	if ((c.flags & ~CHAN_CALL_ABSTIME) || c.__reserved[0] ||
	    c.__reserved[1] || !c.req_len)
		return -EINVAL;
	if (c.req_len > ch->msg_max)
		return -EMSGSIZE;
	/*
	 * A single producer's promise covers the whole call, request and
	 * reply: a second concurrent caller is refused.
	 */
	if ((ch->flags & CHAN_SINGLE_PRODUCER) &&
	    atomic_cmpxchg(&r->call_busy, 0, 1))
		return -EBUSY;
	p = chan_pending_new(ch, min(c.reply_len, ch->msg_max));
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto unbusy;
	}
	ret = chan_call_do(ch, p, &c, nonblock);
	xa_erase_irq(&r->calls, (u32)p->id);
	if (ret >= 0 && put_user((u32)ret, &uarg->reply_len))
		ret = -EFAULT;
	if (put_user(p->id, &uarg->id) && ret >= 0)
		ret = -EFAULT;
	chan_pending_put(p);
unbusy:
	if (ch->flags & CHAN_SINGLE_PRODUCER)
		/* Pairs with the cmpxchg() of the next caller. */
		atomic_set_release(&r->call_busy, 0);
	/* Never restarted: the server may have seen the request. */
	return ret == -ERESTARTSYS ? -EINTR : ret;
}

/*
 * Hand a reply already in kernel memory to call @id; a long one's buffer
 * *@buf (kvmalloc()ed) passes to the call, and *@buf becomes NULL.
 */
static int chan_reply_kernel(struct chan *ch, u64 id, void **buf, u32 len)
{
	struct chan_reqrep *r = chan_reqrep(ch);
	struct chan_pending *p;
	int ret = -ENOENT;

	xa_lock_irq(&r->calls);
	p = xa_load(&r->calls, (u32)id);
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
	xa_unlock_irq(&r->calls);
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

/*
 * Answer call @id with @len (0 .. msg_max) bytes at @buf.  The reply is
 * copied from user space before the call is claimed, so no caller ever
 * waits on a fault in the server's memory.  Returns 0, or -ENOENT (no
 * call @id is waiting), -EMSGSIZE (longer than the caller's room; the
 * call still waits), -EFAULT or -ENOMEM (likewise).
 */
static int chan_reqrep_reply(struct chan *ch, u64 id, const void __user *buf,
			     u32 len)
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
	struct chan_reqrep *r = chan_reqrep(ch);
	struct chan_pending *p;
	bool waiting;

	xa_lock_irq(&r->calls);
	p = xa_load(&r->calls, (u32)id);
	waiting = p && p->id == id &&
		  atomic_read(&p->state) == CHAN_CALL_WAITING;
	xa_unlock_irq(&r->calls);
	return waiting;
}

/*
 * Receive the next request a caller still waits for, and its call id
 * (-EINVAL where the receiver cannot report one: read(), a kernel
 * receiver).  A request whose caller timed out, was interrupted or died
 * before a server took it is skipped and counted (&chan_info.cancelled),
 * so that no server works for a caller that is gone.  A caller may still
 * give up once its request is taken; its reply then fails with %ENOENT.
 */
static ssize_t chan_reqrep_recv(struct chan *ch, struct chan_ep *ep,
				struct iov_iter *to, long *timeout, u64 *id)
{
	ssize_t ret;

	if (!id)
		return -EINVAL;
	for (;;) {
		ret = chan_xfer_recv(ch, to, timeout, id);
		if (ret <= 0 || chan_call_waiting(ch, *id))
			return ret;
		atomic64_inc(&chan_reqrep(ch)->cancelled);
		iov_iter_revert(to, ret);
	}
}

/* Fail every waiting call: the last receiver is gone. */
static void chan_calls_fail(struct chan_reqrep *r)
{
	struct chan_pending *p;
	unsigned long idx, flags;

	xa_lock_irqsave(&r->calls, flags);
	xa_for_each(&r->calls, idx, p) {
		atomic_cmpxchg(&p->state, CHAN_CALL_WAITING,
			       CHAN_CALL_FAILED);
		wake_up(&p->wq);
	}
	xa_unlock_irqrestore(&r->calls, flags);
}

static void chan_calls_work(struct work_struct *work)
{
	struct chan_reqrep *r = container_of(work, struct chan_reqrep,
					     calls_work);

	chan_calls_fail(r);
	chan_put(r->ch);
}

/*
 * The last receiver is gone: fail every waiting call, from any context.
 * The XArray's lock is a spinlock_t, which sleeps on PREEMPT_RT, so where
 * waking is not allowed (a kernel receiver detaching in hardirq) a work
 * item does it.
 */
static void chan_reqrep_last_recv(struct chan *ch)
{
	struct chan_reqrep *r = chan_reqrep(ch);

	if (chan_may_wake_now()) {
		chan_calls_fail(r);
		return;
	}
	__chan_get(ch);
	chan_queue_work(&r->calls_work);
}

/* Any capacity but 0; a full ring blocks or fails, never drops. */
static int chan_reqrep_check(const struct chan_create *a)
{
	return a->capacity && a->policy <= CHAN_POLICY_FAIL ? 0 : -EINVAL;
}

static void chan_reqrep_init(struct chan *ch)
{
	struct chan_reqrep *r = chan_reqrep(ch);

	r->ch = ch;
	xa_init_flags(&r->calls, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
	INIT_WORK(&r->calls_work, chan_calls_work);
}

static void chan_reqrep_release(struct chan *ch)
{
	xa_destroy(&chan_reqrep(ch)->calls);
}

/* Requests go through CHAN_IOC_CALL, never write(). */
static ssize_t chan_reqrep_send(struct chan *ch, struct iov_iter *from,
				size_t len, long *timeout)
{
	return -EINVAL;
}

static void chan_reqrep_info(struct chan *ch, struct chan_info *info)
{
	info->cancelled = atomic64_read(&chan_reqrep(ch)->cancelled);
}

/* Each slot carries its request's call id after the largest message. */
const struct chan_kind_ops chan_reqrep_ops = {
	.kind		= CHAN_KIND_REQREP,
	.name		= "reqrep",
	.slot_extra	= sizeof(u64),
	.priv_size	= sizeof(struct chan_reqrep),
	.check		= chan_reqrep_check,
	.init		= chan_reqrep_init,
	.release	= chan_reqrep_release,
	.send		= chan_reqrep_send,
	.recv		= chan_reqrep_recv,
	.readable	= chan_queue_readable,
	.writable	= chan_queue_writable,
	.last_recv	= chan_reqrep_last_recv,
	.info		= chan_reqrep_info,
	.call		= chan_reqrep_call,
	.reply		= chan_reqrep_reply,
};
