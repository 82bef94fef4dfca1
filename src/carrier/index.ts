/**
 * The upstream carrier: interfaces the gateway codes against, and the deterministic simulator that implements them
 * (the only implementation; no real carrier is reachable from here). See simulator.ts for options and controls.
 */
export type { Carrier, CarrierCalls, CarrierLookup, CarrierNumbers, CarrierPorting } from './carrier';
export { createCarrierSimulator } from './simulator';
export type { CarrierSimulator, CarrierSimulatorControls, CarrierSimulatorOptions } from './simulator';
export { CarrierError, isCarrierError } from './errors';
export type { CarrierErrorCode } from './errors';
export { isE164, parseE164 } from './e164';
export type { ParsedNumber } from './e164';
export { NANP_TOLL_FREE_NPAS } from './nanp';
export type { CarrierArea, CarrierOperation, FaultTarget } from './faults';
export { FORCED_FAILURE, RELEASED_BEFORE_ACTIVATION } from './lifecycle';
export { CAPABILITY_ORDER } from './types';
export type * from './types';
