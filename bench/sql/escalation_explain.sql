-- EXPLAIN (ANALYZE, BUFFERS) of the escalation statements (issue 11) on a generated database
-- (docs/benchmarks.md, "Escalation at province scale"): the sweep's candidate misses and
-- climbing escalations, before (indexes dropped in a transaction that is rolled back) and
-- after migration 000051; the officers' queue, its count, the page's histories in one
-- statement, and a client's escalations.
--
--   psql -h 127.0.0.1 -U postgres -d eleven_province -v commune=00085 \
--        -v now="'2026-12-02 03:00:00+00'" -f bench/sql/escalation_explain.sql
\set ON_ERROR_STOP on
\pset pager off

PREPARE candidates(timestamptz) AS SELECT * FROM check_in_occurrences
  WHERE status = 'missed' AND missed_at <= $1 AND missed_at >= $1 - interval '3 days'
  ORDER BY missed_at LIMIT 200;
PREPARE climbing AS SELECT * FROM escalations
  WHERE status = 'open' AND top_reported_at IS NULL ORDER BY level_since LIMIT 200;

\echo '== 1. Sweep: settled misses and climbing escalations, without the partial indexes (before)'
BEGIN;
DROP INDEX ix_occurrences_missed;
DROP INDEX ix_escalations_climb;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE candidates(:now);
-- Before, the climb did not skip top-reported escalations either.
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM escalations WHERE status = 'open'
  ORDER BY level_since LIMIT 200;
ROLLBACK;

\echo '== 1. The same with ix_occurrences_missed and ix_escalations_climb (after)'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE candidates(:now);
EXPLAIN (ANALYZE, BUFFERS) EXECUTE climbing;

\echo '== 2. Sweep: misses already recorded (by the unique cause), a client past windows'
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM escalation_events
  WHERE source_type = 'check_in_occurrence' AND kind = 'missed'
    AND source_id IN (SELECT id FROM check_in_occurrences WHERE status = 'missed' ORDER BY missed_at DESC LIMIT 200);
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM check_in_occurrences
  WHERE client_id = (SELECT client_id FROM escalations ORDER BY opened_at DESC LIMIT 1)
    AND closes_at >= :now::timestamptz - interval '30 days' AND closes_at <= :now::timestamptz
  ORDER BY closes_at;
PREPARE attach_appointments(timestamptz) AS SELECT * FROM appointments
  WHERE status = 'missed' AND updated_at >= $1 - interval '3 days'
    AND client_id IN (SELECT client_id FROM escalations WHERE status IN ('open', 'acknowledged'))
  LIMIT 200;
BEGIN;
DROP INDEX ix_appointments_missed;
\echo '   missed appointments to attach, without ix_appointments_missed (before)'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE attach_appointments(:now);
ROLLBACK;
\echo '   the same with it (after)'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE attach_appointments(:now);

\echo '== 3. The officer queue: a page of open escalations, its count, the page histories'
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM escalations
  WHERE commune_code IN (:'commune') AND commune_code = :'commune' AND status = 'open'
  ORDER BY id LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM escalations
  WHERE commune_code IN (:'commune') AND commune_code = :'commune' AND status = 'open';
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM (
  SELECT *, row_number() OVER (PARTITION BY escalation_id ORDER BY occurred_at, id) AS rank
  FROM escalation_events WHERE escalation_id IN (
    SELECT id FROM escalations WHERE commune_code = :'commune' ORDER BY id LIMIT 50)) ranked
  WHERE rank <= 200;
\echo '== 3. The province view (an administrator, status open, all communes)'
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM escalations WHERE status = 'open' ORDER BY id LIMIT 51;

\echo '== 4. A client record escalations'
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM escalations
  WHERE client_id = (SELECT client_id FROM escalations ORDER BY opened_at LIMIT 1)
  ORDER BY id LIMIT 51;
