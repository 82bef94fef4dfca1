import { queryInt, queryString, restList, RestRoute } from '../route';

export const invoiceRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/billing/invoices',
    summary: 'Monthly invoices, newest first, cursor-paginated; each links to its Stripe-hosted PDF',
    document: `query Invoices($status: InvoiceStatus, $first: Int, $after: String) {
      invoices(status: $status, first: $first, after: $after) {
        nodes {
          id periodStart periodEnd status currency totalCents
          lines { kind description quantity unitAmountCents amountCents }
          invoicePdfUrl hostedInvoiceUrl createdAt
        }
        pageInfo { hasNextPage endCursor }
      }
    }`,
    variables: (req) => ({ status: queryString(req, 'status'), first: queryInt(req, 'limit', { min: 1, max: 200 }), after: queryString(req, 'cursor') }),
    shape: (data) => restList(data.invoices as Parameters<typeof restList>[0]),
  },
];
