import { invalidRequest } from '../../src/platform/errors';
import { queryInt, queryPhoneNumber, queryString, restList, RestRoute, toSnake } from '../route';

// The spec's PhoneNumber resource (order response, get, list); the configuration fields are readable on get/list.
const PHONE_NUMBER_FIELDS = 'id e164 countryCode numberType capabilities status monthlyPriceCentsCustomer activationPriceCentsCustomer connectionId orderedAt activatedAt releasedAt';
export const PHONE_NUMBER_DETAIL = `${PHONE_NUMBER_FIELDS} customerReference cnamLookupEnabled cnamDisplayName techPrefixEnabled inboundCallScreening messagingEnabled failureReason emergencyAddressId emergencyEnabled`;
const RESERVATION_FIELDS = 'id phoneNumbers status expiresAt createdAt releasedAt';
const CONNECTION_FIELDS = 'id name isDefault createdAt';

export const numberRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/numbers/available',
    summary: 'Search the inventory: numbers nobody holds or owns, with the customer price',
    document: `query AvailableNumbers($filter: AvailableNumbersFilter!) {
      availableNumbers(filter: $filter) { phoneNumber countryCode region locality numberType capabilities pricing { activationFeeCents monthlyFeeCents } }
    }`,
    variables: (req) => {
      const countryCode = queryString(req, 'country_code');
      if (!countryCode) throw invalidRequest('country_code is required', 'country_code');
      const features = queryString(req, 'features');
      return {
        filter: {
          countryCode,
          numberType: queryString(req, 'number_type'),
          nationalDestinationCode: queryString(req, 'national_destination_code'),
          locality: queryString(req, 'locality'),
          features: features === undefined ? undefined : features.split(','),
          limit: queryInt(req, 'limit', { min: 1, max: 100 }),
        },
      };
    },
    shape: (data) => {
      const list = data.availableNumbers as unknown[];
      return { data: toSnake(list), meta: { count: list.length } };
    },
  },
  {
    method: 'POST',
    path: '/number-reservations',
    summary: 'Hold numbers for 15 minutes: nobody else can reserve or buy them until expires_at',
    document: `mutation ReserveNumbers($input: ReserveNumbersInput!) { reserveNumbers(input: $input) { ${RESERVATION_FIELDS} } }`,
    bodyInput: 'ReserveNumbersInput',
    shape: (data) => toSnake(data.reserveNumbers),
    status: 201,
  },
  {
    method: 'GET',
    path: '/number-reservations/:id',
    summary: 'A reservation of the caller’s tenant',
    document: `query NumberReservation($id: ID!) { numberReservation(id: $id) { ${RESERVATION_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.numberReservation),
  },
  {
    method: 'DELETE',
    path: '/number-reservations/:id',
    summary: 'Let reserved numbers go before expiry',
    document: `mutation ReleaseNumberReservation($id: ID!) { releaseNumberReservation(id: $id) { ${RESERVATION_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.releaseNumberReservation),
  },
  {
    method: 'POST',
    path: '/numbers/order',
    summary: 'Buy numbers: the NRC is debited now (402 balance_insufficient otherwise), the numbers are pending until activated',
    document: `mutation OrderNumbers($input: OrderNumbersInput!) { orderNumbers(input: $input) { ${PHONE_NUMBER_FIELDS} } }`,
    bodyInput: 'OrderNumbersInput',
    shape: (data) => toSnake(data.orderNumbers),
    status: 201,
  },
  {
    method: 'GET',
    path: '/numbers',
    summary: 'The tenant’s numbers, newest first, cursor-paginated',
    document: `query PhoneNumbers($status: PhoneNumberStatus, $numberType: NumberType, $connectionId: ID, $first: Int, $after: String) {
      phoneNumbers(status: $status, numberType: $numberType, connectionId: $connectionId, first: $first, after: $after) {
        nodes { ${PHONE_NUMBER_DETAIL} }
        pageInfo { hasNextPage endCursor }
      }
    }`,
    variables: (req) => ({
      status: queryString(req, 'status'),
      numberType: queryString(req, 'number_type'),
      connectionId: queryString(req, 'connection_id'),
      first: queryInt(req, 'limit', { min: 1, max: 200 }),
      after: queryString(req, 'cursor'),
    }),
    shape: (data) => restList(data.phoneNumbers as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/numbers/lookup',
    summary: 'Look up any number (carrier or caller-name); billed per lookup',
    document: 'mutation LookupNumber($phoneNumber: String!, $type: String!) { lookupNumber(phoneNumber: $phoneNumber, type: $type) { phoneNumber type countryCode carrierName networkType ported callerName costCents } }',
    variables: (req) => ({ phoneNumber: queryPhoneNumber(req, 'phone_number') ?? '', type: queryString(req, 'type') ?? 'carrier' }),
    shape: (data) => {
      const r = data.lookupNumber as Record<string, unknown>;
      // Only the fields of the asked type.
      return toSnake(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)));
    },
  },
  {
    method: 'GET',
    path: '/numbers/:id',
    summary: 'One of the tenant’s numbers',
    document: `query PhoneNumber($id: ID!) { phoneNumber(id: $id) { ${PHONE_NUMBER_DETAIL} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.phoneNumber),
  },
  {
    method: 'PATCH',
    path: '/numbers/:id',
    summary: 'Configure an active number; only the fields sent change',
    document: `mutation UpdatePhoneNumber($id: ID!, $input: UpdatePhoneNumberInput!) { updatePhoneNumber(id: $id, input: $input) { ${PHONE_NUMBER_DETAIL} } }`,
    bodyInput: 'UpdatePhoneNumberInput',
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.updatePhoneNumber),
  },
  {
    method: 'DELETE',
    path: '/numbers/:id',
    summary: 'Release a number; the row stays queryable as released',
    document: `mutation ReleasePhoneNumber($id: ID!) { releasePhoneNumber(id: $id) { ${PHONE_NUMBER_DETAIL} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.releasePhoneNumber),
  },
  {
    method: 'GET',
    path: '/connection',
    summary: 'The tenant’s default connection',
    document: `query DefaultConnection { defaultConnection { ${CONNECTION_FIELDS} } }`,
    shape: (data) => toSnake(data.defaultConnection),
  },
  {
    method: 'GET',
    path: '/connections',
    summary: 'Every connection the tenant owns, default first',
    document: `query Connections { connections { ${CONNECTION_FIELDS} } }`,
    shape: (data) => ({ data: toSnake(data.connections) }),
  },
  {
    method: 'POST',
    path: '/connections',
    summary: 'Create another connection',
    document: `mutation CreateConnection($input: ConnectionInput!) { createConnection(input: $input) { ${CONNECTION_FIELDS} } }`,
    bodyInput: 'ConnectionInput',
    shape: (data) => toSnake(data.createConnection),
    status: 201,
  },
  {
    method: 'PATCH',
    path: '/connections/:id',
    summary: 'Rename a connection',
    document: `mutation RenameConnection($id: ID!, $input: ConnectionInput!) { renameConnection(id: $id, input: $input) { ${CONNECTION_FIELDS} } }`,
    bodyInput: 'ConnectionInput',
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.renameConnection),
  },
];
