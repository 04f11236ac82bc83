// Unit tests of the SSRF guard: which addresses webhooks may reach and which endpoint URLs are refused.
import { describe, expect, it } from 'vitest';
import { endpointUrlProblem, isForbiddenAddress } from '../../src/webhooks/url-guard.ts';

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:10.0.0.1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('endpointUrlProblem', () => {
  const strict = { allowPrivate: false };
  it('accepts public http and https URLs', () => {
    expect(endpointUrlProblem('https://hooks.example.com/coffer', strict)).toBeNull();
    expect(endpointUrlProblem('http://93.184.216.34:8080/x', strict)).toBeNull();
  });

  it.each([
    ['ftp://example.com/', /http or https/],
    ['not a url', /absolute/],
    ['https://user:pw@example.com/', /credentials/],
    ['http://127.0.0.1:9000/', /127\.0\.0\.1/],
    ['http://[::1]/', /::1/],
    ['http://169.254.169.254/latest/meta-data', /metadata/],
    ['http://localhost:3000/', /localhost/],
    [`https://example.com/${'a'.repeat(2100)}`, /at most 2048/],
  ])('refuses %s', (url, message) => {
    expect(endpointUrlProblem(url, strict)?.problem).toMatch(message);
  });

  it('allows private addresses only when told to', () => {
    expect(endpointUrlProblem('http://127.0.0.1:9000/', { allowPrivate: true })).toBeNull();
    expect(endpointUrlProblem('ftp://127.0.0.1/', { allowPrivate: true })?.problem).toMatch(/http or https/);
  });
});
