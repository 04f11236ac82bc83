// Per-route access level and the request's authenticated principal, declared once for Fastify's types.
import type { Principal } from '../auth/authenticate.ts';

export type RouteAccess = 'public' | 'read' | 'write';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}
