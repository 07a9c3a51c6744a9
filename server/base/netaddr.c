/* Addresses and networks: see include/pmkb/base/netaddr.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/netaddr.h"
#include "pmkb/base/xalloc.h"

static void addr_set_text(struct net_addr *a)
{
	if (!inet_ntop(a->family, a->bytes, a->text, sizeof(a->text)))
		a->text[0] = '\0';
}

void net_addr_from_sockaddr(struct net_addr *a, const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0,
						  0, 0, 0, 0, 0xff, 0xff };

	memset(a, 0, sizeof(*a));
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		a->family = AF_INET;
		memcpy(a->bytes, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		/* ::ffff:10.0.0.1 is 10.0.0.1, for lists and limits alike. */
		if (!memcmp(in6->sin6_addr.s6_addr, mapped, 12)) {
			a->family = AF_INET;
			memcpy(a->bytes, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->bytes, in6->sin6_addr.s6_addr, 16);
		}
	} else {
		return;
	}
	addr_set_text(a);
}

int net_addr_parse(struct net_addr *a, const char *text)
{
	struct sockaddr_in6 in6 = { 0 };
	struct sockaddr_in in = { 0 };

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, &in.sin_addr) == 1) {
		in.sin_family = AF_INET;
		net_addr_from_sockaddr(a, (const struct sockaddr *)&in);
		return 1;
	}
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		net_addr_from_sockaddr(a, (const struct sockaddr *)&in6);
		return 1;
	}
	return 0;
}

int net_addr_is_loopback(const struct net_addr *a)
{
	static const unsigned char one[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->bytes[0] == 127;
	return a->family == AF_INET6 && !memcmp(a->bytes, one, 16);
}

/* Whether the first bits of a and b are equal. */
static int prefix_equal(const unsigned char *a, const unsigned char *b,
			int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole))
		return 0;
	if (!rest)
		return 1;
	return !((a[whole] ^ b[whole]) & (0xff << (8 - rest)));
}

enum pm_status net_list_parse(struct net_list *list, const char *spec,
				  struct pm_error *err)
{
	const char *p = spec ? spec : "";

	while (*p) {
		char item[80], *slash;
		size_t len = strcspn(p, ", \t");
		struct net_entry net = { 0 };
		int max;

		if (!len) {
			p++;
			continue;
		}
		if (len >= sizeof(item))
			goto bad;
		memcpy(item, p, len);
		item[len] = '\0';
		slash = strchr(item, '/');
		if (slash)
			*slash = '\0';
		if (!net_addr_parse(&net.addr, item))
			goto bad;
		max = net.addr.family == AF_INET ? 32 : 128;
		net.prefix = max;
		if (slash) {
			char *end;
			long n = strtol(slash + 1, &end, 10);

			if (end == slash + 1 || *end || n < 0 || n > max)
				goto bad;
			net.prefix = (int)n;
		}
		XGROW(list->v, list->alloc, list->n + 1);
		list->v[list->n++] = net;
		p += len;
		continue;
bad:
		net_list_release(list);
		return pm_error_set(err, PM_INVALID, "--trusted-proxy", 0,
				    "--trusted-proxy: '%.*s' is not an "
				    "address or a network such as "
				    "10.0.0.0/8",
				    (int)(len > 64 ? 64 : len), p);
	}
	return PM_OK;
}

int net_list_has(const struct net_list *list,
		     const struct net_addr *a)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->v[i].addr.family == a->family &&
		    prefix_equal(list->v[i].addr.bytes, a->bytes,
				 list->v[i].prefix))
			return 1;
	return 0;
}

void net_list_release(struct net_list *list)
{
	free(list->v);
	memset(list, 0, sizeof(*list));
}
