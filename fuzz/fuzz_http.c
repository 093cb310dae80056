/* fuzz_http.c: the API server on arbitrary bytes from the network. One
 * server (no backend: its endpoints answer 501) listens on a loopback
 * port for the whole run; each input is sent on a new connection, the
 * write side is closed and the answer read until the server closes. The
 * text "@TOKEN@" in an input becomes an admin's bearer token, so the
 * authenticated routes and their JSON bodies are reached too. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api.h"
#include "api/api_users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static yg_api *server;
static char token[YG_API_TOKEN_LEN];

static void stop(void)
{
	yg_api_destroy(server);
	server = NULL;
}

static int start(void)
{
	char db[64];
	snprintf(db, sizeof(db), "/dev/shm/yg-fuzz-http-%ld.db", (long)getpid());
	unlink(db);
	yg_api_users *u = NULL;
	if (yg_api_users_open(db, NULL, &u) ||
	    yg_api_user_add(u, "admin", "fuzz-password-1", YG_API_ROLE_ADMIN) ||
	    yg_api_token_create(u, "admin", 3600, false, "fuzz", token, NULL, NULL)) {
		yg_api_users_close(u);
		return -1;
	}
	yg_api_users_close(u);
	yg_api_options o;
	yg_api_options_default(&o);
	o.port = 0;
	o.users_db = db;
	o.threads = 2;
	if (yg_api_create(&o, NULL, NULL, &server))
		return -1;
	atexit(stop);
	return 0;
}

/* The input with every @TOKEN@ replaced; *n its length. */
static char *with_token(const uint8_t *data, size_t size, size_t *n)
{
	static const char mark[] = "@TOKEN@";
	size_t ml = sizeof(mark) - 1, tl = strlen(token);
	char *out = malloc(size / ml * tl + size + 1);
	size_t w = 0;
	for (size_t i = 0; out && i < size;) {
		if (size - i >= ml && memcmp(data + i, mark, ml) == 0) {
			memcpy(out + w, token, tl);
			w += tl;
			i += ml;
		} else
			out[w++] = (char)data[i++];
	}
	*n = w;
	return out;
}

static void exchange(const char *req, size_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(yg_api_port(server))};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
		for (size_t off = 0; off < len;) {
			ssize_t k = send(fd, req + off, len - off, MSG_NOSIGNAL);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		shutdown(fd, SHUT_WR);
		char buf[4096];
		struct pollfd p = {.fd = fd, .events = POLLIN};
		/* the server closes once it has answered what it could parse */
		while (poll(&p, 1, 5000) > 0 && read(fd, buf, sizeof(buf)) > 0)
			;
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!server && start() != 0)
		return 0;
	size_t n = 0;
	char *req = with_token(data, size, &n);
	if (req)
		exchange(req, n);
	free(req);
	return 0;
}
