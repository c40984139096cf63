/*
 * routes.h — the two families of routes the HTTP glue dispatches to.
 *
 * Each takes a complete request and returns the answer; neither keeps any
 * state between requests beyond what the store holds.
 */
#ifndef CONNECTOR_MOCK_ROUTES_H
#define CONNECTOR_MOCK_ROUTES_H

#include "http.h"

#define OMS_ROUTE_PREFIX "/connector/task/v2/"
#define ADMIN_ROUTE_PREFIX "/_mock/"

/* The five OMS operations under /connector/task/v2/ (and anything else that
 * is not the control API: an unknown path gets the OMS 404 envelope). */
http_response oms_route(const http_request *request);

/* The control API under /_mock/. */
http_response admin_route(const http_request *request);

/* A fault on the control API (control_faults.c): true when one fires and
 * answers in the route's place (`out`); a delay waits, then gives false. */
bool control_fault(const http_request *request, http_response *out);

/* The routes as their tables hold them, for the tests that compare them
 * with docs/openapi.yaml and the man page: the i-th OMS operation's last
 * path segment (all are POST), NULL past the last row; and the i-th control
 * route's method and pattern (under /_mock/, "*" matching one segment),
 * 0, or -1 past the last row. */
const char *oms_route_name(size_t i);
int admin_route_describe(size_t index, const char **method, const char **pattern);

/* GET /_mock/metrics (server/metrics_route.c), a row of the control API's
 * table. */
http_response metrics_route(const http_request *request, const char *unused);

/* GET /_mock/openapi.yaml and /_mock/openapi.json (server/docs_routes.c):
 * the compiled-in document, its servers naming this daemon's address in
 * place of OPENAPI_SERVER_PLACEHOLDER. */
#define OPENAPI_SERVER_PLACEHOLDER "http://127.0.0.1:8088"
http_response docs_openapi_yaml(const http_request *request, const char *unused);
http_response docs_openapi_json(const http_request *request, const char *unused);

#endif
