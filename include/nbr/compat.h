/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few spellings that differ between the kernel, userspace C and C++
 * for the shared headers: fixed-width big-endian types, "packed" and a
 * two-argument compile-time assertion.
 *
 * <linux/types.h> gives __u8 ... __u64 and __be16/__be32/__be64 both in the
 * kernel and in userspace (linux-libc-dev). The __bitwise annotation lets
 * sparse (make C=2) catch a wire field used without be*_to_cpu().
 */
#ifndef NBR_COMPAT_H
#define NBR_COMPAT_H

#include <linux/types.h>

#if defined(__KERNEL__)
#include <linux/build_bug.h>	/* static_assert(expr, msg) */
#elif !defined(__cplusplus)
#include <assert.h>		/* C11: static_assert -> _Static_assert */
#endif
/* In C++ static_assert is a keyword. */

#if defined(__KERNEL__)
#define NBR_PACKED __packed
#else
#define NBR_PACKED __attribute__((packed))
#endif

/* Size check placed right under each wire/disk declaration. */
#define NBR_ASSERT_SIZE(type, size) \
	static_assert(sizeof(type) == (size), #type " must be " #size " bytes")

#endif /* NBR_COMPAT_H */
