import { formatAmount } from './money';
import { PdfLine, renderPdf } from './pdf';
import { InvoiceRecord } from './records';

/** What an invoice says, once: both the PDF and the hosted page are rendered from these rows. */
interface InvoiceDocument {
  title: string;
  facts: Array<[string, string]>;
  lines: Array<{ description: string; quantity: string; amount: string }>;
  totals: Array<[string, string]>;
}

function isoDate(unix: number | null): string {
  return unix === null ? '—' : new Date(unix * 1000).toISOString().slice(0, 10);
}

export function invoiceDocument(invoice: InvoiceRecord): InvoiceDocument {
  const money = (amount: number) => formatAmount(amount, invoice.currency);
  const customer = [invoice.customer_name, invoice.customer_email].filter(Boolean).join(' <') + (invoice.customer_name && invoice.customer_email ? '>' : '');
  return {
    title: `Invoice ${invoice.number ?? invoice.id}`,
    facts: [
      ['Invoice number', invoice.number ?? '(draft)'],
      ['Date of issue', isoDate(invoice.status_transitions.finalized_at ?? invoice.created)],
      ...(invoice.due_date ? ([['Date due', isoDate(invoice.due_date)]] as Array<[string, string]>) : []),
      ['Status', invoice.status ?? 'draft'],
      ['Bill to', customer || String(invoice.customer)],
      ['Customer', String(invoice.customer)],
      ...(invoice.description ? ([['Memo', invoice.description]] as Array<[string, string]>) : []),
    ],
    lines: invoice.lines.data.map((line) => ({
      description: line.description ?? '(no description)',
      quantity: String(line.quantity ?? 1),
      amount: money(line.amount),
    })),
    totals: [
      ['Subtotal', money(invoice.subtotal)],
      ['Total', money(invoice.total)],
      ['Amount paid', money(invoice.amount_paid)],
      ['Amount due', money(invoice.amount_remaining)],
    ],
  };
}

const pad = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
const padStart = (text: string, width: number) => text.padStart(width);

export function invoicePdf(invoice: InvoiceRecord): Buffer {
  const doc = invoiceDocument(invoice);
  const rows: PdfLine[] = [
    { text: 'INVOICE', font: 'bold', size: 20 },
    { text: invoice.account_name ?? '', size: 10 },
    ...doc.facts.map(([label, value], i): PdfLine => ({ text: `${label}: ${value}`, gapBefore: i === 0 ? 14 : 0 })),
    { text: `${pad('Description', 52)}${padStart('Qty', 5)}${padStart('Amount', 16)}`, font: 'mono', gapBefore: 18 },
    { text: '-'.repeat(73), font: 'mono' },
    ...doc.lines.map((line): PdfLine => ({ text: `${pad(line.description, 52)}${padStart(line.quantity, 5)}${padStart(line.amount, 16)}`, font: 'mono' })),
    { text: '-'.repeat(73), font: 'mono' },
    ...doc.totals.map(([label, value]): PdfLine => ({ text: `${padStart(`${label}:`, 57)}${padStart(value, 16)}`, font: 'mono' })),
  ];
  return renderPdf(rows, { title: doc.title });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The hosted invoice page (Stripe's hosted_invoice_url), linking to the PDF. */
export function invoiceHtml(invoice: InvoiceRecord, pdfUrl: string): string {
  const doc = invoiceDocument(invoice);
  const facts = doc.facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const lines = doc.lines.map((l) => `<tr><td>${escapeHtml(l.description)}</td><td>${escapeHtml(l.quantity)}</td><td>${escapeHtml(l.amount)}</td></tr>`).join('');
  const totals = doc.totals.map(([k, v]) => `<tr><th colspan="2">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2rem auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px}td:last-child{text-align:right}</style>
</head><body><h1>${escapeHtml(doc.title)}</h1><table>${facts}</table><h2>Items</h2>
<table><tr><th>Description</th><th>Qty</th><th>Amount</th></tr>${lines}${totals}</table>
<p><a href="${escapeHtml(pdfUrl)}">Download PDF</a></p><p><small>Served by the local Stripe test server.</small></p></body></html>`;
}
