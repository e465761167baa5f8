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

/**
 * chan_show_fdinfo() - the channel's lines in /proc/<pid>/fdinfo/<fd>
 * @m: the seq_file
 * @ch: the channel
 * @role: the endpoint's &enum chan_role
 */
void chan_show_fdinfo(struct seq_file *m, struct chan *ch, u32 role)
{
	struct chan_info info;

	chan_fill_info(ch, &info, role);
	seq_printf(m, "chan-id:\t%llu\n", info.id);
	seq_printf(m, "chan-name:\t%s\n", info.name);
	seq_printf(m, "chan-role:\t%s\n",
		   role == CHAN_ROLE_SEND ? "send" : "recv");
	seq_printf(m, "chan-kind:\t%s\n", ch->ops->name);
	seq_printf(m, "chan-flags:\t%s%s\n",
		   info.flags & CHAN_SINGLE_PRODUCER ? "sp" : "mp",
		   info.flags & CHAN_SINGLE_CONSUMER ? "sc" : "mc");
	seq_printf(m, "chan-policy:\t%s\n",
		   info.policy < ARRAY_SIZE(chan_policy_names) ?
		   chan_policy_names[info.policy] : "?");
	seq_printf(m, "chan-capacity:\t%u\n", info.capacity);
	seq_printf(m, "chan-msg-max:\t%u\n", info.msg_max);
	seq_printf(m, "chan-depth:\t%llu\n", info.depth);
	seq_printf(m, "chan-sent:\t%llu\n", info.sent);
	seq_printf(m, "chan-received:\t%llu\n", info.received);
	seq_printf(m, "chan-dropped:\t%llu\n", info.dropped);
	seq_printf(m, "chan-overwritten:\t%llu\n", info.overwritten);
	seq_printf(m, "chan-senders:\t%u\n", info.senders);
	seq_printf(m, "chan-receivers:\t%u\n", info.receivers);
	seq_printf(m, "chan-waiters:\t%u %u\n", info.send_waiters,
		   info.recv_waiters);
	seq_printf(m, "chan-closed:\t%u\n", info.closed);
	if (info.map_size) {
		seq_printf(m, "chan-map-size:\t%llu\n", info.map_size);
		seq_printf(m, "chan-rejects:\t%llu\n", info.rejects);
	}
	if (ch->ops->fdinfo)
		ch->ops->fdinfo(m, &info);
}
