/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Release identity of the module and the tools. Kept in a header (not taken
 * from git) so that a tarball build reports the same version as a checkout.
 */
#ifndef NBR_VERSION_H
#define NBR_VERSION_H

#define NBR_VERSION "0.1.0"

/*
 * Version of the generic netlink API (NBR_GENL_VERSION). Printed as "api:"
 * in /proc/drbd, as DRBD does.
 */
#define NBR_API_VERSION 1

#endif /* NBR_VERSION_H */
