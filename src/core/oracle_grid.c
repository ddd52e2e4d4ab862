/*-------------------------------------------------------------------------
 *
 * oracle_grid.c
 *	  GridSearch: every combination once, in odometer order.
 *
 * The grid is walked as a mixed-radix counter over the hyperparameters in
 * declaration order, the last one changing fastest.  Each hyperparameter's
 * digit indexes its hp_grid_values list (default first, then ascending), so
 * the first trial is all defaults.  The radix of a digit depends on the
 * values before it: an inactive hyperparameter (a condition on its parent
 * not met) has exactly one slot, no value, so every distinct active
 * combination appears exactly once.  Only the value lists and the current
 * position are kept; nothing is materialised.
 *
 * create_trial returns the first combination in that order whose hash has
 * not been seen.  The history is the state: an oracle rebuilt from the
 * trials table skips what was already tried and continues where the last
 * session stopped.  Within one oracle the position only moves forward,
 * which is safe because the seen set only grows: everything behind the
 * position was seen when it was passed.
 *
 *-------------------------------------------------------------------------
 */
#include "core/oracle.h"

typedef struct GridState
{
	int			n;
	HpValue   **lists;			/* hp_grid_values of each hyperparameter */
	int		   *counts;
	int		   *digits;			/* the odometer; 0 for inactive ones */
	bool	   *active;
	HpValue    *values;			/* the combination at the odometer */
	bool		started;
	bool		done;
} GridState;

static void
grid_init(Oracle *oracle)
{
	const HpSpace *space = oracle->config.space;
	GridState  *grid = core_alloc(sizeof(GridState));
	int			n = space->n;

	grid->n = n;
	grid->lists = core_alloc(sizeof(HpValue *) * (n + 1));
	grid->counts = core_alloc(sizeof(int) * (n + 1));
	grid->digits = core_alloc(sizeof(int) * (n + 1));
	grid->active = core_alloc(sizeof(bool) * (n + 1));
	grid->values = core_alloc(sizeof(HpValue) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		grid->counts[i] = hp_grid_values(&space->hps[i], &grid->lists[i]);
		if (grid->counts[i] <= 0)
			grid->done = true;	/* a hyperparameter with no value */
	}
	oracle->private_state = grid;
}

/* recompute activity and values from position from on */
static void
grid_derive(GridState *grid, const HpSpace *space, int from)
{
	for (int i = from; i < grid->n; i++)
	{
		grid->active[i] = hp_is_active(space, i, grid->values);
		if (grid->active[i])
			grid->values[i] = grid->lists[i][grid->digits[i]];
		else
		{
			grid->digits[i] = 0;
			grid->values[i].type = HPV_NONE;
		}
	}
}

/* turn the odometer by one; false when it wraps around */
static bool
grid_advance(GridState *grid, const HpSpace *space)
{
	for (int i = grid->n - 1; i >= 0; i--)
	{
		if (grid->active[i] && grid->digits[i] + 1 < grid->counts[i])
		{
			grid->digits[i]++;
			for (int j = i + 1; j < grid->n; j++)
				grid->digits[j] = 0;
			grid_derive(grid, space, i);
			return true;
		}
	}
	return false;
}

static bool
grid_current_seen(Oracle *oracle, GridState *grid)
{
	HpAssignment current = {grid->n, grid->values};

	return oracle_seen(oracle, hp_assignment_hash(oracle->config.space,
												  &current));
}

static OracleResult
grid_create_trial(Oracle *oracle, int trial_id, HpAssignment *out)
{
	GridState  *grid = oracle->private_state;
	const HpSpace *space = oracle->config.space;
	int64_t		skipped = 0;

	(void) trial_id;
	if (grid->done)
		return ORACLE_EXHAUSTED;
	if (!grid->started)
	{
		grid->started = true;
		grid_derive(grid, space, 0);
	}
	else if (!grid_advance(grid, space))
		grid->done = true;
	while (!grid->done && grid_current_seen(oracle, grid))
	{
		if (++skipped % 1024 == 0)
			core_check_interrupts();
		if (!grid_advance(grid, space))
			grid->done = true;
	}
	if (grid->done)
		return ORACLE_EXHAUSTED;
	for (int i = 0; i < grid->n; i++)
		out->values[i] = grid->values[i];
	return ORACLE_TRIAL_READY;
}

const OracleMethods oracle_grid_methods = {
	.name = "grid",
	.init = grid_init,
	.create_trial = grid_create_trial,
	.update = NULL,
	.end_trial = NULL,
	.save_state = NULL
};
