// SPDX-License-Identifier: MIT
/* The fleet rule file: libyaml's document tree -> struct fleet_file; see fleet_config.h. */
#include "cli/fleet_config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* The keys of a rule's `triggers` and `action`: exactly the switches they stand for. */
static const char *const trigger_keys[] = { "c",  "cl", "m",  "ml",    "tc", "fc", "sig", "crash", "sustain",
					     "pf", "e",  "f",  "fx",    "gcm", "gcgen", "pc", "pcl", NULL };
static const char *const action_keys[] = { "n", "s", "dt", "z", "live", "mc", "restrack", "sr", NULL };
/* The keys whose value may be a list (the switches that take X[,X...]). */
static const char *const list_keys[] = { "m", "ml", "sig", "f", "gcm", NULL };
/* The switches that may stand alone: `true` is the bare switch, `false` leaves it out. */
static const char *const flag_keys[] = { "crash", "e", "z", "restrack", NULL };
/* The switches that take two words (PROV:COUNTER VALUE): a mapping, one switch per pair. */
static const char *const pair_keys[] = { "pc", "pcl", NULL };
/* A section kept for later: accepted, not read (the endpoint is the -metrics switch). */
static const char *const opaque_sections[] = { "metrics", NULL };

struct walk {
	yaml_document_t *doc;
	const char *fname;
	struct fleet_errors *errs;
	size_t before;
};

void fleet_error(struct fleet_errors *errs, const char *fname, struct fleet_mark at, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (errs->n == FLEET_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	snprintf(errs->line[errs->n++], sizeof(errs->line[0]), "%s:%d:%d: %s", fname, at.line, at.col, msg);
}

static struct fleet_mark mark_of(const yaml_node_t *n)
{
	return (struct fleet_mark){ (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

static bool in(const char *const *set, const char *s)
{
	for (; *set; set++)
		if (!strcmp(*set, s))
			return true;
	return false;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

static yaml_node_t *node(struct walk *w, int id)
{
	return yaml_document_get_node(w->doc, id);
}

/* Copy a scalar into dst, or say what is wrong with it. */
static bool take_scalar(struct walk *w, const yaml_node_t *key, const yaml_node_t *val, char *dst, size_t len)
{
	const char *s = scalar(val);

	if (!s) {
		fleet_error(w->errs, w->fname, mark_of(val), "'%s' expects a value, got %s", scalar(key),
			    kind_name(val));
		return false;
	}
	if (!*s || strlen(s) >= len) {
		fleet_error(w->errs, w->fname, mark_of(val), "'%s': %s value", scalar(key),
			    *s ? "too long a" : "an empty");
		return false;
	}
	snprintf(dst, len, "%s", s);
	return true;
}

static bool want_mapping(struct walk *w, const yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return true;
	fleet_error(w->errs, w->fname, mark_of(n), "%s expects a mapping, got %s", what, kind_name(n));
	return false;
}

static void take_pairs(struct walk *w, struct fleet_rule *r, const yaml_node_t *key, const yaml_node_t *val);

/* A trigger or action key: its value (a list joined with ',' where the switch takes one). */
static void take_switch(struct walk *w, struct fleet_rule *r, const yaml_node_t *key, const yaml_node_t *val)
{
	struct fleet_switch *sw;
	const char *name = scalar(key);
	const char *s = scalar(val);

	if (in(pair_keys, name)) {
		take_pairs(w, r, key, val);
		return;
	}
	if (in(flag_keys, name) && s && !strcmp(s, "false"))
		return; /* the switch left out */
	if (r->nsw == FLEET_MAX_SWITCHES) {
		fleet_error(w->errs, w->fname, mark_of(key), "rule '%s': too many keys", r->name);
		return;
	}
	sw = &r->sw[r->nsw];
	memset(sw, 0, sizeof(*sw));
	snprintf(sw->name, sizeof(sw->name), "%s", name);
	sw->at = mark_of(key);
	if (in(flag_keys, name) && s && !strcmp(s, "true")) {
		sw->bare = true;
	} else if (val->type == YAML_SEQUENCE_NODE && in(list_keys, name)) {
		size_t used = 0;

		for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top; it++) {
			const char *s = scalar(node(w, *it));
			int k;

			if (!s || !*s) {
				fleet_error(w->errs, w->fname, mark_of(node(w, *it)), "'%s' list items must be numbers",
					    name);
				return;
			}
			k = snprintf(sw->value + used, sizeof(sw->value) - used, "%s%s", used ? "," : "", s);
			if (k < 0 || (size_t)k >= sizeof(sw->value) - used) {
				fleet_error(w->errs, w->fname, mark_of(val), "'%s': too long a list", name);
				return;
			}
			used += (size_t)k;
		}
		if (!used) {
			fleet_error(w->errs, w->fname, mark_of(val), "'%s': an empty list", name);
			return;
		}
	} else if (!take_scalar(w, key, val, sw->value, sizeof(sw->value))) {
		return;
	}
	r->nsw++;
}

/* pc: { "PROV:COUNTER": VALUE, ... }: one -pc PROV:COUNTER VALUE per pair. */
static void take_pairs(struct walk *w, struct fleet_rule *r, const yaml_node_t *key, const yaml_node_t *val)
{
	const char *name = scalar(key);

	if (val->type != YAML_MAPPING_NODE) {
		fleet_error(w->errs, w->fname, mark_of(val),
			    "rule '%s': '%s' expects a mapping of \"PROVIDER:COUNTER\": VALUE, got %s", r->name, name,
			    kind_name(val));
		return;
	}
	if (val->data.mapping.pairs.start == val->data.mapping.pairs.top) {
		fleet_error(w->errs, w->fname, mark_of(val), "rule '%s': '%s': an empty mapping", r->name, name);
		return;
	}
	for (yaml_node_pair_t *p = val->data.mapping.pairs.start; p < val->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(w, p->key), *v = node(w, p->value);
		struct fleet_switch *sw;

		if (r->nsw == FLEET_MAX_SWITCHES) {
			fleet_error(w->errs, w->fname, mark_of(k), "rule '%s': too many keys", r->name);
			return;
		}
		sw = &r->sw[r->nsw];
		memset(sw, 0, sizeof(*sw));
		snprintf(sw->name, sizeof(sw->name), "%s", name);
		sw->at = mark_of(k);
		if (!take_scalar(w, key, k, sw->value, sizeof(sw->value)) ||
		    !take_scalar(w, k, v, sw->value2, sizeof(sw->value2)))
			continue;
		r->nsw++;
	}
}

static void walk_switches(struct walk *w, struct fleet_rule *r, const yaml_node_t *map, const char *section,
			  const char *const *keys)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(w, p->key), *v = node(w, p->value);
		const char *name = scalar(k);

		if (!name || !in(keys, name)) {
			fleet_error(w->errs, w->fname, mark_of(k), "rule '%s': unknown %s key '%s'", r->name, section,
				    name ? name : "?");
			continue;
		}
		for (size_t i = 0; i < r->nsw; i++)
			if (!strcmp(r->sw[i].name, name)) {
				fleet_error(w->errs, w->fname, mark_of(k), "rule '%s': '%s' given twice", r->name, name);
				name = NULL;
				break;
			}
		if (name)
			take_switch(w, r, k, v);
	}
}

/* A container id or its prefix: docker ps shows 12 hex digits, the runtime keeps 64. */
static bool container_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 12 || n > FLEET_CONTAINER_ID_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void walk_match(struct walk *w, struct fleet_rule *r, const yaml_node_t *map)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(w, p->key), *v = node(w, p->value);
		const char *name = scalar(k);

		if (name && !strcmp(name, "name")) {
			take_scalar(w, k, v, r->match_name, sizeof(r->match_name));
		} else if (name && (!strcmp(name, "exe") || !strcmp(name, "cgroup"))) {
			char *dst = name[0] == 'e' ? r->match_exe : r->match_cgroup;

			if (take_scalar(w, k, v, dst, PATH_MAX) && dst[0] != '/') {
				fleet_error(w->errs, w->fname, mark_of(v), "rule '%s': match '%s' must be an absolute path",
					    r->name, name);
				dst[0] = 0;
			}
		} else if (name && !strcmp(name, "unit")) {
			if (take_scalar(w, k, v, r->match_unit, sizeof(r->match_unit)) &&
			    (strchr(r->match_unit, '/') || !strchr(r->match_unit, '.'))) {
				fleet_error(w->errs, w->fname, mark_of(v),
					    "rule '%s': match 'unit' is a systemd unit name, like api.service", r->name);
				r->match_unit[0] = 0;
			}
		} else if (name && !strcmp(name, "container")) {
			if (take_scalar(w, k, v, r->match_container, sizeof(r->match_container)) &&
			    !container_id_ok(r->match_container)) {
				fleet_error(w->errs, w->fname, mark_of(v),
					    "rule '%s': match 'container' is a container id: 12 to 64 hex digits", r->name);
				r->match_container[0] = 0;
			}
		} else {
			fleet_error(w->errs, w->fname, mark_of(k),
				    "rule '%s': unknown match key '%s' (name, exe, cgroup, unit, container)", r->name,
				    name ? name : "?");
		}
	}
}

/* A whole number >= min, for the limits. */
static bool take_count(struct walk *w, struct fleet_rule *r, const yaml_node_t *key, const yaml_node_t *val,
		       long min, long *out)
{
	const char *s = scalar(val);
	char *end;
	long v;

	if (!s || !*s) {
		fleet_error(w->errs, w->fname, mark_of(val), "rule '%s': '%s' expects a number", r->name, scalar(key));
		return false;
	}
	v = strtol(s, &end, 10);
	if (*end || v < min || v > 100000000) {
		fleet_error(w->errs, w->fname, mark_of(val), "rule '%s': '%s' expects a whole number from %ld, got '%s'",
			    r->name, scalar(key), min, s);
		return false;
	}
	*out = v;
	return true;
}

static void walk_limits(struct walk *w, struct fleet_rule *r, const yaml_node_t *map)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(w, p->key), *v = node(w, p->value);
		const char *name = scalar(k);

		if (name && !strcmp(name, "dumps"))
			take_count(w, r, k, v, 1, &r->limit_dumps);
		else if (name && !strcmp(name, "window"))
			take_count(w, r, k, v, 1, &r->limit_window_s);
		else if (name && !strcmp(name, "cooldown"))
			take_count(w, r, k, v, 0, &r->limit_cooldown_s);
		else
			fleet_error(w->errs, w->fname, mark_of(k),
				    "rule '%s': unknown limits key '%s' (dumps, window, cooldown)", r->name,
				    name ? name : "?");
	}
	if (r->limit_window_s && !r->limit_dumps)
		fleet_error(w->errs, w->fname, mark_of(map), "rule '%s': a limits window needs 'dumps'", r->name);
}

/* A whole number in [min, max] for a top-level section's key. */
static bool take_number(struct walk *w, const char *section, const yaml_node_t *key, const yaml_node_t *val,
			long min, long max, unsigned *out)
{
	const char *s = scalar(val);
	char *end = NULL;
	long v = s && *s ? strtol(s, &end, 10) : 0;

	if (!s || !*s || *end || v < min || v > max) {
		fleet_error(w->errs, w->fname, mark_of(val), "%s '%s' expects a whole number from %ld to %ld, got %s%s%s",
			    section, scalar(key), min, max, s ? "'" : "", s ? s : kind_name(val), s ? "'" : "");
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static void take_size(struct walk *w, const yaml_node_t *key, const yaml_node_t *val, bool pct,
		      struct spool_size *out)
{
	const char *s = scalar(val);

	if (!s || spool_parse_size(s, pct, out))
		fleet_error(w->errs, w->fname, mark_of(val),
			    "storage '%s' expects a size (bytes, or with K, M, G, T%s; 0: no cap), got %s%s%s", scalar(key),
			    pct ? ", or N% of the filesystem" : "", s ? "'" : "", s ? s : kind_name(val), s ? "'" : "");
}

static void walk_storage(struct walk *w, struct fleet_file *out, const yaml_node_t *map)
{
	struct spool_caps *c = &out->storage;

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(w, p->key), *v = node(w, p->value);
		const char *name = scalar(k);

		if (name && !strcmp(name, "max-use"))
			take_size(w, k, v, true, &c->max_use);
		else if (name && !strcmp(name, "keep-free"))
			take_size(w, k, v, true, &c->keep_free);
		else if (name && !strcmp(name, "max-dump"))
			take_size(w, k, v, false, &c->max_dump);
		else if (name && !strcmp(name, "max-concurrent"))
			take_number(w, "storage", k, v, 0, 64, &c->max_concurrent);
		else
			fleet_error(w->errs, w->fname, mark_of(k),
				    "unknown storage key '%s' (max-use, keep-free, max-dump, max-concurrent)",
				    name ? name : "?");
	}
}

static bool take_path(struct walk *w, const char *section, const yaml_node_t *key, const yaml_node_t *val,
		      char *dst)
{
	if (!take_scalar(w, key, val, dst, PATH_MAX))
		return false;
	if (dst[0] == '/')
		return true;
	fleet_error(w->errs, w->fname, mark_of(val), "%s '%s' must be an absolute path", section, scalar(key));
	dst[0] = 0;
	return false;
}

static void take_args(struct walk *w, struct upload_config *u, const yaml_node_t *key, const yaml_node_t *val)
{
	if (val->type == YAML_SCALAR_NODE) {
		if (take_scalar(w, key, val, u->args[0], UPLOAD_ARG_MAX))
			u->nargs = 1;
		return;
	}
	if (val->type != YAML_SEQUENCE_NODE) {
		fleet_error(w->errs, w->fname, mark_of(val), "upload 'args' expects a list, got %s", kind_name(val));
		return;
	}
	for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top; it++) {
		if (u->nargs == UPLOAD_MAX_ARGS) {
			fleet_error(w->errs, w->fname, mark_of(val), "upload 'args': at most %d", UPLOAD_MAX_ARGS);
			return;
		}
		if (take_scalar(w, key, node(w, *it), u->args[u->nargs], UPLOAD_ARG_MAX))
			u->nargs++;
	}
}

static void walk_upload(struct walk *w, struct fleet_file *out, const yaml_node_t *map)
{
	struct upload_config *u = &out->upload;

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(w, p->key), *v = node(w, p->value);
		const char *name = scalar(k), *s = scalar(v);

		if (name && !strcmp(name, "exec"))
			take_path(w, "upload", k, v, u->exec);
		else if (name && !strcmp(name, "args"))
			take_args(w, u, k, v);
		else if (name && !strcmp(name, "env-file"))
			take_path(w, "upload", k, v, u->env_file);
		else if (name && !strcmp(name, "retries"))
			take_number(w, "upload", k, v, 0, 1000000, &u->retries);
		else if (name && !strcmp(name, "backoff"))
			take_number(w, "upload", k, v, 1, 86400, &u->backoff_s);
		else if (name && !strcmp(name, "max-backoff"))
			take_number(w, "upload", k, v, 1, 86400, &u->max_backoff_s);
		else if (name && !strcmp(name, "timeout"))
			take_number(w, "upload", k, v, 0, 86400 * 7, &u->timeout_s);
		else if (name && !strcmp(name, "delete-after")) {
			if (s && (!strcmp(s, "true") || !strcmp(s, "false")))
				u->delete_after = s[0] == 't';
			else
				fleet_error(w->errs, w->fname, mark_of(v), "upload 'delete-after' expects true or false");
		} else
			fleet_error(w->errs, w->fname, mark_of(k),
				    "unknown upload key '%s' (exec, args, env-file, retries, backoff, max-backoff, "
				    "timeout, delete-after)",
				    name ? name : "?");
	}
	if (!u->exec[0])
		fleet_error(w->errs, w->fname, mark_of(map), "'upload' needs 'exec' (the hook that stores a dump)");
	if (u->max_backoff_s < u->backoff_s)
		fleet_error(w->errs, w->fname, mark_of(map), "upload 'max-backoff' (%u) is less than 'backoff' (%u)",
			    u->max_backoff_s, u->backoff_s);
}

static bool name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static void walk_rule(struct walk *w, struct fleet_file *out, const yaml_node_t *map)
{
	struct fleet_rule *r;
	const yaml_node_t *sections[4] = { 0 }; /* match, triggers, action, limits */
	static const char *const section_names[] = { "match", "triggers", "action", "limits", NULL };

	if (!want_mapping(w, map, "a rule"))
		return;
	if (out->nrules == FLEET_MAX_RULES) {
		fleet_error(w->errs, w->fname, mark_of(map), "more than %d rules", FLEET_MAX_RULES);
		return;
	}
	r = &out->rules[out->nrules];
	memset(r, 0, sizeof(*r));
	r->at = mark_of(map);
	snprintf(r->name, sizeof(r->name), "#%zu", out->nrules + 1); /* until its name is read */
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(w, p->key), *v = node(w, p->value);
		const char *name = scalar(k);
		int s;

		if (name && !strcmp(name, "name")) {
			char tmp[FLEET_NAME_MAX];

			r->name_at = mark_of(v);
			if (!take_scalar(w, k, v, tmp, sizeof(tmp)))
				continue;
			if (!name_ok(tmp))
				fleet_error(w->errs, w->fname, mark_of(v),
					    "rule name '%s': only letters, digits, '-', '_' and '.'", tmp);
			else
				snprintf(r->name, sizeof(r->name), "%s", tmp);
			continue;
		}
		for (s = 0; section_names[s] && (!name || strcmp(name, section_names[s])); s++)
			;
		if (!section_names[s]) {
			fleet_error(w->errs, w->fname, mark_of(k),
				    "unknown rule key '%s' (name, match, triggers, action, limits)", name ? name : "?");
			continue;
		}
		if (want_mapping(w, v, section_names[s]))
			sections[s] = v;
	}
	if (!r->name_at.line)
		fleet_error(w->errs, w->fname, r->at, "a rule needs a 'name'");
	if (sections[0])
		walk_match(w, r, sections[0]);
	if (!r->match_name[0] && !r->match_exe[0] && !r->match_cgroup[0] && !r->match_unit[0] &&
	    !r->match_container[0])
		fleet_error(w->errs, w->fname, sections[0] ? mark_of(sections[0]) : r->at,
			    "rule '%s': 'match' needs one of name, exe, cgroup, unit, container", r->name);
	if (sections[1])
		walk_switches(w, r, sections[1], "triggers", trigger_keys);
	r->ntriggers = r->nsw;
	if (sections[2])
		walk_switches(w, r, sections[2], "action", action_keys);
	if (sections[3])
		walk_limits(w, r, sections[3]);
	out->nrules++;
}

static void walk_top(struct walk *w, struct fleet_file *out, const yaml_node_t *root)
{
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(w, p->key), *v = node(w, p->value);
		const char *name = scalar(k);

		if (name && !strcmp(name, "spool")) {
			if (take_scalar(w, k, v, out->spool, sizeof(out->spool))) {
				out->spool_at = mark_of(k);
				if (out->spool[0] != '/') {
					fleet_error(w->errs, w->fname, mark_of(v), "'spool' must be an absolute path");
					out->spool[0] = 0;
				}
			}
		} else if (name && !strcmp(name, "rules")) {
			if (v->type != YAML_SEQUENCE_NODE) {
				fleet_error(w->errs, w->fname, mark_of(v), "'rules' expects a list, got %s", kind_name(v));
				continue;
			}
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
				walk_rule(w, out, node(w, *it));
		} else if (name && !strcmp(name, "storage")) {
			out->storage_at = mark_of(k);
			if (want_mapping(w, v, "storage"))
				walk_storage(w, out, v);
		} else if (name && !strcmp(name, "upload")) {
			out->upload_at = mark_of(k);
			if (want_mapping(w, v, "upload"))
				walk_upload(w, out, v);
		} else if (!name || !in(opaque_sections, name)) {
			fleet_error(w->errs, w->fname, mark_of(k),
				    "unknown key '%s' (spool, rules, storage, upload, metrics)", name ? name : "?");
		}
	}
}

size_t fleet_config_parse(const char *text, size_t len, const char *fname, struct fleet_file *out,
			  struct fleet_errors *errs)
{
	struct walk w = { .fname = fname, .errs = errs, .before = errs->n + errs->dropped };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;

	memset(out, 0, sizeof(*out));
	spool_caps_default(&out->storage);
	upload_config_default(&out->upload);
	if (!yaml_parser_initialize(&parser)) {
		fleet_error(errs, fname, (struct fleet_mark){ 0, 0 }, "out of memory");
		return 1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		/* libyaml's own words, at its own mark */
		fleet_error(errs, fname,
			    (struct fleet_mark){ (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1 },
			    "YAML: %s%s%s", parser.problem ? parser.problem : "cannot parse",
			    parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return 1;
	}
	w.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		fleet_error(errs, fname, (struct fleet_mark){ 1, 1 }, "empty file: no rules");
	else if (root->type != YAML_MAPPING_NODE)
		fleet_error(errs, fname, mark_of(root), "the file expects a mapping (spool, rules), got %s",
			    kind_name(root));
	else
		walk_top(&w, out, root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return errs->n + errs->dropped - w.before;
}
