// SPDX-License-Identifier: GPL-2.0
/*
 * chan sample: a network tap.  A netfilter hook copies IPv4 packets -
 * metadata and the first @snaplen bytes - into a channel that user space
 * created and handed over by writing a send descriptor's number to the
 * attach_fd parameter (tools/chan-pcap does this and writes a pcap file).
 * The hook never sleeps and never holds the packet back: when the channel
 * is full the packet is counted in @dropped and goes on its way.  Only a
 * queue channel is taken (a broadcast channel's full check walks every
 * subscriber, here in softirq).  When the reader is gone (a send fails
 * with EPIPE) the tap disarms itself, and it holds no reference on the
 * network namespace: a namespace that goes away disarms it too.
 */
#include <linux/chan.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/nsproxy.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "chan_nftap.h"

#define NFTAP_SNAP_MAX	4096

static char *hook = "output";
module_param(hook, charp, 0644);
MODULE_PARM_DESC(hook, "Hook point: prerouting, input, output, postrouting");

static unsigned int proto;
module_param(proto, uint, 0644);
MODULE_PARM_DESC(proto, "IP protocol to capture (0: all)");

static unsigned int port;
module_param(port, uint, 0644);
MODULE_PARM_DESC(port, "TCP/UDP port, source or destination (0: all)");

static unsigned int snaplen = 256;
module_param(snaplen, uint, 0644);
MODULE_PARM_DESC(snaplen, "Bytes of each packet to capture (max 4096)");

/* Counted on every CPU at once: atomic, read through the parameters. */
static atomic_long_t captured, dropped;

static int counter_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops counter_ops = {
	.get = counter_get,
};

module_param_cb(captured, &counter_ops, &captured, 0444);
MODULE_PARM_DESC(captured, "Packets captured (read-only)");
module_param_cb(dropped, &counter_ops, &dropped, 0444);
MODULE_PARM_DESC(dropped, "Packets not captured: channel full (read-only)");

struct nftap_buf {
	struct chan_nftap_hdr hdr;
	u8 data[NFTAP_SNAP_MAX];
};

static DEFINE_MUTEX(attach_lock);
static struct chan *tap;
static struct net *tap_net;	/* not counted: see nftap_net_exit() */
static unsigned long tap_gen;	/* counts attaches */
static unsigned long gone_gen;	/* the attach whose reader went away */
static void nftap_gone(struct work_struct *work);
static DECLARE_WORK(gone_work, nftap_gone);
static struct nf_hook_ops tap_ops;
static struct nftap_buf __percpu *scratch;
static unsigned int tap_proto, tap_port, tap_snap;

static bool nftap_match(struct sk_buff *skb, const struct iphdr *iph)
{
	__be16 ports[2], *pp;

	if (tap_proto && iph->protocol != tap_proto)
		return false;
	if (!tap_port)
		return true;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return false;
	pp = skb_header_pointer(skb, skb_network_offset(skb) + iph->ihl * 4,
				sizeof(ports), ports);
	return pp && (ntohs(pp[0]) == tap_port || ntohs(pp[1]) == tap_port);
}

static unsigned int nftap_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct iphdr _iph;
	const struct iphdr *iph;
	struct nftap_buf *b;
	u32 caplen;
	int ret;

	iph = skb_header_pointer(skb, skb_network_offset(skb), sizeof(_iph),
				 &_iph);
	if (!iph || !nftap_match(skb, iph))
		return NF_ACCEPT;

	caplen = min_t(u32, skb->len - skb_network_offset(skb), tap_snap);
	local_bh_disable();
	b = this_cpu_ptr(scratch);
	b->hdr.tstamp_ns = ktime_get_real_ns();
	b->hdr.len = ntohs(iph->tot_len);
	b->hdr.caplen = caplen;
	ret = skb_copy_bits(skb, skb_network_offset(skb), b->data, caplen);
	if (!ret)
		ret = chan_ksend(tap, b, sizeof(b->hdr) + caplen, 0);
	if (ret >= 0) {
		atomic_long_inc(&captured);
	} else {
		atomic_long_inc(&dropped);
		/* Nobody reads any more: disarm, from process context. */
		if (ret == -EPIPE) {
			WRITE_ONCE(gone_gen, tap_gen);
			schedule_work(&gone_work);
		}
	}
	local_bh_enable();
	return NF_ACCEPT;
}

static int nftap_hooknum(void)
{
	if (!strcmp(hook, "prerouting"))
		return NF_INET_PRE_ROUTING;
	if (!strcmp(hook, "input"))
		return NF_INET_LOCAL_IN;
	if (!strcmp(hook, "output"))
		return NF_INET_LOCAL_OUT;
	if (!strcmp(hook, "postrouting"))
		return NF_INET_POST_ROUTING;
	return -EINVAL;
}

/* Caller holds attach_lock. */
static void nftap_detach(void)
{
	if (!tap)
		return;
	nf_unregister_net_hook(tap_net, &tap_ops);	/* waits for hooks */
	tap_net = NULL;
	chan_detach(tap, CHAN_ROLE_SEND);
	chan_put(tap);
	tap = NULL;
}

static int nftap_attach(int fd)
{
	int hooknum = nftap_hooknum(), ret;
	struct chan *ch;

	if (hooknum < 0 || snaplen > NFTAP_SNAP_MAX || port > 65535)
		return -EINVAL;
	if (tap)
		return -EBUSY;
	ch = chan_fdget(fd, CHAN_ROLE_SEND);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	if (chan_kind(ch) != CHAN_KIND_QUEUE) {
		chan_detach(ch, CHAN_ROLE_SEND);
		chan_put(ch);
		return -EINVAL;
	}
	tap_proto = proto;
	tap_port = port;
	tap_snap = snaplen;
	tap_ops = (struct nf_hook_ops){
		.hook = nftap_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = hooknum,
		.priority = NF_IP_PRI_FIRST,
	};
	tap = ch;
	tap_gen++;	/* before the hook can see the channel */
	/* Alive: we run in it; nftap_net_exit() hears of its end. */
	tap_net = current->nsproxy->net_ns;
	ret = nf_register_net_hook(tap_net, &tap_ops);
	if (ret) {
		tap_net = NULL;
		chan_detach(ch, CHAN_ROLE_SEND);
		chan_put(ch);
		tap = NULL;
	}
	return ret;
}

/* The reader went away: disarm, unless the tap was re-armed since. */
static void nftap_gone(struct work_struct *work)
{
	mutex_lock(&attach_lock);
	if (tap && READ_ONCE(gone_gen) == tap_gen)
		nftap_detach();
	mutex_unlock(&attach_lock);
}

/* A network namespace goes away: a tap armed in it goes with it. */
static void nftap_net_exit(struct net *net)
{
	mutex_lock(&attach_lock);
	if (tap && tap_net == net)
		nftap_detach();
	mutex_unlock(&attach_lock);
}

static struct pernet_operations nftap_net_ops = {
	.exit = nftap_net_exit,
};

static int attach_set(const char *val, const struct kernel_param *kp)
{
	int fd, ret;

	ret = kstrtoint(val, 0, &fd);
	if (ret)
		return ret;
	mutex_lock(&attach_lock);
	if (fd < 0) {
		nftap_detach();
		ret = 0;
	} else {
		ret = nftap_attach(fd);
	}
	mutex_unlock(&attach_lock);
	return ret;
}

static int attach_get(char *buf, const struct kernel_param *kp)
{
	u64 id;

	mutex_lock(&attach_lock);
	id = tap ? chan_id(tap) : 0;
	mutex_unlock(&attach_lock);
	return sysfs_emit(buf, "%llu\n", id);
}

static const struct kernel_param_ops attach_ops = {
	.set = attach_set,
	.get = attach_get,
};
module_param_cb(attach_fd, &attach_ops, NULL, 0600);
MODULE_PARM_DESC(attach_fd,
		 "Write a send descriptor to start capturing, -1 to stop");

static int __init nftap_init(void)
{
	int ret;

	scratch = alloc_percpu(struct nftap_buf);
	if (!scratch)
		return -ENOMEM;
	ret = register_pernet_subsys(&nftap_net_ops);
	if (ret)
		free_percpu(scratch);
	return ret;
}

static void __exit nftap_exit(void)
{
	mutex_lock(&attach_lock);
	nftap_detach();
	mutex_unlock(&attach_lock);
	cancel_work_sync(&gone_work);
	unregister_pernet_subsys(&nftap_net_ops);
	free_percpu(scratch);
}

module_init(nftap_init);
module_exit(nftap_exit);
MODULE_DESCRIPTION("chan sample: netfilter tap into a channel");
MODULE_LICENSE("GPL");
