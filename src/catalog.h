/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Every read and write of the hptune.* tables (catalog.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CATALOG_H
#define HPTUNE_CATALOG_H

#include "postgres.h"

#include "storage/itemptr.h"
#include "utils/jsonb.h"

#include "core/model.h"
#include "core/oracle.h"
#include "core/space.h"

/* longest study name: a PostgreSQL identifier */
#define HPTUNE_MAX_NAME_LEN 63

/* one row of hptune.studies */
typedef struct Study
{
	int64		study_id;
	char	   *name;
	Oid			owner;
	char	   *hypermodel;		/* NULL: none */
	char	   *objective;
	bool		maximize;
	char	   *tuner;
	char	   *tuner_options;	/* JSON text */
	int			max_trials;
	int			executions_per_trial;
	Oid			objective_function; /* InvalidOid: none */
	bool		has_seed;
	int64		seed;
	char	   *hypermodel_options; /* JSON text */
} Study;

/* settings of create_study, as given (NULL = not given) */
typedef struct StudySettings
{
	char	   *name;
	char	   *hypermodel;
	char	   *objective;
	char	   *direction;
	char	   *tuner;
	int			max_trials;
	int			executions_per_trial;
	Oid			objective_function;
	Jsonb	   *tuner_options;
	bool		has_seed;
	int64		seed;
	Jsonb	   *hypermodel_options;
} StudySettings;

extern int64 catalog_insert_study(const StudySettings *s);
extern Study *catalog_get_study(const char *name, bool missing_ok);
extern Study *catalog_get_study_by_id(int64 study_id);
extern Study *catalog_find_study_by_id(int64 study_id, bool missing_ok);
extern void catalog_delete_study(int64 study_id);
extern HpSpace *catalog_load_space(const Study *study);
extern HpSpace *catalog_load_current_space(const Study *study);
extern HpSpace *catalog_load_current_user_space(int64 study_id);
extern HpSpace *catalog_load_user_space(int64 study_id, const char *skip_name);
extern int	catalog_last_position(int64 study_id);
extern void catalog_row_to_hpdef(HpDef *hp, const char *name, const char *kind,
								 Datum *values, bool *nulls);
extern TrialRecord *catalog_load_trials(const Study *study, const HpSpace *space,
										int *ntrials);
extern void catalog_insert_trial(const Study *study, int trial_id, Jsonb *hps,
								 uint64 hash, bool rerun);
extern void catalog_finish_trial(const Study *study, int trial_id,
								 TrialStatus status, bool has_score, double score,
								 Jsonb *metrics, int best_step, const char *message);
extern void catalog_insert_metrics(int64 study_id, int trial_id, int execution,
								   int step, const MetricValue *metrics, int n);
extern int64 catalog_insert_model(const Study *study, int trial_id, int execution,
								  int step, const char *hypermodel, Jsonb *hps,
								  bytea *blob);
extern void catalog_insert_checkpoint(int64 study_id, int trial_id, int execution,
									  int epochs, bytea *model,
									  bytea *optimizer_state);
extern bool catalog_get_checkpoint(int64 study_id, int trial_id, int execution,
								   bytea **model, bytea **optimizer_state,
								   int *epochs);
extern void catalog_delete_checkpoints(int64 study_id, int trial_id);
extern void catalog_load_intermediate(const Study *study, TrialRecord *trials,
									  int ntrials);
/* a completed trial, as results_summary ranks them */
typedef struct TrialScore
{
	int			trial_id;
	Jsonb	   *hyperparameters;
	bool		has_score;
	double		score;
} TrialScore;

extern bool catalog_study_exists(int64 study_id);
extern bool catalog_trial_is_orphan(int64 study_id, int trial_id);
extern bool catalog_hp_name_used(int64 study_id, const char *name);
extern TrialScore *catalog_best_trials(const Study *study, int n, int *count);
/*
 * Which row version holds a model's blob: the relation (hptune.models is a
 * new one after DROP and CREATE EXTENSION), the tuple's ctid and xmin, and
 * the blob's header (magic, version, length, checksum).  Any new version
 * of the row differs in one of them.
 */
#define CATALOG_MODEL_HEADER 24
typedef struct ModelVersion
{
	int64		model_id;
	Oid			relid;
	ItemPointerData ctid;
	TransactionId xmin;
	int			header_len;
	uint8		header[CATALOG_MODEL_HEADER];
} ModelVersion;

/* a trial handed out under a lease (suggest) */
typedef struct LeasedTrial
{
	int			trial_id;
	Jsonb	   *hyperparameters;
	Datum		lease;			/* pg_uuid_t * */
} LeasedTrial;

/* where a trial's lease stands (report, complete) */
typedef struct LeaseState
{
	char	   *status;
	bool		has_lease;
	Datum		lease;			/* pg_uuid_t *, when has_lease */
	char	   *expires_at;		/* text, NULL when no lease */
	bool		expired;
	int			attempt;
	char	   *worker;			/* NULL: none given */
} LeaseState;

extern void catalog_expire_leases(int64 study_id, int max_attempts, int lease_seconds);
extern bool catalog_claim_trial(int64 study_id, const char *worker, bool bound,
								int lease_seconds, LeasedTrial *out);
extern void catalog_insert_leased_trial(const Study *study, int trial_id, Jsonb *hps,
										uint64 hash, const char *worker, bool bound,
										int lease_seconds, LeasedTrial *out);
extern bool catalog_lock_lease(int64 study_id, int trial_id, LeaseState *st);
extern void catalog_renew_lease(int64 study_id, int trial_id, int lease_seconds);
extern void catalog_upsert_metrics(int64 study_id, int trial_id, int step, Jsonb *metrics);
extern void catalog_end_leased_trial(int64 study_id, int trial_id, TrialStatus status,
									 bool has_score, double score, Jsonb *metrics,
									 int best_step, const char *message);

/* a trial a search's workers finished */
typedef struct FinishedTrial
{
	int			trial_id;
	TrialStatus status;
	bool		has_score;
	double		score;
	Jsonb	   *hyperparameters;
	char	   *message;
	double		seconds;		/* ended_at - started_at */
} FinishedTrial;

extern bool catalog_study_is_new(int64 study_id);
extern void catalog_release_lease(int64 study_id, int trial_id, Datum lease);
extern FinishedTrial *catalog_finished_by(int64 study_id, const char *prefix, int *count);

extern bool catalog_model_version(int64 model_id, ModelVersion *v);
extern Jsonb *catalog_best_hyperparameters(int64 study_id);
extern bytea *catalog_get_model(int64 model_id, char **hypermodel, Jsonb **hps);

#endif							/* HPTUNE_CATALOG_H */
