import { invalidRequest } from '../../src/platform/errors';
import { queryInt, queryPhoneNumbers, queryString, restList, RestRoute, toSnake } from '../route';

// Porting in. Registered before the numbers routes, so /numbers/portability-check and /numbers/porting-… are
// not taken for /numbers/{id}. The document upload (multipart) is rest-compat/porting-documents-http.ts.

const PORTABILITY_FIELDS = 'phoneNumber countryCode portable reason fastPortable losingCarrier numberType';
const CSR_FIELDS = 'phoneNumber covered csr { accountNumber entityName streetAddress locality administrativeArea postalCode countryCode losingCarrier }';
export const PORTING_DOCUMENT_FIELDS = 'id documentType filename contentType sizeBytes sha256 createdAt';
const PORTING_ORDER_FIELDS = `id status phoneNumbers numbers { phoneNumber countryCode numberType fastPortable status focAt phoneNumberId failureReason }
  documentIds userFeedback { comment } endUser { entityName accountNumber postalCode } focDate statusChangedAt portedAt cancelledAt createdAt`;

/** The REST resource: `documents` holds the ids, as in the request that created it. */
function portingOrderShape(order: unknown) {
  const { document_ids: documents, ...rest } = toSnake(order) as Record<string, unknown>;
  return { ...rest, documents };
}

function phoneNumbersParam(numbers: string[] | undefined): string[] {
  if (!numbers) throw invalidRequest('phone_numbers is required (comma-separated E.164 numbers)', 'phone_numbers');
  return numbers.map((n) => n.trim());
}

export const portingRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/numbers/portability-check',
    summary: 'Porting pre-flight: whether each number can be ported in, and how',
    document: `query PortabilityCheck($phoneNumbers: [String!]!) { portabilityCheck(phoneNumbers: $phoneNumbers) { ${PORTABILITY_FIELDS} } }`,
    variables: (req) => ({ phoneNumbers: phoneNumbersParam(queryPhoneNumbers(req, 'phone_numbers')) }),
    shape: (data) => ({ data: toSnake(data.portabilityCheck) }),
  },
  {
    method: 'POST',
    path: '/numbers/csr-coverage',
    summary: 'The losing carrier’s Customer Service Record of each number',
    document: `query CsrCoverage($input: CsrCoverageInput!) { csrCoverage(input: $input) { ${CSR_FIELDS} } }`,
    bodyInput: 'CsrCoverageInput',
    shape: (data) => ({ data: toSnake(data.csrCoverage) }),
  },
  {
    method: 'GET',
    path: '/numbers/porting-documents',
    summary: 'The tenant’s porting documents, newest first, cursor-paginated',
    document: `query PortingDocuments($first: Int, $after: String) {
      portingDocuments(first: $first, after: $after) { nodes { ${PORTING_DOCUMENT_FIELDS} } pageInfo { hasNextPage endCursor } }
    }`,
    variables: (req) => ({ first: queryInt(req, 'limit', { min: 1, max: 200 }), after: queryString(req, 'cursor') }),
    shape: (data) => restList(data.portingDocuments as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/numbers/porting-documents/:id',
    summary: 'One of the tenant’s porting documents (metadata)',
    document: `query PortingDocument($id: ID!) { portingDocument(id: $id) { ${PORTING_DOCUMENT_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.portingDocument),
  },
  {
    method: 'POST',
    path: '/numbers/porting-orders',
    summary: 'Submit a porting order; it moves through its states over business days',
    document: `mutation CreatePortingOrder($input: CreatePortingOrderInput!) { createPortingOrder(input: $input) { ${PORTING_ORDER_FIELDS} } }`,
    bodyInput: 'CreatePortingOrderInput',
    shape: (data) => portingOrderShape(data.createPortingOrder),
    status: 201,
  },
  {
    method: 'GET',
    path: '/numbers/porting-orders',
    summary: 'The tenant’s porting orders, newest first, cursor-paginated',
    document: `query PortingOrders($status: PortingOrderStatus, $first: Int, $after: String) {
      portingOrders(status: $status, first: $first, after: $after) { nodes { ${PORTING_ORDER_FIELDS} } pageInfo { hasNextPage endCursor } }
    }`,
    variables: (req) => ({ status: queryString(req, 'status'), first: queryInt(req, 'limit', { min: 1, max: 200 }), after: queryString(req, 'cursor') }),
    shape: (data) => {
      const page = data.portingOrders as { nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      return { data: page.nodes.map(portingOrderShape), meta: { next_cursor: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null } };
    },
  },
  {
    method: 'GET',
    path: '/numbers/porting-orders/:id',
    summary: 'One of the tenant’s porting orders',
    document: `query PortingOrder($id: ID!) { portingOrder(id: $id) { ${PORTING_ORDER_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => portingOrderShape(data.portingOrder),
  },
  {
    method: 'POST',
    path: '/numbers/porting-orders/:id/cancel',
    summary: 'Cancel a porting order before any of its numbers has moved',
    document: `mutation CancelPortingOrder($id: ID!) { cancelPortingOrder(id: $id) { ${PORTING_ORDER_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => portingOrderShape(data.cancelPortingOrder),
  },
];
