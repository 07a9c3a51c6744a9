/*
 * IPv4 and IPv6 addresses and lists of networks, as --trusted-proxy,
 * --allow and the per-address limits use them.
 */
#ifndef PMKB_BASE_NETADDR_H
#define PMKB_BASE_NETADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "pmkb/base/status.h"

/* An IPv4 or IPv6 address; IPv4-mapped IPv6 addresses count as IPv4. */
struct net_addr {
	int family; /* AF_INET, AF_INET6, or 0 when unknown */
	unsigned char bytes[16];
	char text[INET6_ADDRSTRLEN];
};

/* Fills a from a socket address (NULL or another family: unknown). */
void net_addr_from_sockaddr(struct net_addr *a, const struct sockaddr *sa);
/* Parses a numeric address; returns 0 when it is not one. */
int net_addr_parse(struct net_addr *a, const char *text);
/* Whether a is 127.0.0.0/8 or ::1. */
int net_addr_is_loopback(const struct net_addr *a);

/*
 * A list of addresses and networks ("10.0.0.1, 10.1.0.0/16, ::1"), as
 * --trusted-proxy takes. Zero it to init.
 */
struct net_list {
	struct net_entry {
		struct net_addr addr;
		int prefix; /* bits */
	} *v;
	size_t n, alloc;
};

/*
 * Parses spec (commas or spaces between entries) into list. PM_INVALID
 * with the bad entry in err; list is then empty.
 */
enum pm_status net_list_parse(struct net_list *list, const char *spec,
				  struct pm_error *err);
int net_list_has(const struct net_list *list,
		     const struct net_addr *a);
void net_list_release(struct net_list *list);

#endif
