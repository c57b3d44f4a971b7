import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../lib/dev/host/start-host';
import { basicAuth, pollActivation, startFixtureHost } from './helpers';

// Echoed payloads are inspected ad hoc; their shape is what the assertions check.
type Json = Record<string, any>;

let host: Host;

beforeAll(async () => {
  ({ host } = await startFixtureHost());
});
afterAll(async () => {
  await host?.close();
});

function invoke(
  target: Host,
  fn: string,
  query: string,
  body: unknown,
  auth = basicAuth(target.apiKey),
  ns = target.namespace,
) {
  return fetch(`${target.url}/api/v1/namespaces/${ns}/actions/sample/${fn}?${query}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('OpenWhisk REST API', () => {
  it('serves the runtimes document at GET /api/v1', async () => {
    const res = await fetch(`${host.url}/api/v1`);
    expect(((await res.json()) as Json).runtimes).toEqual({
      nodejs: [{ kind: 'nodejs:18' }, { kind: 'nodejs:22', default: true }],
    });
  });

  it('answers 401 without or with a wrong Basic auth key', async () => {
    const none = await fetch(`${host.url}/api/v1/namespaces/fn-local/actions/sample/internal?blocking=true`, {
      method: 'POST',
    });
    expect(none.status).toBe(401);
    expect((await invoke(host, 'internal', 'blocking=true', {}, basicAuth('nope:nope'))).status).toBe(401);
    expect((await fetch(`${host.url}/api/v1/namespaces/fn-local/activations/abc`)).status).toBe(401);
  });

  it('invokes a web: false function blocking, as a non-web call (no http key), with the API key provided', async () => {
    const res = await invoke(
      host,
      'internal',
      'blocking=true&result=true',
      { mode: 'rest' },
      basicAuth(host.apiKey),
      '_',
    );
    expect(res.status).toBe(200);
    const result = (await res.json()) as Json;
    expect(result.received).toEqual({ projectParam: 'from-project', greeting: 'hello', mode: 'rest' });
    expect(result.env).toEqual({
      FIXTURE_VAR: 'fixture-value',
      PACKAGE_VAR: 'package-level',
      FUNCTION_VAR: 'function-level',
    });
    expect(result.apiKey).toBe(host.apiKey);
  });

  it('accepts a non-blocking invoke with 202 and serves the finished activation record', async () => {
    // Act
    const res = await invoke(host, 'internal', 'blocking=false', { mode: 'async' });
    // Assess
    expect(res.status).toBe(202);
    const { activationId } = (await res.json()) as Json;
    expect(activationId).toMatch(/^[0-9a-f]{32}$/);
    const record = await pollActivation(host, activationId as string);
    expect(record).toMatchObject({
      activationId,
      name: 'sample/internal',
      namespace: 'fn-local',
      response: { status: 'success', success: true },
    });
    expect((record.response as Json).result.received.mode).toBe('async');
    expect(record.logs).toEqual([
      expect.stringMatching(/stdout: internal: mode=async$/),
      expect.stringMatching(/stderr: internal: to stderr$/),
    ]);
    expect(record.end as number).toBeGreaterThanOrEqual(record.start as number);
  });

  it('answers 404 for an unknown activation and an unknown function', async () => {
    const res = await fetch(`${host.url}/api/v1/namespaces/fn-local/activations/${'0'.repeat(32)}`, {
      headers: { authorization: basicAuth(host.apiKey) },
    });
    expect(res.status).toBe(404);
    expect((await invoke(host, 'missing', 'blocking=true', {})).status).toBe(404);
  });

  it('reports a timeout in a blocking invoke as a 502 developer error', async () => {
    const res = await invoke(host, 'slow', 'blocking=true', {});
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json).response).toMatchObject({
      status: 'action developer error',
      result: { error: 'The action exceeded its time limits of 500 milliseconds.' },
    });
  });
});

describe('triggers', () => {
  it('fires a trigger on demand as a non-web invocation with withBody as params', async () => {
    const record = await host.fireTrigger('nightly-sample');
    expect(record.response?.result.received).toEqual({
      projectParam: 'from-project',
      greeting: 'hello',
      mode: 'nightly',
    });
  });

  it('fires over HTTP only with Basic auth', async () => {
    const url = `${host.url}/__host/triggers/nightly-sample`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    const res = await fetch(url, { method: 'POST', headers: { authorization: basicAuth(host.apiKey) } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).response.result.received.mode).toBe('nightly');
  });

  it('schedules enabled triggers in UTC only when asked to', async () => {
    expect(host.triggers()).toEqual([
      { name: 'nightly-sample', fn: 'sample/internal', cron: '0 6 * * *', enabled: true, nextRun: undefined },
    ]);
    const { host: scheduled } = await startFixtureHost({ schedule: true });
    try {
      const next = new Date(scheduled.triggers()[0]?.nextRun ?? '');
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([6, 0]);
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
    } finally {
      await scheduled.close();
    }
  });

  it('rejects an unknown trigger name', async () => {
    await expect(host.fireTrigger('nope')).rejects.toThrow(/unknown trigger 'nope'/);
  });
});

describe('namespace limits', () => {
  it('answers 429 when concurrent invocations exceed the limit', async () => {
    // Prepare
    const { host: tight } = await startFixtureHost({ limits: { concurrent: 2 } });
    try {
      // Act
      const accepted = await Promise.all([
        invoke(tight, 'wait', 'blocking=false', { ms: 2000 }),
        invoke(tight, 'wait', 'blocking=false', { ms: 2000 }),
      ]);
      const refused = await invoke(tight, 'wait', 'blocking=false', { ms: 1 });
      // Assess
      expect(accepted.map((r) => r.status)).toEqual([202, 202]);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as Json).error).toBe(
        'Too many concurrent requests in flight (count: 2, allowed: 2).',
      );
      expect(tight.stats()).toMatchObject({ peakConcurrency: 2, rejected429: 1 });
    } finally {
      await tight.close();
    }
  });

  it('counts web calls against the namespace limits too, and answers them 429 like DO', async () => {
    // Prepare
    const { host: tight } = await startFixtureHost({ limits: { concurrent: 1, perMinute: 2 } });
    const web = (ms: number) => fetch(`${tight.url}/api/v1/web/fn-local/sample/wait?ms=${ms}`);
    try {
      // Act
      const running = web(1500);
      await new Promise((r) => setTimeout(r, 200));
      const concurrent = await web(1);
      await running;
      const statuses = [(await web(1)).status, (await web(1)).status];

      // Assess
      expect(concurrent.status).toBe(429);
      expect(((await concurrent.json()) as Json).error).toBe(
        'Too many concurrent requests in flight (count: 1, allowed: 1).',
      );
      // Two admitted in the minute (the first web call, then one more), then the per-minute limit.
      expect(statuses).toEqual([200, 429]);
      expect(tight.stats()).toMatchObject({ rejected429: 2, invocationsPerMinuteMax: 2 });
    } finally {
      await tight.close();
    }
  });

  it('answers 429 past the per-minute invocation limit', async () => {
    const { host: tight } = await startFixtureHost({ limits: { perMinute: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await invoke(tight, 'internal', 'blocking=true', {})).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(tight.stats().invocationsPerMinuteMax).toBe(3);
    } finally {
      await tight.close();
    }
  });
});
