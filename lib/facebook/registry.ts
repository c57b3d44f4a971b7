import { forEachLimit } from '../concurrency';
import { keys } from '../storage/keys';
import { markRecord } from '../storage/registry-mark';
import { updateWithRetry, type ObjectStore } from '../storage/store';

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

/**
 * Records (or re-records after a new login) that a Page belongs to `uuid`; the previous owner, if different, is
 * returned. By compare-and-swap, so two logins at once cannot report the wrong previous owner.
 */
export async function connectPage(
  store: ObjectStore,
  page: { pageId: string; uuid: string; asid: string; name: string },
  now: number,
): Promise<{ record: PageRecord; previousUuid: string | null }> {
  const iso = new Date(now).toISOString();
  let previousUuid: string | null = null;
  const record = await updateWithRetry<PageRecord>(
    store,
    keys.pageRecord(page.pageId),
    (existing) => {
      previousUuid = existing && existing.value.uuid !== page.uuid ? existing.value.uuid : null;
      return { ...page, state: 'connected', connectedAt: existing?.value.connectedAt ?? iso, updatedAt: iso };
    },
    { attempts: 5, conflict: `Could not record the connection of page ${page.pageId}: too much concurrent activity.` },
  );
  return { record: record!, previousUuid };
}

/** Marks a Page as needing re-authorisation (or disconnected), keeping its UUID mapping ({@link markRecord}). */
export async function markPage(
  store: ObjectStore,
  pageId: string,
  state: PageState,
  reason: string,
  now: number,
  seen?: PageRecord,
): Promise<void> {
  if (!/^\d{1,25}$/.test(pageId)) return;
  await markRecord(store, keys.pageRecord(pageId), { state, reason, now, seen, what: `page ${pageId}` });
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
