/*
 * delivery.h — whether an answer reached its client, and the socket-level
 * faults (reset, partial, slow, garbage) that make sure it does not.
 *
 * Delivery is judged from three signals, because none is enough alone: the
 * peer's close before the answer is written (POLLRDHUP: a client that gave
 * up on a delayed answer has closed already, and a write to its socket
 * still succeeds), libmicrohttpd's termination code (the whole answer was
 * handed to the kernel), and after the write, the peer's close while bytes
 * of the answer are still unacknowledged (SIOCOUTQ), which means they were
 * not received. A peer that closes after its kernel took every byte counts
 * as delivered, whether or not it read them.
 */
#ifndef CONNECTOR_MOCK_DELIVERY_H
#define CONNECTOR_MOCK_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct MHD_Response;

/* The connection's socket, or -1. */
int delivery_fd(struct MHD_Connection *connection);

/* Whether the peer has closed (or reset) the socket. Never blocks. */
bool delivery_peer_gone(int fd);

/* After the answer was written: false when the peer closed or reset the
 * connection while bytes of it were unacknowledged. Never blocks. */
bool delivery_after_write(int fd);

/* Makes the next close of `fd` send a TCP RST instead of a FIN, and sends
 * it now. */
void delivery_reset(int fd);

/* Writes `len` bytes raw to `fd` (not HTTP); the bytes written. */
int64_t delivery_write_raw(int fd, const char *body, size_t len);

/* How many body bytes a paced answer has written; shared by the response
 * (which writes) and the request (which journals), freed by the last. */
typedef struct delivery_progress delivery_progress;

delivery_progress *delivery_progress_create(void);
void delivery_progress_release(delivery_progress *progress);
int64_t delivery_progress_sent(const delivery_progress *progress);

/*
 * A response whose body is `body` (`len` bytes; taken over and freed) with
 * the full Content-Length, written by a callback: `limit` bytes of it and
 * then the connection is closed (partial; limit >= len sends it whole), at
 * `rate` bytes per second (slow; 0 = at once). Counts into `progress`
 * (NULL: nowhere), of which it keeps a reference of its own. NULL when out
 * of memory (body freed).
 */
struct MHD_Response *delivery_paced_response(char *body, size_t len, int64_t limit, int64_t rate,
					     delivery_progress *progress);

#endif
