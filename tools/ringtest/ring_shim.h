/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map the kernel primitives kmod/ring.h uses onto GCC's __atomic builtins,
 * which ThreadSanitizer understands, so the ring core compiles and runs in
 * user space unchanged.
 */
#ifndef RING_SHIM_H
#define RING_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;

#define ERR_PTR(e)		((void *)(intptr_t)(e))

#define ____cacheline_aligned_in_smp __attribute__((aligned(64)))

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define cmpxchg(p, o, n) ({						\
	__typeof__(*(p)) __old = (o);					\
	__atomic_compare_exchange_n((p), &__old, (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
	__old;								\
})

typedef struct {
	long long counter;
} atomic64_t;

static inline void atomic64_set(atomic64_t *a, long long v)
{
	__atomic_store_n(&a->counter, v, __ATOMIC_RELAXED);
}

static inline long long atomic64_read(const atomic64_t *a)
{
	return __atomic_load_n(&a->counter, __ATOMIC_RELAXED);
}

/* The kernel's race-window delay points (kmod/debug.h) do nothing here. */
#define chan_delay(dp)		((void)0)

#endif /* RING_SHIM_H */
