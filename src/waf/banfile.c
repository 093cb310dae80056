/* banfile.c: rendering and atomically replacing the ban file, verify,
 * reload, nftables (see banfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "waf/banfile.h"

#define HEADER                                                                                     \
	"# yagura WAF ban list, read by @ipMatchFromFile (ModSecurity, Coraza).\n"                 \
	"# Managed by yagura: changes made here are overwritten.\n"

/* An address pushed into the nftables set, with the expiry it was given. */
typedef struct nft_elem {
	char addr[YG_WAF_ADDR_TEXT_MAX];
	int64_t expires;
} nft_elem;

struct yg_waf_action {
	char *ban_file;
	char **reload_argv, **verify_argv;
	int timeout_ms;
	yg_waf_allow *allow;
	bool nftables;
	char *nft_family, *nft_table, *nft_set;
	nft_elem *pushed;
	size_t npushed;
	bool dirty; /* the WAF may not hold what the file says: reload next time */
	/* after a failed sync (out of descriptors, a full disk, a reload that
	 * failed) the next is tried at retry_ms, backing off to a minute */
	unsigned failures;
	long long retry_ms;
};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- rendering ---- */

static int addr_cmp(const void *pa, const void *pb)
{
	const yg_waf_addr *a = pa, *b = pb;
	int c;
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	c = memcmp(a->bytes, b->bytes, sizeof(a->bytes));
	if (c)
		return c;
	return (a->prefix > b->prefix) - (a->prefix < b->prefix);
}

/* The valid, not allow-listed, distinct addresses of bans, sorted, in a new
 * array *out (caller frees). */
static yg_err select_addrs(const yg_waf_ban_list *bans, const yg_waf_allow *allow,
                           yg_waf_addr **out, size_t *nout, size_t *refused)
{
	yg_waf_addr *v = NULL;
	size_t n = 0, bad = 0;
	if (bans && bans->n) {
		v = malloc(bans->n * sizeof(*v));
		if (!v)
			return YG_ENOMEM;
	}
	for (size_t i = 0; bans && i < bans->n; i++) {
		yg_waf_addr a;
		/* never written, even when a ledger from before holds one */
		if (yg_waf_addr_parse(bans->v[i].address, &a) != YG_OK || yg_waf_addr_special(&a) ||
		    yg_waf_allowed(allow, &a)) {
			bad++;
			continue;
		}
		v[n++] = a;
	}
	if (n)
		qsort(v, n, sizeof(*v), addr_cmp);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (w == 0 || addr_cmp(&v[w - 1], &v[i]) != 0)
			v[w++] = v[i];
	*out = v;
	*nout = w;
	if (refused)
		*refused = bad;
	return YG_OK;
}

yg_err yg_waf_banfile_render(const yg_waf_ban_list *bans, const yg_waf_allow *allow, yg_buf *out,
                             size_t *written, size_t *refused)
{
	yg_waf_addr *v;
	size_t n;
	yg_err e = select_addrs(bans, allow, &v, &n, refused);
	if (e)
		return e;
	e = yg_buf_puts(out, HEADER);
	for (size_t i = 0; !e && i < n; i++) {
		char t[YG_WAF_ADDR_TEXT_MAX];
		yg_waf_addr_format(&v[i], t);
		e = yg_buf_puts(out, t);
		if (!e)
			e = yg_buf_putc(out, '\n');
	}
	free(v);
	if (!e && written)
		*written = n;
	return e;
}

/* ---- files ---- */

static bool write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* fsyncs the directory holding path so the rename itself is durable. */
static bool sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;
	bool ok;
	if (!slash) {
		dir[0] = '.';
		dir[1] = '\0';
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return false;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = fsync(fd) == 0;
	close(fd);
	return ok;
}

yg_err yg_waf_banfile_write(const char *path, const char *data, size_t len)
{
	yg_buf tmp;
	int fd;
	yg_buf_init(&tmp, 4096 + 64);
	if (!path || !*path || yg_buf_printf(&tmp, "%s.tmp.XXXXXX", path)) {
		yg_buf_free(&tmp);
		return YG_EINVAL;
	}
	fd = mkostemp(tmp.data, O_CLOEXEC);
	if (fd < 0) {
		yg_buf_free(&tmp);
		return YG_EIO;
	}
	if (!write_all(fd, data, len) || fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
		close(fd);
		unlink(tmp.data);
		yg_buf_free(&tmp);
		return YG_EIO;
	}
	if (close(fd) != 0 || rename(tmp.data, path) != 0) {
		unlink(tmp.data);
		yg_buf_free(&tmp);
		return YG_EIO;
	}
	yg_buf_free(&tmp);
	return sync_dir(path) ? YG_OK : YG_EIO;
}

/* Reads path into b (bounded). *exists is false when there is no file. */
static yg_err read_file(const char *path, yg_buf *b, bool *exists)
{
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	*exists = fd >= 0;
	if (fd < 0)
		return errno == ENOENT ? YG_OK : YG_EIO;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || yg_buf_append(b, chunk, (size_t)n)) {
			close(fd);
			return n < 0 ? YG_EIO : YG_ELIMIT;
		}
	}
	close(fd);
	return YG_OK;
}

/* ---- the action ---- */

static void argv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A deep copy of a NULL-terminated argv; *ok false on ENOMEM. */
static char **argv_dup(const char *const *src, bool *ok)
{
	size_t n = 0;
	char **v;
	if (!src || !src[0])
		return NULL;
	while (src[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++) {
		v[i] = strdup(src[i]);
		if (!v[i]) {
			argv_free(v);
			v = NULL;
		}
	}
	if (!v)
		*ok = false;
	return v;
}

static bool plain_name(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

yg_err yg_waf_action_create(const yg_waf_action_opts *o, yg_waf_action **out)
{
	yg_waf_action *a;
	bool ok = true;
	if (!o || !o->ban_file || !*o->ban_file)
		return YG_EINVAL;
	if (o->nftables &&
	    (!plain_name(o->nft_family) || !plain_name(o->nft_table) || !plain_name(o->nft_set)))
		return YG_EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return YG_ENOMEM;
	a->dirty = true;
	a->timeout_ms = o->command_timeout_ms > 0 ? o->command_timeout_ms : 10000;
	a->ban_file = strdup(o->ban_file);
	a->reload_argv = argv_dup(o->reload_argv, &ok);
	a->verify_argv = argv_dup(o->verify_argv, &ok);
	a->allow = yg_waf_allow_create();
	a->nftables = o->nftables;
	if (o->nftables) {
		a->nft_family = strdup(o->nft_family);
		a->nft_table = strdup(o->nft_table);
		a->nft_set = strdup(o->nft_set);
		ok = ok && a->nft_family && a->nft_table && a->nft_set;
	}
	if (!ok || !a->ban_file || !a->allow || yg_waf_allow_merge(a->allow, o->allow)) {
		yg_waf_action_destroy(a);
		return YG_ENOMEM;
	}
	*out = a;
	return YG_OK;
}

void yg_waf_action_destroy(yg_waf_action *a)
{
	if (!a)
		return;
	free(a->ban_file);
	argv_free(a->reload_argv);
	argv_free(a->verify_argv);
	yg_waf_allow_destroy(a->allow);
	free(a->nft_family);
	free(a->nft_table);
	free(a->nft_set);
	free(a->pushed);
	free(a);
}

bool yg_waf_action_pending(const yg_waf_action *a)
{
	return a->dirty;
}

bool yg_waf_action_due(const yg_waf_action *a)
{
	return a->dirty && mono_ms() >= a->retry_ms;
}

static void note(yg_waf_apply_report *rep, const char *what, const yg_waf_cmd_result *r)
{
	if (rep->error[0])
		return;
	if (r)
		snprintf(rep->error, sizeof(rep->error), "%s: %s%s (exit %d): %.300s", what,
		         r->timed_out ? "timed out" : "failed", r->ran ? "" : " to start",
		         r->exit_status, r->err);
	else
		snprintf(rep->error, sizeof(rep->error), "%s", what);
}

/* Runs `nft VERB element FAMILY TABLE SET { ELEM }`. */
static bool nft_run(yg_waf_action *a, const char *verb, const char *elem)
{
	const char *argv[] = {"nft",        verb,       "element", a->nft_family,
	                      a->nft_table, a->nft_set, elem,      NULL};
	yg_waf_cmd_result r;
	return yg_waf_exec(argv, a->timeout_ms, &r) == YG_OK;
}

/* Makes the nftables set hold `v` (with the bans' expiries). */
static void nft_sync(yg_waf_action *a, const yg_waf_ban_list *active, int64_t now,
                     yg_waf_apply_report *rep)
{
	nft_elem *next = calloc(active->n ? active->n : 1, sizeof(*next));
	size_t nnext = 0;
	char elem[YG_WAF_ADDR_TEXT_MAX + 48];
	if (!next) {
		note(rep, "nftables: out of memory", NULL);
		return;
	}
	for (size_t i = 0; i < active->n; i++) {
		yg_waf_addr ad;
		if (yg_waf_addr_parse(active->v[i].address, &ad) || yg_waf_addr_special(&ad) ||
		    yg_waf_allowed(a->allow, &ad))
			continue;
		yg_waf_addr_format(&ad, next[nnext].addr);
		next[nnext++].expires = active->v[i].expires;
	}
	for (size_t i = 0; i < a->npushed; i++) {
		size_t j;
		for (j = 0; j < nnext; j++)
			if (!strcmp(next[j].addr, a->pushed[i].addr) &&
			    next[j].expires == a->pushed[i].expires)
				break;
		if (j < nnext)
			continue;
		snprintf(elem, sizeof(elem), "{ %s }", a->pushed[i].addr);
		if (nft_run(a, "delete", elem))
			rep->nft_removed++;
	}
	for (size_t j = 0; j < nnext; j++) {
		size_t i;
		for (i = 0; i < a->npushed; i++)
			if (!strcmp(next[j].addr, a->pushed[i].addr) &&
			    next[j].expires == a->pushed[i].expires)
				break;
		if (i < a->npushed)
			continue;
		if (next[j].expires > now)
			snprintf(elem, sizeof(elem), "{ %s timeout %llds }", next[j].addr,
			         (long long)(next[j].expires - now));
		else
			snprintf(elem, sizeof(elem), "{ %s }", next[j].addr);
		if (nft_run(a, "add", elem)) {
			rep->nft_added++;
		} else {
			rep->nft_failed++;
			next[j].expires = -1; /* retried next time */
			note(rep, "nftables: nft add element failed", NULL);
		}
	}
	free(a->pushed);
	a->pushed = next;
	a->npushed = nnext;
}

/* Runs the verify command on the file just written; when it fails, puts
 * the previous file back (or removes the new one) so that nothing ever
 * loads a file the WAF refused. */
static yg_err verify_or_restore(yg_waf_action *a, yg_waf_apply_report *rep, const yg_buf *old,
                                bool had_old)
{
	rep->verify_ran = true;
	rep->verify_ok = yg_waf_exec((const char *const *)a->verify_argv, a->timeout_ms,
	                             &rep->verify) == YG_OK;
	if (rep->verify_ok)
		return YG_OK;
	note(rep, "verify command", &rep->verify);
	if (had_old)
		rep->restored = yg_waf_banfile_write(a->ban_file, old->data ? old->data : "",
		                                     old->len) == YG_OK;
	else
		rep->restored = unlink(a->ban_file) == 0;
	return YG_EIO;
}

static yg_err run_reload(yg_waf_action *a, yg_waf_apply_report *rep)
{
	rep->reload_ran = true;
	rep->reload_ok = yg_waf_exec((const char *const *)a->reload_argv, a->timeout_ms,
	                             &rep->reload) == YG_OK;
	if (rep->reload_ok)
		return YG_OK;
	note(rep, "reload command", &rep->reload);
	return YG_EIO;
}

/* After a failure nothing says the WAF holds the ledger's bans: the action
 * stays dirty and is tried again later, 1 s doubling up to 60 s. */
static void set_retry(yg_waf_action *a, yg_err e)
{
	if (e) {
		a->dirty = true;
		a->failures++;
		long long wait = 1000LL << (a->failures - 1 < 6 ? a->failures - 1 : 6);
		a->retry_ms = mono_ms() + (wait < 60000 ? wait : 60000);
	} else {
		a->failures = 0;
		a->retry_ms = 0;
	}
}

/* Writes the ban file when it changed (or the last apply failed), then
 * verifies and reloads; the nftables set follows either way. */
static yg_err apply_file(yg_waf_action *a, const yg_waf_ban_list *active, yg_waf_apply_report *rep,
                         yg_buf *next, yg_buf *old)
{
	bool had_old = false;
	yg_err e = yg_waf_banfile_render(active, a->allow, next, &rep->written, &rep->refused);
	if (!e)
		e = read_file(a->ban_file, old, &had_old);
	if (e) {
		char what[160];
		snprintf(what, sizeof(what), "cannot read the ban file: %s",
		         e == YG_ELIMIT ? "too large" : strerror(errno));
		note(rep, what, NULL);
		return e;
	}
	if (!a->dirty && had_old && old->len == next->len &&
	    (next->len == 0 || memcmp(old->data, next->data, next->len) == 0))
		return YG_OK;
	a->dirty = true;
	e = yg_waf_banfile_write(a->ban_file, next->data, next->len);
	if (e) {
		char what[160];
		snprintf(what, sizeof(what), "cannot write the ban file: %s", strerror(errno));
		note(rep, what, NULL);
		return e;
	}
	rep->changed = true;
	if (a->verify_argv && (e = verify_or_restore(a, rep, old, had_old)) != YG_OK)
		return e;
	if (a->reload_argv && (e = run_reload(a, rep)) != YG_OK)
		return e;
	a->dirty = false;
	return YG_OK;
}

yg_err yg_waf_action_apply(yg_waf_action *a, const yg_waf_ban_list *active, int64_t now,
                           yg_waf_apply_report *rep)
{
	yg_waf_apply_report local;
	yg_waf_ban_list none = {0};
	yg_buf next, old;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	if (!active)
		active = &none;
	yg_buf_init(&next, YG_WAF_BANFILE_MAX);
	yg_buf_init(&old, YG_WAF_BANFILE_MAX);
	yg_err e = apply_file(a, active, rep, &next, &old);
	if (!e && a->nftables)
		nft_sync(a, active, now, rep);
	set_retry(a, e);
	yg_buf_free(&next);
	yg_buf_free(&old);
	return e;
}
