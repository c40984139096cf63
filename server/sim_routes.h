/*
 * sim_routes.h — the control API's routes of the simulation and of the
 * journal's stream (rows of admin_routes.c's table).
 *
 *   GET /_mock/simulation   the namespace's settings
 *   PUT /_mock/simulation   change some of them (400 and no change when refused)
 *   GET /_mock/events       Server-Sent Events: each new journal entry
 */
#ifndef CONNECTOR_MOCK_SIM_ROUTES_H
#define CONNECTOR_MOCK_SIM_ROUTES_H

#include "http.h"

http_response sim_route_get(const http_request *request, const char *unused);
http_response sim_route_put(const http_request *request, const char *unused);
http_response sim_route_events(const http_request *request, const char *unused);

#endif
