/*
 * test_oracle.c
 *	  Unit tests of the oracle interface and the random and grid tuners
 *	  (src/core/oracle.c, oracle_random.c, oracle_grid.c, rng.c).
 */
#include "unit.h"

#include "hp_build.h"

#include "core/oracle.h"
#include "core/rng.h"

static HpDef
int_hp(const char *name, int min, int max)
{
	return num(name, HP_INT, min, max, 0, HP_SAMPLING_LINEAR);
}

static OracleConfig
config(const char *tuner, const HpSpace *space, uint64_t seed)
{
	OracleConfig c;

	memset(&c, 0, sizeof(c));
	c.tuner = tuner;
	c.space = space;
	c.seed = seed;
	c.max_trials = 100;
	return c;
}

static bool
same_values(const HpAssignment *a, const HpAssignment *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
	{
		if (a->values[i].type != b->values[i].type ||
			!hp_value_equal(a->values[i], b->values[i]))
			return false;
	}
	return true;
}

/* a continuous space: lr (log float), units (int), act (choice) */
static HpSpace
mixed_space(void)
{
	static HpValue acts[] = {{HPV_TEXT, 0, 0, false, "relu"},
	{HPV_TEXT, 0, 0, false, "tanh"}};
	HpDef	   *defs = core_alloc(sizeof(HpDef) * 3);

	defs[0] = num("lr", HP_FLOAT, 1e-4, 1e-2, 0, HP_SAMPLING_LOG);
	defs[1] = int_hp("units", 32, 512);
	defs[1].has_step = true;
	defs[1].step = 32;
	defs[2] = choice("act", acts, 2);
	return make_space(defs, 3);
}

/* ---------------------------------------------------------------------
 * The interface
 * --------------------------------------------------------------------- */

TEST(tuner_names_and_statuses)
{
	HpSpace		space = mixed_space();
	OracleConfig c = config("simulated_annealing", &space, 1);
	TrialStatus status;

	CHECK_STR(oracle_tuner_names(), "random, grid, bayesian, tpe, hyperband");
	CHECK(oracle_tuner_exists("random"));
	CHECK(oracle_tuner_exists("grid"));
	CHECK(oracle_tuner_exists("hyperband"));
	CHECK(!oracle_tuner_exists("simulated_annealing"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_create(&c, NULL, 0));
	CHECK(strstr(core_test_last_hint, "random, grid, bayesian, tpe") != NULL);
	CHECK_STR(trial_status_name(TRIAL_RUNNING), "RUNNING");
	CHECK_STR(trial_status_name(TRIAL_COMPLETED), "COMPLETED");
	CHECK_STR(trial_status_name(TRIAL_FAILED), "FAILED");
	CHECK_STR(trial_status_name(TRIAL_STOPPED), "STOPPED");
	CHECK_STR(trial_status_name(TRIAL_INVALID), "INVALID");
	for (int s = TRIAL_RUNNING; s <= TRIAL_INVALID; s++)
		CHECK(trial_status_from_name(trial_status_name(s), &status) &&
			  status == (TrialStatus) s);
	CHECK(!trial_status_from_name("PENDING", &status));
}

TEST(history_bookkeeping)
{
	HpSpace		space = mixed_space();
	OracleConfig c = config("random", &space, 7);
	Oracle	   *oracle = oracle_create(&c, NULL, 0);
	HpAssignment a;
	HpValue		other_values[] = {{HPV_FLOAT, 0, 0.001, false, NULL}, vi(64),
	vt("tanh")};
	HpAssignment other = {3, other_values};
	uint64_t	hash;
	TrialRecord *record;

	CHECK(oracle_create_trial(oracle, 1, &a) == ORACLE_TRIAL_READY);
	CHECK(a.n == 3);
	hash = hp_assignment_hash(&space, &a);
	CHECK(oracle_seen(oracle, hash));
	CHECK(oracle->ntrials == 1);
	record = oracle_find_trial(oracle, 1);
	CHECK(record != NULL && record->status == TRIAL_RUNNING);
	CHECK(record != NULL && record->hash == hash && !record->has_score);

	oracle_end_trial(oracle, 1, NULL, TRIAL_COMPLETED, 0.9, true);
	record = oracle_find_trial(oracle, 1);
	CHECK(record->status == TRIAL_COMPLETED && record->has_score &&
		  record->score == 0.9);
	CHECK(same_values(&record->values, &a));

	/* a trial from another session, unknown to this oracle */
	CHECK(!oracle_seen(oracle, hp_assignment_hash(&space, &other)));
	oracle_end_trial(oracle, 5, &other, TRIAL_FAILED, 0, false);
	CHECK(oracle->ntrials == 2);
	CHECK(oracle_seen(oracle, hp_assignment_hash(&space, &other)));
	CHECK(oracle_find_trial(oracle, 5)->status == TRIAL_FAILED);
	CHECK(oracle_seen_count(oracle) == 2);
	CHECK(!oracle_update(oracle, 1, 3, 0.5));
	CHECK(oracle_save_state(oracle) == NULL);
}

TEST(seen_set_grows)
{
	HpDef		defs[1] = {int_hp("x", 0, 4999)};
	HpSpace		space = make_space(defs, 1);
	OracleConfig c = config("grid", &space, 0);
	Oracle	   *oracle = oracle_create(&c, NULL, 0);
	HpAssignment a;
	int			n = 0;

	while (oracle_create_trial(oracle, n + 1, &a) == ORACLE_TRIAL_READY)
		n++;
	CHECK(n == 5000);
	CHECK(oracle_seen_count(oracle) == 5000);
	for (int x = 0; x < 5000; x += 499)
	{
		HpValue		v = vi(x);
		HpAssignment one = {1, &v};

		CHECK(oracle_seen(oracle, hp_assignment_hash(&space, &one)));
	}
}

/* ---------------------------------------------------------------------
 * Random
 * --------------------------------------------------------------------- */

TEST(rng_is_stateless)
{
	CHECK(rng_uniform(1, 2, 3, 4) == rng_uniform(1, 2, 3, 4));
	CHECK(rng_uniform(1, 2, 3, 4) != rng_uniform(1, 2, 3, 5));
	CHECK(rng_uniform(1, 2, 3, 4) != rng_uniform(2, 2, 3, 4));
	for (int i = 0; i < 1000; i++)
	{
		double		u = rng_uniform(9, i, 0, 0);

		CHECK(u >= 0 && u < 1);
	}
}

TEST(random_same_seed_same_trials)
{
	HpSpace		space = mixed_space();
	OracleConfig c42 = config("random", &space, 42);
	OracleConfig c43 = config("random", &space, 43);
	Oracle	   *a = oracle_create(&c42, NULL, 0);
	Oracle	   *b = oracle_create(&c42, NULL, 0);
	Oracle	   *d = oracle_create(&c43, NULL, 0);
	int			differ = 0;

	for (int t = 1; t <= 8; t++)
	{
		HpAssignment x, y, z;

		CHECK(oracle_create_trial(a, t, &x) == ORACLE_TRIAL_READY);
		CHECK(oracle_create_trial(b, t, &y) == ORACLE_TRIAL_READY);
		CHECK(oracle_create_trial(d, t, &z) == ORACLE_TRIAL_READY);
		CHECK(same_values(&x, &y));
		differ += !same_values(&x, &z);
		CHECK(x.values[0].f >= 1e-4 && x.values[0].f <= 1e-2);
		CHECK(x.values[1].i >= 32 && x.values[1].i <= 512 &&
			  x.values[1].i % 32 == 0);
	}
	CHECK(differ >= 7);
}

TEST(random_resumes_from_history)
{
	HpSpace		space = mixed_space();
	OracleConfig c = config("random", &space, 11);
	Oracle	   *first = oracle_create(&c, NULL, 0);
	Oracle	   *second;
	HpAssignment third;
	HpAssignment again;

	for (int t = 1; t <= 3; t++)
		oracle_create_trial(first, t, &third);
	second = oracle_create(&c, first->trials, 2);
	CHECK(second->ntrials == 2);
	CHECK(oracle_create_trial(second, 3, &again) == ORACLE_TRIAL_READY);
	CHECK(same_values(&third, &again));
}

TEST(random_no_duplicates)
{
	HpValue		acts[] = {vt("relu"), vt("tanh"), vt("gelu")};
	HpDef		defs[3];
	HpSpace		space;
	OracleConfig c;
	Oracle	   *oracle;
	uint64_t	hashes[12];
	HpAssignment a;

	defs[0] = choice("act", acts, 3);
	defs[1] = int_hp("layers", 1, 2);
	memset(&defs[2], 0, sizeof(HpDef));
	defs[2].name = "dropout";
	defs[2].kind = HP_BOOLEAN;
	space = make_space(defs, 3);
	c = config("random", &space, 3);
	oracle = oracle_create(&c, NULL, 0);
	for (int t = 0; t < 10; t++)
	{
		CHECK(oracle_create_trial(oracle, t + 1, &a) == ORACLE_TRIAL_READY);
		hashes[t] = hp_assignment_hash(&space, &a);
		for (int u = 0; u < t; u++)
			CHECK(hashes[u] != hashes[t]);
	}
}

TEST(random_exhausts_small_space)
{
	HpValue		sizes[] = {vi(8), vi(16), vi(32), vi(64)};
	HpDef		defs[1];
	HpSpace		space;
	OracleConfig c;
	Oracle	   *oracle;
	bool		got[4] = {false, false, false, false};
	HpAssignment a;

	defs[0] = choice("batch", sizes, 4);
	space = make_space(defs, 1);
	c = config("random", &space, 5);
	oracle = oracle_create(&c, NULL, 0);
	for (int t = 1; t <= 4; t++)
	{
		CHECK(oracle_create_trial(oracle, t, &a) == ORACLE_TRIAL_READY);
		for (int k = 0; k < 4; k++)
			got[k] |= a.values[0].i == sizes[k].i;
	}
	CHECK(got[0] && got[1] && got[2] && got[3]);
	CHECK(oracle_create_trial(oracle, 5, &a) == ORACLE_EXHAUSTED);
	CHECK(oracle->ntrials == 4);
}

TEST(random_respects_conditions)
{
	HpValue		two_three[] = {vi(2), vi(3)};
	HpDef		defs[2];
	HpSpace		space;
	OracleConfig c;
	Oracle	   *oracle;
	HpAssignment a;

	defs[0] = int_hp("layers", 1, 3);
	defs[1] = int_hp("units_1", 32, 128);
	defs[1].has_step = true;
	defs[1].step = 32;
	defs[1].parent_name = "layers";
	defs[1].parent_values = two_three;
	defs[1].nparent_values = 2;
	space = make_space(defs, 2);
	CHECK(hp_space_cardinality(&space) == 9);
	c = config("random", &space, 9);
	oracle = oracle_create(&c, NULL, 0);
	for (int t = 1; t <= 9; t++)
	{
		CHECK(oracle_create_trial(oracle, t, &a) == ORACLE_TRIAL_READY);
		CHECK((a.values[0].i == 1) == (a.values[1].type == HPV_NONE));
	}
	CHECK(oracle_create_trial(oracle, 10, &a) == ORACLE_EXHAUSTED);
}

/* ---------------------------------------------------------------------
 * Grid
 * --------------------------------------------------------------------- */

/* a: int 1..3 with default 2; b: choice x, y */
static HpSpace
grid_space(void)
{
	static HpValue xy[] = {{HPV_TEXT, 0, 0, false, "x"},
	{HPV_TEXT, 0, 0, false, "y"}};
	HpDef	   *defs = core_alloc(sizeof(HpDef) * 2);

	defs[0] = int_hp("a", 1, 3);
	defs[0].default_value = vi(2);
	defs[1] = choice("b", xy, 2);
	return make_space(defs, 2);
}

TEST(grid_order_and_exhaustion)
{
	HpSpace		space = grid_space();
	OracleConfig c = config("grid", &space, 0);
	Oracle	   *oracle = oracle_create(&c, NULL, 0);
	int			expect_a[] = {2, 2, 1, 1, 3, 3};
	const char *expect_b[] = {"x", "y", "x", "y", "x", "y"};
	HpAssignment a;

	for (int t = 0; t < 6; t++)
	{
		CHECK(oracle_create_trial(oracle, t + 1, &a) == ORACLE_TRIAL_READY);
		CHECK(a.values[0].type == HPV_INT && a.values[0].i == expect_a[t]);
		CHECK(a.values[1].type == HPV_TEXT);
		CHECK_STR(a.values[1].s, expect_b[t]);
	}
	CHECK(oracle_create_trial(oracle, 7, &a) == ORACLE_EXHAUSTED);
	CHECK(oracle_create_trial(oracle, 8, &a) == ORACLE_EXHAUSTED);
	CHECK(oracle->ntrials == 6);
	CHECK(oracle_seen_count(oracle) == 6);
}

TEST(grid_resumes_from_history)
{
	HpSpace		space = grid_space();
	OracleConfig c = config("grid", &space, 0);
	Oracle	   *first = oracle_create(&c, NULL, 0);
	Oracle	   *second;
	HpAssignment seq[6];
	HpAssignment a;
	int			n = 0;

	for (int t = 0; t < 6; t++)
		oracle_create_trial(first, t + 1, &seq[t]);
	second = oracle_create(&c, first->trials, 2);
	while (oracle_create_trial(second, n + 3, &a) == ORACLE_TRIAL_READY)
	{
		CHECK(n + 2 < 6 && same_values(&a, &seq[n + 2]));
		n++;
	}
	CHECK(n == 4);

	/* a hole in the history is filled first */
	first->trials[1] = first->trials[5];
	second = oracle_create(&c, first->trials, 2);
	CHECK(oracle_create_trial(second, 7, &a) == ORACLE_TRIAL_READY);
	CHECK(same_values(&a, &seq[1]));
}

TEST(grid_conditional_tree)
{
	HpValue		two_three[] = {vi(2), vi(3)};
	HpValue		three[] = {vi(3)};
	HpDef		defs[3];
	HpSpace		space;
	OracleConfig c;
	Oracle	   *oracle;
	HpAssignment a;
	uint64_t	hashes[32];
	int			n = 0;

	defs[0] = int_hp("layers", 1, 3);
	defs[1] = int_hp("units_1", 32, 64);
	defs[1].has_step = true;
	defs[1].step = 32;
	defs[1].parent_name = "layers";
	defs[1].parent_values = two_three;
	defs[1].nparent_values = 2;
	defs[2] = int_hp("units_2", 1, 3);
	defs[2].parent_name = "layers";
	defs[2].parent_values = three;
	defs[2].nparent_values = 1;
	space = make_space(defs, 3);
	/* layers=1: 1; layers=2: 2; layers=3: 2 x 3 */
	CHECK(hp_space_cardinality(&space) == 9);
	c = config("grid", &space, 0);
	oracle = oracle_create(&c, NULL, 0);
	while (n < 32 && oracle_create_trial(oracle, n + 1, &a) == ORACLE_TRIAL_READY)
	{
		CHECK((a.values[1].type != HPV_NONE) == (a.values[0].i >= 2));
		CHECK((a.values[2].type != HPV_NONE) == (a.values[0].i == 3));
		hashes[n] = hp_assignment_hash(&space, &a);
		for (int u = 0; u < n; u++)
			CHECK(hashes[u] != hashes[n]);
		n++;
	}
	CHECK(n == 9);
}

TEST(grid_continuous_float_is_finite)
{
	HpSpace		space = mixed_space();
	OracleConfig c = config("grid", &space, 0);
	Oracle	   *oracle = oracle_create(&c, NULL, 0);
	HpAssignment a;
	int			n = 0;

	CHECK(hp_space_cardinality(&space) == -1);
	CHECK(oracle_create_trial(oracle, 1, &a) == ORACLE_TRIAL_READY);
	CHECK(a.values[0].f == 1e-4 && a.values[1].i == 32);
	CHECK_STR(a.values[2].s, "relu");
	n = 1;
	while (oracle_create_trial(oracle, n + 1, &a) == ORACLE_TRIAL_READY)
		n++;
	CHECK(n == 10 * 16 * 2);
}

int
main(void)
{
	RUN(tuner_names_and_statuses);
	RUN(history_bookkeeping);
	RUN(seen_set_grows);
	RUN(rng_is_stateless);
	RUN(random_same_seed_same_trials);
	RUN(random_resumes_from_history);
	RUN(random_no_duplicates);
	RUN(random_exhausts_small_space);
	RUN(random_respects_conditions);
	RUN(grid_order_and_exhaustion);
	RUN(grid_resumes_from_history);
	RUN(grid_conditional_tree);
	RUN(grid_continuous_float_is_finite);
	UNIT_DONE();
}
