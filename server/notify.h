/*
 * notify.h — the service manager's readiness protocol (sd_notify), without
 * libsystemd: one datagram to the unix socket named in $NOTIFY_SOCKET.
 *
 * systemd sets NOTIFY_SOCKET for a Type=notify service; elsewhere it is
 * unset and every call here does nothing. A name starting with '@' is an
 * abstract socket (the '@' stands for a leading NUL byte).
 */
#ifndef CONNECTOR_MOCK_NOTIFY_H
#define CONNECTOR_MOCK_NOTIFY_H

/*
 * Sends `state` (e.g. "READY=1", "STOPPING=1"; several assignments
 * separated by '\n') to $NOTIFY_SOCKET. Returns 1 when sent, 0 when
 * NOTIFY_SOCKET is unset, -1 when it is set but the datagram could not be
 * sent (the name is too long or not absolute, or sendto failed).
 */
int notify_send(const char *state);

#endif
