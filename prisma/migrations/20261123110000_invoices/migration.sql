-- Monthly invoices: one statement per tenant and calendar month of what the prepaid balance was charged for the
-- month's recurring items (MRC, plan fee) and overage, mirrored as a Stripe invoice. Plus the record of each
-- monthly billing run, so the scheduler knows whether this month's run has happened.

-- Stripe's invoice statuses that voepy uses (a statement is never left uncollectible).
CREATE TYPE invoice_status AS ENUM ('draft', 'open', 'paid', 'void');

CREATE TABLE invoices (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  -- [period_start, period_end): a calendar month, UTC.
  period_start       timestamptz(3) NOT NULL,
  period_end         timestamptz(3) NOT NULL,
  status             invoice_status NOT NULL DEFAULT 'draft',
  currency           char(3) NOT NULL DEFAULT 'USD',
  total_cents        bigint NOT NULL CHECK (total_cents >= 0),
  -- [{kind, description, quantity, unit_amount_cents, amount_cents}], fixed when the invoice is claimed.
  lines              jsonb NOT NULL,
  stripe_invoice_id  text UNIQUE,
  hosted_invoice_url text,
  invoice_pdf_url    text,
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  updated_at         timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (period_end > period_start),
  -- What makes a monthly run safe to repeat: one invoice per tenant and month, however often it runs.
  UNIQUE (tenant_id, period_start)
);
CREATE INDEX invoices_tenant_id_created_at_id_idx ON invoices (tenant_id, created_at, id);

-- One row per billed month; completed_at is set once every tenant's invoice for it is settled.
CREATE TABLE billing_runs (
  period_start     timestamptz(3) PRIMARY KEY,
  started_at       timestamptz(3) NOT NULL DEFAULT now(),
  completed_at     timestamptz(3),
  invoices_created integer NOT NULL DEFAULT 0
);
