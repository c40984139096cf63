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

#endif
