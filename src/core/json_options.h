/*-------------------------------------------------------------------------
 *
 * json_options.h
 *	  Reading a tuner's settings out of tuner_options (pure C).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_JSON_OPTIONS_H
#define HPTUNE_CORE_JSON_OPTIONS_H

#include "core/shim.h"

typedef enum JsonOptionType
{
	JSON_OPTION_MISSING,
	JSON_OPTION_NUMBER,
	JSON_OPTION_STRING,
	JSON_OPTION_OTHER			/* true, false, null, an object or an array */
} JsonOptionType;

typedef struct JsonOption
{
	JsonOptionType type;
	double		number;			/* JSON_OPTION_NUMBER */
	char	   *string;			/* JSON_OPTION_STRING, unescaped; allocated */
	char	   *text;			/* the value as written; allocated */
} JsonOption;

/*
 * The member key of the top-level object json (tuner_options as text).
 * Malformed text raises CORE_ERR_INVALID_PARAMETER.
 */
extern JsonOption json_option_get(const char *json, const char *key);

/*
 * Typed readers that raise CORE_ERR_INVALID_PARAMETER naming
 * tuner_options.key when the member is there but unfit; a missing member
 * gives def.
 */
extern int	json_option_int(const char *json, const char *key, int def,
							int min, int max);
extern double json_option_number(const char *json, const char *key, double def,
								 double min, double max);
/* a string among allowed (NULL-terminated); def when missing (may be NULL) */
extern const char *json_option_choice(const char *json, const char *key,
									  const char *def,
									  const char *const *allowed);

#endif							/* HPTUNE_CORE_JSON_OPTIONS_H */
