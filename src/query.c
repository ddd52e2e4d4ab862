/*-------------------------------------------------------------------------
 *
 * query.c
 *	  User queries: exactly one statement, and a query that only reads.
 *
 * Every query a user hands hptune as data (search, tune, fit and retrain's
 * train and validation, predict_query's and evaluate's query) is prepared
 * here.  The rule: one SELECT, VALUES, TABLE or WITH statement, without
 * INTO, row locks (FOR UPDATE / FOR SHARE) or data-modifying WITH queries.
 * The raw parse tree is checked first, so several statements or a DROP
 * are refused before anything is analysed or run; the analysed query is
 * checked again after SPI_prepare, since rules can rewrite a statement.
 * Functions the query calls run as the caller, like any query of theirs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/plancache.h"

#include "query.h"

#define QUERY_HINT "Pass one SELECT, VALUES, TABLE or WITH query that only reads; run other statements separately."

/* parse errors point into the user's query, as SPI's do */
static void
query_parse_error_callback(void *arg)
{
	const char *query = (const char *) arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(query);
	}
	else
		errcontext("SQL statement \"%s\"", query);
}

static List *
query_parse(const char *query)
{
	ErrorContextCallback cb;
	List	   *raw;

	cb.callback = query_parse_error_callback;
	cb.arg = (void *) query;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	raw = raw_parser(query, RAW_PARSE_DEFAULT);
	error_context_stack = cb.previous;
	return raw;
}

static void
query_not_a_read(const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("the %s query must be a query that only reads", what),
			 errdetail_internal("%s", detail),
			 errhint(QUERY_HINT)));
}

/* "a SELECT statement", "an INSERT statement" */
static char *
query_a_statement(Node *stmt)
{
	const char *tag = GetCommandTagName(CreateCommandTag(stmt));

	return psprintf("%s %s statement", strchr("AEIOU", tag[0]) ? "an" : "a", tag);
}

/* the statement itself, before parse analysis: its kind, INTO, its WITH */
static void
query_check_raw(const char *what, Node *stmt)
{
	SelectStmt *sel;

	if (!IsA(stmt, SelectStmt))
		query_not_a_read(what, psprintf("It is %s.", query_a_statement(stmt)));
	sel = (SelectStmt *) stmt;
	if (sel->intoClause != NULL)
		query_not_a_read(what, "It is a SELECT INTO statement, which creates a table.");
	if (sel->withClause != NULL)
	{
		ListCell   *lc;

		foreach(lc, sel->withClause->ctes)
		{
			CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

			if (!IsA(cte->ctequery, SelectStmt))
				query_not_a_read(what,
								  psprintf("Its WITH query \"%s\" is %s.", cte->ctename,
										   query_a_statement(cte->ctequery)));
		}
	}
	if (sel->lockingClause != NIL)
		query_not_a_read(what, "It locks the rows it reads (FOR UPDATE or FOR SHARE).");
}

/*
 * The one check of every user query: exactly one statement, a query that
 * only reads.  Returns it prepared (unsaved, in the current SPI connection).  The raw parse tree is checked before
 * anything is analysed, and the analysed query again after SPI_prepare.
 */
SPIPlanPtr
query_prepare(const char *query, const char *what)
{
	List	   *raw = query_parse(query);
	SPIPlanPtr	plan;
	List	   *sources;
	CachedPlanSource *src;
	ListCell   *lc;

	if (raw == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the %s query is empty", what),
				 errdetail("It holds no statement."),
				 errhint(QUERY_HINT)));
	if (list_length(raw) > 1)
	{
		StringInfoData tags;

		initStringInfo(&tags);
		foreach(lc, raw)
			appendStringInfo(&tags, "%s%s", foreach_current_index(lc) ? ", " : "",
							 GetCommandTagName(CreateCommandTag(lfirst_node(RawStmt, lc)->stmt)));
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the %s query must be a single statement", what),
				 errdetail("It holds %d statements: %s.", list_length(raw), tags.data),
				 errhint(QUERY_HINT)));
	}
	query_check_raw(what, linitial_node(RawStmt, raw)->stmt);

	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	sources = SPI_plan_get_plan_sources(plan);
	if (list_length(sources) != 1)
		elog(ERROR, "a one-statement query was prepared as %d", list_length(sources));
	src = linitial(sources);
	foreach(lc, src->query_list)
	{
		Query	   *q = lfirst_node(Query, lc);

		if (q->commandType != CMD_SELECT || q->utilityStmt != NULL || !q->canSetTag)
			query_not_a_read(what, psprintf("It runs %s.", query_a_statement((Node *) q)));
		if (q->hasModifyingCTE)
			query_not_a_read(what, "Its WITH clause changes data.");
		if (q->rowMarks != NIL)
			query_not_a_read(what, "It locks the rows it reads (FOR UPDATE or FOR SHARE).");
	}
	if (list_length(src->query_list) != 1)
		elog(ERROR, "a query that only reads was rewritten into %d", list_length(src->query_list));
	return plan;
}
