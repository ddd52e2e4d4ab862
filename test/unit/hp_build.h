/*
 * hp_build.h
 *	  Builders of values and definitions for the core's unit tests.
 */
#ifndef HPTUNE_UNIT_HP_BUILD_H
#define HPTUNE_UNIT_HP_BUILD_H

#include <string.h>

#include "core/space.h"

static inline HpValue
vi(int64_t i)
{
	HpValue		v = {HPV_INT, i, 0, false, NULL};

	return v;
}

static inline HpValue
vf(double f)
{
	HpValue		v = {HPV_FLOAT, 0, f, false, NULL};

	return v;
}

static inline HpValue
vt(const char *s)
{
	HpValue		v = {HPV_TEXT, 0, 0, false, s};

	return v;
}

static inline HpValue
vb(bool b)
{
	HpValue		v = {HPV_BOOL, 0, 0, b, NULL};

	return v;
}

static inline HpValue
vnone(void)
{
	HpValue		v = {HPV_NONE, 0, 0, false, NULL};

	return v;
}

/* step 0 means no step */
static inline HpDef
num(const char *name, HpKind kind, double min, double max, double step,
	HpSampling sampling)
{
	HpDef		hp;

	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.kind = kind;
	hp.min_value = min;
	hp.max_value = max;
	hp.has_step = step != 0;
	hp.step = step;
	hp.sampling = sampling;
	return hp;
}

static inline HpDef
choice(const char *name, HpValue *values, int n)
{
	HpDef		hp;

	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.kind = HP_CHOICE;
	hp.choices = core_alloc(sizeof(HpValue) * n);
	memcpy(hp.choices, values, sizeof(HpValue) * n);
	hp.nchoices = n;
	return hp;
}

static inline HpDef
boolean(const char *name)
{
	HpDef		hp;

	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.kind = HP_BOOLEAN;
	return hp;
}

static inline HpDef
conditional(HpDef hp, const char *parent, HpValue *values, int n)
{
	hp.parent_name = parent;
	hp.parent_values = core_alloc(sizeof(HpValue) * (n + 1));
	memcpy(hp.parent_values, values, sizeof(HpValue) * n);
	hp.nparent_values = n;
	return hp;
}

/* validate each definition against those before it, as the catalog does */
static inline HpSpace
make_space(HpDef *defs, int n)
{
	HpSpace		space = {n, defs};

	for (int i = 0; i < n; i++)
	{
		HpSpace		before = {i, defs};

		hp_validate(&defs[i], &before);
	}
	return space;
}

#endif
