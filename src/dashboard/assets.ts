// The dashboard's static assets: htmx and uPlot read from node_modules, and the dashboard's own stylesheet and script.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dashboardCss, dashboardScript } from './client.ts';

const resolve = createRequire(import.meta.url).resolve;

interface Asset {
  type: string;
  load: () => Promise<Buffer>;
}

const fromPackage = (specifier: string, type: string): Asset => ({ type, load: () => fs.readFile(resolve(specifier)) });
const fromText = (text: string, type: string): Asset => ({ type, load: async () => Buffer.from(text) });

const javascript = 'text/javascript; charset=utf-8';
const css = 'text/css; charset=utf-8';

/** Served at /dashboard/assets/<name>; nothing else is (no file path comes from the request). */
export const dashboardAssets: Readonly<Record<string, Asset>> = {
  'htmx.min.js': fromPackage('htmx.org/dist/htmx.min.js', javascript),
  'uPlot.iife.min.js': fromPackage('uplot/dist/uPlot.iife.min.js', javascript),
  'uPlot.min.css': fromPackage('uplot/dist/uPlot.min.css', css),
  'dashboard.css': fromText(dashboardCss, css),
  'dashboard.js': fromText(dashboardScript, javascript),
};

/** Each asset read once, on its first request. */
export function assetCache(): (name: string) => Promise<{ type: string; body: Buffer } | undefined> {
  const loaded = new Map<string, Promise<Buffer>>();
  return async (name) => {
    const asset = Object.hasOwn(dashboardAssets, name) ? dashboardAssets[name] : undefined;
    if (!asset) return undefined;
    let body = loaded.get(name);
    if (!body) {
      body = asset.load();
      loaded.set(name, body);
      body.catch(() => loaded.delete(name));
    }
    return { type: asset.type, body: await body };
  };
}
