import { timingSafeEqual } from 'node:crypto';
import { StripeApiError } from './errors';
import { invoiceHtml, invoicePdf } from './invoice-document';
import { formatAmount } from './money';
import { PaymentIntentRecord, SetupIntentRecord } from './records';
import { ApiContext } from './router';
import { completeAction } from './test-controls';

/**
 * Pages Stripe hosts for people rather than for API clients: the hosted invoice page and its PDF (reachable by an
 * unguessable URL, no API key, like Stripe's signed URLs) and a stand-in for the bank's 3DS challenge page.
 */
export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

const html = (status: number, body: string): PageResponse => ({ status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body });
const notFound = (): PageResponse => html(404, '<!doctype html><title>Not found</title><h1>Not found</h1>');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** GET /i/:token (page) and /i/:token/pdf. */
export function invoicePage(ctx: ApiContext, token: string, pdf: boolean): PageResponse {
  const invoice = token.length >= 20 ? ctx.store.all('invoices').find((inv) => inv._token === token && inv.hosted_invoice_url) : undefined;
  if (!invoice) return notFound();
  if (pdf) {
    return {
      status: 200,
      headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': `inline; filename="Invoice-${invoice.number ?? invoice.id}.pdf"` },
      body: invoicePdf(invoice),
    };
  }
  return html(200, invoiceHtml(invoice, invoice.invoice_pdf ?? ''));
}

function sameSecret(a: string, b: string | null): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b ?? '');
  return left.length === right.length && timingSafeEqual(left, right);
}

function intentFor(ctx: ApiContext, id: string): PaymentIntentRecord | SetupIntentRecord | undefined {
  if (id.startsWith('pi_')) return ctx.store.find('payment_intents', id);
  if (id.startsWith('seti_')) return ctx.store.find('setup_intents', id);
  return undefined;
}

/** Where Stripe sends the customer back after a redirect: the return_url with the intent's id, secret and outcome. */
function returnLocation(intent: PaymentIntentRecord | SetupIntentRecord, returnUrl: string): string {
  const url = new URL(returnUrl);
  const kind = intent.object === 'payment_intent' ? 'payment_intent' : 'setup_intent';
  url.searchParams.set(kind, intent.id);
  url.searchParams.set(`${kind}_client_secret`, intent.client_secret ?? '');
  url.searchParams.set('redirect_status', intent.status === 'succeeded' ? 'succeeded' : 'failed');
  return url.toString();
}

/** GET shows the challenge; POST (outcome=complete|fail) answers it, then redirects to the return_url if there is one. */
export function threeDSecurePage(ctx: ApiContext, id: string, method: string, secret: string, outcome: string | undefined): PageResponse {
  const intent = intentFor(ctx, id);
  if (!intent || !sameSecret(secret, intent.client_secret)) return notFound();
  const what =
    intent.object === 'payment_intent' ? `a payment of ${formatAmount(intent.amount, intent.currency)}` : 'saving your card for future payments';
  if (method === 'GET') {
    const form = (value: string, label: string) =>
      `<form method="post"><input type="hidden" name="client_secret" value="${escapeHtml(secret)}"><input type="hidden" name="outcome" value="${value}"><button>${label}</button></form>`;
    const body =
      intent.status === 'requires_action'
        ? `<p>Your bank asks you to confirm ${escapeHtml(what)}.</p>${form('complete', 'Complete authentication')}${form('fail', 'Fail authentication')}`
        : `<p>Nothing to authenticate: this ${intent.object.replace('_', ' ')} is ${escapeHtml(intent.status)}.</p>`;
    return html(200, `<!doctype html><meta charset="utf-8"><title>3D Secure (test)</title><h1>3D Secure test page</h1>${body}`);
  }
  if (outcome !== 'complete' && outcome !== 'fail') return html(400, '<!doctype html><p>outcome must be complete or fail</p>');
  try {
    completeAction(ctx, id, outcome === 'complete');
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    return html(409, `<!doctype html><p>${escapeHtml(err.message)}</p>`);
  }
  if (intent._returnUrl) return { status: 303, headers: { Location: returnLocation(intent, intent._returnUrl) }, body: '' };
  return html(200, `<!doctype html><meta charset="utf-8"><h1>Authentication ${outcome === 'complete' ? 'completed' : 'failed'}</h1><p>Status: ${escapeHtml(intent.status)}</p>`);
}
