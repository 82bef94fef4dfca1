import { invalidRequest } from '../errors';
import { createdFilter } from '../list';
import { Route } from '../router';

/** `type=payment_intent.*` style wildcards, as Stripe's events list accepts. */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (type) => type.startsWith(prefix);
  }
  return (type) => type === pattern;
}

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/events/:id',
    handler: (ctx) => {
      ctx.params.allow([]);
      return ctx.render(ctx.store.get('events', ctx.pathParams.id));
    },
  },
  {
    method: 'GET',
    path: '/v1/events',
    handler: (ctx) => {
      const params = ctx.params.allow(['type', 'types', 'created', 'delivery_success', 'limit', 'starting_after', 'ending_before']);
      const type = params.string('type');
      const types = params.strings('types');
      if (type !== undefined && types !== undefined) {
        throw invalidRequest('You may only specify one of these parameters: type, types.', { param: 'types', code: 'parameters_exclusive' });
      }
      const matchers = (types ?? (type !== undefined ? [type] : [])).map(typeMatcher);
      const delivered = params.boolean('delivery_success');
      const created = createdFilter(params);
      const items = ctx.store
        .all('events')
        .filter(
          (evt) =>
            (matchers.length === 0 || matchers.some((m) => m(evt.type))) &&
            (delivered === undefined || (evt.pending_webhooks === 0) === delivered) &&
            created(evt.created),
        );
      return ctx.list(items, '/v1/events');
    },
  },
];
