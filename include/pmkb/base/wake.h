/*
 * How a background worker sleeps: until a deadline on the monotonic
 * clock, a kick (there may be work) or the stop. The lock also guards
 * whatever else the worker shares with other threads.
 */
#ifndef PMKB_BASE_WAKE_H
#define PMKB_BASE_WAKE_H

#include <pthread.h>
#include <stdint.h>

struct wake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop, kicked;
};

void wake_init(struct wake *w);
void wake_destroy(struct wake *w);

/* Wakes the sleeper (kick), or tells it to stop (stop). */
void wake_kick(struct wake *w);
void wake_stop(struct wake *w);

/* Whether wake_stop was called. */
int wake_stopped(struct wake *w);

/* Sleeps up to ms, less after a kick or the stop; clears the kick. */
void wake_wait_ms(struct wake *w, int64_t ms);

#endif
