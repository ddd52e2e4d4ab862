/*
 * test_hyperband.c
 *	  Unit tests of the Hyperband oracle (src/core/oracle_hyperband.c) and
 *	  its tuner_options.
 *
 * The expected brackets and trial sequences were computed with
 * KerasTuner's HyperbandOracle code (its _get_size, _get_epochs,
 * _get_num_brackets and populate_space), every trial completing at once
 * with score (trial_id * 37) % 23 + 0.5, direction min.
 */
#include "unit.h"

#include "hp_build.h"

#include "core/hyperband.h"

/* {size, epochs} per round, brackets 0.. in order, from KerasTuner */
TEST(test_bracket_arithmetic_matches_kerastuner)
{
	static const int e9[][3][2] = {
		{{3, 9}}, {{5, 3}, {2, 9}}, {{9, 1}, {3, 3}, {1, 9}}
	};
	static const int e100[][5][2] = {
		{{6, 100}}, {{9, 34}, {3, 100}}, {{18, 12}, {6, 34}, {2, 100}},
		{{41, 4}, {14, 12}, {5, 34}, {2, 100}},
		{{98, 2}, {33, 4}, {11, 12}, {4, 34}, {2, 100}}
	};
	static const int e10[][4][2] = {
		{{5, 10}}, {{5, 5}, {3, 10}}, {{7, 3}, {4, 5}, {2, 10}},
		{{10, 2}, {5, 3}, {3, 5}, {2, 10}}
	};

	CHECK(hyperband_num_brackets(9, 3) == 3);
	CHECK(hyperband_num_brackets(100, 3) == 5);
	CHECK(hyperband_num_brackets(10, 2) == 4);
	CHECK(hyperband_num_brackets(1, 3) == 1);
	for (int b = 0; b < 3; b++)
		for (int r = 0; r <= b; r++)
		{
			CHECK(hyperband_size(9, 3, b, r) == e9[b][r][0]);
			CHECK(hyperband_epochs(9, 3, b, r) == e9[b][r][1]);
		}
	for (int b = 0; b < 5; b++)
		for (int r = 0; r <= b; r++)
		{
			CHECK(hyperband_size(100, 3, b, r) == e100[b][r][0]);
			CHECK(hyperband_epochs(100, 3, b, r) == e100[b][r][1]);
		}
	for (int b = 0; b < 4; b++)
		for (int r = 0; r <= b; r++)
		{
			CHECK(hyperband_size(10, 2, b, r) == e10[b][r][0]);
			CHECK(hyperband_epochs(10, 2, b, r) == e10[b][r][1]);
		}
	CHECK(hyperband_size(27, 3, 0, 0) == 4);
	CHECK(hyperband_size(1, 3, 0, 0) == 1);
	/* max_epochs 9, factor 3: 23 trials, 75 epochs, against 23 x 9 */
	CHECK(hyperband_iteration_trials(9, 3) == 23);
	CHECK(hyperband_iteration_epochs(9, 3) == 75);
}

static HpSpace
hb_space(void)
{
	HpDef	   *defs = core_alloc(sizeof(HpDef) * 2);
	HpSpace		space;

	defs[0] = num("lr", HP_FLOAT, 1e-4, 1e-1, 0, HP_SAMPLING_LOG);
	defs[1] = num("units", HP_INT, 1, 1000, 1, HP_SAMPLING_LINEAR);
	space = make_space(defs, 2);
	oracle_extend_space("hyperband", &space);
	return space;
}

static OracleConfig
hb_config(const HpSpace *space, const char *options)
{
	OracleConfig c;

	memset(&c, 0, sizeof(c));
	c.tuner = "hyperband";
	c.space = space;
	c.seed = 42;
	c.max_trials = 1000;
	c.options = options;
	return c;
}

static int
hb_get(const HpSpace *space, const HpAssignment *a, const char *name)
{
	int			i = hp_space_find(space, name);

	return a->values[i].type == HPV_INT ? (int) a->values[i].i : -1;
}

/*
 * Run a whole search, and at every trial also rebuild a fresh oracle from
 * the history so far (a resumed search): both must make the trial
 * KerasTuner makes.
 */
static void
hb_check_sequence(const char *options, const int (*expected)[5], int n)
{
	HpSpace		space = hb_space();
	OracleConfig c = hb_config(&space, options);
	Oracle	   *oracle = oracle_create(&c, NULL, 0);
	int			t;

	for (t = 0; t < n; t++)
	{
		HpAssignment a;
		HpAssignment b;
		Oracle	   *resumed = oracle_create(&c, oracle->trials, oracle->ntrials);
		OracleResult res = oracle_create_trial(oracle, t, &a);

		CHECK(res == ORACLE_TRIAL_READY);
		CHECK(oracle_create_trial(resumed, t, &b) == ORACLE_TRIAL_READY);
		CHECK(hp_assignment_hash(&space, &a) == hp_assignment_hash(&space, &b));
		if (res != ORACLE_TRIAL_READY)
			return;
		if (hb_get(&space, &a, HYPERBAND_EPOCHS) != expected[t][0] ||
			hb_get(&space, &a, HYPERBAND_INITIAL_EPOCH) != expected[t][1] ||
			hb_get(&space, &a, HYPERBAND_BRACKET) != expected[t][2] ||
			hb_get(&space, &a, HYPERBAND_ROUND) != expected[t][3] ||
			hb_get(&space, &a, HYPERBAND_TRIAL_ID) != expected[t][4])
		{
			printf("  trial %d: got {%d, %d, %d, %d, %d}, expected {%d, %d, %d, %d, %d}\n", t,
				   hb_get(&space, &a, HYPERBAND_EPOCHS), hb_get(&space, &a, HYPERBAND_INITIAL_EPOCH),
				   hb_get(&space, &a, HYPERBAND_BRACKET), hb_get(&space, &a, HYPERBAND_ROUND),
				   hb_get(&space, &a, HYPERBAND_TRIAL_ID), expected[t][0], expected[t][1],
				   expected[t][2], expected[t][3], expected[t][4]);
			CHECK(false);
		}
		/* a promoted trial has its parent's own values */
		if (expected[t][4] >= 0)
		{
			TrialRecord *parent = oracle_find_trial(oracle, expected[t][4]);

			CHECK(hp_value_equal(a.values[0], parent->values.values[0]));
			CHECK(hp_value_equal(a.values[1], parent->values.values[1]));
		}
		oracle_end_trial(oracle, t, &a, TRIAL_COMPLETED, (t * 37) % 23 + 0.5, true);
	}
	{
		HpAssignment a;

		CHECK(oracle_create_trial(oracle, t, &a) == ORACLE_DONE);
	}
}
/* {epochs, initial_epoch, bracket, round, parent} of each trial, from KerasTuner */
static const int seq_9_3[][5] = {
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{3, 1, 2, 1, 0},
{3, 1, 2, 1, 5},
{3, 1, 2, 1, 2},
{9, 3, 2, 2, 10},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{9, 3, 1, 1, 15},
{9, 3, 1, 1, 17},
{9, 0, 0, 0, -1},
{9, 0, 0, 0, -1},
{9, 0, 0, 0, -1}
};
static const int seq_9_3_2[][5] = {
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{3, 1, 2, 1, 0},
{3, 1, 2, 1, 5},
{3, 1, 2, 1, 2},
{9, 3, 2, 2, 10},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{9, 3, 1, 1, 15},
{9, 3, 1, 1, 17},
{9, 0, 0, 0, -1},
{9, 0, 0, 0, -1},
{9, 0, 0, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{1, 0, 2, 0, -1},
{3, 1, 2, 1, 23},
{3, 1, 2, 1, 28},
{3, 1, 2, 1, 25},
{9, 3, 2, 2, 33},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{3, 0, 1, 0, -1},
{9, 3, 1, 1, 38},
{9, 3, 1, 1, 40},
{9, 0, 0, 0, -1},
{9, 0, 0, 0, -1},
{9, 0, 0, 0, -1}
};
static const int seq_10_2[][5] = {
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{2, 0, 3, 0, -1},
{3, 2, 3, 1, 0},
{3, 2, 3, 1, 5},
{3, 2, 3, 1, 2},
{3, 2, 3, 1, 7},
{3, 2, 3, 1, 4},
{5, 3, 3, 2, 10},
{5, 3, 3, 2, 12},
{5, 3, 3, 2, 14},
{10, 5, 3, 3, 15},
{10, 5, 3, 3, 17},
{3, 0, 2, 0, -1},
{3, 0, 2, 0, -1},
{3, 0, 2, 0, -1},
{3, 0, 2, 0, -1},
{3, 0, 2, 0, -1},
{3, 0, 2, 0, -1},
{3, 0, 2, 0, -1},
{5, 3, 2, 1, 23},
{5, 3, 2, 1, 20},
{5, 3, 2, 1, 25},
{5, 3, 2, 1, 22},
{10, 5, 2, 2, 28},
{10, 5, 2, 2, 30},
{5, 0, 1, 0, -1},
{5, 0, 1, 0, -1},
{5, 0, 1, 0, -1},
{5, 0, 1, 0, -1},
{5, 0, 1, 0, -1},
{10, 5, 1, 1, 33},
{10, 5, 1, 1, 35},
{10, 5, 1, 1, 37},
{10, 0, 0, 0, -1},
{10, 0, 0, 0, -1},
{10, 0, 0, 0, -1},
{10, 0, 0, 0, -1},
{10, 0, 0, 0, -1}
};

TEST(test_sequence_max_epochs_9_factor_3)
{
	hb_check_sequence("{\"factor\": 3, \"max_epochs\": 9}", seq_9_3, 23);
}

TEST(test_sequence_two_iterations)
{
	hb_check_sequence("{\"max_epochs\": 9, \"hyperband_iterations\": 2}", seq_9_3_2, 46);
}

TEST(test_sequence_max_epochs_10_factor_2)
{
	hb_check_sequence("{\"factor\": 2, \"max_epochs\": 10}", seq_10_2, 46);
}

/* a failed or stopped trial is never promoted; the bracket waits for more */
TEST(test_only_completed_trials_are_promoted)
{
	HpSpace		space = hb_space();
	OracleConfig c = hb_config(&space, "{\"max_epochs\": 9}");
	Oracle	   *oracle = oracle_create(&c, NULL, 0);
	HpAssignment a;

	for (int t = 0; t < 9; t++)
	{
		CHECK(oracle_create_trial(oracle, t, &a) == ORACLE_TRIAL_READY);
		/* trial 0 would be the best, but it failed; 1 was stopped */
		oracle_end_trial(oracle, t, &a, t == 0 ? TRIAL_FAILED : t == 1 ? TRIAL_STOPPED : TRIAL_COMPLETED,
						 t < 2 ? 0.0 : 10.0 - t, t > 0);
	}
	CHECK(oracle_create_trial(oracle, 9, &a) == ORACLE_TRIAL_READY);
	CHECK(hb_get(&space, &a, HYPERBAND_ROUND) == 1);
	CHECK(hb_get(&space, &a, HYPERBAND_TRIAL_ID) == 8);
}

/* round-0 values never repeat, whatever their tuner/... values */
TEST(test_round_zero_values_are_new)
{
	HpDef	   *defs = core_alloc(sizeof(HpDef));
	HpSpace		space;
	OracleConfig c;
	Oracle	   *oracle;
	HpAssignment a;
	int			t;

	defs[0] = num("units", HP_INT, 1, 4, 1, HP_SAMPLING_LINEAR);
	space = make_space(defs, 1);
	oracle_extend_space("hyperband", &space);
	CHECK(space.n == 6);
	c = hb_config(&space, "{\"max_epochs\": 9}");
	oracle = oracle_create(&c, NULL, 0);
	for (t = 0; t < 9; t++)
	{
		OracleResult res = oracle_create_trial(oracle, t, &a);

		if (res != ORACLE_TRIAL_READY)
			break;
		oracle_end_trial(oracle, t, &a, TRIAL_COMPLETED, t, true);
	}
	CHECK(t == 4);
	CHECK(oracle_create_trial(oracle, t, &a) == ORACLE_EXHAUSTED);
}

/* history rows edited by hand into nonsense are left out, never trusted */
TEST(test_hostile_history_is_ignored)
{
	HpSpace		space = hb_space();
	OracleConfig c = hb_config(&space, "{\"max_epochs\": 9}");
	TrialRecord h[3];
	Oracle	   *oracle;
	HpAssignment a;
	int			ib = hp_space_find(&space, HYPERBAND_BRACKET);
	int			ir = hp_space_find(&space, HYPERBAND_ROUND);
	int			ip = hp_space_find(&space, HYPERBAND_TRIAL_ID);

	memset(h, 0, sizeof(h));
	for (int i = 0; i < 3; i++)
	{
		h[i].trial_id = i;
		h[i].status = TRIAL_COMPLETED;
		h[i].has_score = true;
		h[i].values.n = space.n;
		h[i].values.values = core_alloc(sizeof(HpValue) * space.n);
		h[i].values.values[0] = vf(0.01 * (i + 1));
		h[i].values.values[1] = vi(i + 1);
	}
	h[0].values.values[ib] = vi(77);	/* no such bracket */
	h[0].values.values[ir] = vi(0);
	h[1].values.values[ib] = vi(2);
	h[1].values.values[ir] = vi(2);		/* promoted from nothing */
	h[1].values.values[ip] = vi(12345);
	h[2].values.values[ib] = vi(1);
	h[2].values.values[ir] = vi(5);		/* round beyond its bracket */
	oracle = oracle_create(&c, h, 3);
	CHECK(oracle_create_trial(oracle, 3, &a) == ORACLE_TRIAL_READY);
	CHECK(hb_get(&space, &a, HYPERBAND_BRACKET) == 2);
	CHECK(hb_get(&space, &a, HYPERBAND_ROUND) == 0);
}

TEST(test_options)
{
	HpSpace		space = hb_space();
	OracleConfig c = hb_config(&space, "{\"factor\": 1}");

	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_create(&c, NULL, 0));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_check_options("hyperband", "{\"max_epochs\": 0}"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("hyperband", "{\"hyperband_iterations\": -1}"));
	oracle_check_options("hyperband", "{\"max_epochs\": 9, \"factor\": 3}");
	oracle_check_options("random", "{\"max_epochs\": \"anything\"}");
}

int
main(void)
{
	RUN(test_bracket_arithmetic_matches_kerastuner);
	RUN(test_sequence_max_epochs_9_factor_3);
	RUN(test_sequence_two_iterations);
	RUN(test_sequence_max_epochs_10_factor_2);
	RUN(test_only_completed_trials_are_promoted);
	RUN(test_round_zero_values_are_new);
	RUN(test_hostile_history_is_ignored);
	RUN(test_options);
	UNIT_DONE();
}
