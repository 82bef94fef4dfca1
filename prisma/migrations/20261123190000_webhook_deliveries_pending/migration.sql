-- The delivery sweep (requeueStrandedDeliveries, every instance, every minute at most) looks for deliveries
-- still pending after a grace period. Pending ones are a sliver of a table that only grows (succeeded and failed
-- rows stay as history): without this index each sweep reads the whole table. Partial, so it holds only the
-- rows the sweep can want, ordered by age for its `created_at <` bound.
CREATE INDEX webhook_deliveries_pending_created_at ON webhook_deliveries (created_at) WHERE status = 'pending';
