/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  SPI access to the hptune.* tables.
 *
 * Every read and write of the catalog goes through this file, as plain SQL
 * run with the caller's privileges: row-level security decides what a role
 * sees, so a study another role owns is simply not found.  Each function
 * opens its own SPI connection and copies what it returns into the caller's
 * memory context before closing it.
 *
 * The SQL runs under the caller's search_path, which may put a schema the
 * caller does not control ahead of pg_catalog: every operator, function and
 * type in it is schema-qualified, so no other role's object can run.
 *
 * A search writes a study's trials, metrics and models while another
 * session may drop the study: each write first locks the row it depends on
 * (FOR KEY SHARE) and reports a study that is gone as such, instead of
 * failing on a foreign key.
 *
 * Hyperparameter values travel as jsonb: the helpers at the end convert
 * between a trial's jsonb object and the core's HpAssignment, aligned with
 * the search space's declaration order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/datum.h"
#include "utils/uuid.h"

#include "catalog.h"
#include "hpjson.h"

/* run a statement; errors if SPI itself fails */
static void
catalog_exec(const char *sql, int nargs, Oid *types, Datum *values,
			 const char *nulls, bool read_only)
{
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
}

static char *
catalog_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* read one study row selected by "WHERE <where>" with one parameter */
static Study *
catalog_fetch_study(const char *where, Oid type, Datum value)
{
	MemoryContext caller = CurrentMemoryContext;
	Study	   *study = NULL;

	SPI_connect();
	catalog_exec(psprintf("SELECT study_id, name, owner::pg_catalog.oid, hypermodel, objective,"
						  " direction, tuner, tuner_options::pg_catalog.text, max_trials,"
						  " executions_per_trial, objective_function::pg_catalog.oid, seed,"
						  " (pg_catalog.to_jsonb(s) OPERATOR(pg_catalog.->) 'hypermodel_options')::pg_catalog.text"
						  " FROM hptune.studies s WHERE %s", where),
				 1, &type, &value, NULL, true);
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(caller);
		char	   *direction;

		study = palloc0(sizeof(Study));
		study->study_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		study->name = catalog_text(tup, desc, 2);
		study->owner = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
		study->hypermodel = catalog_text(tup, desc, 4);
		study->objective = catalog_text(tup, desc, 5);
		direction = catalog_text(tup, desc, 6);
		study->maximize = strcmp(direction, "max") == 0;
		study->tuner = catalog_text(tup, desc, 7);
		study->tuner_options = catalog_text(tup, desc, 8);
		study->max_trials = DatumGetInt32(SPI_getbinval(tup, desc, 9, &isnull));
		study->executions_per_trial = DatumGetInt32(SPI_getbinval(tup, desc, 10, &isnull));
		study->objective_function = DatumGetObjectId(SPI_getbinval(tup, desc, 11, &isnull));
		if (isnull)
			study->objective_function = InvalidOid;
		study->seed = DatumGetInt64(SPI_getbinval(tup, desc, 12, &isnull));
		study->has_seed = !isnull;
		/* null until ALTER EXTENSION hptune UPDATE adds the column */
		study->hypermodel_options = catalog_text(tup, desc, 13);
		if (study->hypermodel_options == NULL)
			study->hypermodel_options = pstrdup("{}");
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return study;
}

/*
 * Look a study up by name.  RLS hides other roles' studies, so "not found"
 * covers both.
 */
Study *
catalog_get_study(const char *name, bool missing_ok)
{
	Study	   *study;

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("study name must not be null"),
				 errdetail("study is null."),
				 errhint("Pass the name given to hptune.create_study().")));
	study = catalog_fetch_study("name OPERATOR(pg_catalog.=) $1", TEXTOID,
								CStringGetTextDatum(name));
	if (study == NULL && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("study \"%s\" does not exist", name),
				 errdetail("No study named \"%s\" is visible to the current role.", name),
				 errhint("Create it with hptune.create_study(), or check the name in hptune.studies.")));
	return study;
}

/*
 * The same by study_id (rows of the catalog refer to studies by id); NULL
 * when missing_ok and there is none.
 */
Study *
catalog_find_study_by_id(int64 study_id, bool missing_ok)
{
	Study	   *study = catalog_fetch_study("study_id OPERATOR(pg_catalog.=) $1", INT8OID,
											Int64GetDatum(study_id));

	if (study == NULL && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("study %lld does not exist", (long long) study_id),
				 errdetail("No study with study_id %lld is visible to the current role.",
						   (long long) study_id),
				 errhint("Create the study with hptune.create_study() first.")));
	return study;
}

Study *
catalog_get_study_by_id(int64 study_id)
{
	return catalog_find_study_by_id(study_id, false);
}

void
catalog_delete_study(int64 study_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(study_id)};

	SPI_connect();
	catalog_exec("DELETE FROM hptune.studies WHERE study_id OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL, false);
	SPI_finish();
}

/*
 * A new study's row; its study_id.  Names are unique across roles (like
 * table names in a schema), so a taken one is an error that says so.
 */
int64
catalog_insert_study(const StudySettings *s)
{
	Oid			types[11] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID,
	INT4OID, OIDOID, JSONBOID, INT8OID, JSONBOID};
	Datum		values[11];
	char		nulls[11] = "           ";
	bool		empty_options;
	int64		id;
	bool		isnull;

	values[0] = CStringGetTextDatum(s->name);
	values[1] = s->hypermodel ? CStringGetTextDatum(s->hypermodel) : (Datum) 0;
	nulls[1] = s->hypermodel ? ' ' : 'n';
	values[2] = CStringGetTextDatum(s->objective);
	values[3] = CStringGetTextDatum(s->direction);
	values[4] = CStringGetTextDatum(s->tuner);
	values[5] = Int32GetDatum(s->max_trials);
	values[6] = Int32GetDatum(s->executions_per_trial);
	values[7] = ObjectIdGetDatum(s->objective_function);
	nulls[7] = OidIsValid(s->objective_function) ? ' ' : 'n';
	values[8] = JsonbPGetDatum(s->tuner_options);
	values[9] = Int64GetDatum(s->seed);
	nulls[9] = s->has_seed ? ' ' : 'n';
	values[10] = JsonbPGetDatum(s->hypermodel_options);
	/* '{}' is the column's default: left out, the insert works before
	 * ALTER EXTENSION hptune UPDATE adds the column */
	empty_options = JB_ROOT_COUNT(s->hypermodel_options) == 0;
	/*
	 * Names are unique across roles: one taken by a study this role cannot
	 * see, or by a concurrent create_study that committed first, inserts
	 * nothing.
	 */
	SPI_connect();
	if (SPI_execute_with_args(psprintf("INSERT INTO hptune.studies (name, hypermodel, objective,"
									   " direction, tuner, max_trials, executions_per_trial,"
									   " objective_function, tuner_options, seed%s)"
									   " VALUES ($1, $2, $3, $4, $5, $6, $7,"
									   " $8::pg_catalog.regprocedure, $9, $10%s)"
									   " ON CONFLICT (name) DO NOTHING RETURNING study_id",
									   empty_options ? "" : ", hypermodel_options",
									   empty_options ? "" : ", $11"),
							  empty_options ? 10 : 11, types, values, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not insert study");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("study name \"%s\" is taken", s->name),
				 errdetail("Study names are shared by all roles; a study named \"%s\" exists that this call cannot resume (another role's, or one created by a concurrent session).",
						   s->name),
				 errhint("Choose another name; if a concurrent session of this role created it, call hptune.create_study() again to resume it.")));
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return id;
}

/*
 * Build an HpDef from one row of hptune.hyperparameters: values/nulls are
 * the columns min_value, max_value, step, sampling, choices, ordered,
 * default_value, parent_name, parent_values (in that order).
 */
void
catalog_row_to_hpdef(HpDef *hp, const char *name, const char *kind,
					 Datum *values, bool *nulls)
{
	memset(hp, 0, sizeof(HpDef));
	hp->name = pstrdup(name);
	if (!hp_kind_from_name(kind, &hp->kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown hyperparameter kind \"%s\"", kind),
				 errdetail("Hyperparameter \"%s\" has kind \"%s\".", name, kind),
				 errhint("Use one of int, float, choice, boolean, fixed.")));
	hp->min_value = nulls[0] ? get_float8_nan() : DatumGetFloat8(values[0]);
	hp->max_value = nulls[1] ? get_float8_nan() : DatumGetFloat8(values[1]);
	if ((hp->kind == HP_INT || hp->kind == HP_FLOAT) && (nulls[0] || nulls[1]))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hyperparameter \"%s\" needs min_value and max_value", name),
				 errdetail("min_value or max_value is null for a hyperparameter of kind %s.", kind),
				 errhint("Give both bounds.")));
	hp->has_step = !nulls[2];
	hp->step = nulls[2] ? 0 : DatumGetFloat8(values[2]);
	hp->sampling = HP_SAMPLING_LINEAR;
	if (!nulls[3])
	{
		char	   *sampling = TextDatumGetCString(values[3]);

		if (!hp_sampling_from_name(sampling, &hp->sampling))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown sampling \"%s\" for hyperparameter \"%s\"", sampling, name),
					 errdetail("Sampling is how values are drawn between min_value and max_value: linear, log or reverse_log."),
					 errhint("Use linear, log or reverse_log.")));
	}
	if (!nulls[4])
		hp->choices = hpjson_value_array(DatumGetJsonbP(values[4]),
												 &hp->nchoices, "choices", name);
	else if (hp->kind == HP_CHOICE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("choice hyperparameter \"%s\" has no values", name),
				 errdetail("choices is null."),
				 errhint("Pass at least one value.")));
	hp->ordered = nulls[5] ? false : DatumGetBool(values[5]);
	hp->ordered_given = !nulls[5];
	hp->default_value.type = HPV_NONE;
	if (!nulls[6])
	{
		Jsonb	   *jb = DatumGetJsonbP(values[6]);
		JsonbValue	v;

		if (!JB_ROOT_IS_SCALAR(jb) || !JsonbExtractScalar(&jb->root, &v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("default of hyperparameter \"%s\" must be a scalar", name),
					 errdetail("default_value is %s.", JsonbToCString(NULL, &jb->root, 0)),
					 errhint("Pass a number, a string or a boolean.")));
		hp->default_value = hpjson_value(&v);
	}
	hp->parent_name = nulls[7] ? NULL : TextDatumGetCString(values[7]);
	if (!nulls[8])
		hp->parent_values = hpjson_value_array(DatumGetJsonbP(values[8]),
													   &hp->nparent_values,
													   "parent_values", name);
	else if (hp->parent_name != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conditional hyperparameter \"%s\" has no parent_values", name),
				 errdetail("parent_name is \"%s\" and parent_values is null.", hp->parent_name),
				 errhint("Pass the parent's values for which \"%s\" is active, e.g. parent_values => '[2, 3]'.", name)));
}

/*
 * The rows a user registered for a study, in declaration order; skip_name
 * (may be NULL) leaves one out.  current reads them as the running command
 * has left them so far (a statement trigger checking what its statement
 * did), else with the caller's snapshot.
 */
static HpSpace *
catalog_read_user_space(int64 study_id, const char *skip_name, bool current)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', skip_name ? ' ' : 'n'};
	HpSpace    *space;

	values[0] = Int64GetDatum(study_id);
	values[1] = skip_name ? CStringGetTextDatum(skip_name) : (Datum) 0;
	SPI_connect();
	catalog_exec("SELECT name, kind, min_value, max_value, step, sampling, choices,"
				 " ordered, default_value, parent_name, parent_values"
				 " FROM hptune.hyperparameters"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND ($2 IS NULL OR name OPERATOR(pg_catalog.<>) $2)"
				 " ORDER BY position, name",
				 2, types, values, nulls, !current);

	MemoryContextSwitchTo(caller);
	space = palloc0(sizeof(HpSpace));
	space->n = SPI_processed;
	space->hps = palloc0(sizeof(HpDef) * Max(space->n, 1));
	for (int i = 0; i < space->n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Datum		cols[9];
		bool		colnulls[9];

		for (int c = 0; c < 9; c++)
			cols[c] = SPI_getbinval(tup, desc, c + 3, &colnulls[c]);
		catalog_row_to_hpdef(&space->hps[i], catalog_text(tup, desc, 1),
							 catalog_text(tup, desc, 2), cols, colnulls);
	}
	SPI_finish();
	return space;
}

HpSpace *
catalog_load_user_space(int64 study_id, const char *skip_name)
{
	return catalog_read_user_space(study_id, skip_name, false);
}

HpSpace *
catalog_load_current_user_space(int64 study_id)
{
	return catalog_read_user_space(study_id, NULL, true);
}

/* the highest position among a study's rows, 0 if it has none */
int
catalog_last_position(int64 study_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(study_id)};
	bool		isnull;
	int			position;

	SPI_connect();
	catalog_exec("SELECT pg_catalog.max(position) FROM hptune.hyperparameters"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL, true);
	position = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										   1, &isnull));
	SPI_finish();
	return isnull ? 0 : position;
}

/*
 * The study's search space: the hypermodel's own rows, overridden by the
 * user's rows of the same name, followed by the user's other rows in
 * declaration order.  The statement trigger on hptune.hyperparameters makes
 * sure a conditional row follows its parent.
 */
static HpSpace *
catalog_build_space(const Study *study, HpSpace *user)
{
	HpSpace		builtin = {0, NULL};
	HpSpace    *space;
	HyperModelKind kind;
	int			n = 0;

	if (study->hypermodel && hypermodel_from_name(study->hypermodel, &kind))
		hypermodel_default_space(kind, &builtin);

	space = palloc0(sizeof(HpSpace));
	space->hps = palloc0(sizeof(HpDef) * Max(builtin.n + user->n, 1));
	for (int i = 0; i < builtin.n; i++)
	{
		int			u = hp_space_find(user, builtin.hps[i].name);

		space->hps[n++] = (u >= 0) ? user->hps[u] : builtin.hps[i];
	}
	for (int i = 0; i < user->n; i++)
		if (hp_space_find(&builtin, user->hps[i].name) < 0)
			space->hps[n++] = user->hps[i];
	space->n = n;
	return space;
}

HpSpace *
catalog_load_space(const Study *study)
{
	return catalog_build_space(study, catalog_read_user_space(study->study_id, NULL, false));
}

/* the same, as the running command has left the rows so far */
HpSpace *
catalog_load_current_space(const Study *study)
{
	return catalog_build_space(study, catalog_read_user_space(study->study_id, NULL, true));
}

static TrialStatus
catalog_status(const char *name)
{
	TrialStatus status;

	/* a trial waiting to be claimed again is taken, like a running one */
	if (strcmp(name, "PENDING") == 0)
		return TRIAL_RUNNING;
	if (!trial_status_from_name(name, &status))
		elog(ERROR, "unknown trial status \"%s\"", name);
	return status;
}

/*
 * A trial's hyperparameters must hold a scalar for each name of the space
 * (the table's constraint makes it an object); the error names the row.
 */
static void
catalog_check_trial_values(const Study *study, int trial_id, const HpSpace *space,
						   Jsonb *jb)
{
	for (int i = 0; i < space->n; i++)
	{
		const char *name = space->hps[i].name;
		JsonbValue	v;

		if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb) ||
			getKeyJsonValueFromContainer(&jb->root, name, strlen(name), &v) == NULL)
			continue;
		if (v.type == jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("trial %d of study \"%s\" has an invalid value for hyperparameter \"%s\"",
							trial_id, study->name, name),
					 errdetail("The row of hptune.trials with study_id %lld and trial_id %d has hyperparameters %s.",
							   (long long) study->study_id, trial_id,
							   JsonbToCString(NULL, &jb->root, 0)),
					 errhint("Store a number, a string or a boolean for each hyperparameter, or delete the row.")));
	}
}

/* every recorded trial of a study, with values aligned to the space */
TrialRecord *
catalog_load_trials(const Study *study, const HpSpace *space, int *ntrials)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(study->study_id)};
	TrialRecord *trials;

	SPI_connect();
	catalog_exec("SELECT trial_id, status, hyperparameters, score, values_hash"
				 " FROM hptune.trials WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " ORDER BY trial_id",
				 1, types, values, NULL, true);
	MemoryContextSwitchTo(caller);
	*ntrials = SPI_processed;
	trials = palloc0(sizeof(TrialRecord) * Max(*ntrials, 1));
	for (int i = 0; i < *ntrials; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		TrialRecord *t = &trials[i];
		Jsonb	   *hps;

		t->trial_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		t->status = catalog_status(catalog_text(tup, desc, 2));
		hps = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 3, &isnull));
		catalog_check_trial_values(study, t->trial_id, space, hps);
		hpjson_to_assignment(space, hps, &t->values);
		t->score = DatumGetFloat8(SPI_getbinval(tup, desc, 4, &isnull));
		t->has_score = !isnull;
		t->hash = hp_assignment_hash(space, &t->values);
	}
	SPI_finish();
	return trials;
}

/*
 * Lock the row a write depends on -- the study, or (trial_id >= 0) one of its
 * trials -- against deletion until the transaction ends; an error if it is
 * gone (dropped by another session during the search).
 */
static void
catalog_lock_parent(int64 study_id, int trial_id)
{
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(study_id), Int32GetDatum(trial_id)};

	if (trial_id < 0)
		catalog_exec("SELECT 1 FROM hptune.studies WHERE study_id OPERATOR(pg_catalog.=) $1"
					 " FOR KEY SHARE",
					 1, types, values, NULL, false);
	else
		catalog_exec("SELECT 1 FROM hptune.trials WHERE study_id OPERATOR(pg_catalog.=) $1"
					 " AND trial_id OPERATOR(pg_catalog.=) $2 FOR KEY SHARE",
					 2, types, values, NULL, false);
	if (SPI_processed == 0 && trial_id < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("study %lld no longer exists", (long long) study_id),
				 errdetail("It was dropped while it was being searched or trained."),
				 errhint("Create the study again to run a new search.")));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("trial %d of study %lld no longer exists", trial_id, (long long) study_id),
				 errdetail("It or its study was deleted while the trial ran."),
				 errhint("Create the study again to run a new search.")));
}

/*
 * Record a trial as RUNNING: a new row, or (rerun) the row of a trial a gone
 * session left unfinished, whose attempt count goes up.
 */
void
catalog_insert_trial(const Study *study, int trial_id, Jsonb *hps, uint64 hash,
					 bool rerun)
{
	Oid			types[4] = {INT8OID, INT4OID, JSONBOID, INT8OID};
	Datum		values[4];

	values[0] = Int64GetDatum(study->study_id);
	values[1] = Int32GetDatum(trial_id);
	values[2] = JsonbPGetDatum(hps);
	values[3] = Int64GetDatum((int64) hash);
	SPI_connect();
	catalog_lock_parent(study->study_id, -1);
	if (rerun)
		catalog_exec("DELETE FROM hptune.trial_metrics"
					 " WHERE study_id OPERATOR(pg_catalog.=) $1"
					 " AND trial_id OPERATOR(pg_catalog.=) $2",
					 2, types, values, NULL, false);
	if (rerun)
		catalog_exec("UPDATE hptune.trials SET status = 'RUNNING',"
					 " attempt = attempt OPERATOR(pg_catalog.+) 1,"
					 " backend_pid = pg_catalog.pg_backend_pid(),"
					 " started_at = pg_catalog.clock_timestamp(), score = NULL, metrics = NULL,"
					 " best_step = NULL, message = NULL, ended_at = NULL,"
					 " worker = NULL, lease_token = NULL, lease_expires_at = NULL"
					 " WHERE study_id OPERATOR(pg_catalog.=) $1"
					 " AND trial_id OPERATOR(pg_catalog.=) $2",
					 2, types, values, NULL, false);
	else
		catalog_exec("INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters,"
					 " values_hash, backend_pid, started_at)"
					 " VALUES ($1, $2, 'RUNNING', $3, $4, pg_catalog.pg_backend_pid(),"
					 " pg_catalog.clock_timestamp())",
					 4, types, values, NULL, false);
	SPI_finish();
}

void
catalog_finish_trial(const Study *study, int trial_id, TrialStatus status,
					 bool has_score, double score, Jsonb *metrics, int best_step,
					 const char *message)
{
	Oid			types[7] = {INT8OID, INT4OID, TEXTOID, FLOAT8OID, JSONBOID, INT4OID, TEXTOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = Int64GetDatum(study->study_id);
	values[1] = Int32GetDatum(trial_id);
	values[2] = CStringGetTextDatum(trial_status_name(status));
	values[3] = Float8GetDatum(score);
	nulls[3] = has_score ? ' ' : 'n';
	values[4] = metrics ? JsonbPGetDatum(metrics) : (Datum) 0;
	nulls[4] = metrics ? ' ' : 'n';
	values[5] = Int32GetDatum(best_step);
	nulls[5] = best_step >= 0 ? ' ' : 'n';
	values[6] = message ? CStringGetTextDatum(message) : (Datum) 0;
	nulls[6] = message ? ' ' : 'n';
	SPI_connect();
	catalog_lock_parent(study->study_id, trial_id);
	catalog_exec("UPDATE hptune.trials SET status = $3, score = $4, metrics = $5,"
				 " best_step = $6, message = $7, ended_at = pg_catalog.clock_timestamp()"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND trial_id OPERATOR(pg_catalog.=) $2",
				 7, types, values, nulls, false);
	SPI_finish();
}

void
catalog_insert_metrics(int64 study_id, int trial_id, int execution, int step,
					   const MetricValue *metrics, int n)
{
	Oid			types[6] = {INT8OID, INT4OID, INT4OID, INT4OID, TEXTARRAYOID, FLOAT8ARRAYOID};
	Datum		values[6];
	Datum	   *names;
	Datum	   *vals;

	if (n == 0)
		return;
	names = palloc(sizeof(Datum) * n);
	vals = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		names[i] = CStringGetTextDatum(metrics[i].name);
		vals[i] = Float8GetDatum(metrics[i].value);
	}
	values[0] = Int64GetDatum(study_id);
	values[1] = Int32GetDatum(trial_id);
	values[2] = Int32GetDatum(execution);
	values[3] = Int32GetDatum(step);
	values[4] = PointerGetDatum(construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[5] = PointerGetDatum(construct_array(vals, n, FLOAT8OID, 8, FLOAT8PASSBYVAL,
												TYPALIGN_DOUBLE));
	SPI_connect();
	catalog_lock_parent(study_id, trial_id);
	catalog_exec("INSERT INTO hptune.trial_metrics (study_id, trial_id, execution, step, name, value)"
				 " SELECT $1, $2, $3, $4, m.name, m.value"
				 " FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6)) AS m(name, value)",
				 6, types, values, NULL, false);
	SPI_finish();
}

int64
catalog_insert_model(const Study *study, int trial_id, int execution, int step,
					 const char *hypermodel, Jsonb *hps, bytea *blob)
{
	Oid			types[7] = {INT8OID, INT4OID, INT4OID, INT4OID, TEXTOID, JSONBOID, BYTEAOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int64		model_id;
	bool		isnull;

	values[0] = study ? Int64GetDatum(study->study_id) : (Datum) 0;
	nulls[0] = study ? ' ' : 'n';
	values[1] = Int32GetDatum(trial_id);
	nulls[1] = trial_id >= 0 ? ' ' : 'n';
	values[2] = Int32GetDatum(execution);
	nulls[2] = execution >= 0 ? ' ' : 'n';
	values[3] = Int32GetDatum(step);
	nulls[3] = step >= 0 ? ' ' : 'n';
	values[4] = CStringGetTextDatum(hypermodel);
	values[5] = JsonbPGetDatum(hps);
	values[6] = PointerGetDatum(blob);
	SPI_connect();
	if (study)
		catalog_lock_parent(study->study_id, trial_id);
	catalog_exec("INSERT INTO hptune.models (study_id, trial_id, execution, step,"
				 " hypermodel, hyperparameters, model)"
				 " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING model_id",
				 7, types, values, nulls, false);
	model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return model_id;
}

/* a stored model's blob, or an error naming the id when there is none */
bytea *
catalog_get_model(int64 model_id, char **hypermodel, Jsonb **hps)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(model_id)};
	bytea	   *blob = NULL;

	SPI_connect();
	catalog_exec("SELECT model, hypermodel, hyperparameters FROM hptune.models"
				 " WHERE model_id OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL, true);
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(caller);

		blob = DatumGetByteaPCopy(SPI_getbinval(tup, desc, 1, &isnull));
		if (hypermodel)
			*hypermodel = catalog_text(tup, desc, 2);
		if (hps)
			*hps = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 3, &isnull));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	if (blob == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model %lld does not exist", (long long) model_id),
				 errdetail("No row of hptune.models with model_id %lld is visible to this role.",
						   (long long) model_id),
				 errhint("Find model ids with hptune.best_models() or in hptune.models.")));
	return blob;
}

/*
 * Reads for the trial loop and the summaries
 */

/* the statement returns at least one row */
static bool
catalog_has_row(const char *sql, int nargs, Oid *types, Datum *values,
				bool read_only)
{
	bool		found;

	SPI_connect();
	catalog_exec(sql, nargs, types, values, NULL, read_only);
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/* the study's row is still there (under the current snapshot) */
bool
catalog_study_exists(int64 study_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(study_id)};

	return catalog_has_row("SELECT 1 FROM hptune.studies"
						   " WHERE study_id OPERATOR(pg_catalog.=) $1",
				 1, types, values, false);
}

/*
 * A trial to run again: one a gone session left RUNNING (a cancelled or
 * killed tune() or background worker, whose backend is not this one and no
 * longer exists), one whose lease has lapsed, or one put back as PENDING.
 */
bool
catalog_trial_is_orphan(int64 study_id, int trial_id)
{
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(study_id), Int32GetDatum(trial_id)};

	return catalog_has_row("SELECT 1 FROM hptune.trials t"
				 " WHERE t.study_id OPERATOR(pg_catalog.=) $1"
				 " AND t.trial_id OPERATOR(pg_catalog.=) $2"
				 " AND (t.status OPERATOR(pg_catalog.=) 'PENDING'"
				 " OR t.status OPERATOR(pg_catalog.=) 'RUNNING'"
				 " AND (t.lease_expires_at OPERATOR(pg_catalog.<) pg_catalog.clock_timestamp()"
				 " OR t.lease_expires_at IS NULL AND t.backend_pid IS NULL"
				 " OR t.backend_pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()"
				 " OR t.backend_pid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a"
				 " WHERE a.pid OPERATOR(pg_catalog.=) t.backend_pid)))",
				 2, types, values, true);
}

/* some recorded trial of the study has a value for this hyperparameter */
bool
catalog_hp_name_used(int64 study_id, const char *name)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2] = {Int64GetDatum(study_id), CStringGetTextDatum(name)};

	return catalog_has_row("SELECT 1 FROM hptune.trials"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND hyperparameters OPERATOR(pg_catalog.?) $2 LIMIT 1",
				 2, types, values, true);
}

/* the best n completed trials in the study's direction, best first */
TrialScore *
catalog_best_trials(const Study *study, int n, int *count)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(study->study_id), Int32GetDatum(n)};
	TrialScore *out;

	SPI_connect();
	catalog_exec(study->maximize ?
				 "SELECT trial_id, hyperparameters, score FROM hptune.trials"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND status OPERATOR(pg_catalog.=) 'COMPLETED'"
				 " ORDER BY score DESC NULLS LAST, trial_id LIMIT $2" :
				 "SELECT trial_id, hyperparameters, score FROM hptune.trials"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND status OPERATOR(pg_catalog.=) 'COMPLETED'"
				 " ORDER BY score ASC NULLS LAST, trial_id LIMIT $2",
				 2, types, values, NULL, true);
	out = MemoryContextAlloc(caller, sizeof(TrialScore) * Max(SPI_processed, 1));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext spi = MemoryContextSwitchTo(caller);

		out[r].trial_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		out[r].hyperparameters = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 2, &isnull));
		out[r].score = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
		out[r].has_score = !isnull;
		MemoryContextSwitchTo(spi);
	}
	*count = (int) SPI_processed;
	SPI_finish();
	return out;
}

/* the row version holding a model now; false when no row is visible */
bool
catalog_model_version(int64 model_id, ModelVersion *v)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(model_id)};
	bool		found = false;

	memset(v, 0, sizeof(*v));
	v->model_id = model_id;
	SPI_connect();
	catalog_exec("SELECT tableoid, ctid, xmin,"
				 " pg_catalog.substring(model, 1, " CppAsString2(CATALOG_MODEL_HEADER) ")"
				 " FROM hptune.models WHERE model_id OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL, true);
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d;

		v->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(tup, desc, 2, &isnull)), &v->ctid);
		v->xmin = DatumGetTransactionId(SPI_getbinval(tup, desc, 3, &isnull));
		d = SPI_getbinval(tup, desc, 4, &isnull);
		if (!isnull)
		{
			bytea	   *h = DatumGetByteaPP(d);

			v->header_len = Min(VARSIZE_ANY_EXHDR(h), CATALOG_MODEL_HEADER);
			memcpy(v->header, VARDATA_ANY(h), v->header_len);
		}
		found = true;
	}
	SPI_finish();
	return found;
}

/* the hyperparameters of a study's best completed trial; NULL when none */
Jsonb *
catalog_best_hyperparameters(int64 study_id)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(study_id)};
	Jsonb	   *best = NULL;

	SPI_connect();
	catalog_exec("SELECT hyperparameters FROM hptune.leaderboard"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " ORDER BY rank, trial_id LIMIT 1",
				 1, types, values, NULL, true);
	if (SPI_processed == 1)
	{
		bool		isnull;
		MemoryContext spi = MemoryContextSwitchTo(caller);

		best = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return best;
}

/*
 * A trial's last-epoch state for a Hyperband continuation
 * (hptune.checkpoints), replacing one an earlier attempt left.
 */
void
catalog_insert_checkpoint(int64 study_id, int trial_id, int execution, int epochs,
						  bytea *model, bytea *optimizer_state)
{
	Oid			types[6] = {INT8OID, INT4OID, INT4OID, INT4OID, BYTEAOID, BYTEAOID};
	Datum		values[6];

	values[0] = Int64GetDatum(study_id);
	values[1] = Int32GetDatum(trial_id);
	values[2] = Int32GetDatum(execution);
	values[3] = Int32GetDatum(epochs);
	values[4] = PointerGetDatum(model);
	values[5] = PointerGetDatum(optimizer_state);
	SPI_connect();
	catalog_lock_parent(study_id, trial_id);
	catalog_exec("INSERT INTO hptune.checkpoints (study_id, trial_id, execution, epochs,"
				 " model, optimizer_state) VALUES ($1, $2, $3, $4, $5, $6)"
				 " ON CONFLICT (study_id, trial_id, execution) DO UPDATE"
				 " SET epochs = excluded.epochs, model = excluded.model,"
				 " optimizer_state = excluded.optimizer_state,"
				 " created_at = pg_catalog.now()",
				 6, types, values, NULL, false);
	SPI_finish();
}

/* a trial's checkpoints are no longer needed (its continuation finished) */
void
catalog_delete_checkpoints(int64 study_id, int trial_id)
{
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(study_id), Int32GetDatum(trial_id)};

	SPI_connect();
	catalog_exec("DELETE FROM hptune.checkpoints WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND trial_id OPERATOR(pg_catalog.=) $2",
				 2, types, values, NULL, false);
	SPI_finish();
}

/*
 * A trial's checkpoint, copied into the caller's context; false if none.
 * Read with a fresh snapshot (not read-only): the parent may have been
 * trained earlier in this very search() call.
 */
bool
catalog_get_checkpoint(int64 study_id, int trial_id, int execution, bytea **model,
					   bytea **optimizer_state, int *epochs)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[3] = {INT8OID, INT4OID, INT4OID};
	Datum		values[3] = {Int64GetDatum(study_id), Int32GetDatum(trial_id),
	Int32GetDatum(execution)};
	bool		found;

	SPI_connect();
	catalog_exec("SELECT model, optimizer_state, epochs FROM hptune.checkpoints"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND trial_id OPERATOR(pg_catalog.=) $2"
				 " AND execution OPERATOR(pg_catalog.=) $3",
				 3, types, values, NULL, false);
	found = SPI_processed == 1;
	if (found)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(caller);

		*model = DatumGetByteaPCopy(SPI_getbinval(tup, desc, 1, &isnull));
		*optimizer_state = DatumGetByteaPCopy(SPI_getbinval(tup, desc, 2, &isnull));
		*epochs = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return found;
}

/*
 * The intermediate values of the trials (those a pruner judges by): the
 * objective at every step of execution 0, from hptune.trial_metrics, into
 * the records of trials (sorted by trial_id, as catalog_load_trials gives
 * them).  A NULL value (not finite when it was stored) reads as NaN.
 */
void
catalog_load_intermediate(const Study *study, TrialRecord *trials, int ntrials)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2] = {Int64GetDatum(study->study_id),
	CStringGetTextDatum(study->objective)};
	int			t = 0;

	SPI_connect();
	catalog_exec("SELECT trial_id, step, value FROM hptune.trial_metrics"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND execution OPERATOR(pg_catalog.=) 0"
				 " AND name OPERATOR(pg_catalog.=) $2"
				 " ORDER BY trial_id, step",
				 2, types, values, NULL, true);
	MemoryContextSwitchTo(caller);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int			trial_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		int			step = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		double		value = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
		TrialRecord *rec;

		if (isnull)
			value = get_float8_nan();
		while (t < ntrials && trials[t].trial_id < trial_id)
			t++;
		if (t == ntrials || trials[t].trial_id != trial_id)
			continue;
		rec = &trials[t];
		if (rec->nsteps % 16 == 0)
		{
			rec->steps = rec->steps ? repalloc(rec->steps, sizeof(int) * (rec->nsteps + 16))
				: palloc(sizeof(int) * 16);
			rec->step_values = rec->step_values
				? repalloc(rec->step_values, sizeof(double) * (rec->nsteps + 16))
				: palloc(sizeof(double) * 16);
		}
		rec->steps[rec->nsteps] = step;
		rec->step_values[rec->nsteps++] = value;
	}
	SPI_finish();
}

/*
 * Leased trials (suggest, report, complete; lease.c)
 *
 * A trial handed out by suggest is a RUNNING row with a lease: a token and
 * an expiry time from the database clock.  A lease that lapses puts the
 * trial back as PENDING (or FAILED after max_attempts attempts), and the
 * next suggest claims it again with a new token.  Claims and expiries skip
 * rows another session has locked, so concurrent callers never wait on each
 * other's rows and never get the same trial.
 */

/*
 * Put back the study's trials whose lease has lapsed, and the RUNNING trials
 * whose backend is gone (a killed tune() or background worker, a server
 * crash): PENDING, or FAILED when they have had max_attempts attempts.  A
 * trial suggest() handed out names no backend: only its lease counts, since
 * an external trainer may call from a new session each time.  A background
 * worker heart-beats through pg_stat_activity instead, whose state_change it
 * moves as each epoch starts and every quarter second of training: its lease
 * lapses only when that is older than lease_seconds too (a worker stopped,
 * or stuck outside training, such as in a long objective function call).
 */
void
catalog_expire_leases(int64 study_id, int max_attempts, int lease_seconds)
{
	Oid			types[3] = {INT8OID, INT4OID, INT4OID};
	Datum		values[3] = {Int64GetDatum(study_id), Int32GetDatum(max_attempts),
	Int32GetDatum(lease_seconds)};

	SPI_connect();
	catalog_exec("UPDATE hptune.trials t SET"
				 " status = CASE WHEN t.attempt OPERATOR(pg_catalog.>=) $2"
				 " THEN 'FAILED' ELSE 'PENDING' END,"
				 " message = CASE WHEN t.attempt OPERATOR(pg_catalog.>=) $2"
				 " THEN pg_catalog.format('lease lost %s times: its worker stopped heart-beating each time', t.attempt)"
				 " ELSE NULL END,"
				 " ended_at = CASE WHEN t.attempt OPERATOR(pg_catalog.>=) $2"
				 " THEN pg_catalog.clock_timestamp() ELSE NULL END,"
				 " lease_token = NULL, lease_expires_at = NULL, backend_pid = NULL"
				 " WHERE t.study_id OPERATOR(pg_catalog.=) $1 AND t.trial_id"
				 " OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT e.trial_id FROM hptune.trials e"
				 " WHERE e.study_id OPERATOR(pg_catalog.=) $1"
				 " AND e.status OPERATOR(pg_catalog.=) 'RUNNING'"
				 " AND (e.lease_expires_at OPERATOR(pg_catalog.<) pg_catalog.clock_timestamp()"
				 " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a"
				 " WHERE a.pid OPERATOR(pg_catalog.=) e.backend_pid"
				 " AND a.state_change OPERATOR(pg_catalog.>) (pg_catalog.clock_timestamp()"
				 " OPERATOR(pg_catalog.-) pg_catalog.make_interval(secs => $3)))"
				 " OR (e.backend_pid IS NOT NULL"
				 " AND e.backend_pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()"
				 " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a"
				 " WHERE a.pid OPERATOR(pg_catalog.=) e.backend_pid)))"
				 " FOR NO KEY UPDATE SKIP LOCKED))",
				 3, types, values, NULL, false);
	SPI_finish();
}

/* copy a claimed or new trial's RETURNING row (trial_id, hyperparameters, lease_token) */
static void
catalog_leased_row(LeasedTrial *out, MemoryContext caller)
{
	HeapTuple	tup = SPI_tuptable->vals[0];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;
	MemoryContext spi = MemoryContextSwitchTo(caller);

	out->trial_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
	out->hyperparameters = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 2, &isnull));
	out->lease = datumCopy(SPI_getbinval(tup, desc, 3, &isnull), false, UUID_LEN);
	MemoryContextSwitchTo(spi);
}

/*
 * Claim the study's first PENDING trial nobody else is claiming; false when
 * there is none.  The previous attempt's metrics go.
 */
bool
catalog_claim_trial(int64 study_id, const char *worker, bool bound, int lease_seconds,
					LeasedTrial *out)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[4] = {INT8OID, TEXTOID, INT4OID, BOOLOID};
	Datum		values[4];
	char		nulls[4] = {' ', worker ? ' ' : 'n', ' ', ' '};
	bool		found;

	values[0] = Int64GetDatum(study_id);
	values[1] = worker ? CStringGetTextDatum(worker) : (Datum) 0;
	values[2] = Int32GetDatum(lease_seconds);
	values[3] = BoolGetDatum(bound);
	SPI_connect();
	catalog_exec("UPDATE hptune.trials t SET status = 'RUNNING',"
				 " attempt = t.attempt OPERATOR(pg_catalog.+) 1, worker = $2,"
				 " lease_token = pg_catalog.gen_random_uuid(),"
				 " lease_expires_at = pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+)"
				 " pg_catalog.make_interval(secs => $3),"
				 " backend_pid = CASE WHEN $4 THEN pg_catalog.pg_backend_pid() END,"
				 " started_at = pg_catalog.clock_timestamp(), score = NULL, metrics = NULL,"
				 " best_step = NULL, message = NULL, ended_at = NULL"
				 " WHERE t.study_id OPERATOR(pg_catalog.=) $1 AND t.trial_id OPERATOR(pg_catalog.=)"
				 " (SELECT p.trial_id FROM hptune.trials p"
				 " WHERE p.study_id OPERATOR(pg_catalog.=) $1"
				 " AND p.status OPERATOR(pg_catalog.=) 'PENDING'"
				 " ORDER BY p.trial_id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED)"
				 " RETURNING t.trial_id, t.hyperparameters, t.lease_token",
				 4, types, values, nulls, false);
	found = SPI_processed == 1;
	if (found)
	{
		Oid			dtypes[2] = {INT8OID, INT4OID};
		Datum		dvalues[2];

		catalog_leased_row(out, caller);
		dvalues[0] = Int64GetDatum(study_id);
		dvalues[1] = Int32GetDatum(out->trial_id);
		catalog_exec("DELETE FROM hptune.trial_metrics"
					 " WHERE study_id OPERATOR(pg_catalog.=) $1"
					 " AND trial_id OPERATOR(pg_catalog.=) $2",
					 2, dtypes, dvalues, NULL, false);
	}
	SPI_finish();
	return found;
}

/* record a new trial from the oracle as RUNNING under a new lease */
void
catalog_insert_leased_trial(const Study *study, int trial_id, Jsonb *hps, uint64 hash,
							const char *worker, bool bound, int lease_seconds,
							LeasedTrial *out)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[7] = {INT8OID, INT4OID, JSONBOID, INT8OID, TEXTOID, INT4OID, BOOLOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', worker ? ' ' : 'n', ' ', ' '};

	values[0] = Int64GetDatum(study->study_id);
	values[1] = Int32GetDatum(trial_id);
	values[2] = JsonbPGetDatum(hps);
	values[3] = Int64GetDatum((int64) hash);
	values[4] = worker ? CStringGetTextDatum(worker) : (Datum) 0;
	values[5] = Int32GetDatum(lease_seconds);
	values[6] = BoolGetDatum(bound);
	SPI_connect();
	catalog_lock_parent(study->study_id, -1);
	catalog_exec("INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters,"
				 " values_hash, backend_pid, started_at, worker, lease_token, lease_expires_at)"
				 " VALUES ($1, $2, 'RUNNING', $3, $4, CASE WHEN $7 THEN pg_catalog.pg_backend_pid() END,"
				 " pg_catalog.clock_timestamp(), $5, pg_catalog.gen_random_uuid(),"
				 " pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) pg_catalog.make_interval(secs => $6))"
				 " RETURNING trial_id, hyperparameters, lease_token",
				 7, types, values, nulls, false);
	catalog_leased_row(out, caller);
	SPI_finish();
}

/*
 * Lock a trial's row for a report or complete and say where its lease
 * stands; false when no such trial is visible.  A lease this backend holds
 * (a background worker's) has not expired as long as nobody put the trial
 * back: the worker heart-beats through pg_stat_activity.
 */
bool
catalog_lock_lease(int64 study_id, int trial_id, LeaseState *st)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(study_id), Int32GetDatum(trial_id)};
	bool		found;

	memset(st, 0, sizeof(LeaseState));
	SPI_connect();
	catalog_exec("SELECT status, lease_token, lease_expires_at::pg_catalog.text,"
				 " lease_expires_at OPERATOR(pg_catalog.<) pg_catalog.clock_timestamp()"
				 " AND backend_pid IS DISTINCT FROM pg_catalog.pg_backend_pid(),"
				 " attempt, worker"
				 " FROM hptune.trials WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND trial_id OPERATOR(pg_catalog.=) $2 FOR NO KEY UPDATE",
				 2, types, values, NULL, false);
	found = SPI_processed == 1;
	if (found)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d;
		MemoryContext spi = MemoryContextSwitchTo(caller);

		st->status = catalog_text(tup, desc, 1);
		d = SPI_getbinval(tup, desc, 2, &isnull);
		st->lease = isnull ? (Datum) 0 : datumCopy(d, false, UUID_LEN);
		st->has_lease = !isnull;
		st->expires_at = catalog_text(tup, desc, 3);
		st->expired = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull)) && !isnull;
		st->attempt = DatumGetInt32(SPI_getbinval(tup, desc, 5, &isnull));
		st->worker = catalog_text(tup, desc, 6);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return found;
}

/* push a held lease's expiry lease_seconds past now */
void
catalog_renew_lease(int64 study_id, int trial_id, int lease_seconds)
{
	Oid			types[3] = {INT8OID, INT4OID, INT4OID};
	Datum		values[3] = {Int64GetDatum(study_id), Int32GetDatum(trial_id),
	Int32GetDatum(lease_seconds)};

	SPI_connect();
	catalog_exec("UPDATE hptune.trials SET lease_expires_at = pg_catalog.clock_timestamp()"
				 " OPERATOR(pg_catalog.+) pg_catalog.make_interval(secs => $3)"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND trial_id OPERATOR(pg_catalog.=) $2",
				 3, types, values, NULL, false);
	SPI_finish();
}

/*
 * Store one step's metrics of a leased trial (execution 0); a step
 * reported again replaces its values.
 */
void
catalog_upsert_metrics(int64 study_id, int trial_id, int step, Jsonb *metrics)
{
	Oid			types[4] = {INT8OID, INT4OID, INT4OID, JSONBOID};
	Datum		values[4] = {Int64GetDatum(study_id), Int32GetDatum(trial_id),
	Int32GetDatum(step), JsonbPGetDatum(metrics)};

	SPI_connect();
	catalog_exec("INSERT INTO hptune.trial_metrics (study_id, trial_id, execution, step, name, value)"
				 " SELECT $1, $2, 0, $3, m.key, (m.value OPERATOR(pg_catalog.#>>) '{}')::pg_catalog.float8"
				 " FROM pg_catalog.jsonb_each($4) AS m"
				 " WHERE pg_catalog.jsonb_typeof(m.value) OPERATOR(pg_catalog.=) 'number'"
				 " ON CONFLICT (study_id, trial_id, execution, step, name)"
				 " DO UPDATE SET value = excluded.value",
				 4, types, values, NULL, false);
	SPI_finish();
}

/* a leased trial's result (COMPLETED, or FAILED with a message); its lease ends */
void
catalog_end_leased_trial(int64 study_id, int trial_id, TrialStatus status, bool has_score,
						 double score, Jsonb *metrics, int best_step, const char *message)
{
	Oid			types[7] = {INT8OID, INT4OID, TEXTOID, FLOAT8OID, JSONBOID, TEXTOID, INT4OID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', has_score ? ' ' : 'n', metrics ? ' ' : 'n',
	message ? ' ' : 'n', best_step >= 0 ? ' ' : 'n'};

	values[0] = Int64GetDatum(study_id);
	values[1] = Int32GetDatum(trial_id);
	values[2] = CStringGetTextDatum(trial_status_name(status));
	values[3] = Float8GetDatum(score);
	values[4] = metrics ? JsonbPGetDatum(metrics) : (Datum) 0;
	values[5] = message ? CStringGetTextDatum(message) : (Datum) 0;
	values[6] = Int32GetDatum(best_step);
	SPI_connect();
	catalog_exec("UPDATE hptune.trials SET status = $3, score = $4, metrics = $5,"
				 " message = $6, best_step = $7, ended_at = pg_catalog.clock_timestamp(),"
				 " lease_token = NULL, lease_expires_at = NULL"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND trial_id OPERATOR(pg_catalog.=) $2",
				 7, types, values, nulls, false);
	SPI_finish();
}

/*
 * The trials the workers of one search (worker labels starting with prefix)
 * finished since it started, in the order they ended, read with a fresh
 * snapshot: what they committed so far.
 */
FinishedTrial *
catalog_finished_by(int64 study_id, const char *prefix, int *count)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2] = {Int64GetDatum(study_id), CStringGetTextDatum(prefix)};
	FinishedTrial *out;

	SPI_connect();
	catalog_exec("SELECT trial_id, status, score, hyperparameters, message,"
				 " pg_catalog.date_part('epoch', ended_at OPERATOR(pg_catalog.-) started_at)"
				 " FROM hptune.trials WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND pg_catalog.starts_with(worker, $2)"
				 " AND status OPERATOR(pg_catalog.<>) 'RUNNING'"
				 " AND status OPERATOR(pg_catalog.<>) 'PENDING'"
				 " ORDER BY ended_at, trial_id",
				 2, types, values, NULL, false);
	out = MemoryContextAllocZero(caller, sizeof(FinishedTrial) * Max(SPI_processed, 1));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext spi = MemoryContextSwitchTo(caller);

		out[r].trial_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		out[r].status = catalog_status(catalog_text(tup, desc, 2));
		out[r].score = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
		out[r].has_score = !isnull;
		out[r].hyperparameters = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 4, &isnull));
		out[r].message = catalog_text(tup, desc, 5);
		out[r].seconds = DatumGetFloat8(SPI_getbinval(tup, desc, 6, &isnull));
		if (isnull)
			out[r].seconds = 0;
		MemoryContextSwitchTo(spi);
	}
	*count = (int) SPI_processed;
	SPI_finish();
	return out;
}

/* this transaction wrote the study's row (created or updated it) */
bool
catalog_study_is_new(int64 study_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(study_id)};
	bool		is_new = false;

	SPI_connect();
	catalog_exec("SELECT xmin FROM hptune.studies WHERE study_id OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL, true);
	if (SPI_processed == 1)
	{
		bool		isnull;

		is_new = TransactionIdIsCurrentTransactionId(
			DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)));
	}
	SPI_finish();
	return is_new;
}

/*
 * Put a trial back as PENDING if this lease still holds it (its worker was
 * terminated mid-trial).
 */
void
catalog_release_lease(int64 study_id, int trial_id, Datum lease)
{
	Oid			types[3] = {INT8OID, INT4OID, UUIDOID};
	Datum		values[3] = {Int64GetDatum(study_id), Int32GetDatum(trial_id), lease};

	SPI_connect();
	catalog_exec("UPDATE hptune.trials SET status = 'PENDING', lease_token = NULL,"
				 " lease_expires_at = NULL, backend_pid = NULL"
				 " WHERE study_id OPERATOR(pg_catalog.=) $1"
				 " AND trial_id OPERATOR(pg_catalog.=) $2"
				 " AND status OPERATOR(pg_catalog.=) 'RUNNING'"
				 " AND lease_token OPERATOR(pg_catalog.=) $3",
				 3, types, values, NULL, false);
	SPI_finish();
}
