/*-------------------------------------------------------------------------
 *
 * oracle_options.c
 *	  The reader of tuner_options: one JSON object, and the objects nested
 *	  in it.
 *
 * The text comes from jsonb's output (the host has already checked that it
 * is an object), so the reader is strict and small: whitespace, one
 * object, members "key": value.  Strings are unescaped (\uXXXX becomes
 * UTF-8), numbers read with strtod, and every value keeps its text as
 * written, which is what the messages show and what a nested object is
 * parsed from.  Text that is not such an object is an error naming it.
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
	const char *path;
	const char *owner;
} OptionsReader;

/* "<path>.<key> of <owner>" or "<path>.<key>"; key NULL: the whole object */
static char *
options_name(const char *path, const char *owner, const char *key)
{
	char	   *name = key ? core_psprintf("%s.%s", path, key) : core_strdup(path);

	return owner ? core_psprintf("%s of %s", name, owner) : name;
}

static void
options_syntax_error(OptionsReader *r)
{
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("%s is not a JSON object", r->path),
			   core_psprintf("%s is %s.", options_name(r->path, r->owner, NULL), r->text),
			   "Pass an object such as '{\"max_epochs\": 27}'.");
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
	const char *start;
	char	   *end;

	options_skip_space(r);
	start = r->p;
	if (*r->p == '"')
	{
		opt->type = OPT_STRING;
		opt->string = options_read_string(r);
	}
	else if (*r->p == '{' || *r->p == '[')
	{
		opt->type = *r->p == '{' ? OPT_OBJECT : OPT_ARRAY;
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
	opt->text = core_alloc(r->p - start + 1);
	memcpy(opt->text, start, r->p - start);
}

static OracleOptions *
options_parse(const char *path, const char *owner, const char *json)
{
	OracleOptions *opts = core_alloc(sizeof(OracleOptions));
	OptionsReader r;
	int			alloc = 8;

	opts->path = path;
	opts->owner = owner;
	opts->text = json && json[0] ? json : "{}";
	opts->options = core_alloc(sizeof(OracleOption) * alloc);
	if (json == NULL || json[0] == '\0')
		return opts;
	r.text = json;
	r.p = json;
	r.path = path;
	r.owner = owner;
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

OracleOptions *
oracle_options_parse(const char *tuner, const char *json)
{
	return options_parse("tuner_options",
						 tuner ? core_psprintf("tuner \"%s\"", tuner) : NULL, json);
}

const OracleOption *
oracle_option_find(const OracleOptions *opts, const char *key)
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
	return oracle_option_find(opts, key) != NULL;
}

void
oracle_option_invalid(const OracleOptions *opts, const char *key,
					  const char *what, const char *dflt)
{
	const OracleOption *opt = oracle_option_find(opts, key);

	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("%s.%s must be %s", opts->path, key, what),
			   core_psprintf("%s is %s.", options_name(opts->path, opts->owner, key),
							 opt ? opt->text : "missing"),
			   dflt ? core_psprintf("Pass \"%s\": %s, or leave it out for %s.", key, what, dflt)
			   : core_psprintf("Pass \"%s\": %s, or leave it out.", key, what));
}

double
oracle_option_number(const OracleOptions *opts, const char *key, double dflt,
					 double min, double max, bool integer)
{
	const OracleOption *opt = oracle_option_find(opts, key);

	if (opt == NULL)
		return dflt;
	if (opt->type != OPT_NUMBER || !isfinite(opt->number) ||
		opt->number < min || opt->number > max ||
		(integer && opt->number != floor(opt->number)))
		oracle_option_invalid(opts, key,
							  core_psprintf("%s between %.15g and %.15g",
											integer ? "an integer" : "a number", min, max),
							  dflt >= min && dflt <= max ? core_psprintf("%.15g", dflt) : NULL);
	return opt->number;
}

bool
oracle_option_bool(const OracleOptions *opts, const char *key, bool dflt)
{
	const OracleOption *opt = oracle_option_find(opts, key);

	if (opt == NULL)
		return dflt;
	if (opt->type != OPT_BOOL)
		oracle_option_invalid(opts, key, "true or false", dflt ? "true" : "false");
	return opt->boolean;
}

int
oracle_option_choice(const OracleOptions *opts, const char *key,
					 const char *const *allowed, int dflt)
{
	const OracleOption *opt = oracle_option_find(opts, key);
	char	   *list = core_strdup("");

	if (opt == NULL)
		return dflt;
	for (int i = 0; allowed[i]; i++)
	{
		if (opt->type == OPT_STRING && strcmp(opt->string, allowed[i]) == 0)
			return i;
		list = core_psprintf("%s%s\"%s\"", list, i ? ", " : "", allowed[i]);
	}
	oracle_option_invalid(opts, key, core_psprintf("one of %s", list),
						  dflt >= 0 ? core_psprintf("\"%s\"", allowed[dflt]) : NULL);
}

const char *
oracle_option_object(const OracleOptions *opts, const char *key)
{
	const OracleOption *opt = oracle_option_find(opts, key);

	if (opt == NULL)
		return NULL;
	if (opt->type != OPT_OBJECT)
		oracle_option_invalid(opts, key, "an object", NULL);
	return opt->text;
}

OracleOptions *
oracle_options_nested(const OracleOptions *opts, const char *key,
					  const char *owner)
{
	const char *text = oracle_option_object(opts, key);

	if (text == NULL)
		return NULL;
	return options_parse(core_psprintf("%s.%s", opts->path, key), owner, text);
}

void
oracle_options_only(const OracleOptions *opts, const char *const *known)
{
	char	   *unknown = core_strdup("");
	char	   *list = core_strdup("");
	int			nunknown = 0;

	for (int i = 0; i < opts->n; i++)
	{
		bool		found = false;

		if (oracle_option_find(opts, opts->options[i].key) != &opts->options[i])
			continue;			/* a duplicate: named once */
		for (int k = 0; known[k] && !found; k++)
			found = strcmp(opts->options[i].key, known[k]) == 0;
		if (!found)
			unknown = core_psprintf("%s%s\"%s\"", unknown, nunknown++ ? ", " : "",
									opts->options[i].key);
	}
	if (nunknown == 0)
		return;
	for (int k = 0; known[k]; k++)
		list = core_psprintf("%s%s\"%s\"", list, k ? ", " : "", known[k]);
	core_error(CORE_ERR_INVALID_PARAMETER,
			   core_psprintf("unknown %s %s in %s", nunknown > 1 ? "keys" : "key",
							 unknown, opts->path),
			   core_psprintf("%s is %s.", options_name(opts->path, opts->owner, NULL),
							 opts->text),
			   core_psprintf("Pass only %s.", list));
}
