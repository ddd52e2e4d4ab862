/*-------------------------------------------------------------------------
 *
 * space_validate.c
 *	  The one validation routine for hyperparameter definitions, and
 *	  equality of definitions.
 *
 * hp_validate is called by the SQL helper functions (hp_int, hp_choice,
 * ...) and by the trigger on hptune.hyperparameters, so a row a user
 * INSERTs by hand meets exactly the checks a helper call does.  It checks
 * in a fixed order -- name, kind, bounds, step, choices, default, condition,
 * redefinition -- and raises on the first problem with a message naming
 * the hyperparameter, a detail naming the bad value and a hint with the fix.
 *
 * Validation also completes the definition, so that what is stored is what
 * the oracles use and what hp_equal compares: an int with linear sampling
 * gets its implicit step 1; numeric choices become all-float when ints and
 * floats mix and are ordered unless told otherwise; defaults and
 * parent_values are rewritten in their definition's canonical form (the
 * number type, snapped onto the step grid, or the matching choice).
 *
 *-------------------------------------------------------------------------
 */
#include "core/space.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SPACE_NAME_MAX		63
#define SPACE_INT_LIMIT		9007199254740992.0	/* 2^53: exact in a float8 */
#define SPACE_GRID_TOLERANCE 1e-6	/* of a step, when matching the grid */

/* how a value fails to belong to a definition */
typedef enum SpaceDomain
{
	SPACE_IN_DOMAIN,
	SPACE_WRONG_TYPE,
	SPACE_OUT_OF_RANGE,
	SPACE_OFF_GRID,
	SPACE_NOT_LISTED
} SpaceDomain;

/* value classes that may not mix in one choice list */
typedef enum SpaceClass
{
	SPACE_CLASS_NULL,
	SPACE_CLASS_NUMBER,
	SPACE_CLASS_TEXT,
	SPACE_CLASS_BOOLEAN
} SpaceClass;

static SpaceClass
space_class(HpValue v)
{
	switch (v.type)
	{
		case HPV_INT:
		case HPV_FLOAT:
			return SPACE_CLASS_NUMBER;
		case HPV_TEXT:
			return v.s ? SPACE_CLASS_TEXT : SPACE_CLASS_NULL;
		case HPV_BOOL:
			return SPACE_CLASS_BOOLEAN;
		default:
			return SPACE_CLASS_NULL;
	}
}

static const char *
space_class_name(SpaceClass c)
{
	switch (c)
	{
		case SPACE_CLASS_NUMBER:
			return "a number";
		case SPACE_CLASS_TEXT:
			return "text";
		case SPACE_CLASS_BOOLEAN:
			return "a boolean";
		default:
			return "null";
	}
}

/* a bound or step as text, in the definition's number type */
static char *
space_num(const HpDef *hp, double x)
{
	HpValue		v = hp_float_value(x);

	if (hp->kind == HP_INT && x == floor(x) && fabs(x) <= SPACE_INT_LIMIT)
	{
		v.type = HPV_INT;
		v.i = (int64_t) x;
	}
	return hp_value_format(v);
}

static double
space_number(HpValue v)
{
	return v.type == HPV_INT ? (double) v.i : v.f;
}

static bool
space_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---------------------------------------------------------------------
 * Domain of a definition
 * --------------------------------------------------------------------- */

static SpaceDomain
space_numeric_domain(const HpDef *hp, HpValue *v)
{
	double		x;

	if (space_class(*v) != SPACE_CLASS_NUMBER)
		return SPACE_WRONG_TYPE;
	x = space_number(*v);
	if (!isfinite(x) || x < hp->min_value || x > hp->max_value)
		return SPACE_OUT_OF_RANGE;
	if (hp->kind == HP_INT && x != floor(x))
		return SPACE_OFF_GRID;
	if (hp->has_step)
	{
		double		position = hp_step_position(hp, x);
		double		index = round(position);
		double		n = (double) hp_cardinality(hp);

		if (!(fabs(position - index) <= SPACE_GRID_TOLERANCE))
			return SPACE_OFF_GRID;
		*v = hp_prob_to_value(hp, (index + 0.5) / n);
		return SPACE_IN_DOMAIN;
	}
	if (hp->kind == HP_INT)
	{
		v->type = HPV_INT;
		v->i = (int64_t) x;
	}
	else
	{
		v->type = HPV_FLOAT;
		v->f = x;
	}
	return SPACE_IN_DOMAIN;
}

static SpaceDomain
space_listed_domain(const HpValue *list, int n, HpValue *v)
{
	for (int i = 0; i < n; i++)
	{
		if (hp_value_equal(list[i], *v))
		{
			*v = list[i];
			return SPACE_IN_DOMAIN;
		}
	}
	if (n > 0 && space_class(list[0]) != space_class(*v))
		return SPACE_WRONG_TYPE;
	return SPACE_NOT_LISTED;
}

static SpaceDomain
space_domain(const HpDef *hp, HpValue *v)
{
	switch (hp->kind)
	{
		case HP_INT:
		case HP_FLOAT:
			return space_numeric_domain(hp, v);
		case HP_CHOICE:
			return space_listed_domain(hp->choices, hp->nchoices, v);
		case HP_BOOLEAN:
			return v->type == HPV_BOOL ? SPACE_IN_DOMAIN : SPACE_WRONG_TYPE;
		default:
			return space_listed_domain(&hp->default_value, 1, v);
	}
}

bool
hp_value_in_domain(const HpDef *hp, HpValue *v)
{
	return space_domain(hp, v) == SPACE_IN_DOMAIN;
}

/* ---------------------------------------------------------------------
 * The checks, in order
 * --------------------------------------------------------------------- */

static void
space_check_name(const HpDef *hp)
{
	size_t		len;
	size_t		cut = 32;

	if (hp->name == NULL || hp->name[0] == '\0')
		core_error(CORE_ERR_INVALID_PARAMETER,
				   "hyperparameter name is empty",
				   "Every hyperparameter needs a name of 1 to 63 bytes.",
				   "Pass a name, such as \"units\".");
	len = strlen(hp->name);
	if (len <= SPACE_NAME_MAX)
		return;
	while (cut > 0 && ((unsigned char) hp->name[cut] & 0xC0) == 0x80)
		cut--;					/* do not split a UTF-8 character */
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("hyperparameter name \"%.*s...\" is too long",
							 (int) cut, hp->name),
			   core_psprintf("The name is %zu bytes long; the limit is %d.",
							 len, SPACE_NAME_MAX),
			   "Use a name of at most 63 bytes.");
}

static void
space_check_kind(const HpDef *hp)
{
	if ((int) hp->kind >= 0 && hp->kind <= HP_FIXED)
		return;
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("invalid kind for hyperparameter \"%s\"", hp->name),
			   core_psprintf("Kind %d is not a known kind.", (int) hp->kind),
			   "Use one of int, float, choice, boolean or fixed.");
}

static void
space_check_int_bound(const HpDef *hp, const char *what, double x)
{
	if (x != floor(x))
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("non-integral bound for int hyperparameter \"%s\"",
								 hp->name),
				   core_psprintf("%s %g is not an integer.", what, x),
				   "Pass whole numbers, or use hp_float for a fractional range.");
	if (fabs(x) > SPACE_INT_LIMIT)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("bound out of range for int hyperparameter \"%s\"",
								 hp->name),
				   core_psprintf("%s %.0f is beyond 2^53 in magnitude.", what, x),
				   "Pass bounds between -9007199254740992 and 9007199254740992.");
}

static void
space_check_bounds(const HpDef *hp)
{
	if (!isfinite(hp->min_value) || !isfinite(hp->max_value))
	{
		bool		bad_min = !isfinite(hp->min_value);

		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("non-finite bound for hyperparameter \"%s\"",
								 hp->name),
				   core_psprintf("%s is %g.", bad_min ? "min_value" : "max_value",
								 bad_min ? hp->min_value : hp->max_value),
				   "Pass finite numbers for min_value and max_value.");
	}
	if (hp->kind == HP_INT)
	{
		space_check_int_bound(hp, "min_value", hp->min_value);
		space_check_int_bound(hp, "max_value", hp->max_value);
	}
	if (hp->min_value > hp->max_value)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("invalid range for hyperparameter \"%s\"", hp->name),
				   core_psprintf("min_value %s is greater than max_value %s.",
								 space_num(hp, hp->min_value),
								 space_num(hp, hp->max_value)),
				   "Swap min_value and max_value, or pass min_value <= max_value.");
}

static void
space_check_sampling(const HpDef *hp)
{
	const char *sampling = hp_sampling_name(hp->sampling);

	if ((int) hp->sampling < 0 || hp->sampling > HP_SAMPLING_REVERSE_LOG)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("invalid sampling for hyperparameter \"%s\"",
								 hp->name),
				   core_psprintf("Sampling %d is not a known sampling.",
								 (int) hp->sampling),
				   "Use one of linear, log or reverse_log.");
	if (hp->sampling != HP_SAMPLING_LINEAR && hp->min_value <= 0)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("invalid range for %s sampling of hyperparameter \"%s\"",
								 sampling, hp->name),
				   core_psprintf("min_value %s is not positive; %s sampling needs min_value > 0.",
								 space_num(hp, hp->min_value), sampling),
				   "Pass min_value > 0, or use sampling 'linear'.");
}

static void
space_step_too_large(const HpDef *hp, const char *detail)
{
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("step larger than the range of hyperparameter \"%s\"",
							 hp->name),
			   detail,
			   "Pass a smaller step, or widen the range.");
}

static void
space_check_log_step(const HpDef *hp)
{
	const char *sampling = hp_sampling_name(hp->sampling);

	if (hp->step <= 1)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("invalid step for %s sampling of hyperparameter \"%s\"",
								 sampling, hp->name),
				   core_psprintf("step %s is not greater than 1; with %s sampling the step is a multiplier.",
								 space_num(hp, hp->step), sampling),
				   "Pass a step greater than 1, such as 2 to double the value at each step.");
	if (hp->max_value > hp->min_value &&
		hp->step > hp->max_value / hp->min_value * (1 + 1e-12))
		space_step_too_large(hp,
							 core_psprintf("step %s is greater than max_value / min_value = %g; with %s sampling the step is a multiplier.",
										   space_num(hp, hp->step),
										   hp->max_value / hp->min_value,
										   sampling));
}

static void
space_check_step(HpDef *hp)
{
	if (!hp->has_step)
	{
		if (hp->kind == HP_INT && hp->sampling == HP_SAMPLING_LINEAR)
		{
			hp->has_step = true;
			hp->step = 1;
		}
		return;
	}
	if (!isfinite(hp->step) || hp->step <= 0)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("invalid step for hyperparameter \"%s\"", hp->name),
				   core_psprintf("step %g is not a positive number.", hp->step),
				   "Pass a step greater than 0, or none.");
	if (hp->kind == HP_INT && hp->step != floor(hp->step))
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("non-integral step for int hyperparameter \"%s\"",
								 hp->name),
				   core_psprintf("step %g is not an integer.", hp->step),
				   "Pass a whole-number step, or use hp_float.");
	if (hp->sampling != HP_SAMPLING_LINEAR)
		space_check_log_step(hp);
	else if (hp->max_value > hp->min_value &&
			 hp->step > (hp->max_value - hp->min_value) * (1 + 1e-12))
		space_step_too_large(hp,
							 core_psprintf("step %s is greater than max_value - min_value = %s.",
										   space_num(hp, hp->step),
										   space_num(hp, hp->max_value - hp->min_value)));
}

static int
space_compare_values(const void *a, const void *b)
{
	const HpValue *x = a;
	const HpValue *y = b;

	if (x->type == HPV_TEXT)
		return strcmp(x->s, y->s);
	if (x->type == HPV_BOOL)
		return (int) x->b - (int) y->b;
	return (space_number(*x) > space_number(*y)) -
		(space_number(*x) < space_number(*y));
}

static void
space_check_duplicate_choices(const HpDef *hp)
{
	HpValue    *sorted = core_alloc(sizeof(HpValue) * hp->nchoices);

	memcpy(sorted, hp->choices, sizeof(HpValue) * hp->nchoices);
	qsort(sorted, hp->nchoices, sizeof(HpValue), space_compare_values);
	for (int i = 1; i < hp->nchoices; i++)
	{
		if (hp_value_equal(sorted[i - 1], sorted[i]))
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("duplicate choice for hyperparameter \"%s\"",
									 hp->name),
					   core_psprintf("The value %s appears more than once.",
									 hp_value_format(sorted[i])),
					   "Remove the repeated value.");
	}
	core_free(sorted);
}

/* every choice of the first one's class; ints become floats if floats mix in */
static void
space_check_choice_types(HpDef *hp)
{
	SpaceClass	first = space_class(hp->choices[0]);
	bool		any_float = false;

	for (int i = 0; i < hp->nchoices; i++)
	{
		HpValue		v = hp->choices[i];

		if (space_class(v) == SPACE_CLASS_NULL)
			core_error(CORE_ERR_NULL_VALUE,
					   core_psprintf("null choice for hyperparameter \"%s\"", hp->name),
					   core_psprintf("Value %d of the list is null.", i + 1),
					   "Remove the null from the values.");
		if (space_class(v) != first)
			core_error(CORE_ERR_DATATYPE_MISMATCH,
					   core_psprintf("mixed types in the choices of hyperparameter \"%s\"",
									 hp->name),
					   core_psprintf("%s is %s but %s is %s.",
									 hp_value_format(hp->choices[0]),
									 space_class_name(first),
									 hp_value_format(v),
									 space_class_name(space_class(v))),
					   "Pass values of one type: all numbers, all text or all booleans.");
		if (v.type == HPV_FLOAT && !isfinite(v.f))
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("non-finite choice for hyperparameter \"%s\"",
									 hp->name),
					   core_psprintf("Value %d of the list is %g.", i + 1, v.f),
					   "Pass finite numbers.");
		any_float |= v.type == HPV_FLOAT;
	}
	for (int i = 0; any_float && i < hp->nchoices; i++)
	{
		if (hp->choices[i].type == HPV_INT)
		{
			hp->choices[i].f = (double) hp->choices[i].i;
			hp->choices[i].type = HPV_FLOAT;
		}
	}
}

static void
space_check_choices(HpDef *hp)
{
	SpaceClass	class;

	if (hp->nchoices <= 0 || hp->choices == NULL)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("hyperparameter \"%s\" has no choices", hp->name),
				   "The list of values is empty.",
				   "Pass at least one value.");
	space_check_choice_types(hp);
	space_check_duplicate_choices(hp);
	class = space_class(hp->choices[0]);
	if (class != SPACE_CLASS_NUMBER && hp->ordered)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("hyperparameter \"%s\" cannot be ordered", hp->name),
				   core_psprintf("Its choices are %s; only numeric choices have an order.",
								 class == SPACE_CLASS_TEXT ? "text" : "booleans"),
				   "Pass ordered => false, or leave it unset.");
	if (class == SPACE_CLASS_NUMBER && !hp->ordered && !hp->ordered_given)
		hp->ordered = true;
}

/* what a definition takes, for messages */
static const char *
space_takes(const HpDef *hp)
{
	switch (hp->kind)
	{
		case HP_INT:
			return "an integer";
		case HP_FLOAT:
			return "a number";
		case HP_CHOICE:
			return space_class_name(space_class(hp->choices[0]));
		case HP_BOOLEAN:
			return "a boolean";
		default:
			return "its fixed value";
	}
}

static char *
space_off_grid_detail(const HpDef *hp, const char *what, HpValue v)
{
	if (hp->kind == HP_INT && space_number(v) != floor(space_number(v)))
		return core_psprintf("%s %s is not an integer.", what, hp_value_format(v));
	return core_psprintf("%s %s is not a value that step %s reaches from min_value %s.",
						 what, hp_value_format(v), space_num(hp, hp->step),
						 space_num(hp, hp->min_value));
}

static void
space_check_fixed(const HpDef *hp)
{
	if (hp->default_value.type == HPV_NONE ||
		space_class(hp->default_value) == SPACE_CLASS_NULL)
		core_error(CORE_ERR_NULL_VALUE,
				   core_psprintf("fixed hyperparameter \"%s\" has no value", hp->name),
				   "A fixed hyperparameter always takes one value, and it is null here.",
				   "Pass a value.");
	if (hp->default_value.type == HPV_FLOAT && !isfinite(hp->default_value.f))
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("non-finite value for fixed hyperparameter \"%s\"",
								 hp->name),
				   core_psprintf("The value is %g.", hp->default_value.f),
				   "Pass a finite number.");
}

static void
space_check_default(HpDef *hp)
{
	HpValue		given = hp->default_value;
	const char *text = hp_value_format(given);

	if (given.type == HPV_NONE)
		return;
	switch (space_domain(hp, &hp->default_value))
	{
		case SPACE_IN_DOMAIN:
			return;
		case SPACE_WRONG_TYPE:
			core_error(CORE_ERR_DATATYPE_MISMATCH,
					   core_psprintf("default of hyperparameter \"%s\" has the wrong type",
									 hp->name),
					   core_psprintf("default %s is %s; %s hyperparameter \"%s\" takes %s.",
									 text, space_class_name(space_class(given)),
									 hp_kind_name(hp->kind), hp->name,
									 space_takes(hp)),
					   "Pass a default of the hyperparameter's type.");
		case SPACE_OUT_OF_RANGE:
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("default out of range for hyperparameter \"%s\"",
									 hp->name),
					   core_psprintf("default %s is outside [%s, %s].", text,
									 space_num(hp, hp->min_value),
									 space_num(hp, hp->max_value)),
					   "Pass a default between min_value and max_value.");
		case SPACE_OFF_GRID:
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("default not on the grid of hyperparameter \"%s\"",
									 hp->name),
					   space_off_grid_detail(hp, "default", given),
					   core_psprintf("Pass a default the step reaches, such as %s.",
									 hp_value_format(hp_prob_to_value(hp,
																	  hp_value_to_prob(hp, given)))));
		case SPACE_NOT_LISTED:
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("default is not one of the choices of hyperparameter \"%s\"",
									 hp->name),
					   core_psprintf("default %s is not among the values.", text),
					   "Pass one of the values as default, or leave it unset to use the first.");
	}
}

static void
space_check_condition(HpDef *hp, const HpSpace *existing)
{
	const HpDef *parent;
	int			j;

	if (hp->parent_name == NULL)
	{
		if (hp->nparent_values > 0)
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("parent_values without parent_name for hyperparameter \"%s\"",
									 hp->name),
					   "parent_values is given but parent_name is not.",
					   "Pass parent_name as well, or drop parent_values.");
		return;
	}
	if (strcmp(hp->parent_name, hp->name) == 0)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("hyperparameter \"%s\" cannot be its own parent",
								 hp->name),
				   core_psprintf("parent_name is \"%s\".", hp->parent_name),
				   "Name another hyperparameter as the parent, or drop the condition.");
	j = hp_space_find(existing, hp->parent_name);
	if (j < 0)
		core_error(CORE_ERR_UNDEFINED,
				   core_psprintf("parent hyperparameter \"%s\" does not exist",
								 hp->parent_name),
				   core_psprintf("Hyperparameter \"%s\" names \"%s\" as its parent, which the study does not define.",
								 hp->name, hp->parent_name),
				   "Define the parent first, or correct parent_name.");
	parent = &existing->hps[j];
	if (hp->nparent_values <= 0 || hp->parent_values == NULL)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("hyperparameter \"%s\" has no parent_values", hp->name),
				   core_psprintf("It depends on \"%s\" but names no value of it.",
								 parent->name),
				   core_psprintf("Pass the values of \"%s\" for which \"%s\" is active, as a JSON array.",
								 parent->name, hp->name));
	for (int k = 0; k < hp->nparent_values; k++)
	{
		HpValue		given = hp->parent_values[k];

		if (!hp_value_in_domain(parent, &hp->parent_values[k]))
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("invalid parent value for hyperparameter \"%s\"",
									 hp->name),
					   core_psprintf("Parent \"%s\" never takes the value %s.",
									 parent->name, hp_value_format(given)),
					   core_psprintf("Pass values that \"%s\" can take.", parent->name));
	}
}

/* a definition in one line, for the redefinition message */
static char *
space_describe(const HpDef *hp)
{
	char	   *s = core_psprintf("%s", hp_kind_name(hp->kind));

	if (hp->kind == HP_INT || hp->kind == HP_FLOAT)
	{
		s = core_psprintf("%s from %s to %s", s, space_num(hp, hp->min_value),
						  space_num(hp, hp->max_value));
		if (hp->has_step)
			s = core_psprintf("%s step %s", s, space_num(hp, hp->step));
		s = core_psprintf("%s, %s sampling", s, hp_sampling_name(hp->sampling));
	}
	else if (hp->kind == HP_CHOICE)
	{
		for (int i = 0; i < hp->nchoices; i++)
			s = core_psprintf("%s%s%s", s, i ? ", " : " of [",
							  hp_value_format(hp->choices[i]));
		s = core_psprintf("%s]%s", s, hp->ordered ? " ordered" : "");
	}
	if (hp->default_value.type != HPV_NONE)
		s = core_psprintf("%s%s %s", s, hp->kind == HP_FIXED ? "" : ", default",
						  hp_value_format(hp->default_value));
	if (hp->parent_name)
		s = core_psprintf("%s, when \"%s\" is one of %d values", s,
						  hp->parent_name, hp->nparent_values);
	return s;
}

static void
space_check_redefinition(const HpDef *hp, const HpSpace *existing)
{
	int			j = hp_space_find(existing, hp->name);

	if (j < 0 || hp_equal(&existing->hps[j], hp))
		return;
	core_error(CORE_ERR_DUPLICATE,
			   core_psprintf("hyperparameter \"%s\" is already defined differently",
							 hp->name),
			   core_psprintf("The study defines \"%s\" as %s; the new definition is %s.",
							 hp->name, space_describe(&existing->hps[j]),
							 space_describe(hp)),
			   "Use another name, or delete the existing definition first.");
}

void
hp_validate(HpDef *hp, const HpSpace *existing)
{
	hp_validate_definition(hp);
	space_check_condition(hp, existing);
	space_check_redefinition(hp, existing);
}

void
hp_validate_definition(HpDef *hp)
{
	space_check_name(hp);
	space_check_kind(hp);
	if (hp->kind == HP_INT || hp->kind == HP_FLOAT)
	{
		space_check_bounds(hp);
		space_check_sampling(hp);
		space_check_step(hp);
	}
	else if (hp->kind == HP_CHOICE)
		space_check_choices(hp);
	if (hp->kind == HP_FIXED)
		space_check_fixed(hp);
	else
		space_check_default(hp);
}

/* a chain of conditions from i that comes back to i */
static void
space_check_cycle(const HpSpace *space, int i)
{
	int			j = i;

	for (int steps = 0; steps < space->n; steps++)
	{
		if (space->hps[j].parent_name == NULL)
			return;
		j = hp_space_find(space, space->hps[j].parent_name);
		if (j < 0)
			return;
		if (j == i)
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("conditions of hyperparameter \"%s\" form a cycle",
									 space->hps[i].name),
					   core_psprintf("Following parent_name from \"%s\" leads back to it through \"%s\".",
									 space->hps[i].name, space->hps[i].parent_name),
					   "Make one hyperparameter of the cycle unconditional (parent_name null).");
	}
}

void
hp_validate_conditions(HpSpace *space, const HpSpace *checked)
{
	for (int i = 0; i < space->n; i++)
	{
		HpDef	   *hp = &space->hps[i];

		if (hp->parent_name == NULL || hp_space_find(checked, hp->name) < 0)
			continue;
		if (strcmp(hp->parent_name, hp->name) != 0)
			space_check_cycle(space, i);
		space_check_condition(hp, space);
		if (hp_space_find(space, hp->parent_name) > i)
			core_error(CORE_ERR_INVALID_PARAMETER,
					   core_psprintf("hyperparameter \"%s\" is declared before its parent \"%s\"",
									 hp->name, hp->parent_name),
					   core_psprintf("\"%s\" comes later in the study's declaration order than \"%s\".",
									 hp->parent_name, hp->name),
					   core_psprintf("Give \"%s\" a lower position than \"%s\" in hptune.hyperparameters.",
									 hp->parent_name, hp->name));
	}
}

/* ---------------------------------------------------------------------
 * Equality
 * --------------------------------------------------------------------- */

static bool
space_same_set(const HpValue *a, int na, const HpValue *b, int nb)
{
	for (int i = 0; i < na; i++)
	{
		bool		found = false;

		for (int k = 0; k < nb && !found; k++)
			found = hp_value_equal(a[i], b[k]);
		if (!found)
			return false;
	}
	return true;
}

static bool
space_same_kind_fields(const HpDef *a, const HpDef *b)
{
	switch (a->kind)
	{
		case HP_INT:
		case HP_FLOAT:
			return a->min_value == b->min_value &&
				a->max_value == b->max_value &&
				a->sampling == b->sampling &&
				a->has_step == b->has_step &&
				(!a->has_step || a->step == b->step);
		case HP_CHOICE:
			if (a->nchoices != b->nchoices || a->ordered != b->ordered)
				return false;
			for (int i = 0; i < a->nchoices; i++)
			{
				if (!hp_value_equal(a->choices[i], b->choices[i]))
					return false;
			}
			return true;
		default:
			return true;
	}
}

bool
hp_equal(const HpDef *a, const HpDef *b)
{
	if (!space_str_equal(a->name, b->name) || a->kind != b->kind)
		return false;
	if (!hp_value_equal(a->default_value, b->default_value))
		return false;
	if (!space_str_equal(a->parent_name, b->parent_name))
		return false;
	if (a->parent_name &&
		(!space_same_set(a->parent_values, a->nparent_values,
						 b->parent_values, b->nparent_values) ||
		 !space_same_set(b->parent_values, b->nparent_values,
						 a->parent_values, a->nparent_values)))
		return false;
	return space_same_kind_fields(a, b);
}
