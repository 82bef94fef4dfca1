-- Destination rates become operator-managed (admin CLI rate:set / rate:retire): when each row was created and
-- last changed, and retirement instead of deletion, so calls already rated at a prefix keep a rate to point to.
-- A retired rate no longer prices anything; setting it again brings it back.
ALTER TABLE destination_rates
  ADD COLUMN created_at timestamp(3) with time zone NOT NULL DEFAULT now(),
  ADD COLUMN updated_at timestamp(3) with time zone NOT NULL DEFAULT now(),
  ADD COLUMN retired_at timestamp(3) with time zone;

-- A free destination is a price like any other (the operator's choice); a negative one is not.
ALTER TABLE destination_rates DROP CONSTRAINT destination_rates_carrier_cost_per_minute_millicents_check;
ALTER TABLE destination_rates ADD CONSTRAINT destination_rates_carrier_cost_per_minute_millicents_check CHECK (carrier_cost_per_minute_millicents >= 0);

-- Changes to what belongs to no tenant (destination rates) are audited too: their rows have no tenant, so no
-- tenant's GET /v1/audit ever shows them.
ALTER TABLE audit_log ALTER COLUMN tenant_id DROP NOT NULL;
