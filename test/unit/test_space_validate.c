/*
 * test_space_validate.c
 *	  Unit tests of hp_validate, the one validation routine, and of
 *	  hp_equal (src/core/space_validate.c): every rejected case with its
 *	  error class, and what validation fills in.
 */
#include "unit.h"
#include "hp_build.h"

static HpSpace empty_space = {0, NULL};

static HpDef
valid_int(void)
{
	return num("units", HP_INT, 32, 512, 32, HP_SAMPLING_LINEAR);
}

TEST(validate_accepts_and_completes)
{
	HpDef		a = valid_int();
	HpDef		b = num("layers", HP_INT, 1, 3, 0, HP_SAMPLING_LINEAR);
	HpDef		c = num("lr", HP_FLOAT, 1e-4, 1e-2, 0, HP_SAMPLING_LOG);
	HpDef		d = num("same", HP_INT, 4, 4, 0, HP_SAMPLING_LINEAR);
	HpDef		e = num("dropout", HP_FLOAT, 0, 0.5, 0.1, HP_SAMPLING_LINEAR);
	HpValue		nums[] = {vi(1), vf(0.5), vi(2)};
	HpValue		texts[] = {vt("relu"), vt("tanh")};
	HpDef		f = choice("mixed", nums, 3);
	HpDef		g = choice("act", texts, 2);
	HpDef		h = choice("unordered", nums, 3);

	hp_validate(&a, &empty_space);
	hp_validate(&b, &empty_space);
	CHECK(b.has_step && b.step == 1);
	hp_validate(&c, &empty_space);
	CHECK(!c.has_step);
	hp_validate(&d, &empty_space);
	e.default_value = vf(0.30000000000000004);
	hp_validate(&e, &empty_space);
	CHECK(e.default_value.type == HPV_FLOAT && e.default_value.f == 0.3);
	hp_validate(&f, &empty_space);
	CHECK(f.ordered);
	for (int i = 0; i < 3; i++)
		CHECK(f.choices[i].type == HPV_FLOAT);
	CHECK(f.choices[2].f == 2.0);
	hp_validate(&g, &empty_space);
	CHECK(!g.ordered);
	h.ordered_given = true;
	hp_validate(&h, &empty_space);
	CHECK(!h.ordered);
	a.default_value = vf(64.0);
	hp_validate(&a, &empty_space);
	CHECK(a.default_value.type == HPV_INT && a.default_value.i == 64);
}

TEST(validate_rejects_names)
{
	HpDef		hp = valid_int();
	char		longname[80];

	hp.name = "";
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "empty") != NULL);
	memset(longname, 'x', 64);
	longname[64] = '\0';
	hp.name = longname;
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "too long") != NULL);
	longname[63] = '\0';
	hp_validate(&hp, &empty_space);
}

TEST(validate_rejects_ranges)
{
	HpDef		hp;

	hp = num("units", HP_INT, 512, 32, 0, HP_SAMPLING_LINEAR);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK_STR(core_test_last_msg, "invalid range for hyperparameter \"units\"");
	CHECK_STR(core_test_last_detail, "min_value 512 is greater than max_value 32.");
	CHECK(core_test_last_hint[0] != '\0');
	hp = num("x", HP_FLOAT, NAN, 1, 0, HP_SAMPLING_LINEAR);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "non-finite") != NULL);
	hp = num("x", HP_FLOAT, 0, INFINITY, 0, HP_SAMPLING_LINEAR);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	hp = num("x", HP_INT, 0.5, 3, 0, HP_SAMPLING_LINEAR);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "non-integral bound") != NULL);
	hp = num("x", HP_FLOAT, 0, 1, 0, HP_SAMPLING_LOG);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "log sampling") != NULL);
	hp = num("x", HP_INT, -1, 10, 0, HP_SAMPLING_REVERSE_LOG);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "reverse_log sampling") != NULL);
}

TEST(validate_rejects_steps)
{
	HpDef		hp;

	hp = num("x", HP_FLOAT, 0, 1, -0.1, HP_SAMPLING_LINEAR);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK_STR(core_test_last_msg, "invalid step for hyperparameter \"x\"");
	hp = num("x", HP_FLOAT, 0, 1, 0, HP_SAMPLING_LINEAR);
	hp.has_step = true;			/* step 0 */
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	hp = num("x", HP_FLOAT, 0, 1, 2, HP_SAMPLING_LINEAR);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "step larger than the range") != NULL);
	hp = num("x", HP_INT, 0, 10, 1.5, HP_SAMPLING_LINEAR);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "non-integral step") != NULL);
	hp = num("x", HP_FLOAT, 1, 100, 0.5, HP_SAMPLING_LOG);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "invalid step for log sampling") != NULL);
	hp = num("x", HP_INT, 1, 100, 1, HP_SAMPLING_LOG);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	hp = num("x", HP_INT, 5, 5, 3, HP_SAMPLING_LINEAR);
	hp_validate(&hp, &empty_space);	/* one value: any step will do */
}

TEST(validate_rejects_choices)
{
	HpValue		dup[] = {vt("relu"), vt("tanh"), vt("relu")};
	HpValue		dupnum[] = {vi(1), vf(1.0)};
	HpValue		mixed[] = {vi(1), vt("two")};
	HpValue		mixedbool[] = {vb(true), vi(1)};
	HpValue		withnull[] = {vi(1), vnone()};
	HpValue		texts[] = {vt("a"), vt("b")};
	HpValue		bools[] = {vb(false), vb(true)};
	HpDef		hp;

	hp = choice("c", texts, 0);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "no choices") != NULL);
	hp = choice("c", dup, 3);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "duplicate choice") != NULL);
	CHECK(strstr(core_test_last_detail, "'relu'") != NULL);
	hp = choice("c", dupnum, 2);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	hp = choice("c", mixed, 2);
	EXPECT_ERROR(CORE_ERR_DATATYPE_MISMATCH, hp_validate(&hp, &empty_space));
	hp = choice("c", mixedbool, 2);
	EXPECT_ERROR(CORE_ERR_DATATYPE_MISMATCH, hp_validate(&hp, &empty_space));
	hp = choice("c", withnull, 2);
	EXPECT_ERROR(CORE_ERR_NULL_VALUE, hp_validate(&hp, &empty_space));
	hp = choice("c", texts, 2);
	hp.ordered = true;
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "cannot be ordered") != NULL);
	hp = choice("c", bools, 2);
	hp.ordered = true;
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
}

TEST(validate_rejects_defaults)
{
	HpValue		texts[] = {vt("relu"), vt("tanh")};
	HpDef		hp;

	hp = valid_int();
	hp.default_value = vi(600);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "default out of range") != NULL);
	hp = valid_int();
	hp.default_value = vi(33);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "not on the grid") != NULL);
	CHECK(strstr(core_test_last_hint, "32") != NULL);
	hp = num("x", HP_INT, 1, 10, 0, HP_SAMPLING_LINEAR);
	hp.default_value = vf(2.5);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	hp = num("x", HP_FLOAT, 0, 1, 0.2, HP_SAMPLING_LINEAR);
	hp.default_value = vf(0.5);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	hp = valid_int();
	hp.default_value = vt("big");
	EXPECT_ERROR(CORE_ERR_DATATYPE_MISMATCH, hp_validate(&hp, &empty_space));
	hp = choice("act", texts, 2);
	hp.default_value = vt("gelu");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &empty_space));
	CHECK(strstr(core_test_last_msg, "not one of the choices") != NULL);
	hp = boolean("b");
	hp.default_value = vi(1);
	EXPECT_ERROR(CORE_ERR_DATATYPE_MISMATCH, hp_validate(&hp, &empty_space));
	memset(&hp, 0, sizeof(hp));
	hp.name = "fixed";
	hp.kind = HP_FIXED;
	EXPECT_ERROR(CORE_ERR_NULL_VALUE, hp_validate(&hp, &empty_space));
	hp.default_value = vi(7);
	hp_validate(&hp, &empty_space);
}

TEST(validate_conditions)
{
	HpValue		acts[] = {vt("relu"), vt("tanh")};
	HpDef		defs[2];
	HpSpace		space = {2, defs};
	HpValue		two[] = {vi(2), vf(3.0)};
	HpValue		seven[] = {vi(7)};
	HpValue		gelu[] = {vt("gelu")};
	HpDef		hp;

	defs[0] = num("layers", HP_INT, 1, 3, 0, HP_SAMPLING_LINEAR);
	defs[1] = choice("act", acts, 2);
	hp_validate(&defs[0], &empty_space);
	hp_validate(&defs[1], &empty_space);

	hp = conditional(valid_int(), "layers", two, 2);
	hp_validate(&hp, &space);
	CHECK(hp.parent_values[1].type == HPV_INT && hp.parent_values[1].i == 3);

	hp = conditional(valid_int(), "nope", two, 2);
	EXPECT_ERROR(CORE_ERR_UNDEFINED, hp_validate(&hp, &space));
	hp = conditional(valid_int(), "units", two, 2);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &space));
	CHECK(strstr(core_test_last_msg, "its own parent") != NULL);
	hp = conditional(valid_int(), "layers", two, 0);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &space));
	CHECK(strstr(core_test_last_msg, "no parent_values") != NULL);
	hp = conditional(valid_int(), "layers", seven, 1);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &space));
	CHECK(strstr(core_test_last_msg, "invalid parent value") != NULL);
	hp = conditional(valid_int(), "act", gelu, 1);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &space));
	hp = conditional(valid_int(), "act", two, 1);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &space));
	hp = valid_int();
	hp.parent_values = two;
	hp.nparent_values = 1;
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hp_validate(&hp, &space));
}

TEST(validate_redefinition)
{
	HpDef		defs[1];
	HpSpace		space = {1, defs};
	HpDef		same = num("units", HP_INT, 32, 512, 32, HP_SAMPLING_LINEAR);
	HpDef		other = num("units", HP_INT, 32, 256, 32, HP_SAMPLING_LINEAR);
	HpDef		implicit = num("n", HP_INT, 1, 3, 0, HP_SAMPLING_LINEAR);

	defs[0] = valid_int();
	hp_validate(&defs[0], &empty_space);
	hp_validate(&same, &space);	/* the same definition: no error */
	EXPECT_ERROR(CORE_ERR_DUPLICATE, hp_validate(&other, &space));
	CHECK_STR(core_test_last_msg,
			  "hyperparameter \"units\" is already defined differently");
	CHECK(strstr(core_test_last_detail, "256") != NULL);

	/* implicit parts are filled before comparing */
	defs[0] = num("n", HP_INT, 1, 3, 0, HP_SAMPLING_LINEAR);
	hp_validate(&defs[0], &empty_space);
	hp_validate(&implicit, &space);
}

TEST(equality)
{
	HpValue		acts[] = {vt("relu"), vt("tanh")};
	HpValue		acts2[] = {vt("tanh"), vt("relu")};
	HpValue		pv[] = {vi(2), vi(3)};
	HpValue		pv2[] = {vi(3), vi(2)};
	HpDef		a = valid_int();
	HpDef		b = valid_int();

	CHECK(hp_equal(&a, &b));
	b.step = 64;
	CHECK(!hp_equal(&a, &b));
	b = valid_int();
	b.sampling = HP_SAMPLING_LOG;
	CHECK(!hp_equal(&a, &b));
	b = valid_int();
	b.default_value = vi(64);
	CHECK(!hp_equal(&a, &b));
	b = valid_int();
	b.name = "other";
	CHECK(!hp_equal(&a, &b));
	b = valid_int();
	b.kind = HP_FLOAT;
	CHECK(!hp_equal(&a, &b));
	a = choice("c", acts, 2);
	b = choice("c", acts, 2);
	CHECK(hp_equal(&a, &b));
	b = choice("c", acts2, 2);
	CHECK(!hp_equal(&a, &b));	/* declared order matters */
	a = conditional(valid_int(), "layers", pv, 2);
	b = conditional(valid_int(), "layers", pv2, 2);
	CHECK(hp_equal(&a, &b));	/* parent_values are a set */
	b = conditional(valid_int(), "layers", pv, 1);
	CHECK(!hp_equal(&a, &b));
	b = conditional(valid_int(), "depth", pv, 2);
	CHECK(!hp_equal(&a, &b));
}

int
main(void)
{
	RUN(validate_accepts_and_completes);
	RUN(validate_rejects_names);
	RUN(validate_rejects_ranges);
	RUN(validate_rejects_steps);
	RUN(validate_rejects_choices);
	RUN(validate_rejects_defaults);
	RUN(validate_conditions);
	RUN(validate_redefinition);
	RUN(equality);
	UNIT_DONE();
}
