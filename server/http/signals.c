/*
 * SIGINT and SIGTERM for pmkb serve (see include/pmkb/http/server.h): one
 * thread waits for them; the first asks for a graceful stop, a second
 * ends the process at once.
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "pmkb/base/log.h"
#include "pmkb/http/server.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t got;
	int first;
	sigset_t set;
} signals = { .lock = PTHREAD_MUTEX_INITIALIZER,
	      .got = PTHREAD_COND_INITIALIZER };

static void *signals_main(void *arg)
{
	int sig;

	for (;;) {
		if (sigwait(&signals.set, &sig))
			continue;
		pthread_mutex_lock(&signals.lock);
		if (signals.first) {
			pthread_mutex_unlock(&signals.lock);
			/*
			 * The index is transactional: dying here loses
			 * nothing that a restart does not redo.
			 */
			log_kv(LOG_WARN, "shutdown.now", "signal",
			       sig == SIGINT ? "INT" : "TERM", NULL);
			_exit(128 + sig);
		}
		signals.first = sig;
		pthread_cond_broadcast(&signals.got);
		pthread_mutex_unlock(&signals.lock);
		log_kv(LOG_INFO, "shutdown", "signal",
		       sig == SIGINT ? "INT" : "TERM", NULL);
	}
	return arg;
}

void server_signals_start(void)
{
	pthread_t t;

	sigemptyset(&signals.set);
	sigaddset(&signals.set, SIGINT);
	sigaddset(&signals.set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &signals.set, NULL);
	if (pthread_create(&t, NULL, signals_main, NULL) == 0)
		pthread_detach(t);
}

int server_signals_pending(void)
{
	int sig;

	pthread_mutex_lock(&signals.lock);
	sig = signals.first;
	pthread_mutex_unlock(&signals.lock);
	return sig;
}

int server_signals_wait(void)
{
	int sig;

	pthread_mutex_lock(&signals.lock);
	while (!signals.first)
		pthread_cond_wait(&signals.got, &signals.lock);
	sig = signals.first;
	pthread_mutex_unlock(&signals.lock);
	return sig;
}
