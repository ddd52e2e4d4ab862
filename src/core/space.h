/*-------------------------------------------------------------------------
 *
 * space.h
 *	  Hyperparameter definitions, validation and sampling (pure C).
 *
 * A search space is an ordered list of HpDef, in declaration order.  A
 * definition may depend on a parent: it is active only when the parent is
 * active and takes one of parent_values.  A parent always precedes its
 * children, so one pass in order resolves every condition.
 *
 * Sampling maps a number p in [0, 1) to a value with KerasTuner's formulas
 * (linear min + p(max - min), log min (max/min)^p, reverse_log
 * max + min - min (max/min)^(1-p); a step buckets the interval), with two of
 * its defects fixed: a float step includes max_value when it lies on the
 * grid, and grid values are rounded so 0.2 * 3 prints as 0.6.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_SPACE_H
#define HPTUNE_CORE_SPACE_H

#include "core/shim.h"

typedef enum HpKind
{
	HP_INT,
	HP_FLOAT,
	HP_CHOICE,
	HP_BOOLEAN,
	HP_FIXED
} HpKind;

typedef enum HpSampling
{
	HP_SAMPLING_LINEAR,
	HP_SAMPLING_LOG,
	HP_SAMPLING_REVERSE_LOG
} HpSampling;

typedef enum HpValueType
{
	HPV_NONE,					/* no value: inactive, or no default given */
	HPV_INT,
	HPV_FLOAT,
	HPV_TEXT,
	HPV_BOOL
} HpValueType;

typedef struct HpValue
{
	HpValueType type;
	int64_t		i;				/* HPV_INT */
	double		f;				/* HPV_FLOAT */
	bool		b;				/* HPV_BOOL */
	const char *s;				/* HPV_TEXT, NUL-terminated */
} HpValue;

typedef struct HpDef
{
	const char *name;
	HpKind		kind;
	double		min_value;		/* HP_INT, HP_FLOAT */
	double		max_value;
	bool		has_step;
	double		step;			/* multiplier for log sampling */
	HpSampling	sampling;
	int			nchoices;		/* HP_CHOICE */
	HpValue    *choices;
	bool		ordered;		/* HP_CHOICE: numeric choices only */
	HpValue		default_value;	/* HPV_NONE if not given; HP_FIXED: the value */
	const char *parent_name;	/* NULL: unconditional */
	int			nparent_values;
	HpValue    *parent_values;
	bool		ordered_given;	/* HP_CHOICE: ordered was passed explicitly;
								 * if not and ordered is false, hp_validate
								 * applies KerasTuner's default (true for
								 * numeric choices) */
} HpDef;

typedef struct HpSpace
{
	int			n;
	HpDef	   *hps;			/* declaration order; parents first */
} HpSpace;

/*
 * One trial's values: values[i] belongs to space->hps[i]; an inactive
 * hyperparameter has type HPV_NONE.
 */
typedef struct HpAssignment
{
	int			n;
	HpValue    *values;
} HpAssignment;

/* value constructors */
extern HpValue hp_int_value(int64_t i);
extern HpValue hp_float_value(double f);
extern HpValue hp_bool_value(bool b);
extern HpValue hp_text_value(const char *s);

/* names for messages and the catalog ("int", "log", ...) */
extern const char *hp_kind_name(HpKind kind);
extern const char *hp_sampling_name(HpSampling sampling);
extern bool hp_kind_from_name(const char *name, HpKind *kind);
extern bool hp_sampling_from_name(const char *name, HpSampling *sampling);

/*
 * Check one definition against the space it joins (existing may hold the
 * study's other rows).  Fills in what the definition leaves implicit: an int
 * with linear sampling and no step gets step 1; a choice's ordered defaults
 * to true for numeric choices (see ordered_given); numbers are brought to
 * the definition's type (int choices mixed with floats become floats) and
 * defaults and parent_values snapped onto the step grid.  Raises CORE_ERR_*
 * with message, detail and hint on the first problem found.  This is the
 * only validation routine: the SQL helper functions and the table's trigger
 * both call it.
 *
 * A row of the same name in existing is compared with hp_equal after the
 * implicit parts are filled in: the same definition passes (the caller
 * treats re-registering as a no-op), a different one is CORE_ERR_DUPLICATE.
 * To replace a definition (UPDATE), leave its old row out of existing.
 */
extern void hp_validate(HpDef *hp, const HpSpace *existing);

/*
 * hp_validate in two halves.  hp_validate_definition checks and completes
 * one definition on its own (everything but its condition and a
 * redefinition).  hp_validate_conditions checks the conditions of the rows
 * of space named in checked (a user's rows among a hypermodel's own): each
 * parent exists and precedes its child, no condition chain is a cycle, and
 * every parent value is one the parent can take.  The table
 * trigger runs the first on each row and the second once its statement is
 * complete, so rows that refer to each other may arrive in any order.
 */
extern void hp_validate_definition(HpDef *hp);
extern void hp_validate_conditions(HpSpace *space, const HpSpace *checked);

/* true when two definitions are the same (re-registering is then a no-op) */
extern bool hp_equal(const HpDef *a, const HpDef *b);

/* the value a definition takes when nothing else is said */
extern HpValue hp_default(const HpDef *hp);

/* KerasTuner's prob_to_value / value_to_prob */
extern HpValue hp_prob_to_value(const HpDef *hp, double p);
extern double hp_value_to_prob(const HpDef *hp, HpValue v);

/*
 * The finite list of values a definition can take, as the grid oracle
 * walks them: default first, then the rest in ascending (declared) order.
 * Floats without a step give 10 values spread by their sampling.
 * Returns the count; *values is allocated.
 */
extern int	hp_grid_values(const HpDef *hp, HpValue **values);

/* number of distinct values (0 when continuous: a float without a step) */
extern int64_t hp_cardinality(const HpDef *hp);

/* values equal (an int 2 equals a float 2.0) */
extern bool hp_value_equal(HpValue a, HpValue b);

/* is hps[i] active given the values already assigned to hps[0..i-1]? */
extern bool hp_is_active(const HpSpace *space, int i, const HpValue *values);

/* index of a name in the space, or -1 */
extern int	hp_space_find(const HpSpace *space, const char *name);

/*
 * Stable 64-bit hash of the active values of an assignment, independent of
 * declaration order (pairs are hashed sorted by name).  Two trials with the
 * same hash are duplicates.
 */
extern uint64_t hp_assignment_hash(const HpSpace *space, const HpAssignment *a);

/* number of distinct active combinations, or -1 if infinite / too many */
extern int64_t hp_space_cardinality(const HpSpace *space);

/* hp_grid_values raises CORE_ERR_PROGRAM_LIMIT above this many values */
#define HP_GRID_MAX_VALUES 100000

/* hp_space_cardinality gives -1 above this many combinations */
#define HP_SPACE_MAX_CARDINALITY INT64_C(1000000000000)

/*
 * A value as text for messages and summaries: 32, 0.6, 1.0 (floats keep a
 * decimal point, as Python prints them), 'relu', true; null for HPV_NONE.
 * Allocated.
 */
extern char *hp_value_format(HpValue v);

/*
 * Where a number lies on a stepped definition's grid, counted in steps from
 * its first value (fractional when off the grid; for log sampling the step
 * is a multiplier).  Meaningful only for int and float with has_step.
 */
extern double hp_step_position(const HpDef *hp, double v);

/*
 * Can the definition take this value?  If so, v is rewritten to its
 * canonical form: the definition's number type (int or float), snapped onto
 * the step grid, or the matching choice / fixed value itself.
 */
extern bool hp_value_in_domain(const HpDef *hp, HpValue *v);

#endif							/* HPTUNE_CORE_SPACE_H */
