/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan: declarations shared by the module's files.
 */
#ifndef _CHAN_INTERNAL_H
#define _CHAN_INTERNAL_H

#include <linux/types.h>
#include <uapi/linux/chan.h>

/* Module parameters (main.c). */
extern unsigned int chan_max_capacity;
extern unsigned int chan_max_msg_size;

/* The /dev/chan device (dev.c). */
int chan_dev_init(void);
void chan_dev_exit(void);

int chan_copy_struct_out(void __user *uptr, size_t usize,
			 const void *kptr, size_t ksize);

#endif /* _CHAN_INTERNAL_H */
