/* mitre.c: looking ATT&CK ids up in the generated table, and Wazuh's way of
 * turning a rule's <mitre> ids into the names its alerts carry. */
#include <stdlib.h>
#include <string.h>

#include "engine/mitre.h"
#include "engine/ruleset_int.h"

static int cmp_technique(const void *key, const void *elem)
{
	return strcmp(key, ((const yg_mitre_technique *)elem)->id);
}

const yg_mitre_technique *yg_mitre_find(const char *id)
{
	if (!id)
		return NULL;
	return bsearch(id, yg_mitre_techniques, yg_mitre_ntechniques,
	               sizeof(yg_mitre_techniques[0]), cmp_technique);
}

const yg_mitre_technique *yg_mitre_find_active(const char *id)
{
	const yg_mitre_technique *t = yg_mitre_find(id);
	return t && t->status == YG_MITRE_ACTIVE ? t : NULL;
}

const yg_mitre_tactic *yg_mitre_find_tactic(const char *id)
{
	for (size_t i = 0; id && i < yg_mitre_ntactics; i++)
		if (!strcmp(yg_mitre_tactics[i].id, id))
			return &yg_mitre_tactics[i];
	return NULL;
}

void yg_mitre_check(yg_diag *diag, const char *file, int line, unsigned sigid,
                    const char *technique, const char *tactic)
{
	const yg_mitre_technique *t = yg_mitre_find(technique);
	const yg_mitre_tactic *ta;
	if (!t) {
		if ((ta = yg_mitre_find_tactic(technique)))
			yg_diag_add(diag, YG_SEV_WARNING, file, line, "mitre",
			            "rule %u: MITRE id '%s' is a tactic (%s), not a technique; "
			            "alerts get no names for it",
			            sigid, technique, ta->name);
		else
			yg_diag_add(diag, YG_SEV_WARNING, file, line, "mitre",
			            "rule %u: MITRE technique '%s' unknown in ATT&CK v%s; "
			            "alerts get no names for it",
			            sigid, technique, yg_mitre_version);
		return;
	}
	if (t->status != YG_MITRE_ACTIVE) {
		yg_diag_add(diag, YG_SEV_WARNING, file, line, "mitre",
		            "rule %u: MITRE technique '%s' ('%s') is %s in ATT&CK v%s; "
		            "alerts get no names for it",
		            sigid, technique, t->name,
		            t->status == YG_MITRE_REVOKED ? "revoked" : "deprecated",
		            yg_mitre_version);
		return;
	}
	if (!tactic)
		return;
	for (unsigned i = 0; i < t->ntactics; i++)
		if (!strcmp(yg_mitre_tactics[t->tactics[i]].id, tactic))
			return;
	if (!yg_mitre_find_tactic(tactic))
		yg_diag_add(diag, YG_SEV_WARNING, file, line, "mitre",
		            "rule %u: MITRE tactic '%s' unknown in ATT&CK v%s", sigid, tactic,
		            yg_mitre_version);
	else
		yg_diag_add(diag, YG_SEV_WARNING, file, line, "mitre",
		            "rule %u: MITRE tactic '%s' is not a tactic of '%s' (%s)", sigid,
		            tactic, technique, t->name);
}

static bool listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* The deprecated <id> form: every id is shown; each known technique adds
 * its name and its tactics (each tactic once). */
static void resolve_ids(yg_mitre *m)
{
	for (size_t i = 0; i < m->nids; i++) {
		m->shown_ids[m->nshown_ids++] = m->ids[i];
		const yg_mitre_technique *t = yg_mitre_find_active(m->ids[i]);
		if (!t)
			continue;
		for (unsigned k = 0; k < t->ntactics; k++) {
			const char *name = yg_mitre_tactics[t->tactics[k]].name;
			if (!listed(m->shown_tactics, m->nshown_tactics, name))
				m->shown_tactics[m->nshown_tactics++] = name;
		}
		m->shown_techniques[m->nshown_techniques++] = t->name;
	}
}

/* The tacticID/techniqueID form: a pair counts only when the tactic is one
 * of the technique's; then the tactic, the id and the technique are each
 * shown once. */
static void resolve_pairs(yg_mitre *m)
{
	for (size_t i = 0; i < m->npairs; i++) {
		const yg_mitre_technique *t = yg_mitre_find_active(m->techniques[i]);
		if (!t)
			continue;
		bool found = false;
		for (unsigned k = 0; k < t->ntactics && !found; k++) {
			const yg_mitre_tactic *ta = &yg_mitre_tactics[t->tactics[k]];
			if (strcmp(ta->id, m->tactics[i]) != 0)
				continue;
			found = true;
			if (!listed(m->shown_tactics, m->nshown_tactics, ta->name))
				m->shown_tactics[m->nshown_tactics++] = ta->name;
		}
		if (found && !listed(m->shown_techniques, m->nshown_techniques, t->name)) {
			m->shown_ids[m->nshown_ids++] = t->id;
			m->shown_techniques[m->nshown_techniques++] = t->name;
		}
	}
}

void yg_mitre_shown_free(yg_mitre *m)
{
	free(m->shown_ids);
	free(m->shown_tactics);
	free(m->shown_techniques);
	m->shown_ids = m->shown_tactics = m->shown_techniques = NULL;
	m->nshown_ids = m->nshown_tactics = m->nshown_techniques = 0;
}

bool yg_mitre_resolve(yg_mitre *m)
{
	yg_mitre_shown_free(m);
	size_t n = m->npairs ? m->npairs : m->nids;
	if (!n)
		return true;
	m->shown_ids = calloc(n, sizeof(*m->shown_ids));
	m->shown_techniques = calloc(n, sizeof(*m->shown_techniques));
	m->shown_tactics = calloc(n * YG_MITRE_MAX_TACTICS, sizeof(*m->shown_tactics));
	if (!m->shown_ids || !m->shown_techniques || !m->shown_tactics) {
		yg_mitre_shown_free(m);
		return false;
	}
	if (m->npairs)
		resolve_pairs(m);
	else
		resolve_ids(m);
	if (!m->nshown_tactics) /* Wazuh drops the whole "mitre" object */
		m->nshown_ids = m->nshown_techniques = 0;
	return true;
}
