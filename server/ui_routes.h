/*
 * ui_routes.h — the dashboard: its page and files (server/ui/, compiled in),
 * and the state machine it draws (GET /_mock/rules).
 *
 * The page and its files hold no data and are served without the admin
 * token, so that the page can load and ask for it; every call the page
 * makes goes through the control API, which checks the token.
 */
#ifndef CONNECTOR_MOCK_UI_ROUTES_H
#define CONNECTOR_MOCK_UI_ROUTES_H

#include "http.h"

/* GET /_mock/ui: the page (server/ui/index.html). */
http_response ui_page(const http_request *request, const char *unused);

/* GET /_mock/ui/{file}: one of the page's files, 404 when there is none. */
http_response ui_file(const http_request *request, const char *file);

/* GET /_mock/rules: rules_json() under the switches the OMS routes use. */
http_response ui_rules(const http_request *request, const char *unused);

#endif
