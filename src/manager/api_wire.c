/* api_wire.c: the REST API and web UI inside the manager.
 *
 * Served when the configuration has an <api> block. The API's threads read
 * the alert store (its own reader connection), the tickets store, the agent
 * registry and the outbox, which are thread-safe; bans go to the manager's
 * ban ledger through a connection of the API's own, and a change sets a
 * flag the loop reads, so the manager sends the bans to the agents that
 * apply them (as after `yagura ctl bans`, SIGUSR1). */
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "manager/agents.h"
#include "manager/api_wire.h"
#include "manager/manager_int.h"
#include "manager/metrics.h"
#include "manager/respond.h"

struct yg_api_wire {
	yg_api *api;
	yg_api_backend be;
	yg_waf_ledger *ledger;
	pthread_mutex_t lock;
	atomic_bool changed;
};

static bool white_listed(void *ctx, const char *address)
{
	manager *m = ctx;
	return yg_ar_config_white_listed(m->cfg.ar, address);
}

static void ledger_changed(void *ctx)
{
	manager *m = ctx;
	atomic_store(&m->api->changed, true);
}

bool api_wire_take_changed(yg_api_wire *w)
{
	return w && atomic_exchange(&w->changed, false);
}

yg_api_wire *api_wire_open(manager *m, bool *failed)
{
	*failed = false;
	if (!m->cfg.has_api || !yg_api_config_enabled(m->cfg.api))
		return NULL;
	yg_api_wire *w = calloc(1, sizeof(*w));
	yg_diag *d = yg_diag_create();
	if (!w || !d)
		goto fail;
	pthread_mutex_init(&w->lock, NULL);
	atomic_init(&w->changed, false);
	m->api = w;
	const char *home = m->opts->home;
	char db[PATH_MAX], bans[PATH_MAX], users[PATH_MAX], dir[PATH_MAX];
	if (!yg_path_join(db, sizeof(db), home, "var/db/manager.db") ||
	    !yg_path_join(bans, sizeof(bans), home, "var/db/bans.db") ||
	    !yg_path_join(dir, sizeof(dir), home, "api") || !yg_mkdirs(dir) ||
	    !yg_path_join(users, sizeof(users), home, "api/users.db"))
		goto fail;
	char geoip[PATH_MAX];
	bool has_geoip = yg_ruleset_config_geoip_path(m->cfg.rules, geoip, sizeof(geoip));
	if (yg_api_backend_store(&w->be, m->store, db, d) ||
	    yg_api_backend_store_extras(&w->be, m->rs, has_geoip ? geoip : NULL, d))
		goto fail;
	yg_tickets *t = respond_tickets(m->respond);
	if (t && yg_api_backend_tickets(&w->be, t))
		goto fail;
	yg_integrations *ig = respond_integrations(m->respond);
	if (ig && yg_api_backend_integrations(&w->be, ig))
		goto fail;
	yg_registry *reg = m->agents ? agents_registry(m->agents) : NULL;
	if (reg && yg_api_backend_registry(&w->be, reg))
		goto fail;
	if (yg_waf_ledger_open(bans, &w->ledger))
		goto fail;
	yg_api_ledger_hooks hooks = {
	        .allow = m->cfg.has_waf ? yg_waf_config_allow(m->cfg.waf) : NULL,
	        .allowed = white_listed,
	        .changed = ledger_changed,
	        .ctx = m,
	};
	if (yg_api_backend_ledger(&w->be, w->ledger, &w->lock, &hooks))
		goto fail;
	if (metrics_backend(&w->be, m->metrics, reg, ig, w->ledger, &w->lock))
		goto fail;
	yg_api_options o;
	yg_api_config_options(m->cfg.api, &o);
	if (!o.users_db)
		o.users_db = users;
	if (yg_api_create(&o, &w->be, d, &w->api))
		goto fail;
	mlog(m, "INFO", MSG_API, "API and web UI on http%s://%s:%u/ (users in %s)",
	     o.tls_cert ? "s" : "", o.listen ? o.listen : "127.0.0.1", yg_api_port(w->api),
	     o.users_db);
	print_diag_to_log(m, d);
	yg_diag_destroy(d);
	return w;
fail:
	if (d)
		print_diag_to_log(m, d);
	yg_diag_destroy(d);
	mlog(m, "ERROR", MSG_API, "the API cannot start");
	api_wire_close(w);
	m->api = NULL;
	*failed = true;
	return NULL;
}

void api_wire_close(yg_api_wire *w)
{
	if (!w)
		return;
	yg_api_destroy(w->api); /* waits for requests in progress */
	yg_api_backend_release(&w->be);
	yg_waf_ledger_close(w->ledger);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
