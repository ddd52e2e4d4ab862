/*-------------------------------------------------------------------------
 *
 * oracle.h
 *	  The oracle interface: which hyperparameters to try next (pure C).
 *
 * An oracle is rebuilt from the catalog at the start of every search call:
 * the host hands it the space, the study's settings and the history of
 * every trial already recorded (values, status, score).  That history is
 * the oracle's durable state, so a search that was cancelled or killed
 * resumes exactly where it stopped, and several sessions can share a study.
 * An oracle that needs more than the history (a fitted model, a bracket
 * position) serialises it with save_state into a text blob the host stores
 * beside the study, and gets it back in OracleConfig.state.
 *
 * The calls, in KerasTuner's words:
 *	 oracle_create_trial	choose the values of the next trial
 *	 oracle_update			a trial reports an intermediate score; the
 *							answer says whether to stop it (pruning)
 *	 oracle_end_trial		a trial finished, with its status and score
 *
 * Randomness comes from the study seed, the trial id and an attempt
 * counter only (no hidden generator state), so the same seed gives the
 * same sequence of trials, in one call or across resumed calls.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_ORACLE_H
#define HPTUNE_CORE_ORACLE_H

#include "core/space.h"

typedef enum TrialStatus
{
	TRIAL_RUNNING,
	TRIAL_COMPLETED,
	TRIAL_FAILED,
	TRIAL_STOPPED,
	TRIAL_INVALID
} TrialStatus;

typedef struct TrialRecord
{
	int			trial_id;
	TrialStatus status;
	HpAssignment values;
	double		score;			/* valid when has_score */
	bool		has_score;
	uint64_t	hash;			/* hp_assignment_hash of values */
	int			nsteps;			/* intermediate values, by ascending step */
	int		   *steps;
	double	   *step_values;
} TrialRecord;

typedef struct OracleConfig
{
	const char *tuner;			/* "random", "grid", ... */
	const HpSpace *space;
	uint64_t	seed;
	int			max_trials;
	bool		maximize;		/* direction 'max' */
	const char *options;		/* tuner_options, JSON text */
	const char *state;			/* saved state, or NULL */
} OracleConfig;

typedef enum OracleResult
{
	ORACLE_TRIAL_READY,			/* *out holds new values */
	ORACLE_EXHAUSTED,			/* the space has no unseen combination left */
	ORACLE_DONE					/* the oracle's own budget is spent */
} OracleResult;

typedef struct Oracle Oracle;

typedef struct OracleMethods
{
	const char *name;
	void		(*init) (Oracle *oracle);
	OracleResult (*create_trial) (Oracle *oracle, int trial_id, HpAssignment *out);
	bool		(*update) (Oracle *oracle, int trial_id, int step, double score);
	void		(*end_trial) (Oracle *oracle, int trial_id, TrialStatus status,
							  double score, bool has_score);
	char	   *(*save_state) (Oracle *oracle);
	/* raise CORE_ERR_INVALID_PARAMETER for unfit tuner_options, or NULL */
	void		(*check_options) (const char *options);
	/* add the tuner's own hyperparameters to the space, or NULL */
	void		(*extend_space) (HpSpace *space);
} OracleMethods;

struct Oracle
{
	const OracleMethods *methods;
	OracleConfig config;
	int			ntrials;		/* history, grown by oracle_end_trial */
	int			maxtrials_alloc;
	TrialRecord *trials;
	void	   *private_state;	/* owned by the method */
};

/* true if the tuner name is known */
extern bool oracle_tuner_exists(const char *tuner);
/* comma-separated list of known tuners, for hints */
extern const char *oracle_tuner_names(void);

/*
 * Check a tuner's tuner_options (JSON text of an object) as oracle_create
 * would read them: the tuner's own settings and the pruner's.  Raises
 * CORE_ERR_INVALID_PARAMETER naming the first unfit setting.  The host calls
 * it when a study is created, so that a bad setting fails there and not at
 * the first search.
 */
extern void oracle_check_options(const char *tuner, const char *options);

/*
 * The search space the tuner works in: the study's, plus whatever the
 * tuner records in each trial's hyperparameters (Hyperband's tuner/... values).
 * Called by the host before it reads the history with that space.
 */
extern void oracle_extend_space(const char *tuner, HpSpace *space);

/*
 * Build an oracle.  history (ntrials records) is copied; records with
 * status TRIAL_RUNNING are treated as taken (their values are not offered
 * again) but carry no score.
 */
extern Oracle *oracle_create(const OracleConfig *config,
							 const TrialRecord *history, int ntrials);
extern OracleResult oracle_create_trial(Oracle *oracle, int trial_id,
										HpAssignment *out);

/*
 * A trial reports its objective at a step (an epoch).  The value joins the
 * trial's intermediate values (replacing one of the same step), the
 * tuner's update method sees it, then the pruner of tuner_options judges
 * the trial.  This is the one place a pruning decision is made: the answer
 * says whether the trial should stop, and oracle_stop_reason why.
 */
extern bool oracle_update(Oracle *oracle, int trial_id, int step, double score);
/* the reason of the last stop oracle_update answered, or NULL */
/*
 * Does the oracle steer training itself (a tuner that sets each trial's
 * epochs and checkpoints, such as hyperband, or a pruner)?  Such trials
 * need the oracle at every epoch.
 */
extern bool oracle_steers_training(const Oracle *oracle);
extern const char *oracle_stop_reason(const Oracle *oracle);
extern void oracle_end_trial(Oracle *oracle, int trial_id, const HpAssignment *values,
							 TrialStatus status, double score, bool has_score);
extern char *oracle_save_state(Oracle *oracle);

/* has a combination with this hash been seen (in history or handed out)? */
extern bool oracle_seen(const Oracle *oracle, uint64_t hash);

extern const char *trial_status_name(TrialStatus status);
extern bool trial_status_from_name(const char *name, TrialStatus *status);

/* the history record of a trial, or NULL */
extern TrialRecord *oracle_find_trial(Oracle *oracle, int trial_id);

/* number of distinct combinations seen (in history or handed out) */
extern int64_t oracle_seen_count(const Oracle *oracle);

/*
 * The tuners.  Each lives in its own oracle_<name>.c and is listed in
 * oracle.c's table; a method's create_trial receives out with n and a
 * zeroed values array already allocated, and fills the values only: the
 * dispatcher hashes and records what it returns.
 */
extern const OracleMethods oracle_random_methods;
extern const OracleMethods oracle_grid_methods;
extern const OracleMethods oracle_bayesian_methods;
extern const OracleMethods oracle_tpe_methods;
extern const OracleMethods oracle_hyperband_methods;

#endif							/* HPTUNE_CORE_ORACLE_H */
