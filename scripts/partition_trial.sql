-- Partition trial (issue 12 point 5): would monthly partitions of the visits, and of the desk
-- stops the national roll-up joins to them, beat the indexes the app reads a month through
-- today (visits (centre_id, visit_date), and the stops' visit_id bounded by the month's lowest
-- and highest visit id, reports.figures.visit_rows_in)? And what would partitioning cost?
--
-- Evidence only: it copies the tables into a schema "trial" as PostgreSQL partitioned tables
-- (PARTITION BY RANGE on the visit's day, one partition a month, the same indexes), runs the
-- roll-up's heaviest statements against both three times with EXPLAIN (ANALYZE, BUFFERS), and
-- drops the schema at the end (pass -v keep=1 to keep it). Results and the decision they
-- support: docs/performance.md, "The national roll-up at 12,000,000 visits".
--
-- Run against a database filled by seed-synthetic (100 centres in the measured run), e.g.
--   createdb -h 127.0.0.1 -U postgres national_scale   # then db upgrade and seed-synthetic
--   psql -h 127.0.0.1 -U postgres -d national_scale -v month=2026-11-01 \
--        -f scripts/partition_trial.sql > partition_trial.out 2>&1
--   grep -E '^-- |Execution Time|^Time:' partition_trial.out
-- month: the first day of the month to read (default: the month before the current one).
-- It needs free disk for a second copy of visits and visit_stops (~2.5 GB at 12 M visits).
-- -v full=1 also builds the unique ticket constraint and the stops' foreign key (what a
-- migration would need; the foreign key's check takes minutes at 12 M visits).
-- Parallel workers are off, so each statement's time is one backend's work (on a shared
-- machine, the number that compares).

\set ON_ERROR_STOP on
\pset pager off
\if :{?month}
\else
SELECT to_char(date_trunc('month', now() AT TIME ZONE 'Asia/Seoul') - interval '1 month',
               'YYYY-MM-DD') AS month \gset
\endif
SELECT :'month'::date AS m0, (:'month'::date + interval '1 month')::date AS m1 \gset
SELECT string_agg(id::text, ',' ORDER BY id) AS ids, count(*) AS centres,
       min(id) AS first_centre FROM centres \gset
\echo -- month :m0 to :m1, :centres centres
SET max_parallel_workers_per_gather = 0;
SET jit = off;  -- as the app's connections (core.database)
\timing on

-- 1. The partitioned copies ---------------------------------------------------------------
-- visit_stops has no day of its own: to be pruned by month it must carry its visit's day
-- (a copied column, set when the stop is written, never changed: a visit keeps its day).

DROP SCHEMA IF EXISTS trial CASCADE;
CREATE SCHEMA trial;
CREATE TABLE trial.visits (LIKE public.visits) PARTITION BY RANGE (visit_date);
CREATE TABLE trial.visit_stops (LIKE public.visit_stops, visit_date date NOT NULL)
    PARTITION BY RANGE (visit_date);

DO $$
DECLARE
    first_month date;
    last_month date;
BEGIN
    SELECT date_trunc('month', min(visit_date))::date, date_trunc('month', max(visit_date))::date
      INTO first_month, last_month FROM public.visits;
    WHILE first_month <= last_month LOOP
        EXECUTE format('CREATE TABLE trial.visits_%s PARTITION OF trial.visits '
                       'FOR VALUES FROM (%L) TO (%L)', to_char(first_month, 'YYYYMM'),
                       first_month, first_month + interval '1 month');
        EXECUTE format('CREATE TABLE trial.visit_stops_%s PARTITION OF trial.visit_stops '
                       'FOR VALUES FROM (%L) TO (%L)', to_char(first_month, 'YYYYMM'),
                       first_month, first_month + interval '1 month');
        first_month := first_month + interval '1 month';
    END LOOP;
END $$;

\echo -- copy (the time a migration would need to move the rows)
INSERT INTO trial.visits SELECT * FROM public.visits;
INSERT INTO trial.visit_stops SELECT s.*, v.visit_date
  FROM public.visit_stops s JOIN trial.visits v ON v.id = s.visit_id;

\echo -- the indexes the statements below use; a primary key must include the partition key
ALTER TABLE trial.visits ADD PRIMARY KEY (id, visit_date);
CREATE INDEX ON trial.visits (centre_id, visit_date);
CREATE INDEX ON trial.visits (client_id, visit_date);
ALTER TABLE trial.visit_stops ADD PRIMARY KEY (id, visit_date);
CREATE INDEX ON trial.visit_stops (visit_id);
\if :{?full}
\echo -- (full=1) the rest of a real migration: the unique ticket number, and the foreign key
\echo -- from the stops, which must name the day too (slow: every stop is checked)
ALTER TABLE trial.visits ADD UNIQUE (centre_id, visit_date, ticket_number);
ALTER TABLE trial.visit_stops ADD FOREIGN KEY (visit_id, visit_date)
    REFERENCES trial.visits (id, visit_date);
\endif
ANALYZE trial.visits;
ANALYZE trial.visit_stops;

SELECT 'visits' AS "table", pg_size_pretty(pg_total_relation_size('public.visits')) AS plain,
       (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid)))
          FROM pg_inherits WHERE inhparent = 'trial.visits'::regclass) AS partitioned
UNION ALL
SELECT 'visit_stops', pg_size_pretty(pg_total_relation_size('public.visit_stops')),
       (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid)))
          FROM pg_inherits WHERE inhparent = 'trial.visit_stops'::regclass);

-- 2. The statements, as the roll-up runs them (reports.figures, reports.referral_figures) --
-- "plain": today's tables and indexes, the stops bounded by one run of ids from the month's
--          lowest to highest visit id (the app before the national roll-up's change);
-- "ranges": the same tables, the stops bounded by each centre's run of the month's ids
--          (reports.figures.visit_rows_in now, which also merges runs that overlap; in
--          seeded data they do not: each centre's history is written in one go);
-- "part": the partitioned copies, the month's condition on both tables.

ANALYZE public.visits;  -- fresh statistics on both sides (a seed just loaded)
ANALYZE public.visit_stops;
SELECT min(id + 0) AS low, max(id + 0) AS high, count(*) AS month_visits FROM public.visits
 WHERE centre_id IN (:ids) AND visit_date >= :'m0' AND visit_date < :'m1' \gset
SELECT min(id + 0) AS low1, max(id + 0) AS high1 FROM public.visits
 WHERE centre_id = :first_centre AND visit_date >= :'m0' AND visit_date < :'m1' \gset
SELECT string_agg(format('s.visit_id BETWEEN %s AND %s', low, high), ' OR ' ORDER BY low)
       AS ranges, count(*) AS runs
  FROM (SELECT min(id + 0) AS low, max(id + 0) AS high FROM public.visits
         WHERE centre_id IN (:ids) AND visit_date >= :'m0' AND visit_date < :'m1'
         GROUP BY centre_id) centre_runs \gset
\echo -- :month_visits visits in the month; their ids run from :low to :high, in :runs runs

-- visit_totals: visits, people and anonymous visits per centre
PREPARE totals_plain AS
SELECT centre_id, count(id), count(DISTINCT client_id),
       sum(CASE WHEN client_id IS NULL THEN 1 ELSE 0 END)
  FROM public.visits
 WHERE centre_id IN (:ids) AND visit_date >= :'m0' AND visit_date < :'m1'
 GROUP BY centre_id;
PREPARE totals_part AS
SELECT centre_id, count(id), count(DISTINCT client_id),
       sum(CASE WHEN client_id IS NULL THEN 1 ELSE 0 END)
  FROM trial.visits
 WHERE centre_id IN (:ids) AND visit_date >= :'m0' AND visit_date < :'m1'
 GROUP BY centre_id;

-- wait_sums: the desk stops of the month's visits, waits summed per centre
PREPARE waits_plain AS
SELECT v.centre_id, sum(CAST(EXTRACT(epoch FROM coalesce(s.called_at, s.started_at) - s.queued_at)
                        AS float8)), count(s.id)
  FROM public.visit_stops s JOIN public.visits v ON v.id = s.visit_id
 WHERE v.centre_id IN (:ids) AND v.visit_date >= :'m0' AND v.visit_date < :'m1'
   AND s.visit_id BETWEEN :low AND :high
   AND s.queued_at IS NOT NULL AND coalesce(s.called_at, s.started_at) IS NOT NULL
 GROUP BY v.centre_id;
PREPARE waits_ranges AS
SELECT v.centre_id, sum(CAST(EXTRACT(epoch FROM coalesce(s.called_at, s.started_at) - s.queued_at)
                        AS float8)), count(s.id)
  FROM public.visit_stops s JOIN public.visits v ON v.id = s.visit_id
 WHERE v.centre_id IN (:ids) AND v.visit_date >= :'m0' AND v.visit_date < :'m1'
   AND (:ranges)
   AND s.queued_at IS NOT NULL AND coalesce(s.called_at, s.started_at) IS NOT NULL
 GROUP BY v.centre_id;
PREPARE waits_part AS
SELECT v.centre_id, sum(CAST(EXTRACT(epoch FROM coalesce(s.called_at, s.started_at) - s.queued_at)
                        AS float8)), count(s.id)
  FROM trial.visit_stops s JOIN trial.visits v ON v.id = s.visit_id AND v.visit_date = s.visit_date
 WHERE v.centre_id IN (:ids) AND v.visit_date >= :'m0' AND v.visit_date < :'m1'
   AND s.visit_date >= :'m0' AND s.visit_date < :'m1'
   AND s.queued_at IS NOT NULL AND coalesce(s.called_at, s.started_at) IS NOT NULL
 GROUP BY v.centre_id;

-- one_stop: visits served by two or more agencies, and trips saved, per centre
PREPARE onestop_plain AS
SELECT centre_id, sum(CASE WHEN agencies >= 2 THEN 1 ELSE 0 END), sum(agencies - 1), count(*)
  FROM (SELECT v.centre_id, v.id, count(DISTINCT s.agency_id) AS agencies
          FROM public.visits v JOIN public.visit_stops s ON s.visit_id = v.id
         WHERE v.centre_id IN (:ids) AND v.visit_date >= :'m0' AND v.visit_date < :'m1'
           AND s.visit_id BETWEEN :low AND :high AND s.started_at IS NOT NULL
         GROUP BY v.centre_id, v.id) served
 GROUP BY centre_id;
PREPARE onestop_ranges AS
SELECT centre_id, sum(CASE WHEN agencies >= 2 THEN 1 ELSE 0 END), sum(agencies - 1), count(*)
  FROM (SELECT v.centre_id, v.id, count(DISTINCT s.agency_id) AS agencies
          FROM public.visits v JOIN public.visit_stops s ON s.visit_id = v.id
         WHERE v.centre_id IN (:ids) AND v.visit_date >= :'m0' AND v.visit_date < :'m1'
           AND (:ranges) AND s.started_at IS NOT NULL
         GROUP BY v.centre_id, v.id) served
 GROUP BY centre_id;
PREPARE onestop_part AS
SELECT centre_id, sum(CASE WHEN agencies >= 2 THEN 1 ELSE 0 END), sum(agencies - 1), count(*)
  FROM (SELECT v.centre_id, v.id, count(DISTINCT s.agency_id) AS agencies
          FROM trial.visits v JOIN trial.visit_stops s
            ON s.visit_id = v.id AND s.visit_date = v.visit_date
         WHERE v.centre_id IN (:ids) AND v.visit_date >= :'m0' AND v.visit_date < :'m1'
           AND s.visit_date >= :'m0' AND s.visit_date < :'m1' AND s.started_at IS NOT NULL
         GROUP BY v.centre_id, v.id) served
 GROUP BY centre_id;

-- The same stops statement for one centre (the centre's monthly report), both ways
PREPARE waits1_plain AS
SELECT v.centre_id, sum(CAST(EXTRACT(epoch FROM coalesce(s.called_at, s.started_at) - s.queued_at)
                        AS float8)), count(s.id)
  FROM public.visit_stops s JOIN public.visits v ON v.id = s.visit_id
 WHERE v.centre_id = :first_centre AND v.visit_date >= :'m0' AND v.visit_date < :'m1'
   AND s.visit_id BETWEEN :low1 AND :high1
   AND s.queued_at IS NOT NULL AND coalesce(s.called_at, s.started_at) IS NOT NULL
 GROUP BY v.centre_id;
PREPARE waits1_part AS
SELECT v.centre_id, sum(CAST(EXTRACT(epoch FROM coalesce(s.called_at, s.started_at) - s.queued_at)
                        AS float8)), count(s.id)
  FROM trial.visit_stops s JOIN trial.visits v ON v.id = s.visit_id AND v.visit_date = s.visit_date
 WHERE v.centre_id = :first_centre AND v.visit_date >= :'m0' AND v.visit_date < :'m1'
   AND s.visit_date >= :'m0' AND s.visit_date < :'m1'
   AND s.queued_at IS NOT NULL AND coalesce(s.called_at, s.started_at) IS NOT NULL
 GROUP BY v.centre_id;

-- A daily page's read: one person's visit history (every partition is looked at, since the
-- person's days are not known in advance)
SELECT client_id AS someone FROM public.visits
 WHERE centre_id = :first_centre AND client_id IS NOT NULL ORDER BY id DESC LIMIT 1 \gset
PREPARE person_plain AS
SELECT id, visit_date FROM public.visits WHERE client_id = :someone ORDER BY visit_date DESC;
PREPARE person_part AS
SELECT id, visit_date FROM trial.visits WHERE client_id = :someone ORDER BY visit_date DESC;

\echo -- warm-up: each statement once, unmeasured (the first run reads the pages from disk)
EXECUTE totals_plain \g /dev/null
EXECUTE totals_part \g /dev/null
EXECUTE waits_plain \g /dev/null
EXECUTE waits_ranges \g /dev/null
EXECUTE waits_part \g /dev/null
EXECUTE onestop_plain \g /dev/null
EXECUTE onestop_ranges \g /dev/null
EXECUTE onestop_part \g /dev/null

\timing off
\echo -- totals_plain
EXPLAIN (ANALYZE, BUFFERS) EXECUTE totals_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE totals_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE totals_plain;
\echo -- totals_part
EXPLAIN (ANALYZE, BUFFERS) EXECUTE totals_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE totals_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE totals_part;
\echo -- waits_plain
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_plain;
\echo -- waits_ranges
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_ranges;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_ranges;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_ranges;
\echo -- waits_part
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits_part;
\echo -- onestop_plain
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_plain;
\echo -- onestop_ranges
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_ranges;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_ranges;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_ranges;
\echo -- onestop_part
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE onestop_part;
\echo -- waits1_plain (one centre)
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits1_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits1_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits1_plain;
\echo -- waits1_part (one centre)
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits1_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits1_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE waits1_part;
\echo -- person_plain (the visits of one person)
EXPLAIN (ANALYZE, BUFFERS) EXECUTE person_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE person_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE person_plain;
\echo -- person_part (the visits of one person)
EXPLAIN (ANALYZE, BUFFERS) EXECUTE person_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE person_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE person_part;

-- 3. The audit trail ---------------------------------------------------------------------
-- audit_events is the largest table (about 3.7 events a visit here) and append-only: the
-- writers read the chain head (the last event by id) under a lock at every flush, the access
-- review reads a centre's month by "at", the retention purge drops the oldest prefix. A
-- sample (every event of the first :audit_centres centres, all months) is copied twice, as a
-- plain table and partitioned by month on "at", so both hold the same rows.
\if :{?audit_centres}
\else
\set audit_centres 2
\endif
\timing on
CREATE TABLE trial.audit_plain (LIKE public.audit_events);
INSERT INTO trial.audit_plain SELECT * FROM public.audit_events WHERE centre_id <= :audit_centres;
ALTER TABLE trial.audit_plain ADD PRIMARY KEY (id);
CREATE INDEX ON trial.audit_plain (at);
CREATE INDEX ON trial.audit_plain (centre_id);
CREATE TABLE trial.audit_part (LIKE public.audit_events) PARTITION BY RANGE (at);
DO $$
DECLARE
    first_month timestamptz;
    last_month timestamptz;
BEGIN
    SELECT date_trunc('month', min(at)), date_trunc('month', max(at))
      INTO first_month, last_month FROM trial.audit_plain;
    WHILE first_month <= last_month LOOP
        EXECUTE format('CREATE TABLE trial.audit_part_%s PARTITION OF trial.audit_part '
                       'FOR VALUES FROM (%L) TO (%L)', to_char(first_month, 'YYYYMM'),
                       first_month, first_month + interval '1 month');
        first_month := first_month + interval '1 month';
    END LOOP;
END $$;
INSERT INTO trial.audit_part SELECT * FROM trial.audit_plain;
ALTER TABLE trial.audit_part ADD PRIMARY KEY (id, at);
CREATE INDEX ON trial.audit_part (at);
CREATE INDEX ON trial.audit_part (centre_id);
ANALYZE trial.audit_plain;
ANALYZE trial.audit_part;
SELECT count(*) AS sample_events, count(DISTINCT date_trunc('month', at)) AS months
  FROM trial.audit_plain;
SELECT min(at) AS oldest, date_trunc('month', min(at)) + interval '1 month' AS oldest_end,
       to_char(min(at), 'YYYYMM') AS oldest_part FROM trial.audit_plain \gset
\timing off
\echo -- chain head (every flush of an event, under the chain lock): plain, then partitioned
EXPLAIN (ANALYZE, BUFFERS) SELECT chain_hash FROM trial.audit_plain ORDER BY id DESC LIMIT 1;
EXPLAIN (ANALYZE, BUFFERS) SELECT chain_hash FROM trial.audit_plain ORDER BY id DESC LIMIT 1;
EXPLAIN (ANALYZE, BUFFERS) SELECT chain_hash FROM trial.audit_plain ORDER BY id DESC LIMIT 1;
EXPLAIN (ANALYZE, BUFFERS) SELECT chain_hash FROM trial.audit_part ORDER BY id DESC LIMIT 1;
EXPLAIN (ANALYZE, BUFFERS) SELECT chain_hash FROM trial.audit_part ORDER BY id DESC LIMIT 1;
EXPLAIN (ANALYZE, BUFFERS) SELECT chain_hash FROM trial.audit_part ORDER BY id DESC LIMIT 1;
\echo -- access review: one centre, one month of events, in chain order: plain, then partitioned
PREPARE review_plain AS SELECT id, staff_id, at, client_id, action, ip FROM trial.audit_plain
 WHERE centre_id = :first_centre AND at >= :'m0' AND at < :'m1' ORDER BY id;
PREPARE review_part AS SELECT id, staff_id, at, client_id, action, ip FROM trial.audit_part
 WHERE centre_id = :first_centre AND at >= :'m0' AND at < :'m1' ORDER BY id;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE review_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE review_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE review_plain;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE review_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE review_part;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE review_part;
\echo -- retention: the oldest month dropped (rolled back): DELETE, then DETACH and DROP
\echo -- (the real DELETE also runs the append-only row trigger for every row)
BEGIN;
EXPLAIN (ANALYZE, BUFFERS) DELETE FROM trial.audit_plain WHERE at < :'oldest_end';
ROLLBACK;
\timing on
BEGIN;
ALTER TABLE trial.audit_part DETACH PARTITION trial.audit_part_:oldest_part;
DROP TABLE trial.audit_part_:oldest_part;
ROLLBACK;
\timing off

-- 4. What partitioning would cost ---------------------------------------------------------
\echo -- every foreign key to visits(id): each would have to carry the day of the visit as well
SELECT conrelid::regclass AS "table", conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE contype = 'f' AND confrelid = 'public.visits'::regclass
 ORDER BY 1;
\echo -- unique constraints of visits without the day: not possible on a partitioned table
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'public.visits'::regclass AND contype IN ('p', 'u')
   AND NOT pg_get_constraintdef(oid) LIKE '%visit_date%';
\echo -- foreign keys to audit_events(id), and its row triggers (kept on a partitioned table)
SELECT conrelid::regclass AS "table", conname FROM pg_constraint
 WHERE contype = 'f' AND confrelid = 'public.audit_events'::regclass;
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
 WHERE tgrelid = 'public.audit_events'::regclass AND NOT tgisinternal;
\echo -- rows per month: the partition sizes
SELECT count(*) AS months, min(n) AS smallest, max(n) AS largest, round(avg(n)) AS average
  FROM (SELECT date_trunc('month', visit_date), count(*) AS n FROM public.visits GROUP BY 1) m;
SELECT count(*) AS audit_events, min(at) AS oldest FROM public.audit_events;

\if :{?keep}
\echo -- kept: schema trial (DROP SCHEMA trial CASCADE when done)
\else
DROP SCHEMA trial CASCADE;
\endif
