import { listDestinationRates, retireDestinationRate, setDestinationRate, viewOf } from '../calls/rates.admin';
import { PrismaClient } from '../platform/db/client';
import { ApiError } from '../platform/errors';

// The admin CLI's destination-rate commands: what the carrier charges per minute by country and prefix, which
// placing, preflight and answering read for every call. Changes are audited as admin_cli, with no tenant.

const operator = () => ({ label: 'admin_cli', requestId: `cli-${Date.now()}` });

/** `rate:list [--country US] [--include-retired]` */
export async function listRatesCommand(prisma: PrismaClient, country: string | undefined, includeRetired: boolean | undefined): Promise<unknown> {
  return (await listDestinationRates(prisma, { countryCode: country, includeRetired: includeRetired ?? false })).map(viewOf);
}

/** `rate:set <country> <prefix> --millicents <n> [--description <text>]` */
export async function setRateCommand(prisma: PrismaClient, country: string | undefined, prefix: string | undefined, millicents: string | undefined, description: string | undefined): Promise<unknown> {
  if (!country || !prefix) throw new ApiError('invalid_request', 'rate:set needs <country> <prefix>');
  if (millicents === undefined || !/^\d+$/.test(millicents)) throw new ApiError('invalid_request', '--millicents must be a whole, non-negative number of millicents per minute');
  return viewOf(await setDestinationRate(prisma, operator(), { countryCode: country, prefix, description, carrierCostPerMinuteMillicents: Number(millicents) }));
}

/** `rate:retire <country> <prefix>` */
export async function retireRateCommand(prisma: PrismaClient, country: string | undefined, prefix: string | undefined): Promise<unknown> {
  if (!country || !prefix) throw new ApiError('invalid_request', 'rate:retire needs <country> <prefix>');
  return viewOf(await retireDestinationRate(prisma, operator(), country, prefix));
}
