-- Each gateway process has its own in-process carrier: a call records the instance whose carrier holds its leg,
-- and each instance keeps a heartbeat row, so one instance's recovery settles only calls whose carrier is gone.
CREATE TABLE gateway_instances (
  id           UUID PRIMARY KEY,
  started_at   TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  heartbeat_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  stopped_at   TIMESTAMPTZ(3)
);

ALTER TABLE calls ADD COLUMN carrier_instance_id UUID;
