/*-------------------------------------------------------------------------
 *
 * oracle.c
 *	  The oracle interface: dispatch by tuner name, and the trial history.
 *
 * Every tuner is an OracleMethods struct in oracle_tuners below; adding a
 * tuner means writing oracle_<name>.c and adding its struct to that table.
 * The dispatcher owns what all tuners share:
 *
 *	 - the history: a copy of the records the host passed in, grown by every
 *	   trial handed out (recorded as RUNNING at once, so later calls in the
 *	   same session never offer it again) and by oracle_end_trial;
 *	 - the seen set: the hash of every combination in the history, in an
 *	   open-addressing hash set, so "was this tried?" is O(1).  A hash never
 *	   leaves the set: a combination once taken stays taken, whatever
 *	   became of its trial, as in KerasTuner.
 *
 * Hashes are recomputed from the values rather than trusted from the
 * records, so they always agree with hp_assignment_hash of the current
 * space.  A record whose values are empty (a trial not yet given values)
 * adds nothing to the seen set.
 *
 * An Oracle is the first member of a larger OracleImpl that also holds the
 * seen set; only oracle_create makes them.
 *
 *-------------------------------------------------------------------------
 */
#include "core/oracle.h"
#include "core/pruner.h"

#include <string.h>

typedef struct OracleSeenSet
{
	uint64_t   *slots;			/* 0 marks an empty slot */
	int64_t		capacity;		/* a power of two */
	int64_t		count;			/* distinct hashes, zero included */
	bool		has_zero;		/* the hash 0 lives here, not in slots */
} OracleSeenSet;

typedef struct OracleImpl
{
	Oracle		oracle;			/* must be first */
	OracleSeenSet seen;
	Pruner		pruner;			/* tuner_options.pruner */
	char	   *stop_reason;	/* of the last stop oracle_update answered */
} OracleImpl;

static const OracleMethods *const oracle_tuners[] = {
	&oracle_random_methods,
	&oracle_grid_methods,
	&oracle_bayesian_methods,
	&oracle_tpe_methods,
	&oracle_hyperband_methods
};

#define ORACLE_NTUNERS ((int) (sizeof(oracle_tuners) / sizeof(oracle_tuners[0])))

static const char *const oracle_status_names[] = {
	"RUNNING", "COMPLETED", "FAILED", "STOPPED", "INVALID"
};

/* ---------------------------------------------------------------------
 * Tuner lookup
 * --------------------------------------------------------------------- */

static const OracleMethods *
oracle_lookup(const char *tuner)
{
	for (int i = 0; tuner && i < ORACLE_NTUNERS; i++)
	{
		if (strcmp(oracle_tuners[i]->name, tuner) == 0)
			return oracle_tuners[i];
	}
	return NULL;
}

bool
oracle_tuner_exists(const char *tuner)
{
	return oracle_lookup(tuner) != NULL;
}

const char *
oracle_tuner_names(void)
{
	static char names[256];

	if (names[0] == '\0')
	{
		for (int i = 0; i < ORACLE_NTUNERS; i++)
		{
			if (i > 0)
				strcat(names, ", ");
			strcat(names, oracle_tuners[i]->name);
		}
	}
	return names;
}

const char *
trial_status_name(TrialStatus status)
{
	if ((int) status < 0 || status > TRIAL_INVALID)
		return "UNKNOWN";
	return oracle_status_names[status];
}

/* ASCII case-insensitive equality */
static bool
oracle_name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
	{
		char		ca = (*a >= 'a' && *a <= 'z') ? *a - 32 : *a;
		char		cb = (*b >= 'a' && *b <= 'z') ? *b - 32 : *b;

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

bool
trial_status_from_name(const char *name, TrialStatus *status)
{
	for (int i = 0; name && i <= TRIAL_INVALID; i++)
	{
		if (oracle_name_equal(name, oracle_status_names[i]))
		{
			*status = (TrialStatus) i;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------
 * The seen set
 * --------------------------------------------------------------------- */

static void oracle_seen_add(OracleSeenSet *set, uint64_t hash);
static void oracle_record_step(TrialRecord *record, int step, double value);
static CORE_NORETURN void oracle_unknown_tuner(const char *tuner);

static bool
oracle_seen_contains(const OracleSeenSet *set, uint64_t hash)
{
	uint64_t	mask = (uint64_t) set->capacity - 1;

	if (hash == 0)
		return set->has_zero;
	for (uint64_t k = hash & mask;; k = (k + 1) & mask)
	{
		if (set->slots[k] == hash)
			return true;
		if (set->slots[k] == 0)
			return false;
	}
}

static void
oracle_seen_grow(OracleSeenSet *set)
{
	uint64_t   *old = set->slots;
	int64_t		old_capacity = set->capacity;

	set->capacity = old_capacity * 2;
	set->slots = core_alloc(sizeof(uint64_t) * set->capacity);
	set->count = set->has_zero ? 1 : 0;
	for (int64_t k = 0; k < old_capacity; k++)
	{
		if (old[k] != 0)
			oracle_seen_add(set, old[k]);
	}
	core_free(old);
}

static void
oracle_seen_add(OracleSeenSet *set, uint64_t hash)
{
	uint64_t	mask;
	uint64_t	k;

	if (oracle_seen_contains(set, hash))
		return;
	set->count++;
	if (hash == 0)
	{
		set->has_zero = true;
		return;
	}
	if (set->count * 2 > set->capacity)
	{
		oracle_seen_grow(set);
		set->count++;
	}
	mask = (uint64_t) set->capacity - 1;
	for (k = hash & mask; set->slots[k] != 0; k = (k + 1) & mask)
		;
	set->slots[k] = hash;
}

bool
oracle_seen(const Oracle *oracle, uint64_t hash)
{
	return oracle_seen_contains(&((const OracleImpl *) oracle)->seen, hash);
}

int64_t
oracle_seen_count(const Oracle *oracle)
{
	return ((const OracleImpl *) oracle)->seen.count;
}

/* ---------------------------------------------------------------------
 * History
 * --------------------------------------------------------------------- */

static HpAssignment
oracle_copy_values(const HpAssignment *values)
{
	HpAssignment copy = {0, NULL};

	if (values == NULL || values->n <= 0)
		return copy;
	copy.n = values->n;
	copy.values = core_alloc(sizeof(HpValue) * values->n);
	for (int i = 0; i < values->n; i++)
	{
		copy.values[i] = values->values[i];
		if (copy.values[i].type == HPV_TEXT && copy.values[i].s)
			copy.values[i].s = core_strdup(copy.values[i].s);
	}
	return copy;
}

/* hash the record's values and mark them seen */
static void
oracle_take(Oracle *oracle, TrialRecord *record)
{
	const HpSpace *space = oracle->config.space;

	if (record->values.n == 0 && space->n > 0)
		return;
	record->hash = hp_assignment_hash(space, &record->values);
	oracle_seen_add(&((OracleImpl *) oracle)->seen, record->hash);
}

TrialRecord *
oracle_find_trial(Oracle *oracle, int trial_id)
{
	for (int i = oracle->ntrials - 1; i >= 0; i--)
	{
		if (oracle->trials[i].trial_id == trial_id)
			return &oracle->trials[i];
	}
	return NULL;
}

/* append a record (values copied), or overwrite the one of that trial id */
static TrialRecord *
oracle_record(Oracle *oracle, int trial_id, const HpAssignment *values,
			  TrialStatus status)
{
	TrialRecord *record = oracle_find_trial(oracle, trial_id);

	if (record == NULL)
	{
		if (oracle->ntrials == oracle->maxtrials_alloc)
		{
			oracle->maxtrials_alloc = oracle->maxtrials_alloc * 2 + 8;
			oracle->trials = core_realloc(oracle->trials,
										  sizeof(TrialRecord) * oracle->maxtrials_alloc);
		}
		record = &oracle->trials[oracle->ntrials++];
		memset(record, 0, sizeof(TrialRecord));
		record->trial_id = trial_id;
	}
	record->status = status;
	if (values != NULL && (values->n > 0 || oracle->config.space->n == 0))
	{
		record->values = oracle_copy_values(values);
		oracle_take(oracle, record);
	}
	return record;
}

/* an intermediate value, kept in step order; a repeated step replaces */
static void
oracle_record_step(TrialRecord *record, int step, double value)
{
	int			k = record->nsteps;

	for (int i = 0; i < record->nsteps; i++)
		if (record->steps[i] == step)
		{
			record->step_values[i] = value;
			return;
		}
	record->steps = core_realloc(record->steps, sizeof(int) * (k + 1));
	record->step_values = core_realloc(record->step_values, sizeof(double) * (k + 1));
	while (k > 0 && record->steps[k - 1] > step)
	{
		record->steps[k] = record->steps[k - 1];
		record->step_values[k] = record->step_values[k - 1];
		k--;
	}
	record->steps[k] = step;
	record->step_values[k] = value;
	record->nsteps++;
}

static CORE_NORETURN void
oracle_unknown_tuner(const char *tuner)
{
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("unknown tuner \"%s\"", tuner ? tuner : ""),
			   core_psprintf("Tuner \"%s\" is not one of the known tuners.",
							 tuner ? tuner : ""),
			   core_psprintf("Use one of: %s.", oracle_tuner_names()));
}

/* ---------------------------------------------------------------------
 * The interface
 * --------------------------------------------------------------------- */

static OracleConfig
oracle_copy_config(const OracleConfig *config)
{
	OracleConfig copy = *config;

	copy.tuner = core_strdup(config->tuner);
	copy.options = core_strdup(config->options ? config->options : "{}");
	copy.state = config->state ? core_strdup(config->state) : NULL;
	return copy;
}

Oracle *
oracle_create(const OracleConfig *config, const TrialRecord *history,
			  int ntrials)
{
	const OracleMethods *methods = oracle_lookup(config->tuner);
	OracleImpl *impl;
	Oracle	   *oracle;

	if (methods == NULL)
		oracle_unknown_tuner(config->tuner);
	if (config->space == NULL)
		core_error(CORE_ERR_INTERNAL, "oracle created without a search space",
				   NULL, NULL);
	impl = core_alloc(sizeof(OracleImpl));
	impl->seen.capacity = 64;
	impl->seen.slots = core_alloc(sizeof(uint64_t) * impl->seen.capacity);
	oracle = &impl->oracle;
	oracle->methods = methods;
	oracle->config = oracle_copy_config(config);
	for (int i = 0; i < ntrials; i++)
	{
		TrialRecord *record = oracle_record(oracle, history[i].trial_id,
											&history[i].values,
											history[i].status);

		record->score = history[i].score;
		record->has_score = history[i].has_score;
		for (int k = 0; k < history[i].nsteps; k++)
			oracle_record_step(record, history[i].steps[k], history[i].step_values[k]);
	}
	pruner_from_options(oracle->config.options, &impl->pruner);
	if (methods->init)
		methods->init(oracle);
	return oracle;
}

OracleResult
oracle_create_trial(Oracle *oracle, int trial_id, HpAssignment *out)
{
	int			n = oracle->config.space->n;
	OracleResult result;

	out->n = n;
	out->values = core_alloc(sizeof(HpValue) * (n > 0 ? n : 1));
	result = oracle->methods->create_trial(oracle, trial_id, out);
	if (result == ORACLE_TRIAL_READY)
	{
		TrialRecord *record = oracle_record(oracle, trial_id, out,
											TRIAL_RUNNING);

		record->has_score = false;
	}
	return result;
}

bool
oracle_update(Oracle *oracle, int trial_id, int step, double score)
{
	OracleImpl *impl = (OracleImpl *) oracle;
	TrialRecord *record = oracle_find_trial(oracle, trial_id);
	char	   *reason = NULL;

	if (record == NULL)
		record = oracle_record(oracle, trial_id, NULL, TRIAL_RUNNING);
	oracle_record_step(record, step, score);
	if (impl->stop_reason)
		core_free(impl->stop_reason);
	impl->stop_reason = NULL;
	if (oracle->methods->update &&
		oracle->methods->update(oracle, trial_id, step, score))
	{
		impl->stop_reason = core_psprintf("Stopped by the %s tuner at step %d.",
										  oracle->methods->name, step);
		return true;
	}
	if (pruner_should_stop(&impl->pruner, oracle->trials, oracle->ntrials,
						   oracle->config.maximize, trial_id, &reason))
	{
		impl->stop_reason = reason;
		return true;
	}
	return false;
}

bool
oracle_steers_training(const Oracle *oracle)
{
	return oracle->methods->extend_space != NULL ||
		((const OracleImpl *) oracle)->pruner.kind != PRUNER_NONE;
}

const char *
oracle_stop_reason(const Oracle *oracle)
{
	return ((const OracleImpl *) oracle)->stop_reason;
}

void
oracle_check_options(const char *tuner, const char *options)
{
	const OracleMethods *methods = oracle_lookup(tuner);
	Pruner		pruner;

	if (methods == NULL)
		oracle_unknown_tuner(tuner);
	pruner_from_options(options, &pruner);
	if (methods->check_options)
		methods->check_options(options);
}

void
oracle_extend_space(const char *tuner, HpSpace *space)
{
	const OracleMethods *methods = oracle_lookup(tuner);

	if (methods == NULL)
		oracle_unknown_tuner(tuner);
	if (methods->extend_space)
		methods->extend_space(space);
}

void
oracle_end_trial(Oracle *oracle, int trial_id, const HpAssignment *values,
				 TrialStatus status, double score, bool has_score)
{
	TrialRecord *record = oracle_record(oracle, trial_id, values, status);

	record->score = has_score ? score : 0.0;
	record->has_score = has_score;
	if (oracle->methods->end_trial)
		oracle->methods->end_trial(oracle, trial_id, status, score, has_score);
}

char *
oracle_save_state(Oracle *oracle)
{
	if (oracle->methods->save_state == NULL)
		return NULL;
	return oracle->methods->save_state(oracle);
}
