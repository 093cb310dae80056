/* rule_dispatch.c: pre-filtering a node's children by decoder.
 *
 * The top-level rules have hundreds of children, most of them tied to one
 * decoder by <decoded_as>. Trying them one by one costs a comparison each;
 * instead, nodes with many children get, per decoder id, the list of the
 * children that id can match: those without <decoded_as> and those with
 * that id, in their original order. Order is preserved, so the first
 * matching child is the same as in Wazuh's linear walk. */
#include <stdlib.h>

#include "engine/ruleset_int.h"

/* Below this many children a linear walk is as fast. */
#define YG_DISPATCH_MIN_CHILDREN 12

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static yg_rnode **filtered(yg_rnode *first, int id)
{
	size_t n = 0;
	for (yg_rnode *c = first; c; c = c->next)
		if (!c->rule->decoded_as || c->rule->decoded_as == id)
			n++;
	yg_rnode **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	size_t i = 0;
	for (yg_rnode *c = first; c; c = c->next)
		if (!c->rule->decoded_as || c->rule->decoded_as == id)
			v[i++] = c;
	return v;
}

static yg_err build_one(yg_rnode *node)
{
	size_t nchild = 0;
	for (yg_rnode *c = node->child; c; c = c->next)
		nchild++;
	if (nchild < YG_DISPATCH_MIN_CHILDREN)
		return YG_OK;
	int *ids = malloc(nchild * sizeof(int));
	if (!ids)
		return YG_ENOMEM;
	size_t nids = 0;
	for (yg_rnode *c = node->child; c; c = c->next)
		if (c->rule->decoded_as)
			ids[nids++] = c->rule->decoded_as;
	qsort(ids, nids, sizeof(int), cmp_int);
	size_t u = 0;
	for (size_t i = 0; i < nids; i++)
		if (!u || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	yg_dispatch *d = calloc(1, sizeof(*d));
	if (!d) {
		free(ids);
		return YG_ENOMEM;
	}
	d->ids = ids;
	d->nids = u;
	d->lists = calloc(u ? u : 1, sizeof(*d->lists));
	d->generic = filtered(node->child, 0);
	if (!d->lists || !d->generic)
		goto fail;
	for (size_t i = 0; i < u; i++)
		if (!(d->lists[i] = filtered(node->child, ids[i])))
			goto fail;
	node->dispatch = d;
	return YG_OK;
fail:
	node->dispatch = d;
	yg_dispatch_free(node);
	return YG_ENOMEM;
}

static yg_err build_tree(yg_rnode *n)
{
	for (; n; n = n->next) {
		if (!n->dispatch) {
			yg_err e = build_one(n);
			if (e)
				return e;
		}
		if (n->child) {
			yg_err e = build_tree(n->child);
			if (e)
				return e;
		}
	}
	return YG_OK;
}

yg_err yg_dispatch_build(yg_ruleset *rs)
{
	return build_tree(rs->rules_root);
}

void yg_dispatch_free(yg_rnode *n)
{
	yg_dispatch *d = n->dispatch;
	if (!d)
		return;
	for (size_t i = 0; d->lists && i < d->nids; i++)
		free(d->lists[i]);
	free(d->lists);
	free(d->ids);
	free(d->generic);
	free(d);
	n->dispatch = NULL;
}

const yg_rnode *const *yg_dispatch_children(const yg_dispatch *d, int decoder_id)
{
	size_t lo = 0, hi = d->nids;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (d->ids[mid] < decoder_id)
			lo = mid + 1;
		else if (d->ids[mid] > decoder_id)
			hi = mid;
		else
			return (const yg_rnode *const *)d->lists[mid];
	}
	return (const yg_rnode *const *)d->generic;
}
