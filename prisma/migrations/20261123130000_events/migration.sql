-- Events: what happened, written in the same transaction as the change that caused it (an outbox), so a
-- rolled-back change has no event and a committed one always has its event. Webhook delivery and the
-- GraphQL subscriptions read from here.

-- The last sequence given to each resource's events. The upsert row-locks the resource's counter until
-- commit, so sequences of one resource follow commit order with no gaps from rolled-back transactions.
CREATE TABLE event_sequences (
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  last_sequence bigint NOT NULL,
  PRIMARY KEY (resource_type, resource_id)
);

CREATE TABLE events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  type          text NOT NULL,
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  -- Per-resource, monotonic from 1: receivers reorder and dedupe by (resource, sequence).
  sequence      bigint NOT NULL CHECK (sequence > 0),
  -- Webhook subscriptions scoped to a connection receive only events of that connection.
  connection_id uuid,
  data          jsonb NOT NULL,
  occurred_at   timestamptz(3) NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (resource_type, resource_id, sequence)
);
CREATE INDEX events_tenant_id_created_at_id_idx ON events (tenant_id, created_at, id);

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
