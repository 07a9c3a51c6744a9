/*
 * The settings in force: see include/pmkb/doc/settings.h. Each taxonomy in
 * use has a node with a reference count; the current one holds one
 * reference of its own, dropped when it is replaced.
 */
#include <pthread.h>
#include <stdlib.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/doc/settings.h"

struct node {
	struct taxonomy *tax;
	long refs;
	struct node *next;
};

struct settings {
	pthread_mutex_t lock;
	struct node *current;
	struct node *retired; /* replaced, still held by readers */
};

static struct node *node_new(struct taxonomy *tax)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->tax = tax ? tax : taxonomy_default();
	n->refs = 1;
	return n;
}

struct settings *settings_new(struct taxonomy *tax)
{
	struct settings *s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->lock, NULL);
	s->current = node_new(tax);
	return s;
}

void settings_free(struct settings *s)
{
	struct node *n, *next;

	if (!s)
		return;
	for (n = s->retired; n; n = next) {
		next = n->next;
		taxonomy_free(n->tax);
		free(n);
	}
	taxonomy_free(s->current->tax);
	free(s->current);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const struct taxonomy *settings_acquire(struct settings *s)
{
	const struct taxonomy *tax;

	pthread_mutex_lock(&s->lock);
	s->current->refs++;
	tax = s->current->tax;
	pthread_mutex_unlock(&s->lock);
	return tax;
}

/* Drops one reference to n; the caller holds the lock. */
static struct node *unref(struct settings *s, struct node *n)
{
	struct node **p;

	if (--n->refs > 0 || n == s->current)
		return NULL;
	for (p = &s->retired; *p && *p != n; p = &(*p)->next)
		;
	if (*p)
		*p = n->next;
	return n;
}

void settings_release(struct settings *s, const struct taxonomy *tax)
{
	struct node *n, *dead = NULL;

	if (!tax)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->current->tax == tax) {
		dead = unref(s, s->current);
	} else {
		for (n = s->retired; n && n->tax != tax; n = n->next)
			;
		if (n)
			dead = unref(s, n);
	}
	pthread_mutex_unlock(&s->lock);
	if (dead) {
		taxonomy_free(dead->tax);
		free(dead);
	}
}

void settings_replace(struct settings *s, struct taxonomy *tax)
{
	struct node *old, *dead = NULL;

	pthread_mutex_lock(&s->lock);
	old = s->current;
	s->current = node_new(tax);
	if (--old->refs > 0) {
		old->next = s->retired;
		s->retired = old;
	} else {
		dead = old;
	}
	pthread_mutex_unlock(&s->lock);
	if (dead) {
		taxonomy_free(dead->tax);
		free(dead);
	}
}
