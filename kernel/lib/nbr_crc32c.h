/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * crc32c (Castagnoli, reflected polynomial 0x82f63b78), self-contained so
 * that the module, drbdmeta and the tests compute the same value without
 * depending on the kernel's crypto API or a userspace library.
 *
 * nbr_crc32c(0, "123456789", 9) == 0xe3069283 (the standard check value).
 * Chaining: nbr_crc32c(nbr_crc32c(0, a, n), b, m) == crc32c of a then b.
 */
#ifndef NBR_CRC32C_H
#define NBR_CRC32C_H

#include "nbr_lib_compat.h"

#ifdef __cplusplus
extern "C" {
#endif

u32 nbr_crc32c(u32 crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NBR_CRC32C_H */
