-- Inbound calls: what the number's inbound_call_screening made of the caller (null for outbound calls and for
-- numbers that do not screen).
CREATE TYPE call_screening AS ENUM ('passed', 'flagged', 'rejected');

ALTER TABLE calls ADD COLUMN screening call_screening;
