/*
 * listener.c — bind and listen (see listener.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../store/text.h"

/* The kernel caps it at net.core.somaxconn. */
enum { LISTEN_BACKLOG = 4096 };

int listener_open(const char *address, unsigned port, unsigned *bound_port, char *why,
		  size_t why_cap)
{
	struct sockaddr_in where = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (port > 65535 || inet_pton(AF_INET, address, &where.sin_addr) != 1)
		return text_fail(why, why_cap,
				 "cannot listen on %s:%u: not an IPv4 address and port", address,
				 port);
	/* non-blocking: a connection reset between poll and accept must not
	 * block the daemon's polling thread in accept */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return text_fail(why, why_cap, "cannot make a socket: %s", strerror(errno));
	int on = 1;
	/* a restart must not wait for the last run's TIME_WAIT connections */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, (struct sockaddr *)&where, sizeof where) < 0) {
		int error = errno;
		close(fd);
		if (error == EADDRINUSE)
			return text_fail(why, why_cap,
					 "port %u on %s is already in use by another program: "
					 "stop it, or choose another --port (0 takes a free one)",
					 port, address);
		if (error == EACCES)
			return text_fail(why, why_cap,
					 "not allowed to listen on %s:%u (ports below 1024 need "
					 "privileges): choose another --port",
					 address, port);
		return text_fail(why, why_cap, "cannot listen on %s:%u: %s", address, port,
				 strerror(error));
	}
	socklen_t len = sizeof where;
	if (listen(fd, LISTEN_BACKLOG) < 0 ||
	    getsockname(fd, (struct sockaddr *)&where, &len) < 0) {
		int error = errno;
		close(fd);
		return text_fail(why, why_cap, "cannot listen on %s:%u: %s", address, port,
				 strerror(error));
	}
	*bound_port = ntohs(where.sin_port);
	return fd;
}
