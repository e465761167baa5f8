// SPDX-License-Identifier: GPL-2.0
/*
 * chan sample: a kernel consumer.  Opens a named channel (made by
 * chan_k2k_prod) and drains it from a kthread, checking that every
 * message arrives once and in order, until end of stream.
 */
#include <linux/chan.h>
#include <linux/kthread.h>
#include <linux/module.h>

#include "chan_k2k.h"

static char *name = "kernel.k2k";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "Name of the channel to drain");

static unsigned int received;
module_param(received, uint, 0444);
MODULE_PARM_DESC(received, "Messages received in order (read-only)");

static unsigned int errors;
module_param(errors, uint, 0444);
MODULE_PARM_DESC(errors, "Messages out of order or corrupt (read-only)");

static bool done;
module_param(done, bool, 0444);
MODULE_PARM_DESC(done, "End of stream seen (read-only)");

static struct chan *ch;
static struct task_struct *task;

static int k2k_consume(void *unused)
{
	struct k2k_msg m;
	u64 next = 0;
	ssize_t r;

	while (!kthread_should_stop() && !READ_ONCE(done)) {
		r = chan_krecv(ch, &m, sizeof(m), HZ / 10);
		if (r == sizeof(m)) {
			if (m.seq != next || m.check != k2k_check(m.seq))
				WRITE_ONCE(errors, errors + 1);
			next = m.seq + 1;
			WRITE_ONCE(received, received + 1);
		} else if (r == 0) {
			WRITE_ONCE(done, true);
		} else if (r != -ETIMEDOUT && r != -ERESTARTSYS) {
			WRITE_ONCE(errors, errors + 1);
		}
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init k2k_cons_init(void)
{
	int ret;

	ch = chan_klookup(name);
	if (!ch)
		return -ENOENT;
	chan_attach(ch, CHAN_ROLE_RECV);
	task = kthread_run(k2k_consume, NULL, "chan-k2k-cons");
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		chan_detach(ch, CHAN_ROLE_RECV);
		chan_put(ch);
		return ret;
	}
	return 0;
}

static void __exit k2k_cons_exit(void)
{
	kthread_stop(task);
	chan_detach(ch, CHAN_ROLE_RECV);
	chan_put(ch);
}

module_init(k2k_cons_init);
module_exit(k2k_cons_exit);
MODULE_DESCRIPTION("chan sample: a kernel consumer");
MODULE_LICENSE("GPL");
