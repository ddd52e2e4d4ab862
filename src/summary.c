/*-------------------------------------------------------------------------
 *
 * summary.c
 *	  KerasTuner's text layouts: search_space_summary, results_summary and
 *	  the per-trial progress block.
 *
 * The SQL here runs under the caller's search_path and qualifies every
 * operator (see catalog.c).
 *
 * KerasTuner prints Python reprs (None, True, 'relu', 0.0001, 1e-05), so
 * values are formatted the way Python would: floats in their shortest
 * round-trip form with a ".0" on integral values, strings in single quotes
 * inside dicts and bare in "name: value" lines.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"

#include "summary.h"
#include "catalog.h"
#include "hpjson.h"

/* Python's repr() of a float */
void
append_python_float(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (isnan(v))
	{
		appendStringInfoString(buf, "nan");
		return;
	}
	if (isinf(v))
	{
		appendStringInfoString(buf, v > 0 ? "inf" : "-inf");
		return;
	}
	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
	if (strpbrk(tmp, ".e") == NULL)
		appendStringInfoString(buf, ".0");
}

/* Python's str() of a value: what "name: value" lines show */
static void
append_python_str(StringInfo buf, HpValue v)
{
	switch (v.type)
	{
		case HPV_NONE:
			appendStringInfoString(buf, "None");
			break;
		case HPV_INT:
			appendStringInfo(buf, INT64_FORMAT, (int64) v.i);
			break;
		case HPV_FLOAT:
			append_python_float(buf, v.f);
			break;
		case HPV_BOOL:
			appendStringInfoString(buf, v.b ? "True" : "False");
			break;
		case HPV_TEXT:
			appendStringInfoString(buf, v.s);
			break;
	}
}

/* Python's repr() of a value: what dicts and lists show */
void
append_python_value(StringInfo buf, HpValue v)
{
	if (v.type == HPV_TEXT)
	{
		appendStringInfoChar(buf, '\'');
		for (const char *p = v.s; *p; p++)
		{
			if (*p == '\'' || *p == '\\')
				appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, *p);
		}
		appendStringInfoChar(buf, '\'');
	}
	else
		append_python_str(buf, v);
}

static void
append_python_list(StringInfo buf, const HpValue *values, int n)
{
	appendStringInfoChar(buf, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		append_python_value(buf, values[i]);
	}
	appendStringInfoChar(buf, ']');
}

static void
append_python_number(StringInfo buf, const HpDef *hp, double v)
{
	if (hp->kind == HP_INT)
		appendStringInfo(buf, INT64_FORMAT, (int64) v);
	else
		append_python_float(buf, v);
}

static const char *
summary_class_name(HpKind kind)
{
	switch (kind)
	{
		case HP_INT:
			return "Int";
		case HP_FLOAT:
			return "Float";
		case HP_CHOICE:
			return "Choice";
		case HP_BOOLEAN:
			return "Boolean";
		case HP_FIXED:
			return "Fixed";
	}
	return "?";
}

/* KerasTuner's get_config() of one hyperparameter, as a Python dict */
static char *
summary_config(const HpDef *hp)
{
	StringInfoData buf;
	HpValue		def = hp->default_value;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	if (hp->kind != HP_FIXED)
	{
		/* Int shows the default as given; the others show the effective one */
		if (hp->kind != HP_INT && def.type == HPV_NONE)
			def = hp_default(hp);
		appendStringInfoString(&buf, "'default': ");
		append_python_value(&buf, def);
		appendStringInfoString(&buf, ", ");
	}
	appendStringInfoString(&buf, "'conditions': [");
	if (hp->parent_name)
	{
		appendStringInfoString(&buf, "{'class_name': 'Parent', 'config': {'name': ");
		append_python_value(&buf, (HpValue) {.type = HPV_TEXT, .s = hp->parent_name});
		appendStringInfoString(&buf, ", 'values': ");
		append_python_list(&buf, hp->parent_values, hp->nparent_values);
		appendStringInfoString(&buf, "}}");
	}
	appendStringInfoChar(&buf, ']');
	switch (hp->kind)
	{
		case HP_INT:
		case HP_FLOAT:
			appendStringInfoString(&buf, ", 'min_value': ");
			append_python_number(&buf, hp, hp->min_value);
			appendStringInfoString(&buf, ", 'max_value': ");
			append_python_number(&buf, hp, hp->max_value);
			appendStringInfoString(&buf, ", 'step': ");
			if (hp->has_step)
				append_python_number(&buf, hp, hp->step);
			else
				appendStringInfoString(&buf, "None");
			appendStringInfo(&buf, ", 'sampling': '%s'", hp_sampling_name(hp->sampling));
			break;
		case HP_CHOICE:
			appendStringInfoString(&buf, ", 'values': ");
			append_python_list(&buf, hp->choices, hp->nchoices);
			appendStringInfo(&buf, ", 'ordered': %s", hp->ordered ? "True" : "False");
			break;
		case HP_FIXED:
			appendStringInfoString(&buf, ", 'value': ");
			append_python_value(&buf, hp->default_value);
			break;
		case HP_BOOLEAN:
			break;
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * KerasTuner lists the hyperparameters a build has registered so far: a
 * conditional one appears once a build takes its branch.  So the summary
 * shows every row the user registered, and each of the hypermodel's own
 * rows that is active when every value is at its default, or that some
 * trial has used.
 */
List *
search_space_summary_lines(const Study *study)
{
	HpSpace    *space = catalog_load_space(study);
	HpSpace    *user = catalog_load_user_space(study->study_id, NULL);
	HpValue    *defaults = palloc0(sizeof(HpValue) * Max(space->n, 1));
	bool	   *shown = palloc0(sizeof(bool) * Max(space->n, 1));
	List	   *lines = NIL;
	int			nshown = 0;

	for (int i = 0; i < space->n; i++)
	{
		bool		active = hp_is_active(space, i, defaults);

		if (active)
			defaults[i] = hp_default(&space->hps[i]);
		shown[i] = active || hp_space_find(user, space->hps[i].name) >= 0 ||
			catalog_hp_name_used(study->study_id, space->hps[i].name);
		nshown += shown[i];
	}
	lines = lappend(lines, pstrdup("Search space summary"));
	lines = lappend(lines, psprintf("Default search space size: %d", nshown));
	for (int i = 0; i < space->n; i++)
	{
		if (!shown[i])
			continue;
		lines = lappend(lines, psprintf("%s (%s)", space->hps[i].name,
										summary_class_name(space->hps[i].kind)));
		lines = lappend(lines, summary_config(&space->hps[i]));
	}
	return lines;
}

/*
 * results_summary: the best num_trials completed trials, best first, each
 * with its active hyperparameters in declaration order and its score.
 */
List *
results_summary_lines(const Study *study, int num_trials)
{
	HpSpace    *space = catalog_load_space(study);
	List	   *lines = NIL;
	TrialScore *best;
	int			nbest;
	StringInfoData buf;

	lines = lappend(lines, pstrdup("Results summary"));
	lines = lappend(lines, psprintf("Results in hptune.trials (study \"%s\")", study->name));
	lines = lappend(lines, psprintf("Showing %d best trials", num_trials));
	lines = lappend(lines, psprintf("Objective(name=\"%s\", direction=\"%s\")",
									study->objective, study->maximize ? "max" : "min"));

	best = catalog_best_trials(study, num_trials, &nbest);
	for (int r = 0; r < nbest; r++)
	{
		int			trial_id = best[r].trial_id;
		Jsonb	   *hps = best[r].hyperparameters;
		bool		isnull = !best[r].has_score;
		double		score = best[r].score;
		HpAssignment a;

		hpjson_to_assignment(space, hps, &a);
		lines = lappend(lines, pstrdup(""));
		lines = lappend(lines, psprintf("Trial %d summary", trial_id));
		lines = lappend(lines, pstrdup("Hyperparameters:"));
		for (int i = 0; i < space->n; i++)
		{
			if (a.values[i].type == HPV_NONE)
				continue;
			initStringInfo(&buf);
			appendStringInfo(&buf, "%s: ", space->hps[i].name);
			append_python_str(&buf, a.values[i]);
			lines = lappend(lines, buf.data);
		}
		initStringInfo(&buf);
		appendStringInfoString(&buf, "Score: ");
		if (isnull)
			appendStringInfoString(&buf, "None");
		else
			append_python_float(&buf, score);
		lines = lappend(lines, buf.data);
	}
	return lines;
}

/* KerasTuner's "00h 00m 19s" */
char *
format_hms(double seconds)
{
	long		s = (long) seconds;

	return psprintf("%02ldh %02ldm %02lds", s / 3600, (s / 60) % 60, s % 60);
}
