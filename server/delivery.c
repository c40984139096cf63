/*
 * delivery.c — delivery checks and socket-level faults (see delivery.h).
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include "delivery.h"

#include <errno.h>
#include <linux/sockios.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "clock.h"

/* A slow answer is written in pieces of a tenth of a second's bytes. */
enum { SLOW_PIECES_PER_SECOND = 10 };

int delivery_fd(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	return info ? (int)info->connect_fd : -1;
}

bool delivery_peer_gone(int fd)
{
	if (fd < 0)
		return true;
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

bool delivery_after_write(int fd)
{
	if (fd < 0)
		return false;
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};
	if (poll(&p, 1, 0) <= 0)
		return true; /* the peer is still there */
	if (p.revents & (POLLERR | POLLNVAL))
		return false; /* reset */
	int unacked = 0;
	/* closed: received only if its kernel acknowledged every byte */
	return ioctl(fd, SIOCOUTQ, &unacked) == 0 && unacked == 0;
}

void delivery_reset(int fd)
{
	if (fd < 0)
		return;
	struct linger linger = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
	/* libmicrohttpd shuts the socket down (a FIN) before it closes it, and
	 * a client that reads that FIN first sees a clean end, not a reset.
	 * Disconnecting (connect to AF_UNSPEC) aborts the connection with an
	 * RST now; the fd stays valid for libmicrohttpd to close. */
	struct sockaddr unspecified = {.sa_family = AF_UNSPEC};
	connect(fd, &unspecified, sizeof unspecified);
}

int64_t delivery_write_raw(int fd, const char *body, size_t len)
{
	size_t done = 0;
	while (fd >= 0 && done < len) {
		ssize_t n = send(fd, body + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return (int64_t)done;
}

struct delivery_progress {
	atomic_int references;
	_Atomic int64_t sent;
};

delivery_progress *delivery_progress_create(void)
{
	delivery_progress *progress = calloc(1, sizeof *progress);
	if (progress)
		atomic_init(&progress->references, 1);
	return progress;
}

void delivery_progress_release(delivery_progress *progress)
{
	if (progress && atomic_fetch_sub(&progress->references, 1) == 1)
		free(progress);
}

int64_t delivery_progress_sent(const delivery_progress *progress)
{
	return progress ? atomic_load((_Atomic int64_t *)&progress->sent) : 0;
}

typedef struct {
	char *body;
	size_t len;
	int64_t limit;
	int64_t rate;
	delivery_progress *progress;
} paced_body;

static ssize_t read_paced(void *cls, uint64_t pos, char *buf, size_t max)
{
	paced_body *paced = cls;
	if ((int64_t)pos >= paced->limit || pos >= paced->len)
		return MHD_CONTENT_READER_END_WITH_ERROR; /* partial: close here */
	size_t n = paced->len - (size_t)pos;
	if ((int64_t)n > paced->limit - (int64_t)pos)
		n = (size_t)(paced->limit - (int64_t)pos);
	if (paced->rate > 0) {
		int64_t piece = paced->rate / SLOW_PIECES_PER_SECOND;
		if (piece < 1)
			piece = 1;
		if ((int64_t)n > piece)
			n = (size_t)piece;
		/* each connection has its own thread: the pause holds only it */
		clock_pause((int64_t)n * 1000 / paced->rate);
	}
	if (n > max)
		n = max;
	memcpy(buf, paced->body + pos, n);
	if (paced->progress)
		atomic_fetch_add(&paced->progress->sent, (int64_t)n);
	return (ssize_t)n;
}

static void free_paced(void *cls)
{
	paced_body *paced = cls;
	free(paced->body);
	delivery_progress_release(paced->progress);
	free(paced);
}

struct MHD_Response *delivery_paced_response(char *body, size_t len, int64_t limit, int64_t rate,
					     delivery_progress *progress)
{
	paced_body *paced = malloc(sizeof *paced);
	if (!paced) {
		free(body);
		return NULL;
	}
	if (progress)
		atomic_fetch_add(&progress->references, 1);
	*paced = (paced_body){body, len, limit, rate, progress};
	struct MHD_Response *response =
		MHD_create_response_from_callback(len, 4096, read_paced, paced, free_paced);
	if (!response)
		free_paced(paced);
	return response;
}
