import { RestRoute, toSnake } from '../route';

export const apiKeyRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/api-keys',
    summary: 'Mint an API key for the caller’s tenant (admin scope); the secret is returned once',
    document: 'mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { id name scopes expiresAt secret } }',
    bodyInput: 'CreateApiKeyInput',
    shape: (data) => toSnake(data.createApiKey),
    status: 201,
  },
  {
    method: 'DELETE',
    path: '/api-keys/:id',
    summary: 'Revoke an API key (admin scope); it stops working at once',
    document: 'mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { id name scopes expiresAt } }',
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.revokeApiKey),
  },
];
