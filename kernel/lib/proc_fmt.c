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

/* Appends to a buffer; remembers overflow instead of failing each call. */
struct fmt_cursor {
	char *buf;
	size_t size;
	size_t len;	/* would-be length, may exceed size */
};

static __printf(2, 3) void put(struct fmt_cursor *c, const char *fmt, ...)
{
	size_t room = c->len < c->size ? c->size - c->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? c->buf + c->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len += n;
}

static void put_chars(struct fmt_cursor *c, char ch, unsigned int count)
{
	while (count--)
		put(c, "%c", ch);
}

/* 15360 -> "15,360", as DRBD prints speeds. */
static void put_grouped(struct fmt_cursor *c, u64 v)
{
	u64 scale = 1;

	while (v / scale >= 1000)
		scale *= 1000;
	put(c, "%llu", (unsigned long long)(v / scale));
	while (scale > 1) {
		v %= scale;
		scale /= 1000;
		put(c, ",%03llu", (unsigned long long)(v / scale));
	}
}

unsigned int nbr_proc_sync_permille(const struct nbr_proc_sync *s)
{
	u64 done, total = s->total_kib;

	if (!total || s->left_kib > total)
		return 0;
	done = total - s->left_kib;
	/* done * 1000 must not overflow: scale both down first */
	while (total > ~0ULL / 1000) {
		total >>= 10;
		done >>= 10;
	}
	return (unsigned int)(done * 1000 / total);
}

u64 nbr_proc_sync_eta(const struct nbr_proc_sync *s)
{
	if (!s->speed_kib)
		return ~0ULL;
	return s->left_kib / s->speed_kib;
}

/* Above this many KiB the amounts are shown in MiB (DRBD: 4 GiB). */
#define SYNC_MIB_ABOVE_KIB	(4ULL << 20)

int nbr_proc_format_sync(char *buf, size_t size,
			 const struct nbr_proc_sync *s)
{
	struct fmt_cursor c = { .buf = buf, .size = size };
	unsigned int permille = nbr_proc_sync_permille(s);
	unsigned int full = permille / 50;
	u64 left = s->left_kib > s->total_kib ? s->total_kib : s->left_kib;
	u64 eta = nbr_proc_sync_eta(s);

	put(&c, "\t[");
	put_chars(&c, '=', full ? full - 1 : 0);
	put(&c, ">");
	put_chars(&c, '.', 20 - full);
	put(&c, "] %s%3u.%u%% ", s->verify ? "verified:" : "sync'ed:",
	    permille / 10, permille % 10);
	if (s->total_kib > SYNC_MIB_ABOVE_KIB)
		put(&c, "(%llu/%llu)M\n", (unsigned long long)(left >> 10),
		    (unsigned long long)(s->total_kib >> 10));
	else
		put(&c, "(%llu/%llu)K\n", (unsigned long long)left,
		    (unsigned long long)s->total_kib);

	if (eta == ~0ULL)
		put(&c, "\tfinish: -:--:--");
	else
		put(&c, "\tfinish: %llu:%02u:%02u",
		    (unsigned long long)(eta / 3600),
		    (unsigned int)(eta % 3600 / 60), (unsigned int)(eta % 60));
	put(&c, " speed: ");
	put_grouped(&c, s->speed_kib);
	put(&c, " (");
	put_grouped(&c, s->avg_speed_kib);
	put(&c, ")");
	if (s->want_kib) {
		put(&c, " want: ");
		put_grouped(&c, s->want_kib);
	}
	put(&c, " K/sec%s%s\n", s->paused ? " (paused)" : "",
	    s->stalled ? " (stalled)" : "");

	if (size)
		buf[c.len < size ? c.len : size - 1] = '\0';
	if (c.len >= size)
		return -ENOSPC;
	return (int)c.len;
}
