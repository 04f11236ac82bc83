// A browser-like client of the dashboard over inject: keeps cookies, reads the CSRF token and the entry form's key.
import type { FastifyInstance } from 'fastify';

const form = 'application/x-www-form-urlencoded';

export const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
export const keyOf = (body: string) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1] ?? '';

/** Talks to `app` (the cookie jar can be handed to another app on the same database: `client(other, jar)`). */
export function client(app: Pick<FastifyInstance, 'inject'>, jar = new Map<string, string>()) {
  const remember = (setCookie: string | string[] | undefined) => {
    for (const line of [setCookie ?? []].flat()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair.split('=');
      if (attributes.some((a) => a.trim() === 'Max-Age=0')) jar.delete(name);
      else jar.set(name, value);
    }
  };
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const send = async (method: 'GET' | 'POST', url: string, body?: Record<string, string>, headers: Record<string, string> = {}) => {
    const response = await app.inject({
      method,
      url,
      headers: { cookie: cookie(), ...(body ? { 'content-type': form } : {}), ...headers },
      ...(body ? { payload: new URLSearchParams(body).toString() } : {}),
    });
    remember(response.headers['set-cookie'] as string | string[] | undefined);
    return response;
  };
  return {
    jar,
    get: (url: string, headers?: Record<string, string>) => send('GET', url, undefined, headers),
    post: (url: string, body: Record<string, string>, headers?: Record<string, string>) => send('POST', url, body, headers),
    async signIn(apiKey: string) {
      const page = await send('GET', '/dashboard/sign-in');
      const response = await send('POST', '/dashboard/sign-in', { _csrf: csrfOf(page.body), api_key: apiKey });
      return { page, response };
    },
  };
}
