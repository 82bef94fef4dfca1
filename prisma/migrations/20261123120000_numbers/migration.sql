-- Phone numbers: connections (every tenant has a default one), pricing tiers per (country, number type),
-- the tenant's numbers, and reservations that hold inventory numbers for a while.

CREATE TABLE connections (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name       text NOT NULL,
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX connections_tenant_id_created_at_id_idx ON connections (tenant_id, created_at, id);
-- Exactly one default per tenant (at most one by this index; createTenant and the backfill below give one).
CREATE UNIQUE INDEX connections_one_default_per_tenant ON connections (tenant_id) WHERE is_default;

INSERT INTO connections (tenant_id, name, is_default) SELECT id, 'Default', true FROM tenants;

CREATE TYPE number_type AS ENUM ('local', 'toll_free', 'national', 'mobile');

-- Carrier cost and customer price (after markup), integer cents. A missing row means "we don't sell it".
CREATE TABLE pricing_tiers (
  country_code                char(2) NOT NULL,
  number_type                 number_type NOT NULL,
  carrier_activation_cents    bigint NOT NULL CHECK (carrier_activation_cents >= 0),
  carrier_monthly_cents       bigint NOT NULL CHECK (carrier_monthly_cents >= 0),
  customer_activation_cents   bigint NOT NULL CHECK (customer_activation_cents >= 0),
  customer_monthly_cents      bigint NOT NULL CHECK (customer_monthly_cents >= 0),
  PRIMARY KEY (country_code, number_type)
);

-- DE toll_free is deliberately absent: ordering or searching it answers 422 no_pricing_tier_configured.
INSERT INTO pricing_tiers (country_code, number_type, carrier_activation_cents, carrier_monthly_cents, customer_activation_cents, customer_monthly_cents) VALUES
  ('US', 'local',      50,  100,  100,  150),
  ('US', 'toll_free',  75,  150,  150,  250),
  ('US', 'national',   60,  120,  100,  200),
  ('US', 'mobile',    100,  200,  200,  300),
  ('CA', 'local',      50,  100,  100,  150),
  ('CA', 'toll_free',  75,  150,  150,  250),
  ('CA', 'mobile',    100,  200,  200,  300),
  ('GB', 'local',     100,  120,  150,  200),
  ('GB', 'national',  120,  150,  200,  250),
  ('GB', 'mobile',    150,  250,  250,  400),
  ('DE', 'local',     150,  150,  250,  250),
  ('DE', 'national',  200,  250,  300,  400),
  ('DE', 'mobile',    250,  350,  400,  550),
  ('FR', 'local',     100,  150,  200,  250),
  ('FR', 'national',  150,  200,  250,  300),
  ('FR', 'mobile',    200,  300,  300,  450),
  ('FR', 'toll_free', 300,  500,  500,  800),
  ('AU', 'local',     150,  300,  250,  450),
  ('AU', 'toll_free', 400,  800,  600, 1200),
  ('AU', 'mobile',    200,  400,  300,  600);

CREATE TYPE phone_number_status AS ENUM ('pending', 'active', 'failed', 'released');
CREATE TYPE inbound_call_screening AS ENUM ('disabled', 'flag_calls', 'reject_calls');

CREATE TABLE phone_numbers (
  id                              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id                       uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  e164                            text NOT NULL,
  country_code                    char(2) NOT NULL,
  number_type                     number_type NOT NULL,
  capabilities                    text[] NOT NULL DEFAULT '{}',
  status                          phone_number_status NOT NULL DEFAULT 'pending',
  activation_price_cents_customer bigint NOT NULL CHECK (activation_price_cents_customer >= 0),
  monthly_price_cents_customer    bigint NOT NULL CHECK (monthly_price_cents_customer >= 0),
  connection_id                   uuid REFERENCES connections(id) ON DELETE SET NULL,
  customer_reference              text CHECK (char_length(customer_reference) <= 120),
  cnam_lookup_enabled             boolean NOT NULL DEFAULT false,
  cnam_display_name               text CHECK (char_length(cnam_display_name) <= 15),
  tech_prefix_enabled             boolean NOT NULL DEFAULT false,
  inbound_call_screening          inbound_call_screening NOT NULL DEFAULT 'disabled',
  messaging_enabled               boolean NOT NULL DEFAULT false,
  -- The order the number was bought in (one order, one NRC debit, many numbers).
  order_id                        uuid NOT NULL,
  upstream_order_id               text,
  failure_reason                  text,
  ordered_at                      timestamptz(3) NOT NULL DEFAULT now(),
  activated_at                    timestamptz(3),
  failed_at                       timestamptz(3),
  released_at                     timestamptz(3),
  created_at                      timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX phone_numbers_tenant_id_created_at_id_idx ON phone_numbers (tenant_id, created_at, id);
CREATE INDEX phone_numbers_order_id_idx ON phone_numbers (order_id);
CREATE INDEX phone_numbers_connection_id_idx ON phone_numbers (connection_id);
-- One number, at most one live owner: a race for the same number ends in a unique violation (order_invalid).
CREATE UNIQUE INDEX phone_numbers_live_e164 ON phone_numbers (e164) WHERE status IN ('pending', 'active');

CREATE TABLE number_reservations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  phone_numbers text[] NOT NULL,
  expires_at    timestamptz(3) NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  -- Let go early (DELETE) or consumed by an order.
  released_at   timestamptz(3)
);
CREATE INDEX number_reservations_tenant_id_created_at_id_idx ON number_reservations (tenant_id, created_at, id);

-- Who holds a number right now. The primary key makes a hold exclusive under concurrency; an expired hold is
-- taken over by `INSERT … ON CONFLICT (e164) DO UPDATE … WHERE reserved_numbers.expires_at <= now`.
CREATE TABLE reserved_numbers (
  e164           text PRIMARY KEY,
  reservation_id uuid NOT NULL REFERENCES number_reservations(id) ON DELETE CASCADE,
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  expires_at     timestamptz(3) NOT NULL
);
CREATE INDEX reserved_numbers_reservation_id_idx ON reserved_numbers (reservation_id);
