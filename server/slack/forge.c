/* Code forges: see include/pmkb/slack/forge.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/slack/forge.h"

static const char *const names[] = { "github", "gitea", "gitlab" };

const char *forge_name(enum forge_kind f)
{
	return names[f];
}

int forge_parse(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (name && !strcmp(name, names[i]))
			return i;
	return -1;
}

const char *forge_token_var(enum forge_kind f)
{
	static const char *const vars[] = { "PMKB_GITHUB_TOKEN",
					    "PMKB_GITEA_TOKEN",
					    "PMKB_GITLAB_API_TOKEN" };

	return vars[f];
}

const char *forge_api_var(enum forge_kind f)
{
	static const char *const vars[] = { "PMKB_GITHUB_API", "PMKB_GITEA_API",
					    "PMKB_GITLAB_API" };

	return vars[f];
}

void forge_pr_release(struct forge_pr *pr)
{
	free(pr->api);
	free(pr->repo);
	free(pr->head);
	memset(pr, 0, sizeof(*pr));
}

static const char *str_at(const json_t *j, const char *a, const char *b)
{
	const json_t *o = json_object_get(j, a);

	return json_string_value(b ? json_object_get(o, b) : o);
}

/* url without its tail suffix (and a '/' before it): the base of an API
 * or web URL that ends with a repository's name. NULL when it does not. */
static char *strip_tail(const char *url, const char *tail)
{
	size_t ul, tl;

	if (!url || !tail)
		return NULL;
	ul = strlen(url);
	tl = strlen(tail);
	if (ul <= tl + 1 || strcmp(url + ul - tl, tail) ||
	    url[ul - tl - 1] != '/')
		return NULL;
	return xstrndup(url, ul - tl - 1);
}

static int is_http(const char *url)
{
	return url && (!strncmp(url, "https://", 8) ||
		       !strncmp(url, "http://", 7));
}

static char *api_base(const char *configured, char *derived)
{
	char *api = configured && *configured ? xstrdup(configured) : derived;
	size_t n;

	if (api != derived)
		free(derived);
	if (!api)
		return NULL;
	n = strlen(api);
	while (n && api[n - 1] == '/')
		api[--n] = '\0';
	if (!is_http(api)) {
		free(api);
		return NULL;
	}
	return api;
}

/*
 * The pull_request actions worth a recall: opened, reopened, a push
 * ("synchronize", Gitea's "synchronized") and a draft marked ready for
 * review. Drafts are not skipped: a draft is where a change is discussed
 * first, so it gets its comment when opened. ready_for_review changes no
 * code, but it is when reviewers arrive: the recall is run again against
 * today's index, so the one comment is edited only if the answer changed,
 * and is posted then if the draft's earlier events never reached pmkb.
 * Gitea marks a draft by a title prefix and sends no such action.
 */
static const char *const hub_actions[] = { "opened", "reopened",
					   "synchronize", "synchronized",
					   "ready_for_review", NULL };

static int is_hub_action(const char *action)
{
	for (int i = 0; hub_actions[i]; i++)
		if (!strcmp(action, hub_actions[i]))
			return 1;
	return 0;
}

/* GitHub and Gitea: the same pull_request event, but for the action
 * names of a push. */
static int from_hub(enum forge_kind f, const json_t *ev, const char *api,
		    struct forge_pr *pr, const char **note)
{
	const char *action = str_at(ev, "action", NULL);
	const char *repo = str_at(ev, "repository", "full_name");
	const json_t *p = json_object_get(ev, "pull_request");
	json_int_t number = json_integer_value(json_object_get(ev, "number"));
	const char *head = str_at(p, "head", "sha");
	char *tail;

	if (!json_is_object(p) || !repo || !action) {
		*note = "not a pull_request event: no action, pull_request "
			"or repository.full_name";
		return -1;
	}
	if (!number)
		number = json_integer_value(json_object_get(p, "number"));
	if (!is_hub_action(action)) {
		*note = "ignored: this pull_request action changes no code";
		return 0;
	}
	if (number <= 0) {
		*note = "the pull_request event has no number";
		return -1;
	}
	/* repository.url is the API URL of the repository on both. */
	tail = xmalloc(strlen(repo) + 8);
	sprintf(tail, "repos/%s", repo);
	pr->api = api_base(api, strip_tail(str_at(ev, "repository", "url"),
					   tail));
	free(tail);
	if (!pr->api) {
		*note = "no API URL: the event's repository.url is not one; "
			"set the forge's API variable";
		return -1;
	}
	pr->forge = f;
	pr->repo = xstrdup(repo);
	pr->number = (long)number;
	pr->head = xstrdup(head ? head : "");
	return 1;
}

static int from_gitlab(const json_t *ev, const char *api,
		       struct forge_pr *pr, const char **note)
{
	const char *kind = str_at(ev, "object_kind", NULL);
	const json_t *attrs = json_object_get(ev, "object_attributes");
	const json_t *project = json_object_get(ev, "project");
	const char *action = str_at(attrs, "action", NULL);
	json_int_t iid = json_integer_value(json_object_get(attrs, "iid"));
	json_int_t pid = json_integer_value(json_object_get(project, "id"));
	const char *head = str_at(attrs, "last_commit", "id");
	char *derived, *tail;
	char buf[32];

	if (!kind || strcmp(kind, "merge_request") || !json_is_object(attrs)) {
		*note = "not a merge_request event";
		return -1;
	}
	/* "update" is a push, and also any edit of the merge request, its
	 * draft → ready change among them (changes.draft, formerly
	 * changes.work_in_progress): taken alike, since the recall of the
	 * same paths edits the one comment only when the answer changed. */
	if (!action || (strcmp(action, "open") && strcmp(action, "reopen") &&
			strcmp(action, "update"))) {
		*note = "ignored: this merge request action changes no code";
		return 0;
	}
	if (iid <= 0 || pid <= 0) {
		*note = "the merge_request event has no iid or project id";
		return -1;
	}
	derived = strip_tail(str_at(ev, "project", "web_url"),
			     str_at(ev, "project", "path_with_namespace"));
	if (derived) {
		tail = xmalloc(strlen(derived) + 8);
		sprintf(tail, "%s/api/v4", derived);
		free(derived);
		derived = tail;
	}
	if (!(pr->api = api_base(api, derived))) {
		*note = "no API URL: the event's project.web_url is not one; "
			"set PMKB_GITLAB_API";
		return -1;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)pid);
	pr->forge = FORGE_GITLAB;
	pr->repo = xstrdup(buf);
	pr->number = (long)iid;
	pr->head = xstrdup(head ? head : "");
	return 1;
}

int forge_pr_from_event(enum forge_kind f, const json_t *ev, const char *api,
			struct forge_pr *pr, const char **note)
{
	memset(pr, 0, sizeof(*pr));
	return f == FORGE_GITLAB ? from_gitlab(ev, api, pr, note)
				 : from_hub(f, ev, api, pr, note);
}

/* The repository part of a URL: /repos/owner/name or /projects/ID. */
static void add_repo(struct buf *out, const struct forge_pr *pr)
{
	buf_addstr(out, pr->api);
	if (pr->forge == FORGE_GITLAB) {
		buf_addstr(out, "/projects/");
		buf_add_urlencoded(out, pr->repo);
		return;
	}
	buf_addstr(out, "/repos/");
	/* owner/name: each part encoded, the slash kept */
	for (const char *p = pr->repo; *p;) {
		size_t n = strcspn(p, "/");
		char *part = xstrndup(p, n);

		buf_add_urlencoded(out, part);
		free(part);
		p += n;
		if (*p) {
			buf_addch(out, '/');
			p++;
		}
	}
}

void forge_url_files(const struct forge_pr *pr, int page, struct buf *out)
{
	add_repo(out, pr);
	if (pr->forge == FORGE_GITLAB)
		buf_addf(out, "/merge_requests/%ld/diffs?per_page=%d&page=%d",
			 pr->number, FORGE_PER_PAGE, page);
	else if (pr->forge == FORGE_GITEA)
		buf_addf(out, "/pulls/%ld/files?limit=%d&page=%d", pr->number,
			 FORGE_PER_PAGE, page);
	else
		buf_addf(out, "/pulls/%ld/files?per_page=%d&page=%d",
			 pr->number, FORGE_PER_PAGE, page);
}

void forge_url_comments(const struct forge_pr *pr, int page, struct buf *out)
{
	add_repo(out, pr);
	if (pr->forge == FORGE_GITLAB)
		buf_addf(out, "/merge_requests/%ld/notes", pr->number);
	else
		buf_addf(out, "/issues/%ld/comments", pr->number);
	/* Gitea lists every comment at once. */
	if (page > 0 && pr->forge != FORGE_GITEA)
		buf_addf(out, "?per_page=%d&page=%d", FORGE_PER_PAGE, page);
}

void forge_url_comment(const struct forge_pr *pr, const char *id,
		       struct buf *out)
{
	add_repo(out, pr);
	if (pr->forge == FORGE_GITLAB)
		buf_addf(out, "/merge_requests/%ld/notes/", pr->number);
	else
		buf_addstr(out, "/issues/comments/");
	buf_add_urlencoded(out, id);
}

const char *forge_edit_method(enum forge_kind f)
{
	return f == FORGE_GITLAB ? "PUT" : "PATCH";
}

void forge_auth_header(enum forge_kind f, const char *token, struct buf *out)
{
	if (f == FORGE_GITLAB)
		buf_addf(out, "PRIVATE-TOKEN: %s", token);
	else if (f == FORGE_GITEA)
		buf_addf(out, "Authorization: token %s", token);
	else
		buf_addf(out, "Authorization: Bearer %s", token);
}

long forge_page_paths(enum forge_kind f, const json_t *page,
		      struct pm_list *out)
{
	const char *const *keys;
	static const char *const hub[] = { "filename", "previous_filename",
					   NULL };
	static const char *const lab[] = { "new_path", "old_path", NULL };
	size_t i;
	json_t *item;

	if (!json_is_array(page))
		return -1;
	keys = f == FORGE_GITLAB ? lab : hub;
	json_array_foreach(page, i, item)
		for (const char *const *k = keys; *k; k++) {
			const char *s = str_at(item, *k, NULL);

			if (s && *s)
				pm_list_add_unique(out, s);
		}
	return (long)json_array_size(page);
}

int forge_object_id(const json_t *obj, char *id, size_t idsz)
{
	const json_t *v = json_object_get(obj, "id");

	if (json_is_integer(v))
		snprintf(id, idsz, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v) && *json_string_value(v))
		snprintf(id, idsz, "%s", json_string_value(v));
	else
		return 0;
	return 1;
}

int forge_page_find(const json_t *page, const char *marker, char *id,
		    size_t idsz)
{
	size_t i;
	json_t *item;

	json_array_foreach(page, i, item) {
		const char *body = str_at(item, "body", NULL);

		if (body && strstr(body, marker) &&
		    forge_object_id(item, id, idsz))
			return 1;
	}
	return 0;
}
