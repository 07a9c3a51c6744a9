/*
 * Per-address counting of failed authentications (http/auth.h), in fixed
 * memory: LIMITER_SLOTS addresses, the stalest forgotten first. Addresses
 * are hashed with a key drawn when the limiter is made (SipHash), so that
 * nobody can pick addresses that crowd out another's count.
 */
#ifndef PMKB_HTTP_LIMITER_H
#define PMKB_HTTP_LIMITER_H

#include <stdint.h>

#define LIMITER_SLOTS 4096

struct limiter;

/* limit failures per window seconds; returns owned (limiter_free). */
struct limiter *limiter_new(long limit, long window);
void limiter_free(struct limiter *l);

/* Seconds until addr may try again (0: it may now) at time now.
 * Thread-safe. */
long limiter_blocked(struct limiter *l, const char *addr, int64_t now);

/* Counts a failure of addr at time now. Thread-safe. */
void limiter_fail(struct limiter *l, const char *addr, int64_t now);

#endif
