/*
 * The open connections, from accept to close: how many there are, how many
 * come from each address (--max-connections, --max-per-ip), and by when
 * each must have sent a whole request (--request-timeout). A reaper thread
 * answers 408 to the connections past their deadline (a slowloris
 * trickling headers, a stalled upload) and shuts them down.
 *
 * libmicrohttpd owns the sockets; this table only watches them. It learns
 * of a connection when it starts and forgets it when libmicrohttpd reports
 * the close, which comes before the socket is closed, so the reaper never
 * writes to a descriptor that was reused.
 */
#ifndef PMKB_HTTP_CONNS_H
#define PMKB_HTTP_CONNS_H

#include <stdint.h>

#include "pmkb/base/netaddr.h"
#include "pmkb/base/status.h"

struct metrics;
struct sockaddr;

struct conns;
struct conn;

struct conns_limits {
	unsigned max_connections; /* open at once */
	unsigned max_per_ip;	  /* open at once from one address */
	int64_t request_timeout_ns; /* to send a whole request */
	int64_t idle_ns; /* a kept-alive connection's wait for the next one */
};

/* Why a new connection is refused, if it is. */
enum conns_verdict {
	CONNS_ADMIT,
	CONNS_FULL,	   /* max_connections are open */
	CONNS_PER_ADDRESS, /* max_per_ip are open from its address */
};

/*
 * Starts an empty table and its reaper, which counts the connections it
 * times out in m (borrowed, may be NULL). Owned: conns_free().
 */
enum pm_status conns_new(struct conns **out, const struct conns_limits *lim,
			 struct metrics *m, struct pm_error *err);
/* Stops the reaper and frees t and what it still tracks. t may be NULL. */
void conns_free(struct conns *t);

/*
 * Whether a connection from a may open now. Two threads accepting at the
 * same moment may let one or two more in: the limits are for protection,
 * not for accounting.
 */
enum conns_verdict conns_admit(struct conns *t, const struct net_addr *a);

/*
 * Tracks a connection that started on socket fd (-1: unknown) from addr
 * (may be NULL), with the request timeout as its deadline. Owned by t:
 * conns_remove() when libmicrohttpd reports its close.
 */
struct conn *conns_add(struct conns *t, int fd, const struct sockaddr *addr);
void conns_remove(struct conns *t, struct conn *c);

/* A whole request is in: no deadline while it is being answered. */
void conns_request_in(struct conn *c);
/*
 * A request is done: the next one on this connection must be in within
 * the idle time plus the request timeout (libmicrohttpd closes a
 * connection that merely sits idle before that).
 */
void conns_request_done(struct conns *t, struct conn *c);

/* The client's address, as text. */
const char *conns_client(const struct conn *c);
/* How many connections are open. */
unsigned conns_count(struct conns *t);

#endif
