// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: two parameter packets, a challenge and two raw states
 * from arbitrary bytes, through the handshake decision, the auth checks,
 * the race tie-break, the state rules and the /proc formatter.
 *
 * Properties checked besides "no crash":
 *  - both nodes reach the same verdict and the same agreement;
 *  - the agreement lies inside both offers, and any grown area inside it;
 *  - exactly one of two racing connections survives;
 *  - state checks return a known code with its own reason string;
 *  - formatting never writes past the buffer and always terminates it.
 */
#include "nbr_auth.h"
#include "nbr_handshake.h"
#include "nbr_proc_fmt.h"
#include "nbr_state_rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PARAMS sizeof(struct nbr_p_params)
#define CHALLENGE sizeof(struct nbr_p_auth_challenge)

static uint64_t usable(const struct nbr_params *p)
{
	if (p->user_sectors && p->user_sectors < p->disk_sectors)
		return p->user_sectors;
	return p->disk_sectors;
}

static void check_decision(const struct nbr_params *a,
			   const struct nbr_params *b)
{
	struct nbr_agreed x, y;
	enum nbr_hs_result rx = nbr_handshake_decide(a, b, &x);
	enum nbr_hs_result ry = nbr_handshake_decide(b, a, &y);

	if (!nbr_hs_str(rx) || (rx == NBR_HS_OK) != (ry == NBR_HS_OK))
		abort();
	if (rx != NBR_HS_OK)
		return;
	if (x.proto != y.proto || x.features != y.features ||
	    x.dev_sectors != y.dev_sectors || x.max_bio != y.max_bio ||
	    x.grown_from != y.grown_from || x.grown_from > x.dev_sectors)
		abort();
	if (x.proto < a->proto_min || x.proto > a->proto_max ||
	    x.proto < b->proto_min || x.proto > b->proto_max)
		abort();
	if ((x.features & ~(a->features & b->features)) ||
	    x.max_bio > a->max_bio || x.max_bio > b->max_bio || !x.dev_sectors)
		abort();
	if ((usable(a) && x.dev_sectors > usable(a)) ||
	    (usable(b) && x.dev_sectors > usable(b)))
		abort();
	if (a->role == NBR_R_PRIMARY && b->role == NBR_R_PRIMARY)
		abort();
}

static void check_challenge(const uint8_t *p)
{
	static const uint8_t my_nonce[NBR_NONCE_LEN] = { 1, 2, 3 };
	struct nbr_auth_local local = {
		"alice", "bob", "r0", my_nonce, NBR_AUTH_HMAC_SHA256, 0
	};
	struct nbr_auth_challenge c;
	struct nbr_auth_msg msg;
	enum nbr_auth_result r;
	int k1, k2;

	if (nbr_decode_auth_challenge(p, CHALLENGE, &c, NULL))
		return;
	r = nbr_auth_check_challenge(&local, &c);
	if (r >= NBR_AUTH_COUNT || !nbr_auth_str(r))
		abort();
	/* A decoded challenge always has names the MAC input accepts. */
	if (nbr_auth_msg_build(&msg, c.resource, c.sock, c.node_name, c.nonce,
			       "alice", my_nonce))
		abort();
	k1 = nbr_race_keep_outgoing(c.node_name, "alice");
	k2 = nbr_race_keep_outgoing("alice", c.node_name);
	if (strcmp(c.node_name, "alice") == 0) {
		if (k1 != -EINVAL || k2 != -EINVAL)
			abort();
	} else if (k1 < 0 || k2 < 0 || k1 == k2) {
		abort();
	}
}

static void get_state(struct nbr_state *s, const uint8_t *p)
{
	/* Mostly valid values, sometimes just out of range. */
	s->role = (enum nbr_role)(p[0] % (NBR_R_COUNT + 1));
	s->peer_role = (enum nbr_role)(p[1] % (NBR_R_COUNT + 1));
	s->conn = (enum nbr_conn_state)(p[2] % (NBR_C_COUNT + 1));
	s->disk = (enum nbr_disk_state)(p[3] % (NBR_D_COUNT + 1));
	s->peer_disk = (enum nbr_disk_state)(p[4] % (NBR_D_COUNT + 1));
}

static void check_states(const uint8_t *p)
{
	struct nbr_state o, n;
	struct nbr_proc_dev d;
	const char *why = NULL;
	enum nbr_ss rv;
	char buf[256];
	size_t size = p[10] % sizeof(buf);
	int len;

	get_state(&o, p);
	get_state(&n, p + 5);
	rv = nbr_state_check(&o, &n, &why);
	if (rv > 0 || rv < NBR_SS_LOWEST || !why || strcmp(why, nbr_ss_str(rv)))
		abort();

	memset(&d, 0, sizeof(d));
	d.st = n;
	d.has_net = p[10] & 1;
	d.proto = (enum nbr_wire_proto)(p[10] % 5);
	d.blocked = NBR_BLK_NONE;
	d.wo = NBR_WO_FLUSH;
	d.ns_kib = ~0ull;
	memset(buf, 'x', sizeof(buf));
	len = nbr_proc_format_dev(buf, size, p[0], &d);
	if (size && (memchr(buf, 0, size) == NULL))
		abort();
	if (len >= 0 && (size_t)len != strlen(buf))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nbr_params a, b;

	if (size >= 2 * PARAMS &&
	    !nbr_decode_params(data, PARAMS, &a, NULL) &&
	    !nbr_decode_params(data + PARAMS, PARAMS, &b, NULL)) {
		check_decision(&a, &b);
		check_decision(&a, &a);
	}
	if (size >= 2 * PARAMS + CHALLENGE)
		check_challenge(data + 2 * PARAMS);
	if (size >= 11)
		check_states(data + size - 11);
	return 0;
}
