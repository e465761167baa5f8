// SPDX-License-Identifier: GPL-2.0
/*
 * chan: mapped rings - the ring of a CHAN_MAPPABLE queue in memory that
 * user space maps, so that a producer and a consumer move messages with
 * plain loads and stores and enter the kernel only to sleep or to wake the
 * other side.  The layout and the user-space protocol are documented with
 * struct chan_ring_hdr in the uapi header; ring.h validates what the
 * kernel reads from the mapping.
 *
 * A side that finds the ring empty (or full) sleeps in the kernel after
 * arming a wake flag in the header; the other side, after publishing,
 * calls CHAN_IOC_WAKE only if it finds the flag armed.  Why no wakeup is
 * lost (receiver and user-space producer; the full ring is the same with
 * the roles and flags swapped):
 *
 *   receiver (CHAN_IOC_WAIT, read(), poll())   producer (user space)
 *   ----------------------------------------   ---------------------
 *   prepare_to_wait(): on recv_wq              fill the slot
 *   chan_map_arm(): recv_wake = 1              store_release(tail)
 *     smp_mb() [C]                             seq_cst fence [D]
 *   ring empty (load tail)? -> schedule()      load recv_wake
 *                                              == 1 -> CHAN_IOC_WAKE:
 *                                                recv_wake = 0,
 *                                                wake every waiter
 *
 * [C] pairs with [D]: either the producer's load sees recv_wake == 1 and
 * it wakes the receiver, which is already on the queue, or the receiver's
 * load after [C] sees the new tail and it does not sleep.  CHAN_IOC_WAKE
 * clears the flag and wakes every waiter of that end (waiters of a mapped
 * ring wait non-exclusively); each looks at the ring again and re-arms the
 * flag before sleeping once more, so clearing it strands nobody.  poll()
 * arms the flag on every call, whatever it finds, so that an
 * edge-triggered epoll hears of the next message too.  A flag left armed
 * costs the other side one needless CHAN_IOC_WAKE and nothing else.
 * Producers and consumers inside the kernel ignore the flags and wake
 * through wq_has_sleeper() as on any channel (see wait.c).  chan_map_arm()
 * is in internal.h, for wait.c.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "internal.h"

/**
 * chan_map_alloc() - allocate a mappable ring
 * @ch: the channel being set up
 * @bytes: chan_create_bytes(): the header page and the slots, whole pages
 *
 * The ring is made of single pages, mapped contiguously into the kernel
 * with vmap() and into user space page by page at mmap() time.
 *
 * Context: process context, may sleep.
 * Return: the zeroed slots (the header page comes before them), or NULL.
 */
void *chan_map_alloc(struct chan *ch, size_t bytes)
{
	unsigned long i, n = bytes >> PAGE_SHIFT;
	struct chan_map *map;
	struct page **pages;
	void *base;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return NULL;
	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pages)
		goto free_map;
	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
				      __GFP_NOWARN);
		if (!pages[i])
			goto free_pages;
		cond_resched();
	}
	base = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	if (!base)
		goto free_pages;
	map->hdr = base;
	map->size = bytes;
	map->pages = pages;
	raw_spin_lock_init(&map->lock);
	ch->map = map;
	return base + PAGE_SIZE;

free_pages:
	while (i--)
		__free_page(pages[i]);
	kvfree(pages);
free_map:
	kfree(map);
	return NULL;
}

/**
 * chan_map_free() - free a mappable ring, once nothing maps it
 * @ch: the channel
 */
void chan_map_free(struct chan *ch)
{
	struct chan_map *map = ch->map;
	unsigned long i, n = map->size >> PAGE_SHIFT;

	vunmap(map->hdr);
	for (i = 0; i < n; i++)
		__free_page(map->pages[i]);
	kvfree(map->pages);
	kfree(map);
}

/**
 * chan_map_init() - describe the ring in its header and share its positions
 * @ch: the channel, its ring initialised at position 0
 * @capacity: slots in the ring
 */
void chan_map_init(struct chan *ch, u32 capacity)
{
	struct chan_ring_hdr *h = ch->map->hdr;

	h->magic = CHAN_RING_MAGIC;
	h->capacity = capacity;
	h->msg_max = ch->ring.msg_max;
	h->stride = ch->ring.stride;
	h->slots_offset = PAGE_SIZE;
	h->map_size = ch->map->size;
	ch->ring.utail = &h->tail;
	ch->ring.uhead = &h->head;
}

/**
 * chan_map_state() - tell a mapped ring's users what ends are open
 * @ch: the channel; nothing happens unless it is mappable
 *
 * Context: any but NMI (a raw spinlock: hardirq even on PREEMPT_RT).
 */
void chan_map_state(struct chan *ch)
{
	unsigned long flags;
	u32 state = 0;

	if (!ch->map)
		return;
	/*
	 * Each caller changed what it reports before taking the lock, so
	 * whoever takes it last sees every change and the word never goes
	 * back to an older state.
	 */
	raw_spin_lock_irqsave(&ch->map->lock, flags);
	if (READ_ONCE(ch->send_closed))
		state |= CHAN_RING_CLOSED;
	if (!atomic_read(&ch->receivers))
		state |= CHAN_RING_NO_RECEIVERS;
	WRITE_ONCE(ch->map->hdr->state, state);
	raw_spin_unlock_irqrestore(&ch->map->lock, flags);
}

/*
 * vm_flags_mod() arrived in 6.3 (Kbuild tests the headers for it); before
 * it the flags were written directly.
 */
static void chan_vma_flags(struct vm_area_struct *vma, vm_flags_t set,
			   vm_flags_t clear)
{
#ifdef CHAN_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/**
 * chan_map_mmap() - map a mappable channel's ring
 * @ch: the channel
 * @vma: a shared mapping at offset 0 of at most &chan_map.size bytes
 *
 * The mapping holds the endpoint file, and so the channel and its ring,
 * until it is unmapped.
 *
 * Return: 0, -ENODEV (not mappable), -EINVAL, -EPERM (PROT_EXEC) or
 * -ENOMEM.
 */
int chan_map_mmap(struct chan *ch, struct vm_area_struct *vma)
{
	if (!ch->map)
		return -ENODEV;
	/* A private mapping would copy on write and never be seen. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start > ch->map->size)
		return -EINVAL;
	/* Memory the other side writes is never code. */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/*
	 * Neither grown by mremap() (its tail would only fault) nor made
	 * executable later, nor written into core dumps.
	 */
	chan_vma_flags(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYEXEC);
	return vm_map_pages_zero(vma, ch->map->pages,
				 ch->map->size >> PAGE_SHIFT);
}

/* A mapped ring's room (@send) or messages; -EPROTO if invalid. */
static int chan_map_look(struct chan *ch, bool send)
{
	u32 tail, head, used;

	used = chan_ring_mapped_used(&ch->ring, &tail, &head, send);
	if (used > ch->ring.mask + 1) {
		chan_reject(ch);
		return -EPROTO;
	}
	return send ? used <= ch->ring.mask : used > 0;
}

/**
 * chan_wait_ready() - wait until a mapped ring has room or a message
 * @ch: a mappable channel
 * @send: wait for room (true) or for a message (false)
 * @timeout: jiffies, updated; 0 only looks; MAX_SCHEDULE_TIMEOUT for ever
 *
 * Context: process context, sleeps.
 * Return: 0; -EPIPE if a send would fail or the stream ended; -EPROTO,
 * -EAGAIN (*@timeout was 0), -ETIMEDOUT or -ERESTARTSYS.
 */
static int chan_wait_ready(struct chan *ch, bool send, long *timeout)
{
	int ret;

	for (;;) {
		if (send && chan_send_broken(ch))
			return -EPIPE;
		ret = chan_map_look(ch, send);
		if (ret)
			return ret < 0 ? ret : 0;
		if (!send && chan_eof(ch))
			return -EPIPE;
		if (!*timeout)
			return -EAGAIN;
		ret = send ? chan_xfer_wait_send(ch, timeout) :
			     chan_xfer_wait_recv(ch, timeout);
		if (ret)
			return ret;
	}
}

/**
 * chan_ioctl_wait() - CHAN_IOC_WAIT: wait for a message or for room
 * @ep: the endpoint: a receiver waits for a message, a sender for room
 * @uarg: &struct chan_wait
 *
 * Context: process context, sleeps.
 * Return: 0, or as &struct chan_wait describes.
 */
long chan_ioctl_wait(struct chan_ep *ep, struct chan_wait __user *uarg)
{
	struct chan *ch = ep->ch;
	struct chan_wait w;
	long timeout = 0;
	int ret;

	ret = chan_get_struct(&w, sizeof(w), uarg, CHAN_WAIT_SIZE_VER0);
	if (ret)
		return ret;
	if (!ch->map || (w.flags & ~CHAN_WAIT_ABSTIME) ||
	    w.__reserved[0] || w.__reserved[1])
		return -EINVAL;
	if (w.timeout_ns)
		timeout = chan_timeout_ns(w.timeout_ns,
					  w.flags & CHAN_WAIT_ABSTIME);
	ret = chan_wait_ready(ch, ep->role == CHAN_ROLE_SEND, &timeout);
	/* An absolute time already past is a timeout, not a poll. */
	if (ret == -EAGAIN && w.timeout_ns)
		return -ETIMEDOUT;
	/* Never restarted: a relative timeout would start again. */
	return ret == -ERESTARTSYS ? -EINTR : ret;
}

/**
 * chan_ioctl_wake() - CHAN_IOC_WAKE: wake the other end of a mapped ring
 * @ep: the endpoint that published (send) or retired (receive) messages
 *
 * Return: 0, or -EINVAL if the channel is not mappable.
 */
long chan_ioctl_wake(struct chan_ep *ep)
{
	struct chan *ch = ep->ch;

	if (!ch->map)
		return -EINVAL;
	if (ep->role == CHAN_ROLE_SEND) {
		WRITE_ONCE(ch->map->hdr->recv_wake, 0);
		chan_wake_recv(ch);
	} else {
		WRITE_ONCE(ch->map->hdr->send_wake, 0);
		chan_wake_send(ch);
	}
	return 0;
}
