/*
 * The failure limiter: a window per address, fixed memory under a flood
 * of addresses.
 */
#include <stdio.h>

#include "pmkb/http/limiter.h"
#include "tap.h"

static void test_limiter(void)
{
	struct limiter *l = limiter_new(3, 60);
	char addr[32];

	is_int(limiter_blocked(l, "10.0.0.1", 1000), 0, "fresh: allowed");
	limiter_fail(l, "10.0.0.1", 1000);
	limiter_fail(l, "10.0.0.1", 1001);
	is_int(limiter_blocked(l, "10.0.0.1", 1002), 0,
	       "two failures: allowed");
	limiter_fail(l, "10.0.0.1", 1010);
	is_int(limiter_blocked(l, "10.0.0.1", 1010), 50,
	       "three: blocked until the minute is over");
	is_int(limiter_blocked(l, "10.0.0.2", 1010), 0,
	       "another address is not");
	is_int(limiter_blocked(l, "10.0.0.1", 1060), 0,
	       "a minute later: allowed again");
	limiter_fail(l, "10.0.0.1", 1061);
	is_int(limiter_blocked(l, "10.0.0.1", 1061), 0,
	       "and counting starts over");
	/* Far more addresses than slots: memory stays fixed. */
	for (int i = 0; i < 3 * LIMITER_SLOTS; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16,
			 (i >> 8) & 255, i & 255);
		limiter_fail(l, addr, 2000);
	}
	for (int i = 0; i < 3; i++)
		limiter_fail(l, "192.0.2.1", 2001);
	ok(limiter_blocked(l, "192.0.2.1", 2002) > 0,
	   "an attacker is still tracked after a flood of addresses");
	limiter_free(l);
}

int main(void)
{
	test_limiter();
	return tap_done();
}
