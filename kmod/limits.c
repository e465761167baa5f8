// SPDX-License-Identifier: GPL-2.0
/*
 * chan: per-user limits on the number of channels and on ring memory.
 *
 * Ring memory is also charged to the creator's memory cgroup through
 * GFP_KERNEL_ACCOUNT; these limits stop one user from taking the machine
 * before any cgroup limit applies.  CAP_SYS_RESOURCE lifts them.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "internal.h"

static DEFINE_HASHTABLE(chan_users, 6);
static DEFINE_SPINLOCK(chan_users_lock);

static struct chan_user *chan_user_find(kuid_t uid)
{
	struct chan_user *u;

	hash_for_each_possible(chan_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

static int chan_user_admit(struct chan_user *u, size_t bytes)
{
	size_t limit;

	if (capable(CAP_SYS_RESOURCE))
		return 0;
	if (u->channels >= READ_ONCE(chan_max_user_channels))
		return -EMFILE;
	limit = READ_ONCE(chan_max_user_bytes);
	if (u->bytes > limit || bytes > limit - u->bytes)
		return -ENOMEM;
	return 0;
}

/**
 * chan_user_charge() - charge one channel of @bytes to the current user
 * @bytes: ring memory
 * @out: the user's record, to pass to chan_user_uncharge() later
 *
 * Context: process context, may sleep.
 * Return: 0, -EMFILE over the channel limit, -ENOMEM over the memory limit
 * or without memory.
 */
int chan_user_charge(size_t bytes, struct chan_user **out)
{
	kuid_t uid = current_euid();
	struct chan_user *u, *fresh;
	int ret;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return -ENOMEM;

	spin_lock(&chan_users_lock);
	u = chan_user_find(uid);
	if (!u) {
		u = fresh;
		fresh = NULL;
		u->uid = uid;
		refcount_set(&u->ref, 1);
		hash_add(chan_users, &u->node, __kuid_val(uid));
	} else {
		refcount_inc(&u->ref);
	}
	ret = chan_user_admit(u, bytes);
	if (!ret) {
		u->channels++;
		u->bytes += bytes;
		*out = u;
	}
	spin_unlock(&chan_users_lock);

	kfree(fresh);
	if (ret)
		chan_user_uncharge(u, 0);
	return ret;
}

/**
 * chan_user_uncharge() - undo chan_user_charge()
 * @u: the user's record
 * @bytes: what was charged, or 0 to only drop the reference of a failed
 *	charge
 */
void chan_user_uncharge(struct chan_user *u, size_t bytes)
{
	spin_lock(&chan_users_lock);
	if (bytes) {
		u->channels--;
		u->bytes -= bytes;
	}
	if (refcount_dec_and_test(&u->ref)) {
		hash_del(&u->node);
		spin_unlock(&chan_users_lock);
		kfree(u);
		return;
	}
	spin_unlock(&chan_users_lock);
}
