/*-------------------------------------------------------------------------
 *
 * oracle_options.h
 *	  Reading tuner_options (pure C): the one reader of a tuner's and the
 *	  pruner's settings.
 *
 * tuner_options reaches the core as the text of a jsonb object.  It is
 * parsed once into its members: each key with its value as written and,
 * for a scalar, the value itself; a nested object or array keeps its text,
 * so a nested object (tuner_options.pruner_options) can be parsed in turn.
 * The getters check the type and range of a setting and raise
 * CORE_ERR_INVALID_PARAMETER in one form:
 *
 *	 message	<path>.<key> must be <what is allowed>
 *	 detail		<path>.<key> of <owner> is <the value as written>.
 *	 hint		Pass "<key>": <what is allowed>, or leave it out[ for <default>].
 *
 * where <path> is tuner_options or tuner_options.pruner_options and
 * <owner> the tuner or pruner reading it (left out when none is named).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_ORACLE_OPTIONS_H
#define HPTUNE_CORE_ORACLE_OPTIONS_H

#include "core/shim.h"

typedef enum OracleOptionType
{
	OPT_NUMBER,
	OPT_STRING,
	OPT_BOOL,
	OPT_NULL,
	OPT_OBJECT,
	OPT_ARRAY
} OracleOptionType;

typedef struct OracleOption
{
	char	   *key;
	OracleOptionType type;
	char	   *text;			/* the value as written */
	double		number;			/* OPT_NUMBER */
	char	   *string;			/* OPT_STRING, unescaped */
	bool		boolean;		/* OPT_BOOL */
} OracleOption;

typedef struct OracleOptions
{
	const char *path;			/* "tuner_options", ... for messages */
	const char *owner;			/* "tuner \"tpe\"", ... or NULL */
	const char *text;			/* the object as written */
	int			n;
	OracleOption *options;
} OracleOptions;

/*
 * Parse tuner_options (NULL or "" is an empty object) for tuner (NULL: the
 * messages name no tuner).  Text that is not a JSON object is an error.
 */
extern OracleOptions *oracle_options_parse(const char *tuner, const char *json);

/*
 * The object at key parsed in turn (path "<path>.<key>", owner for its
 * messages), or NULL when absent; a value that is not an object is an error.
 */
extern OracleOptions *oracle_options_nested(const OracleOptions *opts,
											const char *key, const char *owner);

/* the member key (the last one of duplicates, as jsonb keeps), or NULL */
extern const OracleOption *oracle_option_find(const OracleOptions *opts,
											  const char *key);
/* is the key present? */
extern bool oracle_option_given(const OracleOptions *opts, const char *key);

/* a number in [min, max] (integral if integer), or dflt when absent */
extern double oracle_option_number(const OracleOptions *opts, const char *key,
								   double dflt, double min, double max,
								   bool integer);
/* a boolean, or dflt when absent */
extern bool oracle_option_bool(const OracleOptions *opts, const char *key,
							   bool dflt);
/* one of the NULL-terminated allowed strings (its index), or dflt (may be -1) */
extern int	oracle_option_choice(const OracleOptions *opts, const char *key,
								 const char *const *allowed, int dflt);
/* the raw text of the object at key, or NULL when absent */
extern const char *oracle_option_object(const OracleOptions *opts,
										const char *key);

/* an error if a key is not among the NULL-terminated known ones */
extern void oracle_options_only(const OracleOptions *opts,
								const char *const *known);

/*
 * Raise the error above for key: what is allowed ("an integer between 1 and
 * 5"), dflt the default as written in the hint (NULL: none).
 */
extern void oracle_option_invalid(const OracleOptions *opts, const char *key,
								  const char *what, const char *dflt) CORE_NORETURN;

#endif							/* HPTUNE_CORE_ORACLE_OPTIONS_H */
