import { forEachLimit } from '../concurrency';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';

/** Where a Page's connection stands. */
export type PageState = 'connected' | 'reauth_required' | 'disconnected';

/** The private registry record of a Page: Page → user UUID and connection state. No tokens. */
export interface PageRecord {
  pageId: string;
  uuid: string;
  /** App-scoped id of the Facebook user whose login supplied the Page token. */
  asid: string;
  name: string;
  state: PageState;
  connectedAt: string;
  updatedAt: string;
  reason?: string;
}

/** The private registry record of a Facebook user: app-scoped id → user UUID and the Pages it connected. */
export interface FacebookUserRecord {
  asid: string;
  uuid: string;
  pageIds: string[];
  updatedAt: string;
}

/** Reads a Page's record; `null` for a Page nobody connected (or an id that is not a Page id). */
export async function getPageRecord(store: ObjectStore, pageId: string): Promise<PageRecord | null> {
  if (!/^\d{1,25}$/.test(pageId)) return null;
  return (await store.getJson<PageRecord>(keys.pageRecord(pageId)))?.value ?? null;
}

/** Records (or re-records after a new login) that a Page belongs to `uuid`; the previous owner, if different, is returned. */
export async function connectPage(
  store: ObjectStore,
  page: { pageId: string; uuid: string; asid: string; name: string },
  now: number,
): Promise<{ record: PageRecord; previousUuid: string | null }> {
  const existing = await getPageRecord(store, page.pageId);
  const iso = new Date(now).toISOString();
  const record: PageRecord = { ...page, state: 'connected', connectedAt: existing?.connectedAt ?? iso, updatedAt: iso };
  await store.putJson(keys.pageRecord(page.pageId), record);
  return { record, previousUuid: existing && existing.uuid !== page.uuid ? existing.uuid : null };
}

/** Marks a Page as needing re-authorisation (or disconnected), keeping its UUID mapping. */
export async function markPage(
  store: ObjectStore,
  pageId: string,
  state: PageState,
  reason: string,
  now: number,
): Promise<void> {
  const existing = await getPageRecord(store, pageId);
  if (!existing) return;
  await store.putJson(keys.pageRecord(pageId), { ...existing, state, reason, updatedAt: new Date(now).toISOString() });
}

/** Records which UUID a Facebook user belongs to and which Pages their login connected. */
export async function recordFacebookUser(
  store: ObjectStore,
  asid: string,
  uuid: string,
  pageIds: string[],
  now: number,
): Promise<void> {
  const record: FacebookUserRecord = { asid, uuid, pageIds, updatedAt: new Date(now).toISOString() };
  await store.putJson(keys.facebookUserRecord(asid), record);
}

/** Every Page record, optionally only those of one UUID (reads the registry with bounded concurrency). */
export async function listPageRecords(store: ObjectStore, filter: { uuid?: string } = {}): Promise<PageRecord[]> {
  const prefix = keys.pageRecordPrefix();
  const ids = (await store.list(prefix))
    .map((k) => k.slice(prefix.length).replace(/\.json$/, ''))
    .filter((id) => /^\d+$/.test(id));
  const records: PageRecord[] = [];
  await forEachLimit(ids, 8, async (id) => {
    const record = await getPageRecord(store, id);
    if (record && (filter.uuid === undefined || record.uuid === filter.uuid)) records.push(record);
  });
  return records.sort((a, b) => a.pageId.localeCompare(b.pageId));
}
