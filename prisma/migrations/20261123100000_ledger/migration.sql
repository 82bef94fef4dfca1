-- The money: an append-only ledger, credit holds for in-flight work, Stripe customers, payments,
-- auto-recharge settings, plans and subscriptions.

ALTER TABLE tenants
  ADD COLUMN held_cents bigint NOT NULL DEFAULT 0 CHECK (held_cents >= 0),
  ADD COLUMN markup_override_bps integer CHECK (markup_override_bps >= 0),
  ADD COLUMN stripe_customer_id text UNIQUE;

CREATE TYPE ledger_kind AS ENUM (
  'top_up', 'call_charge', 'number_activation', 'number_monthly', 'lookup', 'action_fee', 'plan_fee', 'refund', 'adjustment'
);

CREATE TABLE ledger_entries (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  kind                ledger_kind NOT NULL,
  amount_cents        bigint NOT NULL CHECK (amount_cents <> 0),
  balance_after_cents bigint NOT NULL,
  reference_type      text,
  reference_id        text,
  description         text NOT NULL,
  -- What makes this entry happen at most once (`top_up:payment:<id>`, `number_monthly:<id>:2026-12`).
  dedupe_key          text UNIQUE,
  created_at          timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_tenant_id_created_at_id_idx ON ledger_entries (tenant_id, created_at, id);
CREATE INDEX ledger_entries_reference_type_reference_id_idx ON ledger_entries (reference_type, reference_id);

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TYPE credit_hold_status AS ENUM ('active', 'consumed', 'released');

CREATE TABLE credit_holds (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  -- The caller's id for what the hold is for (a call id); unique across tenants (transaction_conflict).
  transaction_id text NOT NULL UNIQUE,
  amount_cents   bigint NOT NULL CHECK (amount_cents > 0),
  consumed_cents bigint CHECK (consumed_cents >= 0),
  status         credit_hold_status NOT NULL DEFAULT 'active',
  description    text NOT NULL,
  created_at     timestamptz(3) NOT NULL DEFAULT now(),
  settled_at     timestamptz(3)
);
CREATE INDEX credit_holds_tenant_id_status_idx ON credit_holds (tenant_id, status);

CREATE TYPE payment_status AS ENUM ('pending', 'requires_action', 'succeeded', 'failed');

CREATE TABLE payments (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id                uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  amount_cents             bigint NOT NULL CHECK (amount_cents > 0),
  amount_refunded_cents    bigint NOT NULL DEFAULT 0 CHECK (amount_refunded_cents >= 0 AND amount_refunded_cents <= amount_cents),
  currency                 char(3) NOT NULL DEFAULT 'USD',
  status                   payment_status NOT NULL DEFAULT 'pending',
  stripe_payment_intent_id text UNIQUE,
  payment_method_id        text,
  -- 'top_up' or 'auto_recharge'
  purpose                  text NOT NULL,
  failure_reason           text,
  created_at               timestamptz(3) NOT NULL DEFAULT now(),
  updated_at               timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX payments_tenant_id_created_at_id_idx ON payments (tenant_id, created_at, id);

-- Stripe events already handled: insert-or-ignore on the id makes redelivery harmless.
CREATE TABLE stripe_events (
  id          text PRIMARY KEY,
  type        text NOT NULL,
  received_at timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE auto_recharge_settings (
  tenant_id         uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  enabled           boolean NOT NULL DEFAULT true,
  threshold_cents   bigint NOT NULL CHECK (threshold_cents >= 0),
  amount_cents      bigint NOT NULL CHECK (amount_cents > 0),
  payment_method_id text NOT NULL,
  -- Set when a charge failed; actions then answer 402 auto_recharge_failed until re-enabled.
  failed_at         timestamptz(3),
  failure_reason    text,
  -- The recharge in flight, so concurrent debits crossing the threshold start exactly one.
  in_flight_payment_id uuid,
  updated_at        timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE plans (
  slug               text PRIMARY KEY,
  name               text NOT NULL,
  monthly_fee_cents  bigint NOT NULL CHECK (monthly_fee_cents >= 0),
  included_minutes   integer NOT NULL CHECK (included_minutes >= 0),
  markup_percent_bps integer NOT NULL CHECK (markup_percent_bps >= 0),
  is_public          boolean NOT NULL DEFAULT true,
  line_items         jsonb NOT NULL,
  created_at         timestamptz(3) NOT NULL DEFAULT now()
);

INSERT INTO plans (slug, name, monthly_fee_cents, included_minutes, markup_percent_bps, line_items) VALUES
  ('starter', 'Starter', 0, 0, 4000,
   '[{"kind":"voice_minute","unit_amount_cents":0,"unit_label":"minute","is_metered":true},{"kind":"phone_number","unit_amount_cents":150,"unit_label":"number","is_metered":false}]'),
  ('growth', 'Growth', 9900, 5000, 3000,
   '[{"kind":"voice_minute","unit_amount_cents":0,"unit_label":"minute","is_metered":true},{"kind":"phone_number","unit_amount_cents":100,"unit_label":"number","is_metered":false}]');

CREATE TYPE subscription_status AS ENUM ('active', 'canceled');

CREATE TABLE subscriptions (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id            uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  plan_slug            text NOT NULL REFERENCES plans(slug),
  status               subscription_status NOT NULL DEFAULT 'active',
  current_period_start timestamptz(3) NOT NULL,
  current_period_end   timestamptz(3) NOT NULL,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  created_at           timestamptz(3) NOT NULL DEFAULT now(),
  canceled_at          timestamptz(3)
);
-- One live subscription per tenant.
CREATE UNIQUE INDEX subscriptions_one_active_per_tenant ON subscriptions (tenant_id) WHERE status = 'active';
