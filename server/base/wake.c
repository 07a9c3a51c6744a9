/* A worker's sleep: see include/pmkb/base/wake.h. */
#include <errno.h>
#include <time.h>

#include "pmkb/base/clock.h"
#include "pmkb/base/wake.h"

void wake_init(struct wake *w)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	w->stop = w->kicked = 0;
}

void wake_destroy(struct wake *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

static void set(struct wake *w, int *flag)
{
	pthread_mutex_lock(&w->lock);
	*flag = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void wake_kick(struct wake *w)
{
	set(w, &w->kicked);
}

void wake_stop(struct wake *w)
{
	set(w, &w->stop);
}

int wake_stopped(struct wake *w)
{
	int stop;

	pthread_mutex_lock(&w->lock);
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

void wake_wait_ms(struct wake *w, int64_t ms)
{
	struct timespec ts;

	clock_deadline_ms(&ts, ms);
	pthread_mutex_lock(&w->lock);
	while (!w->stop && !w->kicked)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) ==
		    ETIMEDOUT)
			break;
	w->kicked = 0;
	pthread_mutex_unlock(&w->lock);
}
