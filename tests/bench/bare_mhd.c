/*
 * The ceiling for the HTTP benchmarks: libmicrohttpd answering every
 * request with the same 1 KB JSON body, configured like pmkb's server
 * (internal polling thread, epoll, a thread pool of 2) and with the same
 * response headers as pmkb's, so that the difference to pmkb is the work
 * pmkb does per request. It binds 127.0.0.1 only.
 *
 *   bare_mhd [PORT]     0 or nothing: any free port
 *
 * Prints "port N" on stdout once listening, then serves until SIGINT or
 * SIGTERM.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_BYTES 1024

static char body[BODY_BYTES + 1];

/* pmkb's policy (server.c), so that both send the same headers. */
static const char csp[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; "
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; "
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/* A JSON object padded to exactly BODY_BYTES bytes. */
static void make_body(void)
{
	static const char head[] =
		"{\"query\":\"bench\",\"total\":1,\"pad\":\"";
	static const char tail[] = "\"}";
	size_t pad = BODY_BYTES - (sizeof(head) - 1) - (sizeof(tail) - 1);

	memcpy(body, head, sizeof(head) - 1);
	memset(body + sizeof(head) - 1, 'x', pad);
	memcpy(body + sizeof(head) - 1 + pad, tail, sizeof(tail));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static int first_call_marker;
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	/*
	 * Queueing on the first call makes libmicrohttpd 0.9.75 close the
	 * connection after the response (PERF.md): answer on the second.
	 */
	if (!*req_cls) {
		*req_cls = &first_call_marker;
		return MHD_YES;
	}
	*upload_data_size = 0;
	r = MHD_create_response_from_buffer(BODY_BYTES, body,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type",
				"application/json; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *info;
	unsigned port = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
	sigset_t sigs;
	int sig;

	make_body();
	/* Threads inherit the mask: only sigwait below sees the signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Loopback only: the benchmark never listens beyond this machine. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
			     (uint16_t)port, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
			     MHD_OPTION_THREAD_POOL_SIZE, 2u,
			     MHD_OPTION_CONNECTION_LIMIT, 1024u,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_mhd: cannot listen on port %u\n", port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("port %u\n", info ? info->port : port);
	fflush(stdout);
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	return 0;
}
