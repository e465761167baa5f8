/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The message chan_nftap sends for each captured packet: this header, then
 * caplen bytes of the packet from its IPv4 header on.  tools/chan-pcap
 * reads it.
 */
#ifndef _CHAN_NFTAP_H
#define _CHAN_NFTAP_H

#include <linux/types.h>

/**
 * struct chan_nftap_hdr - one captured packet
 * @tstamp_ns: capture time, CLOCK_REALTIME in nanoseconds
 * @len: the packet's length on the wire (from the IP header)
 * @caplen: bytes that follow (at most the snap length)
 */
struct chan_nftap_hdr {
	__u64 tstamp_ns;
	__u32 len;
	__u32 caplen;
};

#endif /* _CHAN_NFTAP_H */
