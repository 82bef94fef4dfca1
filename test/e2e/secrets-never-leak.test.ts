import { Writable } from 'node:stream';
import { callCarrierFrom } from '../../src/calls/carrier-adapter';
import { credit } from '../../src/billing/ledger.service';
import { createCarrierSimulator, CarrierSimulator } from '../../src/carrier';
import { createLogger } from '../../src/platform/http/logging';
import { bearer, createTestTenant, gql, rest, servicesOf, startTestGateway, TestGateway } from '../helpers/gateway';
import { startReceiver, Receiver, testWebhookSettings } from '../helpers/webhook-receiver';
import { wsClient } from '../helpers/ws';

// A realistic run (keys minted and revoked, a card saved and charged through the local Stripe server, a webhook
// subscription created and rotated, a call placed and delivered, and every kind of failure), then a grep of
// everything the gateway wrote down or shows: its log (the production logger, at trace), anything printed to
// the console, /metrics, the audit log, the events table, and every error message it answered. No secret it
// handled may appear in any of them.
describe('secrets never leak into logs, metrics, audit rows, events or error messages', () => {
  let gw: TestGateway;
  let sim: CarrierSimulator;
  let receiver: Receiver;
  let logged = '';
  const consoleOutput: string[] = [];
  const answers: string[] = [];
  const FROM = '+15125550100';
  const CARD = '4242424242424242';
  const CVC = '7391';

  beforeAll(async () => {
    const sink = new Writable({ write: (chunk, _enc, done) => void ((logged += String(chunk)), done()) });
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void consoleOutput.push(args.map((a) => (a instanceof Error ? `${a.stack} ${JSON.stringify(a)}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
    }
    sim = createCarrierSimulator({ seed: 'secrets', timeScale: 0.002 });
    receiver = await startReceiver();
    gw = await startTestGateway({ webhooks: testWebhookSettings(), logLevel: 'trace' }, { callCarrier: callCarrierFrom(sim), logger: createLogger('trace', sink) });
  });
  afterAll(async () => {
    await gw.close();
    sim.close();
    await receiver.close();
    jest.restoreAllMocks();
  });

  const call = async (method: string, path: string, key: string, body?: unknown, headers?: Record<string, string>) => {
    const r = await rest(gw.url, method, path, { key, body, headers });
    if (r.status >= 400) answers.push(r.text);
    return r;
  };
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('a full run leaves no key, signing secret, Stripe secret, card detail or client secret anywhere', async () => {
    const secrets: Record<string, string> = {};
    const admin = await createTestTenant(gw.prisma, { name: 'Secretive' });
    secrets['admin API key'] = admin.key;
    secrets['Stripe secret key'] = gw.stripe.local!.secretKey;
    secrets['Stripe webhook secret'] = gw.stripe.local!.webhookSecret;
    secrets['card number'] = CARD;

    // A key minted over the API, used, then revoked and used again.
    const minted = await call('POST', '/v1/api-keys', admin.key, { name: 'ci', scopes: ['admin'] });
    expect(minted.status).toBe(201);
    const key = minted.body.secret as string;
    secrets['minted API key'] = key;
    await credit(servicesOf(gw), { tenantId: admin.tenantId, kind: 'adjustment', amountCents: 10_000n, description: 'test funding' });
    await gw.prisma.phoneNumber.create({
      data: { tenantId: admin.tenantId, e164: FROM, countryCode: 'US', numberType: 'local', status: 'active', activationPriceCentsCustomer: 1n, monthlyPriceCentsCustomer: 1n, orderId: '00000000-0000-4000-8000-000000000001' },
    });

    // A webhook subscription over GraphQL (its secret shown once), then rotated over REST.
    const created = await gql(gw.url, 'mutation($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { id signingSecret } }', {
      key,
      variables: { input: { url: `${receiver.url}/hooks`, eventTypes: ['*'] } },
    });
    const subscription = created.body.data.createWebhookSubscription;
    secrets['signing secret'] = subscription.signingSecret;
    const rotated = await call('POST', `/v1/webhooks/${subscription.id}/rotate-secret`, key, { grace_period_seconds: 600 });
    expect(rotated.status).toBe(200);
    secrets['rotated signing secret'] = rotated.body.signing_secret;
    expect(secrets['rotated signing secret']).toMatch(/^whsec_/);

    // A card typed into the browser goes to Stripe (here the local server) with its number and CVC; the gateway
    // sees the PaymentMethod id, then charges it.
    const setup = await call('POST', '/v1/billing/setup-intent', key);
    secrets['SetupIntent client secret'] = setup.body.client_secret;
    const stripe = gw.stripe.payments.stripe;
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: CARD, exp_month: 12, exp_year: new Date().getUTCFullYear() + 2, cvc: CVC } });
    await stripe.setupIntents.confirm(setup.body.setup_intent_id, { payment_method: pm.id });
    const top = await call('POST', '/v1/billing/topup', key, { amount_cents: 5000, payment_method_id: pm.id }, { 'Idempotency-Key': 'secret-top-1' });
    expect(top.status).toBe(200);
    secrets['PaymentIntent client secret'] = top.body.client_secret;
    await until(async () => (await call('GET', '/v1/account', key)).body.balance.amount_cents === 15_000, 'the top-up to be credited');
    await call('POST', '/v1/billing/topup', key, { amount_cents: 5000, payment_method_id: pm.id }, { 'Idempotency-Key': 'secret-top-1' }); // a replay

    // A call, whose events are delivered to the subscription (signed with both secrets during the grace period).
    sim.controls.scriptNextCall('+15125550142', { outcome: 'answered', ringSeconds: 1, talkSeconds: 5 });
    const placed = await call('POST', '/v1/calls', key, { from: FROM, to: '+15125550142' }, { 'Idempotency-Key': 'secret-call-1' });
    expect(placed.status).toBe(201);
    await until(async () => Boolean((await call('GET', `/v1/calls/${placed.body.id}`, key)).body.ended_at), 'the call to end');
    await receiver.waitFor(1);

    // Failures: wrong, tampered, revoked and misplaced credentials, over HTTP and WebSocket.
    const tampered = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    secrets['tampered API key'] = tampered;
    const revokedId = minted.body.id as string;
    for (const wrong of [tampered, `${admin.key}x`, secrets['Stripe secret key'], secrets['signing secret'], 'vpk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      expect((await call('GET', '/v1/account', wrong)).status).toBe(401);
      const g = await gql(gw.url, '{ account { tenant { id } } }', { key: wrong });
      answers.push(JSON.stringify(g.body));
      const socket = wsClient(gw.wsUrl, { Authorization: `Bearer ${wrong}` });
      expect((await socket.closed).code).toBe(4401);
      await socket.dispose();
    }
    const malformed = await fetch(`${gw.url}/v1/account`, { headers: { Authorization: `Basic ${Buffer.from(`user:${key}`).toString('base64')}` } });
    answers.push(await malformed.text());
    expect((await call('DELETE', `/v1/api-keys/${revokedId}`, admin.key)).status).toBe(200);
    expect((await call('GET', '/v1/account', key)).body.error.code).toBe('invalid_credentials');

    // Stripe's events: a forged signature, and one signed with a wrong secret.
    for (const signature of ['t=1,v1=deadbeef', `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`]) {
      const forged = await fetch(`${gw.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: JSON.stringify({ id: 'evt_x', type: 'payment_intent.succeeded', data: { object: { client_secret: 'pi_forged_secret_x' } } }) });
      answers.push(await forged.text());
      expect(forged.status).toBe(400);
    }

    // Upstream and internal failures, whose causes are logged: Stripe answering 500 to a charge, and a database
    // refusing the insert of a new subscription (its fresh signing secret among the statement's values).
    gw.stripe.local!.controls.setFaults({ failNext: 10, failMatching: 'POST /v1/payment_intents' }); // past the SDK's retries
    const failedTop = await call('POST', '/v1/billing/topup', admin.key, { amount_cents: 2500, payment_method_id: pm.id });
    gw.stripe.local!.controls.resetFaults();
    expect(failedTop.body.error.code).toBe('upstream_error');
    await gw.prisma.$executeRawUnsafe(`ALTER TABLE webhook_subscriptions ADD CONSTRAINT leak_probe CHECK (url NOT LIKE '%/refused%') NOT VALID`);
    try {
      const refused = await call('POST', '/v1/webhooks', admin.key, { url: `${receiver.url}/refused`, event_types: ['*'] });
      expect(refused.status).toBe(500);
      expect(refused.body.error.code).toBe('internal_error');
      const viaGraphql = await gql(gw.url, 'mutation($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { id signingSecret } }', {
        key: admin.key,
        variables: { input: { url: `${receiver.url}/refused`, eventTypes: ['*'] } },
      });
      answers.push(JSON.stringify(viaGraphql.body));
      expect(viaGraphql.body.errors[0].extensions.code).toBe('internal_error');
    } finally {
      await gw.prisma.$executeRawUnsafe('ALTER TABLE webhook_subscriptions DROP CONSTRAINT leak_probe');
    }

    // Everything the gateway wrote down or shows.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const audit = JSON.stringify(await gw.prisma.$queryRawUnsafe('SELECT * FROM audit_log'), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    const events = JSON.stringify(await gw.prisma.$queryRawUnsafe('SELECT * FROM events'), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    const places: Record<string, string> = { log: logged, console: consoleOutput.join('\n'), metrics, audit, events, 'error messages': answers.join('\n') };

    // Guard against a grep that cannot fail: the places hold what this run did.
    expect(logged).toContain('/v1/billing/topup');
    expect(logged).toContain('unexpected');
    expect(logged).toContain('whsec_[redacted]'); // the refused insert's error quoted its values, scrubbed as written
    expect(audit).toContain('webhook_subscription.secret_rotated');
    expect(events).toContain('call.hangup');
    expect(metrics).toContain('/v1/calls');

    const leaks: string[] = [];
    for (const [place, text] of Object.entries(places)) {
      for (const [what, secret] of Object.entries(secrets)) {
        expect(secret.length).toBeGreaterThan(10);
        if (text.includes(secret)) leaks.push(`${what} in ${place}`);
      }
      // Whatever the exact values, nothing shaped like one of these secrets.
      const shapes: Record<string, RegExp> = {
        'an API key': /vpk_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}/,
        'a signing secret': /whsec_[A-Za-z0-9_-]{20,}/,
        'a Stripe secret key': /sk_(test|live)_[A-Za-z0-9]+/,
        'a client secret': /\b(pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/,
        'a card number': /4242[ -]?4242[ -]?4242[ -]?4242/,
        'a CVC': new RegExp(`"cvc"|\\b${CVC}\\b`),
      };
      for (const [what, shape] of Object.entries(shapes)) if (shape.test(text)) leaks.push(`${what} in ${place}: …${text.match(shape)![0]}…`);
    }
    expect(leaks).toEqual([]);
  });
});
