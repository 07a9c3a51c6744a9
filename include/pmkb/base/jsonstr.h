/* Reading strings out of JSON objects that may lack them. */
#ifndef PMKB_BASE_JSONSTR_H
#define PMKB_BASE_JSONSTR_H

#include <jansson.h>

/* o's member key when it is a string, else "" (never NULL). */
const char *jstr(const json_t *o, const char *key);

#endif
