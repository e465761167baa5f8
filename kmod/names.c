// SPDX-License-Identifier: GPL-2.0
/*
 * chan: channel names and permissions.
 *
 * A named channel lives in the IPC namespace of its creator until it is
 * unlinked (or the module unloads), like a POSIX message queue; the name
 * table holds a reference to it.  Opening by name checks the caller's
 * credentials against the channel's owner, group and mode as for a file,
 * and CAP_IPC_OWNER in the namespace's user namespace overrides, as for
 * SysV IPC and POSIX message queues.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/jhash.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

static DEFINE_HASHTABLE(chan_names, 8);
static DEFINE_MUTEX(chan_names_lock);

static u32 chan_name_hash(const struct ipc_namespace *ns, const char *name)
{
	return jhash(name, strlen(name), hash_ptr(ns, 32));
}

/**
 * chan_name_get() - copy and check a name from user space
 * @uname: user pointer to a NUL-terminated string
 * @name: buffer of %CHAN_NAME_MAX bytes
 *
 * A name is 1 to %CHAN_NAME_MAX - 1 printable characters without '/'.
 *
 * Return: 0, -EFAULT, -ENAMETOOLONG or -EINVAL.
 */
int chan_name_get(const char __user *uname, char *name)
{
	long len = strncpy_from_user(name, uname, CHAN_NAME_MAX);
	long i;

	if (len < 0)
		return len;
	if (len == CHAN_NAME_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isprint(name[i]) || name[i] == '/')
			return -EINVAL;
	return 0;
}

static struct chan *chan_name_find(const struct ipc_namespace *ns,
				   const char *name)
{
	struct chan *ch;

	hash_for_each_possible(chan_names, ch, name_node,
			       chan_name_hash(ns, name))
		if (ch->ns == ns && !strcmp(ch->name, name))
			return ch;
	return NULL;
}

/**
 * chan_name_add() - give @ch a name in its namespace
 * @ch: a new channel
 * @name: a name checked by chan_name_get()
 *
 * Return: 0, or -EEXIST if the namespace has a channel of that name.
 */
int chan_name_add(struct chan *ch, const char *name)
{
	int ret = 0;

	mutex_lock(&chan_names_lock);
	if (chan_name_find(ch->ns, name)) {
		ret = -EEXIST;
		goto unlock;
	}
	strscpy(ch->name, name, sizeof(ch->name));
	chan_get(ch);
	chan_end_get(ch, CHAN_ROLE_SEND);
	chan_end_get(ch, CHAN_ROLE_RECV);
	WRITE_ONCE(ch->named, true);
	hash_add(chan_names, &ch->name_node, chan_name_hash(ch->ns, name));
unlock:
	mutex_unlock(&chan_names_lock);
	return ret;
}

/* The caller then drops the table's reference with chan_put(). */
static void chan_name_remove_locked(struct chan *ch)
{
	hash_del(&ch->name_node);
	WRITE_ONCE(ch->named, false);
	chan_end_put(ch, CHAN_ROLE_SEND);
	chan_end_put(ch, CHAN_ROLE_RECV);
}

/**
 * chan_name_del() - take the name of @ch away again (undoes chan_name_add())
 * @ch: the channel
 */
void chan_name_del(struct chan *ch)
{
	bool named;

	mutex_lock(&chan_names_lock);
	named = ch->named;
	if (named)
		chan_name_remove_locked(ch);
	mutex_unlock(&chan_names_lock);
	if (named)
		chan_put(ch);
}

/**
 * chan_name_lookup() - find a channel by name in the caller's namespace
 * @name: the name
 *
 * Return: the channel with a reference the caller must put, or NULL.
 */
struct chan *chan_name_lookup(const char *name)
{
	struct chan *ch;

	mutex_lock(&chan_names_lock);
	ch = chan_name_find(current->nsproxy->ipc_ns, name);
	if (ch)
		chan_get(ch);
	mutex_unlock(&chan_names_lock);
	return ch;
}

static bool chan_is_owner(struct chan *ch)
{
	return uid_eq(current_euid(), ch->uid) ||
	       ns_capable(ch->ns->user_ns, CAP_IPC_OWNER);
}

/**
 * chan_name_unlink() - remove a name from the caller's namespace
 * @name: the name
 *
 * Only the owner (or CAP_IPC_OWNER) may unlink.  Open endpoints keep
 * working; the channel is freed when the last of them closes.
 *
 * Return: 0, -ENOENT or -EACCES.
 */
int chan_name_unlink(const char *name)
{
	struct chan *ch;
	int ret = 0;

	mutex_lock(&chan_names_lock);
	ch = chan_name_find(current->nsproxy->ipc_ns, name);
	if (!ch) {
		ret = -ENOENT;
		goto unlock;
	}
	if (!chan_is_owner(ch)) {
		ret = -EACCES;
		goto unlock;
	}
	chan_name_remove_locked(ch);
unlock:
	mutex_unlock(&chan_names_lock);
	if (!ret)
		chan_put(ch);
	return ret;
}

/**
 * chan_permission() - may the caller open @ch for @may?
 * @ch: the channel
 * @may: MAY_READ to receive, MAY_WRITE to send
 *
 * Return: 0 or -EACCES.
 */
int chan_permission(struct chan *ch, int may)
{
	int granted = ch->mode;

	if (uid_eq(current_euid(), ch->uid))
		granted >>= 6;
	else if (in_group_p(ch->gid))
		granted >>= 3;
	if ((may & ~granted & 0007) == 0)
		return 0;
	if (ns_capable(ch->ns->user_ns, CAP_IPC_OWNER))
		return 0;
	return -EACCES;
}

/**
 * chan_names_exit() - drop every name at module unload
 */
void chan_names_exit(void)
{
	struct hlist_node *tmp;
	struct chan *ch;
	int bkt;

	mutex_lock(&chan_names_lock);
	hash_for_each_safe(chan_names, bkt, tmp, ch, name_node) {
		chan_name_remove_locked(ch);
		chan_put(ch);
	}
	mutex_unlock(&chan_names_lock);
}
