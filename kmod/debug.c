// SPDX-License-Identifier: GPL-2.0
/*
 * chan: delay points for tests (built only with CHAN_DEBUG=y, see debug.h).
 *
 * Each point has a file /sys/kernel/debug/chan/delay/<point>.  Writing
 * "USECS [TID [COUNT]]" arms it: the next COUNT times (0: every time) a
 * task with thread id TID (0: any task) passes the point, it waits USECS
 * microseconds there - sleeping where it may sleep, spinning where it may
 * not (in atomic context, or on a wait queue already).  Writing "0"
 * disarms it.  Reading gives "USECS TID COUNT HITS", HITS being how often
 * the point delayed a task since it was last armed, so that a test can
 * tell that the window it meant to open was really taken.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/uaccess.h>

#include "debug.h"

/*
 * Longest delay taken without sleeping, in microseconds: on a wait queue
 * already (a task that must not sleep yet, but may be preempted), and in
 * atomic context.
 */
#define CHAN_DP_SPIN_MAX	500000
#define CHAN_DP_ATOMIC_MAX	20000

/**
 * struct chan_dpoint - one delay point
 * @name: its file name
 * @us: microseconds to wait, 0 when disarmed
 * @tid: the only task delayed, or 0 for any
 * @left: delays left, or -1 for no limit
 * @hits: delays taken since armed
 */
struct chan_dpoint {
	const char *name;
	u32 us;
	pid_t tid;
	atomic_t left;
	atomic64_t hits;
};

static struct chan_dpoint chan_dpoints[CHAN_DP_NR] = {
	[CHAN_DP_CLAIM]		= { .name = "claim" },
	[CHAN_DP_COPY]		= { .name = "copy" },
	[CHAN_DP_PRE_SLEEP]	= { .name = "pre_sleep" },
	[CHAN_DP_READY]		= { .name = "ready" },
	[CHAN_DP_CLOSE]		= { .name = "close" },
	[CHAN_DP_CLAIM_RECV]	= { .name = "claim_recv" },
	[CHAN_DP_WITHDRAW]	= { .name = "withdraw" },
	[CHAN_DP_REPLY]		= { .name = "reply" },
	[CHAN_DP_COUNT]		= { .name = "count" },
	[CHAN_DP_BCAST_WALK]	= { .name = "bcast_walk" },
	[CHAN_DP_OVERWRITE]	= { .name = "overwrite" },
	[CHAN_DP_RELEASE]	= { .name = "release" },
};

static struct dentry *chan_debug_dir;

static void chan_delay_wait(u32 us)
{
	/* Process context, interrupts on, no lock held that we know of. */
	bool task = in_task() && !irqs_disabled() &&
		    IS_ENABLED(CONFIG_PREEMPT_COUNT) && !preempt_count();
	u64 end;

	if (task && task_is_running(current)) {
		usleep_range(us, us + us / 8 + 1);
		return;
	}
	us = min_t(u32, us, task ? CHAN_DP_SPIN_MAX : CHAN_DP_ATOMIC_MAX);
	/*
	 * By the clock, not by a calibrated loop: emulated CPUs vary.  A
	 * task yields the CPU as it spins (cond_resched() preempts; it does
	 * not sleep, whatever the task's state), so that the tasks the test
	 * wants to run in the window can run on this CPU too.
	 */
	end = local_clock() + (u64)us * NSEC_PER_USEC;
	while (local_clock() < end) {
		if (task)
			cond_resched();
		cpu_relax();
	}
}

/**
 * chan_delay() - pass a delay point
 * @dp: the point
 *
 * Context: any.
 */
void chan_delay(enum chan_dp dp)
{
	struct chan_dpoint *p = &chan_dpoints[dp];
	/* Pairs with smp_store_release() in chan_delay_arm(). */
	u32 us = smp_load_acquire(&p->us);
	pid_t tid;

	if (likely(!us))
		return;
	tid = READ_ONCE(p->tid);
	if (tid && (!in_task() || task_pid_nr(current) != tid))
		return;
	if (atomic_read(&p->left) >= 0 && atomic_dec_if_positive(&p->left) < 0)
		return;
	atomic64_inc(&p->hits);
	chan_delay_wait(us);
}

/**
 * chan_delay_arm() - arm a delay point from kernel code (KUnit)
 * @dp: the point
 * @us: microseconds, 0 to disarm
 * @tid: the only task to delay, or 0 for any
 * @count: delays to take, or 0 for no limit
 */
void chan_delay_arm(enum chan_dp dp, u32 us, pid_t tid, int count)
{
	struct chan_dpoint *p = &chan_dpoints[dp];

	WRITE_ONCE(p->us, 0);
	WRITE_ONCE(p->tid, tid);
	atomic_set(&p->left, count ? count : -1);
	atomic64_set(&p->hits, 0);
	/*
	 * Pairs with smp_load_acquire() in chan_delay(): a task that sees
	 * the point armed sees the whole setting.
	 */
	smp_store_release(&p->us, us);
}

/**
 * chan_delay_hits() - delays a point took since it was armed
 * @dp: the point
 *
 * Return: the count.
 */
u64 chan_delay_hits(enum chan_dp dp)
{
	return atomic64_read(&chan_dpoints[dp].hits);
}

static ssize_t chan_dp_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct chan_dpoint *p = file->private_data;
	char buf[64];
	int len;

	len = scnprintf(buf, sizeof(buf), "%u %d %d %lld\n", READ_ONCE(p->us),
			READ_ONCE(p->tid), atomic_read(&p->left),
			atomic64_read(&p->hits));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t chan_dp_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct chan_dpoint *p = file->private_data;
	int tid = 0, n = 0, args;
	char buf[64];
	u32 us;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	args = sscanf(buf, "%u %d %d", &us, &tid, &n);
	if (args < 1 || tid < 0 || n < 0)
		return -EINVAL;
	chan_delay_arm(p - chan_dpoints, us, tid, n);
	return count;
}

static const struct file_operations chan_dp_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= chan_dp_read,
	.write	= chan_dp_write,
	.llseek	= default_llseek,
};

/**
 * chan_debug_init() - make the delay point files
 *
 * A kernel without debugfs simply has no points to arm.
 *
 * Return: 0.
 */
int chan_debug_init(void)
{
	struct dentry *dir;
	int i;

	chan_debug_dir = debugfs_create_dir("chan", NULL);
	dir = debugfs_create_dir("delay", chan_debug_dir);
	for (i = 0; i < CHAN_DP_NR; i++)
		debugfs_create_file(chan_dpoints[i].name, 0600, dir,
				    &chan_dpoints[i], &chan_dp_fops);
	return 0;
}

/**
 * chan_debug_exit() - remove the delay point files
 */
void chan_debug_exit(void)
{
	debugfs_remove(chan_debug_dir);
}
