// SPDX-License-Identifier: GPL-2.0-only
/*
 * Peer authentication on every new socket, before any other packet: a
 * mutual HMAC-SHA256 challenge-response (docs/wire-protocol.md 4.2).
 * The bytes to MAC, the challenge checks and the constant-time compare
 * come from kernel/lib/auth.c; this file adds the kernel crypto API and
 * the packet exchange.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/random.h>

#include "nbr_net.h"
#include "nbr_auth.h"

int nbr_auth_init(struct nbr_conn *conn)
{
	struct crypto_shash *tfm;
	int err;

	if (conn->conf.auth_alg == NBR_AUTH_NONE)
		return 0;
	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = crypto_shash_setkey(tfm, conn->conf.secret, conn->conf.secret_len);
	if (err) {
		crypto_free_shash(tfm);
		return err;
	}
	conn->hmac = tfm;
	return 0;
}

void nbr_auth_exit(struct nbr_conn *conn)
{
	if (conn->hmac)
		crypto_free_shash(conn->hmac);
	conn->hmac = NULL;
}

/* One session of the exchange on one socket. */
struct nbr_auth_session {
	struct nbr_conn *conn;
	struct socket *sock;
	enum nbr_sock kind;		/* 0 until an acceptor learns it */
	u8 my_nonce[NBR_NONCE_LEN];
	struct nbr_auth_challenge peer;
};

/* The MAC with @prover answering @verifier; all zero without auth. */
static int compute_mac(struct nbr_auth_session *s, bool me_prover, u8 *mac)
{
	const struct nbr_net_conf *nc = &s->conn->conf;
	struct nbr_auth_msg msg;
	int err;

	memset(mac, 0, NBR_MAC_LEN);
	if (!s->conn->hmac)
		return 0;
	if (me_prover)
		err = nbr_auth_msg_build(&msg, s->conn->dev->resource, s->kind,
					 nc->my_name, s->my_nonce,
					 nc->peer_name, s->peer.nonce);
	else
		err = nbr_auth_msg_build(&msg, s->conn->dev->resource, s->kind,
					 nc->peer_name, s->peer.nonce,
					 nc->my_name, s->my_nonce);
	if (err)
		return err;
	return crypto_shash_tfm_digest(s->conn->hmac, (const u8 *)&msg,
				       sizeof(msg), mac);
}

static int send_challenge(struct nbr_auth_session *s)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_auth_challenge)];
	struct nbr_auth_challenge c = {};
	int len;

	memcpy(c.nonce, s->my_nonce, NBR_NONCE_LEN);
	strscpy(c.node_name, s->conn->conf.my_name, sizeof(c.node_name));
	strscpy(c.resource, s->conn->dev->resource, sizeof(c.resource));
	c.sock = s->kind;
	c.auth_alg = s->conn->conf.auth_alg;
	len = nbr_encode_auth_challenge(buf, sizeof(buf), &c);
	if (len < 0)
		return len;
	return nbr_send_all(s->sock, buf, len, 0);
}

static int recv_challenge(struct nbr_auth_session *s)
{
	u8 buf[sizeof(struct nbr_p_auth_challenge)];
	struct nbr_auth_local local;
	enum nbr_auth_result r;
	const char *reason = "?";
	struct nbr_hdr hdr;
	int err;

	/* The kind is unknown on an accepted socket; auth is legal on both. */
	err = nbr_recv_packet(s->conn, s->sock, s->kind ? s->kind :
			      NBR_SOCK_DATA, NBR_PH_CHALLENGE, &hdr, buf,
			      sizeof(buf), &reason);
	if (!err)
		err = nbr_decode_auth_challenge(buf, hdr.len, &s->peer,
						&reason);
	if (err) {
		if (err == -EPROTO)
			nbr_warn_rl(s->conn->dev, "auth: dropping connection: %s\n",
				    reason);
		return err;
	}
	local.my_name = s->conn->conf.my_name;
	local.peer_name = s->conn->conf.peer_name;
	local.resource = s->conn->dev->resource;
	local.my_nonce = s->my_nonce;
	local.auth_alg = s->conn->conf.auth_alg;
	local.sock = s->kind;
	r = nbr_auth_check_challenge(&local, &s->peer);
	if (r != NBR_AUTH_OK) {
		nbr_warn_rl(s->conn->dev, "auth: refusing peer \"%s\": %s\n",
			    s->peer.node_name, nbr_auth_str(r));
		return -EACCES;
	}
	s->kind = s->peer.sock;
	return 0;
}

static int send_response(struct nbr_auth_session *s)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_auth_response)];
	struct nbr_auth_response r;
	int len, err;

	err = compute_mac(s, true, r.mac);
	if (err)
		return err;
	len = nbr_encode_auth_response(buf, sizeof(buf), &r);
	memzero_explicit(&r, sizeof(r));
	if (len < 0)
		return len;
	err = nbr_send_all(s->sock, buf, len, 0);
	memzero_explicit(buf, sizeof(buf));
	return err;
}

static int recv_response(struct nbr_auth_session *s)
{
	u8 buf[sizeof(struct nbr_p_auth_response)];
	struct nbr_auth_response r;
	u8 expected[NBR_MAC_LEN];
	const char *reason = "?";
	struct nbr_hdr hdr;
	int err;

	err = nbr_recv_packet(s->conn, s->sock, s->kind, NBR_PH_RESPONSE,
			      &hdr, buf, sizeof(buf), &reason);
	if (!err)
		err = nbr_decode_auth_response(buf, hdr.len, &r, &reason);
	if (err) {
		if (err == -EPROTO)
			nbr_warn_rl(s->conn->dev, "auth: dropping connection: %s\n",
				    reason);
		return err;
	}
	err = compute_mac(s, false, expected);
	if (err)
		return err;
	if (nbr_auth_check_mac(expected, r.mac) != NBR_AUTH_OK) {
		nbr_warn_rl(s->conn->dev, "auth: peer \"%s\" failed authentication (wrong shared secret?)\n",
			    s->peer.node_name);
		err = -EACCES;
	}
	memzero_explicit(expected, sizeof(expected));
	return err;
}

/* We connected: challenge first, answer, then check the peer's answer. */
int nbr_auth_connector(struct nbr_conn *conn, struct socket *sock,
		       enum nbr_sock kind)
{
	struct nbr_auth_session s = { .conn = conn, .sock = sock,
				      .kind = kind };
	int err;

	get_random_bytes(s.my_nonce, sizeof(s.my_nonce));
	err = send_challenge(&s);
	if (!err)
		err = recv_challenge(&s);
	if (!err)
		err = send_response(&s);
	if (!err)
		err = recv_response(&s);
	return err;
}

/*
 * We accepted: the connector's challenge tells the socket kind. We check
 * the connector's answer before giving ours, so a stranger never gets a
 * MAC from us.
 */
int nbr_auth_acceptor(struct nbr_conn *conn, struct socket *sock,
		      enum nbr_sock *kind)
{
	struct nbr_auth_session s = { .conn = conn, .sock = sock };
	int err;

	get_random_bytes(s.my_nonce, sizeof(s.my_nonce));
	err = recv_challenge(&s);
	if (!err)
		err = send_challenge(&s);
	if (!err)
		err = recv_response(&s);
	if (!err)
		err = send_response(&s);
	if (!err)
		*kind = s.kind;
	return err;
}
