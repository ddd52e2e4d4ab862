/*-------------------------------------------------------------------------
 *
 * oracle_hyperband.c
 *	  Hyperband: KerasTuner's HyperbandOracle, with its state derived from
 *	  the trial history.
 *
 * Settings (tuner_options): max_epochs (100), factor (3) and
 * hyperband_iterations (1).  An iteration runs brackets numbered from
 * s = num_brackets - 1 down to 0; bracket s has s + 1 rounds; round r of
 * bracket s holds
 *
 *	 size(s, r)   = ceil(ceil(1 + log(max_epochs) / log(factor)) / (s + 1)
 *						 * factor^(s - r))
 *
 * trials trained to epochs(s, r) = ceil(max_epochs / factor^(s - r)), all
 * as KerasTuner computes them (floating point included).  Round 0's trials
 * get random values; a trial of a later round is a copy of the best
 * COMPLETED trial of the round before that was not promoted yet, made as
 * soon as more of them are done than the round drops.  KerasTuner's order
 * of work is kept: first fill the round 0 of an open bracket, then promote
 * in open brackets, oldest first; then open the next bracket; when the
 * last bracket of the last iteration is open and nothing can be done, the
 * oracle is done.
 *
 * Every trial carries, as in KerasTuner, tuner/epochs, tuner/initial_epoch
 * (0 in round 0, else the epochs of the round before), tuner/bracket,
 * tuner/round and, when promoted, tuner/trial_id (its parent).  The host
 * trains a promoted trial from its parent's checkpoint, from epoch
 * initial_epoch to epochs.  tuner/bracket is the bracket the trial belongs
 * to (KerasTuner records the bracket being opened at the time, which is
 * the same for every trial a single worker makes).
 *
 * These values are the whole state: the brackets are rebuilt from the
 * history at every call, in trial order (a round-0 trial joins the newest
 * bracket of its number while that bracket's round 0 has room, else opens
 * the next one; a promoted trial joins its parent's bracket), so a search
 * stopped at any point resumes with the decisions an uninterrupted one
 * would have made.  A round-0 combination is never drawn twice in a study,
 * whatever its tuner/... values (KerasTuner hashes values without them).
 *
 *-------------------------------------------------------------------------
 */
#include "core/hyperband.h"
#include "core/oracle_options.h"
#include "core/rng.h"

#include <math.h>
#include <string.h>

#define HYPERBAND_ATTEMPTS 100
#define HYPERBAND_MAX_EPOCHS 100000

static const char *const hyperband_names[] = {
	HYPERBAND_EPOCHS, HYPERBAND_INITIAL_EPOCH, HYPERBAND_BRACKET,
	HYPERBAND_ROUND, HYPERBAND_TRIAL_ID
};

#define HB_EPOCHS 0
#define HB_INITIAL_EPOCH 1
#define HB_BRACKET 2
#define HB_ROUND 3
#define HB_TRIAL_ID 4
#define HB_NVALUES 5

typedef struct HyperbandEntry
{
	int			id;				/* trial id */
	int			past_id;		/* the parent, or -1 */
} HyperbandEntry;

typedef struct HyperbandBracket
{
	int			num;			/* s */
	int		   *count;			/* entries per round */
	HyperbandEntry **rounds;	/* [round][entry] */
} HyperbandBracket;

typedef struct HyperbandState
{
	int			max_epochs;
	int			factor;
	int			iterations;
	int			num_brackets;
	int			index[HB_NVALUES];	/* positions of tuner/... values in the space */
	/* rebuilt from the history at every call */
	int			nbrackets;
	HyperbandBracket *brackets;
} HyperbandState;

/* ---------------------------------------------------------------------
 * KerasTuner's arithmetic
 * --------------------------------------------------------------------- */

int
hyperband_num_brackets(int max_epochs, int factor)
{
	double		epochs = max_epochs;
	int			brackets = 0;

	while (epochs >= 1)
	{
		epochs = epochs / factor;
		brackets++;
	}
	return brackets;
}

int
hyperband_size(int max_epochs, int factor, int bracket, int round)
{
	double		bracket0_end_size = ceil(1 + log((double) max_epochs) / log((double) factor));
	double		bracket_end_size = bracket0_end_size / (bracket + 1);

	return (int) ceil(bracket_end_size * pow((double) factor, bracket - round));
}

int
hyperband_epochs(int max_epochs, int factor, int bracket, int round)
{
	return (int) ceil(max_epochs / pow((double) factor, bracket - round));
}

int64_t
hyperband_iteration_trials(int max_epochs, int factor)
{
	int64_t		total = 0;

	for (int s = 0; s < hyperband_num_brackets(max_epochs, factor); s++)
		for (int r = 0; r <= s; r++)
			total += hyperband_size(max_epochs, factor, s, r);
	return total;
}

int64_t
hyperband_iteration_epochs(int max_epochs, int factor)
{
	int64_t		total = 0;

	for (int s = 0; s < hyperband_num_brackets(max_epochs, factor); s++)
		for (int r = 0; r <= s; r++)
			total += (int64_t) hyperband_size(max_epochs, factor, s, r) *
				(hyperband_epochs(max_epochs, factor, s, r) -
				 (r > 0 ? hyperband_epochs(max_epochs, factor, s, r - 1) : 0));
	return total;
}

/* ---------------------------------------------------------------------
 * Settings and space
 * --------------------------------------------------------------------- */

static void
hyperband_read_options(const char *options, HyperbandState *st)
{
	OracleOptions *opts = oracle_options_parse("hyperband", options);

	st->max_epochs = (int) oracle_option_number(opts, "max_epochs", 100,
												1, HYPERBAND_MAX_EPOCHS, true);
	st->factor = (int) oracle_option_number(opts, "factor", 3, 2, 1000, true);
	st->iterations = (int) oracle_option_number(opts, "hyperband_iterations", 1,
												1, 10000, true);
	st->num_brackets = hyperband_num_brackets(st->max_epochs, st->factor);
}

static void
hyperband_check_options(const char *options)
{
	HyperbandState st;

	hyperband_read_options(options, &st);
}

static void
hyperband_extend_space(HpSpace *space)
{
	int			n = space->n;
	HpDef	   *hps = core_alloc(sizeof(HpDef) * (n + HB_NVALUES));

	memcpy(hps, space->hps, sizeof(HpDef) * n);
	for (int k = 0; k < HB_NVALUES; k++)
	{
		HpDef	   *hp;

		if (hp_space_find(space, hyperband_names[k]) >= 0)
			continue;
		hp = &hps[n++];
		hp->name = hyperband_names[k];
		hp->kind = HP_INT;
		hp->min_value = 0;
		hp->max_value = INT32_MAX;
		hp->has_step = true;
		hp->step = 1;
		hp->sampling = HP_SAMPLING_LINEAR;
	}
	space->hps = hps;
	space->n = n;
}

static void
hyperband_init(Oracle *oracle)
{
	HyperbandState *st = core_alloc(sizeof(HyperbandState));

	hyperband_read_options(oracle->config.options, st);
	for (int k = 0; k < HB_NVALUES; k++)
	{
		st->index[k] = hp_space_find(oracle->config.space, hyperband_names[k]);
		if (st->index[k] < 0)
			core_error(CORE_ERR_INTERNAL, "hyperband oracle created without its hyperparameters",
					   core_psprintf("The search space has no \"%s\".", hyperband_names[k]),
					   "Extend the space with oracle_extend_space first.");
	}
	oracle->private_state = st;
}

/* ---------------------------------------------------------------------
 * The brackets, rebuilt from the history
 * --------------------------------------------------------------------- */

/* a tuner/... value of a record, or -1 */
static int
hyperband_value(const HyperbandState *st, const TrialRecord *t, int k)
{
	int			i = st->index[k];
	HpValue		v;

	if (t->values.n <= i)
		return -1;
	v = t->values.values[i];
	if (v.type != HPV_INT || v.i < 0 || v.i > INT32_MAX)
		return -1;
	return (int) v.i;
}

static HyperbandBracket *
hyperband_open_bracket(HyperbandState *st, int num)
{
	HyperbandBracket *b;

	st->brackets = core_realloc(st->brackets, sizeof(HyperbandBracket) * (st->nbrackets + 1));
	b = &st->brackets[st->nbrackets++];
	b->num = num;
	b->count = core_alloc(sizeof(int) * (num + 1));
	b->rounds = core_alloc(sizeof(HyperbandEntry *) * (num + 1));
	for (int r = 0; r <= num; r++)
		b->rounds[r] = core_alloc(sizeof(HyperbandEntry) *
								  hyperband_size(st->max_epochs, st->factor, num, r));
	return b;
}

static bool
hyperband_round_full(const HyperbandState *st, const HyperbandBracket *b, int r)
{
	return b->count[r] >= hyperband_size(st->max_epochs, st->factor, b->num, r);
}

static void
hyperband_add(HyperbandBracket *b, int r, int id, int past_id)
{
	b->rounds[r][b->count[r]].id = id;
	b->rounds[r][b->count[r]].past_id = past_id;
	b->count[r]++;
}

static void
hyperband_free_brackets(HyperbandState *st)
{
	for (int i = 0; i < st->nbrackets; i++)
	{
		for (int r = 0; r <= st->brackets[i].num; r++)
			core_free(st->brackets[i].rounds[r]);
		core_free(st->brackets[i].rounds);
		core_free(st->brackets[i].count);
	}
	if (st->brackets)
		core_free(st->brackets);
	st->brackets = NULL;
	st->nbrackets = 0;
}

/* the bracket and round holding trial id, or NULL */
static HyperbandBracket *
hyperband_find_entry(HyperbandState *st, int id, int *round)
{
	for (int i = st->nbrackets - 1; i >= 0; i--)
		for (int r = 0; r <= st->brackets[i].num; r++)
			for (int e = 0; e < st->brackets[i].count[r]; e++)
				if (st->brackets[i].rounds[r][e].id == id)
				{
					*round = r;
					return &st->brackets[i];
				}
	return NULL;
}

/*
 * Replay the history in trial order.  The first bracket (number
 * num_brackets - 1) is open from the start, as KerasTuner opens it when
 * the oracle is made.  Records whose tuner/... values do not fit a bracket
 * (rows edited by hand) are left out.
 */
static void
hyperband_rebuild(Oracle *oracle, HyperbandState *st)
{
	hyperband_free_brackets(st);
	hyperband_open_bracket(st, st->num_brackets - 1);
	for (int i = 0; i < oracle->ntrials; i++)
	{
		const TrialRecord *t = &oracle->trials[i];
		int			num = hyperband_value(st, t, HB_BRACKET);
		int			r = hyperband_value(st, t, HB_ROUND);

		if (num < 0 || num >= st->num_brackets || r < 0 || r > num)
			continue;
		if (r == 0)
		{
			HyperbandBracket *last = &st->brackets[st->nbrackets - 1];

			if (last->num != num || hyperband_round_full(st, last, 0))
				last = hyperband_open_bracket(st, num);
			hyperband_add(last, 0, t->trial_id, -1);
		}
		else
		{
			int			parent = hyperband_value(st, t, HB_TRIAL_ID);
			int			pr;
			HyperbandBracket *b = parent >= 0 ? hyperband_find_entry(st, parent, &pr) : NULL;

			if (b != NULL && b->num == num && pr == r - 1 && !hyperband_round_full(st, b, r))
				hyperband_add(b, r, t->trial_id, parent);
		}
	}
}

/* ---------------------------------------------------------------------
 * Making trials
 * --------------------------------------------------------------------- */

/* hash of the study's own values (tuner/... values left out) */
static uint64_t
hyperband_model_hash(const Oracle *oracle, const HyperbandState *st,
					 const HpAssignment *a)
{
	HpAssignment copy;
	uint64_t	h;

	copy.n = a->n;
	copy.values = core_alloc(sizeof(HpValue) * (a->n > 0 ? a->n : 1));
	memcpy(copy.values, a->values, sizeof(HpValue) * a->n);
	for (int k = 0; k < HB_NVALUES; k++)
		if (st->index[k] < copy.n)
			copy.values[st->index[k]].type = HPV_NONE;
	h = hp_assignment_hash(oracle->config.space, &copy);
	core_free(copy.values);
	return h;
}

static void
hyperband_set(const HyperbandState *st, HpAssignment *out, int k, int value)
{
	out->values[st->index[k]] = hp_int_value(value);
}

static bool
hyperband_is_tuner_value(const HyperbandState *st, int i)
{
	for (int k = 0; k < HB_NVALUES; k++)
		if (st->index[k] == i)
			return true;
	return false;
}

/* a round-0 trial of bracket b: random values not drawn before */
static OracleResult
hyperband_random_trial(Oracle *oracle, HyperbandState *st, HyperbandBracket *b,
					   int trial_id, HpAssignment *out)
{
	const HpSpace *space = oracle->config.space;
	int			n = oracle->ntrials;
	uint64_t   *seen = core_alloc(sizeof(uint64_t) * (n > 0 ? n : 1));

	for (int i = 0; i < n; i++)
		seen[i] = oracle->trials[i].values.n > 0
			? hyperband_model_hash(oracle, st, &oracle->trials[i].values) : 0;
	for (int attempt = 0; attempt < HYPERBAND_ATTEMPTS; attempt++)
	{
		uint64_t	h;
		bool		dup = false;

		for (int i = 0; i < space->n; i++)
		{
			out->values[i].type = HPV_NONE;
			if (hyperband_is_tuner_value(st, i) || !hp_is_active(space, i, out->values))
				continue;
			out->values[i] = hp_prob_to_value(&space->hps[i],
											  rng_uniform(oracle->config.seed, trial_id,
														  attempt, i));
		}
		h = hyperband_model_hash(oracle, st, out);
		for (int i = 0; i < n && !dup; i++)
			dup = oracle->trials[i].values.n > 0 && seen[i] == h;
		if (dup)
			continue;
		core_free(seen);
		hyperband_set(st, out, HB_EPOCHS, hyperband_epochs(st->max_epochs, st->factor, b->num, 0));
		hyperband_set(st, out, HB_INITIAL_EPOCH, 0);
		hyperband_set(st, out, HB_BRACKET, b->num);
		hyperband_set(st, out, HB_ROUND, 0);
		return ORACLE_TRIAL_READY;
	}
	core_free(seen);
	return ORACLE_EXHAUSTED;
}

static bool
hyperband_selected(const HyperbandBracket *b, int r, int id)
{
	for (int e = 0; e < b->count[r]; e++)
		if (b->rounds[r][e].past_id == id)
			return true;
	return false;
}

/* promote the best candidate of round r - 1 into round r, if it is time */
static bool
hyperband_promote(Oracle *oracle, HyperbandState *st, HyperbandBracket *b, int r,
				  HpAssignment *out)
{
	int			size = hyperband_size(st->max_epochs, st->factor, b->num, r);
	int			past_size = hyperband_size(st->max_epochs, st->factor, b->num, r - 1);
	int			ncandidates = 0;
	const TrialRecord *best = NULL;

	for (int e = 0; e < b->count[r - 1]; e++)
	{
		int			id = b->rounds[r - 1][e].id;
		const TrialRecord *t = oracle_find_trial(oracle, id);

		if (hyperband_selected(b, r, id) || t == NULL ||
			t->status != TRIAL_COMPLETED || !t->has_score)
			continue;
		ncandidates++;
		if (best == NULL || (oracle->config.maximize ? t->score > best->score
							 : t->score < best->score))
			best = t;
	}
	if (ncandidates <= past_size - size)
		return false;
	memcpy(out->values, best->values.values, sizeof(HpValue) * out->n);
	for (int i = 0; i < out->n; i++)
		if (out->values[i].type == HPV_TEXT)
			out->values[i].s = core_strdup(out->values[i].s);
	hyperband_set(st, out, HB_TRIAL_ID, best->trial_id);
	hyperband_set(st, out, HB_EPOCHS, hyperband_epochs(st->max_epochs, st->factor, b->num, r));
	hyperband_set(st, out, HB_INITIAL_EPOCH,
				  hyperband_epochs(st->max_epochs, st->factor, b->num, r - 1));
	hyperband_set(st, out, HB_BRACKET, b->num);
	hyperband_set(st, out, HB_ROUND, r);
	return true;
}

static OracleResult
hyperband_create_trial(Oracle *oracle, int trial_id, HpAssignment *out)
{
	HyperbandState *st = oracle->private_state;
	HyperbandBracket *last;
	int			next;

	hyperband_rebuild(oracle, st);
	for (int i = 0; i < st->nbrackets; i++)
	{
		HyperbandBracket *b = &st->brackets[i];

		if (hyperband_round_full(st, b, b->num))
			continue;			/* complete: every trial made */
		if (!hyperband_round_full(st, b, 0))
			return hyperband_random_trial(oracle, st, b, trial_id, out);
		for (int r = 1; r <= b->num; r++)
			if (hyperband_promote(oracle, st, b, r, out))
				return ORACLE_TRIAL_READY;
	}
	/* nothing to do in the open brackets: open the next one, if any */
	last = &st->brackets[st->nbrackets - 1];
	if (last->num == 0 && (st->nbrackets - 1) / st->num_brackets + 1 >= st->iterations)
		return ORACLE_DONE;
	next = last->num - 1 >= 0 ? last->num - 1 : st->num_brackets - 1;
	return hyperband_random_trial(oracle, st, hyperband_open_bracket(st, next),
								  trial_id, out);
}

const OracleMethods oracle_hyperband_methods = {
	.name = "hyperband",
	.init = hyperband_init,
	.create_trial = hyperband_create_trial,
	.update = NULL,
	.end_trial = NULL,
	.save_state = NULL,
	.check_options = hyperband_check_options,
	.extend_space = hyperband_extend_space
};
