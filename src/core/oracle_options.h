/*-------------------------------------------------------------------------
 *
 * oracle_options.h
 *	  Reading a tuner's tuner_options (pure C).
 *
 * tuner_options reaches the core as the text of a jsonb object.  The
 * oracles read only flat settings from it (numbers, strings, booleans), so
 * this is a small reader of one JSON object: each member's key and, for a
 * scalar, its value; a nested object or array is skipped and reported as
 * such.  The getters check the type and range of the settings a tuner
 * knows and raise CORE_ERR_INVALID_PARAMETER with the tuner's name and the
 * fix; keys a tuner does not know are left to others (the pruner, say).
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
	OPT_NESTED					/* an object or an array */
} OracleOptionType;

typedef struct OracleOption
{
	char	   *key;
	OracleOptionType type;
	double		number;
	char	   *string;
	bool		boolean;
} OracleOption;

typedef struct OracleOptions
{
	const char *tuner;			/* for messages */
	int			n;
	OracleOption *options;
} OracleOptions;

/* parse the JSON text of an object (NULL or "" is an empty object) */
extern OracleOptions *oracle_options_parse(const char *tuner, const char *json);

/* a number in [min, max] (integral if integer), or dflt when absent */
extern double oracle_option_number(const OracleOptions *opts, const char *key,
								   double dflt, double min, double max,
								   bool integer);
/* a boolean, or dflt when absent */
extern bool oracle_option_bool(const OracleOptions *opts, const char *key,
							   bool dflt);
/* one of the NULL-terminated allowed strings (its index), or dflt */
extern int	oracle_option_choice(const OracleOptions *opts, const char *key,
								 const char *const *allowed, int dflt);
/* is the key present? */
extern bool oracle_option_given(const OracleOptions *opts, const char *key);

#endif							/* HPTUNE_CORE_ORACLE_OPTIONS_H */
