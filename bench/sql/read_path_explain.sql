-- EXPLAIN (ANALYZE, BUFFERS) of the read-path statements issue 9 fixed, before and after, on a
-- generated database (docs/benchmarks.md, "Generator"). The "before" states are recreated
-- inside transactions that are rolled back, so the database is left as it was:
--
--   psql -h 127.0.0.1 -U postgres -d nd_national -v commune=00004 \
--        -v token_hash=$(printf %s "$OFFICER_TOKEN" | sha256sum | cut -d' ' -f1) \
--        -f bench/sql/read_path_explain.sql
\set ON_ERROR_STOP on
\pset pager off

\echo '== 1. A commune page of clients and its count; the code column as char(5) (before)'
BEGIN;
ALTER TABLE clients DROP CONSTRAINT IF EXISTS fk_clients_commune_code_communes_code;
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'clients'::regclass
            AND confrelid = 'communes'::regclass LOOP
    EXECUTE format('ALTER TABLE clients DROP CONSTRAINT %I', r.conname);
  END LOOP; END $$;
ALTER TABLE clients ALTER COLUMN commune_code TYPE char(5);
ANALYZE clients;
PREPARE page_before(text, text) AS SELECT id, full_name FROM clients
  WHERE commune_code IN ($1) AND commune_code = $2 ORDER BY id LIMIT 51;
PREPARE count_before(text, text) AS SELECT count(*) FROM clients
  WHERE commune_code IN ($1) AND commune_code = $2;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE page_before(:'commune', :'commune');
EXPLAIN (ANALYZE, BUFFERS) EXECUTE count_before(:'commune', :'commune');
ROLLBACK;

\echo '== 1. The same as varchar(5) (after; the count runs only when totalCount is selected)'
PREPARE page_after(text, text) AS SELECT id, full_name FROM clients
  WHERE commune_code IN ($1) AND commune_code = $2 ORDER BY id LIMIT 51;
PREPARE count_after(text, text) AS SELECT count(*) FROM clients
  WHERE commune_code IN ($1) AND commune_code = $2;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE page_after(:'commune', :'commune');
EXPLAIN (ANALYZE, BUFFERS) EXECUTE count_after(:'commune', :'commune');

\echo '== 2. Upcoming check-ins of the page''s 50 clients: one overall limit (before) vs per client (after)'
SELECT array_agg(id)::text AS ids FROM (SELECT id FROM clients WHERE commune_code = :'commune'
  ORDER BY id LIMIT 50) s \gset
PREPARE upcoming_before(uuid[], text) AS SELECT * FROM check_in_occurrences
  WHERE commune_code IN ($2) AND client_id = ANY($1) AND status = 'scheduled' AND closes_at > now()
  ORDER BY opens_at LIMIT 2500;
PREPARE upcoming_after(uuid[], text) AS SELECT * FROM (SELECT o.*, row_number() OVER
  (PARTITION BY client_id ORDER BY opens_at, id) AS rank_in_parent FROM check_in_occurrences o
  WHERE commune_code IN ($2) AND client_id = ANY($1) AND status = 'scheduled' AND closes_at > now()) ranked
  WHERE rank_in_parent <= 50 ORDER BY opens_at, id;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE upcoming_before(:'ids', :'commune');
EXPLAIN (ANALYZE, BUFFERS) EXECUTE upcoming_after(:'ids', :'commune');

\echo '== 3. Sign-in: token, account, officer (before: three statements) vs one joined statement'
PREPARE token_q(text) AS SELECT * FROM access_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now();
PREPARE account_q(text) AS SELECT a.* FROM accounts a WHERE a.id = (SELECT account_id FROM access_tokens WHERE token_hash = $1);
PREPARE officer_q(text) AS SELECT o.* FROM officers o WHERE o.id = (SELECT a.officer_id FROM accounts a JOIN access_tokens t ON t.account_id = a.id WHERE t.token_hash = $1);
PREPARE joined_q(text) AS SELECT t.expires_at, a.id, a.kind, a.disabled_at, a.province_code, o.id, o.commune_code,
  o.province_code, o.role, o.active FROM access_tokens t JOIN accounts a ON a.id = t.account_id
  LEFT JOIN officers o ON o.id = a.officer_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now();
EXPLAIN (ANALYZE, BUFFERS) EXECUTE token_q(:'token_hash');
EXPLAIN (ANALYZE, BUFFERS) EXECUTE account_q(:'token_hash');
EXPLAIN (ANALYZE, BUFFERS) EXECUTE officer_q(:'token_hash');
EXPLAIN (ANALYZE, BUFFERS) EXECUTE joined_q(:'token_hash');

\echo '== 4. A commune''s messages: without ix_outbox_commune (before) and with it (after)'
PREPARE messages(text) AS SELECT id, template, status FROM outbox_messages
  WHERE commune_code IN ($1) ORDER BY id LIMIT 51;
BEGIN;
DROP INDEX IF EXISTS ix_outbox_commune;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE messages(:'commune');
ROLLBACK;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE messages(:'commune');

\echo '== 5. A commune''s agenda for a week'
PREPARE agenda(text) AS SELECT id, starts_at, status FROM appointments
  WHERE commune_code IN ($1) AND commune_code = $1 AND starts_at >= now() AND starts_at < now() + interval '7 days'
  ORDER BY id LIMIT 101;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE agenda(:'commune');
