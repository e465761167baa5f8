// SPDX-License-Identifier: GPL-2.0
/*
 * chan: who may open a channel - its mode bits, owner and group, as for a
 * POSIX message queue, and CAP_IPC_OWNER over its IPC namespace.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>

#include "internal.h"

static int chan_mode_permits(struct chan *ch, int may)
{
	int granted = ch->mode;

	if (uid_eq(current_euid(), ch->uid))
		granted >>= 6;
	else if (in_group_p(ch->gid))
		granted >>= 3;
	return (may & ~granted & 0007) == 0;
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
	if (chan_mode_permits(ch, may) ||
	    ns_capable(ch->ns->user_ns, CAP_IPC_OWNER))
		return 0;
	return -EACCES;
}

/**
 * chan_permission_noaudit() - chan_permission() for a mere look
 * @ch: the channel
 * @may: MAY_READ or MAY_WRITE
 *
 * As chan_permission(), without an audit record of a capability the
 * caller does not use to open anything (a listing asks about every
 * channel).
 *
 * Return: 0 or -EACCES.
 */
int chan_permission_noaudit(struct chan *ch, int may)
{
	if (chan_mode_permits(ch, may) ||
	    ns_capable_noaudit(ch->ns->user_ns, CAP_IPC_OWNER))
		return 0;
	return -EACCES;
}
