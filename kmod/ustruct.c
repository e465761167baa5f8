// SPDX-License-Identifier: GPL-2.0
/*
 * chan: extensible structures from and to user space - every ioctl's
 * argument starts with its own size, as copy_struct_from_user() defines.
 */
#include <linux/minmax.h>
#include <linux/uaccess.h>

#include "internal.h"

/**
 * chan_get_struct() - read an extensible structure from user space
 * @dst: the kernel's copy
 * @ksize: its size
 * @uarg: the user's structure, starting with its __u32 size
 * @min: smallest size accepted (the first version's)
 *
 * A longer tail must be all zero, as copy_struct_from_user() defines.
 *
 * Return: 0, -EFAULT, -EINVAL (too small) or -E2BIG.
 */
int chan_get_struct(void *dst, size_t ksize, void __user *uarg, size_t min)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < min)
		return -EINVAL;
	if (usize > CHAN_STRUCT_MAX)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}

/**
 * chan_copy_struct_out() - copy an extensible structure to user space
 * @uptr: destination
 * @usize: size of the caller's structure
 * @kptr: source
 * @ksize: size of the kernel's structure
 *
 * Copies min(@usize, @ksize) bytes and zeroes the rest of a larger user
 * structure, so old and new callers both get a well-defined answer.  No
 * structure is larger than %CHAN_STRUCT_MAX.
 *
 * Return: 0, -E2BIG or -EFAULT.
 */
int chan_copy_struct_out(void __user *uptr, size_t usize,
			 const void *kptr, size_t ksize)
{
	size_t n = min(usize, ksize);

	if (usize > CHAN_STRUCT_MAX)
		return -E2BIG;
	if (copy_to_user(uptr, kptr, n))
		return -EFAULT;
	if (usize > ksize && clear_user(uptr + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}
