/*
 * The HTTP server: libmicrohttpd (internal polling thread, epoll, a thread
 * pool), access control, routing to the handlers in routes.h, caps and
 * logs; and the process's signals.
 */
#ifndef PMKB_HTTP_SERVER_H
#define PMKB_HTTP_SERVER_H

#include "pmkb/base/status.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"

struct server;

/*
 * Starts listening on cfg->host:cfg->port and serving app, and sets
 * app->server, app->auth and app->metrics (until server_stop). Returns
 * PM_IO with a message when the address cannot be used, PM_INVALID for
 * a bad access setting or --auth open on a non-loopback address without
 * --allow-open-network.
 */
enum pm_status server_start(struct server **out, struct app *app,
			    struct pm_error *err);
/* The port actually bound (useful with port 0). */
unsigned server_port(const struct server *srv);
/* Open connections and requests being read or answered now. */
void server_counts(struct server *srv, unsigned *connections,
		   unsigned *in_flight);
/*
 * Stops listening, waits up to cfg->shutdown_timeout for the requests in
 * flight (their answers say Connection: close), then closes every
 * connection and frees srv (may be NULL).
 */
void server_stop(struct server *srv);

/*
 * SIGINT and SIGTERM for pmkb serve. server_signals_start() blocks both in
 * the calling thread, so in every thread started after it, and starts a
 * thread that waits for them: the first is recorded, and a second one
 * ends the process at once (status 128 + the signal), whatever the first
 * was waiting for. Signals are process-wide, hence this one piece of
 * global state.
 */
void server_signals_start(void);
/* The first signal received, or 0. */
int server_signals_pending(void);
/* Waits for the first signal and returns it. */
int server_signals_wait(void);

#endif
