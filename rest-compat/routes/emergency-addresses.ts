import { queryInt, queryString, restList, RestRoute, toSnake } from '../route';
import { PHONE_NUMBER_DETAIL } from './numbers';

const ADDRESS_FIELDS = 'id streetAddress extendedAddress locality administrativeArea postalCode countryCode createdAt';

// Emergency addresses, and the emergency endpoint of a DID (the address its 911 calls are routed with).
export const emergencyAddressRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/emergency-addresses',
    summary: 'Register a validated US/CA emergency address',
    document: `mutation CreateEmergencyAddress($input: CreateEmergencyAddressInput!) { createEmergencyAddress(input: $input) { ${ADDRESS_FIELDS} } }`,
    bodyInput: 'CreateEmergencyAddressInput',
    shape: (data) => toSnake(data.createEmergencyAddress),
    status: 201,
  },
  {
    method: 'GET',
    path: '/emergency-addresses',
    summary: 'The tenant’s emergency addresses, newest first, cursor-paginated',
    document: `query EmergencyAddresses($first: Int, $after: String) {
      emergencyAddresses(first: $first, after: $after) { nodes { ${ADDRESS_FIELDS} } pageInfo { hasNextPage endCursor } }
    }`,
    variables: (req) => ({ first: queryInt(req, 'limit', { min: 1, max: 200 }), after: queryString(req, 'cursor') }),
    shape: (data) => restList(data.emergencyAddresses as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/emergency-addresses/:id',
    summary: 'One of the tenant’s emergency addresses',
    document: `query EmergencyAddress($id: ID!) { emergencyAddress(id: $id) { ${ADDRESS_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.emergencyAddress),
  },
  {
    method: 'DELETE',
    path: '/emergency-addresses/:id',
    summary: 'Delete an emergency address no number uses',
    document: `mutation DeleteEmergencyAddress($id: ID!) { deleteEmergencyAddress(id: $id) { ${ADDRESS_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.deleteEmergencyAddress),
  },
  {
    method: 'POST',
    path: '/numbers/:id/emergency-endpoint',
    summary: 'Attach an emergency address to an active US/CA number: it becomes emergency-capable',
    document: `mutation AttachEmergencyAddress($id: ID!, $input: AttachEmergencyAddressInput!) { attachEmergencyAddress(phoneNumberId: $id, input: $input) { ${PHONE_NUMBER_DETAIL} } }`,
    bodyInput: 'AttachEmergencyAddressInput',
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.attachEmergencyAddress),
  },
  {
    method: 'DELETE',
    path: '/numbers/:id/emergency-endpoint',
    summary: 'Detach the number’s emergency address: it is no longer emergency-capable',
    document: `mutation DetachEmergencyAddress($id: ID!) { detachEmergencyAddress(phoneNumberId: $id) { ${PHONE_NUMBER_DETAIL} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.detachEmergencyAddress),
  },
];
