import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestHandler } from 'express';
import { routeLabel } from './logging';

export interface Metrics {
  registry: Registry;
  middleware: RequestHandler;
  observeOperation(operation: string, type: string, outcome: string, seconds: number): void;
}

/** A registry per app instance, so tests that build several apps never collide on metric names. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const operations = new Counter({ name: 'graphql_operations_total', help: 'GraphQL operations by name and outcome', labelNames: ['operation', 'type', 'outcome'], registers: [registry] });
  const operationLatency = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operation latency',
    labelNames: ['operation', 'type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    middleware: (req, res, next) => {
      const end = latency.startTimer();
      res.on('finish', () => {
        const route = routeLabel(req, res);
        requests.inc({ method: req.method, route, status: String(res.statusCode) });
        end({ method: req.method, route });
      });
      next();
    },
    observeOperation(operation, type, outcome, seconds) {
      operations.inc({ operation, type, outcome });
      operationLatency.observe({ operation, type }, seconds);
    },
  };
}
