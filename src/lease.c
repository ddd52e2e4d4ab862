/*-------------------------------------------------------------------------
 *
 * lease.c
 *	  The database as the oracle: hptune.suggest(), report() and complete().
 *
 * Any number of sessions may train a study's trials at once, each asking
 * for a trial, heart-beating while it trains, and telling the result:
 *
 *	 suggest	first puts back the trials whose lease has lapsed (PENDING,
 *				or FAILED after hptune.max_attempts attempts), then claims
 *				the first PENDING trial no other session is claiming (FOR
 *				UPDATE SKIP LOCKED); when there is none, it takes the study's
 *				oracle lock (runner_lock_oracle, held to the end of the
 *				transaction), rebuilds the oracle from the catalog as a
 *				search does, and records the oracle's next trial -- unless
 *				the study already holds max_trials trials.  Either way the
 *				trial is RUNNING under a new lease: a random token and an
 *				expiry hptune.lease_timeout from now by the database clock.
 *	 report		stores one step's metrics, renews the lease, and asks the
 *				oracle (rebuilt the same way) whether to stop the trial.
 *	 complete	records the result and ends the lease.
 *
 * report and complete lock the trial's row and succeed only while the
 * lease is held: the trial RUNNING, the lease not lapsed, and (when the
 * caller passes the token suggest gave it) the same token.  A late result
 * of a lease that lapsed, maybe handed out again since, is an error that
 * says so and changes nothing.
 *
 * All three need READ COMMITTED: the oracle must see every trial committed
 * before its lock was granted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"

#include "args.h"
#include "catalog.h"
#include "guc.h"
#include "hpjson.h"
#include "lease.h"
#include "runner.h"

static void
lease_check_isolation(const char *fn)
{
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hptune.%s() needs the READ COMMITTED isolation level", fn),
				 errdetail("The transaction runs at %s; trials other sessions recorded after it began would be invisible to it.",
						   XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ"),
				 errhint("Call it outside an explicit REPEATABLE READ or SERIALIZABLE transaction.")));
}

/* the study and its search space, for any of the three functions */
static Study *
lease_study(FunctionCallInfo fcinfo, HpSpace **space)
{
	Study	   *study = catalog_get_study(args_text(fcinfo, 0), false);

	*space = runner_load_space(study);
	return study;
}

/*
 * The oracle as the catalog holds it now: a snapshot taken after the
 * caller's changes and after any lock it waited for.
 */
static Oracle *
lease_oracle(const Study *study, const HpSpace *space)
{
	Oracle	   *oracle;

	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	oracle = runner_build_oracle(study, space);
	PopActiveSnapshot();
	return oracle;
}

/* a new trial from the oracle; false when the study has all its trials */
static bool
lease_new_trial(Study *study, const HpSpace *space, const char *worker, bool bound,
				LeasedTrial *out)
{
	Oracle	   *oracle;
	HpAssignment values;
	int			trial_id = 0;
	Jsonb	   *hps;

	runner_lock_oracle(study);
	oracle = lease_oracle(study, space);
	if (oracle->ntrials >= study->max_trials)
		return false;
	for (int i = 0; i < oracle->ntrials; i++)
		trial_id = Max(trial_id, oracle->trials[i].trial_id + 1);
	if (oracle_create_trial(oracle, trial_id, &values) != ORACLE_TRIAL_READY)
		return false;
	hps = hpjson_from_assignment(space, &values);
	catalog_insert_leased_trial(study, trial_id, hps, hp_assignment_hash(space, &values),
								worker, bound, hptune_lease_timeout_s, out);
	return true;
}

/*
 * Hand out a trial of the study under a new lease: a lapsed one put back, or
 * the oracle's next; false when the study has all its trials.  bound: this
 * backend runs the trial (a background worker), so the trial also goes back
 * when the backend is gone; suggest's trials are run by someone else.
 */
bool
lease_hand_out(Study *study, const HpSpace *space, const char *worker, bool bound,
			   LeasedTrial *out)
{
	catalog_expire_leases(study->study_id, hptune_max_attempts, hptune_lease_timeout_s);
	return catalog_claim_trial(study->study_id, worker, bound, hptune_lease_timeout_s, out) ||
		lease_new_trial(study, space, worker, bound, out);
}

PG_FUNCTION_INFO_V1(hptune_suggest);
Datum
hptune_suggest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *worker = args_text(fcinfo, 1);
	HpSpace    *space;
	Study	   *study;
	LeasedTrial t;

	lease_check_isolation("suggest");
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	study = lease_study(fcinfo, &space);
	if (lease_hand_out(study, space, worker, false, &t))
	{
		Datum		cols[3];
		bool		nulls[3] = {false, false, false};

		cols[0] = Int32GetDatum(t.trial_id);
		cols[1] = JsonbPGetDatum(t.hyperparameters);
		cols[2] = t.lease;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, cols, nulls);
	}
	return (Datum) 0;
}

/*
 * Lock the trial and check that the caller holds its lease (lease: the
 * token, or NULL to accept whoever holds it now).
 */
void
lease_check_held(const Study *study, int trial_id, bool has_token, Datum token)
{
	LeaseState	st;

	if (!catalog_lock_lease(study->study_id, trial_id, &st))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("trial %d of study \"%s\" does not exist", trial_id, study->name),
				 errdetail("hptune.trials has no row with trial_id %d for the study.", trial_id),
				 errhint("Use the trial_id hptune.suggest() returned.")));
	if (strcmp(st.status, "RUNNING") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("trial %d of study \"%s\" is not running", trial_id, study->name),
				 errdetail("Its status is %s%s.", st.status,
						   strcmp(st.status, "PENDING") == 0 ?
						   ": its lease lapsed and it waits to be handed out again" : ""),
				 errhint("Ask for a trial with hptune.suggest().")));
	if (!st.has_lease)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("trial %d of study \"%s\" is run by a search", trial_id, study->name),
				 errdetail("It was not handed out by hptune.suggest(), so it has no lease."),
				 errhint("Ask for a trial with hptune.suggest().")));
	if (has_token && DatumGetBool(DirectFunctionCall2(uuid_ne, st.lease, token)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lease of trial %d of study \"%s\" was lost", trial_id, study->name),
				 errdetail("The trial is leased under another token now (attempt %d%s%s): a lease that lapses is handed out again, and the result of a lost lease is rejected.",
						   st.attempt, st.worker ? ", worker " : "", st.worker ? st.worker : ""),
				 errhint("Call hptune.report() more often than hptune.lease_timeout to keep a lease; ask for a new trial with hptune.suggest().")));
	if (st.expired)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lease of trial %d of study \"%s\" has expired", trial_id, study->name),
				 errdetail("It expired at %s; the trial goes back to the pending trials.", st.expires_at),
				 errhint("Call hptune.report() more often than hptune.lease_timeout to keep a lease; ask for a new trial with hptune.suggest().")));
}

/*
 * The objective's value in metrics: a jsonb object with a numeric key named
 * like the study's objective, or a bare number.  *object gets the metrics
 * as an object.
 */
static double
lease_score(const Study *study, int trial_id, Jsonb *metrics, Jsonb **object)
{
	JsonbValue	v;
	bool		found;
	double		score;

	if (JB_ROOT_IS_SCALAR(metrics))
		found = JsonbExtractScalar(&metrics->root, &v) && v.type == jbvNumeric;
	else
		found = JB_ROOT_IS_OBJECT(metrics) &&
			getKeyJsonValueFromContainer(&metrics->root, study->objective,
										 strlen(study->objective), &v) != NULL &&
			v.type == jbvNumeric;
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metrics of trial %d hold no number named \"%s\"", trial_id, study->objective),
				 errdetail("metrics is %s.", JsonbToCString(NULL, &metrics->root, 0)),
				 errhint("Pass a jsonb object with a numeric \"%s\" key (the study's objective), or the objective's value as a jsonb number.",
						 study->objective)));
	score = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
	if (isnan(score) || isinf(score))
		ereport(ERROR,
				(errcode(ERRCODE_FLOATING_POINT_EXCEPTION),
				 errmsg("objective \"%s\" is not a finite number", study->objective),
				 errdetail("Trial %d reported %g.", trial_id, score),
				 errhint("Report finite values; mark a diverged trial by not completing it.")));
	if (JB_ROOT_IS_SCALAR(metrics))
	{
		HpJsonObject o;

		hpjson_begin(&o);
		hpjson_add_float(&o, study->objective, score);
		*object = hpjson_end(&o);
	}
	else
		*object = metrics;
	return score;
}

/* report(study, trial_id, step, metrics, lease) and complete(study, trial_id, metrics, lease) */
static void
lease_args(FunctionCallInfo fcinfo, int nargs)
{
	static const char *const names[] = {"study", "trial_id", "step", "metrics"};

	for (int i = 0; i < nargs - 1; i++)
	{
		const char *name = (nargs == 4 && i == 2) ? "metrics" : names[i];

		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", name),
					 errdetail("Only lease may be null, meaning whoever holds the trial's lease now."),
					 errhint("Pass the %s of the trial hptune.suggest() returned.", name)));
	}
}

/*
 * The oracle stopped the trial (a pruner): it ends STOPPED as a pruned trial
 * of the built-in trainer does, with the reason and the best value it
 * reported as its score, at the step of that value; its lease ends.
 */
static void
lease_stop(const Study *study, Oracle *oracle, int trial_id, Jsonb *metrics)
{
	const TrialRecord *t = oracle_find_trial(oracle, trial_id);
	double		best = 0;
	int			best_step = -1;

	for (int i = 0; t && i < t->nsteps; i++)
	{
		double		v = t->step_values[i];

		if (isnan(v))
			continue;
		if (best_step < 0 || (study->maximize ? v > best : v < best))
		{
			best = v;
			best_step = t->steps[i];
		}
	}
	catalog_end_leased_trial(study->study_id, trial_id, TRIAL_STOPPED, best_step >= 0, best,
							 metrics, best_step, oracle_stop_reason(oracle));
}

PG_FUNCTION_INFO_V1(hptune_report);
Datum
hptune_report(PG_FUNCTION_ARGS)
{
	HpSpace    *space;
	Study	   *study;
	int			trial_id;
	int			step;
	Jsonb	   *metrics;
	double		score;
	Oracle	   *oracle;

	lease_check_isolation("report");
	lease_args(fcinfo, 5);
	study = lease_study(fcinfo, &space);
	trial_id = PG_GETARG_INT32(1);
	step = PG_GETARG_INT32(2);
	metrics = PG_GETARG_JSONB_P(3);
	if (step < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("step must not be negative"),
				 errdetail("step is %d.", step),
				 errhint("Count steps (epochs) from 0.")));
	lease_check_held(study, trial_id, !PG_ARGISNULL(4), PG_ARGISNULL(4) ? (Datum) 0 : PG_GETARG_DATUM(4));
	score = lease_score(study, trial_id, metrics, &metrics);
	catalog_upsert_metrics(study->study_id, trial_id, step, metrics);
	catalog_renew_lease(study->study_id, trial_id, hptune_lease_timeout_s);
	oracle = lease_oracle(study, space);
	if (!oracle_update(oracle, trial_id, step, score))
		PG_RETURN_BOOL(false);
	lease_stop(study, oracle, trial_id, metrics);
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(hptune_complete);
Datum
hptune_complete(PG_FUNCTION_ARGS)
{
	HpSpace    *space;
	Study	   *study;
	int			trial_id;
	Jsonb	   *metrics;
	double		score;

	lease_check_isolation("complete");
	lease_args(fcinfo, 4);
	study = lease_study(fcinfo, &space);
	trial_id = PG_GETARG_INT32(1);
	metrics = PG_GETARG_JSONB_P(2);
	lease_check_held(study, trial_id, !PG_ARGISNULL(3), PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3));
	score = lease_score(study, trial_id, metrics, &metrics);
	catalog_end_leased_trial(study->study_id, trial_id, TRIAL_COMPLETED, true, score,
							 metrics, -1, NULL);
	PG_RETURN_VOID();
}
