// SPDX-License-Identifier: GPL-2.0
/*
 * chan: per-user limits on the number of channels and on ring memory.
 *
 * Charged the way the kernel's ucounts charge RLIMIT_MSGQUEUE: at every
 * level of the user-namespace chain.  Level 0 is the creator (its user
 * namespace, its euid); each level above is the parent namespace and the
 * owner of the namespace below, up to the initial user namespace.  Every
 * level must stay within max_user_channels and max_user_bytes, so that
 * whatever a user's namespaces create, under whatever uids they map,
 * comes out of that user's own budget: 65536 subordinate uids do not make
 * 65536 budgets.  Keying each level on (namespace, uid) also keeps two
 * containers' root users apart.
 *
 * Ring memory is also charged to the creator's memory cgroup through
 * GFP_KERNEL_ACCOUNT; these limits stop one user from taking the machine
 * before any cgroup limit applies.  CAP_SYS_RESOURCE in the initial user
 * namespace lifts them; it is asked for only when a limit would refuse,
 * so that a create within the limits never logs a capability check.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "internal.h"

static DEFINE_HASHTABLE(chan_users, 8);
static DEFINE_MUTEX(chan_users_lock);

static u32 chan_user_hash(const struct user_namespace *ns, kuid_t uid)
{
	return hash_ptr(ns, 32) ^ __kuid_val(uid);
}

static struct chan_user *chan_user_find(struct user_namespace *ns, kuid_t uid)
{
	struct chan_user *u;

	hash_for_each_possible(chan_users, u, node, chan_user_hash(ns, uid))
		if (u->ns == ns && uid_eq(u->uid, uid))
			return u;
	return NULL;
}

static void chan_user_put_locked(struct chan_user *u)
{
	struct chan_user *parent;

	while (u && refcount_dec_and_test(&u->ref)) {
		parent = u->parent;
		hash_del(&u->node);
		put_user_ns(u->ns);
		kfree(u);
		u = parent;
	}
}

/*
 * The record of (@ns, @uid) with a reference, made (with its parents) if
 * need be; NULL without memory.
 */
static struct chan_user *chan_user_get_locked(struct user_namespace *ns,
					      kuid_t uid)
{
	struct chan_user *u = chan_user_find(ns, uid), *parent = NULL;

	if (u) {
		refcount_inc(&u->ref);
		return u;
	}
	if (ns->parent) {
		parent = chan_user_get_locked(ns->parent, ns->owner);
		if (!parent)
			return NULL;
	}
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u) {
		chan_user_put_locked(parent);
		return NULL;
	}
	u->ns = get_user_ns(ns);
	u->uid = uid;
	u->parent = parent;
	refcount_set(&u->ref, 1);
	hash_add(chan_users, &u->node, chan_user_hash(ns, uid));
	return u;
}

/*
 * The least room over @u and every level above it: how many channels and
 * bytes more each level takes (0 where one is at or over its limit, as
 * after the limits were lowered).  Creating and reporting share it.
 */
static void chan_user_room(const struct chan_user *u, u32 max, u64 limit,
			   u32 *channels, u64 *bytes)
{
	*channels = max;
	*bytes = limit;
	for (; u; u = u->parent) {
		*channels = min(*channels, max - min(max, u->channels));
		*bytes = min(*bytes, limit - min(limit, u->bytes));
	}
}

/*
 * Which limit refuses one more channel of @bytes (never 0): -EMFILE for
 * the count, -ENOMEM for memory; 0 if every level has room.
 */
static int chan_user_refusal(const struct chan_user *u, u64 bytes)
{
	u32 channels_left;
	u64 bytes_left;

	chan_user_room(u, READ_ONCE(chan_max_user_channels),
		       READ_ONCE(chan_max_user_bytes), &channels_left,
		       &bytes_left);
	if (!channels_left)
		return -EMFILE;
	return bytes > bytes_left ? -ENOMEM : 0;
}

/**
 * chan_user_charge() - charge one channel of @bytes to the current user
 * @bytes: ring memory
 * @out: the user's record, to pass to chan_user_uncharge() later
 *
 * Context: process context, may sleep.
 * Return: 0, -EMFILE over a channel limit, -ENOMEM over a memory limit
 * or without memory.
 */
int chan_user_charge(u64 bytes, struct chan_user **out)
{
	const struct cred *cred = current_cred();
	struct chan_user *u, *l;
	int ret = 0;

	mutex_lock(&chan_users_lock);
	u = chan_user_get_locked(cred->user_ns, cred->euid);
	if (!u) {
		ret = -ENOMEM;
		goto unlock;
	}
	/* capable() only when a limit refuses: an audited use of it. */
	ret = chan_user_refusal(u, bytes);
	if (ret && !capable(CAP_SYS_RESOURCE)) {
		chan_user_put_locked(u);
		goto unlock;
	}
	ret = 0;
	for (l = u; l; l = l->parent) {
		l->channels++;
		l->bytes += bytes;
	}
	*out = u;
unlock:
	mutex_unlock(&chan_users_lock);
	return ret;
}

/**
 * chan_user_uncharge() - undo chan_user_charge()
 * @u: the user's record
 * @bytes: what was charged
 *
 * Context: process context, may sleep.
 */
void chan_user_uncharge(struct chan_user *u, u64 bytes)
{
	struct chan_user *l;

	mutex_lock(&chan_users_lock);
	for (l = u; l; l = l->parent) {
		l->channels--;
		l->bytes -= bytes;
	}
	chan_user_put_locked(u);
	mutex_unlock(&chan_users_lock);
}

/* The caller's own level into @l, and the least room over every level. */
static void chan_user_fill(const struct chan_user *u, struct chan_limits *l)
{
	l->max_channels = READ_ONCE(chan_max_user_channels);
	l->max_bytes = READ_ONCE(chan_max_user_bytes);
	if (u) {
		l->channels = u->channels;
		l->bytes = u->bytes;
	}
	chan_user_room(u, l->max_channels, l->max_bytes, &l->channels_left,
		       &l->bytes_left);
}

/**
 * chan_user_report() - the current user's use of its limits
 * @l: filled in, but for @l->size; the rest must be zero
 *
 * Context: process context, may sleep.
 */
void chan_user_report(struct chan_limits *l)
{
	const struct cred *cred = current_cred();

	/* A report, not a use of the capability: nothing to audit. */
	if (has_capability_noaudit(current, CAP_SYS_RESOURCE))
		l->flags |= CHAN_LIMITS_EXEMPT;
	mutex_lock(&chan_users_lock);
	chan_user_fill(chan_user_find(cred->user_ns, cred->euid), l);
	mutex_unlock(&chan_users_lock);
}
