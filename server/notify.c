/*
 * notify.c — sd_notify's wire protocol (see notify.h): a datagram of
 * "KEY=value" lines to an AF_UNIX socket, path or abstract.
 */
#define _POSIX_C_SOURCE 200809L
#include "notify.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int notify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	if (!name || !*name)
		return 0;
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || len >= sizeof address.sun_path)
		return -1;
	memcpy(address.sun_path, name, len);
	if (name[0] == '@')
		address.sun_path[0] = '\0';
	/* an abstract name's length counts exactly; a path's includes its NUL */
	socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				     (name[0] == '@' ? 0 : 1));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ssize_t sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			      (const struct sockaddr *)&address, size);
	close(fd);
	return sent == (ssize_t)strlen(state) ? 1 : -1;
}
