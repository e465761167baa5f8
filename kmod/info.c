// SPDX-License-Identifier: GPL-2.0
/*
 * chan: what a channel reports about itself - CHAN_IOC_INFO, the
 * CHAN_IOC_LIST entries and /proc/<pid>/fdinfo.
 */
#include <linux/cred.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "internal.h"

static const char *const chan_policy_names[] = {
	[CHAN_POLICY_BLOCK] = "block",
	[CHAN_POLICY_FAIL] = "fail",
	[CHAN_POLICY_DROP_NEWEST] = "drop-newest",
	[CHAN_POLICY_OVERWRITE] = "overwrite",
};

/**
 * chan_since() - how much a count grew since the last call
 * @seen: the count when last asked, updated
 * @total: the count now
 *
 * Concurrent callers each get a disjoint share (CHAN_IOC_LOST on one
 * file shared by several tasks).
 *
 * Return: @total less the last @seen, or 0.
 */
u64 chan_since(atomic64_t *seen, u64 total)
{
	s64 old = atomic64_read(seen);

	do {
		if ((u64)old >= total)
			return 0;
	} while (!atomic64_try_cmpxchg(seen, &old, total));
	return total - old;
}

/**
 * chan_fill_info() - describe a channel
 * @ch: the channel
 * @info: filled in completely (no byte left uninitialised)
 * @role: the asking endpoint's &enum chan_role, or 0
 */
void chan_fill_info(struct chan *ch, struct chan_info *info, u32 role)
{
	int named;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->kind = ch->ops->kind;
	info->flags = ch->flags;
	info->policy = ch->policy;
	info->capacity = ch->capacity;
	info->msg_max = ch->msg_max;
	info->mode = ch->mode;
	info->uid = from_kuid_munged(current_user_ns(), ch->uid);
	info->gid = from_kgid_munged(current_user_ns(), ch->gid);
	info->role = role;
	/* A name holds one end of each kind open; report endpoints only. */
	named = READ_ONCE(ch->named);
	info->senders = max(atomic_read(&ch->senders) - named, 0);
	info->receivers = max(atomic_read(&ch->receivers) - named, 0);
	info->send_waiters = atomic_read(&ch->send_waiters);
	info->recv_waiters = atomic_read(&ch->recv_waiters);
	info->closed = READ_ONCE(ch->send_closed);
	info->id = ch->id;
	info->depth = chan_ring_depth(&ch->ring);
	info->sent = atomic64_read(&ch->ring.sent);
	info->received = atomic64_read(&ch->ring.received);
	info->dropped = atomic64_read(&ch->dropped);
	info->overwritten = atomic64_read(&ch->overwritten);
	info->send_waits = atomic64_read(&ch->send_waits);
	info->recv_waits = atomic64_read(&ch->recv_waits);
	if (ch->map) {
		info->map_size = ch->map->size;
		info->rejects = atomic64_read(&ch->map->rejects);
	}
	/* What only the kind knows: a broadcast's depth, cancelled calls. */
	if (ch->ops->info)
		ch->ops->info(ch, info);
	/* The name never changes once set; unlinking only hides it. */
	if (READ_ONCE(ch->named))
		strscpy(info->name, ch->key.name, sizeof(info->name));
}

static const char *chan_role_name(u32 role)
{
	return role == CHAN_ROLE_SEND ? "send" : "recv";
}

/**
 * chan_show_fdinfo() - the channel's lines in /proc/<pid>/fdinfo/<fd>
 * @m: the seq_file
 * @ch: the channel
 * @role: the endpoint's &enum chan_role
 *
 * One line per field of &struct chan_info, named chan_ and the field's
 * name, in the structure's order: the same value as CHAN_IOC_INFO on
 * this descriptor gives, except that kind, policy and role are names and
 * flags and mode are in hexadecimal (0x...) and octal (0...).  chan(4)
 * lists them.
 */
void chan_show_fdinfo(struct seq_file *m, struct chan *ch, u32 role)
{
	struct chan_info i;

	chan_fill_info(ch, &i, role);
	seq_printf(m, "chan_kind:\t%s\n", ch->ops->name);
	seq_printf(m, "chan_flags:\t0x%x\n", i.flags);
	seq_printf(m, "chan_policy:\t%s\n",
		   i.policy < ARRAY_SIZE(chan_policy_names) ?
		   chan_policy_names[i.policy] : "?");
	seq_printf(m, "chan_capacity:\t%u\n", i.capacity);
	seq_printf(m, "chan_msg_max:\t%u\n", i.msg_max);
	seq_printf(m, "chan_mode:\t%#o\n", i.mode);
	seq_printf(m, "chan_uid:\t%u\n", i.uid);
	seq_printf(m, "chan_gid:\t%u\n", i.gid);
	seq_printf(m, "chan_role:\t%s\n", chan_role_name(role));
	seq_printf(m, "chan_senders:\t%u\n", i.senders);
	seq_printf(m, "chan_receivers:\t%u\n", i.receivers);
	seq_printf(m, "chan_send_waiters:\t%u\n", i.send_waiters);
	seq_printf(m, "chan_recv_waiters:\t%u\n", i.recv_waiters);
	seq_printf(m, "chan_closed:\t%u\n", i.closed);
	seq_printf(m, "chan_id:\t%llu\n", i.id);
	seq_printf(m, "chan_depth:\t%llu\n", i.depth);
	seq_printf(m, "chan_sent:\t%llu\n", i.sent);
	seq_printf(m, "chan_received:\t%llu\n", i.received);
	seq_printf(m, "chan_dropped:\t%llu\n", i.dropped);
	seq_printf(m, "chan_overwritten:\t%llu\n", i.overwritten);
	seq_printf(m, "chan_send_waits:\t%llu\n", i.send_waits);
	seq_printf(m, "chan_recv_waits:\t%llu\n", i.recv_waits);
	seq_printf(m, "chan_name:\t%s\n", i.name);
	seq_printf(m, "chan_map_size:\t%llu\n", i.map_size);
	seq_printf(m, "chan_rejects:\t%llu\n", i.rejects);
	seq_printf(m, "chan_cancelled:\t%llu\n", i.cancelled);
}
