// SPDX-License-Identifier: GPL-2.0
/*
 * chan: channel names, and the end of a dead namespace's names.
 *
 * A named channel lives in the IPC namespace of its creator until it is
 * unlinked, or until the namespace itself is gone (see ns.c for when that
 * is; the reaper here then unlinks its names), like a POSIX message
 * queue; the name table holds a reference to it.  The table is
 * one hash table keyed by (namespace, name), so a lookup costs the same
 * however many names other namespaces hold.  Opening by name checks the
 * caller's credentials against the channel's owner, group and mode as for
 * a file, and CAP_IPC_OWNER in the namespace's user namespace overrides,
 * as for SysV IPC and POSIX message queues (effective ids, as ipcperms()
 * uses; perm.c).
 *
 * Names that begin with CHAN_KERNEL_PREFIX belong to kernel code
 * (chan_kname()): user space may open them, never create them, so that
 * no user can take a kernel name first and feed or drain a kernel peer.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "internal.h"

static const struct rhashtable_params chan_names_params = {
	.key_len	= sizeof(struct chan_name_key),
	.key_offset	= offsetof(struct chan, key),
	.head_offset	= offsetof(struct chan, name_node),
	.automatic_shrinking = true,
};

static struct rhashtable chan_names;
/* Serialises adding and removing names against each other and lookups. */
static DEFINE_MUTEX(chan_names_lock);

static void chan_names_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(chan_names_reaper, chan_names_reap);

/**
 * chan_name_valid() - is @name a well-formed channel name?
 * @name: NUL-terminated, at most %CHAN_NAME_MAX bytes with the NUL
 *
 * A name is 1 to %CHAN_NAME_MAX - 1 visible ASCII characters (0x21 to
 * 0x7e) other than '/': no spaces, no control or high bytes that would
 * make two names look alike in a listing.
 *
 * Return: 0 or -EINVAL.
 */
int chan_name_valid(const char *name)
{
	size_t i, len = strnlen(name, CHAN_NAME_MAX);

	if (!len || len == CHAN_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '/')
			return -EINVAL;
	return 0;
}

/**
 * chan_name_get() - copy and check a name from user space
 * @uname: user pointer to a NUL-terminated string
 * @name: buffer of %CHAN_NAME_MAX bytes
 *
 * Return: 0, -EFAULT, -ENAMETOOLONG or -EINVAL.
 */
int chan_name_get(const char __user *uname, char *name)
{
	long len = strncpy_from_user(name, uname, CHAN_NAME_MAX);

	if (len < 0)
		return len;
	if (len == CHAN_NAME_MAX)
		return -ENAMETOOLONG;
	return chan_name_valid(name);
}

/**
 * chan_name_kernel() - is @name reserved for kernel code?
 * @name: a valid name
 *
 * Return: true if it begins with %CHAN_KERNEL_PREFIX.
 */
bool chan_name_kernel(const char *name)
{
	return !strncmp(name, CHAN_KERNEL_PREFIX, strlen(CHAN_KERNEL_PREFIX));
}

static void chan_name_key(struct chan_name_key *k,
			  const struct ipc_namespace *ns, const char *name)
{
	memset(k, 0, sizeof(*k));
	k->ns = ns;
	strscpy(k->name, name, sizeof(k->name));
}

/**
 * chan_name_add() - give @ch a name in its namespace
 * @ch: a channel that never had a name
 * @name: a name checked by chan_name_valid()
 *
 * Context: process context, may sleep.
 * Return: 0, -EEXIST if the namespace has a channel of that name, -EBUSY
 * if @ch has or had a name, or -ENOMEM.
 */
int chan_name_add(struct chan *ch, const char *name)
{
	int ret;

	mutex_lock(&chan_names_lock);
	if (ch->key.name[0]) {
		ret = -EBUSY;
		goto unlock;
	}
	chan_name_key(&ch->key, ch->ns, name);
	ret = rhashtable_lookup_insert_fast(&chan_names, &ch->name_node,
					    chan_names_params);
	if (ret) {
		memset(&ch->key, 0, sizeof(ch->key));
		goto unlock;
	}
	chan_get(ch);
	chan_end_get(ch, CHAN_ROLE_SEND);
	chan_end_get(ch, CHAN_ROLE_RECV);
	WRITE_ONCE(ch->named, true);
	/* The first name of a namespace other than the initial one. */
	if (chan_ns_named(ch, true))
		schedule_delayed_work(&chan_names_reaper, HZ);
unlock:
	mutex_unlock(&chan_names_lock);
	return ret;
}

/* The caller then drops the table's reference with chan_put(). */
static void chan_name_remove_locked(struct chan *ch)
{
	rhashtable_remove_fast(&chan_names, &ch->name_node, chan_names_params);
	WRITE_ONCE(ch->named, false);
	chan_ns_named(ch, false);
	chan_end_put(ch, CHAN_ROLE_SEND);
	chan_end_put(ch, CHAN_ROLE_RECV);
}

/**
 * chan_name_del() - take the name of @ch away, if it still has it
 * @ch: the channel
 *
 * Context: process context, may sleep.
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

static struct chan *chan_name_find(const struct ipc_namespace *ns,
				   const char *name)
{
	struct chan_name_key k;

	chan_name_key(&k, ns, name);
	return rhashtable_lookup_fast(&chan_names, &k, chan_names_params);
}

/**
 * chan_name_lookup() - find a channel by name in the caller's namespace
 * @name: the name
 * @kernel: find only a channel made by chan_kcreate()
 *
 * Context: process context, may sleep.
 * Return: the channel with a reference the caller must put, or NULL.
 */
struct chan *chan_name_lookup(const char *name, bool kernel)
{
	struct chan *ch;

	mutex_lock(&chan_names_lock);
	ch = chan_name_find(current->nsproxy->ipc_ns, name);
	if (ch && kernel && !ch->kernel)
		ch = NULL;
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
 * Only the owner (or CAP_IPC_OWNER over the namespace) may unlink, as for
 * a POSIX message queue in a sticky directory.  Open endpoints keep
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

/*
 * Once a second while any namespace other than the initial one has a
 * name: unlink the names of namespaces nobody can reach any more.
 */
static void chan_names_reap(struct work_struct *work)
{
	struct chan *ch, *tmp;
	LIST_HEAD(doomed);

	chan_ns_doomed(&doomed);
	list_for_each_entry_safe(ch, tmp, &doomed, reap) {
		chan_name_del(ch);
		chan_put(ch);
	}
	if (chan_ns_foreign_named())
		schedule_delayed_work(&chan_names_reaper, HZ);
}

/**
 * chan_names_init() - set up the name table
 *
 * Return: 0 or -ENOMEM.
 */
int chan_names_init(void)
{
	return rhashtable_init(&chan_names, &chan_names_params);
}

static void chan_names_drop(void *ptr, void *arg)
{
	struct chan *ch = ptr;

	/* Unload: nobody can look names up any more. */
	WRITE_ONCE(ch->named, false);
	chan_ns_named(ch, false);
	chan_end_put(ch, CHAN_ROLE_SEND);
	chan_end_put(ch, CHAN_ROLE_RECV);
	chan_put(ch);
}

/**
 * chan_names_exit() - drop every name at module unload
 */
void chan_names_exit(void)
{
	cancel_delayed_work_sync(&chan_names_reaper);
	mutex_lock(&chan_names_lock);
	rhashtable_free_and_destroy(&chan_names, chan_names_drop, NULL);
	mutex_unlock(&chan_names_lock);
}
