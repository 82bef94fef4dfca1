-- Webhooks: subscriptions (where a tenant wants its events sent), deliveries (one per event and subscription)
-- and their attempts (every try, with status code, latency and error). Delivery runs on the job queue
-- (graphile-worker's schema, installed by the migrator); these tables are the domain's own record of it.

CREATE TABLE webhook_subscriptions (
  id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id                  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- Scoped to one connection: only that connection's events are sent.
  connection_id              uuid REFERENCES connections(id) ON DELETE CASCADE,
  url                        text NOT NULL,
  description                text,
  -- Event type names, or exactly {'*'} for every type.
  event_types                text[] NOT NULL CHECK (cardinality(event_types) > 0),
  enabled                    boolean NOT NULL DEFAULT true,
  -- Why the gateway disabled it (failing for too long); null when enabled or disabled by the tenant.
  disabled_reason            text,
  -- The HMAC key; shown once at creation and at rotation, never read back through the API.
  signing_secret             text NOT NULL,
  -- After a rotation the old secret still signs (a second v1) until it expires.
  previous_signing_secret    text,
  previous_secret_expires_at timestamptz(3),
  -- Since when every attempt has failed (null after a success): long enough, and the subscription is disabled.
  failing_since              timestamptz(3),
  created_at                 timestamptz(3) NOT NULL DEFAULT now(),
  updated_at                 timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_tenant_id_created_at_id_idx ON webhook_subscriptions (tenant_id, created_at, id);

-- Events waiting for their fan-out: a delivery of a later event of the same resource waits while an earlier
-- one is still here, so per-resource order survives fan-out jobs running in parallel.
CREATE TABLE webhook_fanouts (
  event_id      uuid PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  sequence      bigint NOT NULL
);
CREATE INDEX webhook_fanouts_resource_type_resource_id_sequence_idx ON webhook_fanouts (resource_type, resource_id, sequence);

CREATE TYPE webhook_delivery_status AS ENUM ('pending', 'succeeded', 'failed');

CREATE TABLE webhook_deliveries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
  event_id        uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  event_type      text NOT NULL,
  resource_type   text NOT NULL,
  resource_id     text NOT NULL,
  sequence        bigint NOT NULL,
  status          webhook_delivery_status NOT NULL DEFAULT 'pending',
  attempt_count   integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz(3),
  -- Retries stop here: the delivery is then failed.
  retry_until     timestamptz(3) NOT NULL,
  -- A worker sending it holds it until then, so a duplicate job never sends twice at once.
  lease_until     timestamptz(3),
  last_status_code integer,
  last_error      text,
  completed_at    timestamptz(3),
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_tenant_id_created_at_id_idx ON webhook_deliveries (tenant_id, created_at, id);
CREATE INDEX webhook_deliveries_subscription_id_resource_type_resource_id_sequence_idx ON webhook_deliveries (subscription_id, resource_type, resource_id, sequence);

CREATE TABLE webhook_delivery_attempts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  started_at  timestamptz(3) NOT NULL,
  -- Null when no HTTP answer came (timeout, refused connection, TLS failure, refused target).
  status_code integer,
  latency_ms  integer NOT NULL,
  error       text,
  succeeded   boolean NOT NULL,
  UNIQUE (delivery_id, attempt)
);
