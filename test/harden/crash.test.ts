import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness/context';
import { crashMatrix, headerSwaps } from './harness/crash';

describe('crashes at every Spaces request boundary, and forged headers', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('the host kills a function right after its N-th Spaces request, once per plan', async () => {
    expect(() => h.stack.host.crashAfterSpacesRequests('shopify/webhook', 0)).toThrow(RangeError);
    expect(() => h.stack.host.crashAfterSpacesRequests('no/such', 1)).toThrow(/unknown function/);
    const before = h.stack.host.crashStats();
    h.stack.host.crashAfterSpacesRequests('shopify/sync', 1);
    expect(h.stack.host.crashStats().pending).toBe(before.pending + 1);
    h.stack.host.clearCrashes();
    expect(h.stack.host.crashStats()).toEqual({ pending: 0, fired: before.fired });
  });

  let matrix: Awaited<ReturnType<typeof crashMatrix>>;
  const crashed = (fn: string) =>
    matrix.points.filter((p) => p.fn === fn && p.detail !== 'update lost without a crash');

  it('loses no acknowledged update when the shopify/flush job dies after any of its Spaces requests', async () => {
    matrix = await crashMatrix(h);
    const why = JSON.stringify(matrix.points);
    expect(crashed('shopify/webhook').length, why).toBeGreaterThan(1);
    expect(crashed('shopify/flush').length, why).toBeGreaterThan(1);
    expect(
      crashed('shopify/flush').filter((p) => !p.survived),
      why,
    ).toEqual([]);
  }, 600_000);

  // Known gap, owned by issue 11 (the dedupe design): the Webhook-Id claim is written before the pending record, so a
  // delivery killed between the two is answered "duplicate" on Shopify's retry and its update is lost. `it.fails`
  // turns red once that is fixed: then make this a plain `it`.
  it.fails('loses no acknowledged update when shopify/webhook dies after any of its Spaces requests', () => {
    expect(crashed('shopify/webhook').filter((p) => !p.survived)).toEqual([]);
  });

  it('ends every forged-header delivery with the catalog the Admin API returns; destructive swaps refused at the door', async () => {
    const swaps = await headerSwaps(h);
    expect(swaps.length).toBe(5);
    expect(swaps.filter((s) => !s.repaired)).toEqual([]);
    for (const s of swaps.filter((x) => /redact|uninstalled/.test(x.kind) && !/customers/.test(x.kind)))
      expect(s.answer).toBe(400);
  }, 240_000);
});
