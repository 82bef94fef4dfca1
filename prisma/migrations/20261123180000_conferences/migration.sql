-- Conferences: rooms the tenant's answered calls join, and each call's stay in one (its participant row).

CREATE TYPE conference_status AS ENUM ('active', 'ended');
CREATE TYPE conference_participant_status AS ENUM ('joined', 'left');

CREATE TABLE conferences (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id               uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  name                    text,
  status                  conference_status NOT NULL DEFAULT 'active',
  max_participants        integer NOT NULL CHECK (max_participants >= 2),
  end_when_empty          boolean NOT NULL DEFAULT true,
  -- The carrier's id of the room (opened when the conference is created).
  upstream_conference_id  text NOT NULL,
  ended_at                timestamptz(3),
  -- requested, or last_participant_left for a conference that ended itself.
  end_reason              text,
  created_at              timestamptz(3) NOT NULL DEFAULT now()
);

CREATE INDEX conferences_tenant_id_created_at_id_idx ON conferences (tenant_id, created_at, id);

CREATE TABLE conference_participants (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  conference_id  uuid NOT NULL REFERENCES conferences(id) ON DELETE RESTRICT,
  call_id        uuid NOT NULL REFERENCES calls(id) ON DELETE RESTRICT,
  status         conference_participant_status NOT NULL DEFAULT 'joined',
  muted          boolean NOT NULL DEFAULT false,
  on_hold        boolean NOT NULL DEFAULT false,
  joined_at      timestamptz(3) NOT NULL,
  left_at        timestamptz(3),
  -- kicked, hangup (the call ended) or conference_ended.
  leave_reason   text,
  created_at     timestamptz(3) NOT NULL DEFAULT now()
);

CREATE INDEX conference_participants_conference_id_joined_at_idx ON conference_participants (conference_id, joined_at);
CREATE INDEX conference_participants_call_id_idx ON conference_participants (call_id);
-- A call is in at most one conference at a time (the service checks under the call's lock; this is the floor).
CREATE UNIQUE INDEX conference_participants_one_joined_per_call ON conference_participants (call_id) WHERE status = 'joined';
