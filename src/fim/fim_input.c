/* fim_input.c: a FIM event as Wazuh's syscheck decoder would present it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fim/fim_input.h"

#define FIELD_MAX YG_FIM_INPUT_FIELDS

static void kv_add(yg_fim_input *k, const char *key, const char *value)
{
	if (k->nkv < FIELD_MAX && value)
		k->kv[k->nkv++] = (yg_kv){key, value};
}

/* A number as a string kept in m until the event is processed. */
static const char *num(yg_fim_input *m, unsigned long long v)
{
	if (m->nstrs >= FIELD_MAX)
		return NULL;
	char *s = m->strs[m->nstrs++];
	snprintf(s, sizeof(m->strs[0]), "%llu", v);
	return s;
}

static const char *snum(yg_fim_input *m, long long v)
{
	if (m->nstrs >= FIELD_MAX)
		return NULL;
	char *s = m->strs[m->nstrs++];
	snprintf(s, sizeof(m->strs[0]), "%lld", v);
	return s;
}

/* Adds the attributes of one side (before: the "_before" names). Only what the
 * directory checks is present, as in Wazuh's events. */
static void add_attrs(yg_fim_input *m, const yg_fim_attrs *a, bool before)
{
	static const char *const names[][2] = {
	        {"size", "size_before"},   {"perm", "perm_before"},     {"uid", "uid_before"},
	        {"gid", "gid_before"},     {"uname", "uname_before"},   {"gname", "gname_before"},
	        {"mtime", "mtime_before"}, {"inode", "inode_before"},   {"md5", "md5_before"},
	        {"sha1", "sha1_before"},   {"sha256", "sha256_before"},
	};
	int b = before ? 1 : 0;
	if (a->checks & YG_FIM_CHECK_SIZE)
		kv_add(m, names[0][b], num(m, a->size));
	if (a->checks & YG_FIM_CHECK_PERM)
		kv_add(m, names[1][b], a->perm);
	if (a->checks & YG_FIM_CHECK_OWNER) {
		kv_add(m, names[2][b], num(m, a->uid));
		kv_add(m, names[4][b], a->uname);
	}
	if (a->checks & YG_FIM_CHECK_GROUP) {
		kv_add(m, names[3][b], num(m, a->gid));
		kv_add(m, names[5][b], a->gname);
	}
	if (a->checks & YG_FIM_CHECK_MTIME)
		kv_add(m, names[6][b], snum(m, a->mtime));
	if (a->checks & YG_FIM_CHECK_INODE)
		kv_add(m, names[7][b], num(m, a->inode));
	if (a->checks & YG_FIM_CHECK_MD5)
		kv_add(m, names[8][b], a->md5);
	if (a->checks & YG_FIM_CHECK_SHA1)
		kv_add(m, names[9][b], a->sha1);
	if (a->checks & YG_FIM_CHECK_SHA256)
		kv_add(m, names[10][b], a->sha256);
}

/* Wazuh's full_log for a FIM event: the text analysisd's syscheck decoder
 * builds (path, event, mode, changed attributes, one line per changed
 * value). Numbers are printed as Wazuh prints the event's fields (mtime as
 * seconds). The diff is not part of it (it is syscheck.diff). */
static void fim_full_log(yg_fim_input *m, const yg_fim_event *ev, const char *changed)
{
	yg_buf *b = &m->text;
	yg_buf_reset(b);
	const yg_fim_attrs *o = ev->before, *n = ev->after;
	yg_buf_printf(b, "File '%s' %s\nMode: %s\n", ev->path, ev->event, ev->mode);
	if (!o || !n)
		return;
	if (changed && *changed)
		yg_buf_printf(b, "Changed attributes: %s\n", changed);
	unsigned ck = n->checks;
	if ((ck & YG_FIM_CHECK_SIZE) && o->size != n->size)
		yg_buf_printf(b, "Size changed from '%llu' to '%llu'\n",
		              (unsigned long long)o->size, (unsigned long long)n->size);
	if ((ck & YG_FIM_CHECK_PERM) && strcmp(o->perm, n->perm) != 0)
		yg_buf_printf(b, "Permissions changed from '%s' to '%s'\n", o->perm, n->perm);
	if ((ck & YG_FIM_CHECK_OWNER) && o->uid != n->uid)
		yg_buf_printf(b, "Ownership was '%u', now it is '%u'\n", o->uid, n->uid);
	if ((ck & YG_FIM_CHECK_OWNER) && strcmp(o->uname, n->uname) != 0)
		yg_buf_printf(b, "User name was '%s', now it is '%s'\n", o->uname, n->uname);
	if ((ck & YG_FIM_CHECK_GROUP) && o->gid != n->gid)
		yg_buf_printf(b, "Group ownership was '%u', now it is '%u'\n", o->gid, n->gid);
	if ((ck & YG_FIM_CHECK_GROUP) && strcmp(o->gname, n->gname) != 0)
		yg_buf_printf(b, "Group name was '%s', now it is '%s'\n", o->gname, n->gname);
	if ((ck & YG_FIM_CHECK_MTIME) && o->mtime != n->mtime)
		yg_buf_printf(b, "Old modification time was: '%lld', now it is '%lld'\n",
		              (long long)o->mtime, (long long)n->mtime);
	if ((ck & YG_FIM_CHECK_INODE) && o->inode != n->inode)
		yg_buf_printf(b, "Old inode was: '%llu', now it is '%llu'\n",
		              (unsigned long long)o->inode, (unsigned long long)n->inode);
	if ((ck & YG_FIM_CHECK_MD5) && strcmp(o->md5, n->md5) != 0)
		yg_buf_printf(b, "Old md5sum was: '%s'\nNew md5sum is : '%s'\n", o->md5, n->md5);
	if ((ck & YG_FIM_CHECK_SHA1) && strcmp(o->sha1, n->sha1) != 0)
		yg_buf_printf(b, "Old sha1sum was: '%s'\nNew sha1sum is : '%s'\n", o->sha1,
		              n->sha1);
	if ((ck & YG_FIM_CHECK_SHA256) && strcmp(o->sha256, n->sha256) != 0)
		yg_buf_printf(b, "Old sha256sum was: '%s'\nNew sha256sum is : '%s'\n", o->sha256,
		              n->sha256);
}

void yg_fim_input_init(yg_fim_input *fi)
{
	memset(fi, 0, sizeof(*fi));
	yg_buf_init(&fi->text, 1u << 20);
}

void yg_fim_input_free(yg_fim_input *fi)
{
	yg_buf_free(&fi->text);
}

void yg_fim_input_build(yg_fim_input *m, const yg_fim_event *ev, yg_input *in)
{
	m->nkv = 0;
	m->nstrs = 0;
	const char *decoded_as = !strcmp(ev->event, "added")     ? "syscheck_new_entry"
	                         : !strcmp(ev->event, "deleted") ? "syscheck_deleted"
	                                                         : "syscheck_integrity_changed";
	char *changed = m->changed;
	size_t cl = 0;
	changed[0] = '\0';
	for (size_t i = 0; i < ev->nchanged; i++) {
		int w = snprintf(changed + cl, sizeof(m->changed) - cl, "%s%s", i ? "," : "",
		                 ev->changed_attributes[i]);
		if (w < 0 || (size_t)w >= sizeof(m->changed) - cl)
			break;
		cl += (size_t)w;
	}
	kv_add(m, "file", ev->path);
	kv_add(m, "mode", ev->mode);
	kv_add(m, "event_type", ev->event);
	/* the current attributes, then the old ones (deleted: the last known) */
	const yg_fim_attrs *cur = ev->after ? ev->after : ev->before;
	if (cur)
		add_attrs(m, cur, false);
	if (ev->after && ev->before)
		add_attrs(m, ev->before, true);
	if (ev->nchanged)
		kv_add(m, "changed_fields", changed);
	if (ev->diff)
		kv_add(m, "changed_content", ev->diff);
	if (ev->tags)
		kv_add(m, "tag", ev->tags);
	fim_full_log(m, ev, changed);
	*in = (yg_input){
	        .log = m->text.data ? m->text.data : "",
	        .location = "syscheck",
	        .no_predecode = true,
	        .now = time(NULL),
	        .decoded_as = decoded_as,
	        .fields = m->kv,
	        .nfields = m->nkv,
	};
}
