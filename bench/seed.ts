import { randomInt, randomUUID } from 'node:crypto';
import { credit } from '../src/billing/ledger.service';
import { nanpCountry, NANP_TOLL_FREE_NPAS } from '../src/carrier/nanp';
import { PrismaClient } from '../src/platform/db/client';
import { ServiceDeps } from '../src/platform/service-deps';
import { SCOPES, systemActor } from '../src/platform/auth/scopes';
import { createApiKey, createTenant } from '../src/tenants/tenant.service';

export const LIST_SIZE = 100;

/**
 * A tenant's list data for the list scenarios: 100 numbers with a connection and an emergency address, and
 * 100 ended calls from them with their charge entries. Written straight to the tables (what is measured is
 * reading them); the charges go through the ledger so balance == sum(ledger) still holds.
 */
export async function seedLists(prisma: PrismaClient, deps: ServiceDeps, tenantId: string): Promise<void> {
  const connection = await prisma.connection.create({ data: { tenantId, name: 'Bench connection' } });
  const address = await prisma.emergencyAddress.create({
    data: { tenantId, streetAddress: '1 Bench St', locality: 'Austin', administrativeArea: 'TX', postalCode: '78701', countryCode: 'US' },
  });
  const orderId = randomUUID();
  // A fresh NANP block per run, so a database reused across runs never holds these numbers already.
  const block = `+1${randomUsBlock()}`;
  for (let i = 0; i < LIST_SIZE; i++) {
    const e164 = `${block}${String(1000 + i).padStart(4, '0')}`;
    const number = await prisma.phoneNumber.create({
      data: {
        tenantId, e164, countryCode: 'US', numberType: 'local', capabilities: ['voice'], status: 'active', activationPriceCentsCustomer: 100n,
        monthlyPriceCentsCustomer: 150n, connectionId: connection.id, emergencyAddressId: address.id, orderId, activatedAt: new Date(),
      },
    });
    const charge = await credit(deps, { tenantId, kind: 'adjustment', amountCents: 1n, description: 'bench call charge stand-in' });
    await prisma.call.create({
      data: {
        tenantId, fromNumber: e164, toNumber: '+15125550142', destinationCountry: 'US', ratePrefix: '1', carrierCostPerMinuteMillicents: 450,
        status: 'completed', queuedAt: new Date(), endedAt: new Date(), phoneNumberId: number.id, connectionId: connection.id, chargeCents: 1n, chargeLedgerEntryId: charge.id,
      },
    });
  }
  // Statistics for the rows just written, as autovacuum would gather on a live database: without them PostgreSQL
  // plans the list joins for near-empty tables (nested loops over a sequential scan), which is what the gateway
  // and the raw-pg baseline would both be measured on instead of their own work.
  await prisma.$executeRawUnsafe('ANALYZE phone_numbers, calls, ledger_entries, connections, emergency_addresses');
}

export const NUMBERS_QUERY = `{ phoneNumbers(first: ${LIST_SIZE}) { nodes { id e164 status connection { id name } emergencyAddress { id locality } } } }`;
export const CALLS_QUERY = `{ calls(first: ${LIST_SIZE}) { nodes { id status phoneNumber { e164 } connection { name } charge { amountCents } } } }`;

export interface BenchTenant {
  tenantId: string;
  key: string;
}

/** A tenant with every scope's key and `fundsCents` on its balance (through the ledger). */
export async function benchTenant(prisma: PrismaClient, deps: ServiceDeps, name: string, fundsCents = 10_000_000n): Promise<BenchTenant> {
  const tenant = await createTenant(prisma, { name }, 'bench');
  const key = (await createApiKey(prisma, systemActor(tenant.id, 'bench'), { name: 'bench', scopes: [...SCOPES] })).plaintext;
  await credit(deps, { tenantId: tenant.id, kind: 'adjustment', amountCents: fundsCents, description: 'bench funds' });
  return { tenantId: tenant.id, key };
}

/** An active DID of the tenant to place calls from: a fresh NANP number per run. */
export async function seedOwnedNumber(prisma: PrismaClient, tenantId: string): Promise<{ id: string; e164: string }> {
  const e164 = `+1${randomUsBlock()}${randomInt(1000, 10000)}`;
  return prisma.phoneNumber.create({
    data: { tenantId, e164, countryCode: 'US', numberType: 'local', capabilities: ['voice'], status: 'active', activationPriceCentsCustomer: 100n, monthlyPriceCentsCustomer: 150n, orderId: randomUUID(), activatedAt: new Date() },
    select: { id: true, e164: true },
  });
}

/**
 * A random US area code and exchange (six digits). Any three digits from 200 would sometimes give an N11
 * service code (911) or another country's area code, and a number the placement refuses fails a whole row.
 */
function randomUsBlock(): string {
  for (;;) {
    const block = `${randomInt(200, 1000)}${randomInt(200, 1000)}`;
    if (nanpCountry(`${block}0000`) === 'US' && !NANP_TOLL_FREE_NPAS.includes(block.slice(0, 3))) return block;
  }
}
