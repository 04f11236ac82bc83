// The shape of the tree, checked: imports point down, domains never import the HTTP layer, routes deny by default.
import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { RouteAccessError, requireRouteAccess, routeAccessLevels } from '../src/http/route-config.ts';
import { storeKinds } from './support/stores.ts';
import { startTestApp } from './support/test-app.ts';

const srcDir = new URL('../src/', import.meta.url).pathname;

/** Every .ts file under src/, with the src-relative paths of the local modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        const text = fs.readFileSync(full, 'utf8');
        const imports = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)]
          .map((m) => m[1] ?? m[2] ?? m[3])
          .map((specifier) => path.relative(srcDir, path.resolve(path.dirname(full), specifier)));
        graph.set(path.relative(srcDir, full), imports);
      }
    }
  };
  walk(srcDir);
  return graph;
}

const folderOf = (file: string) => file.split(path.sep)[0];
/** Folders of domain logic and infrastructure below the HTTP layer. */
const domainFolders = ['analytics', 'auth', 'billing', 'businesses', 'config', 'credits', 'customers', 'db', 'holds', 'jobs', 'ledger', 'outbox', 'payments', 'recharges', 'shared', 'subscriptions', 'webhooks'];

describe('import graph', () => {
  const graph = importGraph();

  it('reads the whole tree', () => {
    expect(graph.size).toBeGreaterThan(30);
    expect(graph.get(path.join('app', 'coffer.ts'))).toContain(path.join('http', 'app.ts'));
  });

  it('domain folders never import src/http, src/api, src/app or src/cli', () => {
    const offending = [...graph].flatMap(([file, imports]) =>
      domainFolders.includes(folderOf(file)) ? imports.filter((target) => ['http', 'api', 'app', 'cli'].includes(folderOf(target))).map((target) => `${file} → ${target}`) : [],
    );
    expect(offending).toEqual([]);
  });

  it('src/http is plumbing: it knows no service, repository or route, only error codes, auth and shared pieces', () => {
    const offending = [...graph].flatMap(([file, imports]) =>
      folderOf(file) === 'http'
        ? imports
            .filter((target) => domainFolders.includes(folderOf(target)) && !['config', 'shared', 'auth', 'db'].includes(folderOf(target)))
            .filter((target) => !target.endsWith('-errors.ts'))
            .map((target) => `${file} → ${target}`)
        : [],
    );
    expect(offending).toEqual([]);
  });

  it('only the CLI and the operator tools (demo) build the app through the composition root; routes live in src/api', () => {
    const builders = [...graph].filter(([, imports]) => imports.includes(path.join('app', 'coffer.ts'))).map(([file]) => folderOf(file));
    expect(new Set(builders)).toEqual(new Set(['cli', 'ops']));
    const routeFiles = [...graph.keys()].filter((file) => file.endsWith('-routes.ts') && folderOf(file) !== 'http');
    expect(routeFiles.every((file) => folderOf(file) === 'api')).toBe(true);
  });

  it('src/dashboard calls services: never the ledger writer, its stores or repositories, jobs, src/http or src/api', () => {
    const allowedLedger = ['ledger-service.ts', 'low-balance-service.ts', 'commands.ts'];
    const offending = [...graph].flatMap(([file, imports]) =>
      folderOf(file) === 'dashboard'
        ? imports
            .filter(
              (target) =>
                ['http', 'api', 'app', 'cli', 'jobs', 'outbox'].includes(folderOf(target)) ||
                (folderOf(target) === 'ledger' && !allowedLedger.includes(path.basename(target))) ||
                (/-repo\.ts$/.test(target) && folderOf(target) !== 'dashboard'),
            )
            .map((target) => `${file} → ${target}`)
        : [],
    );
    expect(offending).toEqual([]);
    expect([...graph.keys()].filter((file) => folderOf(file) === 'dashboard').length).toBeGreaterThan(5);
  });

  it('domain code reads time only from the injected clock', () => {
    const offending = [...graph.keys()]
      .filter((file) => domainFolders.includes(folderOf(file)) && !file.endsWith(path.join('shared', 'clock.ts')))
      .filter((file) => /Date\.now\(\)|new Date\(\)/.test(fs.readFileSync(path.join(srcDir, file), 'utf8')));
    expect(offending).toEqual([]);
  });
});

describe('routes deny by default', () => {
  it('a route registered without an access level makes the app refuse to start', async () => {
    const app = Fastify();
    requireRouteAccess(app);
    app.get('/ok', { config: { access: 'public' } }, async () => ({}));
    app.register(async (child) => {
      child.get('/forgotten', async () => ({}));
    });
    await expect(app.ready()).rejects.toThrow(RouteAccessError);
    await expect(app.ready()).rejects.toThrow(/GET \/forgotten declares no access level/);
  });

  it('an unknown access level is refused as well', async () => {
    const app = Fastify();
    requireRouteAccess(app);
    expect(() => app.get('/typo', { config: { access: 'reed' as never } }, async () => ({}))).toThrow(RouteAccessError);
  });

  it.each(storeKinds)('every route of the real app declares one [%s]', async (kind) => {
    const t = await startTestApp(kind);
    try {
      const routes = t.coffer.routes;
      expect(routes.length).toBeGreaterThan(8);
      for (const route of routes) expect(routeAccessLevels).toContain(route.access);
      const accessOf = (method: string, url: string) => routes.find((r) => r.method === method && r.url === url)?.access;
      expect(accessOf('POST', '/customers/:customer_id/wallets/ledger-entries')).toBe('write');
      expect(accessOf('GET', '/customers')).toBe('read');
      expect(accessOf('GET', '/healthz')).toBe('public');
      // Every route the server answers is in the list: an unknown one is a 404, a listed one is not.
      for (const route of routes.filter((r) => r.method === 'GET' && !r.url.includes(':') && !r.url.includes('*'))) {
        expect((await t.request('GET', route.url)).statusCode, route.url).not.toBe(404);
      }
    } finally {
      await t.close();
    }
  });
});
