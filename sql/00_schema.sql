-- hptune: hyperparameter search inside PostgreSQL.
-- The install script is built from the sql/NN_*.sql parts in name order.

\echo Use "CREATE EXTENSION hptune" to load this file. \quit

GRANT USAGE ON SCHEMA hptune TO PUBLIC;
