// Unit tests of loadConfig: defaults, each setting's parsing and bounds, and every problem reported at once.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';

const cwd = '/srv/coffer';

/** The problems loadConfig reports for an environment (fails the test if it does not throw). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig', () => {
  it('has documented defaults for an empty environment', () => {
    const config = loadConfig({}, cwd);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      store: 'sqlite',
      databaseUrl: path.join(cwd, 'data', 'coffer.db'),
      databaseSchema: 'public',
      bootstrapApiKey: null,
      currencies: ['USD', 'INR'],
      fxRatesToUsd: { USD: '1', INR: '0.012' },
      idempotencyReplay: false,
      bodyBytesMax: 65536,
      allowNonDurable: false,
      apiKeyCacheMs: 5000,
    });
    expect(config.batchSizeMax).toBeGreaterThanOrEqual(1);
    expect(config.batchWaitMs).toBe(0);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({}, cwd);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it.each([
    ['', 'sqlite', path.join(cwd, 'data', 'coffer.db')],
    ['coffer.db', 'sqlite', path.join(cwd, 'coffer.db')],
    ['./var/x.db', 'sqlite', path.join(cwd, 'var', 'x.db')],
    ['/tmp/abs.db', 'sqlite', '/tmp/abs.db'],
    ['file:rel.db', 'sqlite', path.join(cwd, 'rel.db')],
    ['file:///tmp/url.db', 'sqlite', '/tmp/url.db'],
    ['file:/tmp/with%20space.db', 'sqlite', '/tmp/with space.db'],
    ['postgres://u@localhost:5432/db', 'postgres', 'postgres://u@localhost:5432/db'],
    ['postgresql://u@localhost/db', 'postgres', 'postgresql://u@localhost/db'],
  ])('reads DATABASE_URL %j as %s at %s', (url, store, databaseUrl) => {
    const config = loadConfig({ DATABASE_URL: url }, cwd);
    expect(config.store).toBe(store);
    expect(config.databaseUrl).toBe(databaseUrl);
  });

  it('refuses DATABASE_URL schemes it does not know', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://u@host/db' })).toEqual([expect.stringContaining('DATABASE_URL')]);
  });

  it('reads COFFER_DB_SCHEMA and refuses what is not a lower-case identifier', () => {
    expect(loadConfig({ COFFER_DB_SCHEMA: 't_abc123' }, cwd).databaseSchema).toBe('t_abc123');
    for (const schema of ['Upper', '1abc', 'a-b', 'a"; drop', 'x'.repeat(64)]) {
      expect(problemsOf({ COFFER_DB_SCHEMA: schema })).toEqual([expect.stringContaining('COFFER_DB_SCHEMA')]);
    }
  });

  it('reads currencies in any case with spaces, and refuses malformed ones', () => {
    expect(loadConfig({ COFFER_CURRENCIES: ' usd , inr ' }, cwd).currencies).toEqual(['USD', 'INR']);
    expect(problemsOf({ COFFER_CURRENCIES: 'USD,DOLLARS' })).toContainEqual(expect.stringContaining('not a 3-letter'));
    expect(problemsOf({ COFFER_CURRENCIES: 'USD,U1D' })).toContainEqual(expect.stringContaining('"U1D"'));
  });

  it('lists a currency named twice once', () => {
    expect(loadConfig({ COFFER_CURRENCIES: 'USD,INR,usd' }, cwd).currencies).toEqual(['USD', 'INR']);
  });

  it('reads FX rates, keeps the defaults for currencies it does not name, and pins USD to 1', () => {
    const config = loadConfig({ COFFER_CURRENCIES: 'USD,INR,EUR,JPY', COFFER_FX_RATES: 'eur=1.1, JPY = 0.0067 ,USD=2' }, cwd);
    expect(config.currencies).toEqual(['USD', 'INR', 'EUR', 'JPY']);
    expect(config.fxRatesToUsd).toEqual({ USD: '1', INR: '0.012', EUR: '1.1', JPY: '0.0067' });
    expect(loadConfig({ COFFER_FX_RATES: 'INR=0.0125' }, cwd).fxRatesToUsd.INR).toBe('0.0125');
  });

  it('refuses a wallet currency without a rate, and malformed rates', () => {
    expect(problemsOf({ COFFER_CURRENCIES: 'USD,EUR' })).toEqual([expect.stringContaining('no rate for wallet currency EUR')]);
    for (const rates of ['EUR', 'EUR=', 'EUR=-1', 'EUR=1,1', 'EUR=1e3', 'EUR=.5', 'EURO=1.1', 'EUR=1.1.1', 'EUR=0.0000000000001']) {
      const problems = problemsOf({ COFFER_CURRENCIES: 'USD,EUR', COFFER_FX_RATES: rates });
      expect(problems.some((p) => p.includes('COFFER_FX_RATES')), rates).toBe(true);
    }
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
    ['', false],
  ])('reads COFFER_IDEMPOTENCY_REPLAY=%j as %s', (raw, value) => {
    expect(loadConfig({ COFFER_IDEMPOTENCY_REPLAY: raw }, cwd).idempotencyReplay).toBe(value);
  });

  it('refuses a flag that is neither true nor false', () => {
    expect(problemsOf({ COFFER_IDEMPOTENCY_REPLAY: 'maybe' })).toEqual([expect.stringContaining('COFFER_IDEMPOTENCY_REPLAY')]);
  });

  it('reads integers within their bounds and refuses anything else', () => {
    const config = loadConfig({ PORT: '0', COFFER_BODY_BYTES_MAX: '1024', COFFER_API_KEY_CACHE_MS: '0', COFFER_BATCH_SIZE_MAX: '1' }, cwd);
    expect(config).toMatchObject({ port: 0, bodyBytesMax: 1024, apiKeyCacheMs: 0, batchSizeMax: 1 });
    for (const [name, raw] of [
      ['PORT', '65536'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['PORT', '1e3'],
      ['PORT', ' 80'],
      ['PORT', 'http'],
      ['COFFER_BODY_BYTES_MAX', '1023'],
      ['COFFER_BATCH_SIZE_MAX', '0'],
      ['COFFER_API_KEY_CACHE_MS', '99999999999999999999'],
    ]) {
      expect(problemsOf({ [name]: raw }), `${name}=${raw}`).toEqual([expect.stringContaining(name)]);
    }
  });

  it('requires a bootstrap key of at least 16 characters', () => {
    expect(loadConfig({ COFFER_BOOTSTRAP_API_KEY: 'k'.repeat(16) }, cwd).bootstrapApiKey).toBe('k'.repeat(16));
    expect(problemsOf({ COFFER_BOOTSTRAP_API_KEY: 'short' })).toEqual([expect.stringContaining('COFFER_BOOTSTRAP_API_KEY')]);
  });

  it('reads the payment processor settings: a URL needs a whsec_ secret, and neither takes credentials or garbage', () => {
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    expect(loadConfig({}, cwd)).toMatchObject({ paymentProcessorUrl: null, paymentProcessorSecret: null, paymentProcessorTimeoutMs: 10_000, paymentProcessorAllowPrivateUrls: false, paymentSimulatedDelayMs: 200 });
    const config = loadConfig({ COFFER_PAYMENT_PROCESSOR_URL: 'https://pay.example.com/coffer', COFFER_PAYMENT_PROCESSOR_SECRET: secret, COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS: '2500' }, cwd);
    expect(config).toMatchObject({ paymentProcessorUrl: 'https://pay.example.com/coffer', paymentProcessorSecret: secret, paymentProcessorTimeoutMs: 2500 });
    expect(problemsOf({ COFFER_PAYMENT_PROCESSOR_URL: 'https://pay.example.com/' })).toEqual([expect.stringContaining('COFFER_PAYMENT_PROCESSOR_SECRET must be set')]);
    expect(problemsOf({ COFFER_PAYMENT_PROCESSOR_URL: 'ftp://pay.example.com/', COFFER_PAYMENT_PROCESSOR_SECRET: secret })).toEqual([expect.stringContaining('http or https')]);
    expect(problemsOf({ COFFER_PAYMENT_PROCESSOR_URL: 'https://u:p@pay.example.com/', COFFER_PAYMENT_PROCESSOR_SECRET: secret })).toEqual([expect.stringContaining('credentials')]);
    expect(problemsOf({ COFFER_PAYMENT_PROCESSOR_URL: 'not a url', COFFER_PAYMENT_PROCESSOR_SECRET: secret })).toEqual([expect.stringContaining('absolute')]);
    expect(problemsOf({ COFFER_PAYMENT_PROCESSOR_SECRET: 'hunter2' })).toEqual([expect.stringContaining('whsec_')]);
    expect(problemsOf({ COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS: '5' })).toEqual([expect.stringContaining('COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS')]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      COFFER_CURRENCIES: 'USD,EUR',
      COFFER_IDEMPOTENCY_REPLAY: 'perhaps',
      COFFER_BOOTSTRAP_API_KEY: 'short',
    });
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'DATABASE_URL', 'EUR', 'COFFER_IDEMPOTENCY_REPLAY', 'COFFER_BOOTSTRAP_API_KEY']) {
      expect(problems.some((p) => p.includes(name)), name).toBe(true);
    }
    try {
      loadConfig({ PORT: 'eighty', COFFER_IDEMPOTENCY_REPLAY: 'perhaps' }, cwd);
    } catch (error) {
      expect((error as Error).message).toMatch(/invalid configuration:\n- PORT.*\n- COFFER_IDEMPOTENCY_REPLAY/s);
    }
  });
});
