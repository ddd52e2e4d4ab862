/*
 * test_pruner.c
 *	  Unit tests of the median and ASHA pruners (src/core/pruner.c) and of
 *	  oracle_update, where a pruning decision is made (src/core/oracle.c).
 *	  Expected decisions are worked out by hand from Optuna 3.1's rules.
 */
#include "unit.h"

#include "hp_build.h"

#include "core/pruner.h"

#define PR_MAX 16

static TrialRecord pr_trials[PR_MAX];
static int	pr_n;

/* a trial with values at steps 0, 1, ... */
static TrialRecord *
pr_add(TrialStatus status, const double *values, int nvalues)
{
	TrialRecord *t = &pr_trials[pr_n];

	memset(t, 0, sizeof(*t));
	t->trial_id = pr_n++;
	t->status = status;
	t->nsteps = nvalues;
	t->steps = core_alloc(sizeof(int) * (nvalues + 1));
	t->step_values = core_alloc(sizeof(double) * (nvalues + 1));
	for (int i = 0; i < nvalues; i++)
	{
		t->steps[i] = i;
		t->step_values[i] = values[i];
	}
	return t;
}

static bool
pr_stop(const char *options, bool maximize, int trial_id)
{
	Pruner		p;
	char	   *reason;
	bool		stop;

	pruner_from_options(options, &p);
	stop = pruner_should_stop(&p, pr_trials, pr_n, maximize, trial_id, &reason);
	CHECK(stop == (reason != NULL));
	return stop;
}

TEST(test_nanpercentile)
{
	double		a[] = {4, 1, NAN, 3, 2};
	double		b[] = {NAN};
	double		c[] = {7};

	CHECK_NEAR(pruner_nanpercentile(a, 5, 50), 2.5, 1e-12);
	CHECK(isnan(pruner_nanpercentile(b, 1, 50)));
	CHECK_NEAR(pruner_nanpercentile(c, 1, 50), 7, 0);
}

/* five completed trials with 1..5 at every step: the median is 3 */
static void
pr_five_completed(void)
{
	pr_n = 0;
	for (int i = 1; i <= 5; i++)
	{
		double		v[3] = {i, i, i};

		pr_add(TRIAL_COMPLETED, v, 3);
	}
}

TEST(test_median)
{
	const char *median = "{\"pruner\": \"median\"}";
	double		bad[] = {10};
	double		good[] = {2};
	double		at3[] = {3};
	double		late[] = {1, 10};
	double		nans[] = {NAN, NAN};

	pr_five_completed();
	pr_add(TRIAL_RUNNING, bad, 1);
	CHECK(pr_stop(median, false, 5));
	CHECK(!pr_stop(median, true, 5));	/* 10 is good when maximising */
	pr_n = 5;
	pr_add(TRIAL_RUNNING, good, 1);
	CHECK(!pr_stop(median, false, 5));
	CHECK(pr_stop(median, true, 5));
	pr_n = 5;
	pr_add(TRIAL_RUNNING, at3, 1);
	CHECK(!pr_stop(median, false, 5));	/* equal to the median: kept */
	/* the trial's best so far counts, not its last value */
	pr_n = 5;
	pr_add(TRIAL_RUNNING, late, 2);
	CHECK(!pr_stop(median, false, 5));
	/* all NaN: stopped */
	pr_n = 5;
	pr_add(TRIAL_RUNNING, nans, 2);
	CHECK(pr_stop(median, false, 5));
	/* fewer completed trials than n_startup_trials (5): never */
	pr_n = 4;
	pr_add(TRIAL_RUNNING, bad, 1);
	CHECK(!pr_stop(median, false, 4));
	CHECK(pr_stop("{\"pruner\": \"median\", \"pruner_options\": {\"n_startup_trials\": 4}}", false, 4));
	/* warm-up: no pruning before step n_warmup_steps */
	pr_five_completed();
	pr_add(TRIAL_RUNNING, bad, 1);
	CHECK(!pr_stop("{\"pruner\": \"median\", \"pruner_options\": {\"n_warmup_steps\": 1}}", false, 5));
	/* interval 2: steps 0 and 2 are judged, step 1 is not */
	pr_n = 5;
	{
		double		two[] = {10, 10};

		pr_add(TRIAL_RUNNING, two, 2);
		CHECK(!pr_stop("{\"pruner\": \"median\", \"pruner_options\": {\"interval_steps\": 2}}", false, 5));
		CHECK(pr_stop("{\"pruner\": \"median\", \"pruner_options\": {\"interval_steps\": 1}}", false, 5));
	}
	/* no completed trial has the step: not judged */
	pr_n = 5;
	{
		double		four[] = {1, 1, 1, 10};

		pr_add(TRIAL_RUNNING, four, 4);
		CHECK(!pr_stop(median, false, 5));
	}
	/* no pruner: never */
	pr_n = 5;
	pr_add(TRIAL_RUNNING, bad, 1);
	CHECK(!pr_stop("{}", false, 5));
}

TEST(test_asha)
{
	/* min_resource 1, factor 2: rungs at steps 1, 2, 4 */
	const char *asha = "{\"pruner\": \"asha\", \"pruner_options\": {\"min_resource\": 1, \"reduction_factor\": 2}}";
	double		a[] = {5, 4, 3, 2, 1};
	double		b[] = {6, 5, 4, 3, 2};
	double		c[] = {9, 9, 9, 9, 9};
	double		t0[] = {7};
	double		bad[] = {7, 8};
	double		good[] = {7, 4.5};
	double		good2[] = {7, 4.5, 4.4};

	pr_n = 0;
	pr_add(TRIAL_COMPLETED, a, 5);
	pr_add(TRIAL_COMPLETED, b, 5);
	pr_add(TRIAL_STOPPED, c, 5);
	/* step 0 is below the first rung */
	pr_add(TRIAL_RUNNING, t0, 1);
	CHECK(!pr_stop(asha, false, 3));
	/* rung 0 values {4, 5, 9, 8}: the best 4 / 2 = 2 go on (cut 5) */
	pr_n = 3;
	pr_add(TRIAL_RUNNING, bad, 2);
	CHECK(pr_stop(asha, false, 3));
	CHECK(!pr_stop(asha, true, 3));	/* maximising: cut 8 */
	pr_n = 3;
	pr_add(TRIAL_RUNNING, good, 2);
	CHECK(!pr_stop(asha, false, 3));
	/* rung 1 at step 2: {3, 4, 9, 4.4}, cut 4: 4.4 stops */
	pr_n = 3;
	pr_add(TRIAL_RUNNING, good2, 3);
	CHECK(pr_stop(asha, false, 3));
	/* the default factor 4 with 4 values keeps only the best */
	pr_n = 3;
	pr_add(TRIAL_RUNNING, good, 2);
	CHECK(pr_stop("{\"pruner\": \"asha\", \"pruner_options\": {\"min_resource\": 1}}", false, 3));
	/* min_early_stopping_rate 1: the first rung is at step 2 */
	CHECK(!pr_stop("{\"pruner\": \"asha\", \"pruner_options\": {\"min_resource\": 1, \"reduction_factor\": 2, \"min_early_stopping_rate\": 1}}",
				   false, 3));
	/* "auto": max(4 // 100, 1) = 1 from the completed trials */
	CHECK(pr_stop("{\"pruner\": \"asha\", \"pruner_options\": {\"min_resource\": \"auto\"}}", false, 3));
	/* "auto" with no completed trial: no pruning */
	pr_trials[0].status = TRIAL_FAILED;
	pr_trials[1].status = TRIAL_FAILED;
	CHECK(!pr_stop("{\"pruner\": \"asha\"}", false, 3));
}

TEST(test_pruner_options)
{
	Pruner		p;

	pruner_from_options("{}", &p);
	CHECK(p.kind == PRUNER_NONE && p.n_startup_trials == 5 && p.n_warmup_steps == 0 &&
		  p.interval_steps == 1 && p.reduction_factor == 4 && p.min_resource == 0 &&
		  p.min_early_stopping_rate == 0);
	/* the settings are read from pruner_options, never from the top level */
	pruner_from_options("{\"pruner\": \"median\", \"n_startup_trials\": 3, \"pruner_options\": {\"n_startup_trials\": 2, \"n_min_trials\": 3}}", &p);
	CHECK(p.kind == PRUNER_MEDIAN && p.n_startup_trials == 2 && p.n_min_trials == 3);
	pruner_from_options("{\"pruner\": \"median\", \"n_startup_trials\": 3, \"interval_steps\": 0}", &p);
	CHECK(p.kind == PRUNER_MEDIAN && p.n_startup_trials == 5 && p.interval_steps == 1);
	pruner_from_options("{\"pruner\": \"asha\", \"pruner_options\": {\"min_resource\": 3, \"reduction_factor\": 3}}", &p);
	CHECK(p.kind == PRUNER_ASHA && p.min_resource == 3 && p.reduction_factor == 3);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, pruner_from_options("{\"pruner\": \"hyperband\"}", &p));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, pruner_from_options("{\"pruner\": 1}", &p));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner_options\": {\"interval_steps\": 2}}", &p));
	CHECK(strstr(core_test_last_msg, "needs tuner_options.pruner") != NULL);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner\": \"median\", \"pruner_options\": [1]}", &p));
	CHECK_STR(core_test_last_msg, "tuner_options.pruner_options must be an object");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner\": \"median\", \"pruner_options\": {\"interval_steps\": 0}}", &p));
	CHECK_STR(core_test_last_detail, "tuner_options.pruner_options.interval_steps of pruner \"median\" is 0.");
	/* each pruner knows its own settings only */
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner\": \"median\", \"pruner_options\": {\"reduction_factor\": 2, \"x\": 1}}", &p));
	CHECK_STR(core_test_last_msg, "unknown keys \"reduction_factor\", \"x\" in tuner_options.pruner_options");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner\": \"asha\", \"pruner_options\": {\"n_startup_trials\": 2}}", &p));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner\": \"asha\", \"pruner_options\": {\"reduction_factor\": 1}}", &p));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner\": \"asha\", \"pruner_options\": {\"min_resource\": \"some\"}}", &p));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner\": \"asha\", \"pruner_options\": {\"min_resource\": 0}}", &p));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 pruner_from_options("{\"pruner\": \"median\", \"pruner_options\": {\"n_startup_trials\": -1}}", &p));
}

/* oracle_update keeps the values in the history and asks the pruner */
TEST(test_oracle_update)
{
	HpDef	   *defs = core_alloc(sizeof(HpDef));
	HpSpace		space;
	OracleConfig c;
	Oracle	   *oracle;
	HpAssignment a;

	defs[0] = num("x", HP_FLOAT, 0, 1, 0, HP_SAMPLING_LINEAR);
	space = make_space(defs, 1);
	memset(&c, 0, sizeof(c));
	c.tuner = "random";
	c.space = &space;
	c.seed = 1;
	c.max_trials = 100;
	c.options = "{\"pruner\": \"median\"}";
	pr_five_completed();
	for (int i = 0; i < 5; i++)
	{
		pr_trials[i].values.n = 1;
		pr_trials[i].values.values = core_alloc(sizeof(HpValue));
		pr_trials[i].values.values[0] = vf(0.1 * i);
	}
	oracle = oracle_create(&c, pr_trials, 5);
	CHECK(oracle_create_trial(oracle, 5, &a) == ORACLE_TRIAL_READY);
	CHECK(!oracle_update(oracle, 5, 0, 2.0));
	CHECK(oracle_stop_reason(oracle) == NULL);
	CHECK(!oracle_update(oracle, 5, 1, 2.5));
	CHECK(oracle_find_trial(oracle, 5)->nsteps == 2);
	/* a repeated step replaces its value: best now 7 > 3 */
	CHECK(oracle_update(oracle, 5, 0, 7.0) == false);	/* best 2.5 still */
	CHECK(oracle_update(oracle, 5, 1, 7.0));
	CHECK(oracle_stop_reason(oracle) != NULL);
	CHECK(strstr(oracle_stop_reason(oracle), "median") != NULL);
	CHECK(oracle_find_trial(oracle, 5)->nsteps == 2);
	/* the same history without a pruner never stops */
	c.options = "{}";
	oracle = oracle_create(&c, pr_trials, 5);
	CHECK(!oracle_update(oracle, 9, 0, 1e9));
}

int
main(void)
{
	RUN(test_nanpercentile);
	RUN(test_median);
	RUN(test_asha);
	RUN(test_pruner_options);
	RUN(test_oracle_update);
	UNIT_DONE();
}
