/* The monotonic clock: base/clock.h. */
#include <time.h>

#include "pmkb/base/clock.h"
#include "tap.h"

static void test_add_ms(void)
{
	struct timespec ts = { 10, 999000000L };

	clock_timespec_add_ms(&ts, 1);
	is_int(ts.tv_sec, 11, "1 ms past .999 s carries into seconds");
	is_int(ts.tv_nsec, 0, "and leaves no nanoseconds");
	ts.tv_sec = 10;
	ts.tv_nsec = 500000000L;
	clock_timespec_add_ms(&ts, 2750);
	is_int(ts.tv_sec, 13, "2,750 ms after 10.5 s: 13 s");
	is_int(ts.tv_nsec, 250000000L, "and 250 ms");
	clock_timespec_add_ms(&ts, 0);
	is_int(ts.tv_sec * 1000 + ts.tv_nsec / 1000000, 13250,
	       "0 ms changes nothing");
}

static void test_elapsed(void)
{
	struct timespec nap = { 0, 20000000L }, now, deadline;
	int64_t t0 = clock_ns(), t1;
	double s;

	nanosleep(&nap, NULL);
	t1 = clock_ns();
	s = clock_seconds_since(t0);
	ok(t1 - t0 >= 20000000, "a 20 ms nap moves the clock 20 ms or more");
	ok(s >= 0.02 && s < 5.0, "clock_seconds_since reads it in seconds");
	clock_deadline_ms(&deadline, 1500);
	clock_gettime(CLOCK_MONOTONIC, &now);
	s = (double)(deadline.tv_sec - now.tv_sec) +
	    (double)(deadline.tv_nsec - now.tv_nsec) / 1e9;
	ok(s > 1.0 && s <= 1.5, "a deadline 1,500 ms on lies 1.5 s ahead");
}

int main(void)
{
	test_add_ms();
	test_elapsed();
	return tap_done();
}
