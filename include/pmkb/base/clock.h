/*
 * The monotonic clock: durations and deadlines that a change of the
 * wall clock cannot move. Dates and "now" for people live in civil.h.
 */
#ifndef PMKB_BASE_CLOCK_H
#define PMKB_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds on CLOCK_MONOTONIC (from an arbitrary start). */
int64_t clock_ns(void);

/* Seconds from t0 (a clock_ns() reading) to now. */
double clock_seconds_since(int64_t t0);

/* ts moved ms milliseconds on (ms >= 0), as pthread_cond_timedwait wants. */
void clock_timespec_add_ms(struct timespec *ts, int64_t ms);

/*
 * The deadline ms milliseconds from now on CLOCK_MONOTONIC, for a
 * condition variable set to that clock (pthread_condattr_setclock).
 */
void clock_deadline_ms(struct timespec *ts, int64_t ms);

#endif
