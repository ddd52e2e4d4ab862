/*-------------------------------------------------------------------------
 *
 * json_options.c
 *	  Reading a tuner's settings out of tuner_options (pure C).
 *
 * The host hands an oracle tuner_options as the text PostgreSQL prints for
 * the jsonb object; the oracle and its pruner read a few scalar members
 * of it by name.  This is a small scanner of that text: it walks the
 * top-level object, skipping nested objects, arrays and strings whole, and
 * returns the member asked for.  Text that is not a JSON object (a row
 * edited by hand outside jsonb cannot be, but the unit tests feed anything)
 * raises an error rather than being guessed at.
 *
 *-------------------------------------------------------------------------
 */
#include "core/json_options.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void
json_option_malformed(const char *json)
{
	core_error(CORE_ERR_INVALID_PARAMETER, "tuner_options is not a JSON object",
			   core_psprintf("tuner_options is %s.", json ? json : "null"),
			   "Pass an object such as '{\"max_epochs\": 27}'.");
}

static const char *
json_option_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* past a string starting at its opening quote; NULL if unterminated */
static const char *
json_option_skip_string(const char *p)
{
	for (p++; *p; p++)
	{
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* past one value; NULL if malformed */
static const char *
json_option_skip_value(const char *p)
{
	int			depth = 0;

	p = json_option_space(p);
	if (*p == '"')
		return json_option_skip_string(p);
	if (*p != '{' && *p != '[')
	{
		const char *start = p;

		while (*p && *p != ',' && *p != '}' && *p != ']' &&
			   *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		return p > start ? p : NULL;
	}
	while (*p)
	{
		if (*p == '"')
		{
			p = json_option_skip_string(p);
			if (p == NULL)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
		{
			if (--depth == 0)
				return p + 1;
		}
		p++;
	}
	return NULL;
}

/* the unescaped contents of the string [start, end) (quotes included) */
static char *
json_option_unescape(const char *start, const char *end)
{
	char	   *out = core_alloc(end - start);
	char	   *o = out;

	for (const char *p = start + 1; p < end - 1; p++)
	{
		if (*p == '\\' && p + 1 < end - 1)
		{
			p++;
			switch (*p)
			{
				case 'n':
					*o++ = '\n';
					break;
				case 't':
					*o++ = '\t';
					break;
				default:
					*o++ = *p;	/* \" \\ \/; \uXXXX kept as its letters */
			}
		}
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

static char *
json_option_copy(const char *start, const char *end)
{
	char	   *out = core_alloc(end - start + 1);

	memcpy(out, start, end - start);
	return out;
}

JsonOption
json_option_get(const char *json, const char *key)
{
	JsonOption result;
	const char *p;

	memset(&result, 0, sizeof(result));
	if (json == NULL)
		return result;
	p = json_option_space(json);
	if (*p != '{')
		json_option_malformed(json);
	p = json_option_space(p + 1);
	if (*p == '}')
		return result;
	for (;;)
	{
		const char *kstart = p;
		const char *kend;
		const char *vstart;
		const char *vend;
		char	   *name;
		bool		match;

		if (*p != '"' || (kend = json_option_skip_string(p)) == NULL)
			json_option_malformed(json);
		p = json_option_space(kend);
		if (*p != ':')
			json_option_malformed(json);
		vstart = json_option_space(p + 1);
		vend = json_option_skip_value(vstart);
		if (vend == NULL)
			json_option_malformed(json);
		name = json_option_unescape(kstart, kend);
		match = strcmp(name, key) == 0;
		core_free(name);
		if (match)
		{
			char	   *endnum;

			result.text = json_option_copy(vstart, vend);
			if (*vstart == '"')
			{
				result.type = JSON_OPTION_STRING;
				result.string = json_option_unescape(vstart, vend);
			}
			else
			{
				result.number = strtod(result.text, &endnum);
				result.type = (*endnum == '\0' && endnum != result.text &&
							   (*vstart == '-' || (*vstart >= '0' && *vstart <= '9')))
					? JSON_OPTION_NUMBER : JSON_OPTION_OTHER;
			}
			/* a later duplicate wins, as in jsonb; jsonb text has none */
		}
		p = json_option_space(vend);
		if (*p == ',')
		{
			p = json_option_space(p + 1);
			continue;
		}
		if (*p != '}')
			json_option_malformed(json);
		return result;
	}
}

int
json_option_int(const char *json, const char *key, int def, int min, int max)
{
	JsonOption o = json_option_get(json, key);

	if (o.type == JSON_OPTION_MISSING)
		return def;
	if (o.type != JSON_OPTION_NUMBER || o.number != floor(o.number) ||
		o.number < min || o.number > max)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("tuner_options.%s must be an integer between %d and %d",
								 key, min, max),
				   core_psprintf("tuner_options.%s is %s.", key, o.text),
				   core_psprintf("Pass \"%s\": an integer from %d to %d, or leave it out for %d.",
								 key, min, max, def));
	return (int) o.number;
}

double
json_option_number(const char *json, const char *key, double def,
				   double min, double max)
{
	JsonOption o = json_option_get(json, key);

	if (o.type == JSON_OPTION_MISSING)
		return def;
	if (o.type != JSON_OPTION_NUMBER || !isfinite(o.number) ||
		o.number < min || o.number > max)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("tuner_options.%s must be a number between %g and %g",
								 key, min, max),
				   core_psprintf("tuner_options.%s is %s.", key, o.text),
				   core_psprintf("Pass \"%s\": a number from %g to %g, or leave it out for %g.",
								 key, min, max, def));
	return o.number;
}

const char *
json_option_choice(const char *json, const char *key, const char *def,
				   const char *const *allowed)
{
	JsonOption o = json_option_get(json, key);
	char	   *list;

	if (o.type == JSON_OPTION_MISSING)
		return def;
	for (int i = 0; o.type == JSON_OPTION_STRING && allowed[i]; i++)
		if (strcmp(o.string, allowed[i]) == 0)
			return allowed[i];
	list = core_strdup("");
	for (int i = 0; allowed[i]; i++)
		list = core_psprintf("%s%s\"%s\"", list, i ? ", " : "", allowed[i]);
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("tuner_options.%s must be one of %s", key, list),
			   core_psprintf("tuner_options.%s is %s.", key, o.text),
			   core_psprintf("Pass \"%s\" as one of %s, or leave it out.", key, list));
	return NULL;				/* not reached */
}
