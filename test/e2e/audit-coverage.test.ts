import { GraphQLSchema } from 'graphql';
import Stripe from 'stripe';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { CarrierSimulator, createCarrierSimulator } from '../../src/carrier';
import { credit } from '../../src/billing/ledger.service';
import { recordEvent } from '../../src/events/events.service';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { inTransaction } from '../../src/platform/db/transaction';
import { createGatewayPubSub } from '../../src/platform/pubsub';
import { FakeCarrier } from '../helpers/fake-carrier';
import { createTestTenant, gql, rest, servicesOf, startTestGateway, TestGateway, TestTenant } from '../helpers/gateway';
import { rootFields } from '../helpers/graphql-samples';
import { PDF, uploadDocument } from '../helpers/porting';

// Walks the schema's mutations: each one, run successfully, leaves at least one audit row for the caller's
// tenant, written by its own request (the request id ties them). A mutation added without a step below fails
// the first test: add the step (and the audit row, if it writes none).

interface Step {
  mutation: string;
  /** The operation and its variables; may prepare what it needs first. */
  run(): Promise<{ query: string; variables?: Record<string, unknown> }>;
  /** Runs after the mutation succeeded, to feed later steps. */
  after?(data: any): Promise<void> | void;
}

describe('every mutation leaves an audit row', () => {
  let gw: TestGateway;
  let schema: GraphQLSchema;
  let carrier: FakeCarrier;
  let t: TestTenant;
  let stripe: Stripe;
  let sim: CarrierSimulator;
  const state: Record<string, string> = {};

  beforeAll(async () => {
    carrier = new FakeCarrier();
    // No job workers: retryWebhookDelivery is exercised on a delivery row made here, not by a worker.
    sim = createCarrierSimulator({ seed: 'audit-walk', timeScale: 0.01 });
    gw = await startTestGateway({ jobConcurrency: 0 }, { carrier, callCarrier: callCarrierFrom(sim) });
    schema = await buildGatewaySchema(createGatewayPubSub());
    stripe = gw.stripe.payments.stripe;
    t = await createTestTenant(gw.prisma);
    await credit(servicesOf(gw), { tenantId: t.tenantId, kind: 'adjustment', amountCents: 100_000n, description: 'test funds' });
  });
  afterAll(async () => {
    await gw.close();
    sim.close();
  });

  /** A call from the tenant's number that the simulator answers and keeps up, placed over REST. */
  async function answeredCall(to: string): Promise<string> {
    sim.controls.scriptNextCall(to, { outcome: 'answered', ringSeconds: 1, talkSeconds: 36_000 });
    const placed = await rest(gw.url, 'POST', '/v1/calls', { key: t.key, body: { from: '+15125550102', to } });
    if (placed.status !== 201 && placed.status !== 200) throw new Error(`could not place a call: ${placed.status} ${placed.text}`);
    for (let i = 0; i < 200; i++) {
      if ((await gw.prisma.call.findUniqueOrThrow({ where: { id: placed.body.id } })).status === 'answered') return placed.body.id;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the call was never answered');
  }

  const steps: Step[] = [
    { mutation: 'createConnection', run: async () => ({ query: 'mutation { createConnection(input: { name: "brand two" }) { id } }' }), after: (d) => void (state.connection = d.createConnection.id) },
    { mutation: 'renameConnection', run: async () => ({ query: 'mutation($id: ID!) { renameConnection(id: $id, input: { name: "brand 2" }) { id } }', variables: { id: state.connection } }) },
    { mutation: 'reserveNumbers', run: async () => ({ query: 'mutation { reserveNumbers(input: { phoneNumbers: ["+12125550100"] }) { id } }' }), after: (d) => void (state.reservation = d.reserveNumbers.id) },
    { mutation: 'releaseNumberReservation', run: async () => ({ query: 'mutation($id: ID!) { releaseNumberReservation(id: $id) { id } }', variables: { id: state.reservation } }) },
    {
      mutation: 'orderNumbers',
      run: async () => ({ query: 'mutation { orderNumbers(input: { phoneNumbers: ["+15125550102"], countryCode: "US", numberType: local }) { id } }' }),
      after: async (d) => {
        state.number = d.orderNumbers[0].id;
        await carrier.settle('+15125550102');
        for (let i = 0; i < 100 && (await gw.prisma.phoneNumber.findUniqueOrThrow({ where: { id: state.number } })).status !== 'active'; i++) await new Promise((r) => setTimeout(r, 20));
      },
    },
    { mutation: 'updatePhoneNumber', run: async () => ({ query: 'mutation($id: ID!) { updatePhoneNumber(id: $id, input: { customerReference: "audit" }) { id } }', variables: { id: state.number } }) },
    {
      mutation: 'placeCall',
      run: async () => {
        // Kept up until hangupCall below, however long the steps between take.
        sim.controls.scriptNextCall('+15125550144', { outcome: 'answered', ringSeconds: 1, talkSeconds: 36_000 });
        return { query: 'mutation { placeCall(input: { from: "+15125550102", to: "+15125550144" }) { id } }' };
      },
      after: (d) => void (state.call = d.placeCall.id),
    },
    {
      mutation: 'startCallRecording',
      run: async () => {
        state.callA = await answeredCall('+15125550611');
        state.callB = await answeredCall('+15125550612');
        return { query: 'mutation($id: ID!) { startCallRecording(id: $id) { id } }', variables: { id: state.callA } };
      },
    },
    {
      mutation: 'stopCallRecording',
      run: async () => ({ query: 'mutation($id: ID!) { stopCallRecording(id: $id) { recordings { id } } }', variables: { id: state.callA } }),
      after: (d) => void (state.recording = d.stopCallRecording.recordings[0].id),
    },
    { mutation: 'startCallStreaming', run: async () => ({ query: 'mutation($id: ID!) { startCallStreaming(id: $id, input: { streamUrl: "wss://media.example.com/audit" }) { id } }', variables: { id: state.callA } }) },
    { mutation: 'stopCallStreaming', run: async () => ({ query: 'mutation($id: ID!) { stopCallStreaming(id: $id) { id } }', variables: { id: state.callA } }) },
    { mutation: 'startCallTranscription', run: async () => ({ query: 'mutation($id: ID!) { startCallTranscription(id: $id) { id } }', variables: { id: state.callA } }) },
    { mutation: 'stopCallTranscription', run: async () => ({ query: 'mutation($id: ID!) { stopCallTranscription(id: $id) { id } }', variables: { id: state.callA } }) },
    { mutation: 'gatherCallDigits', run: async () => ({ query: 'mutation($id: ID!) { gatherCallDigits(id: $id) { id } }', variables: { id: state.callA } }) },
    { mutation: 'bridgeCall', run: async () => ({ query: 'mutation($id: ID!, $other: ID!) { bridgeCall(id: $id, input: { callId: $other }) { id } }', variables: { id: state.callA, other: state.callB } }) },
    {
      mutation: 'createConference',
      run: async () => ({ query: 'mutation { createConference(input: { name: "audit", endWhenEmpty: false }) { id } }' }),
      after: (d) => void (state.conference = d.createConference.id),
    },
    {
      mutation: 'addConferenceParticipant',
      run: async () => ({ query: 'mutation($c: ID!, $call: ID!) { addConferenceParticipant(conferenceId: $c, input: { callId: $call }) { id } }', variables: { c: state.conference, call: state.callA } }),
      after: (d) => void (state.participant = d.addConferenceParticipant.id),
    },
    ...['mute', 'unmute', 'hold', 'unhold', 'kick'].map((verb) => ({
      mutation: `${verb}ConferenceParticipant`,
      run: async () => ({ query: `mutation($c: ID!, $p: ID!) { ${verb}ConferenceParticipant(conferenceId: $c, participantId: $p) { id } }`, variables: { c: state.conference, p: state.participant } }),
    })),
    { mutation: 'endConference', run: async () => ({ query: 'mutation($id: ID!) { endConference(id: $id) { id } }', variables: { id: state.conference } }) },
    { mutation: 'deleteRecording', run: async () => ({ query: 'mutation($id: ID!) { deleteRecording(id: $id) { id } }', variables: { id: state.recording } }) },
    { mutation: 'hangupCall', run: async () => ({ query: 'mutation($id: ID!) { hangupCall(id: $id) { id } }', variables: { id: state.call } }) },
    {
      mutation: 'simulateInboundCall',
      run: async () => ({ query: 'mutation { simulateInboundCall(input: { from: "+14155550123", to: "+15125550102", ringTimeoutSecs: 600, talkSecs: 3600 }) { id } }' }),
      after: (d) => void (state.inbound = d.simulateInboundCall.id),
    },
    { mutation: 'answerCall', run: async () => ({ query: 'mutation($id: ID!) { answerCall(id: $id) { id } }', variables: { id: state.inbound } }) },
    {
      mutation: 'rejectCall',
      run: async () => {
        const rung = await rest(gw.url, 'POST', '/v1/test-helpers/inbound-calls', { key: t.key, body: { from: '+14155550124', to: '+15125550102', ring_timeout_secs: 600 } });
        if (rung.status !== 201) throw new Error(`could not ring the number: ${rung.status} ${rung.text}`);
        return { query: 'mutation($id: ID!) { rejectCall(id: $id) { id } }', variables: { id: rung.body.id } };
      },
    },
    {
      mutation: 'createEmergencyAddress',
      run: async () => ({ query: 'mutation { createEmergencyAddress(input: { streetAddress: "1 Example St", locality: "Austin", administrativeArea: "TX", postalCode: "78701", countryCode: "US" }) { id } }' }),
      after: (d) => void (state.address = d.createEmergencyAddress.id),
    },
    { mutation: 'attachEmergencyAddress', run: async () => ({ query: 'mutation($n: ID!, $a: ID!) { attachEmergencyAddress(phoneNumberId: $n, input: { emergencyAddressId: $a }) { id } }', variables: { n: state.number, a: state.address } }) },
    { mutation: 'detachEmergencyAddress', run: async () => ({ query: 'mutation($n: ID!) { detachEmergencyAddress(phoneNumberId: $n) { id } }', variables: { n: state.number } }) },
    { mutation: 'deleteEmergencyAddress', run: async () => ({ query: 'mutation($id: ID!) { deleteEmergencyAddress(id: $id) { id } }', variables: { id: state.address } }) },
    {
      mutation: 'createWebhookSubscription',
      run: async () => ({ query: 'mutation { createWebhookSubscription(input: { url: "https://hooks.example.com/audit", eventTypes: ["*"] }) { id } }' }),
      after: (d) => void (state.webhook = d.createWebhookSubscription.id),
    },
    { mutation: 'releasePhoneNumber', run: async () => ({ query: 'mutation($id: ID!) { releasePhoneNumber(id: $id) { id } }', variables: { id: state.number } }) },
    { mutation: 'updateWebhookSubscription', run: async () => ({ query: 'mutation($id: ID!) { updateWebhookSubscription(id: $id, input: { description: "audited" }) { id } }', variables: { id: state.webhook } }) },
    { mutation: 'rotateWebhookSigningSecret', run: async () => ({ query: 'mutation($id: ID!) { rotateWebhookSigningSecret(id: $id) { id } }', variables: { id: state.webhook } }) },
    {
      mutation: 'retryWebhookDelivery',
      run: async () => {
        const event = await inTransaction(gw.prisma, (tx) =>
          recordEvent(tx, { tenantId: t.tenantId, type: 'phone_number.released', resourceType: 'phone_number', resourceId: state.number, data: {}, occurredAt: new Date() }),
        );
        const delivery = await gw.prisma.webhookDelivery.create({
          data: { tenantId: t.tenantId, subscriptionId: state.webhook, eventId: event.id, eventType: event.type, resourceType: event.resourceType, resourceId: event.resourceId, sequence: BigInt(event.sequence), status: 'failed', retryUntil: new Date() },
        });
        return { query: 'mutation($id: ID!) { retryWebhookDelivery(id: $id) { id } }', variables: { id: delivery.id } };
      },
    },
    { mutation: 'deleteWebhookSubscription', run: async () => ({ query: 'mutation($id: ID!) { deleteWebhookSubscription(id: $id) { id } }', variables: { id: state.webhook } }) },
    {
      mutation: 'createPortingOrder',
      run: async () => {
        const loa = (await uploadDocument(gw.url, t.key, { documentType: 'loa', file: PDF })).body.id;
        const bill = (await uploadDocument(gw.url, t.key, { documentType: 'bill', file: PDF, filename: 'bill.pdf' })).body.id;
        return { query: 'mutation($docs: [ID!]) { createPortingOrder(input: { phoneNumbers: ["+13125550199"], documents: $docs }) { id } }', variables: { docs: [loa, bill] } };
      },
      after: (d) => void (state.portingOrder = d.createPortingOrder.id),
    },
    { mutation: 'cancelPortingOrder', run: async () => ({ query: 'mutation($id: ID!) { cancelPortingOrder(id: $id) { id } }', variables: { id: state.portingOrder } }) },
    { mutation: 'lookupNumber', run: async () => ({ query: 'mutation { lookupNumber(phoneNumber: "+15125550100", type: "carrier") { costCents } }' }) },
    {
      mutation: 'createSetupIntent',
      run: async () => ({ query: 'mutation { createSetupIntent { setupIntentId } }' }),
      after: async (d) => {
        const confirmed = await stripe.setupIntents.confirm(d.createSetupIntent.setupIntentId, { payment_method: 'pm_card_visa' });
        state.card = typeof confirmed.payment_method === 'string' ? confirmed.payment_method : confirmed.payment_method!.id;
      },
    },
    { mutation: 'setDefaultPaymentMethod', run: async () => ({ query: 'mutation($id: String!) { setDefaultPaymentMethod(id: $id) { id } }', variables: { id: state.card } }) },
    {
      mutation: 'topUp',
      run: async () => ({ query: 'mutation($pm: String!) { topUp(input: { amountCents: 2500, paymentMethodId: $pm }) { paymentId } }', variables: { pm: state.card } }),
      after: async (d) => {
        state.payment = d.topUp.paymentId;
        for (let i = 0; i < 200 && (await gw.prisma.payment.findUniqueOrThrow({ where: { id: state.payment } })).status !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 25));
      },
    },
    { mutation: 'refundPayment', run: async () => ({ query: 'mutation($id: ID!) { refundPayment(paymentId: $id, amountCents: 500) { id } }', variables: { id: state.payment } }) },
    { mutation: 'configureAutoRecharge', run: async () => ({ query: 'mutation($pm: String!) { configureAutoRecharge(input: { thresholdCents: 1000, amountCents: 2000, paymentMethodId: $pm }) { enabled } }', variables: { pm: state.card } }) },
    { mutation: 'disableAutoRecharge', run: async () => ({ query: 'mutation { disableAutoRecharge { enabled } }' }) },
    { mutation: 'removePaymentMethod', run: async () => ({ query: 'mutation($id: String!) { removePaymentMethod(id: $id) { id } }', variables: { id: state.card } }) },
    { mutation: 'subscribeToPlan', run: async () => ({ query: 'mutation { subscribeToPlan(input: { planSlug: "starter" }) { id } }' }) },
    { mutation: 'cancelSubscription', run: async () => ({ query: 'mutation { cancelSubscription { id } }' }) },
    { mutation: 'createApiKey', run: async () => ({ query: 'mutation { createApiKey(input: { name: "audited", scopes: ["numbers:read"] }) { id } }' }), after: (d) => void (state.key = d.createApiKey.id) },
    { mutation: 'revokeApiKey', run: async () => ({ query: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', variables: { id: state.key } }) },
  ];

  it('has a step for every mutation of the schema', () => {
    const mutations = rootFields(schema, 'Mutation').map((f) => f.name);
    const covered = new Set(steps.map((s) => s.mutation));
    expect(mutations.filter((m) => !covered.has(m))).toEqual([]);
    expect([...covered].filter((m) => !mutations.includes(m))).toEqual([]);
  });

  it('each mutation writes an audit row in its own request', async () => {
    const missing: string[] = [];
    for (const step of steps) {
      const { query, variables } = await step.run();
      const requestId = `audit-${step.mutation}-${Date.now()}`;
      const res = await gql(gw.url, query, { key: t.key, variables, headers: { 'x-request-id': requestId } });
      if (res.body.errors) throw new Error(`${step.mutation} failed: ${JSON.stringify(res.body.errors)}`);
      const rows = await rest(gw.url, 'GET', '/v1/audit?limit=200', { key: t.key });
      const mine = rows.body.data.filter((e: { request_id: string }) => e.request_id === requestId);
      if (mine.length === 0) missing.push(step.mutation);
      await step.after?.(res.body.data);
    }
    expect(missing).toEqual([]);
  }, 120_000);
});
