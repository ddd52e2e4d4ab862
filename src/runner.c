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
 *	  from the history (runner_build_oracle, which also loads each trial's
 *	  intermediate values for the pruner).
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
 *	  A trial of a hypermodel reports its objective to the oracle after
 *	  every epoch (oracle_update); when the oracle says so it ends STOPPED
 *	  with the reason.  Hyperband's tuner/... values set a trial's epochs
 *	  and the checkpoint it continues from (runner_train).
 *
 * 3. Each finished trial is written back (status, score, metrics), a
 *	  NOTICE block in KerasTuner's words reports it, and a row goes to the
 *	  caller.  Under CALL hptune.tune() the transaction is committed after
 *	  the RUNNING row and again after the result, so a cancel or crash keeps
 *	  every finished trial and the next call resumes.
 *
 * Each new trial is drawn under the study's oracle lock from an oracle
 * rebuilt from the catalog as it stands (runner_build_oracle, which the
 * ask/tell functions of lease.c share), so trials that hptune.suggest()
 * handed out meanwhile count towards max_trials.
 *
 * With workers => n the trials run in background workers instead
 * (runner_search_workers, worker.c), under leases; this session only
 * starts them, relays their finished trials and stops them on a cancel.
 *
 * Around the three phases: the search takes its study's lock (one search
 * of a study at a time, runner_lock) and reads the catalog with a snapshot
 * of its own (runner_push_snapshot).  After each trial it checks that the
 * study still exists.  Objective functions are checked and called by
 * objective.c, a hypermodel's executions run in trial.c.
 *
 * Memory: the search's state (study, data, oracle, history) lives in a
 * "hptune search" context under the caller's, which outlives tune()'s
 * commits and is deleted when the search ends; each trial gets its own
 * context, deleted when it ends, and trial.c gives each execution and
 * each epoch theirs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "nodes/bitmapset.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "runner.h"
#include "catalog.h"
#include "hmoptions.h"
#include "guc.h"
#include "hpjson.h"
#include "loader.h"
#include "objective.h"
#include "summary.h"
#include "trial.h"
#include "core/hyperband.h"
#include "worker.h"

#define RUNNER_MAX_CONSECUTIVE_FAILURES 3
/* longest chain of Hyperband continuations followed to its first trial */
#define RUNNER_MAX_LINEAGE 10000

typedef struct Runner
{
	Study	   *study;
	const SearchArgs *args;
	bool		nonatomic;
	HpSpace    *space;
	Oracle	   *oracle;
	MemoryContext oraclecxt;	/* the oracle, rebuilt before each new trial */
	TrainData  *data;			/* NULL for an objective function */
	uint64		seed;
	int			ntrials;		/* recorded in the table */
	bool		has_best;
	double		best;
	instr_time	start;
	char	   *last_failure;	/* message of the last failed trial */
	bool		study_dropped;	/* a trial deleted the study: stop */
	bool		pushed_snapshot;	/* tune(): our snapshot is active */
	Tuplestorestate *out;
	TupleDesc	outdesc;
	int			current_trial;	/* the trial being trained, for runner_report */
} Runner;

typedef struct TrialResult
{
	TrialStatus status;
	bool		has_score;
	double		score;
	Jsonb	   *metrics;
	int			best_step;
	char	   *message;
	bool		stopped;		/* the oracle stopped it (pruning) */
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

/* an int value of the assignment by name (a tuner's own), or -1 */
static int
runner_value_int(const HpSpace *space, const HpAssignment *values, const char *name)
{
	int			i = hp_space_find(space, name);

	if (i < 0 || i >= values->n || values->values[i].type != HPV_INT ||
		values->values[i].i < 0 || values->values[i].i > PG_INT32_MAX)
		return -1;
	return (int) values->values[i].i;
}

/*
 * The first trial of a Hyperband continuation's line: its parent's parent
 * and so on, through tuner/trial_id in the history.
 */
static int
runner_lineage_root(Runner *r, int trial_id)
{
	for (int depth = 0; depth < RUNNER_MAX_LINEAGE; depth++)
	{
		TrialRecord *t = oracle_find_trial(r->oracle, trial_id);
		int			parent = t ? runner_value_int(r->space, &t->values, HYPERBAND_TRIAL_ID) : -1;

		if (parent < 0 || parent == trial_id)
			return trial_id;
		trial_id = parent;
	}
	return trial_id;
}

/* the trainer's report after each epoch: the oracle says whether to stop */
static bool
runner_report(void *arg, int step, double value, char **reason)
{
	Runner	   *r = arg;
	MemoryContext old = MemoryContextSwitchTo(r->oraclecxt);
	bool		stop = oracle_update(r->oracle, r->current_trial, step, value);

	MemoryContextSwitchTo(old);
	if (stop)
		*reason = pstrdup(oracle_stop_reason(r->oracle) ? oracle_stop_reason(r->oracle) : "");
	return stop;
}

/*
 * A built-in hypermodel's trial: its executions (trial.c).  A trial that
 * carries Hyperband's tuner/epochs trains to that epoch; with
 * tuner/trial_id and tuner/initial_epoch it continues its parent's
 * checkpoint; one that is not in its bracket's last round keeps a
 * checkpoint of its own for the trial that may continue it.
 */
static void
runner_train(Runner *r, int trial_id, const HpAssignment *values, TrialResult *res)
{
	TrialRun	run;
	TrialTraining *tt;
	int			parent = runner_value_int(r->space, values, HYPERBAND_TRIAL_ID);
	int			round = runner_value_int(r->space, values, HYPERBAND_ROUND);
	int			bracket = runner_value_int(r->space, values, HYPERBAND_BRACKET);

	memset(&run, 0, sizeof(run));
	run.study = r->study;
	run.hypermodel = r->study->hypermodel;
	run.trial_id = trial_id;
	run.space = r->space;
	run.values = values;
	run.data = r->data;
	run.args = r->args;
	run.objective = r->study->objective;
	run.maximize = r->study->maximize;
	run.seed = r->seed;
	run.executions = r->study->executions_per_trial;
	run.epochs = Max(runner_value_int(r->space, values, HYPERBAND_EPOCHS), 0);
	run.initial_epoch = Max(runner_value_int(r->space, values, HYPERBAND_INITIAL_EPOCH), 0);
	if (parent >= 0 && run.initial_epoch > 0 && run.initial_epoch < run.epochs)
	{
		run.resume = true;
		run.resume_from = parent;
		run.seed_trial_id = runner_lineage_root(r, parent);
	}
	run.save_checkpoint = round >= 0 && bracket >= 0 && round < bracket;
	run.report = runner_report;
	run.report_arg = r;
	r->current_trial = trial_id;
	tt = trial_run(&run);
	res->score = tt->score;
	res->metrics = tt->metrics;
	res->best_step = tt->best_step;
	res->stopped = tt->stopped;
	if (tt->stopped)
		res->message = tt->stop_reason;
}

/*
 * The study must outlive its trial: the objective function (or a metric
 * aggregate), or another session between two of tune()'s commits, may have
 * deleted it.  Read with a fresh snapshot, which sees
 * what the trial did.
 */
static void
runner_check_study_exists(Runner *r, int trial_id)
{
	bool		exists;

	CommandCounterIncrement();
	exists = catalog_study_exists(r->study->study_id);
	if (!exists)
	{
		r->study_dropped = true;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("study \"%s\" was dropped during its search", r->study->name),
				 errdetail("After trial %d its row in hptune.studies was gone: that trial (its objective function or a metric aggregate) or another session deleted it. The search stops, and that trial's own work is rolled back.",
						   trial_id),
				 errhint("Drop a study with hptune.drop_study() when no search of it runs, never from its objective function or metric aggregates.")));
	}
}

/* run one trial's work; errors propagate to runner_run_trial */
static void
runner_trial_body(Runner *r, int trial_id, const HpAssignment *values,
				  Jsonb *hps, TrialResult *res)
{
	if (OidIsValid(r->study->objective_function))
	{
		ObjectiveResult o;

		objective_call(r->study->objective_function, r->study->name,
					   r->study->objective, hps, &o);
		res->score = o.score;
		res->metrics = o.metrics;
		res->best_step = 0;
	}
	else
		runner_train(r, trial_id, values, res);
	res->has_score = true;
	res->status = res->stopped ? TRIAL_STOPPED : TRIAL_COMPLETED;
	runner_check_study_exists(r, trial_id);
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
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN || r->study_dropped)
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
					 res->status == TRIAL_COMPLETED ? "Complete" :
					 res->status == TRIAL_STOPPED ? "Stopped" : "Failed",
					 format_hms(seconds));
	if (res->has_score)
	{
		appendStringInfo(&buf, "%s: ", r->study->objective);
		append_python_float(&buf, res->score);
		if (res->status == TRIAL_STOPPED && res->message)
			appendStringInfo(&buf, "\n%s", res->message);
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

/*
 * The snapshot the search reads the catalog with.  A CALL from a DO block
 * or procedure runs with its caller's snapshot, which does not see what
 * the caller did since it was taken (a study just created, a max_trials
 * just raised), and a search that waited for another one must see that
 * one's trials: so the search reads with a snapshot of its own, taken
 * after the lock, including every change this transaction made so far.
 * tune() gives it up around each commit (SPI_commit accepts no snapshot
 * but the portal's) and takes a new one after.
 */
static void
runner_push_snapshot(Runner *r)
{
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	UpdateActiveSnapshotCommandId();
	r->pushed_snapshot = true;
}

static void
runner_pop_snapshot(Runner *r)
{
	if (r->pushed_snapshot)
		PopActiveSnapshot();
	r->pushed_snapshot = false;
}

static void
runner_commit(Runner *r)
{
	if (!r->nonatomic)
		return;
	runner_pop_snapshot(r);
	SPI_commit();
	runner_push_snapshot(r);
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
	Jsonb	   *hps = hpjson_from_assignment(r->space, values);
	instr_time	start;
	TrialResult res;
	bool		ok;

	INSTR_TIME_SET_CURRENT(start);
	catalog_insert_trial(r->study, trial_id, hps, hash, rerun);
	runner_commit(r);

	runner_run_trial(r, trial_id, values, hps, &res);
	catalog_finish_trial(r->study, trial_id, res.status, res.has_score, res.score,
						 res.metrics, res.best_step, res.message);
	/* Hyperband continues a trial at most once: its checkpoint is spent */
	if (runner_value_int(r->space, values, HYPERBAND_TRIAL_ID) >= 0 && r->data != NULL)
		catalog_delete_checkpoints(r->study->study_id,
								   runner_value_int(r->space, values, HYPERBAND_TRIAL_ID));
	/* the oracle keeps what it is told in its own context */
	MemoryContextSwitchTo(r->oraclecxt);
	oracle_end_trial(r->oracle, trial_id, values, res.status, res.score, res.has_score);
	MemoryContextSwitchTo(trialcxt);
	if (res.status == TRIAL_COMPLETED && res.has_score &&
		(!r->has_best || runner_better(r, res.score, r->best)))
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
	ok = res.status != TRIAL_FAILED;
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
 * What the study row says must still be usable: an owner may have changed
 * it by UPDATE since create_study checked it.
 */
static void
runner_check_study(const Study *study)
{
	HyperModelKind kind;

	if (study->hypermodel && !hypermodel_from_name(study->hypermodel, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("study \"%s\" has unknown hypermodel \"%s\"", study->name,
						study->hypermodel),
				 errdetail("The hypermodels hptune knows are: %s.", hypermodel_names()),
				 errhint("UPDATE hptune.studies SET hypermodel to one of them, or create the study again.")));
	if (study->hypermodel == NULL && !OidIsValid(study->objective_function))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("study \"%s\" has neither a hypermodel nor an objective function", study->name),
				 errdetail("Both hptune.studies.hypermodel and objective_function are null for it."),
				 errhint("UPDATE hptune.studies SET hypermodel or objective_function, or create the study again.")));
	if (OidIsValid(study->objective_function))
		objective_check(study->objective_function, study->name);
}

/*
 * A study's search space as its tuner sees it: the hypermodel's rows
 * overridden by the user's, plus the tuner's own hyperparameters
 * (Hyperband's tuner/... values).
 */
HpSpace *
runner_load_space(const Study *study)
{
	HpSpace    *space = catalog_load_space(study);

	if (space->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("study \"%s\" has no hyperparameters", study->name),
				 errdetail("hptune.hyperparameters holds no row for it and it has no hypermodel."),
				 errhint("Register some with hptune.hp_int(), hp_float(), hp_choice(), hp_boolean() or hp_fixed().")));
	oracle_extend_space(study->tuner, space);
	return space;
}

/* the seed of a study's search: its own, or one derived from its id */
uint64
runner_study_seed(const Study *study)
{
	return study->has_seed ? (uint64) study->seed :
		(uint64) study->study_id * UINT64CONST(0x9E3779B97F4A7C15);
}

/*
 * The oracle of a study, rebuilt from the catalog: every trial recorded so
 * far with its values, status and score (a PENDING trial counts as taken),
 * and the objective's value at every step of its execution 0
 * (hptune.trial_metrics), which pruners judge by.  search() and the ask/tell
 * functions build it the same way, so that they agree on what comes next.
 * space comes from runner_load_space.
 */
Oracle *
runner_build_oracle(const Study *study, const HpSpace *space)
{
	TrialRecord *history;
	int			nhistory;
	OracleConfig config;

	history = catalog_load_trials(study, space, &nhistory);
	catalog_load_intermediate(study, history, nhistory);
	memset(&config, 0, sizeof(config));
	config.tuner = study->tuner;
	config.space = space;
	config.seed = runner_study_seed(study);
	config.max_trials = study->max_trials;
	config.maximize = study->maximize;
	config.options = study->tuner_options;
	return oracle_create(&config, history, nhistory);
}

static void
runner_setup(Runner *r, Study *study)
{
	r->study = study;
	runner_check_study(study);
	r->space = runner_load_space(r->study);
	if (!OidIsValid(r->study->objective_function))
	{
		SearchArgs *args;
		HyperModelOptions resolved;

		if (r->args->train == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("train must not be null for study \"%s\"", r->study->name),
					 errdetail("Study \"%s\" trains hypermodel \"%s\", which needs training data.",
							   r->study->name, r->study->hypermodel),
					 errhint("Pass train => a query whose last column is the label.")));
		args = palloc(sizeof(SearchArgs));
		*args = *r->args;
		hmoptions_parse_text(r->study->hypermodel_options, r->study->hypermodel,
							 &args->hmopts);
		r->args = args;
		r->data = trial_load_data(r->args, r->study->objective);
		hmoptions_resolve(r->args, r->data, r->study->hypermodel, &resolved);
		trial_check_objective(r->data, r->study->objective);
	}

	r->oraclecxt = AllocSetContextCreate(CurrentMemoryContext, "hptune oracle",
										 ALLOCSET_DEFAULT_SIZES);
	r->oracle = runner_build_oracle(r->study, r->space);
	r->seed = runner_study_seed(r->study);
	r->ntrials = r->oracle->ntrials;
	for (int i = 0; i < r->oracle->ntrials; i++)
	{
		const TrialRecord *t = &r->oracle->trials[i];

		if (t->status == TRIAL_COMPLETED && t->has_score &&
			(!r->has_best || runner_better(r, t->score, r->best)))
		{
			r->best = t->score;
			r->has_best = true;
		}
	}
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
		if (orphans[i].status != TRIAL_RUNNING || !catalog_trial_is_orphan(r->study->study_id, orphans[i].trial_id))
			continue;
		CHECK_FOR_INTERRUPTS();
		runner_failures(r, &consecutive,
						runner_trial(r, orphans[i].trial_id, &orphans[i].values, true));
	}

	/*
	 * then new trials, until the budget is spent or the space exhausted;
	 * each drawn under the study's oracle lock from the catalog as it is
	 * now, which may hold trials hptune.suggest() handed out meanwhile
	 */
	for (;;)
	{
		HpAssignment values;
		OracleResult res;
		int			trial_id;

		CHECK_FOR_INTERRUPTS();
		runner_lock_oracle(r->study);
		runner_pop_snapshot(r);
		runner_push_snapshot(r);
		MemoryContextReset(r->oraclecxt);
		{
			MemoryContext old = MemoryContextSwitchTo(r->oraclecxt);

			r->oracle = runner_build_oracle(r->study, r->space);
			MemoryContextSwitchTo(old);
		}
		r->ntrials = r->oracle->ntrials;
		if (r->ntrials >= r->study->max_trials)
			break;
		trial_id = r->ntrials;
		for (int i = 0; i < r->oracle->ntrials; i++)
			trial_id = Max(trial_id, r->oracle->trials[i].trial_id + 1);
		res = oracle_create_trial(r->oracle, trial_id, &values);
		if (res == ORACLE_DONE)
		{
			ereport(NOTICE,
					(errmsg("tuner \"%s\" of study \"%s\" has finished after %d trials",
							r->study->tuner, r->study->name, r->ntrials),
					 errdetail("It has no further trial to run.")));
			break;
		}
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
 * One search of a study at a time.  The lock is a heavyweight lock on the
 * study's row as an object of hptune.studies (LOCKTAG_OBJECT with
 * hptune.studies as its class, as pg_locks shows it): no SQL function takes
 * such a lock, so no role can hold it for someone else's study, unlike an
 * advisory lock.  search() (and an atomic CALL) takes it for the
 * transaction, so that it is held until the trials are committed or rolled
 * back; tune() outside a transaction block commits after every trial and
 * takes it for the session, then commits its last changes before releasing
 * it.  On an error tune() hands it to the transaction, so that it goes only
 * when the failed transaction has rolled back.
 *
 * A search the same backend is already running (an objective function that
 * searches its own study) is refused by runner_active, the studies this
 * backend is searching right now.
 */
static List *runner_active = NIL;

static void
runner_locktag(const Study *study, LOCKTAG *tag)
{
	Oid			studies = get_relname_relid("studies", get_namespace_oid("hptune", false));
	uint64		id = (uint64) study->study_id;

	SET_LOCKTAG_OBJECT(*tag, MyDatabaseId, studies, (uint32) id, (uint16) (id >> 32));
}

/*
 * The lock under which a new trial is drawn from a study's oracle and
 * recorded (hptune.suggest): a lock on the study's id as an object of
 * hptune.trials, held until the transaction ends, so that the next caller's
 * oracle sees the trial.  Like the search lock, no SQL function can take it.
 */
void
runner_lock_oracle(const Study *study)
{
	Oid			trials = get_relname_relid("trials", get_namespace_oid("hptune", false));
	uint64		id = (uint64) study->study_id;
	LOCKTAG		tag;

	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, trials, (uint32) id, (uint16) (id >> 32));
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

static void
runner_lock(const Runner *r)
{
	const Study *study = r->study;
	LOCKTAG		tag;
	ListCell   *lc;

	foreach(lc, runner_active)
		if (*(int64 *) lfirst(lc) == study->study_id)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("study \"%s\" is already being searched in this session", study->name),
					 errdetail("A search of study \"%s\" was started from inside a search of the same study, for example by its objective function.",
							   study->name),
					 errhint("An objective function may search other studies, never its own.")));
	runner_locktag(study, &tag);
	if (LockAcquire(&tag, ExclusiveLock, r->nonatomic, true) == LOCKACQUIRE_NOT_AVAIL)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("study \"%s\" is being searched by another session", study->name),
				 errdetail("Only one search of a study runs at a time; the other search holds it until its transaction ends."),
				 errhint("Wait for it to finish, or cancel it; its finished trials are kept.")));
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		int64	   *id = palloc(sizeof(int64));

		*id = study->study_id;
		runner_active = lcons(id, runner_active);
		MemoryContextSwitchTo(old);
	}
}

/* the search is over: ok says whether it ended without an error */
static void
runner_unlock(const Runner *r, bool ok)
{
	LOCKTAG		tag;
	void	   *id = linitial(runner_active);

	runner_active = list_delete_first(runner_active);
	pfree(id);
	if (!r->nonatomic)
		return;					/* a transaction lock: goes with the transaction */
	runner_locktag(r->study, &tag);
	if (!LockHeldByMe(&tag, ExclusiveLock))
		return;					/* an abort inside SPI_commit released it */
	if (!ok)
		(void) LockAcquire(&tag, ExclusiveLock, false, true);
	LockRelease(&tag, ExclusiveLock, true);
}

/*
 * Relay what the workers finished since the last look: a NOTICE block and a
 * row for each trial not reported yet.
 */
static void
runner_relay(Runner *r, const char *label, Bitmapset **reported)
{
	FinishedTrial *done;
	int			n;

	PushActiveSnapshot(GetTransactionSnapshot());
	done = catalog_finished_by(r->study->study_id, label, &n);
	PopActiveSnapshot();
	for (int i = 0; i < n; i++)
	{
		TrialResult res;

		if (bms_is_member(done[i].trial_id, *reported))
			continue;
		*reported = bms_add_member(*reported, done[i].trial_id);
		memset(&res, 0, sizeof(res));
		res.status = done[i].status;
		res.has_score = done[i].has_score;
		res.score = done[i].score;
		res.message = done[i].message;
		if (res.has_score && res.status == TRIAL_COMPLETED &&
			(!r->has_best || runner_better(r, res.score, r->best)))
		{
			r->best = res.score;
			r->has_best = true;
		}
		runner_notice(r, done[i].trial_id, &res, done[i].seconds);
		if (r->out)
		{
			Datum		cols[4];
			bool		nulls[4] = {false, false, !res.has_score, false};

			cols[0] = Int32GetDatum(done[i].trial_id);
			cols[1] = CStringGetTextDatum(trial_status_name(res.status));
			cols[2] = Float8GetDatum(res.score);
			cols[3] = JsonbPGetDatum(done[i].hyperparameters);
			tuplestore_putvalues(r->out, r->outdesc, cols, nulls);
		}
	}
}

/*
 * search(..., workers => n): background workers run the trials under
 * leases, each committed on its own (worker.c); this session waits, relays
 * each finished trial, and stops the workers if it is cancelled or fails.
 * It takes no search lock: leases keep the workers, other searches and
 * suggest() callers apart.
 */
static void
runner_search_workers(Runner *r, const char *study_name)
{
	static int	searches = 0;
	WorkerSet  *set;
	Bitmapset  *volatile reported = NULL;
	int			n = r->args->workers;
	char	   *label;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a search with workers needs the READ COMMITTED isolation level"),
				 errdetail("The transaction runs at %s; the trials the workers commit would be invisible to it.",
						   XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ"),
				 errhint("Search outside an explicit REPEATABLE READ or SERIALIZABLE transaction.")));
	if (!worker_role_can_log_in(GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot search with workers", GetUserNameFromId(GetUserId(), false)),
				 errdetail("Background workers connect as the current role, and it has NOLOGIN."),
				 errhint("Search with workers => 0, or as a role that can log in.")));
	r->study = catalog_get_study(study_name, false);
	if (catalog_study_is_new(r->study->study_id))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("study \"%s\" must be committed before a search with workers", r->study->name),
				 errdetail("This transaction created or changed the study; background workers see only committed rows."),
				 errhint("Commit, then search.")));
	if (n > hptune_max_workers)
	{
		if (hptune_max_workers == 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("searching with background workers is disabled"),
					 errdetail("hptune.max_workers is 0."),
					 errhint("Search with workers => 0, or ask an administrator to raise hptune.max_workers.")));
		ereport(NOTICE,
				(errmsg("searching study \"%s\" with %d workers, not %d", r->study->name,
						hptune_max_workers, n),
				 errdetail("hptune.max_workers is %d.", hptune_max_workers)));
		n = hptune_max_workers;
	}
	runner_setup(r, r->study);
	if (oracle_steers_training(r->oracle))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("study \"%s\" cannot be searched with workers", r->study->name),
				 errdetail("Its tuner \"%s\" or its pruner decides at every epoch, which background workers do not support.",
						   r->study->tuner),
				 errhint("Search with workers => 0.")));
	/* trials.worker of this search's trials: "search <pid>.<k> worker <i>" */
	label = psprintf("search %d.%d worker ", MyProcPid, ++searches);
	set = worker_start(r->study, n, label, r->data, r->args);
	PG_TRY();
	{
		for (;;)
		{
			bool		alive = worker_any_alive(set);

			Bitmapset  *seen = reported;

			runner_relay(r, label, &seen);
			reported = seen;
			if (!alive)
				break;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 100, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_CATCH();
	{
		worker_terminate(set);
		worker_finish(set);
		PG_RE_THROW();
	}
	PG_END_TRY();
	{
		int			index;
		const char *error = worker_error(set, &index);

		if (error)
		{
			char	   *message = pstrdup(error);

			worker_finish(set);
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("worker %d of the search of study \"%s\" failed", index, r->study->name),
					 errdetail("It stopped with: %s", message),
					 errhint("Fix the cause and search again: every trial the workers finished is kept.")));
		}
	}
	worker_finish(set);
}

void
runner_search(const char *study_name, const SearchArgs *args, bool nonatomic,
			  ReturnSetInfo *rsinfo)
{
	Runner		r;
	MemoryContext searchcxt = AllocSetContextCreate(CurrentMemoryContext,
													"hptune search",
													ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller = MemoryContextSwitchTo(searchcxt);

	memset(&r, 0, sizeof(r));
	r.args = args;
	r.nonatomic = nonatomic;
	INSTR_TIME_SET_CURRENT(r.start);
	if (rsinfo)
	{
		r.out = rsinfo->setResult;
		r.outdesc = rsinfo->setDesc;
	}
	runner_push_snapshot(&r);
	if (args->workers > 0)
	{
		runner_search_workers(&r, study_name);
		runner_pop_snapshot(&r);
		MemoryContextSwitchTo(caller);
		MemoryContextDelete(searchcxt);
		return;
	}
	r.study = catalog_get_study(study_name, false);
	runner_lock(&r);
	PG_TRY();
	{
		/* read the study again: the search that held the lock may have changed it */
		runner_pop_snapshot(&r);
		runner_push_snapshot(&r);
		runner_setup(&r, catalog_get_study_by_id(r.study->study_id));
		runner_run(&r);
		runner_commit(&r);
	}
	PG_CATCH();
	{
		runner_unlock(&r, false);
		PG_RE_THROW();
	}
	PG_END_TRY();
	runner_unlock(&r, true);
	runner_pop_snapshot(&r);
	/* the data, the study and the oracle go with the search */
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(searchcxt);
}
