/*
 * The connection table: the limits, and the reaper's 408 to a connection
 * past its deadline (a socket pair stands in for the client's socket).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pmkb/base/status.h"
#include "pmkb/http/conns.h"
#include "tap.h"

static struct sockaddr_in addr_of(const char *ip)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static void test_limits(void)
{
	struct conns_limits lim = { 3, 2, 60000000000LL, 60000000000LL };
	struct sockaddr_in a = addr_of("192.0.2.1"), b = addr_of("192.0.2.2");
	struct net_addr na, nb;
	struct conns *t = NULL;
	struct pm_error err;
	struct conn *c1, *c2, *c3;

	ok(conns_new(&t, &lim, NULL, &err) == PM_OK, "started");
	net_addr_from_sockaddr(&na, (struct sockaddr *)&a);
	net_addr_from_sockaddr(&nb, (struct sockaddr *)&b);
	is_int(conns_admit(t, &na), CONNS_ADMIT, "empty: admitted");
	c1 = conns_add(t, -1, (struct sockaddr *)&a);
	c2 = conns_add(t, -1, (struct sockaddr *)&a);
	is_str(conns_client(c1), "192.0.2.1", "the client's address");
	is_int(conns_admit(t, &na), CONNS_PER_ADDRESS,
	       "two from one address: a third is refused");
	is_int(conns_admit(t, &nb), CONNS_ADMIT, "another address is not");
	c3 = conns_add(t, -1, (struct sockaddr *)&b);
	is_int((int)conns_count(t), 3, "three open");
	is_int(conns_admit(t, &nb), CONNS_FULL, "three open: all refused");
	conns_remove(t, c2);
	is_int((int)conns_count(t), 2, "one closed");
	is_int(conns_admit(t, &na), CONNS_ADMIT,
	       "and its address may open one again");
	conns_remove(t, c1);
	conns_remove(t, c3);
	is_int((int)conns_count(t), 0, "all closed");
	/* Freed with connections still tracked: no leak (ASan). */
	conns_add(t, -1, NULL);
	conns_free(t);
}

/*
 * What arrives at fd within ms, NUL-terminated into got; returns its
 * length, 0 at the end of the stream, -1 when nothing came.
 */
static int read_within(int fd, int ms, char *got, size_t size)
{
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n = -1;

	got[0] = '\0';
	if (poll(&p, 1, ms) == 1 && (n = read(fd, got, size - 1)) > 0)
		got[n] = '\0';
	return (int)n;
}

static void test_reaper(void)
{
	/* 100 ms to send a request; 100 ms idle. */
	struct conns_limits lim = { 8, 8, 100000000LL, 100000000LL };
	struct conns *t = NULL;
	struct pm_error err;
	struct conn *slow, *busy;
	int s1[2], s2[2];
	char got[256];

	ok(conns_new(&t, &lim, NULL, &err) == PM_OK, "started");
	ok(!socketpair(AF_UNIX, SOCK_STREAM, 0, s1) &&
		   !socketpair(AF_UNIX, SOCK_STREAM, 0, s2),
	   "socket pairs");
	slow = conns_add(t, s1[0], NULL);
	busy = conns_add(t, s2[0], NULL);
	conns_request_in(busy);
	read_within(s1[1], 3000, got, sizeof(got));
	ok(!strncmp(got, "HTTP/1.1 408 Request Timeout\r\n", 30),
	   "a connection past its deadline gets a 408");
	ok(strstr(got, "took too long") != NULL, "with a reason");
	is_int(read_within(s1[1], 3000, got, sizeof(got)), 0,
	       "and is shut down");
	is_int(read_within(s2[1], 400, got, sizeof(got)), -1,
	       "one whose request is in has no deadline");
	conns_request_done(t, busy);
	read_within(s2[1], 3000, got, sizeof(got));
	ok(!strncmp(got, "HTTP/1.1 408", 12),
	   "once answered, it has the idle time plus the request's again");
	conns_remove(t, slow);
	conns_remove(t, busy);
	conns_free(t);
	for (int i = 0; i < 2; i++) {
		close(s1[i]);
		close(s2[i]);
	}
}

int main(void)
{
	test_limits();
	test_reaper();
	return tap_done();
}
