-- Porting numbers in: the documents a port needs (LOA, a recent bill), stored in the database with the tenant
-- that uploaded them; porting orders, which move through their states over business days; and the numbers of
-- each order, of which at most one open port exists per number across every tenant.

CREATE TABLE porting_documents (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  document_type text NOT NULL CHECK (document_type IN ('loa', 'bill')),
  filename      text NOT NULL,
  content_type  text NOT NULL,
  size_bytes    integer NOT NULL CHECK (size_bytes > 0),
  sha256        char(64) NOT NULL,
  content       bytea NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX porting_documents_tenant_id_created_at_id_idx ON porting_documents (tenant_id, created_at, id);

CREATE TYPE porting_order_status AS ENUM ('submitted', 'in_process', 'foc_date_confirmed', 'partially_ported', 'ported', 'cancelled');

CREATE TABLE porting_orders (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
  status             porting_order_status NOT NULL DEFAULT 'submitted',
  comment            text,
  -- What the user said the losing carrier's records hold (checked against the CSR at submission).
  end_user           jsonb,
  -- Firm order commitment: the business day the last number moves.
  foc_date           timestamptz(3),
  -- When the progression job moves the order next; null once it is ported or cancelled.
  next_transition_at timestamptz(3),
  status_changed_at  timestamptz(3) NOT NULL,
  ported_at          timestamptz(3),
  cancelled_at       timestamptz(3),
  created_at         timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX porting_orders_tenant_id_created_at_id_idx ON porting_orders (tenant_id, created_at, id);
CREATE INDEX porting_orders_next_transition_at_idx ON porting_orders (next_transition_at);

CREATE TABLE porting_order_documents (
  porting_order_id uuid NOT NULL REFERENCES porting_orders(id) ON DELETE CASCADE,
  document_id      uuid NOT NULL REFERENCES porting_documents(id) ON DELETE RESTRICT,
  PRIMARY KEY (porting_order_id, document_id)
);
CREATE INDEX porting_order_documents_document_id_idx ON porting_order_documents (document_id);

CREATE TABLE porting_order_numbers (
  porting_order_id uuid NOT NULL REFERENCES porting_orders(id) ON DELETE CASCADE,
  e164             text NOT NULL,
  country_code     char(2) NOT NULL,
  number_type      number_type NOT NULL,
  fast_portable    boolean NOT NULL,
  -- pending until its FOC date; then ported (phone_number_id set) or failed; cancelled with the order.
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ported', 'failed', 'cancelled')),
  foc_at           timestamptz(3),
  phone_number_id  uuid,
  failure_reason   text,
  PRIMARY KEY (porting_order_id, e164)
);
-- One open port per number, whoever asks: a second order for it is 409 porting_in_progress.
CREATE UNIQUE INDEX porting_order_numbers_one_open_port ON porting_order_numbers (e164) WHERE status = 'pending';

-- A number that came in by a port remembers its order (the release rule asks about the order's other numbers).
ALTER TABLE phone_numbers ADD COLUMN porting_order_id uuid REFERENCES porting_orders(id) ON DELETE RESTRICT;
CREATE INDEX phone_numbers_porting_order_id_idx ON phone_numbers (porting_order_id);
ALTER TABLE porting_order_numbers ADD CONSTRAINT porting_order_numbers_phone_number_id_fkey
  FOREIGN KEY (phone_number_id) REFERENCES phone_numbers(id) ON DELETE RESTRICT;
