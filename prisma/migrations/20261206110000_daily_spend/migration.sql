-- The daily spend cap summed the tenant's debits since UTC midnight on every placement, under the tenant's
-- placement lock: a cost that grew with every call of the day (0.9 ms at 2,000 debits, and every placement of the
-- tenant waits behind it). The tenant's row now carries the day's running total: every debit already updates
-- that row (its balance) in the statement that writes the ledger entry, and sets these two columns there too
-- (billing/daily-spend.ts), at no extra row, lock or index. A debit on a new UTC day starts the total again.
--
-- ALTER TABLE holds tenants exclusively until this migration commits, and every debit updates tenants before it
-- writes its entry, so the totals filled below miss no debit.

ALTER TABLE tenants
  ADD COLUMN spend_day date,
  ADD COLUMN spend_day_cents bigint NOT NULL DEFAULT 0;

UPDATE tenants t
   SET spend_day = (now() AT TIME ZONE 'UTC')::date, spend_day_cents = s.spent
  FROM (SELECT tenant_id, -SUM(amount_cents) AS spent
          FROM ledger_entries
         WHERE amount_cents < 0 AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
         GROUP BY tenant_id) s
 WHERE s.tenant_id = t.id;

CREATE OR REPLACE FUNCTION place_outbound_call(
  p_tenant_id uuid,
  p_call_id uuid,
  p_hold_cents bigint,
  p_hold_description text,
  p_daily_cap_cents bigint,
  p_concurrent_cap integer,
  p_day_start timestamptz,
  p_idempotency_key text,
  p_idempotency_fingerprint text,
  p_idempotency_since timestamptz,
  p_from text,
  p_to text,
  p_phone_number_id uuid,
  p_connection_id uuid,
  p_destination_country text,
  p_rate_prefix text,
  p_carrier_cost_millicents integer,
  p_timeout_secs integer,
  p_amd answering_machine_detection,
  p_record boolean,
  p_queued_at timestamptz,
  p_carrier_instance_id uuid,
  p_audit_actor_key_id uuid,
  p_audit_actor text,
  p_audit_after jsonb,
  p_request_id text
) RETURNS TABLE (verdict text, placed_call_id uuid, spent_today_cents bigint, held_for_calls_cents bigint, calls_in_flight integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_existing_id uuid;
  v_existing_fingerprint text;
  v_existing_created timestamptz;
  v_spent bigint;
  v_held bigint;
  v_in_flight integer;
  v_hold_id uuid;
BEGIN
  -- The same key as calls.service.ts has always used: only placements wait on it, debits and hangups do not.
  PERFORM pg_advisory_xact_lock(hashtextextended('calls:' || p_tenant_id::text, 0));

  -- A retried request (or its concurrent twin) finds the call the first one placed, and dials nothing.
  IF p_idempotency_key IS NOT NULL THEN
    SELECT c.id, c.idempotency_fingerprint, c.created_at INTO v_existing_id, v_existing_fingerprint, v_existing_created
      FROM calls c WHERE c.tenant_id = p_tenant_id AND c.idempotency_key = p_idempotency_key;
    IF FOUND AND v_existing_created >= p_idempotency_since THEN
      RETURN QUERY SELECT CASE WHEN v_existing_fingerprint = p_idempotency_fingerprint THEN 'existing' ELSE 'key_reused' END,
                          v_existing_id, NULL::bigint, NULL::bigint, NULL::integer;
      RETURN;
    END IF;
    -- A key older than its time to live is free again, like its stored response: the old call lets go of it.
    IF FOUND THEN
      UPDATE calls SET idempotency_key = NULL, idempotency_fingerprint = NULL WHERE id = v_existing_id;
    END IF;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = p_tenant_id AND t.balance_cents + t.credit_limit_cents - t.held_cents >= p_hold_cents) THEN
    RETURN QUERY SELECT 'balance_insufficient', NULL::uuid, NULL::bigint, NULL::bigint, NULL::integer;
    RETURN;
  END IF;

  -- The daily cap counts what was spent since UTC midnight plus what in-flight calls hold, this one included.
  -- Spent is the day's running total on the tenant's row (spend_day_cents), not a sum over the day's entries.
  SELECT CASE WHEN t.spend_day >= (p_day_start AT TIME ZONE 'UTC')::date THEN t.spend_day_cents ELSE 0 END INTO v_spent
    FROM tenants t WHERE t.id = p_tenant_id;
  SELECT COALESCE(SUM(h.amount_cents), 0) + p_hold_cents INTO v_held
    FROM credit_holds h WHERE h.tenant_id = p_tenant_id AND h.status = 'active' AND h.transaction_id LIKE 'call:%';
  IF v_spent + v_held > p_daily_cap_cents THEN
    RETURN QUERY SELECT 'daily_spend_cap_exceeded', NULL::uuid, v_spent, v_held, NULL::integer;
    RETURN;
  END IF;

  SELECT count(*)::integer INTO v_in_flight
    FROM calls c WHERE c.tenant_id = p_tenant_id AND c.status IN ('queued', 'initiated', 'ringing', 'answered');
  IF v_in_flight >= p_concurrent_cap THEN
    RETURN QUERY SELECT 'concurrent_call_cap_exceeded', NULL::uuid, v_spent, v_held, v_in_flight;
    RETURN;
  END IF;

  -- Conditional: a debit (which does not take the placement lock) may have spent the balance since the check.
  UPDATE tenants t SET held_cents = t.held_cents + p_hold_cents, updated_at = now()
   WHERE t.id = p_tenant_id AND t.balance_cents + t.credit_limit_cents - t.held_cents >= p_hold_cents;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'balance_insufficient', NULL::uuid, NULL::bigint, NULL::bigint, NULL::integer;
    RETURN;
  END IF;
  INSERT INTO credit_holds (tenant_id, transaction_id, amount_cents, description)
    VALUES (p_tenant_id, 'call:' || p_call_id::text, p_hold_cents, p_hold_description)
    RETURNING id INTO v_hold_id;
  INSERT INTO calls (id, tenant_id, from_number, to_number, phone_number_id, connection_id, destination_country, rate_prefix,
                     carrier_cost_per_minute_millicents, timeout_secs, answering_machine_detection, record, queued_at, created_at,
                     hold_id, carrier_instance_id, idempotency_key, idempotency_fingerprint)
    VALUES (p_call_id, p_tenant_id, p_from, p_to, p_phone_number_id, p_connection_id, p_destination_country, p_rate_prefix,
            p_carrier_cost_millicents, p_timeout_secs, p_amd, p_record, p_queued_at, p_queued_at,
            v_hold_id, p_carrier_instance_id, p_idempotency_key, p_idempotency_fingerprint);
  INSERT INTO call_transitions (call_id, from_status, to_status, occurred_at) VALUES (p_call_id, NULL, 'queued', p_queued_at);
  INSERT INTO audit_log (tenant_id, actor_key_id, actor, action, resource_type, resource_id, after, request_id)
    VALUES (p_tenant_id, p_audit_actor_key_id, p_audit_actor, 'call.placed', 'call', p_call_id::text, p_audit_after, p_request_id);
  RETURN QUERY SELECT 'placed', p_call_id, v_spent, v_held, v_in_flight + 1;
END
$$;
