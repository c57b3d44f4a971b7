import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPage, getPageRecord, markPage } from '../../../lib/facebook/registry';
import { connectShop, getShopRecord, markShop } from '../../../lib/shopify/connection';
import type { ObjectStore } from '../../../lib/storage/store';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';

const UUID_A = '550e8400-e29b-41d4-a716-446655440000';
const UUID_B = '550e8400-e29b-41d4-a716-446655440001';
const SHOP = 'marks.myshopify.com';

// Registry records are changed by compare-and-swap: a sync that finds its token revoked must not condemn the
// connection a new login made meanwhile, and two writers at once must not lose each other's change.
describe('registry marks', () => {
  let t: TestSpaces;
  let store: ObjectStore;
  beforeAll(async () => {
    t = await startTestSpaces();
    store = t.appStore();
  });
  afterAll(async () => t?.cleanup());

  it('a failed sync marks the shop it read, but not one reconnected since', async () => {
    const first = await connectShop(store, SHOP, 'read_products', 1_000);
    await markShop(store, SHOP, 'reauth_required', 'token revoked', 2_000, first);
    expect(await getShopRecord(store, SHOP)).toMatchObject({ state: 'reauth_required', reason: 'token revoked' });

    // The merchant logs in again (new token, new scope) while a second sync, started before, still fails.
    const seenBySync = (await getShopRecord(store, SHOP))!;
    await connectShop(store, SHOP, 'read_products,read_inventory', 3_000);
    await markShop(store, SHOP, 'reauth_required', 'old token revoked', 4_000, seenBySync);
    const after = await getShopRecord(store, SHOP);
    expect(after).toMatchObject({ state: 'connected', scope: 'read_products,read_inventory', uuid: first.uuid });
    expect(after?.reason).toBeUndefined();

    // Without `seen` (an uninstall), the mark applies to whatever is stored, and keeps the rest of the record.
    await markShop(store, SHOP, 'disconnected', 'uninstalled', 5_000);
    expect(await getShopRecord(store, SHOP)).toMatchObject({
      state: 'disconnected',
      scope: 'read_products,read_inventory',
      uuid: first.uuid,
    });
  });

  it('marking a shop or Page nobody connected writes nothing', async () => {
    await markShop(store, 'nobody.myshopify.com', 'disconnected', 'uninstalled', 1_000);
    await markPage(store, '999000999', 'disconnected', 'deauthorized', 1_000);
    expect(await getShopRecord(store, 'nobody.myshopify.com')).toBeNull();
    expect(await getPageRecord(store, '999000999')).toBeNull();
  });

  it("a Page's mark spares a newer login, and a move reports the previous owner", async () => {
    const page = { pageId: '4242000', asid: '77', name: 'Marks Page' };
    const first = await connectPage(store, { ...page, uuid: UUID_A }, 1_000);
    expect(first.previousUuid).toBeNull();
    await markPage(store, page.pageId, 'reauth_required', 'token expired', 2_000, first.record);
    expect(await getPageRecord(store, page.pageId)).toMatchObject({ state: 'reauth_required' });

    const seenBySync = (await getPageRecord(store, page.pageId))!;
    const moved = await connectPage(store, { ...page, uuid: UUID_B }, 3_000);
    expect(moved.previousUuid).toBe(UUID_A);
    expect(moved.record).toMatchObject({
      uuid: UUID_B,
      state: 'connected',
      connectedAt: new Date(1_000).toISOString(),
    });
    await markPage(store, page.pageId, 'reauth_required', 'old token expired', 4_000, seenBySync);
    expect(await getPageRecord(store, page.pageId)).toMatchObject({ uuid: UUID_B, state: 'connected' });
  });

  it('concurrent marks and a login lose no field', async () => {
    const page = { pageId: '4242001', asid: '78', name: 'Busy Page' };
    await connectPage(store, { ...page, uuid: UUID_A }, 1_000);
    await Promise.all([
      markPage(store, page.pageId, 'reauth_required', 'one', 2_000),
      markPage(store, page.pageId, 'reauth_required', 'two', 2_001),
      connectPage(store, { ...page, name: 'Busy Page (renamed)', uuid: UUID_A }, 2_002),
    ]);
    const record = await getPageRecord(store, page.pageId);
    // Whatever the order, the renamed login's fields survive: the marks change only state, reason and updatedAt.
    expect(record).toMatchObject({ name: 'Busy Page (renamed)', uuid: UUID_A, asid: '78' });
  });
});
