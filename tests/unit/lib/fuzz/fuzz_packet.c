// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: arbitrary bytes as a received stream, through the
 * same steps as the module's receive loop (header validation, legality,
 * payload decode). Beyond "no crash", it checks that every accepted packet
 * has exactly one encoding: re-encoding the decoded values gives back the
 * received bytes, so the validator lets nothing through that the encoder
 * would not produce.
 */
#include "nbr_codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR sizeof(struct nbr_header)

static void same_bytes(const uint8_t *want, size_t want_len, int n,
		       const uint8_t *got)
{
	if (n < 0 || (size_t)n != want_len || memcmp(want, got, want_len))
		abort();
}

/* @pkt holds the header and @fixed payload bytes of a valid header. */
static void check_payload(const struct nbr_hdr *h, const uint8_t *pkt,
			  size_t fixed)
{
	uint8_t out[HDR + sizeof(struct nbr_p_bitmap) + NBR_BM_CHUNK_MAX];
	const uint8_t *p = pkt + HDR;
	const char *why = NULL;
	size_t want = HDR + fixed;
	int n = -1;
	union {
		struct nbr_auth_challenge c;
		struct nbr_auth_response r;
		struct nbr_params pr;
		struct nbr_state_msg s;
		struct nbr_data d;
		struct nbr_block_ack a;
		struct nbr_barrier b;
		struct nbr_barrier_ack ba;
		struct nbr_read_req rq;
		struct nbr_read_reply rr;
		struct nbr_uuids u;
		struct nbr_bitmap_chunk bm;
		struct nbr_sync_uuid su;
		struct nbr_rs_data rs;
		struct nbr_verify_req vq;
		struct nbr_verify_reply vr;
		u32 flags;
	} v;

	switch ((enum nbr_packet)h->cmd) {
	case NBR_P_AUTH_CHALLENGE:
		if (nbr_decode_auth_challenge(p, fixed, &v.c, &why))
			goto rejected;
		n = nbr_encode_auth_challenge(out, sizeof(out), &v.c);
		break;
	case NBR_P_AUTH_RESPONSE:
		if (nbr_decode_auth_response(p, fixed, &v.r, &why))
			goto rejected;
		n = nbr_encode_auth_response(out, sizeof(out), &v.r);
		break;
	case NBR_P_PARAMS:
		if (nbr_decode_params(p, fixed, &v.pr, &why))
			goto rejected;
		n = nbr_encode_params(out, sizeof(out), &v.pr);
		break;
	case NBR_P_STATE:
		if (nbr_decode_state(p, fixed, &v.s, &why))
			goto rejected;
		n = nbr_encode_state(out, sizeof(out), &v.s);
		break;
	case NBR_P_DATA:
		if (nbr_decode_data(p, fixed, h->len, &v.d, &why))
			goto rejected;
		if (v.d.size != h->len - sizeof(struct nbr_p_data))
			abort();
		(void)nbr_data_check_range(&v.d, 1ull << 21, 1u << 20, &why);
		n = nbr_encode_data(out, sizeof(out), &v.d);
		break;
	case NBR_P_BARRIER:
		if (nbr_decode_barrier(p, fixed, &v.b, &why))
			goto rejected;
		n = nbr_encode_barrier(out, sizeof(out), &v.b);
		break;
	case NBR_P_RECV_ACK:
	case NBR_P_WRITE_ACK:
	case NBR_P_NEG_ACK:
	case NBR_P_RS_ACK:
	case NBR_P_RS_NEG_ACK:
		if (nbr_decode_block_ack(p, fixed, &v.a, &why))
			goto rejected;
		n = nbr_encode_block_ack(out, sizeof(out), h->cmd, &v.a);
		break;
	case NBR_P_BARRIER_ACK:
		if (nbr_decode_barrier_ack(p, fixed, &v.ba, &why))
			goto rejected;
		n = nbr_encode_barrier_ack(out, sizeof(out), &v.ba);
		break;
	case NBR_P_PING:
	case NBR_P_PING_ACK:
	case NBR_P_VERIFY_DONE:
		n = nbr_encode_ping(out, sizeof(out), h->cmd);
		break;
	case NBR_P_READ_REQ:
		if (nbr_decode_read_req(p, fixed, &v.rq, &why))
			goto rejected;
		(void)nbr_read_check_range(&v.rq, 1ull << 21, 1u << 20, &why);
		n = nbr_encode_read_req(out, sizeof(out), &v.rq);
		break;
	case NBR_P_READ_REPLY:
		if (nbr_decode_read_reply(p, fixed, h->len, &v.rr, &why))
			goto rejected;
		if (v.rr.size != h->len - sizeof(struct nbr_p_read_reply))
			abort();
		n = nbr_encode_read_reply(out, sizeof(out), &v.rr);
		break;
	case NBR_P_UUIDS:
	case NBR_P_RS_DONE:
		if (nbr_decode_uuids(p, fixed, &v.u, &why))
			goto rejected;
		n = nbr_encode_uuids(out, sizeof(out), h->cmd, &v.u);
		break;
	case NBR_P_BITMAP:
		if (nbr_decode_bitmap(p, fixed, &v.bm, &why))
			goto rejected;
		n = nbr_encode_bitmap(out, sizeof(out), &v.bm);
		break;
	case NBR_P_SYNC_UUID:
		if (nbr_decode_sync_uuid(p, fixed, &v.su, &why))
			goto rejected;
		n = nbr_encode_sync_uuid(out, sizeof(out), &v.su);
		break;
	case NBR_P_RS_DATA:
		if (nbr_decode_rs_data(p, fixed, h->len, &v.rs, &why))
			goto rejected;
		if (v.rs.size != h->len - sizeof(struct nbr_p_rs_data))
			abort();
		(void)nbr_rs_check_range(&v.rs, 1ull << 21, 1u << 20, &why);
		n = nbr_encode_rs_data(out, sizeof(out), &v.rs);
		break;
	case NBR_P_SYNC_REQ:
		if (nbr_decode_sync_req(p, fixed, &v.flags, &why))
			goto rejected;
		n = nbr_encode_sync_req(out, sizeof(out), v.flags);
		break;
	case NBR_P_VERIFY_REQ:
		if (nbr_decode_verify_req(p, fixed, &v.vq, &why))
			goto rejected;
		(void)nbr_verify_check_range(&v.vq, 1ull << 21, &why);
		n = nbr_encode_verify_req(out, sizeof(out), &v.vq);
		break;
	case NBR_P_VERIFY_REPLY:
		if (nbr_decode_verify_reply(p, fixed, &v.vr, &why))
			goto rejected;
		n = nbr_encode_verify_reply(out, sizeof(out), &v.vr);
		break;
	case NBR_P_COUNT:
		abort();	/* the header validator let it through */
	}
	same_bytes(pkt, want, n, out);
	return;
rejected:
	if (!why || !*why)
		abort();	/* every rejection must say why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum nbr_sock sock;
	enum nbr_phase phase;

	if (size < 1)
		return 0;
	/* The first byte is what the receiver knows: socket and phase. */
	sock = (data[0] & 1) ? NBR_SOCK_META : NBR_SOCK_DATA;
	phase = (enum nbr_phase)(1 << ((data[0] >> 1) & 3));
	data++;
	size--;

	while (size >= HDR) {
		const struct nbr_packet_info *pi;
		const char *why = NULL;
		struct nbr_hdr h;
		size_t fixed;

		if (nbr_decode_header(data, size, &h, &why)) {
			if (!why)
				abort();
			break;
		}
		pi = nbr_packet_info(h.cmd);
		if (!pi || h.len < pi->min_len || h.len > pi->max_len ||
		    h.len > NBR_MAX_PAYLOAD)
			abort();
		why = NULL;
		if (nbr_packet_allowed(h.cmd, sock, phase, &why) && !why)
			abort();
		fixed = nbr_packet_fixed_len(h.cmd, h.len);
		if (size - HDR < fixed)
			break;
		check_payload(&h, data, fixed);
		if (size - HDR < h.len)
			break;
		data += HDR + h.len;
		size -= HDR + h.len;
	}
	return 0;
}
