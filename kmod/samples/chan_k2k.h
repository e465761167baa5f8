/* SPDX-License-Identifier: GPL-2.0 */
/* The message the kernel-to-kernel samples exchange. */
#ifndef _CHAN_K2K_H
#define _CHAN_K2K_H

#include <linux/types.h>

#define K2K_MSG_MAX	32

struct k2k_msg {
	u64 seq;
	u64 check;
};

static inline u64 k2k_check(u64 seq)
{
	return seq * 0x9e3779b97f4a7c15ULL ^ 0x6a09e667f3bcc908ULL;
}

#endif /* _CHAN_K2K_H */
