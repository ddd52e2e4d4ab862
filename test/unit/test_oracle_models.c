/*
 * test_oracle_models.c
 *	  Unit tests of the model-based tuners: the Gaussian process (gp.c),
 *	  the Parzen estimators (parzen.c), the bayesian and tpe oracles and
 *	  their tuner_options (oracle_options.c).
 *
 * Expected Parzen parameters and densities were computed with Optuna 3.1's
 * _ParzenEstimator (default parameters) on the same observations; its
 * continuous densities are not divided by the bandwidth (see parzen.h).
 */
#include "unit.h"

#include "hp_build.h"

#include "core/gp.h"
#include "core/oracle.h"
#include "core/oracle_options.h"
#include "core/parzen.h"
#include "core/rng.h"

static OracleConfig
config(const char *tuner, const HpSpace *space, uint64_t seed, const char *options)
{
	OracleConfig c;

	memset(&c, 0, sizeof(c));
	c.tuner = tuner;
	c.space = space;
	c.seed = seed;
	c.max_trials = 1000;
	c.options = options;
	return c;
}

/* two floats on [0, 1] */
static HpSpace
square_space(void)
{
	HpDef	   *defs = core_alloc(sizeof(HpDef) * 2);

	defs[0] = num("x", HP_FLOAT, 0, 1, 0, HP_SAMPLING_LINEAR);
	defs[1] = num("y", HP_FLOAT, 0, 1, 0, HP_SAMPLING_LINEAR);
	return make_space(defs, 2);
}

/* a bowl with its minimum at (0.3, 0.7) */
static double
bowl(const HpAssignment *a)
{
	double		x = a->values[0].f - 0.3;
	double		y = a->values[1].f - 0.7;

	return x * x + y * y;
}

static double
distance(const HpAssignment *a, const HpAssignment *b)
{
	double		x = a->values[0].f - b->values[0].f;
	double		y = a->values[1].f - b->values[1].f;

	return sqrt(x * x + y * y);
}

/* run trials 0..n-1 of an oracle on the bowl (negated when maximising) */
static void
run_bowl(Oracle *o, int from, int n, HpAssignment *values, bool maximize)
{
	for (int t = from; t < n; t++)
	{
		CHECK(oracle_create_trial(o, t, &values[t]) == ORACLE_TRIAL_READY);
		oracle_end_trial(o, t, &values[t], TRIAL_COMPLETED,
						 maximize ? -bowl(&values[t]) : bowl(&values[t]), true);
	}
}

/* ---------------------------------------------------------------------
 * The Gaussian process
 * --------------------------------------------------------------------- */

TEST(gp_kernel_values)
{
	double		theta[4] = {log(0.5), log(0.5), log(2.0), log(1e-4)};
	double		a[2] = {0, 0};
	double		b[2] = {0.3, 0.4};
	double		r1 = (1 + sqrt(5.0) + 5.0 / 3.0) * exp(-sqrt(5.0));

	CHECK_NEAR(gp_matern52(0), 1.0, 1e-15);
	CHECK_NEAR(gp_matern52(1), r1, 1e-15);
	/* r = |(0.3, 0.4)| / 0.5 = 1 */
	CHECK_NEAR(gp_kernel(theta, 2, a, b), 2.0 * r1, 1e-14);
	CHECK_NEAR(gp_kernel(theta, 2, a, a), 2.0, 1e-14);
}

/* eight points of a smooth function in 2-D */
static Gp
small_gp(double *X, double *y)
{
	Gp			gp;

	for (int i = 0; i < 8; i++)
	{
		X[2 * i] = rng_uniform(3, i, 0, 0);
		X[2 * i + 1] = rng_uniform(3, i, 0, 1);
		y[i] = sin(3 * X[2 * i]) + X[2 * i + 1] * X[2 * i + 1];
	}
	memset(&gp, 0, sizeof(gp));
	gp.n = 8;
	gp.d = 2;
	gp.X = X;
	gp.y = y;
	gp.jitter = 1e-6;
	return gp;
}

TEST(gp_likelihood_one_point)
{
	double		X[2] = {0.5, 0.5};
	double		y[1] = {0.8};
	double		theta[4] = {0, 0, log(1.5), log(0.1)};
	double		k = 1.5 + 0.1 + 1e-6;
	Gp			gp;

	memset(&gp, 0, sizeof(gp));
	gp.n = 1;
	gp.d = 2;
	gp.X = X;
	gp.y = y;
	gp.jitter = 1e-6;
	CHECK_NEAR(gp_log_likelihood(&gp, theta, NULL, false),
			   -0.5 * 0.64 / k - 0.5 * log(k) - 0.5 * log(2 * M_PI), 1e-12);
}

TEST(gp_likelihood_gradient)
{
	double		X[16];
	double		y[8];
	Gp			gp = small_gp(X, y);
	double		theta[4] = {log(0.4), log(0.7), log(1.3), log(0.01)};
	double		grad[4];

	for (int prior = 0; prior < 2; prior++)
	{
		gp_log_likelihood(&gp, theta, grad, prior);
		for (int k = 0; k < 4; k++)
		{
			double		h = 1e-6;
			double		up[4];
			double		down[4];

			memcpy(up, theta, sizeof(up));
			memcpy(down, theta, sizeof(down));
			up[k] += h;
			down[k] -= h;
			CHECK_NEAR(grad[k], (gp_log_likelihood(&gp, up, NULL, prior) -
								 gp_log_likelihood(&gp, down, NULL, prior)) / (2 * h),
					   1e-5 * (1 + fabs(grad[k])));
		}
	}
}

TEST(gp_fit_and_predict)
{
	double		X[16];
	double		y[8];
	Gp			gp = small_gp(X, y);
	double		start[4] = {log(0.3), log(0.3), 0, log(1e-3)};
	double		before;
	double		x[2] = {0.37, 0.52};
	double		mu;
	double		var;
	double		dmu[2];
	double		dvar[2];

	gp.theta = core_alloc(sizeof(double) * 4);
	before = gp_log_likelihood(&gp, start, NULL, true);
	gp_fit(&gp, start, 1, 200);
	CHECK(gp_log_likelihood(&gp, gp.theta, NULL, true) >= before);
	gp_factor(&gp);
	/* at a training point the mean is its target, the variance tiny */
	gp_predict(&gp, X, &mu, &var, NULL, NULL);
	CHECK_NEAR(mu, y[0], 0.05);
	CHECK(var < 0.1 * exp(gp.theta[2]));
	/* gradients of the mean and variance against finite differences */
	gp_predict(&gp, x, &mu, &var, dmu, dvar);
	for (int k = 0; k < 2; k++)
	{
		double		h = 1e-6;
		double		up[2] = {x[0], x[1]};
		double		down[2] = {x[0], x[1]};
		double		mu_up, var_up, mu_down, var_down;

		up[k] += h;
		down[k] -= h;
		gp_predict(&gp, up, &mu_up, &var_up, NULL, NULL);
		gp_predict(&gp, down, &mu_down, &var_down, NULL, NULL);
		CHECK_NEAR(dmu[k], (mu_up - mu_down) / (2 * h), 1e-5);
		CHECK_NEAR(dvar[k], (var_up - var_down) / (2 * h), 1e-5);
	}
	/* the batch prediction agrees with the single one */
	{
		double		mus[1];
		double		vars[1];

		gp_predict_many(&gp, x, 1, mus, vars);
		CHECK_NEAR(mus[0], mu, 1e-10);
		CHECK_NEAR(vars[0], var, 1e-10);
	}
	gp_free(&gp);
}

TEST(expected_improvement_formula)
{
	double		dmu;
	double		dsigma;

	/* at best = mu: sigma phi(0) */
	CHECK_NEAR(gp_expected_improvement(0, 1, 0, &dmu, &dsigma), 0.3989422804014327, 1e-12);
	CHECK_NEAR(dmu, -0.5, 1e-12);
	CHECK_NEAR(dsigma, 0.3989422804014327, 1e-12);
	/* best 1 above the mean: Phi(1) + phi(1) */
	CHECK_NEAR(gp_expected_improvement(0, 1, 1, NULL, NULL),
			   0.8413447460685429 + 0.24197072451914337, 1e-12);
	/* scale: EI(mu, s, b) = s EI(0, 1, (b - mu) / s) */
	CHECK_NEAR(gp_expected_improvement(2, 0.5, 2.25, NULL, NULL),
			   0.5 * gp_expected_improvement(0, 1, 0.5, NULL, NULL), 1e-12);
}

/* ---------------------------------------------------------------------
 * Parzen estimators, against Optuna 3.1
 * --------------------------------------------------------------------- */

TEST(parzen_numeric_against_optuna)
{
	Parzen		pe;
	double		obs[2] = {0.2, 0.6};

	parzen_numeric(&pe, obs, 2, 0, 1.0, 0);
	CHECK_NEAR(pe.sigmas[0], 0.3, 1e-12);
	CHECK_NEAR(pe.sigmas[1], 0.25, 1e-12);	/* 0.1, clipped to 1/4 */
	CHECK_NEAR(pe.sigmas[2], 1.0, 1e-12);
	CHECK_NEAR(pe.mus[2], 0.5, 1e-12);
	CHECK_NEAR(parzen_log_pdf(&pe, 0.2), -0.59734637, 1e-7);
	CHECK_NEAR(parzen_log_pdf(&pe, 0.9), -0.9127713, 1e-7);
	parzen_free(&pe);
}

TEST(parzen_discrete_against_optuna)
{
	Parzen		pe;
	HpDef		hp = num("n", HP_INT, 0, 4, 0, HP_SAMPLING_LINEAR);
	double		obs[2];
	HpSpace		space;

	space = make_space(&hp, 1);
	obs[0] = hp_value_to_prob(&space.hps[0], vi(1));
	obs[1] = hp_value_to_prob(&space.hps[0], vi(3));
	parzen_numeric(&pe, obs, 2, 0.2, 1.0, 0);
	/* Optuna's IntDistribution(0, 4) at 1 and 4 */
	CHECK_NEAR(parzen_log_pdf(&pe, obs[0]), -1.51288589, 1e-7);
	CHECK_NEAR(parzen_log_pdf(&pe, hp_value_to_prob(&space.hps[0], vi(4))), -1.84291134, 1e-7);
	/* samples land on bucket centres */
	for (int k = 0; k < 3; k++)
	{
		double		x = parzen_sample(&pe, k, 0.37 + 0.2 * k);

		CHECK_NEAR(fmod(x * 5 - 0.5, 1.0), 0.0, 1e-9);
	}
	parzen_free(&pe);
}

TEST(parzen_categorical_against_optuna)
{
	Parzen		pe;
	int			obs[3] = {0, 2, 2};

	parzen_categorical(&pe, obs, 3, 3, 1.0);
	CHECK_NEAR(parzen_log_pdf(&pe, 0), -1.09861229, 1e-7);
	CHECK_NEAR(parzen_log_pdf(&pe, 1), -1.65822808, 1e-7);
	CHECK_NEAR(parzen_log_pdf(&pe, 2), -0.74193734, 1e-7);
	parzen_free(&pe);
}

TEST(parzen_multivariate_against_optuna)
{
	Parzen		px;
	Parzen		py;
	double		ox[2] = {0.2, 0.6};
	double		oy[2] = {0.1, 0.9};
	double		terms[3];
	double		max = -INFINITY;
	double		sum = 0;

	parzen_numeric(&px, ox, 2, 0, 1.0, parzen_sigma0(2, 2));
	parzen_numeric(&py, oy, 2, 0, 1.0, parzen_sigma0(2, 2));
	CHECK_NEAR(px.sigmas[0], 0.25, 1e-12);
	for (int k = 0; k < 3; k++)
	{
		terms[k] = px.log_weights[k] + parzen_component_log_pdf(&px, k, 0.3) +
			parzen_component_log_pdf(&py, k, 0.2);
		max = terms[k] > max ? terms[k] : max;
	}
	for (int k = 0; k < 3; k++)
		sum += exp(terms[k] - max);
	CHECK_NEAR(max + log(sum), -0.84984541, 1e-7);
	parzen_free(&px);
	parzen_free(&py);
}

TEST(parzen_weights_and_tails)
{
	double		w[30];

	parzen_default_weights(30, w);
	CHECK_NEAR(w[0], 1.0 / 30, 1e-12);
	CHECK_NEAR(w[1], 0.275, 1e-12);
	CHECK_NEAR(w[4], 1.0, 1e-12);
	CHECK_NEAR(w[29], 1.0, 1e-12);
	CHECK_NEAR(parzen_ndtri(0.975), 1.959963984540054, 1e-12);
	CHECK_NEAR(parzen_ndtri(1e-10), -6.361340902404056, 1e-9);
	/* far tails stay finite in log space */
	CHECK_NEAR(parzen_log_ndtr(-40), -804.60844201193, 1e-6);
	CHECK_NEAR(parzen_log_gauss_mass(50, 51), parzen_log_ndtr(-50), 1e-6);
	CHECK(isfinite(parzen_log_gauss_mass(-200, -199)));
}

/*
 * 30 observations: beyond 25 the oldest weights ramp.  Expected values from
 * Optuna 3.1.0 (python3-optuna), once:
 *   obs = np.array([(i * 0.6180339887498949) % 1.0 for i in range(1, 31)]) ** 2
 *   pe = _ParzenEstimator({"x": obs}, {"x": FloatDistribution(0, 1)},
 *         _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, False))
 *   pe._weights, pe._sigmas["x"], pe.log_pdf({"x": np.array([0.01, 0.3, 0.77])})
 * The same observations on FloatDistribution(-5, 10) give the same log_pdf:
 * Optuna 3.1.0's _truncnorm.logpdf leaves out -log(scale), which is why
 * parzen.c works in the unit interval without it.
 */
TEST(parzen_ramped_weights_against_optuna)
{
	Parzen		pe;
	double		obs[30];

	for (int i = 0; i < 30; i++)
	{
		obs[i] = fmod((i + 1) * 0.6180339887498949, 1.0);
		obs[i] *= obs[i];
	}
	parzen_numeric(&pe, obs, 30, 0, 1.0, 0);
	CHECK(pe.ncomp == 31);
	CHECK_NEAR(exp(pe.log_weights[0]), 0.0011661807580174927, 1e-15);
	CHECK_NEAR(exp(pe.log_weights[1]), 0.009620991253644314, 1e-15);
	CHECK_NEAR(exp(pe.log_weights[4]), 0.034985422740524776, 1e-15);
	CHECK_NEAR(exp(pe.log_weights[5]), 0.034985422740524776, 1e-15);
	CHECK_NEAR(exp(pe.log_weights[30]), 0.034985422740524776, 1e-15);
	CHECK_NEAR(pe.sigmas[0], 0.043758713794059545, 1e-15);
	CHECK_NEAR(pe.sigmas[1], 0.03125, 1e-15);	/* magic clip: 1/min(100, 32) */
	CHECK_NEAR(pe.sigmas[2], 0.06001995130562654, 1e-15);
	CHECK_NEAR(pe.sigmas[3], 0.03370871631277633, 1e-15);
	CHECK_NEAR(pe.sigmas[29], 0.036081198892060906, 1e-15);
	CHECK_NEAR(pe.sigmas[30], 1.0, 1e-15);
	CHECK_NEAR(parzen_log_pdf(&pe, 0.01), -1.8950041256550476, 1e-12);
	CHECK_NEAR(parzen_log_pdf(&pe, 0.3), -2.577577766624673, 1e-12);
	CHECK_NEAR(parzen_log_pdf(&pe, 0.77), -2.6102947803663277, 1e-12);
	parzen_free(&pe);
}

/* ---------------------------------------------------------------------
 * Random numbers
 * --------------------------------------------------------------------- */

/*
 * The coordinates of rng_uniform are not interchangeable: seed s's trial t
 * is not seed t's trial s, and trial s of seed s differs between seeds.
 * (Hashing the seed and the trial alike and xoring them made both hold,
 * so runs with seeds 1..20 shared points.)
 */
TEST(rng_coordinates_independent)
{
	for (int s = 1; s <= 20; s++)
	{
		CHECK(rng_uniform(s, s, 0, 0) != rng_uniform(s + 1, s + 1, 0, 0));
		for (int t = 1; t <= 20; t++)
			if (t != s)
			{
				CHECK(rng_uniform(s, t, 0, 0) != rng_uniform(t, s, 0, 0));
				CHECK(rng_uniform(s, 0, t, 0) != rng_uniform(t, 0, s, 0));
				CHECK(rng_uniform(1, s, 0, t) != rng_uniform(1, t, 0, s));
			}
	}
}

/*
 * The random oracle in 6 dimensions, as bench/search_quality.py runs it
 * (seeds 1..20, 100 trials each), and one seed over 20000 trials: each
 * dimension's mean, every pairwise correlation, and a chi-square over the
 * 64 cells of halves.  Bounds are about 4 standard deviations (the
 * chi-square's 63 + 4 sqrt(126)); the draws are fixed, so the test is
 * deterministic.  Seeds 1..20 gave 118 with interchangeable coordinates.
 */
static void
check_uniform_6d(int seed0, int nseeds, int ntrials)
{
	HpDef	   *defs = core_alloc(sizeof(HpDef) * 6);
	static const char *const names[6] = {"x1", "x2", "x3", "x4", "x5", "x6"};
	HpSpace		space;
	double		sum[6] = {0};
	double		cross[6][6] = {{0}};
	long		cell[64] = {0};
	double		n = (double) nseeds * ntrials;
	double		chi2 = 0;

	for (int i = 0; i < 6; i++)
		defs[i] = num(names[i], HP_FLOAT, 0, 1, 0, HP_SAMPLING_LINEAR);
	space = make_space(defs, 6);
	for (int seed = seed0; seed < seed0 + nseeds; seed++)
	{
		OracleConfig c = config("random", &space, seed, "{}");
		Oracle	   *o;

		c.max_trials = ntrials + 1;
		o = oracle_create(&c, NULL, 0);
		for (int t = 1; t <= ntrials; t++)
		{
			HpAssignment a;
			int			k = 0;

			CHECK(oracle_create_trial(o, t, &a) == ORACLE_TRIAL_READY);
			for (int i = 0; i < 6; i++)
			{
				double		x = a.values[i].f;

				sum[i] += x;
				k = 2 * k + (x >= 0.5);
				for (int j = 0; j < i; j++)
					cross[i][j] += (x - 0.5) * (a.values[j].f - 0.5);
			}
			cell[k]++;
			oracle_end_trial(o, t, &a, TRIAL_COMPLETED, 0, true);
		}
	}
	for (int i = 0; i < 6; i++)
	{
		/* the mean's sd is sqrt(1/12 n); a correlation's about 1/sqrt(n) */
		CHECK(fabs(sum[i] / n - 0.5) < 4 * sqrt(1.0 / 12 / n));
		for (int j = 0; j < i; j++)
			CHECK(fabs(12 * cross[i][j] / n) < 4 / sqrt(n));
	}
	for (int k = 0; k < 64; k++)
		chi2 += (cell[k] - n / 64) * (cell[k] - n / 64) / (n / 64);
	CHECK(chi2 < 63 + 4 * sqrt(126.0));
}

TEST(random_uniform_in_six_dimensions)
{
	check_uniform_6d(1, 20, 100);
	check_uniform_6d(21, 40, 100);
	check_uniform_6d(7, 1, 20000);
}

/* ---------------------------------------------------------------------
 * The oracles
 * --------------------------------------------------------------------- */

/* a run stopped after k trials and resumed from the history decides alike */
static void
check_resume(const char *tuner, const char *options)
{
	HpSpace		space = square_space();
	OracleConfig c = config(tuner, &space, 11, options);
	HpAssignment full[24];
	HpAssignment resumed[24];
	TrialRecord history[16];
	Oracle	   *o = oracle_create(&c, NULL, 0);

	run_bowl(o, 0, 24, full, false);
	for (int t = 0; t < 16; t++)
	{
		memset(&history[t], 0, sizeof(TrialRecord));
		history[t].trial_id = t;
		history[t].status = TRIAL_COMPLETED;
		history[t].values = full[t];
		history[t].score = bowl(&full[t]);
		history[t].has_score = true;
	}
	o = oracle_create(&c, history, 16);
	run_bowl(o, 16, 24, resumed, false);
	for (int t = 16; t < 24; t++)
		CHECK(distance(&full[t], &resumed[t]) == 0);
}

TEST(resume_decides_alike)
{
	check_resume("bayesian", "{\"num_initial_points\": 5}");
	check_resume("tpe", "{\"n_startup_trials\": 5}");
	check_resume("tpe", "{\"n_startup_trials\": 5, \"multivariate\": true}");
}

/* both tuners find the bowl's minimum, and the maximum of its negation */
TEST(tuners_converge_in_either_direction)
{
	HpSpace		space = square_space();

	for (int maximize = 0; maximize < 2; maximize++)
	{
		OracleConfig cb = config("bayesian", &space, 5, "{}");
		OracleConfig ct = config("tpe", &space, 5, "{}");
		HpAssignment v[60];
		double		best = INFINITY;
		Oracle	   *o;

		cb.maximize = ct.maximize = maximize;
		o = oracle_create(&cb, NULL, 0);
		run_bowl(o, 0, 30, v, maximize);
		for (int t = 0; t < 30; t++)
			best = bowl(&v[t]) < best ? bowl(&v[t]) : best;
		CHECK(best < 1e-4);
		o = oracle_create(&ct, NULL, 0);
		run_bowl(o, 0, 60, v, maximize);
		best = INFINITY;
		for (int t = 0; t < 60; t++)
			best = bowl(&v[t]) < best ? bowl(&v[t]) : best;
		CHECK(best < 5e-3);
	}
}

/* a small discrete space: every combination once, then exhausted */
TEST(never_repeat)
{
	const char *tuners[2] = {"bayesian", "tpe"};

	for (int k = 0; k < 2; k++)
	{
		static HpValue colours[] = {{HPV_TEXT, 0, 0, false, "red"},
		{HPV_TEXT, 0, 0, false, "green"}, {HPV_TEXT, 0, 0, false, "blue"}};
		HpDef	   *defs = core_alloc(sizeof(HpDef) * 3);
		HpSpace		space;
		OracleConfig c;
		Oracle	   *o;
		HpAssignment v;
		uint64_t	hashes[12];

		defs[0] = num("n", HP_INT, 0, 1, 0, HP_SAMPLING_LINEAR);
		defs[1] = choice("colour", colours, 3);
		defs[2] = boolean("flag");
		space = make_space(defs, 3);
		c = config(tuners[k], &space, 2, "{\"n_startup_trials\": 2, \"num_initial_points\": 2}");
		/* each tuner reads its own options: drop the other's */
		c.options = k == 0 ? "{\"num_initial_points\": 2}" : "{\"n_startup_trials\": 2}";
		o = oracle_create(&c, NULL, 0);
		for (int t = 0; t < 12; t++)
		{
			CHECK(oracle_create_trial(o, t, &v) == ORACLE_TRIAL_READY);
			hashes[t] = hp_assignment_hash(&space, &v);
			for (int u = 0; u < t; u++)
				CHECK(hashes[u] != hashes[t]);
			oracle_end_trial(o, t, &v, TRIAL_COMPLETED, (double) v.values[0].i, true);
		}
		CHECK(oracle_create_trial(o, 12, &v) == ORACLE_EXHAUSTED);
	}
}

/* failed trials and non-finite scores are left out, not mapped to numbers */
TEST(failures_are_ignored)
{
	const char *tuners[2] = {"bayesian", "tpe"};

	for (int k = 0; k < 2; k++)
	{
		HpSpace		space = square_space();
		OracleConfig c = config(tuners[k], &space, 9,
								k == 0 ? "{\"num_initial_points\": 3}" : "{\"n_startup_trials\": 3}");
		HpAssignment v[12];
		Oracle	   *o = oracle_create(&c, NULL, 0);

		for (int t = 0; t < 12; t++)
		{
			CHECK(oracle_create_trial(o, t, &v[t]) == ORACLE_TRIAL_READY);
			if (t % 3 == 1)
				oracle_end_trial(o, t, &v[t], TRIAL_FAILED, 0, false);
			else if (t % 3 == 2)
				oracle_end_trial(o, t, &v[t], TRIAL_COMPLETED, NAN, true);
			else
				oracle_end_trial(o, t, &v[t], TRIAL_COMPLETED, bowl(&v[t]), true);
			CHECK(isfinite(v[t].values[0].f) && isfinite(v[t].values[1].f));
		}
	}
}

/*
 * A trial another worker is running pushes the next proposal away from
 * it: the same trial id with and without that RUNNING record.
 */
TEST(running_trials_are_taken_into_account)
{
	const char *tuners[2] = {"bayesian", "tpe"};

	for (int k = 0; k < 2; k++)
	{
		HpSpace		space = square_space();
		OracleConfig c = config(tuners[k], &space, 4, "{}");
		HpAssignment v[41];
		TrialRecord history[41];
		HpAssignment alone;
		HpAssignment beside;
		Oracle	   *o = oracle_create(&c, NULL, 0);

		run_bowl(o, 0, 12, v, false);
		for (int t = 0; t < 12; t++)
		{
			memset(&history[t], 0, sizeof(TrialRecord));
			history[t].trial_id = t;
			history[t].status = TRIAL_COMPLETED;
			history[t].values = v[t];
			history[t].score = bowl(&v[t]);
			history[t].has_score = true;
		}
		o = oracle_create(&c, history, 12);
		CHECK(oracle_create_trial(o, 13, &alone) == ORACLE_TRIAL_READY);
		history[12] = history[0];
		history[12].trial_id = 12;
		history[12].status = TRIAL_RUNNING;
		history[12].values = alone;
		history[12].has_score = false;
		o = oracle_create(&c, history, 13);
		CHECK(oracle_create_trial(o, 13, &beside) == ORACLE_TRIAL_READY);
		CHECK(distance(&alone, &beside) > 1e-3);
	}
}

/* a long history: hyperparameters fitted on a subset, the model on all */
TEST(bayesian_long_history)
{
	HpSpace		space = square_space();
	OracleConfig c = config("bayesian", &space, 8, "{}");
	TrialRecord *history = core_alloc(sizeof(TrialRecord) * 250);
	HpAssignment first;
	HpAssignment again;
	HpAssignment target = {2, NULL};
	Oracle	   *o;

	for (int t = 0; t < 250; t++)
	{
		history[t].trial_id = t;
		history[t].status = TRIAL_COMPLETED;
		history[t].values.n = 2;
		history[t].values.values = core_alloc(sizeof(HpValue) * 2);
		history[t].values.values[0] = vf(rng_uniform(12, t, 0, 0));
		history[t].values.values[1] = vf(rng_uniform(12, t, 0, 1));
		history[t].score = bowl(&history[t].values);
		history[t].has_score = true;
	}
	o = oracle_create(&c, history, 250);
	CHECK(oracle_create_trial(o, 250, &first) == ORACLE_TRIAL_READY);
	o = oracle_create(&c, history, 250);
	CHECK(oracle_create_trial(o, 250, &again) == ORACLE_TRIAL_READY);
	CHECK(distance(&first, &again) == 0);
	target.values = core_alloc(sizeof(HpValue) * 2);
	target.values[0] = vf(0.3);
	target.values[1] = vf(0.7);
	CHECK(distance(&first, &target) < 0.05);
}

TEST(options_are_checked)
{
	OracleOptions *opts;

	oracle_check_options("bayesian", "{\"acquisition\": \"ucb\", \"beta\": 2, \"alpha\": 1e-4, \"num_initial_points\": 4}");
	oracle_check_options("tpe", "{\"multivariate\": true, \"n_startup_trials\": 0, \"n_ei_candidates\": 50}");
	/* keys a tuner does not know are someone else's */
	oracle_check_options("tpe", "{\"pruner\": \"median\", \"max_epochs\": 3}");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("bayesian", "{\"acquisition\": \"pi\"}"));
	CHECK(strstr(core_test_last_hint, "\"ei\", \"ucb\"") != NULL);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("bayesian", "{\"num_initial_points\": 0}"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("bayesian", "{\"num_initial_points\": 2.5}"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("bayesian", "{\"beta\": \"high\"}"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("tpe", "{\"multivariate\": \"yes\"}"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("tpe", "{\"n_ei_candidates\": 0}"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("tpe", "{\"n_startup_trials\": 1"));
	/* one form for every message */
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("tpe", "{\"n_startup_trials\": -1}"));
	CHECK_STR(core_test_last_msg, "tuner_options.n_startup_trials must be an integer between 0 and 1000000");
	CHECK_STR(core_test_last_detail, "tuner_options.n_startup_trials of tuner \"tpe\" is -1.");
	CHECK_STR(core_test_last_hint, "Pass \"n_startup_trials\": an integer between 0 and 1000000, or leave it out for 10.");
	/* the tuner's n_startup_trials and the pruner's are apart */
	oracle_check_options("tpe", "{\"n_startup_trials\": 3, \"pruner\": \"median\", \"pruner_options\": {\"n_startup_trials\": 2}}");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("tpe", "{\"n_startup_trials\": 3, \"pruner\": \"median\", \"pruner_options\": {\"n_startup_trials\": -1}}"));
	CHECK_STR(core_test_last_detail, "tuner_options.pruner_options.n_startup_trials of pruner \"median\" is -1.");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 oracle_check_options("tpe", "{\"n_startup_trials\": -1, \"pruner\": \"median\", \"pruner_options\": {\"n_startup_trials\": 2}}"));
	CHECK_STR(core_test_last_detail, "tuner_options.n_startup_trials of tuner \"tpe\" is -1.");

	/* the reader: values, their text, nested objects */
	opts = oracle_options_parse("t", " {\"a\" : [1, {\"b\": \"]\"}], \"s\": \"x\\u00e9\\n\\\"\", \"a\": null, \"o\": {\"k\": {\"k\": 1}, \"k\": 27}} ");
	CHECK(opts->n == 4);
	CHECK(opts->options[0].type == OPT_ARRAY);
	CHECK_STR(opts->options[0].text, "[1, {\"b\": \"]\"}]");
	CHECK_STR(opts->options[1].string, "x\xc3\xa9\n\"");
	CHECK(opts->options[2].type == OPT_NULL);
	CHECK(oracle_option_find(opts, "a")->type == OPT_NULL);	/* the last one */
	CHECK(!oracle_option_given(opts, "k"));
	CHECK_STR(oracle_option_object(opts, "o"), "{\"k\": {\"k\": 1}, \"k\": 27}");
	CHECK(oracle_option_object(opts, "absent") == NULL);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_option_object(opts, "s"));
	{
		OracleOptions *nested = oracle_options_nested(opts, "o", "pruner \"p\"");
		static const char *const known[] = {"k", NULL};
		static const char *const other[] = {"j", NULL};

		CHECK_STR(nested->path, "tuner_options.o");
		CHECK(oracle_option_number(nested, "k", 0, 0, 100, true) == 27);
		oracle_options_only(nested, known);
		EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_options_only(nested, other));
		CHECK_STR(core_test_last_msg, "unknown key \"k\" in tuner_options.o");
		CHECK_STR(core_test_last_hint, "Pass only \"j\".");
	}
	CHECK(oracle_options_parse("t", "{}")->n == 0);
	CHECK(oracle_options_parse("t", NULL)->n == 0);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_options_parse("t", "[1]"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_options_parse("t", "{\"s\": "));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_options_parse("t", "{\"s\": \"abc"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_options_parse("t", "{\"s\" 1}"));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, oracle_options_parse("t", "{\"s\": {\"a\": 1}"));
	CHECK_STR(core_test_last_msg, "tuner_options is not a JSON object");
}

int
main(void)
{
	RUN(gp_kernel_values);
	RUN(gp_likelihood_one_point);
	RUN(gp_likelihood_gradient);
	RUN(gp_fit_and_predict);
	RUN(expected_improvement_formula);
	RUN(parzen_numeric_against_optuna);
	RUN(parzen_discrete_against_optuna);
	RUN(parzen_categorical_against_optuna);
	RUN(parzen_multivariate_against_optuna);
	RUN(parzen_weights_and_tails);
	RUN(parzen_ramped_weights_against_optuna);
	RUN(rng_coordinates_independent);
	RUN(random_uniform_in_six_dimensions);
	RUN(resume_decides_alike);
	RUN(tuners_converge_in_either_direction);
	RUN(never_repeat);
	RUN(failures_are_ignored);
	RUN(running_trials_are_taken_into_account);
	RUN(bayesian_long_history);
	RUN(options_are_checked);
	UNIT_DONE();
}
