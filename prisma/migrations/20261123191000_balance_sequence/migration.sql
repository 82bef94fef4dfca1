-- Counts the tenant's announced balance changes (ledger movements, credit holds settled), bumped by the same
-- statement that changes the balance: the tenant row is locked until commit, so the numbers follow commit order
-- and a balanceChanged subscriber can order what it receives and see a gap where it missed one.
ALTER TABLE tenants ADD COLUMN balance_sequence BIGINT NOT NULL DEFAULT 0;
