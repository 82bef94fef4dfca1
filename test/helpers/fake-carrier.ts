// A small in-memory carrier behind the numbers domain's port, for tests that must decide exactly when and how
// each activation ends (the simulator in src/carrier plays the same events on its own schedule).
import { CarrierInventoryNumber, CarrierInventorySearch, CarrierNumberEvent, NumberCarrier } from '../../src/numbers/carrier-port';

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

  async orderNumbers(phoneNumbers: readonly string[], orderRef: string) {
    const upstreamOrderId = `up_${++this.seq}`;
    this.orders.push({ upstreamOrderId, orderRef, phoneNumbers: [...phoneNumbers] });
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

  /** Ends the activation of `phoneNumber` in its latest order (failed when `reason` is given). */
  async settle(phoneNumber: string, outcome: { reason?: string; at?: Date } = {}): Promise<CarrierNumberEvent> {
    const order = [...this.orders].reverse().find((o) => o.phoneNumbers.includes(phoneNumber));
    if (!order) throw new Error(`${phoneNumber} was never ordered`);
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
