-- hptune 0.1 -> 0.2.
-- Every change to the sql/NN_*.sql parts since 0.1 is repeated here, so that
-- ALTER EXTENSION hptune UPDATE gives the same catalog as CREATE EXTENSION.

\echo Use "ALTER EXTENSION hptune UPDATE TO '0.2'" to load this file. \quit
