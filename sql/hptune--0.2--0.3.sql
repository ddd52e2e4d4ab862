-- hptune 0.2 -> 0.3.
-- Every change to the sql/NN_*.sql parts since 0.2 is repeated here, so that
-- ALTER EXTENSION hptune UPDATE gives the same catalog as CREATE EXTENSION.

\echo Use "ALTER EXTENSION hptune UPDATE TO '0.3'" to load this file. \quit

--
-- Oracles: Bayesian optimisation, TPE, Hyperband and pruning.
--


--
-- Parallel trials: workers, leases, ask/tell, progress.
--


--
-- Image models: input shapes and convolutional hypermodels.
--

