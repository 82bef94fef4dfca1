import { retryDelayMs } from '../../src/webhooks/delivery.jobs';
import { newSigningSecret, signatureHeader, verifySignature } from '../../src/webhooks/signature';
import { isBlockedAddress, validateTargetUrl } from '../../src/webhooks/target-url';

describe('webhook signatures', () => {
  const secret = newSigningSecret();
  const body = JSON.stringify({ id: 'evt', data: { amount_cents: 100 } });
  const now = 1_800_000_000;

  it('verify what is signed, within the tolerance only', () => {
    const header = signatureHeader(body, [secret], now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(body, header, secret, { nowSeconds: now + 299 })).toBe(true);
    expect(verifySignature(body, header, secret, { nowSeconds: now + 301 })).toBe(false);
    expect(verifySignature(body.replace('100', '101'), header, secret, { nowSeconds: now })).toBe(false);
    expect(verifySignature(body, header, newSigningSecret(), { nowSeconds: now })).toBe(false);
    expect(verifySignature(body, header.replace('t=1800000000', 't=1800000001'), secret, { nowSeconds: now })).toBe(false);
    expect(verifySignature(body, undefined, secret)).toBe(false);
    expect(verifySignature(body, 'garbage', secret)).toBe(false);
  });

  it('carry one v1 per secret during a rotation; either secret verifies', () => {
    const old = newSigningSecret();
    const header = signatureHeader(body, [secret, old], now);
    expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
    expect(verifySignature(body, header, secret, { nowSeconds: now })).toBe(true);
    expect(verifySignature(body, header, old, { nowSeconds: now })).toBe(true);
  });
});

describe('retry backoff', () => {
  const settings = { retryBaseMs: 1000, retryMaxDelayMs: 60_000 };
  it('doubles per attempt, capped, with jitter between half and the whole delay', () => {
    expect(retryDelayMs(1, settings, () => 0)).toBe(500);
    expect(retryDelayMs(1, settings, () => 1)).toBe(1000);
    expect(retryDelayMs(4, settings, () => 1)).toBe(8000);
    expect(retryDelayMs(30, settings, () => 1)).toBe(60_000);
    expect(retryDelayMs(30, settings, () => 0)).toBe(30_000);
  });
});

describe('webhook target URLs', () => {
  it.each(['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.100.100.200', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00:ec2::254', '::ffff:10.0.0.1', '224.0.0.1'])('blocks %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1'])('allows %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(false);
  });

  it('accepts only https URLs, and private targets only when allowed', async () => {
    await expect(validateTargetUrl('https://93.184.216.34/hook', { allowPrivateTargets: false })).resolves.toBe('https://93.184.216.34/hook');
    await expect(validateTargetUrl('http://93.184.216.34/hook', { allowPrivateTargets: false })).rejects.toMatchObject({ code: 'invalid_target_url' });
    await expect(validateTargetUrl('https://127.0.0.1:8443/hook', { allowPrivateTargets: false })).rejects.toMatchObject({ code: 'invalid_target_url' });
    await expect(validateTargetUrl('https://127.0.0.1:8443/hook', { allowPrivateTargets: true })).resolves.toBe('https://127.0.0.1:8443/hook');
    await expect(validateTargetUrl('', { allowPrivateTargets: true })).rejects.toMatchObject({ code: 'invalid_target_url' });
  });
});
