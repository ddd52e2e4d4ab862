/*-------------------------------------------------------------------------
 *
 * oracle_options.c
 *	  A reader of one flat JSON object: the tuner_options of an oracle.
 *
 * The text comes from jsonb's output (the host has already checked that it
 * is an object), so the reader is strict and small: whitespace, one
 * object, members "key": value.  Strings are unescaped (\uXXXX becomes
 * UTF-8), numbers read with strtod, nested objects and arrays skipped as
 * OPT_NESTED.  Text that is not such an object is an error naming it.
 *
 *-------------------------------------------------------------------------
 */
#include "core/oracle_options.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct OptionsReader
{
	const char *text;
	const char *p;
	const char *tuner;
} OptionsReader;

static void
options_syntax_error(OptionsReader *r)
{
	core_error(CORE_ERR_INVALID_PARAMETER, "tuner_options is not a JSON object",
			   core_psprintf("tuner_options of tuner \"%s\" is %s.", r->tuner, r->text),
			   "Pass an object such as '{\"num_initial_points\": 5}'.");
}

static void
options_skip_space(OptionsReader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static void
options_expect(OptionsReader *r, char c)
{
	options_skip_space(r);
	if (*r->p != c)
		options_syntax_error(r);
	r->p++;
}

/* append the UTF-8 encoding of code point cp */
static char *
options_put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80)
		*out++ = (char) cp;
	else if (cp < 0x800)
	{
		*out++ = (char) (0xC0 | (cp >> 6));
		*out++ = (char) (0x80 | (cp & 0x3F));
	}
	else
	{
		*out++ = (char) (0xE0 | (cp >> 12));
		*out++ = (char) (0x80 | ((cp >> 6) & 0x3F));
		*out++ = (char) (0x80 | (cp & 0x3F));
	}
	return out;
}

/* a string at r->p (the opening quote), unescaped */
static char *
options_read_string(OptionsReader *r)
{
	const char *start;
	char	   *buf;
	char	   *out;

	options_expect(r, '"');
	start = r->p;
	while (*r->p && *r->p != '"')
		r->p += (*r->p == '\\' && r->p[1]) ? 2 : 1;
	if (*r->p != '"')
		options_syntax_error(r);
	buf = core_alloc(3 * (r->p - start) + 1);
	out = buf;
	for (const char *s = start; s < r->p; s++)
	{
		if (*s != '\\')
		{
			*out++ = *s;
			continue;
		}
		switch (*++s)
		{
			case 'b':
				*out++ = '\b';
				break;
			case 'f':
				*out++ = '\f';
				break;
			case 'n':
				*out++ = '\n';
				break;
			case 'r':
				*out++ = '\r';
				break;
			case 't':
				*out++ = '\t';
				break;
			case 'u':
				{
					char		hex[5] = {0};

					if (r->p - s < 5)
						options_syntax_error(r);
					memcpy(hex, s + 1, 4);
					out = options_put_utf8(out, (unsigned) strtoul(hex, NULL, 16));
					s += 4;
					break;
				}
			default:
				*out++ = *s;
		}
	}
	*out = '\0';
	r->p++;
	return buf;
}

/* skip a nested object or array, strings included */
static void
options_skip_nested(OptionsReader *r)
{
	int			depth = 0;

	do
	{
		if (*r->p == '\0')
			options_syntax_error(r);
		if (*r->p == '"')
		{
			options_read_string(r);
			continue;
		}
		if (*r->p == '{' || *r->p == '[')
			depth++;
		else if (*r->p == '}' || *r->p == ']')
			depth--;
		r->p++;
	} while (depth > 0);
}

static void
options_read_value(OptionsReader *r, OracleOption *opt)
{
	char	   *end;

	options_skip_space(r);
	if (*r->p == '"')
	{
		opt->type = OPT_STRING;
		opt->string = options_read_string(r);
	}
	else if (*r->p == '{' || *r->p == '[')
	{
		opt->type = OPT_NESTED;
		options_skip_nested(r);
	}
	else if (strncmp(r->p, "true", 4) == 0 || strncmp(r->p, "false", 5) == 0)
	{
		opt->type = OPT_BOOL;
		opt->boolean = *r->p == 't';
		r->p += opt->boolean ? 4 : 5;
	}
	else if (strncmp(r->p, "null", 4) == 0)
	{
		opt->type = OPT_NULL;
		r->p += 4;
	}
	else
	{
		opt->type = OPT_NUMBER;
		opt->number = strtod(r->p, &end);
		if (end == r->p)
			options_syntax_error(r);
		r->p = end;
	}
}

OracleOptions *
oracle_options_parse(const char *tuner, const char *json)
{
	OracleOptions *opts = core_alloc(sizeof(OracleOptions));
	OptionsReader r;
	int			alloc = 8;

	opts->tuner = tuner ? tuner : "";
	opts->options = core_alloc(sizeof(OracleOption) * alloc);
	if (json == NULL || json[0] == '\0')
		return opts;
	r.text = json;
	r.p = json;
	r.tuner = opts->tuner;
	options_expect(&r, '{');
	options_skip_space(&r);
	if (*r.p == '}')
		r.p++;
	else
	{
		for (;;)
		{
			OracleOption *opt;

			if (opts->n == alloc)
			{
				alloc *= 2;
				opts->options = core_realloc(opts->options, sizeof(OracleOption) * alloc);
			}
			opt = &opts->options[opts->n++];
			memset(opt, 0, sizeof(OracleOption));
			options_skip_space(&r);
			opt->key = options_read_string(&r);
			options_expect(&r, ':');
			options_read_value(&r, opt);
			options_skip_space(&r);
			if (*r.p == ',')
			{
				r.p++;
				continue;
			}
			options_expect(&r, '}');
			break;
		}
	}
	options_skip_space(&r);
	if (*r.p != '\0')
		options_syntax_error(&r);
	return opts;
}

static const OracleOption *
options_find(const OracleOptions *opts, const char *key)
{
	/* jsonb keeps the last of duplicate keys: so do we */
	for (int i = opts->n - 1; i >= 0; i--)
		if (strcmp(opts->options[i].key, key) == 0)
			return &opts->options[i];
	return NULL;
}

bool
oracle_option_given(const OracleOptions *opts, const char *key)
{
	return options_find(opts, key) != NULL;
}

static const char *
options_type_name(OracleOptionType type)
{
	switch (type)
	{
		case OPT_NUMBER:
			return "a number";
		case OPT_STRING:
			return "a string";
		case OPT_BOOL:
			return "a boolean";
		case OPT_NULL:
			return "null";
		default:
			return "an object or array";
	}
}

double
oracle_option_number(const OracleOptions *opts, const char *key, double dflt,
					 double min, double max, bool integer)
{
	const OracleOption *opt = options_find(opts, key);

	if (opt == NULL)
		return dflt;
	if (opt->type != OPT_NUMBER)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("tuner_options.%s must be a number", key),
				   core_psprintf("tuner_options.%s of tuner \"%s\" is %s.",
								 key, opts->tuner, options_type_name(opt->type)),
				   core_psprintf("Pass \"%s\": a number%s.", key,
								 integer ? ", a whole one" : ""));
	if (!isfinite(opt->number) || opt->number < min || opt->number > max ||
		(integer && opt->number != floor(opt->number)))
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("tuner_options.%s is out of range", key),
				   core_psprintf("tuner_options.%s of tuner \"%s\" is %.15g.",
								 key, opts->tuner, opt->number),
				   core_psprintf("Pass %s between %.15g and %.15g.",
								 integer ? "a whole number" : "a number", min, max));
	return opt->number;
}

bool
oracle_option_bool(const OracleOptions *opts, const char *key, bool dflt)
{
	const OracleOption *opt = options_find(opts, key);

	if (opt == NULL)
		return dflt;
	if (opt->type != OPT_BOOL)
		core_error(CORE_ERR_INVALID_PARAMETER,
				   core_psprintf("tuner_options.%s must be a boolean", key),
				   core_psprintf("tuner_options.%s of tuner \"%s\" is %s.",
								 key, opts->tuner, options_type_name(opt->type)),
				   core_psprintf("Pass \"%s\": true or \"%s\": false.", key, key));
	return opt->boolean;
}

int
oracle_option_choice(const OracleOptions *opts, const char *key,
					 const char *const *allowed, int dflt)
{
	const OracleOption *opt = options_find(opts, key);
	char	   *list = core_strdup("");

	if (opt == NULL)
		return dflt;
	for (int i = 0; allowed[i]; i++)
	{
		if (opt->type == OPT_STRING && strcmp(opt->string, allowed[i]) == 0)
			return i;
		list = core_psprintf("%s%s\"%s\"", list, i ? ", " : "", allowed[i]);
	}
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("invalid tuner_options.%s", key),
			   opt->type == OPT_STRING ?
			   core_psprintf("tuner_options.%s of tuner \"%s\" is \"%s\".",
							 key, opts->tuner, opt->string) :
			   core_psprintf("tuner_options.%s of tuner \"%s\" is %s.",
							 key, opts->tuner, options_type_name(opt->type)),
			   core_psprintf("Pass one of %s.", list));
}
