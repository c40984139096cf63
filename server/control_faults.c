/*
 * control_faults.c — faults on the control API (a fault with a
 * "pathPrefix"): a test of a dashboard or a CLI against a failing mock.
 * Matched by method, path prefix and the fault's scope before the route
 * runs; /_mock/faults itself is never hit, so a fault stays removable.
 */
#define _POSIX_C_SOURCE 200809L
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "namespaces.h"
#include "routes.h"

bool control_fault(const http_request *request, http_response *out)
{
	static const char faults_path[] = "/_mock/faults";
	if (strncmp(request->path, faults_path, sizeof faults_path - 1) == 0)
		return false;
	fault_request selected = {
		.client = request->client,
		.method = request->method,
		.path = request->path,
		.header = request->header,
		.header_ctx = request->header_ctx,
	};
	fault f;
	if (namespaces_fault_match(request->app->namespaces, request->ns, &selected, &f) != 1)
		return false;
	*out = (http_response){0};
	switch (f.type) {
	case FAULT_DELAY:
		clock_pause(f.ms);
		fault_free_copy(&f);
		return false; /* then the route answers */
	case FAULT_STATUS:
		out->status = (unsigned)f.http_status;
		out->body = strdup(f.body ? f.body : "");
		out->content_type = "text/plain; charset=utf-8";
		out->raw = true;
		break;
	case FAULT_HANG:
		clock_pause(f.ms);
		out->drop = true;
		break;
	case FAULT_RESET:
		out->socket = SOCKET_RESET;
		break;
	case FAULT_GARBAGE:
		out->socket = SOCKET_GARBAGE;
		out->body = strdup(f.body ? f.body : "");
		break;
	default: /* drop; the parser allows no other action here */
		out->drop = true;
		break;
	}
	fault_free_copy(&f);
	return true;
}
