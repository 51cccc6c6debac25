/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Peer authentication helpers that need no crypto: the byte string each
 * side MACs, the checks on a received challenge, and a constant-time
 * compare. The module computes HMAC-SHA256 over nbr_auth_msg with the
 * kernel crypto API ("hmac(sha256)").
 *
 * Exchange on every new socket (data and meta alike):
 *   connector -> CHALLENGE(nonce_c, name_c, resource, sock, alg)
 *   acceptor  -> CHALLENGE(nonce_a, name_a, resource, sock, alg)
 *   each      -> RESPONSE(HMAC(secret, msg(prover = self,
 *                                          verifier = peer)))
 * and each side checks the peer's response against
 * HMAC(secret, msg(prover = peer, verifier = self)). No other packet is
 * accepted before both checks passed.
 */
#ifndef NBR_AUTH_H
#define NBR_AUTH_H

#include "nbr_codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this node expects of the peer on one socket. */
struct nbr_auth_local {
	const char *my_name;
	const char *peer_name;		/* configured peer node name */
	const char *resource;
	/* NBR_NONCE_LEN bytes, already sent or about to be sent */
	const u8 *my_nonce;
	enum nbr_auth_alg auth_alg;
	/* The socket kind, or 0 on an accepted socket whose kind the
	 * connector's challenge tells us.
	 */
	unsigned int sock;
};

enum nbr_auth_result {
	NBR_AUTH_OK = 0,
	NBR_AUTH_ALG_MISMATCH,
	NBR_AUTH_RESOURCE_MISMATCH,
	NBR_AUTH_SOCK_MISMATCH,
	NBR_AUTH_UNEXPECTED_PEER,	/* name is not the configured peer */
	NBR_AUTH_PEER_HAS_MY_NAME,	/* reflection or misconfiguration */
	NBR_AUTH_REFLECTED_NONCE,	/* our own challenge sent back */
	NBR_AUTH_ZERO_NONCE,		/* no randomness at all */
	NBR_AUTH_BAD_MAC,		/* wrong secret or forged response */
	NBR_AUTH_BAD_LOCAL,		/* our own configuration is invalid */
	NBR_AUTH_COUNT
};

/* Check a decoded challenge before answering it. */
enum nbr_auth_result nbr_auth_check_challenge(
	const struct nbr_auth_local *local,
	const struct nbr_auth_challenge *peer);

/*
 * Fill @msg, the exact bytes to MAC, for one direction. The prover is the
 * side that answers. Returns 0, or -EINVAL when a name is invalid or the
 * socket kind is unknown.
 */
int nbr_auth_msg_build(struct nbr_auth_msg *msg, const char *resource,
		       unsigned int sock, const char *prover_name,
		       const u8 *prover_nonce, const char *verifier_name,
		       const u8 *verifier_nonce);

/*
 * Compare a received MAC with the expected one in constant time.
 * NBR_AUTH_OK or NBR_AUTH_BAD_MAC.
 */
enum nbr_auth_result nbr_auth_check_mac(const u8 *expected,
					const u8 *received);

/* Nonzero when the buffers differ; time depends only on @n. */
int nbr_memneq(const void *a, const void *b, size_t n);

const char *nbr_auth_str(enum nbr_auth_result r);

#ifdef __cplusplus
}
#endif

#endif /* NBR_AUTH_H */
