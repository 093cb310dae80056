/* agent_config.c: the agent's ossec.conf: one pass over every <ossec_config>
 * block of every file, each block handed to its module or read here
 * (<client>, <client_buffer>, <active-response>). */
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "engine/evrec.h"
#include "engine/wxml.h"

#define WARN(d, f, n, ...) yg_diag_add(d, YG_SEV_WARNING, f, (n)->line, (n)->name, __VA_ARGS__)
#define ERR(d, f, n, ...) yg_diag_add(d, YG_SEV_ERROR, f, (n)->line, (n)->name, __VA_ARGS__)

/* s (blanks around it allowed) as an int in [lo, hi]. */
static bool parse_int(const char *s, int lo, int hi, int *out)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (end == s)
		return false;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* "yes"/"no" into *out; false for anything else. */
static bool parse_yes_no(const char *s, bool *out)
{
	if (!strcmp(s, "yes"))
		*out = true;
	else if (!strcmp(s, "no"))
		*out = false;
	else
		return false;
	return true;
}

static yg_err int_option(const yg_wxml_node *c, const char *file, yg_diag *d, int lo, int hi,
                         int *out)
{
	if (parse_int(c->content, lo, hi, out))
		return YG_OK;
	ERR(d, file, c, "invalid value '%s' (expected %d-%d)", c->content, lo, hi);
	return YG_EPARSE;
}

static yg_err yes_no_option(const yg_wxml_node *c, const char *file, yg_diag *d, bool *out)
{
	if (parse_yes_no(c->content, out))
		return YG_OK;
	ERR(d, file, c, "invalid value '%s' (expected yes or no)", c->content);
	return YG_EPARSE;
}

/* A host name or address: letters, digits, '.', '-', '_', ':' only (it is
 * checked against the manager's certificate and handed to getaddrinfo). */
static bool valid_host(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= YG_AGENT_HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == ':'))
			return false;
	}
	return true;
}

/* <client><server>: one more manager to fail over to, in order (Wazuh's
 * options; <address> is required). */
static yg_err read_server(yg_agent_config *cfg, const yg_wxml_node *n, const char *file, yg_diag *d)
{
	if (cfg->nservers == YG_AGENT_SERVERS_MAX) {
		ERR(d, file, n, "more than %d <server> blocks", YG_AGENT_SERVERS_MAX);
		return YG_EPARSE;
	}
	yg_agent_server *s = &cfg->servers[cfg->nservers];
	*s = (yg_agent_server){.port = 1514, .max_retries = 5, .retry_interval = 10};
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		if (!strcmp(c->name, "address")) {
			if (!valid_host(c->content)) {
				ERR(d, file, c, "invalid manager address '%s'", c->content);
				rc = YG_EPARSE;
				continue;
			}
			memcpy(s->address, c->content, strlen(c->content) + 1);
		} else if (!strcmp(c->name, "port")) {
			if (int_option(c, file, d, 1, 65535, &s->port))
				rc = YG_EPARSE;
		} else if (!strcmp(c->name, "max_retries")) {
			if (int_option(c, file, d, 1, 1000, &s->max_retries))
				rc = YG_EPARSE;
		} else if (!strcmp(c->name, "retry_interval")) {
			if (int_option(c, file, d, 1, 3600, &s->retry_interval))
				rc = YG_EPARSE;
		} else if (!strcmp(c->name, "protocol")) {
			if (strcmp(c->content, "tcp") != 0)
				WARN(d, file, c, "yagura agents always use TCP (TLS); '%s' ignored",
				     c->content);
		} else {
			WARN(d, file, c, "option not supported by the agent; ignored");
		}
	}
	if (!s->address[0]) {
		if (rc == YG_OK)
			ERR(d, file, n, "<server> without <address>");
		return YG_EPARSE;
	}
	cfg->nservers++;
	return rc;
}

static yg_err read_client(yg_agent_config *cfg, const yg_wxml_node *n, const char *file, yg_diag *d)
{
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		yg_err r = YG_OK;
		if (!strcmp(c->name, "server"))
			r = read_server(cfg, c, file, d);
		else if (!strcmp(c->name, "notify_time"))
			r = int_option(c, file, d, 1, 3600, &cfg->notify_time);
		else if (!strcmp(c->name, "enrollment"))
			WARN(d, file, c, "enrolment is done once with `yagura enroll`; ignored");
		else
			WARN(d, file, c, "option not supported by the agent; ignored");
		if (r)
			rc = r;
	}
	return rc;
}

/* <events_per_second>: Wazuh's 1-1000, and below agent.min_eps (50) raised
 * to it with a warning. */
static yg_err eps_option(yg_agent_config *cfg, const yg_wxml_node *c, const char *file, yg_diag *d)
{
	yg_err r = int_option(c, file, d, 1, 1000, &cfg->events_per_second);
	if (!r && cfg->events_per_second < YG_AGENT_MIN_EPS) {
		WARN(d, file, c, "client buffer throughput too low: set to %d eps",
		     YG_AGENT_MIN_EPS);
		cfg->events_per_second = YG_AGENT_MIN_EPS;
	}
	return r;
}

/* <client_buffer>: Wazuh's options, applied to the disk spool's sender
 * (docs/agent.md): disabled = no rate limit, events_per_second = the send
 * rate, queue_size = events in flight; <spool_max_mb> bounds the spool. */
static yg_err read_client_buffer(yg_agent_config *cfg, const yg_wxml_node *n, const char *file,
                                 yg_diag *d)
{
	yg_err rc = YG_OK;
	cfg->has_buffer = true;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		const char *nm = c->name;
		yg_err r = YG_OK;
		if (!strcmp(nm, "disable") || !strcmp(nm, "length"))
			WARN(d, file, c, "deprecated: use <%s>",
			     nm[0] == 'd' ? "disabled" : "queue_size");
		if (!strcmp(nm, "disabled") || !strcmp(nm, "disable"))
			r = yes_no_option(c, file, d, &cfg->buffer_disabled);
		else if (!strcmp(nm, "queue_size") || !strcmp(nm, "length"))
			r = int_option(c, file, d, 1, 100000, &cfg->queue_size);
		else if (!strcmp(nm, "events_per_second"))
			r = eps_option(cfg, c, file, d);
		else if (!strcmp(c->name, "spool_max_mb"))
			r = int_option(c, file, d, 4, 1 << 20, &cfg->spool_max_mb);
		else
			WARN(d, file, c, "unknown option in <client_buffer>; ignored");
		if (r)
			rc = r;
	}
	return rc;
}

/* <active-response> on an agent: only <disabled> means something here; the
 * manager decides what runs and computes repeated-offender timeouts. */
static yg_err read_ar(yg_agent_config *cfg, const yg_wxml_node *n, const char *file, yg_diag *d)
{
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		if (!strcmp(c->name, "disabled")) {
			if (yes_no_option(c, file, d, &cfg->ar_disabled))
				rc = YG_EPARSE;
		} else if (!strcmp(c->name, "repeated_offenders")) {
			WARN(d, file, c,
			     "applied by the manager (set it in the manager's configuration)");
		} else if (!strcmp(c->name, "ca_store") || !strcmp(c->name, "ca_verification")) {
			WARN(d, file, c, "not needed: requests arrive over the agent's TLS link");
		} else {
			WARN(d, file, c, "option not supported by the agent; ignored");
		}
	}
	return rc;
}

/* A label key: no empty part between dots (it would nest under ""), no
 * control character, at most YG_AGENT_LABEL_KEY_MAX bytes. */
static bool valid_label_key(const char *k)
{
	size_t n = strlen(k);
	if (n > YG_AGENT_LABEL_KEY_MAX || k[0] == '.' || k[n - 1] == '.' || strstr(k, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x20 || k[i] == 0x7f)
			return false;
	return true;
}

/* Sets key = value (strings copied); an existing key gets the new value in
 * its place, as Wazuh's labels_add(overwrite). */
static yg_err label_set(yg_agent_config *cfg, const char *key, const char *value, bool hidden)
{
	size_t i = 0;
	while (i < cfg->nlabels && strcmp(cfg->labels[i].key, key))
		i++;
	char *v = strdup(value), *k = i < cfg->nlabels ? NULL : strdup(key);
	if (!v || (i == cfg->nlabels && !k)) {
		free(v);
		free(k);
		return YG_ENOMEM;
	}
	if (i < cfg->nlabels) {
		free((char *)cfg->labels[i].value);
	} else {
		yg_label *nl = realloc(cfg->labels, (cfg->nlabels + 1) * sizeof(*nl));
		if (!nl) {
			free(v);
			free(k);
			return YG_ENOMEM;
		}
		cfg->labels = nl;
		nl[cfg->nlabels++].key = k;
	}
	cfg->labels[i].value = v;
	cfg->labels[i].hidden = hidden;
	return YG_OK;
}

/* One <label key="..." [hidden="yes|no"]>value</label>, Wazuh's checks
 * (labels-config.c) plus yagura's bounds. */
static yg_err read_label(yg_agent_config *cfg, const yg_wxml_node *c, const char *file, yg_diag *d)
{
	const char *key = yg_wxml_attr_get(c, "key"), *hid = yg_wxml_attr_get(c, "hidden");
	bool hidden = false;
	for (size_t i = 0; i < c->nattrs; i++)
		if (strcmp(c->attrs[i].name, "key") && strcmp(c->attrs[i].name, "hidden"))
			WARN(d, file, c, "unknown attribute '%s'; ignored", c->attrs[i].name);
	if (!key || !key[0]) {
		ERR(d, file, c,
		    key ? "label with empty key" : "expected 'key' attribute for label");
		return YG_EPARSE;
	}
	if (hid && !parse_yes_no(hid, &hidden)) {
		ERR(d, file, c, "invalid value '%s' for attribute 'hidden' (expected yes or no)",
		    hid);
		return YG_EPARSE;
	}
	if (key[0] == '_') {
		WARN(d, file, c, "label keys starting with '_' are reserved; skipping '%s'", key);
		return YG_OK;
	}
	if (!valid_label_key(key)) {
		ERR(d, file, c,
		    "invalid label key '%.64s' (at most %d bytes, no control characters, no "
		    "empty part between dots)",
		    key, YG_AGENT_LABEL_KEY_MAX);
		return YG_EPARSE;
	}
	if (!c->content[0])
		WARN(d, file, c, "label '%s' is empty", key);
	return label_set(cfg, key, c->content, hidden);
}

/* Bytes of every label's key and value, the cost added to each event. */
static size_t labels_bytes(const yg_agent_config *cfg)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->nlabels; i++)
		n += strlen(cfg->labels[i].key) + strlen(cfg->labels[i].value);
	return n;
}

/* <labels>: added to every event of the agent (its alerts' agent.labels). */
static yg_err read_labels(yg_agent_config *cfg, const yg_wxml_node *n, const char *file, yg_diag *d)
{
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		yg_err r;
		if (strcmp(c->name, "label") != 0) {
			ERR(d, file, c, "invalid element in <labels> (expected <label>)");
			r = YG_EPARSE;
		} else {
			r = read_label(cfg, c, file, d);
		}
		if (r == YG_ENOMEM)
			return r;
		if (!r && (cfg->nlabels > YG_EVREC_MAX_LABELS ||
		           labels_bytes(cfg) > YG_AGENT_LABELS_BYTES_MAX)) {
			ERR(d, file, c,
			    "too many labels: at most %d, with %d bytes of keys and values in all",
			    YG_EVREC_MAX_LABELS, YG_AGENT_LABELS_BYTES_MAX);
			return YG_EPARSE;
		}
		if (r)
			rc = r;
	}
	return rc;
}

/* One block of <ossec_config>; YG_ENOMEM stops everything. */
static yg_err read_block(yg_agent_config *cfg, const yg_wxml_node *b, const char *path, yg_diag *d)
{
	if (!strcmp(b->name, "client"))
		return read_client(cfg, b, path, d);
	if (!strcmp(b->name, "client_buffer"))
		return read_client_buffer(cfg, b, path, d);
	if (!strcmp(b->name, "syscheck"))
		return yg_fim_config_read(cfg->fim, b, path, d);
	if (!strcmp(b->name, "localfile"))
		return yg_lc_config_add_localfile(cfg->lc, b, path, d);
	if (!strcmp(b->name, "active-response"))
		return read_ar(cfg, b, path, d);
	if (!strcmp(b->name, "waf")) {
		if (!cfg->waf && !(cfg->waf = yg_waf_config_create()))
			return YG_ENOMEM;
		cfg->has_waf = true;
		return yg_waf_config_read(cfg->waf, b, path, d);
	}
	if (!strcmp(b->name, "yara")) {
		if (!cfg->yara && !(cfg->yara = yg_yarascan_config_create()))
			return YG_ENOMEM;
		cfg->has_yara = true;
		return yg_yarascan_config_add_yara(cfg->yara, b, path, d);
	}
	if (!strcmp(b->name, "labels"))
		return read_labels(cfg, b, path, d);
	WARN(d, path, b, "block not supported by the agent; ignored");
	return YG_OK;
}

static yg_err read_file(yg_agent_config *cfg, const char *path, yg_diag *d)
{
	yg_wxml_doc *doc = NULL;
	/* Wazuh reads ossec.conf without <var> substitution */
	yg_err rc = yg_wxml_parse_file_ex(path, YG_WXML_NO_VARS, d, &doc);
	if (rc)
		return rc;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *root = yg_wxml_doc_root(doc, i);
		if (strcmp(root->name, "ossec_config") != 0) {
			WARN(d, path, root, "top-level element outside <ossec_config>; ignored");
			continue;
		}
		for (size_t j = 0; j < root->nchildren; j++) {
			yg_err r = read_block(cfg, root->children[j], path, d);
			if (r == YG_ENOMEM) {
				yg_wxml_doc_destroy(doc);
				return r;
			}
			if (r)
				rc = YG_EPARSE;
		}
	}
	yg_wxml_doc_destroy(doc);
	return rc;
}

yg_err yg_agent_config_read(yg_agent_config *cfg, const char *const *conf, size_t nconf,
                            yg_diag *diag)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->notify_time = 10;
	cfg->queue_size = 5000;
	cfg->events_per_second = 500;
	cfg->spool_max_mb = 256;
	cfg->fim = yg_fim_config_create();
	cfg->lc = yg_lc_config_create();
	if (!cfg->fim || !cfg->lc)
		return YG_ENOMEM;
	yg_err rc = YG_OK;
	for (size_t i = 0; i < nconf; i++) {
		yg_err r = read_file(cfg, conf[i], diag);
		if (r == YG_ENOMEM)
			return r;
		if (r)
			rc = YG_EPARSE;
	}
	const char *first = nconf ? conf[0] : NULL;
	if (!cfg->nservers) {
		yg_diag_add(diag, YG_SEV_ERROR, first, 0, "client",
		            "no manager address: <client><server><address> is required");
		rc = YG_EPARSE;
	}
	if (cfg->has_waf && !yg_waf_config_disabled(cfg->waf) &&
	    yg_waf_config_check(cfg->waf, first, diag))
		rc = YG_EPARSE;
	return rc;
}

void yg_agent_config_free(yg_agent_config *cfg)
{
	yg_fim_config_destroy(cfg->fim);
	yg_lc_config_destroy(cfg->lc);
	yg_waf_config_destroy(cfg->waf);
	yg_yarascan_config_destroy(cfg->yara);
	for (size_t i = 0; i < cfg->nlabels; i++) {
		free((char *)cfg->labels[i].key);
		free((char *)cfg->labels[i].value);
	}
	free(cfg->labels);
	memset(cfg, 0, sizeof(*cfg));
}
