// A small in-memory carrier behind the numbers domain's port, for tests that must decide exactly when and how
// each activation ends (the simulator in src/carrier plays the same events on its own schedule).
import {
  CarrierActivationStatus,
  CarrierInventoryNumber,
  CarrierInventorySearch,
  CarrierNumberEvent,
  CustomerServiceRecord,
  NumberCarrier,
  PortabilityAnswer,
} from '../../src/numbers/carrier-port';
import { ApiError } from '../../src/platform/errors';

export class FakeCarrier implements NumberCarrier {
  readonly orders: { upstreamOrderId: string; orderRef: string; phoneNumbers: string[] }[] = [];
  private readonly listeners = new Set<(e: CarrierNumberEvent) => void | Promise<void>>();
  private seq = 0;

  constructor(readonly inventory: CarrierInventoryNumber[] = defaultInventory()) {}

  async searchInventory(s: CarrierInventorySearch): Promise<readonly CarrierInventoryNumber[]> {
    return this.inventory
      .filter((n) => n.countryCode === s.countryCode.toUpperCase())
      .filter((n) => !s.numberType || n.numberType === s.numberType)
      .filter((n) => !s.nationalDestinationCode || n.nationalDestinationCode === s.nationalDestinationCode)
      .filter((n) => !s.locality || n.locality?.toLowerCase() === s.locality.toLowerCase())
      .filter((n) => (s.features ?? []).every((f) => n.capabilities.includes(f)))
      .filter((n) => !s.exclude?.has(n.phoneNumber))
      .slice(0, s.limit);
  }

  async inventoryNumbers(phoneNumbers: readonly string[]): Promise<readonly CarrierInventoryNumber[]> {
    return this.inventory.filter((n) => phoneNumbers.includes(n.phoneNumber));
  }

  /** Orders submitted with the same ref get the same upstream id, as the real carrier's do. */
  async orderNumbers(phoneNumbers: readonly string[], orderRef: string) {
    const fault = this.nextOrderFault;
    this.nextOrderFault = undefined;
    if (fault === 'down') throw new ApiError('upstream_error', 'The carrier did not confirm the order: down');
    if (fault === 'refuse') throw new ApiError('order_invalid', 'the carrier refused the numbers');
    const known = this.orders.find((o) => o.orderRef === orderRef);
    if (known) return { upstreamOrderId: known.upstreamOrderId, orderedAt: new Date() };
    const upstreamOrderId = `up_${++this.seq}`;
    this.orders.push({ upstreamOrderId, orderRef, phoneNumbers: [...phoneNumbers] });
    // The order took effect upstream, but its answer never reaches the gateway.
    if (fault === 'lose_response') throw new ApiError('upstream_error', 'The carrier did not confirm the order: response lost');
    return { upstreamOrderId, orderedAt: new Date() };
  }

  readonly released: string[] = [];

  async lookup(phoneNumber: string, type: 'carrier' | 'caller-name') {
    return type === 'carrier' ? { phoneNumber, countryCode: 'US', carrierName: 'Fake Telecom', networkType: 'landline', ported: false } : { phoneNumber, callerName: 'FAKE CALLER' };
  }

  async releaseNumber(phoneNumber: string): Promise<void> {
    this.released.push(phoneNumber);
  }

  onNumberEvent(listener: (e: CarrierNumberEvent) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next order submission: unreachable, refused, or accepted with its answer lost. */
  nextOrderFault: 'down' | 'refuse' | 'lose_response' | undefined;
  private readonly outcomes = new Map<string, CarrierActivationStatus>();

  async activationStatus(upstreamOrderId: string, phoneNumber: string): Promise<CarrierActivationStatus> {
    if (!this.orders.some((o) => o.upstreamOrderId === upstreamOrderId && o.phoneNumbers.includes(phoneNumber))) throw new ApiError('upstream_error', `unknown order ${upstreamOrderId}`);
    return this.outcomes.get(`${upstreamOrderId}:${phoneNumber}`) ?? { status: 'pending' };
  }

  /** Decides the outcome upstream without telling anyone (an event lost, e.g. while the gateway was down). */
  decide(phoneNumber: string, outcome: { reason?: string; at?: Date } = {}) {
    const order = [...this.orders].reverse().find((o) => o.phoneNumbers.includes(phoneNumber));
    if (!order) throw new Error(`${phoneNumber} was never ordered`);
    const at = outcome.at ?? new Date();
    this.outcomes.set(`${order.upstreamOrderId}:${phoneNumber}`, outcome.reason ? { status: 'failed', reason: outcome.reason, failedAt: at } : { status: 'active', activatedAt: at });
    return order;
  }

  /** Porting answers per number; unlisted numbers are portable, not fast, landlines of US (+1) or GB (+44). */
  readonly portability = new Map<string, Partial<PortabilityAnswer>>();
  /** CSR per number; unlisted portable numbers share one account (ACCOUNT_CSR). */
  readonly csrs = new Map<string, Partial<CustomerServiceRecord>>();

  async portabilityCheck(phoneNumbers: readonly string[]): Promise<readonly PortabilityAnswer[]> {
    return phoneNumbers.map((phoneNumber) => ({
      phoneNumber,
      countryCode: phoneNumber.startsWith('+44') ? 'GB' : phoneNumber.startsWith('+49') ? 'DE' : 'US',
      portable: true,
      losingCarrier: 'Old Telco',
      fastPortable: false,
      networkType: 'landline' as const,
      ...this.portability.get(phoneNumber),
    }));
  }

  async csrLookup(phoneNumber: string): Promise<CustomerServiceRecord | null> {
    const [answer] = await this.portabilityCheck([phoneNumber]);
    if (!answer.portable) return null;
    return { ...ACCOUNT_CSR, phoneNumber, countryCode: answer.countryCode, losingCarrier: answer.losingCarrier, ...this.csrs.get(phoneNumber) };
  }

  /** Ends the activation of `phoneNumber` in its latest order (failed when `reason` is given). */
  async settle(phoneNumber: string, outcome: { reason?: string; at?: Date } = {}): Promise<CarrierNumberEvent> {
    const order = this.decide(phoneNumber, outcome);
    const event: CarrierNumberEvent = {
      id: `${order.upstreamOrderId}:${phoneNumber}`,
      type: outcome.reason ? 'number.activation_failed' : 'number.activated',
      phoneNumber,
      upstreamOrderId: order.upstreamOrderId,
      orderRef: order.orderRef,
      at: outcome.at ?? new Date(),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    };
    await this.deliver(event);
    return event;
  }

  async deliver(event: CarrierNumberEvent): Promise<void> {
    for (const l of this.listeners) await l(event);
  }
}

export const ACCOUNT_CSR: CustomerServiceRecord = {
  phoneNumber: '',
  accountNumber: '123456789',
  name: 'Copperleaf Bakery LLC',
  addressLine: '1842 Juniper Ave',
  locality: 'Austin',
  region: 'TX',
  postalCode: '78701',
  countryCode: 'US',
  losingCarrier: 'Old Telco',
};

export function defaultInventory(): CarrierInventoryNumber[] {
  const us = (n: string, locality: string, region: string, ndc: string, caps: ('voice' | 'sms' | 'mms' | 'fax')[] = ['voice', 'sms']): CarrierInventoryNumber => ({
    phoneNumber: n, countryCode: 'US', numberType: 'local', region, locality, nationalDestinationCode: ndc, capabilities: caps,
  });
  return [
    us('+15125550100', 'Austin', 'TX', '512'),
    us('+15125550101', 'Austin', 'TX', '512'),
    us('+15125550102', 'Austin', 'TX', '512', ['voice']),
    us('+15125550103', 'Austin', 'TX', '512', ['voice', 'sms', 'mms']),
    us('+12125550100', 'New York', 'NY', '212'),
    us('+12125550101', 'New York', 'NY', '212', ['voice', 'sms', 'mms', 'fax']),
    { phoneNumber: '+18005550100', countryCode: 'US', numberType: 'toll_free', region: null, locality: null, nationalDestinationCode: '800', capabilities: ['voice'] },
    { phoneNumber: '+498001234567', countryCode: 'DE', numberType: 'toll_free', region: null, locality: null, nationalDestinationCode: '800', capabilities: ['voice'] },
    { phoneNumber: '+493012345678', countryCode: 'DE', numberType: 'local', region: 'BE', locality: 'Berlin', nationalDestinationCode: '30', capabilities: ['voice'] },
  ];
}
