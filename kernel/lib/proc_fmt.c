// SPDX-License-Identifier: GPL-2.0-only
/* /proc/drbd formatting; see nbr_proc_fmt.h. */
#include "nbr_proc_fmt.h"
#include "nbr_state_rules.h"
#include <nbr/version.h>

static int checked(int n, size_t size)
{
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENOSPC;
	return n;
}

int nbr_proc_format_version(char *buf, size_t size)
{
	return checked(snprintf(buf, size, "version: %s (api:%d/proto:%u-%u)\n",
				NBR_VERSION, NBR_API_VERSION, NBR_PROTO_MIN,
				NBR_PROTO_MAX), size);
}

int nbr_proc_format_unconfigured(char *buf, size_t size, unsigned int minor)
{
	return checked(snprintf(buf, size, "%2u: cs:Unconfigured\n", minor),
		       size);
}

static char blocked_char(enum nbr_proc_blocked b)
{
	switch (b) {
	case NBR_BLK_NONE:
	case NBR_BLK_INTERNAL:
	case NBR_BLK_BACKING:
	case NBR_BLK_NETWORK:
	case NBR_BLK_BOTH:
		return (char)b;
	}
	return '?';
}

static char wo_char(enum nbr_proc_wo wo)
{
	switch (wo) {
	case NBR_WO_NONE:
	case NBR_WO_DRAIN:
	case NBR_WO_FLUSH:
	case NBR_WO_BARRIER:
		return (char)wo;
	}
	return '?';
}

int nbr_proc_format_dev(char *buf, size_t size, unsigned int minor,
			const struct nbr_proc_dev *d)
{
	char proto = d->has_net ? nbr_wire_proto_char(d->proto) : ' ';

	return checked(snprintf(buf, size,
		"%2u: cs:%s ro:%s/%s ds:%s/%s %c %c%c%c%c%c%c\n"
		"    ns:%llu nr:%llu dw:%llu dr:%llu al:%llu bm:%llu lo:%u pe:%u ua:%u ap:%u ep:%u wo:%c oos:%llu\n",
		minor, nbr_conn_str(d->st.conn), nbr_role_str(d->st.role),
		nbr_role_str(d->st.peer_role), nbr_disk_str(d->st.disk),
		nbr_disk_str(d->st.peer_disk), proto,
		d->io_suspended ? 's' : 'r', d->paused_dep ? 'a' : '-',
		d->paused_peer ? 'p' : '-', d->paused_user ? 'u' : '-',
		blocked_char(d->blocked), d->al_suspended ? 's' : '-',
		(unsigned long long)d->ns_kib, (unsigned long long)d->nr_kib,
		(unsigned long long)d->dw_kib, (unsigned long long)d->dr_kib,
		(unsigned long long)d->al_writes,
		(unsigned long long)d->bm_writes, d->lo, d->pe, d->ua, d->ap,
		d->ep, wo_char(d->wo), (unsigned long long)d->oos_kib), size);
}
