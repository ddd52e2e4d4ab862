/*
 * oracle_core.c
 *	  The oracles outside the server: time per suggestion, and searches of
 *	  the benchmark functions in-process (a quick check of search quality
 *	  without SQL; bench/search_quality.py runs them through SQL).
 *
 *	  oracle_core time TUNER N [REPEATS]
 *		  N completed trials of Hartmann-6 with random values, then times
 *		  REPEATS (default 5) calls of oracle_create_trial for trial N on
 *		  fresh oracles; prints "tuner=.. completed=.. ms_per_suggestion=..".
 *	  oracle_core search TUNER FUNCTION TRIALS SEED [TUNER_OPTIONS]
 *		  prints "regret_at_K=.." for K = 10, 25, 50, 100, ... TRIALS.
 *
 *	  Functions: branin, hartmann6, rosenbrock (as in search_quality.py).
 *
 *	  Build (from the repository root; search_quality.py does the same):
 *	  cc -O2 -std=gnu99 -Isrc -o oracle_core bench/oracle_core.c \
 *		  src/core/*.c -lopenblas -lnlopt -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/oracle.h"
#include "core/rng.h"

typedef struct BenchFunction
{
	const char *name;
	int			d;
	double		lo[6];
	double		hi[6];
	double		optimum;
	double		(*f) (const double *x);
} BenchFunction;

static double
branin(const double *x)
{
	double		a = x[1] - 5.1 / (4 * M_PI * M_PI) * x[0] * x[0] + 5 / M_PI * x[0] - 6;

	return a * a + 10 * (1 - 1 / (8 * M_PI)) * cos(x[0]) + 10;
}

static double
hartmann6(const double *x)
{
	static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
	static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14},
	{3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
	static const double P[4][6] = {{1312, 1696, 5569, 124, 8283, 5886},
	{2329, 4135, 8307, 3736, 1004, 9991}, {2348, 1451, 3522, 2883, 3047, 6650},
	{4047, 8828, 8732, 5743, 1091, 381}};
	double		s = 0;

	for (int i = 0; i < 4; i++)
	{
		double		e = 0;

		for (int j = 0; j < 6; j++)
			e += A[i][j] * (x[j] - P[i][j] * 1e-4) * (x[j] - P[i][j] * 1e-4);
		s += alpha[i] * exp(-e);
	}
	return -s;
}

static double
rosenbrock(const double *x)
{
	return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
}

static const BenchFunction functions[] = {
	{"branin", 2, {-5, 0}, {10, 15}, 0.397887357729738, branin},
	{"hartmann6", 6, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}, -3.32236801141551, hartmann6},
	{"rosenbrock", 2, {-5, -5}, {10, 10}, 0.0, rosenbrock},
};

static const char *const names[6] = {"x1", "x2", "x3", "x4", "x5", "x6"};

static HpSpace
bench_space(const BenchFunction *fn)
{
	HpDef	   *defs = core_alloc(sizeof(HpDef) * fn->d);

	for (int i = 0; i < fn->d; i++)
	{
		defs[i].name = names[i];
		defs[i].kind = HP_FLOAT;
		defs[i].min_value = fn->lo[i];
		defs[i].max_value = fn->hi[i];
		defs[i].sampling = HP_SAMPLING_LINEAR;
		defs[i].default_value.type = HPV_NONE;
	}
	return (HpSpace) {fn->d, defs};
}

static const BenchFunction *
bench_function(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(functions[i].name, name) == 0)
			return &functions[i];
	fprintf(stderr, "unknown function %s\n", name);
	exit(2);
}

static double
bench_eval(const BenchFunction *fn, const HpAssignment *a)
{
	double		x[6];

	for (int i = 0; i < fn->d; i++)
		x[i] = a->values[i].f;
	return fn->f(x);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static OracleConfig
bench_config(const char *tuner, const HpSpace *space, uint64_t seed,
			 const char *options)
{
	OracleConfig c;

	memset(&c, 0, sizeof(c));
	c.tuner = tuner;
	c.space = space;
	c.seed = seed;
	c.max_trials = 1000000;
	c.options = options;
	return c;
}

static int
bench_time(const char *tuner, int n, int repeats)
{
	const BenchFunction *fn = bench_function("hartmann6");
	HpSpace		space = bench_space(fn);
	TrialRecord *history = core_alloc(sizeof(TrialRecord) * (n + 1));
	OracleConfig c = bench_config(tuner, &space, 42, "{}");
	double		total = 0;

	for (int t = 0; t < n; t++)
	{
		history[t].trial_id = t;
		history[t].status = TRIAL_COMPLETED;
		history[t].values.n = fn->d;
		history[t].values.values = core_alloc(sizeof(HpValue) * fn->d);
		for (int i = 0; i < fn->d; i++)
			history[t].values.values[i] =
				hp_prob_to_value(&space.hps[i], rng_uniform(7, t, 0, i));
		history[t].score = bench_eval(fn, &history[t].values);
		history[t].has_score = true;
	}
	for (int r = 0; r < repeats; r++)
	{
		Oracle	   *oracle = oracle_create(&c, history, n);
		HpAssignment out;
		double		start = now();

		oracle_create_trial(oracle, n + r, &out);
		total += now() - start;
	}
	printf("tuner=%s completed=%d ms_per_suggestion=%.3f\n", tuner, n,
		   total / repeats * 1000);
	return 0;
}

static int
bench_search(const char *tuner, const char *function, int trials, uint64_t seed,
			 const char *options)
{
	const BenchFunction *fn = bench_function(function);
	HpSpace		space = bench_space(fn);
	OracleConfig c = bench_config(tuner, &space, seed, options);
	Oracle	   *oracle = oracle_create(&c, NULL, 0);
	double		best = INFINITY;

	for (int t = 0; t < trials; t++)
	{
		HpAssignment out;
		double		y;

		if (oracle_create_trial(oracle, t, &out) != ORACLE_TRIAL_READY)
			break;
		y = bench_eval(fn, &out);
		best = y < best ? y : best;
		oracle_end_trial(oracle, t, &out, TRIAL_COMPLETED, y, true);
		if (t + 1 == 10 || t + 1 == 25 || (t + 1) % 50 == 0 || t + 1 == trials)
			printf("regret_at_%d=%.6g\n", t + 1, best - fn->optimum);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "time") == 0)
		return bench_time(argv[2], atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 5);
	if (argc >= 6 && strcmp(argv[1], "search") == 0)
		return bench_search(argv[2], argv[3], atoi(argv[4]),
							strtoull(argv[5], NULL, 10), argc > 6 ? argv[6] : "{}");
	fprintf(stderr, "usage: oracle_core time TUNER N [REPEATS]\n"
			"       oracle_core search TUNER FUNCTION TRIALS SEED [TUNER_OPTIONS]\n");
	return 2;
}
