/* SPDX-License-Identifier: MIT */
/*
 * Framing on the daemon's Unix sockets: a 4-byte big-endian length, then
 * that many payload bytes.  Every read has a size cap and a deadline;
 * writes use MSG_NOSIGNAL so a vanished peer never raises SIGPIPE.
 * The payload is a binary message on the public socket (proto) and a JSON
 * object on the admin socket (common/server/json_frame); doc/PROTOCOL.md.
 */
#ifndef UA_FRAME_H
#define UA_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UA_FRAME_HDR 4
/* Largest frame a client may send the daemon. */
#define UA_MAX_FRAME (64 * 1024)
/* Largest frame the CLI accepts from the daemon (lists of many users). */
#define UA_MAX_REPLY_FRAME (64 * 1024 * 1024)

/*
 * Connect to the Unix socket at path, waiting at most timeout_ms.  When
 * require_root is set, the socket file and the peer (SO_PEERCRED) must be
 * owned by root or by the daemon user uid given in daemon_uid (pass
 * (uid_t)-1 for "root only").  Returns 0 and a O_CLOEXEC fd, or
 * -ECONNREFUSED / -ENOENT / -ETIMEDOUT / -EPERM / -errno.
 * The fd is left NON-BLOCKING (the frame functions poll and never block
 * past their deadline either way) and is never 0, 1 or 2.  timeout_ms < 0
 * is -EINVAL: there is no "wait forever".
 */
int ua_connect_unix(const char *path, int timeout_ms, bool require_root,
    uid_t daemon_uid, int *ret_fd);

/*
 * Write one frame (header + n bytes) within timeout_ms (overall), resuming
 * partial writes.  n <= UA_MAX_REPLY_FRAME, else -EMSGSIZE.  -EPIPE when
 * the peer is gone (never SIGPIPE), -ETIMEDOUT, -errno.  Blocking and
 * non-blocking sockets both work.
 */
int ua_frame_write(int fd, const void *p, size_t n, int timeout_ms);

/*
 * Read one frame of at most max payload bytes within timeout_ms (the whole
 * frame, not per byte).  On success *ret is a malloc'ed buffer the caller
 * frees (ua_freezero: it may hold secrets); it is never NULL, even for a
 * 0-length frame.  -EMSGSIZE over max (the body is not read), -ECONNRESET
 * on EOF, -ETIMEDOUT, -errno.  Bytes after the frame stay in the socket.
 */
int ua_frame_read(int fd, size_t max, int timeout_ms, uint8_t **ret,
    size_t *ret_len);

/*
 * Incremental reader for a non-blocking fd driven by poll (the daemon).
 * Feed it when the fd is readable: returns 1 when a frame is complete (take
 * it with ua_frame_rx_take), 0 when more bytes are needed, -ECONNRESET on
 * EOF, -EMSGSIZE over max, -errno.  It reads only the bytes of the current
 * frame and never blocks (MSG_DONTWAIT).  After an error the reader has
 * already been reset (wiped); reset again is harmless.  Until the frame is
 * taken, further feeds return 1 and read nothing.  A 0-length frame is
 * legal.  The struct holds no fd: the caller owns and closes it.
 */
struct ua_frame_rx {
	uint8_t hdr[UA_FRAME_HDR];
	size_t hdr_got;
	uint8_t *body;
	size_t len;
	size_t got;
	size_t max;
};
void ua_frame_rx_init(struct ua_frame_rx *rx, size_t max);
int ua_frame_rx_feed(struct ua_frame_rx *rx, int fd);
/*
 * Hand the completed frame to the caller (who frees it with ua_freezero;
 * never NULL) and reset.  Called before completion it gives NULL/0 and
 * discards the partial frame.
 */
void ua_frame_rx_take(struct ua_frame_rx *rx, uint8_t **ret, size_t *ret_len);
/* Wipe and free a half-read frame. */
void ua_frame_rx_reset(struct ua_frame_rx *rx);

/* Monotonic milliseconds (CLOCK_MONOTONIC). */
int64_t ua_now_ms(void);
/* CLOCK_MONOTONIC in ns. */
int64_t ua_now_ns(void);

#endif
