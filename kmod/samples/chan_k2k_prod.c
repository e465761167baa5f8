// SPDX-License-Identifier: GPL-2.0
/*
 * chan sample: a kernel producer.  Creates a named channel and feeds it
 * @count sequenced messages from a kthread, then closes it for sending.
 * chan_k2k_cons (or user space: chanctl recv NAME) drains it.  Either
 * module may be unloaded first: each holds its own reference.
 */
#include <linux/chan.h>
#include <linux/kthread.h>
#include <linux/module.h>

#include "chan_k2k.h"

static char *name = "kernel.k2k";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "Name of the channel to create");

static unsigned int count = 100000;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "Messages to send");

static bool text;
module_param(text, bool, 0444);
MODULE_PARM_DESC(text, "Send \"kernel message N\" strings instead of binary");

static unsigned int sent;
module_param(sent, uint, 0444);
MODULE_PARM_DESC(sent, "Messages sent so far (read-only)");

static struct chan *ch;
static struct task_struct *task;

static int k2k_produce(void *unused)
{
	char line[K2K_MSG_MAX];
	struct k2k_msg m;
	size_t len;
	u64 seq = 0;
	ssize_t r;
	void *p;

	while (seq < count && !kthread_should_stop()) {
		if (text) {
			len = scnprintf(line, sizeof(line),
					"kernel message %llu", seq);
			p = line;
		} else {
			m.seq = seq;
			m.check = k2k_check(seq);
			len = sizeof(m);
			p = &m;
		}
		/* Short waits, so that kthread_stop() is seen promptly. */
		r = chan_ksend(ch, p, len, HZ / 10);
		if (r == len) {
			WRITE_ONCE(sent, ++seq);
			continue;
		}
		if (r != -ETIMEDOUT && r != -ERESTARTSYS)
			break;
	}
	chan_kclose(ch);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init k2k_prod_init(void)
{
	int ret;

	ch = chan_kcreate(0, CHAN_POLICY_BLOCK, 64, K2K_MSG_MAX);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	ret = chan_kname(ch, name);
	if (ret)
		goto put_chan;
	chan_attach(ch, CHAN_ROLE_SEND);
	task = kthread_run(k2k_produce, NULL, "chan-k2k-prod");
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto detach;
	}
	return 0;

detach:
	chan_detach(ch, CHAN_ROLE_SEND);
	chan_kunlink(ch);
put_chan:
	chan_put(ch);
	return ret;
}

static void __exit k2k_prod_exit(void)
{
	kthread_stop(task);
	chan_detach(ch, CHAN_ROLE_SEND);
	chan_kunlink(ch);
	chan_put(ch);
}

module_init(k2k_prod_init);
module_exit(k2k_prod_exit);
MODULE_DESCRIPTION("chan sample: a kernel producer");
MODULE_LICENSE("GPL");
