/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The only place where kernel/lib/ differs between the module and
 * userspace (unit tests, fuzzers, tools). Everything else in kernel/lib/
 * is plain C over the shared headers: no allocation, locking, sleeping,
 * printk, jiffies or mutable globals. Errors are negative errno values.
 */
#ifndef NBR_LIB_COMPAT_H
#define NBR_LIB_COMPAT_H

#ifdef __KERNEL__

#include <linux/kernel.h>	/* snprintf, ARRAY_SIZE */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/byteorder.h>	/* cpu_to_be32() and friends */

#else /* userspace */

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

/* The casts keep the __bitwise annotation meaningful under sparse. */
#define cpu_to_be16(x)	((__be16)htobe16(x))
#define cpu_to_be32(x)	((__be32)htobe32(x))
#define cpu_to_be64(x)	((__be64)htobe64(x))
#define be16_to_cpu(x)	be16toh((__u16)(x))
#define be32_to_cpu(x)	be32toh((__u32)(x))
#define be64_to_cpu(x)	be64toh((__u64)(x))

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif /* __KERNEL__ */

#endif /* NBR_LIB_COMPAT_H */
