import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route } from '../../lib/dev/host/router';
import { startHarness, type Harness } from './harness/context';
import { jsonOf } from './harness/http';
import { checkAnswer } from './harness/properties';

// Defects the harness found, each kept as a regression test (see README "Reliability").
describe('regressions found by the hardening harness', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it.each(['/shopify/%', '/api/v1/web/fn-local/shopify/webhook/%2e%2e/%', '/api/v1/web/fn-local/%E0%A4%A/login', '/__host/triggers/%zz', '/api/v1/namespaces/%/actions/a'])(
    'the host answers a malformed percent escape in %s with a JSON 404, not a 500',
    async (path) => {
      // Act
      const res = await h.send({ method: 'GET', path });

      // Assess
      expect(res.status).toBe(404);
      expect(jsonOf(res)).toMatchObject({ error: expect.any(String) });
      expect(checkAnswer('host', { method: 'GET', path }, res)).toEqual([]);
    },
  );

  it('routes a malformed escape to not-found without throwing', () => {
    expect(route('/shopify/%zz', 'fn-local')).toEqual({ kind: 'not-found' });
    expect(route('/api/v1/namespaces/fn-local/actions/%E0%A4%A', 'fn-local')).toEqual({ kind: 'not-found' });
  });
});
