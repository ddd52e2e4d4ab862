/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Background workers of hptune.search(..., workers => n).
 *
 * The calling session (runner.c) fills a dynamic shared memory segment with
 * what a worker needs -- the database, the calling role, the study, the
 * caller's pid and the settings that shape a trial -- under a shm_toc with
 * HPTUNE_WORKER_MAGIC, and launches the workers with the segment's handle
 * as their argument.  Each worker connects to the same database as the
 * calling role (never as a superuser) and runs trials until the study has
 * all of them, each trial in two short transactions:
 *
 *	 1. hand out a trial under a lease (lease_hand_out, as hptune.suggest()
 *		does), and commit: the trial is RUNNING for everyone to see;
 *	 2. call the objective function, or train the hypermodel on the data the
 *		caller placed in the segment (shm_dataset.c), in a subtransaction
 *		(an error makes the trial FAILED with its message), then record the
 *		result (and the metrics and models trial.c wrote) if the
 *		worker still holds the lease, and commit.  A lease lost meanwhile
 *		(the worker was stopped past hptune.lease_timeout and the trial was
 *		handed out again) leaves the result unrecorded: a WARNING in the
 *		server log, and the worker goes on with the next trial.
 *
 * A worker heart-beats through pg_stat_activity: worker_epoch_started moves
 * its state_change as each epoch starts, and worker_batch_done every quarter
 * second within an epoch; catalog_expire_leases keeps a lapsed lease of a
 * live backend that did so recently.  An error outside a
 * trial stops the worker; its message goes to the caller through the
 * segment, which fails the search with it.
 *
 * A worker stops when its caller's session is gone, and on SIGTERM (the
 * caller terminates its workers when it is cancelled or fails): SIGTERM
 * cancels the running trial and the worker puts it back as PENDING before
 * it exits.  A trial a worker leaves RUNNING otherwise (it was killed, or
 * the server crashed) goes back to the others when its lease lapses.
 * Workers set pg_stat_activity.query to what they are doing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/procarray.h"
#include "storage/shm_toc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "guc.h"
#include "lease.h"
#include "objective.h"
#include "runner.h"
#include "shm_dataset.h"
#include "hpjson.h"
#include "trial.h"
#include "worker.h"

PGDLLEXPORT void hptune_worker_main(Datum arg);
static void worker_loop(const WorkerShared *ws, const char *label, MemoryContext cxt);

/*
 * SIGTERM (the caller cancelled or failed, a fast shutdown, pg_terminate_
 * backend) cancels what the worker is doing, as a query cancel does, so
 * that it can still put its trial back as PENDING before it exits.
 */
static volatile sig_atomic_t worker_terminated = false;

static void
worker_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	worker_terminated = true;
	InterruptPending = true;
	QueryCancelPending = true;
	SetLatch(MyLatch);
	errno = save_errno;
}

static void
worker_activity(const char *fmt, const char *study, int trial_id)
{
	char		buf[NAMEDATALEN * 2 + 64];

	snprintf(buf, sizeof(buf), fmt, study, trial_id);
	pgstat_report_activity(STATE_RUNNING, buf);
}

/* hand out one trial, in a transaction of its own; false: none left */
static bool
worker_claim(const WorkerShared *ws, const char *label, MemoryContext cxt,
			 Study **study, HpSpace **space, LeasedTrial *t)
{
	bool		got = false;

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(cxt);
	*study = catalog_find_study_by_id(ws->study_id, true);
	if (*study)
	{
		worker_activity("hptune: study %s claiming a trial", (*study)->name, 0);
		*space = runner_load_space(*study);
		got = lease_hand_out(*study, *space, label, true, t);
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);
	return got;
}

/* the search's data, for a hypermodel's trials (NULL: an objective function) */
static TrainData *worker_data = NULL;
static SearchArgs *worker_args = NULL;

/* when the worker last reported its activity */
static TimestampTz worker_last_report = 0;

/*
 * pg_stat_activity.query: "hptune: study helloworld trial 7 epoch 2/5", and
 * with batches (batches_done >= 0) ", batch 120/390".  Each report moves
 * state_change, the heart-beat that keeps the trial's lease.
 */
static void
worker_report_epoch(const TrialRun *run, int epoch, int64 batches_done, int64 batches)
{
	char		buf[NAMEDATALEN * 2 + 128];
	int			len = snprintf(buf, sizeof(buf), "hptune: study %s trial %d epoch %d/%d",
							   run->study->name, run->trial_id, epoch + 1, run->args->epochs);

	if (batches_done >= 0 && len > 0 && len < (int) sizeof(buf))
		snprintf(buf + len, sizeof(buf) - len, ", batch " INT64_FORMAT "/" INT64_FORMAT,
				 batches_done, batches);
	pgstat_report_activity(STATE_RUNNING, buf);
	worker_last_report = GetCurrentTimestamp();
}

static void
worker_epoch_started(const TrialRun *run, int execution, int epoch)
{
	worker_report_epoch(run, epoch, -1, 0);
}

/* within an epoch, at most every WORKER_BEAT_MS, so that epochs may outlast the lease */
#define WORKER_BEAT_MS 250

static void
worker_batch_done(const TrialRun *run, int epoch, int64 batches_done, int64 batches)
{
	if (TimestampDifferenceExceeds(worker_last_report, GetCurrentTimestamp(), WORKER_BEAT_MS))
		worker_report_epoch(run, epoch, batches_done, batches);
}

/* train a hypermodel's trial on the shared data (trial.c) */
static void
worker_train(Study *study, const HpSpace *space, LeasedTrial *t, ObjectiveResult *o,
			 int *best_step)
{
	TrialRun	run;
	TrialTraining *tt;
	HpAssignment values;

	hpjson_to_assignment(space, t->hyperparameters, &values);
	memset(&run, 0, sizeof(run));
	run.study = study;
	run.hypermodel = study->hypermodel;
	run.trial_id = t->trial_id;
	run.space = space;
	run.values = &values;
	run.data = worker_data;
	run.args = worker_args;
	run.objective = study->objective;
	run.maximize = study->maximize;
	run.seed = runner_study_seed(study);
	run.executions = study->executions_per_trial;
	tt = trial_run(&run);
	o->score = tt->score;
	o->metrics = tt->metrics;
	*best_step = tt->best_step;
}

/* run the trial; on an error, *message says why */
static void
worker_call(Study *study, const HpSpace *space, LeasedTrial *t, ObjectiveResult *o,
			int *best_step, char **message)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	*message = NULL;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		if (OidIsValid(study->objective_function))
			objective_call(study->objective_function, study->name, study->objective,
						   t->hyperparameters, o);
		else
			worker_train(study, space, t, o, best_step);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);
		*message = pstrdup(edata->message);
	}
	PG_END_TRY();
}

/* run and record one trial, in a second transaction */
static void
worker_run(Study *study, const HpSpace *space, LeasedTrial *t, MemoryContext cxt)
{
	ObjectiveResult o;
	char	   *message;
	int			best_step = -1;

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(cxt);
	worker_activity("hptune: study %s trial %d", study->name, t->trial_id);
	memset(&o, 0, sizeof(o));
	worker_call(study, space, t, &o, &best_step, &message);
	PopActiveSnapshot();
	PushActiveSnapshot(GetTransactionSnapshot());
	PG_TRY();
	{
		lease_check_held(study, t->trial_id, true, t->lease);
		catalog_end_leased_trial(study->study_id, t->trial_id,
								 message ? TRIAL_FAILED : TRIAL_COMPLETED,
								 message == NULL, o.score,
								 message ? NULL : o.metrics, message ? -1 : best_step,
								 message);
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE)
			PG_RE_THROW();
		/* the lease was lost: the result goes, the worker goes on */
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(WARNING,
				(errmsg("result of trial %d of study \"%s\" is dropped: %s",
						t->trial_id, study->name, edata->message),
				 errdetail_internal("%s", edata->detail ? edata->detail : "")));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
}

void
hptune_worker_main(Datum arg)
{
	dsm_segment *seg;
	shm_toc    *toc;
	WorkerShared *ws;
	char		label[WORKER_LABEL_LEN];
	MemoryContext cxt;
	int			index;
	char	   *errors;

	pqsignal(SIGTERM, worker_sigterm);
	BackgroundWorkerUnblockSignals();
	memcpy(&index, MyBgworkerEntry->bgw_extra, sizeof(int));

	seg = dsm_attach(DatumGetUInt32(arg));
	if (seg == NULL)
		proc_exit(0);			/* the caller has gone already */
	toc = shm_toc_attach(HPTUNE_WORKER_MAGIC, dsm_segment_address(seg));
	if (toc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hptune worker got a shared memory segment of the wrong kind")));
	ws = shm_toc_lookup(toc, WORKER_KEY_SHARED, false);

	BackgroundWorkerInitializeConnectionByOid(ws->database, ws->role, 0);
	SetConfigOption("search_path", ws->search_path, PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("hptune.lease_timeout", psprintf("%d", ws->lease_timeout_s),
					PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("hptune.max_attempts", psprintf("%d", ws->max_attempts),
					PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("hptune.blas_threads", psprintf("%d", ws->blas_threads),
					PGC_USERSET, PGC_S_SESSION);
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		if (shm_dataset_attach(toc, &worker_data, &worker_args))
		{
			trial_epoch_start_hook = worker_epoch_started;
			trial_batch_hook = worker_batch_done;
		}
		MemoryContextSwitchTo(old);
	}
	snprintf(label, sizeof(label), "%s%d", ws->label, index);
	pgstat_report_appname(label);

	cxt = AllocSetContextCreate(TopMemoryContext, "hptune worker trial",
								ALLOCSET_DEFAULT_SIZES);
	errors = shm_toc_lookup(toc, WORKER_KEY_ERRORS, false);
	PG_TRY();
	{
		worker_loop(ws, label, cxt);
	}
	PG_CATCH();
	{
		/* tell the caller why, then exit with the error in the server log */
		MemoryContextSwitchTo(cxt);
		if (!worker_terminated)
		{
			ErrorData  *edata = CopyErrorData();

			strlcpy(errors + (index - 1) * WORKER_ERROR_LEN, edata->message, WORKER_ERROR_LEN);
		}
		PG_RE_THROW();
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}

/* run trials until none is left, the caller is gone or SIGTERM came */
static void
worker_loop(const WorkerShared *ws, const char *label, MemoryContext cxt)
{
	for (;;)
	{
		Study	   *study;
		HpSpace    *space;
		LeasedTrial t;

		CHECK_FOR_INTERRUPTS();
		if (BackendPidGetProc(ws->caller_pid) == NULL)
			break;				/* the search that started us is gone */
		MemoryContextReset(cxt);
		if (!worker_claim(ws, label, cxt, &study, &space, &t))
			break;
		PG_TRY();
		{
			worker_run(study, space, &t, cxt);
		}
		PG_CATCH();
		{
			if (!worker_terminated)
				PG_RE_THROW();
			/* terminated mid-trial: the trial goes back, the worker goes */
			EmitErrorReport();
			FlushErrorState();
			AbortCurrentTransaction();
			QueryCancelPending = false;
			MemoryContextSwitchTo(cxt);
			StartTransactionCommand();
			PushActiveSnapshot(GetTransactionSnapshot());
			catalog_release_lease(study->study_id, t.trial_id, t.lease);
			PopActiveSnapshot();
			CommitTransactionCommand();
			proc_exit(0);
		}
		PG_END_TRY();
		if (worker_terminated)
			break;
	}
}

/*
 * The calling session's side
 */

/*
 * Share the search with n workers and start them: as many as there are
 * free background worker slots (a NOTICE when fewer than n), an error when
 * there is none.
 */
WorkerSet *
worker_start(const Study *study, int n, const char *label, const TrainData *data,
			 const SearchArgs *args)
{
	WorkerSet  *set = palloc0(sizeof(WorkerSet));
	const char *path = GetConfigOption("search_path", false, false);
	Size		size;
	shm_toc_estimator e;
	shm_toc    *toc;
	int			started = 0;

	shm_toc_initialize_estimator(&e);
	shm_toc_estimate_chunk(&e, offsetof(WorkerShared, search_path) + strlen(path) + 1);
	shm_toc_estimate_chunk(&e, (Size) n * WORKER_ERROR_LEN);
	shm_toc_estimate_keys(&e, 2);
	if (data)
		shm_dataset_estimate(&e, data, args);
	size = shm_toc_estimate(&e);
	set->seg = dsm_create(size, 0);
	dsm_pin_mapping(set->seg);
	toc = shm_toc_create(HPTUNE_WORKER_MAGIC, dsm_segment_address(set->seg), size);
	set->shared = shm_toc_allocate(toc, offsetof(WorkerShared, search_path) + strlen(path) + 1);
	set->shared->database = MyDatabaseId;
	set->shared->role = GetUserId();
	set->shared->study_id = study->study_id;
	set->shared->caller_pid = MyProcPid;
	set->shared->lease_timeout_s = hptune_lease_timeout_s;
	set->shared->max_attempts = hptune_max_attempts;
	strlcpy(set->shared->label, label, WORKER_LABEL_LEN);
	strcpy(set->shared->search_path, path);
	set->shared->blas_threads = hptune_blas_threads;
	shm_toc_insert(toc, WORKER_KEY_SHARED, set->shared);
	set->errors = shm_toc_allocate(toc, (Size) n * WORKER_ERROR_LEN);
	memset(set->errors, 0, (Size) n * WORKER_ERROR_LEN);
	shm_toc_insert(toc, WORKER_KEY_ERRORS, set->errors);
	if (data)
		shm_dataset_store(toc, data, args);

	set->handles = palloc0(sizeof(BackgroundWorkerHandle *) * n);
	for (int i = 0; i < n; i++)
	{
		BackgroundWorker bgw;
		int			index = i + 1;

		memset(&bgw, 0, sizeof(bgw));
		bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		bgw.bgw_start_time = BgWorkerStart_ConsistentState;
		bgw.bgw_restart_time = BGW_NEVER_RESTART;
		snprintf(bgw.bgw_library_name, BGW_MAXLEN, "hptune");
		snprintf(bgw.bgw_function_name, BGW_MAXLEN, "hptune_worker_main");
		snprintf(bgw.bgw_name, BGW_MAXLEN, "hptune worker %d of pid %d", index, MyProcPid);
		snprintf(bgw.bgw_type, BGW_MAXLEN, "hptune worker");
		bgw.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(set->seg));
		bgw.bgw_notify_pid = MyProcPid;
		memcpy(bgw.bgw_extra, &index, sizeof(int));
		if (!RegisterDynamicBackgroundWorker(&bgw, &set->handles[started]))
			break;
		started++;
	}
	set->n = started;
	if (started == 0)
	{
		worker_finish(set);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("no background worker slot is free for the search of study \"%s\"",
						study->name),
				 errdetail("%d workers were asked for; every slot of max_worker_processes is taken.", n),
				 errhint("Raise max_worker_processes (a restart is needed), or search with workers => 0.")));
	}
	if (started < n)
		ereport(NOTICE,
				(errmsg("searching study \"%s\" with %d of %d workers", study->name, started, n),
				 errdetail("Only %d background worker slots were free.", started),
				 errhint("Raise max_worker_processes (a restart is needed) for more.")));
	return set;
}

/* some worker has not stopped yet */
bool
worker_any_alive(WorkerSet *set)
{
	for (int i = 0; i < set->n; i++)
	{
		pid_t		pid;

		if (set->handles[i] &&
			GetBackgroundWorkerPid(set->handles[i], &pid) != BGWH_STOPPED)
			return true;
	}
	return false;
}

/*
 * Stop the workers (the caller was cancelled or failed): the postmaster
 * sends each SIGTERM at once; this does not wait, since it runs while an
 * error is being handled.
 */
void
worker_terminate(WorkerSet *set)
{
	for (int i = 0; i < set->n; i++)
		if (set->handles[i])
			TerminateBackgroundWorker(set->handles[i]);
}

void
worker_finish(WorkerSet *set)
{
	if (set->seg)
		dsm_detach(set->seg);
	set->seg = NULL;
}

/* workers connect as this role: it must be allowed to log in */
bool
worker_role_can_log_in(Oid role)
{
	HeapTuple	tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	bool		can;

	if (!HeapTupleIsValid(tup))
		return false;
	can = ((Form_pg_authid) GETSTRUCT(tup))->rolcanlogin;
	ReleaseSysCache(tup);
	return can;
}

/* the error a worker stopped with, or NULL (after they have all stopped) */
const char *
worker_error(WorkerSet *set, int *index)
{
	for (int i = 0; i < set->n; i++)
		if (set->errors[i * WORKER_ERROR_LEN] != '\0')
		{
			*index = i + 1;
			return set->errors + i * WORKER_ERROR_LEN;
		}
	return NULL;
}
