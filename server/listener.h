/*
 * listener.h — the listening socket, bound before anything else starts.
 *
 * Binding first means that a port in use stops the start before the
 * database is opened or created, with one sentence that says so (not
 * libmicrohttpd's own line, which names the port it was given: 0 when the
 * address comes in a sockaddr).
 */
#ifndef CONNECTOR_MOCK_LISTENER_H
#define CONNECTOR_MOCK_LISTENER_H

#include <stddef.h>

/*
 * Binds a TCP socket to `address`:`port` (IPv4; port 0 takes a free one)
 * and listens. Returns the socket, with the bound port in `*bound_port`;
 * or -1 with a sentence in `why` (nothing left open).
 */
int listener_open(const char *address, unsigned port, unsigned *bound_port, char *why,
		  size_t why_cap);

#endif
