import type { RequestHandler } from 'express';
import { authenticate } from '../auth/authenticate';
import { PrismaClient } from '../db/client';

/**
 * Decides who is calling, once per request, and leaves the verdict in res.locals.auth. It does not refuse:
 * the operation that needs an actor raises the failure, so REST and GraphQL report it the same way.
 */
export function authenticateRequest(prisma: PrismaClient): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.auth = await authenticate(prisma, req.get('authorization'), res.locals.requestId);
      next();
    } catch (err) {
      next(err);
    }
  };
}
