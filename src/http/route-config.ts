// Per-route access level and the request's authenticated principal, declared once for Fastify's types; routes deny by default.
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/authenticate.ts';

export const routeAccessLevels = ['public', 'read', 'write'] as const;
export type RouteAccess = (typeof routeAccessLevels)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export class RouteAccessError extends Error {
  constructor(method: string | string[], url: string) {
    super(`route ${[method].flat().join(',')} ${url} declares no access level: set config.access to 'public', 'read' or 'write'`);
    this.name = 'RouteAccessError';
  }
}

/**
 * Routes are denied by default: registering one without `config.access` throws, so the app refuses to start rather
 * than serve a route nobody decided the access of. Add this hook before any route is registered.
 */
export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

/** Returns the list of routes as they are registered, each with its access level. */
export function requireRouteAccess(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!routeAccessLevels.includes(access as RouteAccess)) throw new RouteAccessError(route.method, route.url);
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, access: access as RouteAccess });
  });
  return routes;
}
