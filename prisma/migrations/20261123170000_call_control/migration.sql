-- Call control: two answered calls bridged together, recordings (with their audio, stored here), and the media
-- sessions an answered call runs (streams, transcription, digit gathering), each with the fee it was charged.

ALTER TABLE calls ADD COLUMN bridged_call_id uuid REFERENCES calls(id) ON DELETE SET NULL;
ALTER TABLE calls ADD COLUMN bridged_at timestamptz(3);

CREATE TYPE recording_status AS ENUM ('recording', 'processing', 'available');

CREATE TABLE recordings (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  call_id       uuid NOT NULL REFERENCES calls(id) ON DELETE RESTRICT,
  status        recording_status NOT NULL DEFAULT 'recording',
  channels      text NOT NULL DEFAULT 'single' CHECK (channels IN ('single', 'dual')),
  started_at    timestamptz(3) NOT NULL,
  stopped_at    timestamptz(3),
  available_at  timestamptz(3),
  duration_ms   integer CHECK (duration_ms >= 0),
  content_type  text,
  size_bytes    integer CHECK (size_bytes >= 0),
  sha256        text,
  -- The audio itself: kept with its row, so a recording is as durable as the database and goes with it.
  content       bytea,
  created_at    timestamptz(3) NOT NULL DEFAULT now()
);

CREATE INDEX recordings_tenant_id_created_at_id_idx ON recordings (tenant_id, created_at, id);
CREATE INDEX recordings_call_id_idx ON recordings (call_id);
-- One recording running per call at a time (a second record_start is refused, even when two race).
CREATE UNIQUE INDEX recordings_one_running_per_call ON recordings (call_id) WHERE status = 'recording';

CREATE TYPE call_media_kind AS ENUM ('stream', 'transcription', 'gather');
CREATE TYPE call_media_status AS ENUM ('active', 'stopped');

CREATE TABLE call_media_sessions (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id            uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  call_id              uuid NOT NULL REFERENCES calls(id) ON DELETE RESTRICT,
  kind                 call_media_kind NOT NULL,
  -- The stream_id for streams (the caller's name, "default" unless given); the kind for transcription and gather.
  name                 text NOT NULL,
  status               call_media_status NOT NULL DEFAULT 'active',
  params               jsonb NOT NULL DEFAULT '{}',
  -- What it produced (a gather's digits and why it ended).
  result               jsonb,
  fee_cents            bigint NOT NULL CHECK (fee_cents >= 0),
  fee_ledger_entry_id  uuid REFERENCES ledger_entries(id) ON DELETE RESTRICT,
  started_at           timestamptz(3) NOT NULL,
  stopped_at           timestamptz(3),
  stop_reason          text,
  created_at           timestamptz(3) NOT NULL DEFAULT now()
);

CREATE INDEX call_media_sessions_call_id_started_at_idx ON call_media_sessions (call_id, started_at);
-- Two starts of the same stream id (or two transcriptions, two gathers) on one call can't both be active.
CREATE UNIQUE INDEX call_media_sessions_one_active ON call_media_sessions (call_id, kind, name) WHERE status = 'active';
