/* fim_diff.c: a bounded line diff (Myers' O(ND) algorithm) printed as
 * unified-diff hunks, for report_changes.
 *
 * Bounds: the edit distance explored is capped (FIM_DIFF_MAX_D), so a
 * rewrite of a large file costs at most O((N+M) * D) time and O(D^2) memory;
 * past it, or past the output buffer's bound, the text ends with a
 * "diff truncated" note instead of growing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/yhash.h"
#include "fim/fim_int.h"

#define FIM_DIFF_MAX_D 1000
#define FIM_DIFF_CONTEXT 3
#define FIM_DIFF_NOTE_ROOM 96

typedef struct line {
	const char *p;
	size_t len; /* without the '\n' */
	uint32_t hash;
} line;

typedef struct op {
	char t;      /* ' ' same, '-' removed, '+' added */
	size_t a, b; /* line indexes in old/new before this op */
} op;

/* Splits text into lines; *out is malloc'd (NULL when there are none). */
static yg_err split_lines(const char *s, size_t len, line **out, size_t *n)
{
	size_t cnt = 0, cap = 0;
	line *v = NULL;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (s + i)) : len - i;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			line *nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				free(v);
				return YG_ENOMEM;
			}
			v = nv;
		}
		v[cnt].p = s + i;
		v[cnt].len = l;
		v[cnt].hash = yg_hash32(s + i, l);
		cnt++;
		i += l + (nl ? 1 : 0);
	}
	*out = v;
	*n = cnt;
	return YG_OK;
}

static bool line_eq(const line *x, const line *y)
{
	return x->hash == y->hash && x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

/* Myers on a[0..n) / b[0..m): appends the edit script to ops (which has room
 * for n + m entries) with indexes offset by (ao, bo). Returns false when
 * the distance exceeds FIM_DIFF_MAX_D. */
static bool myers(const line *a, size_t n, const line *b, size_t m, size_t ao, size_t bo, op *ops,
                  size_t *nops, yg_err *err)
{
	size_t maxd = n + m < FIM_DIFF_MAX_D ? n + m : FIM_DIFF_MAX_D;
	/* Step d keeps V[k] for k in -d..d at trace[d*d + k + d]. */
	long *trace = malloc((maxd + 1) * (maxd + 1) * sizeof(*trace));
	long D = -1;
	if (!trace) {
		*err = YG_ENOMEM;
		return false;
	}
	for (long d = 0; d <= (long)maxd && D < 0; d++) {
		long *cur = trace + d * d + d;
		long *prev = d ? trace + (d - 1) * (d - 1) + (d - 1) : NULL;
		for (long k = -d; k <= d; k++)
			cur[k] = -1;
		for (long k = -d; k <= d; k += 2) {
			long x;
			if (d == 0)
				x = 0;
			else if (k == -d || (k != d && prev[k - 1] < prev[k + 1]))
				x = prev[k + 1];
			else
				x = prev[k - 1] + 1;
			long y = x - k;
			while (x < (long)n && y < (long)m && line_eq(&a[x], &b[y])) {
				x++;
				y++;
			}
			cur[k] = x;
			if (x >= (long)n && y >= (long)m) {
				D = d;
				break;
			}
		}
	}
	if (D < 0) {
		free(trace);
		return false;
	}
	/* Backtrack from (n, m), writing ops from the end. */
	size_t total = 0;
	op *tmp = malloc((n + m + 1) * sizeof(*tmp));
	if (!tmp) {
		free(trace);
		*err = YG_ENOMEM;
		return false;
	}
	long x = (long)n, y = (long)m;
	for (long d = D; d > 0; d--) {
		long *prev = trace + (d - 1) * (d - 1) + (d - 1);
		long k = x - y, pk;
		if (k == -d || (k != d && prev[k - 1] < prev[k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		long px = prev[pk], py = px - pk;
		while (x > px && y > py) {
			x--;
			y--;
			tmp[total++] = (op){' ', (size_t)x + ao, (size_t)y + bo};
		}
		if (pk == k + 1)
			tmp[total++] = (op){'+', (size_t)px + ao, (size_t)py + bo};
		else
			tmp[total++] = (op){'-', (size_t)px + ao, (size_t)py + bo};
		x = px;
		y = py;
	}
	while (x > 0 && y > 0) {
		x--;
		y--;
		tmp[total++] = (op){' ', (size_t)x + ao, (size_t)y + bo};
	}
	for (size_t i = 0; i < total; i++)
		ops[(*nops)++] = tmp[total - 1 - i];
	free(tmp);
	free(trace);
	return true;
}

/* Appends one hunk line; false when the output bound is reached. */
static bool put_line(yg_buf *out, char t, const line *l)
{
	return yg_buf_putc(out, t) == YG_OK && yg_buf_append(out, l->p, l->len) == YG_OK &&
	       yg_buf_putc(out, '\n') == YG_OK;
}

/* The edit script from a to b into ops. Common prefix and suffix cost
 * nothing in Myers' terms; trimming them keeps the explored distance for
 * the part that changed. False when the changes are too many to explore
 * (*err stays YG_OK) or on an error in *err. */
static bool diff_ops(const line *a, size_t n, const line *b, size_t m, op *ops, size_t *nops,
                     yg_err *err)
{
	size_t pre = 0;
	while (pre < n && pre < m && line_eq(&a[pre], &b[pre])) {
		ops[(*nops)++] = (op){' ', pre, pre};
		pre++;
	}
	size_t suf = 0;
	while (suf < n - pre && suf < m - pre && line_eq(&a[n - 1 - suf], &b[m - 1 - suf]))
		suf++;
	if (!myers(a + pre, n - pre - suf, b + pre, m - pre - suf, pre, pre, ops, nops, err))
		return false;
	for (size_t i = 0; i < suf; i++)
		ops[(*nops)++] = (op){' ', n - suf + i, m - suf + i};
	return true;
}

/* The end of the hunk whose first change is ops[j]: it extends over
 * changes separated by at most 2 * context same lines, then takes up to
 * context same lines more. */
static size_t hunk_end(const op *ops, size_t nops, size_t j)
{
	size_t end = j;
	for (;;) {
		while (end < nops && ops[end].t != ' ')
			end++;
		size_t run = end;
		while (run < nops && ops[run].t == ' ')
			run++;
		if (run < nops && run - end <= 2 * FIM_DIFF_CONTEXT) {
			end = run;
			continue;
		}
		return end + FIM_DIFF_CONTEXT < run ? end + FIM_DIFF_CONTEXT : run;
	}
}

/* Writes ops[start, end) as one unified-diff hunk. False when out is full. */
static bool put_hunk(yg_buf *out, const op *ops, size_t start, size_t end, const line *a,
                     const line *b)
{
	size_t alen = 0, blen = 0;
	for (size_t k = start; k < end; k++) {
		alen += ops[k].t != '+';
		blen += ops[k].t != '-';
	}
	size_t as = ops[start].a + (alen ? 1 : 0), bs = ops[start].b + (blen ? 1 : 0);
	if (yg_buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", as, alen, bs, blen))
		return false;
	for (size_t k = start; k < end; k++) {
		const line *l = ops[k].t == '+' ? &b[ops[k].b] : &a[ops[k].a];
		if (!put_line(out, ops[k].t, l))
			return false;
	}
	return true;
}

/* Writes every hunk, keeping room for the truncation note. False when
 * they did not all fit. */
static bool put_hunks(yg_buf *out, const op *ops, size_t nops, const line *a, const line *b)
{
	size_t real_max = out->max;
	bool ok = true;
	if (out->max > FIM_DIFF_NOTE_ROOM)
		out->max -= FIM_DIFF_NOTE_ROOM;
	size_t i = 0;
	while (i < nops && ok) {
		size_t j = i;
		while (j < nops && ops[j].t == ' ')
			j++;
		if (j == nops)
			break;
		size_t start = j >= i + FIM_DIFF_CONTEXT ? j - FIM_DIFF_CONTEXT : i;
		size_t end = hunk_end(ops, nops, j);
		ok = put_hunk(out, ops, start, end, a, b);
		i = end;
	}
	out->max = real_max;
	return ok;
}

yg_err fim_diff_text(const char *old, size_t oldlen, const char *new_, size_t newlen,
                     const char *path, yg_buf *out)
{
	(void)path;
	line *a = NULL, *b = NULL;
	size_t n = 0, m = 0, nops = 0;
	op *ops = NULL;
	yg_err err = YG_OK;

	if ((err = split_lines(old, oldlen, &a, &n)) || (err = split_lines(new_, newlen, &b, &m)))
		goto done;
	ops = malloc((n + m + 1) * sizeof(*ops));
	if (!ops) {
		err = YG_ENOMEM;
		goto done;
	}
	/* too many changes to say which: say so */
	bool truncated = !diff_ops(a, n, b, m, ops, &nops, &err);
	if (err)
		goto done;
	if (!truncated)
		truncated = !put_hunks(out, ops, nops, a, b);
	if (truncated)
		(void)yg_buf_puts(out, "[diff truncated: more changes than fit]\n");
done:
	free(ops);
	free(a);
	free(b);
	return err;
}
