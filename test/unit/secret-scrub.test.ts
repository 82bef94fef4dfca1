import { scrubSecrets } from '../../src/platform/secret-scrub';

describe('scrubSecrets', () => {
  it('cuts every secret shape and keeps the public ids around them', () => {
    const line = JSON.stringify({
      msg: 'Invalid `prisma.webhookSubscription.create()` invocation: signingSecret: "whsec_AbC-12_xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxy"',
      key: 'Bearer vpk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      stripe: 'sk_test_local and rk_live_51Hxyz',
      intent: 'pi_3Nabc123_secret_Zyx987 seti_1Mabc_secret_Q1w2',
      card: '4242 4242 4242 4242 / 4000-0566-5566-5556 / 378282246310005',
    });
    const scrubbed = scrubSecrets(line);
    expect(scrubbed).not.toMatch(/whsec_[A-Za-z0-9]|AAAAAAAA|sk_test_local|rk_live_51|secret_Zyx|secret_Q1w2|4242 4242|0566-5566|378282246310005/);
    expect(scrubbed).toContain('vpk_0123456789abcdef_[redacted]');
    expect(scrubbed).toContain('pi_3Nabc123_secret_[redacted]');
    expect(() => JSON.parse(scrubbed)).not.toThrow();
  });

  it('leaves timestamps, ids and amounts alone', () => {
    const line = '{"time":1763906400123,"ms":12.5,"id":"4111111111111112","amount_cents":5000,"requestId":"6f1c2e0a-0000-4000-8000-000000000001"}';
    expect(scrubSecrets(line)).toBe(line);
  });
});
