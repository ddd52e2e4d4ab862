/*-------------------------------------------------------------------------
 *
 * api.c
 *	  fmgr wrappers for hptune's study, search-space and search functions.
 *
 * Each hptune_<sqlname> reads and checks its arguments, then calls an
 * internal function with plain C types.  The triggers on hptune.studies
 * and hptune.hyperparameters are here too: they check a hand-written row
 * exactly as create_study and the hp_* functions check their arguments.
 * Functions on models are in predict.c, fit() and retrain() in fit.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "args.h"
#include "catalog.h"
#include "hmoptions.h"
#include "hpjson.h"
#include "loader.h"
#include "objective.h"
#include "runner.h"
#include "summary.h"
#include "trial.h"

/*
 * Studies
 */

static void
api_check_study_name(const char *name)
{
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("study name must not be empty"),
				 errdetail("name is \"\"."),
				 errhint("Pass a name such as 'helloworld'.")));
	if (strlen(name) > HPTUNE_MAX_NAME_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("study name is too long"),
				 errdetail("The name has %d bytes; the limit is %d.",
						   (int) strlen(name), HPTUNE_MAX_NAME_LEN),
				 errhint("Use a shorter name.")));
}


static void
api_resolve_objective(StudySettings *s)
{
	if (s->objective == NULL)
		s->objective = pstrdup(OidIsValid(s->objective_function) ?
							   "default_objective" : "val_loss");
	if (s->direction == NULL)
	{
		int			dir = metric_direction(s->objective);

		if (dir == 0 && strcmp(s->objective, "default_objective") == 0)
			dir = -1;
		if (dir == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot infer the direction of objective \"%s\"", s->objective),
					 errdetail("\"%s\" is not a metric name hptune knows.", s->objective),
					 errhint("Pass direction => 'min' or direction => 'max'.")));
		s->direction = pstrdup(dir > 0 ? "max" : "min");
	}
	else if (strcmp(s->direction, "min") != 0 && strcmp(s->direction, "max") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid direction \"%s\"", s->direction),
				 errdetail("A direction says whether the objective improves downwards (min) or upwards (max)."),
				 errhint("Pass direction => 'min' or direction => 'max'.")));
}

static void
api_check_settings(StudySettings *s)
{
	HyperModelKind kind;

	api_check_study_name(s->name);
	if (!oracle_tuner_exists(s->tuner))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown tuner \"%s\"", s->tuner),
				 errdetail("The tuners hptune knows are: %s.", oracle_tuner_names()),
				 errhint("Pass one of them as tuner, or leave tuner out for random search.")));
	if (s->max_trials < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_trials must be at least 1"),
				 errdetail("max_trials is %d.", s->max_trials),
				 errhint("Pass max_trials => 1 or more.")));
	if (s->executions_per_trial < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("executions_per_trial must be at least 1"),
				 errdetail("executions_per_trial is %d.", s->executions_per_trial),
				 errhint("Pass executions_per_trial => 1 or more.")));
	if (s->hypermodel && !hypermodel_from_name(s->hypermodel, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown hypermodel \"%s\"", s->hypermodel),
				 errdetail("The hypermodels hptune knows are: %s.", hypermodel_names()),
				 errhint("Pass one of them as hypermodel, or objective_function => 'f(jsonb)' to tune a SQL function.")));
	if (s->hypermodel == NULL && !OidIsValid(s->objective_function))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("study \"%s\" needs a hypermodel or an objective function", s->name),
				 errdetail("hypermodel and objective_function are both null."),
				 errhint("Pass hypermodel => 'mlp' to train models, or objective_function => 'f(jsonb)' to tune a function.")));
	if (OidIsValid(s->objective_function))
		objective_check_signature(s->objective_function, s->name);
	if (!JB_ROOT_IS_OBJECT(s->tuner_options) || JB_ROOT_IS_SCALAR(s->tuner_options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tuner_options must be a jsonb object"),
				 errdetail("tuner_options is %s.",
						   JsonbToCString(NULL, &s->tuner_options->root, 0)),
				 errhint("Pass an object such as '{\"max_epochs\": 27}'.")));
	oracle_check_options(s->tuner, JsonbToCString(NULL, &s->tuner_options->root, 0));
	if (s->hypermodel_options)
	{
		HyperModelOptions o;

		hmoptions_parse(s->hypermodel_options, s->hypermodel, &o);
	}
	api_resolve_objective(s);
}

static void
api_setting_differs(const char *study, const char *setting, const char *stored,
					const char *given)
{
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("study \"%s\" already exists with a different %s", study, setting),
			 errdetail("The stored %s is %s; this call passes %s.", setting,
					   stored ? stored : "null", given ? given : "null"),
			 errhint("Pass overwrite => true to start the study afresh, or the stored settings to resume it.")));
}

static bool
api_streq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}


/* resuming: every setting must match the stored study */
static void
api_compare_study(const Study *st, const StudySettings *s)
{
	/* both in jsonb's canonical text form (the catalog reads jsonb::text) */
	char	   *given_opts = JsonbToCString(NULL, &s->tuner_options->root, 0);
	char	   *stored_opts = st->tuner_options;

	if (!api_streq(st->hypermodel, s->hypermodel))
		api_setting_differs(s->name, "hypermodel", st->hypermodel, s->hypermodel);
	if (!api_streq(st->objective, s->objective))
		api_setting_differs(s->name, "objective", st->objective, s->objective);
	if (!api_streq(st->maximize ? "max" : "min", s->direction))
		api_setting_differs(s->name, "direction", st->maximize ? "max" : "min", s->direction);
	if (!api_streq(st->tuner, s->tuner))
		api_setting_differs(s->name, "tuner", st->tuner, s->tuner);
	if (st->max_trials != s->max_trials)
		api_setting_differs(s->name, "max_trials", psprintf("%d", st->max_trials),
							psprintf("%d", s->max_trials));
	if (st->executions_per_trial != s->executions_per_trial)
		api_setting_differs(s->name, "executions_per_trial",
							psprintf("%d", st->executions_per_trial),
							psprintf("%d", s->executions_per_trial));
	if (st->objective_function != s->objective_function)
		api_setting_differs(s->name, "objective_function",
							OidIsValid(st->objective_function) ? format_procedure(st->objective_function) : NULL,
							OidIsValid(s->objective_function) ? format_procedure(s->objective_function) : NULL);
	if (strcmp(stored_opts, given_opts) != 0)
		api_setting_differs(s->name, "tuner_options", stored_opts, given_opts);
	given_opts = JsonbToCString(NULL, &s->hypermodel_options->root, 0);
	if (strcmp(st->hypermodel_options, given_opts) != 0)
		api_setting_differs(s->name, "hypermodel_options", st->hypermodel_options,
							given_opts);
	if (st->has_seed != s->has_seed || (s->has_seed && st->seed != s->seed))
		api_setting_differs(s->name, "seed",
							st->has_seed ? psprintf(INT64_FORMAT, st->seed) : NULL,
							s->has_seed ? psprintf(INT64_FORMAT, s->seed) : NULL);
}

PG_FUNCTION_INFO_V1(hptune_create_study);
Datum
hptune_create_study(PG_FUNCTION_ARGS)
{
	StudySettings s;
	bool		overwrite;
	Study	   *existing;

	/* null means "not given" only where the default is null */
	memset(&s, 0, sizeof(s));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("study name must not be null"),
				 errdetail("name is null."),
				 errhint("Pass a name such as 'helloworld'.")));
	args_not_null(fcinfo, 4, "tuner", "Leave tuner out to use 'random'.");
	args_not_null(fcinfo, 5, "max_trials", "Leave max_trials out to use 10.");
	args_not_null(fcinfo, 6, "executions_per_trial", "Leave executions_per_trial out to use 1.");
	args_not_null(fcinfo, 8, "tuner_options", "Leave tuner_options out to use '{}'.");
	args_not_null(fcinfo, 10, "overwrite", "Leave overwrite out to resume an existing study.");
	/* before ALTER EXTENSION hptune UPDATE, create_study has no argument 11 */
	if (PG_NARGS() > 11)
		args_not_null(fcinfo, 11, "hypermodel_options", "Leave hypermodel_options out to use '{}'.");
	s.name = args_text(fcinfo, 0);
	s.hypermodel = args_text(fcinfo, 1);
	s.objective = args_text(fcinfo, 2);
	s.direction = args_text(fcinfo, 3);
	s.tuner = args_text(fcinfo, 4);
	s.max_trials = PG_GETARG_INT32(5);
	s.executions_per_trial = PG_GETARG_INT32(6);
	s.objective_function = PG_ARGISNULL(7) ? InvalidOid : PG_GETARG_OID(7);
	s.tuner_options = PG_GETARG_JSONB_P(8);
	s.has_seed = !PG_ARGISNULL(9);
	s.seed = s.has_seed ? PG_GETARG_INT64(9) : 0;
	overwrite = PG_GETARG_BOOL(10);
	s.hypermodel_options = PG_NARGS() > 11 ? PG_GETARG_JSONB_P(11) : hpjson_empty_object();
	api_check_settings(&s);
	if (OidIsValid(s.objective_function))
		objective_check(s.objective_function, s.name);

	existing = catalog_get_study(s.name, true);
	if (existing && !overwrite)
	{
		api_compare_study(existing, &s);
		PG_RETURN_INT64(existing->study_id);
	}
	if (existing)
		catalog_delete_study(existing->study_id);
	PG_RETURN_INT64(catalog_insert_study(&s));
}

PG_FUNCTION_INFO_V1(hptune_drop_study);
Datum
hptune_drop_study(PG_FUNCTION_ARGS)
{
	Study	   *study = catalog_get_study(args_text(fcinfo, 0), false);

	catalog_delete_study(study->study_id);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(hptune_study_id);
Datum
hptune_study_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(catalog_get_study(args_text(fcinfo, 0), false)->study_id);
}

/* a text column of a trigger's row, NULL when null */
static char *
api_column_text(HeapTuple tuple, TupleDesc desc, const char *column)
{
	return SPI_getvalue(tuple, desc, SPI_fnumber(desc, column));
}

static Datum
api_column(HeapTuple tuple, TupleDesc desc, const char *column, bool *isnull)
{
	return SPI_getbinval(tuple, desc, SPI_fnumber(desc, column), isnull);
}

/*
 * The studies table's trigger: a row written by hand meets the checks
 * create_study makes on its arguments (tuner and hypermodel names, the
 * objective function's signature, tuner_options an object, ...), so an
 * INSERT or UPDATE cannot leave a study no search can run.  A null in a NOT
 * NULL column is left to the constraint to report.
 */
PG_FUNCTION_INFO_V1(hptune_studies_check);
Datum
hptune_studies_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	StudySettings s;
	bool		nulls[5];
	Datum		max_trials;
	Datum		executions;
	Datum		options;
	Datum		fn;
	Datum		hmoptions;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "studies_check must be a BEFORE ROW trigger");
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;

	memset(&s, 0, sizeof(s));
	s.name = api_column_text(tuple, desc, "name");
	s.hypermodel = api_column_text(tuple, desc, "hypermodel");
	s.objective = api_column_text(tuple, desc, "objective");
	s.direction = api_column_text(tuple, desc, "direction");
	s.tuner = api_column_text(tuple, desc, "tuner");
	max_trials = api_column(tuple, desc, "max_trials", &nulls[0]);
	executions = api_column(tuple, desc, "executions_per_trial", &nulls[1]);
	options = api_column(tuple, desc, "tuner_options", &nulls[2]);
	fn = api_column(tuple, desc, "objective_function", &nulls[3]);
	/* the column is missing until ALTER EXTENSION hptune UPDATE */
	if (SPI_fnumber(desc, "hypermodel_options") > 0)
		hmoptions = api_column(tuple, desc, "hypermodel_options", &nulls[4]);
	else
	{
		hmoptions = JsonbPGetDatum(hpjson_empty_object());
		nulls[4] = false;
	}
	if (s.name == NULL || s.objective == NULL || s.direction == NULL ||
		s.tuner == NULL || nulls[0] || nulls[1] || nulls[2] || nulls[4])
		return PointerGetDatum(tuple);
	s.hypermodel_options = DatumGetJsonbP(hmoptions);
	s.max_trials = DatumGetInt32(max_trials);
	s.executions_per_trial = DatumGetInt32(executions);
	s.tuner_options = DatumGetJsonbP(options);
	s.objective_function = nulls[3] ? InvalidOid : DatumGetObjectId(fn);
	api_check_settings(&s);
	return PointerGetDatum(tuple);
}

/*
 * Positions given to rows inserted without one, in the current command:
 * rows of one statement cannot see each other, so the next position of a
 * study is counted here from the last position its earlier statements left.
 */
typedef struct ApiNextPosition
{
	int64		study_id;
	int			last;
} ApiNextPosition;

static LocalTransactionId api_position_xact = InvalidLocalTransactionId;
static CommandId api_position_command = InvalidCommandId;
static List *api_positions = NIL;

static int
api_next_position(int64 study_id)
{
	ListCell   *lc;
	ApiNextPosition *p;
	MemoryContext old;

	if (api_position_xact != MyProc->lxid ||
		api_position_command != GetCurrentCommandId(false))
	{
		/* the list lived in the previous transaction's memory */
		api_positions = NIL;
		api_position_xact = MyProc->lxid;
		api_position_command = GetCurrentCommandId(false);
	}
	foreach(lc, api_positions)
	{
		p = (ApiNextPosition *) lfirst(lc);
		if (p->study_id == study_id)
			return ++p->last;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	p = palloc(sizeof(ApiNextPosition));
	p->study_id = study_id;
	p->last = catalog_last_position(study_id) + 1;
	api_positions = lappend(api_positions, p);
	MemoryContextSwitchTo(old);
	return p->last;
}

static void
api_hyperparameter_not_null(const char *column, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("hyperparameter %s must not be null", column),
			 errdetail("%s is null.", column),
			 errhint("%s", hint)));
}

/*
 * The search space table's row trigger: each row INSERTed or UPDATEd is
 * checked on its own by hp_validate_definition(), the routine the hp_*()
 * functions rely on too, and completed (implicit step, sampling, ordered;
 * position 0 takes the study's next one).  Registering a definition
 * identical to a stored one is a no-op (the row is skipped); a different one
 * is an error.  What relates rows to each other -- conditions -- is checked
 * by hptune_hyperparameters_check_space once the statement is complete.
 */
PG_FUNCTION_INFO_V1(hptune_hyperparameters_check);
Datum
hptune_hyperparameters_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tuple;
	static const char *const cols[] = {"min_value", "max_value", "step", "sampling",
		"choices", "ordered", "default_value", "parent_name", "parent_values"};
	Datum		values[9];
	bool		nulls[9];
	bool		isnull;
	bool		inserting;
	int64		study_id;
	int			position;
	char	   *name;
	char	   *kind;
	HpDef		hp;
	Study	   *study;
	HpSpace    *user;
	int			same;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "hyperparameters_check must be a BEFORE ROW trigger");
	inserting = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	tuple = inserting ? trigdata->tg_trigtuple : trigdata->tg_newtuple;
	desc = trigdata->tg_relation->rd_att;

	study_id = DatumGetInt64(api_column(tuple, desc, "study_id", &isnull));
	if (isnull)
		api_hyperparameter_not_null("study_id",
									"Pass the study's id, as hptune.study_id() returns it.");
	name = api_column_text(tuple, desc, "name");
	if (name == NULL)
		api_hyperparameter_not_null("name",
									"Pass the hyperparameter's name.");
	kind = api_column_text(tuple, desc, "kind");
	if (kind == NULL)
		api_hyperparameter_not_null("kind",
									"Use one of int, float, choice, boolean, fixed.");
	for (int i = 0; i < 9; i++)
		values[i] = api_column(tuple, desc, cols[i], &nulls[i]);
	position = DatumGetInt32(api_column(tuple, desc, "position", &isnull));
	if (isnull)
		api_hyperparameter_not_null("position",
									"Leave position out (0) to place the row after the study's others.");

	study = catalog_get_study_by_id(study_id);
	catalog_row_to_hpdef(&hp, name, kind, values, nulls);
	hp_validate_definition(&hp);

	/* the same name registered again: a no-op when identical */
	user = catalog_load_user_space(study_id, NULL);
	same = hp_space_find(user, name);
	if (inserting && same >= 0)
	{
		if (hp_equal(&hp, &user->hps[same]))
			return PointerGetDatum(NULL);
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("hyperparameter \"%s\" is already defined differently", name),
				 errdetail("Study \"%s\" already has hyperparameter \"%s\" (%s) with another definition.",
						   study->name, name, hp_kind_name(user->hps[same].kind)),
				 errhint("Use another name, or delete the row from hptune.hyperparameters first.")));
	}

	/* write back what validation made explicit */
	{
		int			ncols = 0;
		int			colnums[4];
		Datum		newvals[4];
		bool		newnulls[4] = {false, false, false, false};

		if (hp.has_step && nulls[2])
		{
			colnums[ncols] = SPI_fnumber(desc, "step");
			newvals[ncols++] = Float8GetDatum(hp.step);
		}
		if (nulls[3] && (hp.kind == HP_INT || hp.kind == HP_FLOAT))
		{
			colnums[ncols] = SPI_fnumber(desc, "sampling");
			newvals[ncols++] = CStringGetTextDatum(hp_sampling_name(hp.sampling));
		}
		if (nulls[5] && hp.kind == HP_CHOICE)
		{
			colnums[ncols] = SPI_fnumber(desc, "ordered");
			newvals[ncols++] = BoolGetDatum(hp.ordered);
		}
		if (position == 0)
		{
			/* declaration order: after the study's other rows */
			colnums[ncols] = SPI_fnumber(desc, "position");
			newvals[ncols++] = Int32GetDatum(api_next_position(study_id));
		}
		if (ncols > 0)
			tuple = heap_modify_tuple_by_cols(tuple, desc, ncols, colnums, newvals, newnulls);
	}
	return PointerGetDatum(tuple);
}

/* add the study_id of every row of a transition table to *ids */
static List *
api_changed_studies(List *ids, Tuplestorestate *rows, TupleDesc desc)
{
	TupleTableSlot *slot;
	AttrNumber	attnum = SPI_fnumber(desc, "study_id");

	if (rows == NULL)
		return ids;
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		bool		isnull;
		Datum		id = slot_getattr(slot, attnum, &isnull);
		int64	   *copy;
		ListCell   *lc;
		bool		seen = false;

		if (isnull)
			continue;
		foreach(lc, ids)
			seen = seen || *(int64 *) lfirst(lc) == DatumGetInt64(id);
		if (seen)
			continue;
		copy = palloc(sizeof(int64));
		*copy = DatumGetInt64(id);
		ids = lappend(ids, copy);
	}
	ExecDropSingleTupleTableSlot(slot);
	return ids;
}

/*
 * The search space table's statement trigger: once an INSERT, UPDATE, DELETE
 * or COPY is complete, the search space of every study it touched must hold
 * together -- each parent exists and is declared before its children, no
 * cycle of conditions, parent values the parent can take.  Checking here
 * rather than per row lets one statement (a restored dump) bring parents
 * and children at once.  A study the statement deleted is skipped.
 */
PG_FUNCTION_INFO_V1(hptune_hyperparameters_check_space);
Datum
hptune_hyperparameters_check_space(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	List	   *ids = NIL;
	ListCell   *lc;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		elog(ERROR, "hyperparameters_check_space must be an AFTER STATEMENT trigger");
	desc = trigdata->tg_relation->rd_att;
	ids = api_changed_studies(ids, trigdata->tg_newtable, desc);
	ids = api_changed_studies(ids, trigdata->tg_oldtable, desc);
	foreach(lc, ids)
	{
		Study	   *study = catalog_find_study_by_id(*(int64 *) lfirst(lc), true);

		if (study != NULL)
			hp_validate_conditions(catalog_load_current_space(study),
								   catalog_load_current_user_space(study->study_id));
	}
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(hptune_search_space_summary);
Datum
hptune_search_space_summary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Study	   *study = catalog_get_study(args_text(fcinfo, 0), false);
	List	   *lines = search_space_summary_lines(study);
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	foreach(lc, lines)
	{
		Datum		v = CStringGetTextDatum((char *) lfirst(lc));
		bool		n = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &n);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(hptune_results_summary);
Datum
hptune_results_summary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Study	   *study = catalog_get_study(args_text(fcinfo, 0), false);
	int			num_trials;
	List	   *lines;
	ListCell   *lc;

	args_not_null(fcinfo, 1, "num_trials", "Leave num_trials out to show 10 trials.");
	num_trials = PG_GETARG_INT32(1);

	if (num_trials < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("num_trials must be at least 1"),
				 errdetail("num_trials is %d; it is the number of best trials to show.", num_trials),
				 errhint("Pass num_trials => 1 or more.")));
	lines = results_summary_lines(study, num_trials);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	foreach(lc, lines)
	{
		Datum		v = CStringGetTextDatum((char *) lfirst(lc));
		bool		n = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &n);
	}
	return (Datum) 0;
}

/*
 * search() and tune() share their arguments:
 * (study, train, validation, validation_split, label, features, epochs,
 *	batch_size, workers, options)
 */
static void
api_search_args(FunctionCallInfo fcinfo, SearchArgs *a)
{
	static const char *const required[] = {"study", NULL, NULL, NULL, NULL, NULL,
	"epochs", "batch_size", "workers", "options"};

	/* null means "not given" for the queries, label and features only */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("study must not be null"),
				 errdetail("A search needs the name of a study made with hptune.create_study()."),
				 errhint("Pass study => the study's name.")));
	for (int i = 1; i < lengthof(required); i++)
		if (required[i] && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", required[i]),
					 errdetail("Only train, validation, validation_split, label and features may be null, meaning not given."),
					 errhint("Leave %s out to use its default.", required[i])));
	memset(a, 0, sizeof(SearchArgs));
	a->train = args_text(fcinfo, 1);
	a->validation = args_text(fcinfo, 2);
	a->has_validation_split = !PG_ARGISNULL(3);
	a->validation_split = a->has_validation_split ? PG_GETARG_FLOAT8(3) : 0;
	a->label = args_text(fcinfo, 4);
	if (!PG_ARGISNULL(5))
		trial_args_features(a, PG_GETARG_ARRAYTYPE_P(5));
	a->epochs = PG_GETARG_INT32(6);
	a->batch_size = PG_GETARG_INT32(7);
	a->workers = PG_GETARG_INT32(8);
	a->options = PG_GETARG_JSONB_P_COPY(9);
	trial_args_check(a);
	if (a->workers < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("workers must not be negative"),
				 errdetail("workers is %d.", a->workers),
				 errhint("Pass workers => 0 to run the trials in this session, or a number of background workers.")));
}

PG_FUNCTION_INFO_V1(hptune_search);
Datum
hptune_search(PG_FUNCTION_ARGS)
{
	SearchArgs	args;
	char	   *study = args_text(fcinfo, 0);

	api_search_args(fcinfo, &args);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	runner_search(study, &args, false, (ReturnSetInfo *) fcinfo->resultinfo);
	return (Datum) 0;
}

/*
 * CALL hptune.tune(): the same search, committing after every trial when
 * called outside a transaction block.
 */
PG_FUNCTION_INFO_V1(hptune_tune);
Datum
hptune_tune(PG_FUNCTION_ARGS)
{
	SearchArgs	args;
	char	   *study;
	bool		nonatomic;

	nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
	study = args_text(fcinfo, 0);
	api_search_args(fcinfo, &args);
	if (nonatomic)
		SPI_connect_ext(SPI_OPT_NONATOMIC);
	runner_search(study, &args, nonatomic, NULL);
	if (nonatomic)
		SPI_finish();
	PG_RETURN_VOID();
}
