import { invalidRequest } from '../../src/platform/errors';
import { queryInstant, queryInt, queryString, restList, RestRoute, toSnake } from '../route';

const SUBSCRIPTION_FIELDS = 'id url description eventTypes connectionId enabled disabledReason previousSecretExpiresAt createdAt updatedAt';
const DELIVERY_FIELDS =
  'id subscriptionId eventId eventType resourceType resourceId sequence status attemptCount nextAttemptAt lastStatusCode lastError completedAt createdAt attempts { attempt startedAt statusCode latencyMs error succeeded }';
const AUDIT_FIELDS = 'id actor actorKeyId action resourceType resourceId before after requestId createdAt';

/** before/after are the changed fields as stored (already snake_case): they are passed through untouched. */
function auditEntry(entry: Record<string, unknown>) {
  const { before, after, ...rest } = entry;
  return { ...(toSnake(rest) as Record<string, unknown>), before, after };
}

export const webhookRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/webhooks',
    summary: 'Subscribe an https URL to event types; the signing secret is in this answer only',
    document: `mutation CreateWebhookSubscription($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { ${SUBSCRIPTION_FIELDS} signingSecret } }`,
    bodyInput: 'CreateWebhookSubscriptionInput',
    shape: (data) => toSnake(data.createWebhookSubscription),
    status: 201,
  },
  {
    method: 'GET',
    path: '/webhooks',
    summary: 'The tenant’s webhook subscriptions, newest first',
    document: `query WebhookSubscriptions($first: Int, $after: String) { webhookSubscriptions(first: $first, after: $after) { nodes { ${SUBSCRIPTION_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
    variables: (req) => ({ first: queryInt(req, 'limit', { min: 1, max: 200 }), after: queryString(req, 'cursor') }),
    shape: (data) => restList(data.webhookSubscriptions as Parameters<typeof restList>[0]),
  },
  {
    method: 'GET',
    path: '/webhooks/:id',
    summary: 'One webhook subscription (without its secret)',
    document: `query WebhookSubscription($id: ID!) { webhookSubscription(id: $id) { ${SUBSCRIPTION_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.webhookSubscription),
  },
  {
    method: 'GET',
    path: '/webhooks/:id/signing-secret',
    summary: 'Always 404 signing_secret_unavailable: the secret is shown once, at creation or rotation',
    document: 'query WebhookSigningSecret($id: ID!) { webhookSubscription(id: $id) { id signingSecret } }',
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.webhookSubscription),
  },
  {
    method: 'PATCH',
    path: '/webhooks/:id',
    summary: 'Change url, event types, description or enabled; only the fields sent change',
    document: `mutation UpdateWebhookSubscription($id: ID!, $input: UpdateWebhookSubscriptionInput!) { updateWebhookSubscription(id: $id, input: $input) { ${SUBSCRIPTION_FIELDS} } }`,
    bodyInput: 'UpdateWebhookSubscriptionInput',
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.updateWebhookSubscription),
  },
  {
    method: 'DELETE',
    path: '/webhooks/:id',
    summary: 'Delete a subscription and its delivery history',
    document: `mutation DeleteWebhookSubscription($id: ID!) { deleteWebhookSubscription(id: $id) { ${SUBSCRIPTION_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.deleteWebhookSubscription),
  },
  {
    method: 'POST',
    path: '/webhooks/:id/rotate-secret',
    summary: 'A new signing secret (in this answer only); the old one keeps signing during the grace period',
    document: `mutation RotateWebhookSigningSecret($id: ID!, $input: RotateWebhookSecretInput) { rotateWebhookSigningSecret(id: $id, input: $input) { ${SUBSCRIPTION_FIELDS} signingSecret } }`,
    // The body is optional here: a bare POST rotates with the default grace period.
    variables: (req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const unknown = Object.keys(body).filter((k) => k !== 'grace_period_seconds');
      if (unknown.length) throw invalidRequest(`Unknown field: ${unknown[0]}`, unknown[0]);
      return { id: req.params.id, input: body.grace_period_seconds === undefined ? null : { gracePeriodSeconds: body.grace_period_seconds } };
    },
    shape: (data) => toSnake(data.rotateWebhookSigningSecret),
  },
  {
    method: 'GET',
    path: '/webhook-deliveries',
    summary: 'Deliveries, newest first, each with every attempt (status code, latency, error)',
    document: `query WebhookDeliveries($subscriptionId: ID, $eventType: String, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
      webhookDeliveries(subscriptionId: $subscriptionId, eventType: $eventType, status: $status, first: $first, after: $after) { nodes { ${DELIVERY_FIELDS} } pageInfo { hasNextPage endCursor } }
    }`,
    variables: (req) => ({
      subscriptionId: queryString(req, 'subscription_id'),
      eventType: queryString(req, 'event_type'),
      status: queryString(req, 'status'),
      first: queryInt(req, 'limit', { min: 1, max: 200 }),
      after: queryString(req, 'cursor'),
    }),
    shape: (data) => restList(data.webhookDeliveries as Parameters<typeof restList>[0]),
  },
  {
    method: 'POST',
    path: '/webhook-deliveries/:id/retry',
    summary: 'Send a delivery again now',
    document: `mutation RetryWebhookDelivery($id: ID!) { retryWebhookDelivery(id: $id) { ${DELIVERY_FIELDS} } }`,
    variables: (req) => ({ id: req.params.id }),
    shape: (data) => toSnake(data.retryWebhookDelivery),
    status: 202,
  },
  {
    method: 'GET',
    path: '/audit',
    summary: 'The tenant’s audit log, newest first',
    document: `query AuditLog($resourceType: String, $resourceId: String, $actor: String, $from: DateTimeISO, $to: DateTimeISO, $first: Int, $after: String) {
      auditLog(resourceType: $resourceType, resourceId: $resourceId, actor: $actor, from: $from, to: $to, first: $first, after: $after) { nodes { ${AUDIT_FIELDS} } pageInfo { hasNextPage endCursor } }
    }`,
    variables: (req) => ({
      resourceType: queryString(req, 'resource_type'),
      resourceId: queryString(req, 'resource_id'),
      actor: queryString(req, 'actor'),
      from: queryInstant(req, 'from'),
      to: queryInstant(req, 'to'),
      first: queryInt(req, 'limit', { min: 1, max: 200 }),
      after: queryString(req, 'cursor'),
    }),
    shape: (data) => {
      const page = data.auditLog as { nodes: Record<string, unknown>[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      return { data: page.nodes.map(auditEntry), meta: { next_cursor: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null } };
    },
  },
];
