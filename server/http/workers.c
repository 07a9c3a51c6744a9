/*
 * Request workers: see include/pmkb/http/workers.h. A FIFO of jobs under
 * one lock; each thread takes the oldest, runs it without the lock, and
 * sleeps when the queue is empty.
 */
#include <pthread.h>
#include <stdlib.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/http/workers.h"

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t work;
	void **jobs; /* a ring of alloc slots: head, then n queued */
	size_t alloc, head, n;
	int stop;
	workers_fn fn;
	pthread_t *threads;
	unsigned n_threads;
};

/* Makes room for one more job (lock held), keeping the ring's order. */
static void grow(struct workers *w)
{
	size_t old = w->alloc;
	void **jobs;

	if (w->n < w->alloc)
		return;
	jobs = xcalloc(old ? 2 * old : 16, sizeof(*jobs));
	for (size_t i = 0; i < w->n; i++)
		jobs[i] = w->jobs[(w->head + i) % old];
	free(w->jobs);
	w->jobs = jobs;
	w->alloc = old ? 2 * old : 16;
	w->head = 0;
}

static void *worker_main(void *arg)
{
	struct workers *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		void *job;

		while (!w->n && !w->stop)
			pthread_cond_wait(&w->work, &w->lock);
		if (!w->n)
			break; /* stopping, and nothing left */
		job = w->jobs[w->head];
		w->head = (w->head + 1) % w->alloc;
		w->n--;
		pthread_mutex_unlock(&w->lock);
		w->fn(job);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

enum pm_status workers_start(struct workers **out, unsigned n, workers_fn fn,
			     struct pm_error *err)
{
	struct workers *w = xcalloc(1, sizeof(*w));

	*out = NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	w->fn = fn;
	w->threads = xcalloc(n ? n : 1, sizeof(*w->threads));
	for (unsigned i = 0; i < (n ? n : 1); i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w)) {
			workers_stop(w);
			return pm_error_set(err, PM_INTERNAL, "server", 0,
					    "cannot start a worker thread");
		}
		w->n_threads++;
	}
	*out = w;
	return PM_OK;
}

void workers_push(struct workers *w, void *job)
{
	pthread_mutex_lock(&w->lock);
	grow(w);
	w->jobs[(w->head + w->n) % w->alloc] = job;
	w->n++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

void workers_stop(struct workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w->jobs);
	free(w);
}
