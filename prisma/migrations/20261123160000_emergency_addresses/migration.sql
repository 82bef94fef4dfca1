-- Emergency (911) addresses of US/CA tenants, and the emergency endpoint of a DID: the address its emergency
-- calls are routed with. A number without one is not emergency-capable.

CREATE TABLE emergency_addresses (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  street_address      text NOT NULL,
  extended_address    text,
  locality            text NOT NULL,
  administrative_area text NOT NULL,
  postal_code         text NOT NULL,
  country_code        char(2) NOT NULL CHECK (country_code IN ('US', 'CA')),
  created_at          timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX emergency_addresses_tenant_id_created_at_id_idx ON emergency_addresses (tenant_id, created_at, id);

-- RESTRICT: an address that still serves a DID cannot go (the service answers 409 before this would fire).
ALTER TABLE phone_numbers ADD COLUMN emergency_address_id uuid REFERENCES emergency_addresses(id) ON DELETE RESTRICT;
CREATE INDEX phone_numbers_emergency_address_id_idx ON phone_numbers (emergency_address_id);
