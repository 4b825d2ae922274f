// The store's schema, one list of migrations per database. Append only: a released migration never changes;
// both lists keep the same versions, so one number says what a database holds whichever it is.
#include "store/migrations.h"

namespace zhisuan {
namespace {

// Append only: a released migration never changes.
constexpr Migration kSqlite[] = {
    {1, R"sql(
      CREATE TABLE registry_documents (
        name TEXT PRIMARY KEY,      -- data file name, e.g. centers.yaml
        label TEXT NOT NULL,        -- where it was loaded from
        content TEXT NOT NULL,      -- the validated YAML as loaded
        loaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE TABLE centers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        province TEXT NOT NULL,
        hub TEXT,
        cluster TEXT,
        state TEXT NOT NULL DEFAULT 'up'
      );
      CREATE TABLE pools (
        center_id TEXT NOT NULL REFERENCES centers(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        accelerator TEXT NOT NULL,
        devices INTEGER NOT NULL CHECK (devices >= 0),
        free_devices INTEGER NOT NULL CHECK (free_devices >= 0),
        PRIMARY KEY (center_id, idx)
      );
    )sql"},
    {2, R"sql(
      CREATE TABLE meta (           -- facts about this database
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      -- Names this database's jobs on the backends (zhisuan-INSTANCE-ID), so that a new database never mistakes
      -- an earlier database's job 1 for its own.
      INSERT INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(5))));
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,      -- SHA-256 of the token, hex; the token itself is never stored
        tenant TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('operator', 'tenant')),
        created_at REAL NOT NULL
      );
      CREATE TABLE quotas (
        tenant TEXT NOT NULL,
        accelerator TEXT NOT NULL,  -- an accelerator id
        max_devices INTEGER NOT NULL CHECK (max_devices >= 0),
        PRIMARY KEY (tenant, accelerator)
      );
      CREATE TABLE jobs (           -- immutable: what was submitted
        id INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL,
        idempotency_key TEXT,
        spec TEXT NOT NULL,
        priority INTEGER NOT NULL,
        submitted_at REAL NOT NULL,
        UNIQUE (tenant, idempotency_key)
      );
      CREATE TABLE job_state (      -- mutable: where the job is now
        job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
        state TEXT NOT NULL,
        center TEXT,
        pool INTEGER,
        accelerator TEXT,
        devices INTEGER,
        backend TEXT,
        backend_id TEXT,
        decision TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        excluded TEXT NOT NULL DEFAULT '',
        started_at REAL,
        finished_at REAL,
        exit_code INTEGER,
        device_hours REAL,
        energy_kwh REAL,
        energy_fen INTEGER,
        price_fen INTEGER,
        carbon_kg REAL,
        message TEXT NOT NULL DEFAULT '',
        updated_at REAL NOT NULL
      );
      CREATE TABLE job_events (     -- every transition, in order (clustered by job: one B-tree, no rowid)
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        seq INTEGER NOT NULL,
        at REAL NOT NULL,
        state TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (job_id, seq)
      ) WITHOUT ROWID;
    )sql"},
    {3, R"sql(
      -- A token's public id is the first 12 hex digits of its hash (zhisuan token list/revoke name it).
      ALTER TABLE tokens ADD COLUMN expires_at REAL;   -- NULL: never
      ALTER TABLE tokens ADD COLUMN revoked_at REAL;   -- NULL: not revoked
      ALTER TABLE tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';
      CREATE TABLE tenant_limits (  -- set by operators; NULL: the server's default
        tenant TEXT PRIMARY KEY,
        max_priority INTEGER,
        submissions_per_s REAL,
        max_pending INTEGER,
        allow_from TEXT NOT NULL DEFAULT ''  -- addresses or CIDR blocks, comma-separated; empty: anywhere
      );
      -- Bumped by every change of tokens or limits, from any process: a server drops what it cached at once.
      INSERT INTO meta (key, value) VALUES ('auth_version', '0');
      CREATE TRIGGER tokens_insert_bumps_auth AFTER INSERT ON tokens BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tokens_update_bumps_auth AFTER UPDATE ON tokens BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tokens_delete_bumps_auth AFTER DELETE ON tokens BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tenant_limits_insert_bumps_auth AFTER INSERT ON tenant_limits BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tenant_limits_update_bumps_auth AFTER UPDATE ON tenant_limits BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tenant_limits_delete_bumps_auth AFTER DELETE ON tenant_limits BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
    )sql"},
    {4, R"sql(
      -- The tenant's fee for moving its input data, billed apart from the compute price (fen).
      ALTER TABLE job_state ADD COLUMN transfer_fee_fen INTEGER;
    )sql"},
    {5, R"sql(
      -- Centers an operator drained: they take no new jobs, across restarts, until undrained.
      CREATE TABLE drained_centers (
        center TEXT PRIMARY KEY,
        since REAL NOT NULL,
        by_tenant TEXT NOT NULL DEFAULT ''  -- the operator token's tenant
      );
    )sql"},
    {6, R"sql(
      -- Every state-changing call, who made it from where, and its result. Append-only: the database itself
      -- refuses to change or delete an entry.
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        token_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        role TEXT NOT NULL,
        remote TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        result TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX audit_log_by_tenant ON audit_log (tenant, seq);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    )sql"},
    {7, R"sql(
      -- Which replica runs the scheduling loop (PostgreSQL; one row). epoch grows with every change of leader:
      -- a former leader's writes carry its epoch and are refused once another has taken over (fencing).
      CREATE TABLE leader_lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch INTEGER NOT NULL,
        holder TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        since REAL NOT NULL,
        expires_at REAL NOT NULL
      );
    )sql"},
    {8, R"sql(
      -- A cancel asked of a replica that does not lead: the leader carries it out and removes the row.
      CREATE TABLE cancel_requests (
        job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
        at REAL NOT NULL,
        token_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        role TEXT NOT NULL,
        remote TEXT NOT NULL
      );
      CREATE INDEX job_state_pending ON job_state (job_id) WHERE state = 'pending';
    )sql"},
    {9, R"sql(
      -- Each tenant's submission token bucket, shared by replicas: each takes small grants of tokens from it
      -- (at the database's clock), so that N replicas admit a tenant's rate once, not N times.
      CREATE TABLE tenant_buckets (
        tenant TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        at REAL NOT NULL
      );
    )sql"},
    {10, R"sql(
      -- The leader's live load (devices free and queued for per pool, releases, center states), written about
      -- once a second while it changes, for the replicas that do not lead to answer /api/v1/live and quotes.
      CREATE TABLE live_load (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch INTEGER NOT NULL,
        at REAL NOT NULL,
        load TEXT NOT NULL
      );
    )sql"},
    {11, R"sql(
      -- The leader's samples of the live load (per center: busy and queued devices, power drawn), kept as long as
      -- the server keeps them in memory, so that its history survives a restart and a change of leader.
      CREATE TABLE live_samples (
        at REAL PRIMARY KEY,
        data TEXT NOT NULL
      );
    )sql"},
    {12, R"sql(
      -- Who a tenant is, for the supervisor's demand statistics: its industry (GB/T 4754-2017 section, or
      -- section and division, e.g. I or I64) and home province; and its self-reliance policy: the smallest share
      -- of its running devices that must be domestic accelerators (NULL: none).
      ALTER TABLE tenant_limits ADD COLUMN sector TEXT NOT NULL DEFAULT '';
      ALTER TABLE tenant_limits ADD COLUMN home_province TEXT NOT NULL DEFAULT '';
      ALTER TABLE tenant_limits ADD COLUMN min_domestic_share REAL;
    )sql"},
};

// The same versions for PostgreSQL: the same tables and columns, in its types (BIGINT for INTEGER, DOUBLE
// PRECISION for REAL), identity columns for ids, triggers as functions. Token hashes sort bytewise (COLLATE
// "C"): a token id is looked up as a range of hashes.
constexpr Migration kPostgres[] = {
    {1, R"sql(
      CREATE TABLE registry_documents (
        name TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        content TEXT NOT NULL,
        loaded_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      );
      CREATE TABLE centers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        province TEXT NOT NULL,
        hub TEXT,
        cluster TEXT,
        state TEXT NOT NULL DEFAULT 'up'
      );
      CREATE TABLE pools (
        center_id TEXT NOT NULL REFERENCES centers(id) ON DELETE CASCADE,
        idx BIGINT NOT NULL,
        accelerator TEXT NOT NULL,
        devices BIGINT NOT NULL CHECK (devices >= 0),
        free_devices BIGINT NOT NULL CHECK (free_devices >= 0),
        PRIMARY KEY (center_id, idx)
      );
    )sql"},
    {2, R"sql(
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      INSERT INTO meta (key, value) VALUES ('instance', substr(md5(random()::text || clock_timestamp()::text), 1, 10));
      CREATE TABLE tokens (
        hash TEXT COLLATE "C" PRIMARY KEY,
        tenant TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('operator', 'tenant')),
        created_at DOUBLE PRECISION NOT NULL
      );
      CREATE TABLE quotas (
        tenant TEXT NOT NULL,
        accelerator TEXT NOT NULL,
        max_devices BIGINT NOT NULL CHECK (max_devices >= 0),
        PRIMARY KEY (tenant, accelerator)
      );
      CREATE TABLE jobs (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        tenant TEXT NOT NULL,
        idempotency_key TEXT,
        spec TEXT NOT NULL,
        priority BIGINT NOT NULL,
        submitted_at DOUBLE PRECISION NOT NULL,
        UNIQUE (tenant, idempotency_key)
      );
      CREATE TABLE job_state (
        job_id BIGINT PRIMARY KEY REFERENCES jobs(id),
        state TEXT NOT NULL,
        center TEXT,
        pool BIGINT,
        accelerator TEXT,
        devices BIGINT,
        backend TEXT,
        backend_id TEXT,
        decision TEXT,
        attempts BIGINT NOT NULL DEFAULT 0,
        excluded TEXT NOT NULL DEFAULT '',
        started_at DOUBLE PRECISION,
        finished_at DOUBLE PRECISION,
        exit_code BIGINT,
        device_hours DOUBLE PRECISION,
        energy_kwh DOUBLE PRECISION,
        energy_fen BIGINT,
        price_fen BIGINT,
        carbon_kg DOUBLE PRECISION,
        message TEXT NOT NULL DEFAULT '',
        updated_at DOUBLE PRECISION NOT NULL
      );
      CREATE TABLE job_events (
        job_id BIGINT NOT NULL REFERENCES jobs(id),
        seq BIGINT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        state TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (job_id, seq)
      );
    )sql"},
    {3, R"sql(
      ALTER TABLE tokens ADD COLUMN expires_at DOUBLE PRECISION;
      ALTER TABLE tokens ADD COLUMN revoked_at DOUBLE PRECISION;
      ALTER TABLE tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';
      CREATE TABLE tenant_limits (
        tenant TEXT PRIMARY KEY,
        max_priority BIGINT,
        submissions_per_s DOUBLE PRECISION,
        max_pending BIGINT,
        allow_from TEXT NOT NULL DEFAULT ''
      );
      INSERT INTO meta (key, value) VALUES ('auth_version', '0');
      CREATE FUNCTION zhisuan_bump_auth() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE meta SET value = (CAST(value AS BIGINT) + 1)::text WHERE key = 'auth_version';
        RETURN NULL;
      END $$;
      CREATE TRIGGER tokens_bump_auth AFTER INSERT OR UPDATE OR DELETE ON tokens
        FOR EACH ROW EXECUTE FUNCTION zhisuan_bump_auth();
      CREATE TRIGGER tenant_limits_bump_auth AFTER INSERT OR UPDATE OR DELETE ON tenant_limits
        FOR EACH ROW EXECUTE FUNCTION zhisuan_bump_auth();
    )sql"},
    {4, R"sql(
      ALTER TABLE job_state ADD COLUMN transfer_fee_fen BIGINT;
    )sql"},
    {5, R"sql(
      CREATE TABLE drained_centers (
        center TEXT PRIMARY KEY,
        since DOUBLE PRECISION NOT NULL,
        by_tenant TEXT NOT NULL DEFAULT ''
      );
    )sql"},
    {6, R"sql(
      CREATE TABLE audit_log (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at DOUBLE PRECISION NOT NULL,
        token_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        role TEXT NOT NULL,
        remote TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        result TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX audit_log_by_tenant ON audit_log (tenant, seq);
      CREATE FUNCTION zhisuan_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only';
      END $$;
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION zhisuan_audit_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION zhisuan_audit_append_only();
    )sql"},
    {7, R"sql(
      CREATE TABLE leader_lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch BIGINT NOT NULL,
        holder TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        since DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
      );
    )sql"},
    {8, R"sql(
      CREATE TABLE cancel_requests (
        job_id BIGINT PRIMARY KEY REFERENCES jobs(id),
        at DOUBLE PRECISION NOT NULL,
        token_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        role TEXT NOT NULL,
        remote TEXT NOT NULL
      );
      CREATE INDEX job_state_pending ON job_state (job_id) WHERE state = 'pending';
    )sql"},
    {9, R"sql(
      CREATE TABLE tenant_buckets (
        tenant TEXT PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        at DOUBLE PRECISION NOT NULL
      );
    )sql"},
    {10, R"sql(
      CREATE TABLE live_load (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch BIGINT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        load TEXT NOT NULL
      );
    )sql"},
    {11, R"sql(
      CREATE TABLE live_samples (
        at DOUBLE PRECISION PRIMARY KEY,
        data TEXT NOT NULL
      );
    )sql"},
    {12, R"sql(
      ALTER TABLE tenant_limits ADD COLUMN sector TEXT NOT NULL DEFAULT '';
      ALTER TABLE tenant_limits ADD COLUMN home_province TEXT NOT NULL DEFAULT '';
      ALTER TABLE tenant_limits ADD COLUMN min_domestic_share DOUBLE PRECISION;
    )sql"},
};

}  // namespace

std::span<const Migration> Migrations(sql::Dialect dialect) {
  if (dialect == sql::Dialect::kPostgres) return kPostgres;
  return kSqlite;
}

}  // namespace zhisuan
