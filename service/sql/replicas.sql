-- Hot standbys (service/db/replicas.py): how far a standby has replayed the primary's WAL.
-- Positions as byte offsets (bigint), comparable across the two servers.

-- name: primary_wal
-- The primary's flushed WAL position: what a standby can have received by now.
SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint;

-- name: standby_replay
-- A standby's replayed position; not in recovery = promoted, as current as any primary.
SELECT pg_is_in_recovery() AS in_recovery,
       (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS replayed;
