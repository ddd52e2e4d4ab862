/*
 * test_space.c
 *	  Unit tests of hyperparameter sampling, grids, defaults, conditions,
 *	  hashing and counting (src/core/space.c).  Validation is tested in
 *	  test_space_validate.c.
 */
#include "unit.h"
#include "hp_build.h"

static HpSpace empty_space = {0, NULL};

static void check_round_trip(HpDef *hp);

static HpDef
valid_int(void)
{
	return num("units", HP_INT, 32, 512, 32, HP_SAMPLING_LINEAR);
}

static bool
list_has(const HpValue *list, int n, HpValue v)
{
	for (int i = 0; i < n; i++)
	{
		if (hp_value_equal(list[i], v))
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Sampling
 * --------------------------------------------------------------------- */

TEST(sampling_formulas)
{
	HpDef		lin = num("x", HP_FLOAT, 1, 100, 0, HP_SAMPLING_LINEAR);
	HpDef		lg = num("x", HP_FLOAT, 1, 100, 0, HP_SAMPLING_LOG);
	HpDef		rev = num("x", HP_FLOAT, 1, 100, 0, HP_SAMPLING_REVERSE_LOG);
	double		ps[] = {0.0, 0.1, 0.25, 0.5, 0.9};

	for (int k = 0; k < 5; k++)
	{
		double		p = ps[k];

		CHECK_NEAR(hp_prob_to_value(&lin, p).f, 1 + p * 99, 1e-9);
		CHECK_NEAR(hp_prob_to_value(&lg, p).f, pow(100, p), 1e-9);
		CHECK_NEAR(hp_prob_to_value(&rev, p).f, 101 - pow(100, 1 - p), 1e-9);
	}
	CHECK_NEAR(hp_prob_to_value(&lg, 0.5).f, 10, 1e-9);
	CHECK_NEAR(hp_prob_to_value(&rev, 0.5).f, 91, 1e-9);
	CHECK(hp_prob_to_value(&lin, 0.3).type == HPV_FLOAT);
}

TEST(int_log_step_grid)
{
	HpDef		hp = num("x", HP_INT, 2, 32, 2, HP_SAMPLING_LOG);
	HpValue    *values;
	int			n;
	bool		seen[33] = {false};

	hp_validate(&hp, &empty_space);
	n = hp_grid_values(&hp, &values);
	CHECK(n == 5);
	CHECK(hp_cardinality(&hp) == 5);
	for (int v = 2; v <= 32; v *= 2)
		CHECK(list_has(values, n, vi(v)));
	for (int k = 0; k < 1000; k++)
	{
		HpValue		v = hp_prob_to_value(&hp, k / 1000.0);

		CHECK(v.type == HPV_INT);
		if (v.i >= 0 && v.i <= 32)
			seen[v.i] = true;
		CHECK(v.i == 2 || v.i == 4 || v.i == 8 || v.i == 16 || v.i == 32);
	}
	for (int v = 2; v <= 32; v *= 2)
		CHECK(seen[v]);
}

TEST(int_reverse_log_step)
{
	HpDef		hp = num("x", HP_INT, 2, 32, 2, HP_SAMPLING_REVERSE_LOG);
	HpValue    *values;
	int			n = hp_grid_values(&hp, &values);

	/* max + min - min 2^(n-i-1): {2, 18, 26, 30, 32} */
	CHECK(n == 5);
	CHECK(list_has(values, n, vi(2)) && list_has(values, n, vi(18)) &&
		  list_has(values, n, vi(26)) && list_has(values, n, vi(30)) &&
		  list_has(values, n, vi(32)));

	/* 10 / 1 is no power of 2: the grid {3, 7, 9, 10} misses min */
	hp = num("y", HP_INT, 1, 10, 2, HP_SAMPLING_REVERSE_LOG);
	hp_validate(&hp, &empty_space);
	n = hp_grid_values(&hp, &values);
	CHECK(n == 4);
	CHECK(values[0].i == 3 && values[1].i == 7 && values[2].i == 9 &&
		  values[3].i == 10);
	CHECK(hp_default(&hp).i == 3);
	check_round_trip(&hp);
}

TEST(float_step_includes_max)
{
	HpDef		hp = num("x", HP_FLOAT, 0, 1, 0.2, HP_SAMPLING_LINEAR);
	HpValue    *values;
	int			n;
	bool		has_06 = false;

	hp_validate(&hp, &empty_space);
	n = hp_grid_values(&hp, &values);
	CHECK(n == 6);
	CHECK(hp_cardinality(&hp) == 6);
	CHECK(list_has(values, n, vf(1.0)));
	for (int i = 0; i < n; i++)
		has_06 |= values[i].f == 0.6;
	CHECK(has_06);
	CHECK(hp_prob_to_value(&hp, 0.55).f == 0.6);
	CHECK(hp_prob_to_value(&hp, 0.999).f == 1.0);
	CHECK(hp_prob_to_value(&hp, 1.0).f == 1.0);	/* p = 1 clamps */
	CHECK(hp_prob_to_value(&hp, 0.0).f == 0.0);

	/* 0.3 / 0.1 is 2.9999999999999996 in binary: max must still be in */
	hp = num("x", HP_FLOAT, 0, 0.3, 0.1, HP_SAMPLING_LINEAR);
	hp_validate(&hp, &empty_space);
	n = hp_grid_values(&hp, &values);
	CHECK(n == 4);
	CHECK(list_has(values, n, vf(0.3)));
	CHECK(hp_prob_to_value(&hp, 0.9).f == 0.3);
}

TEST(int_without_step_covers_range)
{
	HpDef		lin = num("x", HP_INT, 3, 7, 0, HP_SAMPLING_LINEAR);
	HpDef		lg = num("y", HP_INT, 1, 5, 0, HP_SAMPLING_LOG);
	bool		seen_lin[10] = {false};
	bool		seen_log[10] = {false};

	hp_validate(&lin, &empty_space);
	hp_validate(&lg, &empty_space);
	CHECK(lin.has_step && lin.step == 1);
	CHECK(!lg.has_step);
	for (int k = 0; k < 2000; k++)
	{
		HpValue		a = hp_prob_to_value(&lin, k / 2000.0);
		HpValue		b = hp_prob_to_value(&lg, k / 2000.0);

		CHECK(a.type == HPV_INT && a.i >= 3 && a.i <= 7);
		CHECK(b.type == HPV_INT && b.i >= 1 && b.i <= 5);
		if (a.i >= 0 && a.i < 10)
			seen_lin[a.i] = true;
		if (b.i >= 0 && b.i < 10)
			seen_log[b.i] = true;
	}
	for (int v = 3; v <= 7; v++)
		CHECK(seen_lin[v]);
	for (int v = 1; v <= 5; v++)
		CHECK(seen_log[v]);
	CHECK(hp_cardinality(&lin) == 5);
	CHECK(hp_cardinality(&lg) == 5);
}

TEST(reverse_log_concentrates_near_max)
{
	HpDef		rev = num("x", HP_FLOAT, 1, 1000, 0, HP_SAMPLING_REVERSE_LOG);
	HpDef		lg = num("x", HP_FLOAT, 1, 1000, 0, HP_SAMPLING_LOG);
	int			rev_high = 0;
	int			log_high = 0;

	for (int k = 0; k < 1000; k++)
	{
		rev_high += hp_prob_to_value(&rev, k / 1000.0).f > 500;
		log_high += hp_prob_to_value(&lg, k / 1000.0).f > 500;
	}
	CHECK(rev_high > 850);
	CHECK(log_high < 150);
}

/* value_to_prob lands in the value's own bucket (continuous: near p) */
static void
check_round_trip(HpDef *hp)
{
	int			bad = 0;

	for (int k = 0; k < 1000; k++)
	{
		double		p = k / 1000.0;
		HpValue		v = hp_prob_to_value(hp, p);
		double		q = hp_value_to_prob(hp, v);
		HpValue		back = hp_prob_to_value(hp, q);

		if (!(q >= 0 && q <= 1))
			bad++;
		else if (hp->kind == HP_FLOAT && !hp->has_step)
			bad += fabs(back.f - v.f) > 1e-12 * fabs(v.f) || fabs(q - p) > 1e-9;
		else
			bad += !hp_value_equal(back, v);
	}
	if (bad)
		printf("  round trip of \"%s\": %d of 1000 left their bucket\n",
			   hp->name, bad);
	CHECK(bad == 0);
}

TEST(value_to_prob_round_trip)
{
	HpValue		acts[] = {vt("relu"), vt("tanh"), vt("sigmoid")};
	HpDef		defs[] = {
		num("a", HP_INT, 32, 512, 32, HP_SAMPLING_LINEAR),
		num("b", HP_INT, 1, 1000, 0, HP_SAMPLING_LOG),
		num("c", HP_INT, 1, 1000, 0, HP_SAMPLING_REVERSE_LOG),
		num("d", HP_INT, 2, 32, 2, HP_SAMPLING_LOG),
		num("e", HP_INT, 2, 32, 2, HP_SAMPLING_REVERSE_LOG),
		num("f", HP_FLOAT, 0, 1, 0.2, HP_SAMPLING_LINEAR),
		num("g", HP_FLOAT, 1e-4, 1e-2, 0, HP_SAMPLING_LOG),
		num("h", HP_FLOAT, 1e-4, 1e-2, 0, HP_SAMPLING_REVERSE_LOG),
		num("i", HP_INT, -5, 5, 0, HP_SAMPLING_LINEAR),
		choice("j", acts, 3),
		boolean("k")
	};
	HpDef		flt = num("g", HP_FLOAT, 1e-4, 1e-2, 0, HP_SAMPLING_LOG);

	for (int i = 0; i < (int) (sizeof(defs) / sizeof(defs[0])); i++)
		check_round_trip(&defs[i]);
	/* centred in buckets */
	CHECK_NEAR(hp_value_to_prob(&defs[9], vt("tanh")), 0.5, 1e-12);
	CHECK_NEAR(hp_value_to_prob(&defs[9], vt("relu")), 1.0 / 6, 1e-12);
	CHECK_STR(hp_prob_to_value(&defs[9], 1.0).s, "sigmoid");	/* p = 1 clamps */
	CHECK_STR(hp_prob_to_value(&defs[9], 0.0).s, "relu");
	CHECK_NEAR(hp_value_to_prob(&defs[10], vb(true)), 0.75, 1e-12);
	CHECK_NEAR(hp_value_to_prob(&defs[10], vb(false)), 0.25, 1e-12);
	CHECK_NEAR(hp_value_to_prob(&defs[5], vf(0.6)), 3.5 / 6, 1e-12);
	/* continuous: the exact inverse */
	CHECK_NEAR(hp_value_to_prob(&flt, hp_prob_to_value(&flt, 0.37)), 0.37, 1e-9);
}

/* ---------------------------------------------------------------------
 * Grid values, defaults, formatting
 * --------------------------------------------------------------------- */

TEST(grid_values_default_first)
{
	HpDef		a = num("a", HP_INT, 1, 5, 0, HP_SAMPLING_LINEAR);
	HpValue		acts[] = {vt("relu"), vt("tanh"), vt("sigmoid")};
	HpDef		c = choice("c", acts, 3);
	HpDef		b = boolean("b");
	HpDef		f = num("f", HP_FLOAT, 1e-4, 1e-2, 0, HP_SAMPLING_LOG);
	HpValue    *v;
	int			n;

	a.default_value = vi(3);
	hp_validate(&a, &empty_space);
	n = hp_grid_values(&a, &v);
	CHECK(n == 5);
	CHECK(v[0].i == 3 && v[1].i == 1 && v[2].i == 2 && v[3].i == 4 && v[4].i == 5);

	c.default_value = vt("tanh");
	hp_validate(&c, &empty_space);
	n = hp_grid_values(&c, &v);
	CHECK(n == 3);
	CHECK_STR(v[0].s, "tanh");
	CHECK_STR(v[1].s, "relu");
	CHECK_STR(v[2].s, "sigmoid");

	b.default_value = vb(true);
	n = hp_grid_values(&b, &v);
	CHECK(n == 2 && v[0].b && !v[1].b);

	n = hp_grid_values(&f, &v);
	CHECK(n == 10);
	CHECK(v[0].f == 1e-4);
	CHECK(v[9].f == 1e-2);
	CHECK_NEAR(v[5].f, 1e-3 * pow(10, 1.0 / 9), 1e-12);
	for (int i = 1; i < n; i++)
		CHECK(v[i].f > v[i - 1].f);
}

TEST(defaults)
{
	HpDef		a = num("a", HP_INT, 32, 512, 32, HP_SAMPLING_LINEAR);
	HpDef		f = num("f", HP_FLOAT, 0.5, 2, 0, HP_SAMPLING_LINEAR);
	HpValue		acts[] = {vt("relu"), vt("tanh")};
	HpDef		c = choice("c", acts, 2);
	HpDef		b = boolean("b");
	HpDef		x;

	memset(&x, 0, sizeof(x));
	x.name = "x";
	x.kind = HP_FIXED;
	x.default_value = vt("adam");
	CHECK(hp_default(&a).type == HPV_INT && hp_default(&a).i == 32);
	CHECK(hp_default(&f).type == HPV_FLOAT && hp_default(&f).f == 0.5);
	CHECK_STR(hp_default(&c).s, "relu");
	CHECK(hp_default(&b).type == HPV_BOOL && !hp_default(&b).b);
	CHECK_STR(hp_default(&x).s, "adam");
	a.default_value = vi(64);
	CHECK(hp_default(&a).i == 64);
	CHECK(hp_prob_to_value(&x, 0.3).type == HPV_TEXT);
}

TEST(value_format)
{
	CHECK_STR(hp_value_format(vi(32)), "32");
	CHECK_STR(hp_value_format(vf(0.0001)), "0.0001");
	CHECK_STR(hp_value_format(vf(1)), "1.0");
	CHECK_STR(hp_value_format(vt("relu")), "'relu'");
	CHECK_STR(hp_value_format(vb(true)), "true");
	CHECK_STR(hp_value_format(vnone()), "null");
}

TEST(names)
{
	HpKind		kind;
	HpSampling	sampling;

	CHECK_STR(hp_kind_name(HP_BOOLEAN), "boolean");
	CHECK_STR(hp_sampling_name(HP_SAMPLING_REVERSE_LOG), "reverse_log");
	CHECK(hp_kind_from_name("choice", &kind) && kind == HP_CHOICE);
	CHECK(hp_sampling_from_name("log", &sampling) && sampling == HP_SAMPLING_LOG);
	CHECK(!hp_kind_from_name("integer", &kind));
	CHECK(!hp_sampling_from_name("logarithmic", &sampling));
}

TEST(value_equal)
{
	CHECK(hp_value_equal(vi(2), vf(2.0)));
	CHECK(!hp_value_equal(vi(2), vf(2.5)));
	CHECK(hp_value_equal(vt("a"), vt("a")));
	CHECK(!hp_value_equal(vt("a"), vt("b")));
	CHECK(!hp_value_equal(vt("1"), vi(1)));
	CHECK(!hp_value_equal(vb(true), vi(1)));
	CHECK(hp_value_equal(vnone(), vnone()));
	CHECK(!hp_value_equal(vnone(), vi(0)));
}

/* ---------------------------------------------------------------------
 * Conditions, hashing, counting
 * --------------------------------------------------------------------- */

/* layers 1..3; units_1 when layers in (2, 3); units_2 when layers = 3 */
static HpSpace
tree_space(void)
{
	HpDef	   *defs = core_alloc(sizeof(HpDef) * 4);
	HpSpace		space = {4, defs};
	HpValue		two_three[] = {vi(2), vi(3)};
	HpValue		three[] = {vi(3)};

	defs[0] = num("layers", HP_INT, 1, 3, 0, HP_SAMPLING_LINEAR);
	defs[1] = conditional(num("units_1", HP_INT, 32, 128, 32, HP_SAMPLING_LINEAR),
						  "layers", two_three, 2);
	defs[2] = conditional(num("units_2", HP_INT, 32, 64, 32, HP_SAMPLING_LINEAR),
						  "layers", three, 1);
	defs[3] = boolean("dropout");
	for (int i = 0; i < 4; i++)
	{
		HpSpace		before = {i, defs};

		hp_validate(&defs[i], &before);
	}
	return space;
}

TEST(conditions_active)
{
	HpSpace		space = tree_space();
	HpValue		values[4] = {vi(1), vnone(), vnone(), vb(false)};

	CHECK(hp_is_active(&space, 0, values));
	CHECK(!hp_is_active(&space, 1, values));
	CHECK(!hp_is_active(&space, 2, values));
	CHECK(hp_is_active(&space, 3, values));
	values[0] = vi(2);
	CHECK(hp_is_active(&space, 1, values));
	CHECK(!hp_is_active(&space, 2, values));
	values[0] = vf(3.0);
	CHECK(hp_is_active(&space, 1, values));
	CHECK(hp_is_active(&space, 2, values));
	values[0] = vnone();		/* an inactive parent deactivates its children */
	CHECK(!hp_is_active(&space, 1, values));
	CHECK(hp_space_find(&space, "units_2") == 2);

	/* a parent declared after its child never activates it */
	space.hps[0] = space.hps[1];
	space.hps[1] = num("layers", HP_INT, 1, 3, 1, HP_SAMPLING_LINEAR);
	values[0] = vi(64);
	values[1] = vi(2);
	CHECK(!hp_is_active(&space, 0, values));
	CHECK(hp_space_find(&space, "units_3") == -1);
}

static uint64_t
fnv1a(const char *s, size_t len)
{
	uint64_t	h = UINT64_C(0xCBF29CE484222325);

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= UINT64_C(0x100000001B3);
	}
	return h;
}

TEST(hash_order_independent)
{
	HpDef		ab[2];
	HpDef		ba[2];
	HpSpace		s1 = {2, ab};
	HpSpace		s2 = {2, ba};
	HpValue		v1[] = {vi(64), vt("relu")};
	HpValue		v2[] = {vt("relu"), vi(64)};
	HpValue		v3[] = {vt("relu"), vi(96)};
	HpValue		v4[] = {vt("relu"), vf(64.0)};
	HpValue		v5[] = {vt("relu"), vnone()};
	HpAssignment a1 = {2, v1};
	HpAssignment a2 = {2, v2};
	HpAssignment a3 = {2, v3};
	HpAssignment a4 = {2, v4};
	HpAssignment a5 = {2, v5};
	HpValue		acts[] = {vt("relu"), vt("tanh")};

	ab[0] = valid_int();
	ab[1] = choice("act", acts, 2);
	ba[0] = ab[1];
	ba[1] = ab[0];
	CHECK(hp_assignment_hash(&s1, &a1) == hp_assignment_hash(&s2, &a2));
	CHECK(hp_assignment_hash(&s2, &a2) != hp_assignment_hash(&s2, &a3));
	CHECK(hp_assignment_hash(&s2, &a2) == hp_assignment_hash(&s2, &a4));
	CHECK(hp_assignment_hash(&s2, &a2) != hp_assignment_hash(&s2, &a5));
	/* stored in the catalog, so pinned: FNV-1a of the documented form */
	CHECK(hp_assignment_hash(&s1, &a1) ==
		  fnv1a("act\0t:relu\0units\0n:64\0", 22));
}

TEST(space_cardinality)
{
	HpSpace		tree = tree_space();
	HpValue		acts[] = {vt("relu"), vt("tanh"), vt("sigmoid")};
	HpDef		defs[3];
	HpSpace		flat = {2, defs};
	HpSpace		cont = {3, defs};
	HpSpace		huge = {2, defs};

	/* layers=1: 1; layers=2: 4 units_1; layers=3: 4 x 2; times dropout 2 */
	CHECK(hp_space_cardinality(&tree) == (1 + 4 + 8) * 2);
	defs[0] = choice("act", acts, 3);
	defs[1] = boolean("dropout");
	defs[2] = num("lr", HP_FLOAT, 1e-4, 1e-2, 0, HP_SAMPLING_LOG);
	CHECK(hp_space_cardinality(&flat) == 6);
	CHECK(hp_space_cardinality(&cont) == -1);
	defs[0] = num("a", HP_INT, 0, 1e7, 1, HP_SAMPLING_LINEAR);
	defs[1] = num("b", HP_INT, 0, 1e7, 1, HP_SAMPLING_LINEAR);
	CHECK(hp_space_cardinality(&huge) == -1);
	huge.n = 1;
	CHECK(hp_space_cardinality(&huge) == 10000001);
	CHECK(hp_cardinality(&defs[2]) == 0);
}

TEST(grid_values_limit)
{
	HpDef		hp = num("a", HP_INT, 0, 1e7, 1, HP_SAMPLING_LINEAR);
	HpValue    *values;

	EXPECT_ERROR(CORE_ERR_PROGRAM_LIMIT, hp_grid_values(&hp, &values));
}

int
main(void)
{
	RUN(sampling_formulas);
	RUN(int_log_step_grid);
	RUN(int_reverse_log_step);
	RUN(float_step_includes_max);
	RUN(int_without_step_covers_range);
	RUN(reverse_log_concentrates_near_max);
	RUN(value_to_prob_round_trip);
	RUN(grid_values_default_first);
	RUN(defaults);
	RUN(value_format);
	RUN(names);
	RUN(value_equal);
	RUN(conditions_active);
	RUN(hash_order_independent);
	RUN(space_cardinality);
	RUN(grid_values_limit);
	UNIT_DONE();
}
