// SPDX-License-Identifier: GPL-2.0
/*
 * chan: what chan keeps per IPC namespace - its channels, in creation
 * order (the list CHAN_IOC_LIST walks), and whether the namespace is gone
 * so that its names should go too (names.c reaps them).
 *
 * Every channel holds a reference on the IPC namespace it was created in,
 * and the name table holds a reference on every named channel.  Left to
 * themselves those references would keep a namespace whose last task has
 * exited alive for ever, with its SysV objects and message queues, since
 * nothing could reach its names again.  So a namespace's names die with
 * the namespace, as POSIX message queues do: once every reference to the
 * namespace is one of its channels' - no task, no nsfs file, no bind
 * mount can reach it any more, and none can be made - the reaper unlinks
 * its names.  Its channels then go with their last endpoints, and the
 * namespace with its last channel.  The reaper (names.c) runs once a
 * second while any namespace other than the initial one has a name.
 *
 * One mutex guards the records and lists; nothing under it touches user
 * memory or sleeps for long (CHAN_IOC_LIST copies out with it dropped).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * struct chan_ns - chan's record of one IPC namespace
 * @node: in chan_nss
 * @ns: the namespace (each of its channels holds a reference)
 * @channels: its channels alive: the references chan holds on @ns
 * @named: of them, those in the name table
 * @list: its channels in creation order (&chan.all)
 */
struct chan_ns {
	struct hlist_node node;
	struct ipc_namespace *ns;
	unsigned int channels;
	unsigned int named;
	struct list_head list;
};

static DEFINE_HASHTABLE(chan_nss, 6);
static DEFINE_MUTEX(chan_ns_lock);
/* Names held in namespaces other than the initial one. */
static unsigned int chan_ns_foreign_names;

/*
 * The initial IPC namespace, whose names live until unlinked.  6.1 does
 * not export init_ipc_ns; the init task's namespaces are its.
 */
static const struct ipc_namespace *chan_init_ipc_ns(void)
{
	return init_task.nsproxy->ipc_ns;
}

static struct chan_ns *chan_ns_find(const struct ipc_namespace *ns)
{
	struct chan_ns *n;

	hash_for_each_possible(chan_nss, n, node, hash_ptr(ns, 32))
		if (n->ns == ns)
			return n;
	return NULL;
}

/**
 * chan_ns_add() - put a new channel on its namespace's list
 * @ch: the channel, &chan.ns set
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int chan_ns_add(struct chan *ch)
{
	struct chan_ns *n;
	int ret = 0;

	mutex_lock(&chan_ns_lock);
	n = chan_ns_find(ch->ns);
	if (!n) {
		n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n) {
			ret = -ENOMEM;
			goto unlock;
		}
		n->ns = ch->ns;
		INIT_LIST_HEAD(&n->list);
		hash_add(chan_nss, &n->node, hash_ptr(ch->ns, 32));
	}
	n->channels++;
	list_add_tail(&ch->all, &n->list);
unlock:
	mutex_unlock(&chan_ns_lock);
	return ret;
}

/**
 * chan_ns_del() - take a dying channel off its namespace's list
 * @ch: the channel
 *
 * Context: process context, may sleep.
 */
void chan_ns_del(struct chan *ch)
{
	struct chan_ns *n;

	mutex_lock(&chan_ns_lock);
	n = chan_ns_find(ch->ns);
	list_del(&ch->all);
	if (!--n->channels) {
		hash_del(&n->node);
		kfree(n);
	}
	mutex_unlock(&chan_ns_lock);
}

/**
 * chan_ns_named() - count a name given to, or taken from, @ch
 * @ch: the channel
 * @named: true when named, false when the name goes
 *
 * Context: process context, may sleep; called with the name table locked.
 * Return: true for the first name held outside the initial namespace:
 * the reaper should start.
 */
bool chan_ns_named(struct chan *ch, bool named)
{
	bool foreign = ch->ns != chan_init_ipc_ns(), first = false;
	struct chan_ns *n;

	mutex_lock(&chan_ns_lock);
	n = chan_ns_find(ch->ns);
	if (named) {
		n->named++;
		if (foreign)
			first = !chan_ns_foreign_names++;
	} else {
		n->named--;
		if (foreign)
			chan_ns_foreign_names--;
	}
	mutex_unlock(&chan_ns_lock);
	return first;
}

/**
 * chan_ns_foreign_named() - does a namespace other than the initial one
 * hold a name?
 *
 * Return: true if so: the reaper should look again later.
 */
bool chan_ns_foreign_named(void)
{
	bool any;

	mutex_lock(&chan_ns_lock);
	any = chan_ns_foreign_names;
	mutex_unlock(&chan_ns_lock);
	return any;
}

/*
 * Is @n's namespace unreachable: are all its references its channels'?
 * Nothing can take a new reference then, so the answer cannot change.
 */
static bool chan_ns_dead(const struct chan_ns *n)
{
	return IS_ENABLED(CONFIG_IPC_NS) && n->ns != chan_init_ipc_ns() &&
	       refcount_read(&n->ns->ns.count) == n->channels;
}

/**
 * chan_ns_doomed() - the named channels of namespaces nobody can reach
 * @doomed: gets them, linked by &chan.reap, each with a reference
 *
 * Context: process context, may sleep.
 */
void chan_ns_doomed(struct list_head *doomed)
{
	struct chan_ns *n;
	struct chan *ch;
	int bkt;

	mutex_lock(&chan_ns_lock);
	hash_for_each(chan_nss, bkt, n, node) {
		if (!n->named || !chan_ns_dead(n))
			continue;
		list_for_each_entry(ch, &n->list, all) {
			if (!READ_ONCE(ch->named))
				continue;
			/* The name table's reference keeps it alive. */
			__chan_get(ch);
			list_add(&ch->reap, doomed);
		}
	}
	mutex_unlock(&chan_ns_lock);
}

/*
 * What a caller in @ns may see of @ch in a listing: nothing of another
 * user's anonymous channel, only the description of a named channel it
 * could not open, everything of its own channels or with CAP_SYS_ADMIN
 * or CAP_IPC_OWNER over the namespace (no audit record: a listing asks
 * for every channel).
 */
enum chan_sight { CHAN_HIDDEN, CHAN_DESCRIBED, CHAN_SEEN };

static enum chan_sight chan_ns_sight(struct chan *ch)
{
	struct user_namespace *uns = ch->ns->user_ns;

	if (uid_eq(current_euid(), ch->uid) ||
	    ns_capable_noaudit(uns, CAP_SYS_ADMIN) ||
	    ns_capable_noaudit(uns, CAP_IPC_OWNER))
		return CHAN_SEEN;
	if (!READ_ONCE(ch->named))
		return CHAN_HIDDEN;
	if (!chan_permission_noaudit(ch, MAY_READ) ||
	    !chan_permission_noaudit(ch, MAY_WRITE))
		return CHAN_SEEN;
	return CHAN_DESCRIBED;
}

/* Keep only what describes a channel, not what it is doing. */
static void chan_info_describe(struct chan_info *info)
{
	info->senders = 0;
	info->receivers = 0;
	info->send_waiters = 0;
	info->recv_waiters = 0;
	info->depth = 0;
	info->sent = 0;
	info->received = 0;
	info->dropped = 0;
	info->overwritten = 0;
	info->send_waits = 0;
	info->recv_waits = 0;
	info->rejects = 0;
	info->cancelled = 0;
}

/* Entries filled under the lock, then copied out without it. */
#define CHAN_LIST_CHUNK	16

/*
 * Fill up to CHAN_LIST_CHUNK entries of channels after id @after;
 * counts everything visible in *@total when @total is not NULL.
 */
static u32 chan_ns_fill(struct ipc_namespace *ns, u64 after, u32 room,
			struct chan_info *info, u64 *last, u32 *total)
{
	enum chan_sight sight;
	struct chan_ns *n;
	struct chan *ch;
	u32 k = 0;

	mutex_lock(&chan_ns_lock);
	n = chan_ns_find(ns);
	if (!n)
		goto unlock;
	list_for_each_entry(ch, &n->list, all) {
		sight = chan_ns_sight(ch);
		if (sight == CHAN_HIDDEN)
			continue;
		if (total)
			(*total)++;
		if (ch->id <= after || k >= room)
			continue;
		chan_fill_info(ch, &info[k], 0);
		if (sight == CHAN_DESCRIBED)
			chan_info_describe(&info[k]);
		*last = ch->id;
		k++;
		if (k == room && !total)
			break;
	}
unlock:
	mutex_unlock(&chan_ns_lock);
	return k;
}

/**
 * chan_list() - fill a listing of the channels of the caller's namespace
 * @l: the request; @l->count and @l->total are updated
 * @entries: user array of @l->count entries of @l->entry_size bytes
 *
 * Entries are gathered a few at a time under the lock and copied out
 * with it dropped, resuming after the last id copied (the list is in
 * creation order), so a caller whose buffer faults slowly - a stalled
 * FUSE page, a userfaultfd - holds up nobody else.  A channel created
 * meanwhile may or may not be listed.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOMEM or -EFAULT.
 */
int chan_list(struct chan_list *l, void __user *entries)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	u32 n = 0, total = 0, got, k;
	struct chan_info *info;
	u64 after = 0;
	int ret = 0;

	info = kmalloc_array(CHAN_LIST_CHUNK, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	do {
		got = chan_ns_fill(ns, after, min_t(u32, CHAN_LIST_CHUNK,
						    l->count - n),
				   info, &after, n ? NULL : &total);
		for (k = 0; k < got && !ret; k++)
			ret = chan_copy_struct_out(entries +
						   (size_t)(n + k) * l->entry_size,
						   l->entry_size, &info[k],
						   sizeof(*info));
		n += got;
	} while (!ret && got == CHAN_LIST_CHUNK && n < l->count);
	kfree(info);
	l->count = ret ? 0 : n;
	l->total = total;
	return ret;
}
