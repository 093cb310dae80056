/* test_syslog_in.c: the remote syslog framing (RFC 6587) and the
 * allowed/denied address check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "manager/syslog_frame.h"
#include "manager/syslog_in.h"

/* Frames `in` (pushed `step` bytes at a time, 0: at once) and joins the
 * messages with '|' into out. */
static void frame(const char *in, size_t inlen, size_t max, size_t step, char *out, size_t n)
{
	yg_sframe f;
	assert_int_equal(yg_sframe_init(&f, max), YG_OK);
	size_t o = 0, pos = 0;
	out[0] = '\0';
	for (;;) {
		const char *m;
		size_t len;
		if (yg_sframe_take(&f, &m, &len) ||
		    (pos == inlen && yg_sframe_finish(&f) && yg_sframe_take(&f, &m, &len))) {
			o += (size_t)snprintf(out + o, n - o, "%s%.*s", o ? "|" : "", (int)len, m);
			yg_sframe_pop(&f);
			continue;
		}
		if (pos == inlen)
			break;
		size_t k = step && step < inlen - pos ? step : inlen - pos;
		pos += yg_sframe_push(&f, in + pos, k);
	}
	yg_sframe_free(&f);
}

#define FRAMES(in, max, want)                                                                      \
	do {                                                                                       \
		char got_[4096];                                                                   \
		for (size_t st_ = 0; st_ < 4; st_++) {                                             \
			frame(in, sizeof(in) - 1, max, st_, got_, sizeof(got_));                   \
			assert_string_equal(got_, want);                                           \
		}                                                                                  \
	} while (0)

static void test_framing(void **state)
{
	(void)state;
	FRAMES("a\nb\r\n\n\r\nc", 64, "a|b|c");
	FRAMES("5 hello6 wo\nrld<13>x\n", 64, "hello|wo\nrld|<13>x");
	FRAMES("12ab 3\n0 x\n", 64, "12ab 3|0 x");
	FRAMES("1234567890 ten digits\n", 64, "1234567890 ten digits");
	FRAMES("3 abc\n4 defg", 64, "abc|defg");
	/* cut to max, the rest of the frame discarded */
	FRAMES("abcdefghijklmnopqrstuvwxyz\nok\n", 16, "abcdefghijklmnop|ok");
	FRAMES("26 abcdefghijklmnopqrstuvwxyz2 ok", 16, "abcdefghijklmnop|ok");
	/* an unfinished octet frame at the end is dropped; a line is kept */
	FRAMES("9 abc", 64, "");
	FRAMES("tail", 64, "tail");
}

static void test_backpressure(void **state)
{
	(void)state;
	yg_sframe f;
	assert_int_equal(yg_sframe_init(&f, 8), YG_EINVAL); /* a count must fit */
	assert_int_equal(yg_sframe_init(&f, 64), YG_OK);
	const char in[] = "one\ntwo\n";
	size_t k = yg_sframe_push(&f, in, 8);
	assert_int_equal(k, 4);
	/* while a message waits, nothing more is consumed */
	assert_int_equal(yg_sframe_push(&f, in + k, 8 - k), 0);
	const char *m;
	size_t len;
	assert_true(yg_sframe_take(&f, &m, &len));
	assert_string_equal(m, "one");
	assert_true(yg_sframe_take(&f, &m, &len)); /* still there until pop */
	yg_sframe_pop(&f);
	assert_int_equal(yg_sframe_push(&f, in + k, 8 - k), 4);
	assert_true(yg_sframe_take(&f, &m, &len));
	assert_string_equal(m, "two");
	assert_int_equal(f.frames, 2);
	yg_sframe_free(&f);
}

static void test_allowed(void **state)
{
	(void)state;
	yg_syslog_listen_cfg l = {0};
	assert_false(yg_syslog_allowed(&l, "127.0.0.1")); /* nothing allowed */
	l.allow = yg_waf_allow_create();
	l.deny = yg_waf_allow_create();
	assert_int_equal(yg_waf_allow_add(l.allow, "127.0.0.0/8"), YG_OK);
	assert_int_equal(yg_waf_allow_add(l.allow, "192.168.1.0/255.255.255.0"), YG_OK);
	assert_int_equal(yg_waf_allow_add(l.deny, "127.0.0.2"), YG_OK);
	assert_true(yg_syslog_allowed(&l, "127.0.0.1"));
	assert_true(yg_syslog_allowed(&l, "192.168.1.77"));
	assert_false(yg_syslog_allowed(&l, "127.0.0.2")); /* denied first */
	assert_false(yg_syslog_allowed(&l, "10.0.0.1"));
	assert_false(yg_syslog_allowed(&l, "not an address"));
	l.allow_any = true;
	assert_true(yg_syslog_allowed(&l, "10.0.0.1"));
	assert_true(yg_syslog_allowed(&l, "2001:db8::1"));
	assert_false(yg_syslog_allowed(&l, "127.0.0.2"));
	yg_rsyslog_config c = {.l = malloc(sizeof(l)), .n = 1};
	c.l[0] = l;
	yg_rsyslog_config_free(&c);
}

/* ---- the listeners, over loopback ---- */

typedef struct rx {
	int calls;
	int n;
	char ip[64];
	int *seen; /* message number -> times accepted */
	int max;
} rx;

/* Accepts "m<number>"; refuses every third offer (back-pressure). */
static int rx_emit(void *ctx, const char *srcip, const char *msg, size_t len)
{
	rx *r = ctx;
	if (++r->calls % 3 == 0)
		return 1;
	assert_int_equal(strlen(msg), len);
	assert_true(msg[0] == 'm');
	int k = atoi(msg + 1);
	assert_true(k >= 0 && k < r->max);
	/* in order: each is the next one */
	assert_int_equal(k, r->n);
	r->seen[k]++;
	r->n++;
	snprintf(r->ip, sizeof(r->ip), "%s", srcip);
	return 0;
}

static int free_port(int type)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static yg_rsyslog_config one_listener(bool tcp, int port)
{
	yg_rsyslog_config c = {.l = calloc(1, sizeof(yg_syslog_listen_cfg)), .n = 1};
	assert_non_null(c.l);
	yg_syslog_listen_cfg *l = c.l;
	snprintf(l->address, sizeof(l->address), "127.0.0.1");
	l->port = port;
	l->tcp = tcp;
	l->max_msg = 1024;
	l->max_conns = 4;
	l->max_conns_per_ip = 4;
	l->allow = yg_waf_allow_create();
	assert_int_equal(yg_waf_allow_add(l->allow, "127.0.0.1"), YG_OK);
	return c;
}

static void pump(yg_syslogd *s, rx *r, int want)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		yg_syslogd_poll(s);
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (r->n < want && t.tv_sec - t0.tv_sec < 20);
}

static void test_tcp_backpressure(void **state)
{
	(void)state;
	enum { N = 20000 };
	int port = free_port(SOCK_STREAM);
	yg_rsyslog_config c = one_listener(true, port);
	rx r = {.seen = calloc(N, sizeof(int)), .max = N};
	char err[256];
	yg_syslogd *s = yg_syslogd_create(&c, rx_emit, &r, NULL, NULL, err, sizeof(err));
	assert_non_null(s);
	pid_t pid = fork();
	if (pid == 0) {
		/* a sender far faster than the consumer: its writes block on
		 * TCP's window while the listener is paused */
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET,
		                        .sin_port = htons((uint16_t)port),
		                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
			_exit(1);
		char line[64];
		for (int i = 0; i < N; i++) {
			/* octet-counted and newline frames alternately */
			int n = i % 2 ? snprintf(line, sizeof(line), "<13>m%d\n", i)
			              : snprintf(line, sizeof(line), "%d m%d",
			                         (int)strlen("m") + snprintf(NULL, 0, "%d", i), i);
			if (write(fd, line, (size_t)n) != n)
				_exit(1);
		}
		close(fd);
		_exit(0);
	}
	pump(s, &r, N);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(r.n, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(r.seen[i], 1);
	assert_string_equal(r.ip, "127.0.0.1");
	assert_true(r.calls > N); /* refusals happened */
	yg_syslogd_stats sts;
	yg_syslogd_get_stats(s, &sts);
	assert_int_equal(sts.messages, N);
	yg_syslogd_destroy(s);
	yg_rsyslog_config_free(&c);
	free(c.l);
	free(r.seen);
}

static void test_udp_allowed_denied(void **state)
{
	(void)state;
	enum { N = 200 };
	int port = free_port(SOCK_DGRAM);
	yg_rsyslog_config c = one_listener(false, port);
	rx r = {.seen = calloc(N, sizeof(int)), .max = N};
	char err[256];
	yg_syslogd *s = yg_syslogd_create(&c, rx_emit, &r, NULL, NULL, err, sizeof(err));
	assert_non_null(s);
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int ok = socket(AF_INET, SOCK_DGRAM, 0), bad = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in from2 = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.2", &from2.sin_addr);
	assert_int_equal(bind(bad, (struct sockaddr *)&from2, sizeof(from2)), 0);
	for (int i = 0; i < N; i++) {
		char m[32];
		int n = snprintf(m, sizeof(m), "m%d\r\n", i);
		assert_int_equal(sendto(ok, m, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)),
		                 n);
		assert_int_equal(sendto(bad, "m0", 2, 0, (struct sockaddr *)&to, sizeof(to)), 2);
		if (i % 20 == 19) /* within the socket's buffer: UDP drops beyond it */
			pump(s, &r, i + 1);
	}
	pump(s, &r, N);
	assert_int_equal(r.n, N);
	yg_syslogd_stats sts;
	for (int k = 0; k < 5000; k++) { /* the denied ones are all read too */
		yg_syslogd_get_stats(s, &sts);
		if (sts.denied == N)
			break;
		yg_syslogd_poll(s);
		usleep(1000);
	}
	assert_int_equal(sts.denied, N);
	close(ok);
	close(bad);
	yg_syslogd_destroy(s);
	yg_rsyslog_config_free(&c);
	free(c.l);
	free(r.seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_framing),
	        cmocka_unit_test(test_backpressure),
	        cmocka_unit_test(test_allowed),
	        cmocka_unit_test(test_tcp_backpressure),
	        cmocka_unit_test(test_udp_allowed_denied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
