/*
 * tpe_parity.c
 *	  hptune's TPE on a given history, for bench/tpe_parity.py to compare
 *	  with Optuna 3.1's TPESampler internals.
 *
 *	  tpe_parity estimators DIM G < history
 *		  the split (gamma(n) lowest losses, ties oldest first), then for
 *		  hyperparameter DIM the below and above estimators: "w/mu/sigma"
 *		  lines per component, and log l, log g at the G grid points
 *		  (i + 0.5) / G of the unit interval.
 *	  tpe_parity propose CANDIDATES < history
 *		  the oracle's own proposal for the next trial with
 *		  n_ei_candidates = CANDIDATES, one unit-interval value per line.
 *
 *	  history: "D N" then N lines of D values in [0, 1] and the loss.
 *	  Build: cc -O2 -std=gnu99 -Isrc -o tpe_parity bench/tpe_parity.c \
 *		  src/core/*.c -lopenblas -lnlopt -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/oracle.h"
#include "core/parzen.h"

static const char *const names[6] = {"x1", "x2", "x3", "x4", "x5", "x6"};
static int	d;
static int	n;
static double *xs;				/* n x d */
static double *loss;

static void
read_history(void)
{
	if (scanf("%d %d", &d, &n) != 2 || d < 1 || d > 6 || n < 1)
		exit(2);
	xs = malloc(sizeof(double) * n * d);
	loss = malloc(sizeof(double) * n);
	for (int t = 0; t < n; t++)
	{
		for (int i = 0; i < d; i++)
			if (scanf("%lf", &xs[t * d + i]) != 1)
				exit(2);
		if (scanf("%lf", &loss[t]) != 1)
			exit(2);
	}
}

static int
cmp_rank(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	if (loss[x] != loss[y])
		return loss[x] < loss[y] ? -1 : 1;
	return x - y;
}

static void
print_pe(const char *label, const Parzen *pe)
{
	for (int k = 0; k < pe->ncomp; k++)
		printf("%s %d %.17g %.17g %.17g\n", label, k, exp(pe->log_weights[k]),
			   pe->mus[k], pe->sigmas[k]);
}

static int
estimators(int dim, int grid)
{
	int		   *order = malloc(sizeof(int) * n);
	bool	   *below = calloc(n, sizeof(bool));
	double	   *ob = malloc(sizeof(double) * n);
	double	   *oa = malloc(sizeof(double) * n);
	int			nb = (int) ceil(0.1 * n);
	int			mb = 0;
	int			ma = 0;
	Parzen		l;
	Parzen		g;

	if (nb > 25)
		nb = 25;
	for (int t = 0; t < n; t++)
		order[t] = t;
	qsort(order, n, sizeof(int), cmp_rank);
	for (int i = 0; i < nb; i++)
		below[order[i]] = true;
	for (int t = 0; t < n; t++)
	{
		if (below[t])
			ob[mb++] = xs[t * d + dim];
		else
			oa[ma++] = xs[t * d + dim];
	}
	printf("below");
	for (int t = 0; t < n; t++)
		if (below[t])
			printf(" %d", t);
	printf("\n");
	parzen_numeric(&l, ob, mb, 0, 1.0, 0);
	parzen_numeric(&g, oa, ma, 0, 1.0, 0);
	print_pe("l", &l);
	print_pe("g", &g);
	for (int i = 0; i < grid; i++)
	{
		double		x = (i + 0.5) / grid;

		printf("grid %.17g %.17g %.17g\n", x, parzen_log_pdf(&l, x), parzen_log_pdf(&g, x));
	}
	return 0;
}

static int
propose(const char *options)
{
	HpDef	   *defs = core_alloc(sizeof(HpDef) * d);
	HpSpace		space;
	TrialRecord *history = core_alloc(sizeof(TrialRecord) * n);
	OracleConfig c;
	Oracle	   *oracle;
	HpAssignment out;

	memset(defs, 0, sizeof(HpDef) * d);
	for (int i = 0; i < d; i++)
	{
		defs[i].name = names[i];
		defs[i].kind = HP_FLOAT;
		defs[i].min_value = 0;
		defs[i].max_value = 1;
		defs[i].sampling = HP_SAMPLING_LINEAR;
		defs[i].default_value.type = HPV_NONE;
	}
	space = (HpSpace) {d, defs};
	memset(history, 0, sizeof(TrialRecord) * n);
	for (int t = 0; t < n; t++)
	{
		history[t].trial_id = t;
		history[t].status = TRIAL_COMPLETED;
		history[t].values.n = d;
		history[t].values.values = core_alloc(sizeof(HpValue) * d);
		for (int i = 0; i < d; i++)
			history[t].values.values[i] = hp_prob_to_value(&defs[i], xs[t * d + i]);
		history[t].score = loss[t];
		history[t].has_score = true;
	}
	memset(&c, 0, sizeof(c));
	c.tuner = "tpe";
	c.space = &space;
	c.seed = 1;
	c.max_trials = 1000000;
	c.options = options;
	oracle = oracle_create(&c, history, n);
	if (oracle_create_trial(oracle, n, &out) != ORACLE_TRIAL_READY)
		return 1;
	for (int i = 0; i < d; i++)
		printf("%.17g\n", hp_value_to_prob(&defs[i], out.values[i]));
	return 0;
}

int
main(int argc, char **argv)
{
	read_history();
	if (argc == 4 && strcmp(argv[1], "estimators") == 0)
		return estimators(atoi(argv[2]), atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "propose") == 0)
	{
		char		opts[200];

		snprintf(opts, sizeof(opts), "{\"n_ei_candidates\": %d}", atoi(argv[2]));
		return propose(opts);
	}
	fprintf(stderr, "usage: tpe_parity estimators DIM G | propose CANDIDATES  < history\n");
	return 2;
}
