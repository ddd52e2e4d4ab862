/*-------------------------------------------------------------------------
 *
 * runner.c
 *	  The trial loop behind hptune.search() and CALL hptune.tune().
 *
 * A search call works in three phases:
 *
 * 1. Set-up.  Read the study, its search space (the hypermodel's rows
 *	  overridden by the user's) and every trial recorded so far; read the
 *	  training data once (loader.c), shared by all trials; check that the
 *	  objective can be computed before anything trains; rebuild the oracle
 *	  from the history.
 *
 * 2. Trials.  Trials left RUNNING by a session that is gone (a cancelled or
 *	  killed tune()) are run again first, with their own values.  Then,
 *	  until the study holds max_trials trials or the oracle has nothing new,
 *	  ask the oracle, record the trial as RUNNING, and run it inside a
 *	  subtransaction: an error raised by the objective function or by
 *	  training rolls back only that trial's work and marks it FAILED with the
 *	  error text; a cancel is never swallowed.  Three failures in a row end
 *	  the search with an error quoting the last one.
 *
 * 3. Each finished trial is written back (status, score, metrics), a
 *	  NOTICE block in KerasTuner's words reports it, and a row goes to the
 *	  caller.  Under CALL hptune.tune() the transaction is committed after
 *	  the RUNNING row and again after the result, so a cancel or crash keeps
 *	  every finished trial and the next call resumes.
 *
 * All state that must outlive a commit lives in a memory context under the
 * caller's; each trial gets its own context, reset when it ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "hptune.h"

#define RUNNER_MAX_CONSECUTIVE_FAILURES 3

typedef struct Runner
{
	Study	   *study;
	const SearchArgs *args;
	bool		nonatomic;
	HpSpace    *space;
	Oracle	   *oracle;
	TrainData  *data;			/* NULL for an objective function */
	uint64		seed;
	int			ntrials;		/* recorded in the table */
	bool		has_best;
	double		best;
	instr_time	start;
	char	   *last_failure;	/* message of the last failed trial */
	Tuplestorestate *out;
	TupleDesc	outdesc;
} Runner;

typedef struct TrialResult
{
	TrialStatus status;
	bool		has_score;
	double		score;
	Jsonb	   *metrics;
	int			best_step;
	char	   *message;
} TrialResult;

static double
runner_elapsed(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_DOUBLE(now);
}

static bool
runner_better(const Runner *r, double a, double b)
{
	return r->study->maximize ? a > b : a < b;
}

/*
 * Check that the caller may run the objective function, and run it with
 * the trial's values.  A number is the objective; a jsonb object is a set
 * of named metrics of which the study's objective is one.
 */
static void
runner_call_function(Runner *r, Jsonb *hps, TrialResult *res)
{
	Oid			fn = r->study->objective_function;
	Oid			rettype = get_func_rettype(fn);
	Datum		result;
	LOCAL_FCINFO(fcinfo, 1);
	FmgrInfo	flinfo;

	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = JsonbPGetDatum(hps);
	fcinfo->args[0].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("objective function %s returned null", format_procedure(fn)),
				 errhint("Return a number, or a jsonb object holding \"%s\".",
						 r->study->objective)));
	if (rettype == JSONBOID)
	{
		Jsonb	   *jb = DatumGetJsonbPCopy(result);
		JsonbValue	v;
		const char *obj = r->study->objective;

		if (!JB_ROOT_IS_OBJECT(jb) ||
			getKeyJsonValueFromContainer(&jb->root, obj, strlen(obj), &v) == NULL ||
			v.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("objective function result has no number named \"%s\"", obj),
					 errdetail("The function returned %s.", JsonbToCString(NULL, &jb->root, 0)),
					 errhint("Return a jsonb object with a numeric \"%s\" key, or create the study with the objective the function returns.",
							 obj)));
		res->score = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
														NumericGetDatum(v.val.numeric)));
		res->metrics = jb;
	}
	else
	{
		StringInfoData buf;

		res->score = DatumGetFloat8(result);
		initStringInfo(&buf);
		appendStringInfoChar(&buf, '{');
		escape_json(&buf, r->study->objective);
		appendStringInfoString(&buf, ": ");
		hp_value_append_json(&buf, (HpValue) {.type = HPV_FLOAT, .f = res->score});
		appendStringInfoChar(&buf, '}');
		res->metrics = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
														  CStringGetDatum(buf.data)));
	}
	if (isnan(res->score) || isinf(res->score))
		ereport(ERROR,
				(errcode(ERRCODE_FLOATING_POINT_EXCEPTION),
				 errmsg("objective \"%s\" is not a finite number", r->study->objective),
				 errdetail("The value is %g.", res->score),
				 errhint("Make the objective function return finite values.")));
	res->has_score = true;
	res->best_step = 0;
}

/* run one trial's work; errors propagate to runner_run_trial */
static void
runner_trial_body(Runner *r, int trial_id, const HpAssignment *values,
				  Jsonb *hps, TrialResult *res)
{
	if (OidIsValid(r->study->objective_function))
		runner_call_function(r, hps, res);
	else
	{
		TrialTraining *tt = train_trial(r->study, r->study->hypermodel, trial_id,
										r->space, values, r->data, r->args,
										r->study->objective, r->study->maximize,
										r->seed, r->study->executions_per_trial);

		res->score = tt->score;
		res->has_score = true;
		res->metrics = tt->metrics;
		res->best_step = tt->best_step;
	}
	res->status = TRIAL_COMPLETED;
}

/*
 * Run a trial inside a subtransaction, so that its failure rolls back only
 * its own work.  Cancels and timeouts are re-thrown.
 */
static void
runner_run_trial(Runner *r, int trial_id, const HpAssignment *values,
				 Jsonb *hps, TrialResult *res)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	memset(res, 0, sizeof(TrialResult));
	res->best_step = -1;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		runner_trial_body(r, trial_id, values, hps, res);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);
		res->status = TRIAL_FAILED;
		res->has_score = false;
		res->metrics = NULL;
		res->best_step = -1;
		res->message = pstrdup(edata->message);
	}
	PG_END_TRY();
}

static void
runner_notice(Runner *r, int trial_id, const TrialResult *res, double seconds)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "Trial %d %s [%s]\n", trial_id + 1,
					 res->status == TRIAL_COMPLETED ? "Complete" : "Failed",
					 format_hms(seconds));
	if (res->has_score)
	{
		appendStringInfo(&buf, "%s: ", r->study->objective);
		append_python_float(&buf, res->score);
	}
	else
		appendStringInfo(&buf, "%s", res->message ? res->message : "");
	appendStringInfo(&buf, "\n\nBest %s So Far: ", r->study->objective);
	if (r->has_best)
		append_python_float(&buf, r->best);
	else
		appendStringInfoString(&buf, "None");
	appendStringInfo(&buf, "\nTotal elapsed time: %s", format_hms(runner_elapsed(r->start)));
	ereport(NOTICE, (errmsg_internal("%s", buf.data)));
}

static void
runner_commit(Runner *r)
{
	if (r->nonatomic)
		SPI_commit();
}

/* run, record and report one trial */
static bool
runner_trial(Runner *r, int trial_id, const HpAssignment *values, bool rerun)
{
	MemoryContext trialcxt = AllocSetContextCreate(CurrentMemoryContext,
												   "hptune trial",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(trialcxt);
	uint64		hash = hp_assignment_hash(r->space, values);
	Jsonb	   *hps = hp_assignment_to_jsonb(r->space, values);
	instr_time	start;
	TrialResult res;
	bool		ok;

	INSTR_TIME_SET_CURRENT(start);
	catalog_insert_trial(r->study, trial_id, hps, hash, rerun);
	runner_commit(r);

	runner_run_trial(r, trial_id, values, hps, &res);
	catalog_finish_trial(r->study, trial_id, res.status, res.has_score, res.score,
						 res.metrics, res.best_step, res.message);
	oracle_end_trial(r->oracle, trial_id, values, res.status, res.score, res.has_score);
	if (res.has_score && (!r->has_best || runner_better(r, res.score, r->best)))
	{
		r->best = res.score;
		r->has_best = true;
	}
	runner_notice(r, trial_id, &res, runner_elapsed(start));

	if (r->out)
	{
		Datum		cols[4];
		bool		nulls[4] = {false, false, !res.has_score, false};

		cols[0] = Int32GetDatum(trial_id);
		cols[1] = CStringGetTextDatum(trial_status_name(res.status));
		cols[2] = Float8GetDatum(res.score);
		cols[3] = JsonbPGetDatum(hps);
		tuplestore_putvalues(r->out, r->outdesc, cols, nulls);
	}
	ok = res.status == TRIAL_COMPLETED;
	if (!ok)
	{
		/* keep the message for the consecutive-failure error */
		MemoryContextSwitchTo(old);
		r->last_failure = pstrdup(res.message ? res.message : "");
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(trialcxt);
	runner_commit(r);
	return ok;
}

static void
runner_failures(Runner *r, int *consecutive, bool ok)
{
	*consecutive = ok ? 0 : *consecutive + 1;
	if (*consecutive >= RUNNER_MAX_CONSECUTIVE_FAILURES)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("search of study \"%s\" stopped after %d consecutive failed trials",
						r->study->name, *consecutive),
				 errdetail("The last trial failed with: %s", r->last_failure),
				 errhint("Fix the cause, then run the search again: finished trials are kept in hptune.trials.")));
}

/*
 * Trials a gone session left RUNNING (a cancelled or killed tune()): their
 * backend is not this one and no longer exists.
 */
static bool
runner_is_orphan(Runner *r, int trial_id)
{
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(r->study->study_id), Int32GetDatum(trial_id)};
	bool		orphan;

	SPI_connect();
	if (SPI_execute_with_args("SELECT 1 FROM hptune.trials t WHERE study_id = $1"
							  " AND trial_id = $2 AND status = 'RUNNING'"
							  " AND (backend_pid IS NULL OR backend_pid = pg_catalog.pg_backend_pid()"
							  " OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a"
							  " WHERE a.pid = t.backend_pid))",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read trials");
	orphan = SPI_processed == 1;
	SPI_finish();
	return orphan;
}

static void
runner_setup(Runner *r, Study *study)
{
	TrialRecord *history;
	int			nhistory;
	OracleConfig config;

	r->study = study;
	if (OidIsValid(r->study->objective_function))
		api_check_execute(r->study->objective_function);
	r->space = catalog_load_space(r->study);
	if (r->space->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("study \"%s\" has no hyperparameters", r->study->name),
				 errdetail("hptune.hyperparameters holds no row for it and it has no hypermodel."),
				 errhint("Register some with hptune.hp_int(), hp_float(), hp_choice(), hp_boolean() or hp_fixed().")));
	if (!OidIsValid(r->study->objective_function))
	{
		if (r->args->train == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("study \"%s\" trains a model and needs training data", r->study->name),
					 errdetail("train is null."),
					 errhint("Pass train => a query whose last column is the label.")));
		r->data = loader_load(r->args, r->study->objective);
		train_check_objective(r->data, r->study->objective);
	}

	history = catalog_load_trials(r->study, r->space, &nhistory);
	r->ntrials = nhistory;
	for (int i = 0; i < nhistory; i++)
		if (history[i].status == TRIAL_COMPLETED && history[i].has_score &&
			(!r->has_best || runner_better(r, history[i].score, r->best)))
		{
			r->best = history[i].score;
			r->has_best = true;
		}

	r->seed = r->study->has_seed ? (uint64) r->study->seed :
		(uint64) r->study->study_id * UINT64CONST(0x9E3779B97F4A7C15);
	memset(&config, 0, sizeof(config));
	config.tuner = r->study->tuner;
	config.space = r->space;
	config.seed = r->seed;
	config.max_trials = r->study->max_trials;
	config.maximize = r->study->maximize;
	config.options = r->study->tuner_options;
	r->oracle = oracle_create(&config, history, nhistory);
}

/* the trials: first those a gone session left unfinished, then new ones */
static void
runner_run(Runner *r)
{
	int			consecutive = 0;
	int			norphans = r->oracle->ntrials;
	TrialRecord *orphans = palloc(sizeof(TrialRecord) * Max(norphans, 1));

	memcpy(orphans, r->oracle->trials, sizeof(TrialRecord) * norphans);
	for (int i = 0; i < norphans; i++)
	{
		if (orphans[i].status != TRIAL_RUNNING || !runner_is_orphan(r, orphans[i].trial_id))
			continue;
		CHECK_FOR_INTERRUPTS();
		runner_failures(r, &consecutive,
						runner_trial(r, orphans[i].trial_id, &orphans[i].values, true));
	}

	/* then new trials, until the budget is spent or the space exhausted */
	while (r->ntrials < r->study->max_trials)
	{
		HpAssignment values;
		OracleResult res;
		int			trial_id = r->ntrials;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < r->oracle->ntrials; i++)
			trial_id = Max(trial_id, r->oracle->trials[i].trial_id + 1);
		res = oracle_create_trial(r->oracle, trial_id, &values);
		if (res != ORACLE_TRIAL_READY)
		{
			ereport(NOTICE,
					(errmsg("search space of study \"%s\" is exhausted after %d trials",
							r->study->name, r->ntrials),
					 errdetail("Every combination of hyperparameter values has been tried.")));
			break;
		}
		r->ntrials++;
		runner_failures(r, &consecutive, runner_trial(r, trial_id, &values, false));
	}
}

/*
 * One search of a study at a time: a session-level advisory lock on the
 * study (it must outlive tune()'s commits), released however the search
 * ends.
 */
#define RUNNER_LOCK_CLASS 0x68707475	/* "hptu" */

static void
runner_lock(const Study *study)
{
	if (!DatumGetBool(DirectFunctionCall2(pg_try_advisory_lock_int4,
										  Int32GetDatum(RUNNER_LOCK_CLASS),
										  Int32GetDatum((int32) study->study_id))))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("study \"%s\" is being searched by another session", study->name),
				 errdetail("Only one search of a study runs at a time."),
				 errhint("Wait for it to finish, or cancel it; its finished trials are kept.")));
}

static void
runner_unlock(const Study *study)
{
	DirectFunctionCall2(pg_advisory_unlock_int4, Int32GetDatum(RUNNER_LOCK_CLASS),
						Int32GetDatum((int32) study->study_id));
}

void
runner_search(const char *study_name, const SearchArgs *args, bool nonatomic,
			  ReturnSetInfo *rsinfo)
{
	Runner		r;
	Study	   *study = catalog_get_study(study_name, false);

	memset(&r, 0, sizeof(r));
	r.args = args;
	r.nonatomic = nonatomic;
	INSTR_TIME_SET_CURRENT(r.start);
	if (rsinfo)
	{
		r.out = rsinfo->setResult;
		r.outdesc = rsinfo->setDesc;
	}
	runner_lock(study);
	PG_TRY();
	{
		runner_setup(&r, study);
		runner_run(&r);
	}
	PG_CATCH();
	{
		runner_unlock(study);
		PG_RE_THROW();
	}
	PG_END_TRY();
	runner_unlock(study);
}
