// SPDX-License-Identifier: GPL-2.0-only
/* Authentication helpers; the exchange is described in nbr_auth.h. */
#include "nbr_auth.h"

int nbr_memneq(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	u8 acc = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		acc |= x[i] ^ y[i];
		/* Keep the compiler from turning this into an early exit. */
		__asm__ __volatile__("" : "+r"(acc));
	}
	return acc != 0;
}

static bool all_zero(const u8 *p, size_t n)
{
	u8 acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

enum nbr_auth_result nbr_auth_check_challenge(
	const struct nbr_auth_local *local,
	const struct nbr_auth_challenge *peer)
{
	if (!nbr_name_valid(local->my_name) ||
	    !nbr_name_valid(local->peer_name) ||
	    !nbr_name_valid(local->resource))
		return NBR_AUTH_BAD_LOCAL;
	if (peer->auth_alg != local->auth_alg)
		return NBR_AUTH_ALG_MISMATCH;
	if (strcmp(peer->resource, local->resource) != 0)
		return NBR_AUTH_RESOURCE_MISMATCH;
	if (local->sock && peer->sock != local->sock)
		return NBR_AUTH_SOCK_MISMATCH;
	/* Checked before the expected name: a reflection shows up as such
	 * in the log even if the peer name is configured wrongly.
	 */
	if (strcmp(peer->node_name, local->my_name) == 0)
		return NBR_AUTH_PEER_HAS_MY_NAME;
	if (strcmp(peer->node_name, local->peer_name) != 0)
		return NBR_AUTH_UNEXPECTED_PEER;
	if (all_zero(peer->nonce, NBR_NONCE_LEN))
		return NBR_AUTH_ZERO_NONCE;
	if (!nbr_memneq(peer->nonce, local->my_nonce, NBR_NONCE_LEN))
		return NBR_AUTH_REFLECTED_NONCE;
	return NBR_AUTH_OK;
}

static void copy_name(u8 dst[NBR_NAME_LEN], const char *src)
{
	memset(dst, 0, NBR_NAME_LEN);
	memcpy(dst, src, strnlen(src, NBR_NAME_LEN - 1));
}

int nbr_auth_msg_build(struct nbr_auth_msg *msg, const char *resource,
		       unsigned int sock, const char *prover_name,
		       const u8 *prover_nonce, const char *verifier_name,
		       const u8 *verifier_nonce)
{
	if (!nbr_name_valid(resource) || !nbr_name_valid(prover_name) ||
	    !nbr_name_valid(verifier_name))
		return -EINVAL;
	if (sock != NBR_SOCK_DATA && sock != NBR_SOCK_META)
		return -EINVAL;
	/* Every byte is defined: padding leaks nothing and both sides MAC
	 * identical bytes.
	 */
	memset(msg, 0, sizeof(*msg));
	memcpy(msg->label, NBR_AUTH_LABEL, sizeof(NBR_AUTH_LABEL));
	copy_name(msg->resource, resource);
	msg->sock = cpu_to_be16((u16)sock);
	copy_name(msg->prover_name, prover_name);
	memcpy(msg->prover_nonce, prover_nonce, NBR_NONCE_LEN);
	copy_name(msg->verifier_name, verifier_name);
	memcpy(msg->verifier_nonce, verifier_nonce, NBR_NONCE_LEN);
	return 0;
}

enum nbr_auth_result nbr_auth_check_mac(const u8 *expected,
					const u8 *received)
{
	return nbr_memneq(expected, received, NBR_MAC_LEN) ?
		NBR_AUTH_BAD_MAC : NBR_AUTH_OK;
}

const char *nbr_auth_str(enum nbr_auth_result r)
{
	switch (r) {
	case NBR_AUTH_OK:
		return "authenticated";
	case NBR_AUTH_ALG_MISMATCH:
		return "peer uses another authentication method";
	case NBR_AUTH_RESOURCE_MISMATCH:
		return "peer asks for another resource";
	case NBR_AUTH_SOCK_MISMATCH:
		return "peer announced the wrong socket kind";
	case NBR_AUTH_UNEXPECTED_PEER:
		return "peer is not the configured node";
	case NBR_AUTH_PEER_HAS_MY_NAME:
		return "peer claims this node's name";
	case NBR_AUTH_REFLECTED_NONCE:
		return "peer sent our own challenge back";
	case NBR_AUTH_ZERO_NONCE:
		return "peer sent an all-zero challenge";
	case NBR_AUTH_BAD_MAC:
		return "wrong response (shared secret differs?)";
	case NBR_AUTH_BAD_LOCAL:
		return "local names are invalid";
	case NBR_AUTH_COUNT:
		break;
	}
	return "unknown authentication result";
}
