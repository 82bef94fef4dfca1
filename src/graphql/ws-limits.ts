import { ApiError } from '../platform/errors';

export interface SubscriptionLimits {
  perSocket: number;
  /** Across this instance's sockets; each instance behind a load balancer counts its own. */
  perTenant: number;
}

/**
 * Counts live GraphQL subscriptions per WebSocket and per tenant, so one client (or one tenant's many) cannot
 * hold unbounded server-side streams. Over the limit a new subscription is refused with a message that says
 * which limit; the others keep running.
 */
export class SubscriptionLimiter {
  private readonly bySocket = new Map<string, { tenantId: string; ids: Set<string> }>();
  private readonly byTenant = new Map<string, number>();

  constructor(private readonly limits: SubscriptionLimits) {}

  /** Registers subscription `id` of a socket, or answers why it is refused. */
  acquire(socketId: string, tenantId: string, id: string): ApiError | null {
    const socket = this.bySocket.get(socketId) ?? { tenantId, ids: new Set<string>() };
    if (socket.ids.has(id)) return null;
    if (socket.ids.size >= this.limits.perSocket) {
      return new ApiError('rate_limited', `This connection already has ${socket.ids.size} active subscriptions, the most one WebSocket may hold (${this.limits.perSocket}); complete one first`);
    }
    const tenantCount = this.byTenant.get(tenantId) ?? 0;
    if (tenantCount >= this.limits.perTenant) {
      return new ApiError('rate_limited', `Your account already has ${tenantCount} active subscriptions, the most a tenant may hold (${this.limits.perTenant}); complete some first`);
    }
    socket.ids.add(id);
    this.bySocket.set(socketId, socket);
    this.byTenant.set(tenantId, tenantCount + 1);
    return null;
  }

  release(socketId: string, id: string): void {
    const socket = this.bySocket.get(socketId);
    if (!socket?.ids.delete(id)) return;
    this.decrement(socket.tenantId, 1);
    if (socket.ids.size === 0) this.bySocket.delete(socketId);
  }

  releaseSocket(socketId: string): void {
    const socket = this.bySocket.get(socketId);
    if (!socket) return;
    this.bySocket.delete(socketId);
    this.decrement(socket.tenantId, socket.ids.size);
  }

  activeFor(tenantId: string): number {
    return this.byTenant.get(tenantId) ?? 0;
  }

  private decrement(tenantId: string, by: number): void {
    const left = (this.byTenant.get(tenantId) ?? 0) - by;
    if (left > 0) this.byTenant.set(tenantId, left);
    else this.byTenant.delete(tenantId);
  }
}
