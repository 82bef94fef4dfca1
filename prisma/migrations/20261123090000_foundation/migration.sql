-- Foundation: tenants, their quotas, API keys, idempotency records and the audit log.

CREATE TYPE tenant_status AS ENUM ('active', 'suspended');

CREATE TABLE tenants (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name               text NOT NULL,
  status             tenant_status NOT NULL DEFAULT 'active',
  balance_cents      bigint NOT NULL DEFAULT 0,
  credit_limit_cents bigint NOT NULL DEFAULT 0 CHECK (credit_limit_cents >= 0),
  currency           char(3) NOT NULL DEFAULT 'USD',
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  updated_at         timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE tenant_quotas (
  tenant_id                  uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  daily_spend_cap_cents      bigint NOT NULL DEFAULT 50000 CHECK (daily_spend_cap_cents >= 0),
  concurrent_call_cap        integer NOT NULL DEFAULT 25 CHECK (concurrent_call_cap >= 0),
  countries_allowed          text[] NOT NULL DEFAULT ARRAY['US', 'CA'],
  countries_blocked          text[] NOT NULL DEFAULT ARRAY[]::text[],
  prefixes_blocked           text[] NOT NULL DEFAULT ARRAY[]::text[],
  allow_caller_id_forwarding boolean NOT NULL DEFAULT false,
  updated_at                 timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  prefix       text NOT NULL UNIQUE,
  secret_hash  text NOT NULL,
  name         text NOT NULL,
  scopes       text[] NOT NULL,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  expires_at   timestamptz(3),
  revoked_at   timestamptz(3),
  last_used_at timestamptz(3)
);
CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id);

CREATE TABLE idempotency_records (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key             text NOT NULL,
  operation       text NOT NULL,
  request_hash    text NOT NULL,
  response_status integer NOT NULL,
  response_body   jsonb NOT NULL,
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  expires_at      timestamptz(3) NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_records_expires_at_idx ON idempotency_records (expires_at);

CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  actor_key_id  uuid,
  actor         text NOT NULL,
  action        text NOT NULL,
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  before        jsonb,
  after         jsonb,
  request_id    text,
  created_at    timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant_id_created_at_idx ON audit_log (tenant_id, created_at);
CREATE INDEX audit_log_tenant_id_resource_type_resource_id_idx ON audit_log (tenant_id, resource_type, resource_id);

-- The audit log is append-only as a fact of the database, not a habit of the code.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
