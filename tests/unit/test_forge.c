/* Code forges (slack/forge.c): what an event names, the REST URLs. */
#include <jansson.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/slack/forge.h"
#include "tap.h"

static int from(enum forge_kind f, const char *ev, const char *api,
		struct forge_pr *pr, const char **note)
{
	json_t *j = json_loads(ev, 0, NULL);
	int rc = forge_pr_from_event(f, j, api, pr, note);

	json_decref(j);
	return rc;
}

#define HUB(action, url)                                                     \
	"{\"action\":\"" action "\",\"number\":7,\"pull_request\":"        \
	"{\"head\":{\"sha\":\"abc\"}},\"repository\":{\"full_name\":"       \
	"\"o/r\",\"url\":\"" url "\"}}"

int main(void)
{
	struct forge_pr pr;
	struct buf u = BUF_INIT;
	struct pm_list paths = { 0 };
	const char *note = NULL;
	char id[32];
	json_t *j;

	is_int(from(FORGE_GITHUB, HUB("opened", "https://api.github.com/repos/o/r"),
		    NULL, &pr, &note), 1, "a pull request opened");
	is_str(pr.api, "https://api.github.com", "the API base from the event");
	is_str(pr.repo, "o/r", "its repository");
	is_int(pr.number, 7, "its number");
	is_str(pr.head, "abc", "its head");
	forge_url_files(&pr, 2, &u);
	is_str(u.ptr, "https://api.github.com/repos/o/r/pulls/7/files?per_page=50&page=2",
	       "files, a page");
	buf_reset(&u);
	forge_url_comments(&pr, 0, &u);
	is_str(u.ptr, "https://api.github.com/repos/o/r/issues/7/comments",
	       "where a comment is created");
	buf_reset(&u);
	forge_url_comment(&pr, "99", &u);
	is_str(u.ptr, "https://api.github.com/repos/o/r/issues/comments/99",
	       "where it is edited");
	is_str(forge_edit_method(FORGE_GITHUB), "PATCH", "with PATCH");
	buf_reset(&u);
	forge_auth_header(FORGE_GITHUB, "t", &u);
	is_str(u.ptr, "Authorization: Bearer t", "GitHub's auth header");
	forge_pr_release(&pr);

	is_int(from(FORGE_GITHUB, HUB("synchronize", "https://ghe.example/api/v3/repos/o/r"),
		    "https://override.example/api/", &pr, &note), 1,
	       "a push to it");
	is_str(pr.api, "https://override.example/api", "the configured API wins");
	forge_pr_release(&pr);
	is_int(from(FORGE_GITHUB, HUB("closed", "https://api.github.com/repos/o/r"),
		    NULL, &pr, &note), 0, "closed: ignored");
	forge_pr_release(&pr);
	is_int(from(FORGE_GITHUB, HUB("ready_for_review", "https://api.github.com/repos/o/r"),
		    NULL, &pr, &note), 1, "a draft marked ready for review");
	is_int(pr.number, 7, "its number");
	is_str(pr.head, "abc", "its head");
	forge_pr_release(&pr);
	is_int(from(FORGE_GITHUB,
		    "{\"action\":\"opened\",\"number\":7,\"pull_request\":"
		    "{\"draft\":true,\"head\":{\"sha\":\"abc\"}},"
		    "\"repository\":{\"full_name\":\"o/r\",\"url\":"
		    "\"https://api.github.com/repos/o/r\"}}",
		    NULL, &pr, &note), 1, "a draft opened: not skipped");
	forge_pr_release(&pr);
	is_int(from(FORGE_GITHUB, HUB("converted_to_draft", "https://api.github.com/repos/o/r"),
		    NULL, &pr, &note), 0, "converted to a draft: ignored");
	forge_pr_release(&pr);
	is_int(from(FORGE_GITHUB, HUB("opened", "file:///etc/repos/o/r"), NULL,
		    &pr, &note), -1, "an API URL that is not http(s)");
	forge_pr_release(&pr);
	is_int(from(FORGE_GITHUB, "{\"action\":\"opened\"}", NULL, &pr, &note),
	       -1, "no pull_request");
	forge_pr_release(&pr);

	is_int(from(FORGE_GITEA, HUB("synchronized", "http://git.example/api/v1/repos/o/r"),
		    NULL, &pr, &note), 1, "Gitea's word for a push");
	is_str(pr.api, "http://git.example/api/v1", "Gitea's API base");
	buf_reset(&u);
	forge_url_comments(&pr, 3, &u);
	is_str(u.ptr, "http://git.example/api/v1/repos/o/r/issues/7/comments",
	       "Gitea lists comments without pages");
	buf_reset(&u);
	forge_auth_header(FORGE_GITEA, "t", &u);
	is_str(u.ptr, "Authorization: token t", "Gitea's auth header");
	forge_pr_release(&pr);

	is_int(from(FORGE_GITLAB,
		    "{\"object_kind\":\"merge_request\",\"project\":{\"id\":42,"
		    "\"path_with_namespace\":\"g/p\",\"web_url\":"
		    "\"https://gl.example/g/p\"},\"object_attributes\":{\"iid\":"
		    "5,\"action\":\"update\",\"last_commit\":{\"id\":\"def\"}}}",
		    NULL, &pr, &note), 1, "a GitLab merge request update");
	is_str(pr.api, "https://gl.example/api/v4", "GitLab's API base");
	is_str(pr.repo, "42", "the project id");
	buf_reset(&u);
	forge_url_files(&pr, 1, &u);
	is_str(u.ptr, "https://gl.example/api/v4/projects/42/merge_requests/5/diffs?per_page=50&page=1",
	       "GitLab's diffs");
	buf_reset(&u);
	forge_url_comment(&pr, "8", &u);
	is_str(u.ptr, "https://gl.example/api/v4/projects/42/merge_requests/5/notes/8",
	       "a GitLab note");
	is_str(forge_edit_method(FORGE_GITLAB), "PUT", "edited with PUT");
	forge_pr_release(&pr);
	is_int(from(FORGE_GITLAB,
		    "{\"object_kind\":\"merge_request\",\"project\":{\"id\":42,"
		    "\"path_with_namespace\":\"g/p\",\"web_url\":"
		    "\"https://gl.example/g/p\"},\"object_attributes\":{\"iid\":"
		    "5,\"action\":\"update\",\"draft\":false,\"last_commit\":"
		    "{\"id\":\"def\"}},\"changes\":{\"draft\":{\"previous\":"
		    "true,\"current\":false}}}",
		    NULL, &pr, &note), 1, "a GitLab draft marked ready");
	is_int(pr.number, 5, "its iid");
	forge_pr_release(&pr);

	j = json_loads("[{\"old_path\":\"a\",\"new_path\":\"b\"},"
		       "{\"old_path\":\"c\",\"new_path\":\"c\"}]", 0, NULL);
	is_int(forge_page_paths(FORGE_GITLAB, j, &paths), 2, "two items");
	is_int((long long)paths.n, 3, "a rename gives both names, once each");
	json_decref(j);
	j = json_loads("[{\"id\":1,\"body\":\"hi\"},{\"id\":2,\"body\":"
		       "\"x <!-- pmkb:recall --> y\"}]", 0, NULL);
	ok(forge_page_find(j, "<!-- pmkb:recall -->", id, sizeof(id)),
	   "the marked comment is found");
	is_str(id, "2", "by its id");
	json_decref(j);
	pm_list_release(&paths);
	buf_release(&u);
	return tap_done();
}
