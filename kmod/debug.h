/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: race windows held open on demand, for tests on debug builds.
 *
 * A delay point marks a place where another task's action changes what
 * this task is about to do: a sender between its claim and its publish, a
 * waiter between its last look and its sleep, a closer between its store
 * and its wakeups.  Hardware makes those windows nanoseconds wide; a test
 * that wants to see the race widens one to milliseconds for one task
 * through /sys/kernel/debug/chan/delay/<point> (see debug.c).
 *
 * Only a module built with CHAN_DEBUG=y (make check does so for its debug
 * kernels) has them; in every other build chan_delay() is an empty inline
 * and the points cost nothing.
 */
#ifndef _CHAN_DEBUG_H
#define _CHAN_DEBUG_H

#include <linux/types.h>

/**
 * enum chan_dp - the delay points
 * @CHAN_DP_CLAIM: a sender has claimed a slot and not yet looked at the
 *	close again (a close now makes it abort the claim)
 * @CHAN_DP_COPY: a sender holds a claimed slot and is about to copy its
 *	message in and publish it (a close or an unmapped buffer now meets a
 *	send in flight)
 * @CHAN_DP_PRE_SLEEP: a waiter has spun and is about to queue itself
 * @CHAN_DP_READY: a waiter on the queue read the ring's index and is about
 *	to look at the slot it names (a multi-sided ring's wait predicate)
 * @CHAN_DP_CLOSE: a closer has stored the close and not yet woken anyone
 * @CHAN_DP_CLAIM_RECV: a multi-consumer receiver has copied a message and
 *	is about to claim it
 * @CHAN_DP_WITHDRAW: a rendezvous sender that gave up has taken its
 *	message back and not yet counted it as unsent
 * @CHAN_DP_REPLY: a server claimed a call and is about to hand it the reply
 * @CHAN_DP_COUNT: a counter only one task may update was read and is
 *	about to be stored back one higher
 * @CHAN_DP_BCAST_WALK: a broadcast producer walks the subscribers' cursors
 * @CHAN_DP_OVERWRITE: an overwriting sender made room and is about to
 *	claim a slot again
 * @CHAN_DP_RELEASE: a closing endpoint has counted its end out and not yet
 *	dropped its kind's view (a broadcast subscriber's cursor, whose
 *	going wakes the senders)
 * @CHAN_DP_NR: number of delay points
 */
enum chan_dp {
	CHAN_DP_CLAIM,
	CHAN_DP_COPY,
	CHAN_DP_PRE_SLEEP,
	CHAN_DP_READY,
	CHAN_DP_CLOSE,
	CHAN_DP_CLAIM_RECV,
	CHAN_DP_WITHDRAW,
	CHAN_DP_REPLY,
	CHAN_DP_COUNT,
	CHAN_DP_BCAST_WALK,
	CHAN_DP_OVERWRITE,
	CHAN_DP_RELEASE,
	CHAN_DP_NR,
};

#ifdef CHAN_DEBUG
void chan_delay(enum chan_dp dp);
void chan_delay_arm(enum chan_dp dp, u32 us, pid_t tid, int count);
u64 chan_delay_hits(enum chan_dp dp);
int chan_debug_init(void);
void chan_debug_exit(void);
#else
static inline void chan_delay(enum chan_dp dp)
{
}

static inline int chan_debug_init(void)
{
	return 0;
}

static inline void chan_debug_exit(void)
{
}
#endif

#endif /* _CHAN_DEBUG_H */
