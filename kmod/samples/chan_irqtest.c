// SPDX-License-Identifier: GPL-2.0
/*
 * chan sample and test: sending from hardirq context.  User space writes
 * the number of a send descriptor to the attach_fd parameter; the module
 * takes the channel from it (chan_fdget()) and an hrtimer, firing in
 * hardirq context, sends @count sequence numbers (u64, 0 .. count - 1)
 * with chan_ksend(..., 0).  When done, a work item detaches, so readers see
 * end of stream.
 */
#include <linux/chan.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

static unsigned int count = 1000;
module_param(count, uint, 0644);
MODULE_PARM_DESC(count, "Messages to send per attach");

/* No faster than this: a shorter period floods a CPU with interrupts. */
#define IRQTEST_PERIOD_MIN_US	10

static int period_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, IRQTEST_PERIOD_MIN_US,
				     USEC_PER_SEC);
}

static const struct kernel_param_ops period_ops = {
	.set = period_set,
	.get = param_get_uint,
};

static unsigned int period_us = 200;
module_param_cb(period_us, &period_ops, &period_us, 0644);
MODULE_PARM_DESC(period_us, "Timer period in microseconds, 10 to 1000000");

static unsigned int sent;
module_param(sent, uint, 0444);
MODULE_PARM_DESC(sent, "Messages sent (read-only)");

static unsigned int failed;
module_param(failed, uint, 0444);
MODULE_PARM_DESC(failed, "Sends refused, e.g. channel full (read-only)");

static struct chan *ch;
static struct hrtimer timer;
static DEFINE_MUTEX(attach_lock);
static u64 next_seq;

static void irqtest_detach(struct work_struct *work)
{
	mutex_lock(&attach_lock);
	if (ch) {
		chan_detach(ch, CHAN_ROLE_SEND);
		chan_put(ch);
		ch = NULL;
	}
	mutex_unlock(&attach_lock);
}

static DECLARE_WORK(detach_work, irqtest_detach);

static enum hrtimer_restart irqtest_fire(struct hrtimer *t)
{
	u64 seq = next_seq;

	WARN_ON_ONCE(!in_hardirq());
	if (seq >= READ_ONCE(count)) {
		schedule_work(&detach_work);
		return HRTIMER_NORESTART;
	}
	if (chan_ksend(ch, &seq, sizeof(seq), 0) == sizeof(seq)) {
		next_seq++;
		WRITE_ONCE(sent, sent + 1);
	} else {
		WRITE_ONCE(failed, failed + 1);
	}
	hrtimer_forward_now(t, ns_to_ktime(period_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int attach_set(const char *val, const struct kernel_param *kp)
{
	struct chan *c;
	int fd, ret;

	ret = kstrtoint(val, 0, &fd);
	if (ret)
		return ret;
	mutex_lock(&attach_lock);
	if (ch) {
		ret = -EBUSY;
		goto unlock;
	}
	c = chan_fdget(fd, CHAN_ROLE_SEND);
	if (IS_ERR(c)) {
		ret = PTR_ERR(c);
		goto unlock;
	}
	ch = c;
	next_seq = 0;
	WRITE_ONCE(sent, 0);
	WRITE_ONCE(failed, 0);
	hrtimer_start(&timer, ns_to_ktime(period_us * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
unlock:
	mutex_unlock(&attach_lock);
	return ret;
}

static int attach_get(char *buf, const struct kernel_param *kp)
{
	u64 id;

	mutex_lock(&attach_lock);
	id = ch ? chan_id(ch) : 0;
	mutex_unlock(&attach_lock);
	return sysfs_emit(buf, "%llu\n", id);
}

static const struct kernel_param_ops attach_ops = {
	.set = attach_set,
	.get = attach_get,
};
module_param_cb(attach_fd, &attach_ops, NULL, 0600);
MODULE_PARM_DESC(attach_fd,
		 "Write a send descriptor to start; reads the channel id");

static int __init irqtest_init(void)
{
	hrtimer_init(&timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	timer.function = irqtest_fire;
	return 0;
}

static void __exit irqtest_exit(void)
{
	hrtimer_cancel(&timer);
	cancel_work_sync(&detach_work);
	irqtest_detach(NULL);
}

module_init(irqtest_init);
module_exit(irqtest_exit);
MODULE_DESCRIPTION("chan sample: sending from hardirq context");
MODULE_LICENSE("GPL");
