/*
 * Code forges (GitHub, Gitea, GitLab) as pmkb talks to them about a pull
 * request: what a pull_request / merge-request event names, and the REST
 * requests that list its changed paths, list its comments, create one and
 * edit one. Pure functions; prcomment.c sends the requests.
 *
 *                 GitHub                   Gitea (/api/v1)          GitLab (/api/v4)
 *   files         GET /repos/R/pulls/N/files   (the same)           GET /projects/P/merge_requests/N/diffs
 *   comments      GET /repos/R/issues/N/comments  (the same)        GET /projects/P/merge_requests/N/notes
 *   create        POST the same                (the same)           POST the same
 *   edit          PATCH /repos/R/issues/comments/ID  (the same)     PUT .../notes/ID
 *   auth          Authorization: Bearer T  Authorization: token T   PRIVATE-TOKEN: T
 */
#ifndef PMKB_SLACK_FORGE_H
#define PMKB_SLACK_FORGE_H

#include <jansson.h>
#include <stddef.h>

#include "pmkb/base/buf.h"

struct pm_list;

enum forge_kind { FORGE_GITHUB, FORGE_GITEA, FORGE_GITLAB };

/* "github", "gitea" or "gitlab"; forge_parse gives -1 for anything else. */
const char *forge_name(enum forge_kind f);
int forge_parse(const char *name);

/* The environment variable with the token for f, and the one that sets
 * its API base URL (overriding what the event says). */
const char *forge_token_var(enum forge_kind f);
const char *forge_api_var(enum forge_kind f);

/* A pull request (owned strings). */
struct forge_pr {
	enum forge_kind forge;
	char *api;  /* REST base, no trailing slash */
	char *repo; /* "owner/name"; GitLab: the project id */
	long number;
	char *head; /* head commit, may be "" */
};

void forge_pr_release(struct forge_pr *pr);

/*
 * Reads a pull_request event (GitHub, Gitea) or a merge_request event
 * (GitLab). api (may be NULL) is the configured API base; without it the
 * base comes from the event. Returns 1 with *pr filled for an event that
 * calls for a recall (opened, reopened, a push, a draft marked ready for
 * review; drafts are not skipped), 0 with *note for one that does not
 * (closed, labelled...), -1 with *note when the event lacks what is
 * needed.
 */
int forge_pr_from_event(enum forge_kind f, const json_t *ev, const char *api,
			struct forge_pr *pr, const char **note);

/* Items asked for per page, and pages read at most. */
#define FORGE_PER_PAGE 50
#define FORGE_MAX_PAGES 60

/* URLs (appended to out): a page (from 1) of the changed files; a page of
 * the comments (page 0: the URL to create one); one comment, to edit. */
void forge_url_files(const struct forge_pr *pr, int page, struct buf *out);
void forge_url_comments(const struct forge_pr *pr, int page, struct buf *out);
void forge_url_comment(const struct forge_pr *pr, const char *id,
		       struct buf *out);

/* "PATCH" or "PUT". */
const char *forge_edit_method(enum forge_kind f);

/* The authentication header line for token, appended to out. */
void forge_auth_header(enum forge_kind f, const char *token, struct buf *out);

/* Adds the paths of a page of changed files (old and new names) to out;
 * returns how many items the page had, -1 when it is not a list. */
long forge_page_paths(enum forge_kind f, const json_t *page,
		      struct pm_list *out);

/* The id of the first comment in a page whose body contains marker, as
 * text in id (size idsz); 0 when none. */
int forge_page_find(const json_t *page, const char *marker, char *id,
		    size_t idsz);

/* The "id" of an object (a comment just created) as text; 0 when none. */
int forge_object_id(const json_t *obj, char *id, size_t idsz);

#endif
