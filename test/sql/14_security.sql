-- Row-level security: a role sees, changes and runs only studies it owns
-- (or whose owner role it is a member of).  Functions run as the caller.
CREATE ROLE hptune_alice;
CREATE ROLE hptune_bob;
CREATE ROLE hptune_carol IN ROLE hptune_alice;
CREATE FUNCTION public_f(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 $$;
CREATE FUNCTION private_f(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 $$;
REVOKE EXECUTE ON FUNCTION private_f(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private_f(jsonb) TO hptune_alice;

SET client_min_messages = warning;
SET ROLE hptune_alice;
SELECT hptune.create_study('alice_study', objective_function => 'private_f(jsonb)', max_trials => 3, seed => 5) > 0 AS created;
SELECT hptune.hp_float('alice_study', 'x', 0, 1);
SELECT count(*) FROM hptune.search('alice_study');
SELECT count(*) AS visible_to_alice FROM hptune.trials WHERE study_id = hptune.study_id('alice_study');
SELECT hptune.study_id('alice_study') AS alice_id \gset
RESET ROLE;

SET ROLE hptune_bob;
SELECT count(*) AS studies_bob_sees FROM hptune.studies WHERE name = 'alice_study';
SELECT count(*) AS trials_bob_sees FROM hptune.trials WHERE study_id = :alice_id;
SELECT count(*) AS rows_bob_sees FROM hptune.hyperparameters WHERE study_id = :alice_id;
WITH u AS (UPDATE hptune.trials SET score = 0 WHERE study_id = :alice_id RETURNING 1)
SELECT count(*) AS bob_updated FROM u;
WITH d AS (DELETE FROM hptune.studies WHERE study_id = :alice_id RETURNING 1)
SELECT count(*) AS bob_deleted FROM d;
SELECT test_util.try($$SELECT * FROM hptune.search('alice_study')$$);
SELECT test_util.try($$SELECT hptune.hp_int('alice_study', 'y', 1, 2)$$);
SELECT test_util.try($$SELECT hptune.drop_study('alice_study')$$);
SELECT regexp_replace(test_util.try(format($$INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value)
	VALUES (%s, 'y', 'int', 1, 2)$$, :alice_id)), '(study(_id)? )[0-9]+', '\1N', 'g') AS try;
SELECT test_util.try($$SELECT * FROM hptune.results_summary('alice_study')$$);
-- the objective function must be executable by the caller
SELECT test_util.try($$SELECT hptune.create_study('bob_study', objective_function => 'private_f(jsonb)')$$);
SELECT hptune.create_study('bob_study', objective_function => 'public_f(jsonb)', max_trials => 1) > 0 AS bob_created;
RESET ROLE;

-- a member of the owner role shares the owner's studies
SET ROLE hptune_carol;
SELECT count(*) AS carol_sees FROM hptune.trials WHERE study_id = :alice_id;
RESET ROLE;

-- alice's rows are untouched; bob's study is bob's
SELECT count(*) AS alice_trials, bool_and(score IS NOT NULL) AS scores_intact
  FROM hptune.trials WHERE study_id = :alice_id;
SELECT name, owner FROM hptune.studies WHERE name IN ('alice_study', 'bob_study') ORDER BY name;

-- losing EXECUTE on the function stops the search
REVOKE EXECUTE ON FUNCTION private_f(jsonb) FROM hptune_alice;
SET ROLE hptune_alice;
SELECT hptune.create_study('alice_study2', objective_function => 'public_f(jsonb)', max_trials => 1) > 0;
RESET ROLE;
UPDATE hptune.studies SET objective_function = 'private_f(jsonb)' WHERE name = 'alice_study2';
SET ROLE hptune_alice;
SELECT hptune.hp_float('alice_study2', 'x', 0, 1);
SELECT test_util.try($$SELECT * FROM hptune.search('alice_study2')$$);
RESET ROLE;

SELECT hptune.drop_study('alice_study');
SELECT hptune.drop_study('alice_study2');
SELECT hptune.drop_study('bob_study');
DROP ROLE hptune_carol;
DROP ROLE hptune_bob;
DROP ROLE hptune_alice;
