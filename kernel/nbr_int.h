/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared between the module's files. */
#ifndef NBR_INT_H
#define NBR_INT_H

/* /proc/drbd (proc.c). */
bool nbr_proc_taken(void);
int nbr_proc_init(void);
void nbr_proc_exit(void);

#endif /* NBR_INT_H */
