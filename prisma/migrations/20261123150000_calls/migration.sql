-- Calls: destination rates (what the carrier charges per minute, by destination), the calls themselves with
-- their options, timestamps and settlement, and every state transition a call went through.

-- Carrier cost per minute in millicents (1/1000 cent: US termination costs fractions of a cent), matched by the
-- longest prefix of the destination's E.164 digits within its country. A destination with no row is not sold.
CREATE TABLE destination_rates (
  country_code                        char(2) NOT NULL,
  prefix                              text NOT NULL CHECK (prefix ~ '^[1-9][0-9]{0,14}$'),
  description                         text NOT NULL,
  carrier_cost_per_minute_millicents  integer NOT NULL CHECK (carrier_cost_per_minute_millicents > 0),
  PRIMARY KEY (country_code, prefix)
);

-- Believable termination costs (late 2026 wholesale). KP, CU and most of Africa are deliberately absent:
-- calling them answers 422 no_pricing_tier_configured.
INSERT INTO destination_rates (country_code, prefix, description, carrier_cost_per_minute_millicents) VALUES
  ('US', '1',    'United States',              450),
  ('CA', '1',    'Canada',                     500),
  ('PR', '1',    'Puerto Rico',               1200),
  ('GB', '44',   'United Kingdom, fixed',      600),
  ('GB', '447',  'United Kingdom, mobile',    1200),
  ('IE', '353',  'Ireland, fixed',             900),
  ('IE', '3538', 'Ireland, mobile',           2200),
  ('DE', '49',   'Germany, fixed',             700),
  ('DE', '4915', 'Germany, mobile',           1800),
  ('DE', '4916', 'Germany, mobile',           1800),
  ('DE', '4917', 'Germany, mobile',           1800),
  ('FR', '33',   'France, fixed',              650),
  ('FR', '336',  'France, mobile',            1500),
  ('FR', '337',  'France, mobile',            1500),
  ('ES', '34',   'Spain, fixed',               700),
  ('ES', '346',  'Spain, mobile',             1400),
  ('IT', '39',   'Italy, fixed',               800),
  ('IT', '393',  'Italy, mobile',             1600),
  ('NL', '31',   'Netherlands, fixed',         900),
  ('NL', '316',  'Netherlands, mobile',       2400),
  ('AU', '61',   'Australia, fixed',          1200),
  ('AU', '614',  'Australia, mobile',         2400),
  ('MX', '52',   'Mexico',                    1100),
  ('BR', '55',   'Brazil, fixed',             1300),
  ('BR', '559',  'Brazil, mobile (São Paulo)', 2900),
  ('IN', '91',   'India',                      900),
  ('JP', '81',   'Japan, fixed',              2500),
  ('JP', '819',  'Japan, mobile',             5500),
  ('SG', '65',   'Singapore',                  800);

CREATE TYPE call_direction AS ENUM ('outbound', 'inbound');
CREATE TYPE call_status AS ENUM ('queued', 'initiated', 'ringing', 'answered', 'completed', 'busy', 'no_answer', 'failed', 'canceled');
CREATE TYPE answering_machine_detection AS ENUM ('disabled', 'detect', 'detect_beep');

CREATE TABLE calls (
  id                                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id                           uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  direction                           call_direction NOT NULL DEFAULT 'outbound',
  from_number                         text NOT NULL,
  to_number                           text NOT NULL,
  -- The tenant's DID the call is placed from; null when the quota lets it forward another caller id.
  phone_number_id                     uuid REFERENCES phone_numbers(id) ON DELETE SET NULL,
  connection_id                       uuid REFERENCES connections(id) ON DELETE SET NULL,
  destination_country                 char(2) NOT NULL,
  -- The destination rate matched at placement (its cost is kept: rates may change while the call runs).
  rate_prefix                         text NOT NULL,
  carrier_cost_per_minute_millicents  integer NOT NULL CHECK (carrier_cost_per_minute_millicents > 0),
  status                              call_status NOT NULL DEFAULT 'queued',
  timeout_secs                        integer NOT NULL DEFAULT 30 CHECK (timeout_secs BETWEEN 5 AND 600),
  answering_machine_detection         answering_machine_detection NOT NULL DEFAULT 'disabled',
  record                              boolean NOT NULL DEFAULT false,
  upstream_call_id                    text,
  hangup_cause                        text,
  hangup_source                       text,
  queued_at                           timestamptz(3) NOT NULL,
  initiated_at                        timestamptz(3),
  ringing_at                          timestamptz(3),
  answered_at                         timestamptz(3),
  ended_at                            timestamptz(3),
  billable_seconds                    integer CHECK (billable_seconds >= 0),
  included_seconds                    integer CHECK (included_seconds >= 0),
  markup_bps                          integer,
  -- The credit hold frozen at placement (transaction id `call:<id>`), settled exactly once at the end.
  hold_id                             uuid REFERENCES credit_holds(id) ON DELETE RESTRICT,
  charge_cents                        bigint CHECK (charge_cents >= 0),
  charge_ledger_entry_id              uuid REFERENCES ledger_entries(id) ON DELETE RESTRICT,
  created_at                          timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX calls_tenant_id_created_at_id_idx ON calls (tenant_id, created_at, id);
CREATE UNIQUE INDEX calls_upstream_call_id_key ON calls (upstream_call_id);
CREATE INDEX calls_phone_number_id_idx ON calls (phone_number_id);
CREATE INDEX calls_connection_id_idx ON calls (connection_id);
-- Calls in flight, per tenant: the concurrent-call cap counts them, recovery scans them.
CREATE INDEX calls_in_flight ON calls (tenant_id) WHERE status IN ('queued', 'initiated', 'ringing', 'answered');

-- Every transition of every call, in order; the first row of a call is its creation (from_status NULL).
CREATE TABLE call_transitions (
  id           bigserial PRIMARY KEY,
  call_id      uuid NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  from_status  call_status,
  to_status    call_status NOT NULL,
  -- The outbox event that announced it (none for the creation).
  event_id     uuid REFERENCES events(id) ON DELETE RESTRICT,
  detail       jsonb,
  occurred_at  timestamptz(3) NOT NULL,
  created_at   timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX call_transitions_call_id_id_idx ON call_transitions (call_id, id);
