/*-------------------------------------------------------------------------
 *
 * space.c
 *	  Hyperparameter values, sampling, grids, hashing and counting.
 *
 * Sampling is KerasTuner's: every definition maps a number p in [0, 1) to
 * one of its values (hp_prob_to_value) and back to the middle of that
 * value's bucket (hp_value_to_prob), so the oracles can work in the unit
 * cube whatever the kinds.  The formulas:
 *
 *	 linear			min + p (max - min)
 *	 log			min (max / min)^p
 *	 reverse_log	max + min - min (max / min)^(1 - p)
 *
 * An int without a step samples [min, max + 1) and takes the floor, so
 * every integer of [min, max] gets an equal share.  A step splits the
 * interval into n buckets, n = floor((max - min) / step) + 1 for linear
 * sampling (KerasTuner's off-by-one is fixed: a float step includes max
 * when it lies on the grid) and floor(log(max / min) / log(step)) + 1 for
 * log sampling, where the step is a multiplier; bucket i holds
 * min + i step, min step^i, or max + min - min step^(n - i - 1).  Float
 * grid values are rounded to 12 significant digits, so 0.2 * 3 is 0.6.
 *
 * The hash of an assignment identifies a combination for the life of a
 * study: it is stored in hptune.trials.values_hash, so its definition must
 * never change.  It is 64-bit FNV-1a over the active (name, value) pairs in
 * name order, each written as name NUL tag ':' text NUL, where a number is
 * "n:" plus %lld when integral and %.17g otherwise (so int 2 and float 2.0
 * hash alike, as hp_value_equal says they are equal), text is "t:" plus the
 * text and a boolean "b:0" or "b:1".
 *
 * Validation and equality of definitions live in space_validate.c.
 *
 *-------------------------------------------------------------------------
 */
#include "core/space.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPACE_FNV_OFFSET	UINT64_C(0xCBF29CE484222325)
#define SPACE_FNV_PRIME		UINT64_C(0x00000100000001B3)

static const char *const space_kind_names[] = {
	"int", "float", "choice", "boolean", "fixed"
};

static const char *const space_sampling_names[] = {
	"linear", "log", "reverse_log"
};

/* ASCII case-insensitive equality */
static bool
space_name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
	{
		char		ca = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a;
		char		cb = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

const char *
hp_kind_name(HpKind kind)
{
	if ((int) kind < 0 || kind > HP_FIXED)
		return "unknown";
	return space_kind_names[kind];
}

const char *
hp_sampling_name(HpSampling sampling)
{
	if ((int) sampling < 0 || sampling > HP_SAMPLING_REVERSE_LOG)
		return "unknown";
	return space_sampling_names[sampling];
}

bool
hp_kind_from_name(const char *name, HpKind *kind)
{
	for (int i = 0; i <= HP_FIXED; i++)
	{
		if (name && space_name_equal(name, space_kind_names[i]))
		{
			*kind = (HpKind) i;
			return true;
		}
	}
	return false;
}

bool
hp_sampling_from_name(const char *name, HpSampling *sampling)
{
	for (int i = 0; i <= HP_SAMPLING_REVERSE_LOG; i++)
	{
		if (name && space_name_equal(name, space_sampling_names[i]))
		{
			*sampling = (HpSampling) i;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Values
 * --------------------------------------------------------------------- */

static bool
space_is_number(HpValue v)
{
	return v.type == HPV_INT || v.type == HPV_FLOAT;
}

static double
space_number(HpValue v)
{
	return v.type == HPV_INT ? (double) v.i : v.f;
}

HpValue
hp_int_value(int64_t i)
{
	HpValue		v = {HPV_INT, i, 0.0, false, NULL};

	return v;
}

HpValue
hp_float_value(double f)
{
	HpValue		v = {HPV_FLOAT, 0, f, false, NULL};

	return v;
}

HpValue
hp_bool_value(bool b)
{
	HpValue		v = {HPV_BOOL, 0, 0.0, b, NULL};

	return v;
}

HpValue
hp_text_value(const char *s)
{
	HpValue		v = {HPV_TEXT, 0, 0.0, false, s};

	return v;
}

bool
hp_value_equal(HpValue a, HpValue b)
{
	if (a.type == HPV_INT && b.type == HPV_INT)
		return a.i == b.i;
	if (space_is_number(a) && space_is_number(b))
		return space_number(a) == space_number(b);
	if (a.type != b.type)
		return false;
	switch (a.type)
	{
		case HPV_NONE:
			return true;
		case HPV_TEXT:
			return a.s && b.s && strcmp(a.s, b.s) == 0;
		case HPV_BOOL:
			return a.b == b.b;
		default:
			return false;
	}
}

char *
hp_value_format(HpValue v)
{
	char	   *s;

	switch (v.type)
	{
		case HPV_INT:
			return core_psprintf("%lld", (long long) v.i);
		case HPV_FLOAT:
			s = core_psprintf("%.12g", v.f);
			if (strpbrk(s, ".eEni") == NULL)
				s = core_psprintf("%s.0", s);
			return s;
		case HPV_TEXT:
			return core_psprintf("'%s'", v.s ? v.s : "");
		case HPV_BOOL:
			return core_strdup(v.b ? "true" : "false");
		default:
			return core_strdup("null");
	}
}

/* ---------------------------------------------------------------------
 * Sampling
 * --------------------------------------------------------------------- */

static double
space_clamp(double x, double lo, double hi)
{
	if (!(x >= lo))
		return lo;
	if (x > hi)
		return hi;
	return x;
}

/* KerasTuner's _sample_numerical_value, against a given upper bound */
static double
space_sample_numerical(const HpDef *hp, double p, double max_value)
{
	double		min_value = hp->min_value;

	switch (hp->sampling)
	{
		case HP_SAMPLING_LOG:
			return min_value * pow(max_value / min_value, p);
		case HP_SAMPLING_REVERSE_LOG:
			return max_value + min_value -
				min_value * pow(max_value / min_value, 1.0 - p);
		default:
			return p * (max_value - min_value) + min_value;
	}
}

/* KerasTuner's _numerical_to_prob: the inverse of the above */
static double
space_numerical_to_prob(const HpDef *hp, double v, double max_value)
{
	double		min_value = hp->min_value;
	double		p;

	if (max_value == min_value)
		return 0.5;
	switch (hp->sampling)
	{
		case HP_SAMPLING_LOG:
			p = log(v / min_value) / log(max_value / min_value);
			break;
		case HP_SAMPLING_REVERSE_LOG:
			p = 1.0 - log((max_value + min_value - v) / min_value) /
				log(max_value / min_value);
			break;
		default:
			p = (v - min_value) / (max_value - min_value);
			break;
	}
	return space_clamp(p, 0.0, 1.0);
}

static double
space_prob_to_index(double p, double n)
{
	double		index = floor(space_clamp(p, 0.0, 1.0) * n);

	return index > n - 1 ? n - 1 : index;
}

static double
space_index_to_prob(double index, double n)
{
	return (index + 0.5) / n;
}

/*
 * Round to 12 significant digits when that moves the value by less than
 * tolerance, so grid values print as their decimal selves.
 */
static double
space_round_pretty(double x, double tolerance)
{
	char		buf[64];
	double		r;

	snprintf(buf, sizeof(buf), "%.12g", x);
	r = strtod(buf, NULL);
	return fabs(r - x) <= tolerance ? r : x;
}

/* is this int definition sampled on a grid (an explicit or implicit step)? */
static bool
space_int_has_grid(const HpDef *hp)
{
	return hp->has_step || hp->sampling == HP_SAMPLING_LINEAR;
}

static double
space_step(const HpDef *hp)
{
	return hp->has_step ? hp->step : 1.0;
}

/* number of grid values of a stepped definition (or an int's implicit 1) */
static double
space_n_values(const HpDef *hp)
{
	double		step = space_step(hp);

	if (hp->sampling == HP_SAMPLING_LINEAR || !hp->has_step)
		return floor((hp->max_value - hp->min_value) / step + 1e-9) + 1;
	return floor(log(hp->max_value / hp->min_value) / log(step) + 1e-9) + 1;
}

/* value of grid bucket index, in the definition's number type */
static HpValue
space_grid_value(const HpDef *hp, double index, double n)
{
	double		step = space_step(hp);
	double		x;

	if (hp->sampling == HP_SAMPLING_LINEAR || !hp->has_step)
		x = hp->min_value + index * step;
	else if (hp->sampling == HP_SAMPLING_LOG)
		x = hp->min_value * pow(step, index);
	else
		x = hp->max_value + hp->min_value -
			hp->min_value * pow(step, n - index - 1);
	x = space_clamp(x, hp->min_value, hp->max_value);
	if (hp->kind == HP_INT)
		return hp_int_value((int64_t) llround(x));
	if (hp->sampling == HP_SAMPLING_LINEAR)
		x = space_round_pretty(x, step * 1e-6);
	else
		x = space_round_pretty(x, fabs(x) * 1e-9);
	return hp_float_value(space_clamp(x, hp->min_value, hp->max_value));
}

double
hp_step_position(const HpDef *hp, double v)
{
	double		step = space_step(hp);
	double		n;

	if (hp->sampling == HP_SAMPLING_LINEAR || !hp->has_step)
		return (v - hp->min_value) / step;
	if (hp->sampling == HP_SAMPLING_LOG)
		return log(v / hp->min_value) / log(step);
	n = space_n_values(hp);
	return n - 1 -
		log((hp->max_value + hp->min_value - v) / hp->min_value) / log(step);
}

HpValue
hp_prob_to_value(const HpDef *hp, double p)
{
	double		n;
	double		x;

	switch (hp->kind)
	{
		case HP_INT:
			if (space_int_has_grid(hp))
			{
				n = space_n_values(hp);
				return space_grid_value(hp, space_prob_to_index(p, n), n);
			}
			x = floor(space_sample_numerical(hp, p, hp->max_value + 1));
			x = space_clamp(x, hp->min_value, hp->max_value);
			return hp_int_value((int64_t) llround(x));
		case HP_FLOAT:
			if (hp->has_step)
			{
				n = space_n_values(hp);
				return space_grid_value(hp, space_prob_to_index(p, n), n);
			}
			x = space_sample_numerical(hp, space_clamp(p, 0.0, 1.0),
									   hp->max_value);
			return hp_float_value(space_clamp(x, hp->min_value,
												hp->max_value));
		case HP_CHOICE:
			if (hp->nchoices <= 0)
				return hp->default_value;
			return hp->choices[(int) space_prob_to_index(p, hp->nchoices)];
		case HP_BOOLEAN:
			return hp_bool_value(p >= 0.5);
		default:
			return hp->default_value;
	}
}

static double
space_numeric_to_prob(const HpDef *hp, HpValue v)
{
	double		x = space_number(v);
	double		n;
	double		index;

	if (!space_is_number(v))
		return 0.5;
	if (hp->kind == HP_FLOAT ? hp->has_step : space_int_has_grid(hp))
	{
		n = space_n_values(hp);
		x = space_clamp(x, hp->min_value, hp->max_value);
		index = space_clamp(round(hp_step_position(hp, x)), 0, n - 1);
		return space_index_to_prob(index, n);
	}
	if (hp->kind == HP_INT)
		return space_numerical_to_prob(hp, x + 0.5, hp->max_value + 1);
	return space_numerical_to_prob(hp, x, hp->max_value);
}

/*
 * The middle of the value's bucket.  A value the definition cannot take
 * (a choice that is not among the choices, say from a history recorded
 * before the space changed) gives 0.5, the centre of the cube.
 */
double
hp_value_to_prob(const HpDef *hp, HpValue v)
{
	switch (hp->kind)
	{
		case HP_INT:
		case HP_FLOAT:
			return space_numeric_to_prob(hp, v);
		case HP_CHOICE:
			for (int i = 0; i < hp->nchoices; i++)
			{
				if (hp_value_equal(hp->choices[i], v))
					return space_index_to_prob(i, hp->nchoices);
			}
			return 0.5;
		case HP_BOOLEAN:
			if (v.type != HPV_BOOL)
				return 0.5;
			return v.b ? 0.75 : 0.25;
		default:
			return 0.5;
	}
}

HpValue
hp_default(const HpDef *hp)
{
	if (hp->default_value.type != HPV_NONE || hp->kind == HP_FIXED)
		return hp->default_value;
	switch (hp->kind)
	{
		case HP_INT:
		case HP_FLOAT:
			/* a reverse_log grid need not reach min: take its first value */
			if (hp->has_step && hp->sampling == HP_SAMPLING_REVERSE_LOG)
				return hp_prob_to_value(hp, 0.0);
			if (hp->kind == HP_INT)
				return hp_int_value((int64_t) llround(hp->min_value));
			return hp_float_value(hp->min_value);
		case HP_CHOICE:
			if (hp->nchoices > 0)
				return hp->choices[0];
			return hp->default_value;
		default:
			return hp_bool_value(false);
	}
}

int64_t
hp_cardinality(const HpDef *hp)
{
	double		n;

	switch (hp->kind)
	{
		case HP_INT:
			n = space_int_has_grid(hp) ? space_n_values(hp) :
				hp->max_value - hp->min_value + 1;
			break;
		case HP_FLOAT:
			if (!hp->has_step)
				return 0;
			n = space_n_values(hp);
			break;
		case HP_CHOICE:
			return hp->nchoices;
		case HP_BOOLEAN:
			return 2;
		default:
			return 1;
	}
	if (!(n >= 1))
		return 1;
	return n >= 9.2e18 ? INT64_MAX : (int64_t) n;
}

/* ---------------------------------------------------------------------
 * Grid values
 * --------------------------------------------------------------------- */

static int
space_compare_numbers(const void *a, const void *b)
{
	double		x = space_number(*(const HpValue *) a);
	double		y = space_number(*(const HpValue *) b);

	return (x > y) - (x < y);
}

/* sort numbers ascending and drop repeats; returns the new count */
static int
space_sort_unique(HpValue *values, int n)
{
	int			out = 0;

	qsort(values, n, sizeof(HpValue), space_compare_numbers);
	for (int i = 0; i < n; i++)
	{
		if (out == 0 || !hp_value_equal(values[out - 1], values[i]))
			values[out++] = values[i];
	}
	return out;
}

/* the values of a numeric definition, ascending, into *values */
static int
space_numeric_grid(const HpDef *hp, HpValue **values)
{
	bool		stepped = hp->kind == HP_INT ? space_int_has_grid(hp) : hp->has_step;
	double		n = stepped ? space_n_values(hp) : 10;
	HpValue    *out;

	if (n > HP_GRID_MAX_VALUES)
		core_error(CORE_ERR_PROGRAM_LIMIT,
				   core_psprintf("hyperparameter \"%s\" has too many values for grid search",
								 hp->name),
				   core_psprintf("It takes %.0f values; the grid tuner enumerates at most %d per hyperparameter.",
								 n, HP_GRID_MAX_VALUES),
				   "Give it a larger step, or use the random tuner.");
	out = core_alloc(sizeof(HpValue) * ((size_t) n + 1));
	for (int i = 0; i < (int) n; i++)
	{
		if (stepped)
			out[i] = space_grid_value(hp, i, n);
		else if (hp->kind == HP_INT)
			out[i] = hp_prob_to_value(hp, space_index_to_prob(i, n));
		else if (i == 0 || i == 9)
			out[i] = hp_float_value(i == 0 ? hp->min_value : hp->max_value);
		else
		{
			HpValue		v = hp_prob_to_value(hp, i / 9.0);

			v.f = space_round_pretty(v.f, fabs(v.f) * 1e-9);
			out[i] = v;
		}
	}
	*values = out;
	return space_sort_unique(out, (int) n);
}

/* move the default to the front, inserting it if the list lacks it */
static int
space_default_first(const HpDef *hp, HpValue *values, int n)
{
	HpValue		def = hp_default(hp);
	int			at = n;

	if (def.type == HPV_NONE)
		return n;
	for (int i = 0; i < n; i++)
	{
		if (hp_value_equal(values[i], def))
		{
			at = i;
			break;
		}
	}
	if (at == n)
		n++;					/* the array has room for one more */
	else
		def = values[at];
	memmove(values + 1, values, sizeof(HpValue) * at);
	values[0] = def;
	return n;
}

int
hp_grid_values(const HpDef *hp, HpValue **values)
{
	HpValue    *out;
	int			n;

	switch (hp->kind)
	{
		case HP_INT:
		case HP_FLOAT:
			n = space_numeric_grid(hp, &out);
			break;
		case HP_CHOICE:
			n = hp->nchoices;
			out = core_alloc(sizeof(HpValue) * (n + 1));
			memcpy(out, hp->choices, sizeof(HpValue) * n);
			break;
		case HP_BOOLEAN:
			n = 2;
			out = core_alloc(sizeof(HpValue) * 3);
			out[0] = hp_bool_value(false);
			out[1] = hp_bool_value(true);
			break;
		default:
			n = 1;
			out = core_alloc(sizeof(HpValue));
			out[0] = hp->default_value;
			*values = out;
			return n;
	}
	*values = out;
	return space_default_first(hp, out, n);
}

/* ---------------------------------------------------------------------
 * The space: lookup, conditions, hashing, counting
 * --------------------------------------------------------------------- */

int
hp_space_find(const HpSpace *space, const char *name)
{
	if (space == NULL || name == NULL)
		return -1;
	for (int i = 0; i < space->n; i++)
	{
		if (space->hps[i].name && strcmp(space->hps[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* the parent's index, -1 without a parent, -2 if it is not declared before i */
static int
space_parent_index(const HpSpace *space, int i)
{
	const HpDef *hp = &space->hps[i];
	int			j;

	if (hp->parent_name == NULL)
		return -1;
	j = hp_space_find(space, hp->parent_name);
	return (j >= 0 && j < i) ? j : -2;
}

static bool
space_in_list(HpValue v, const HpValue *list, int n)
{
	for (int k = 0; k < n; k++)
	{
		if (hp_value_equal(v, list[k]))
			return true;
	}
	return false;
}

bool
hp_is_active(const HpSpace *space, int i, const HpValue *values)
{
	const HpDef *hp = &space->hps[i];
	int			parent = space_parent_index(space, i);

	if (parent == -1)
		return true;
	if (parent < 0 || values[parent].type == HPV_NONE)
		return false;
	return space_in_list(values[parent], hp->parent_values,
						 hp->nparent_values);
}

static uint64_t
space_fnv(uint64_t h, const char *s, size_t len)
{
	for (size_t k = 0; k < len; k++)
	{
		h ^= (unsigned char) s[k];
		h *= SPACE_FNV_PRIME;
	}
	return h;
}

/* fold one "name NUL tag:text NUL" pair into h */
static uint64_t
space_hash_pair(uint64_t h, const char *name, HpValue v)
{
	char		buf[64];
	double		x = space_number(v);

	h = space_fnv(h, name, strlen(name) + 1);
	if (v.type == HPV_INT)
		snprintf(buf, sizeof(buf), "n:%lld", (long long) v.i);
	else if (v.type == HPV_FLOAT && x == floor(x) && fabs(x) < 9.2e18)
		snprintf(buf, sizeof(buf), "n:%lld", (long long) x);
	else if (v.type == HPV_FLOAT)
		snprintf(buf, sizeof(buf), "n:%.17g", x);
	else if (v.type == HPV_BOOL)
		snprintf(buf, sizeof(buf), "b:%d", v.b ? 1 : 0);
	else if (v.type == HPV_TEXT)
	{
		h = space_fnv(h, "t:", 2);
		return space_fnv(h, v.s ? v.s : "", strlen(v.s ? v.s : "") + 1);
	}
	else
		return h;
	return space_fnv(h, buf, strlen(buf) + 1);
}

typedef struct SpaceNamed
{
	const char *name;
	int			index;
} SpaceNamed;

static int
space_compare_names(const void *a, const void *b)
{
	return strcmp(((const SpaceNamed *) a)->name, ((const SpaceNamed *) b)->name);
}

uint64_t
hp_assignment_hash(const HpSpace *space, const HpAssignment *a)
{
	int			n = a->n < space->n ? a->n : space->n;
	SpaceNamed *order = core_alloc(sizeof(SpaceNamed) * (n + 1));
	uint64_t	h = SPACE_FNV_OFFSET;

	for (int i = 0; i < n; i++)
	{
		order[i].name = space->hps[i].name ? space->hps[i].name : "";
		order[i].index = i;
	}
	qsort(order, n, sizeof(SpaceNamed), space_compare_names);
	for (int k = 0; k < n; k++)
	{
		HpValue		v = a->values[order[k].index];

		if (v.type != HPV_NONE)
			h = space_hash_pair(h, order[k].name, v);
	}
	core_free(order);
	return h;
}

/*
 * Number of distinct active combinations of hp i and its descendants, or
 * -1 if infinite or above the cap.  For each distinct value that some
 * child's condition names, the children active at that value multiply;
 * every other value counts once.
 */
static double
space_subtree_count(const HpSpace *space, int i)
{
	const HpDef *hp = &space->hps[i];
	double		card = (double) hp_cardinality(hp);
	double		total;
	int			nspecial = 0;
	HpValue    *special;
	double	   *child_count;

	if (card <= 0)
		return -1;
	child_count = core_alloc(sizeof(double) * space->n);
	special = core_alloc(sizeof(HpValue) * 1);
	for (int c = i + 1; c < space->n; c++)
	{
		const HpDef *child = &space->hps[c];

		if (space_parent_index(space, c) != i)
			continue;
		child_count[c] = space_subtree_count(space, c);
		if (child_count[c] < 0)
		{
			core_free(special);
			core_free(child_count);
			return -1;
		}
		for (int k = 0; k < child->nparent_values; k++)
		{
			if (space_in_list(child->parent_values[k], special, nspecial))
				continue;
			special = core_realloc(special, sizeof(HpValue) * (nspecial + 1));
			special[nspecial++] = child->parent_values[k];
		}
	}
	total = card > nspecial ? card - nspecial : 0;
	for (int s = 0; s < nspecial && total <= HP_SPACE_MAX_CARDINALITY; s++)
	{
		double		product = 1;

		for (int c = i + 1; c < space->n; c++)
		{
			const HpDef *child = &space->hps[c];

			if (space_parent_index(space, c) == i &&
				space_in_list(special[s], child->parent_values,
							  child->nparent_values))
				product *= child_count[c];
		}
		total += product;
	}
	core_free(special);
	core_free(child_count);
	return total > HP_SPACE_MAX_CARDINALITY ? -1 : total;
}

int64_t
hp_space_cardinality(const HpSpace *space)
{
	double		total = 1;

	for (int i = 0; i < space->n; i++)
	{
		double		count;

		if (space_parent_index(space, i) != -1)
			continue;			/* counted under its parent, or never active */
		count = space_subtree_count(space, i);
		if (count < 0)
			return -1;
		total *= count;
		if (total > HP_SPACE_MAX_CARDINALITY)
			return -1;
	}
	return (int64_t) total;
}
