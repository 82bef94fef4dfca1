-- A recording whose audio the carrier lost (the gateway restarted before it was delivered) ends as failed,
-- with the reason, instead of staying processing for ever.
ALTER TYPE recording_status ADD VALUE 'failed';
ALTER TABLE recordings ADD COLUMN failure_reason TEXT;
