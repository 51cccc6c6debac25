// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP sockets of a connection: listen, connect and accept with bounded
 * waits, whole-buffer send and receive, and the one place where a
 * received packet header is validated (kernel/lib/codec.c) before any
 * payload byte is read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/in.h>
#include <linux/uio.h>
#include <linux/in6.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "nbr_net.h"

/*
 * sndbuf-size / rcvbuf-size replace autotuning with fixed buffers. They
 * are set before connect and listen: the receive window's scale is agreed
 * in the SYN, and accepted sockets inherit the listener's buffers.
 */
static void set_bufsize(struct sock *sk, unsigned int snd, unsigned int rcv)
{
	lock_sock(sk);
	if (snd) {
		sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
		WRITE_ONCE(sk->sk_sndbuf, max_t(unsigned int, snd, SOCK_MIN_SNDBUF));
	}
	if (rcv) {
		sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
		WRITE_ONCE(sk->sk_rcvbuf, max_t(unsigned int, rcv, SOCK_MIN_RCVBUF));
	}
	release_sock(sk);
}

static int new_sock(struct nbr_conn *conn, struct socket **res)
{
	int family = conn->conf.my_addr.ss_family;
	int err;

	err = sock_create_kern(&init_net, family, SOCK_STREAM, IPPROTO_TCP,
			       res);
	if (!err)
		set_bufsize((*res)->sk, conn->conf.sndbuf, conn->conf.rcvbuf);
	return err;
}

void nbr_sock_set_timeouts(struct socket *sock, long rcv, long snd)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	sk->sk_rcvtimeo = rcv;
	sk->sk_sndtimeo = snd;
	release_sock(sk);
}

/*
 * Acks and pings must not wait for Nagle or sit behind bulk data: the
 * meta socket gets interactive priority. Both sockets send without
 * Nagle: the data socket corks a packet with MSG_MORE and pushes it with
 * its last byte, so the tail of a DATA packet or a lone BARRIER never
 * waits for the peer's delayed ACK (that cost a round trip per write).
 */
void nbr_sock_tune(struct socket *sock, enum nbr_sock kind)
{
	struct sock *sk = sock->sk;

	sock_set_keepalive(sk);
	tcp_sock_set_nodelay(sk);
	/* Socket memory must never wait for writeback to this device. */
	sk->sk_allocation = GFP_NOIO;
	if (kind == NBR_SOCK_META)
		sk->sk_priority = TC_PRIO_INTERACTIVE;
}

/* Listen on our own address (may sleep). */
int nbr_sock_listen(struct nbr_conn *conn, struct socket **res)
{
	struct socket *sock;
	int err;

	err = new_sock(conn, &sock);
	if (err)
		return err;
	sock_set_reuseaddr(sock->sk);
	err = kernel_bind(sock, (struct sockaddr *)&conn->conf.my_addr,
			  conn->conf.addr_len);
	if (err)
		goto out_release;
	err = kernel_listen(sock, 4);
	if (err)
		goto out_release;
	*res = sock;
	return 0;

out_release:
	sock_release(sock);
	return err;
}

/*
 * Connect from our address to the peer's. The connect waits at most
 * connect-int seconds (sk_sndtimeo bounds a blocking connect), so an
 * unreachable peer never blocks disconnect for long.
 */
int nbr_sock_connect(struct nbr_conn *conn, struct socket **res)
{
	struct sockaddr_storage src = conn->conf.my_addr;
	struct socket *sock;
	int err;

	err = new_sock(conn, &sock);
	if (err)
		return err;
	/* Same source address as configured, any port. */
	if (src.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&src)->sin6_port = 0;
	else
		((struct sockaddr_in *)&src)->sin_port = 0;
	sock_set_reuseaddr(sock->sk);
	err = kernel_bind(sock, (struct sockaddr *)&src, conn->conf.addr_len);
	if (err)
		goto out_release;
	nbr_sock_set_timeouts(sock, conn->conf.connect_int_s * HZ,
			      conn->conf.connect_int_s * HZ);
	err = kernel_connect(sock, (struct sockaddr *)&conn->conf.peer_addr,
			     conn->conf.addr_len, 0);
	if (err)
		goto out_release;
	*res = sock;
	return 0;

out_release:
	sock_release(sock);
	return err;
}

/* Wait up to @timeout jiffies for a connection; -EAGAIN when none came. */
int nbr_sock_accept(struct socket *listen, long timeout, struct socket **res)
{
	nbr_sock_set_timeouts(listen, timeout, timeout);
	return kernel_accept(listen, res, 0);
}

void nbr_sock_close(struct socket **sock)
{
	if (!*sock)
		return;
	kernel_sock_shutdown(*sock, SHUT_RDWR);
	sock_release(*sock);
	*sock = NULL;
}

/* Send all of @buf; a short send is an error. May sleep. */
int nbr_send_all(struct socket *sock, const void *buf, size_t len,
		 unsigned int flags)
{
	struct kvec iov;
	struct msghdr msg;
	int rv;

	while (len) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_flags = flags | MSG_NOSIGNAL;
		iov.iov_base = (void *)buf;
		iov.iov_len = len;
		rv = kernel_sendmsg(sock, &msg, &iov, 1, len);
		if (rv == -EAGAIN || rv == 0)
			return -ETIMEDOUT;
		if (rv < 0)
			return rv;
		buf += rv;
		len -= rv;
	}
	return 0;
}

/*
 * Send the bytes of @bio (its current range) in one go: one sendmsg over
 * the bio's own bvecs instead of one per page, which is what costs in a
 * VM. The bytes are copied into the socket, so the bio may complete as
 * soon as this returns (protocol A). May sleep.
 */
int nbr_send_bio(struct socket *sock, struct bio *bio, unsigned int flags)
{
	struct msghdr msg;
	int rv;

	memset(&msg, 0, sizeof(msg));
	msg.msg_flags = flags | MSG_NOSIGNAL;
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE,
		      __bvec_iter_bvec(bio->bi_io_vec, bio->bi_iter),
		      bio_segments(bio), bio->bi_iter.bi_size);
	msg.msg_iter.iov_offset = bio->bi_iter.bi_bvec_done;
	while (msg_data_left(&msg)) {
		rv = sock_sendmsg(sock, &msg);
		if (rv == -EAGAIN || rv == 0)
			return -ETIMEDOUT;
		if (rv < 0)
			return rv;
	}
	return 0;
}

/* One page to the socket without a copy; slab pages are copied. */
static int send_page(struct socket *sock, struct page *page, int offset,
		     size_t len, int flags)
{
	void *p;
	int rv;

	if (!sendpage_ok(page)) {
		p = kmap_local_page(page);
		rv = nbr_send_all(sock, p + offset, len, flags);
		kunmap_local(p);
		return rv;
	}
	while (len) {
		rv = kernel_sendpage(sock, page, offset, len,
				     flags | MSG_NOSIGNAL);
		if (rv == -EAGAIN || rv == 0)
			return -ETIMEDOUT;
		if (rv < 0)
			return rv;
		offset += rv;
		len -= rv;
	}
	return 0;
}

/*
 * Send the bytes of @bio (its current range) without copying them: the
 * socket takes its own references to the pages. Only for pages nobody
 * changes before the peer has received them: resync runs, and writes
 * that complete on the peer's ack (protocols B and C). A copy costs more
 * than the per-page calls in a VM. May sleep.
 */
int nbr_send_bio_zc(struct socket *sock, struct bio *bio, unsigned int flags)
{
	u32 left = bio->bi_iter.bi_size;
	struct bvec_iter iter;
	struct bio_vec bv;
	int rv;

	bio_for_each_segment(bv, bio, iter) {
		left -= bv.bv_len;
		rv = send_page(sock, bv.bv_page, bv.bv_offset, bv.bv_len,
			       left ? flags | MSG_MORE : flags);
		if (rv)
			return rv;
	}
	return 0;
}

/* Receive the bytes of @bio (its current range) into its pages. May sleep. */
int nbr_recv_bio(struct socket *sock, struct bio *bio)
{
	struct msghdr msg;
	int rv;

	memset(&msg, 0, sizeof(msg));
	iov_iter_bvec(&msg.msg_iter, ITER_DEST,
		      __bvec_iter_bvec(bio->bi_io_vec, bio->bi_iter),
		      bio_segments(bio), bio->bi_iter.bi_size);
	msg.msg_iter.iov_offset = bio->bi_iter.bi_bvec_done;
	while (msg_data_left(&msg)) {
		rv = sock_recvmsg(sock, &msg, MSG_WAITALL | MSG_NOSIGNAL);
		if (rv == 0)
			return -ECONNRESET;
		if (rv == -EAGAIN)
			return -ETIMEDOUT;
		if (rv < 0)
			return rv;
	}
	return 0;
}

/*
 * Receive @len bytes into whole pages, many pages per recvmsg (the call,
 * not the copy, is the cost per page). May sleep.
 */
int nbr_recv_pages(struct socket *sock, struct page **pages, u32 len)
{
	struct kvec iov[NBR_RECV_BATCH];
	struct msghdr msg;
	unsigned int n;
	size_t chunk;
	int rv;

	while (len) {
		chunk = 0;
		for (n = 0; n < NBR_RECV_BATCH && len > chunk; n++) {
			iov[n].iov_base = page_address(pages[n]);
			iov[n].iov_len = min_t(size_t, len - chunk, PAGE_SIZE);
			chunk += iov[n].iov_len;
		}
		memset(&msg, 0, sizeof(msg));
		iov_iter_kvec(&msg.msg_iter, ITER_DEST, iov, n, chunk);
		while (msg_data_left(&msg)) {
			rv = sock_recvmsg(sock, &msg, MSG_WAITALL | MSG_NOSIGNAL);
			if (rv == 0)
				return -ECONNRESET;
			if (rv == -EAGAIN)
				return -ETIMEDOUT;
			if (rv < 0)
				return rv;
		}
		pages += n;
		len -= chunk;
	}
	return 0;
}

/*
 * Receive exactly @len bytes. -ECONNRESET when the peer closed,
 * -EAGAIN when the receive timeout expired before the first byte.
 */
int nbr_recv_all(struct socket *sock, void *buf, size_t len)
{
	struct kvec iov;
	struct msghdr msg;
	bool started = false;
	int rv;

	while (len) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_flags = MSG_NOSIGNAL;
		iov.iov_base = buf;
		iov.iov_len = len;
		rv = kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_WAITALL);
		if (rv == 0)
			return -ECONNRESET;
		if (rv == -EAGAIN && started)
			return -ETIMEDOUT;
		if (rv < 0)
			return rv;
		started = true;
		buf += rv;
		len -= rv;
	}
	return 0;
}

/*
 * Read one packet: the header, validated (magic, command, length bounds,
 * legal on this socket in this phase), then a payload of at most @size
 * bytes into @buf. DATA and READ_REPLY bytes beyond the fixed part are
 * left for the caller. -EPROTO with *@reason on a bad packet.
 */
int nbr_recv_packet(struct nbr_conn *conn, struct socket *sock,
		    enum nbr_sock kind, enum nbr_phase phase,
		    struct nbr_hdr *hdr, void *buf, size_t size,
		    const char **reason)
{
	u8 raw[sizeof(struct nbr_header)];
	size_t fixed;
	int err;

	err = nbr_recv_all(sock, raw, sizeof(raw));
	if (err)
		return err;
	err = nbr_decode_header(raw, sizeof(raw), hdr, reason);
	if (err)
		return -EPROTO;
	err = nbr_packet_allowed(hdr->cmd, kind, phase, reason);
	if (err)
		return -EPROTO;
	fixed = nbr_packet_fixed_len(hdr->cmd, hdr->len);
	if (fixed > size) {
		*reason = "packet larger than expected here";
		return -EPROTO;
	}
	return fixed ? nbr_recv_all(sock, buf, fixed) : 0;
}
