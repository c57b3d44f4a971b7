import type { Logger } from '../log';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';
import type { TokenVault } from '../vault/token-vault';
import { forEachLimit } from '../concurrency';
import { listPageRecords, markPage, type FacebookUserRecord } from './registry';
import { StoredPageTokenSchema, StoredUserTokenSchema } from './schemas';

/** What deleting or revoking a Facebook user's data needs. */
export interface UserDataDeps {
  store: ObjectStore;
  vault: TokenVault;
  log: Logger;
}

const CONCURRENCY = 4;

/** The UUID an app-scoped Facebook user id was connected to, or null when we never saw it. */
export async function facebookUserOf(store: ObjectStore, asid: string): Promise<FacebookUserRecord | null> {
  return (await store.getJson<FacebookUserRecord>(keys.facebookUserRecord(asid)))?.value ?? null;
}

/** What a data deletion removed. */
export interface DeletionOutcome {
  /** False when the app-scoped id maps to no UUID (nothing stored, nothing deleted). */
  found: boolean;
  /** Distinct Pages whose record, token or page_data.json was removed. */
  pagesDeleted: number;
}

/**
 * Deletes everything Facebook-derived of the UUID an app-scoped user id maps to: Page tokens and
 * records, `users/<uuid>/facebook_messenger/**`, the user token and finally the id's mapping (last,
 * so a retry after a failure still finds the UUID). Shopify data and other users stay untouched.
 */
export async function deleteFacebookUserData(deps: UserDataDeps, asid: string): Promise<DeletionOutcome> {
  const { store, vault, log } = deps;
  const user = await facebookUserOf(store, asid);
  if (!user) return { found: false, pagesDeleted: 0 };
  const uuid = user.uuid;
  const records = await listPageRecords(store, { uuid });
  const pageIds = new Set(records.map((r) => r.pageId));
  // Tokens first, so nothing can call Graph for these Pages while the rest goes.
  await forEachLimit([...pageIds], CONCURRENCY, async (pageId) => {
    await vault.delete(keys.pageToken(pageId));
    await store.delete(keys.pageRecord(pageId));
  });
  const prefix = keys.userFacebookPrefix(uuid);
  const dataKeys = await store.list(prefix);
  for (const key of dataKeys) pageIds.add(key.slice(prefix.length).split('/')[0]!);
  await store.deletePrefix(prefix);
  await vault.delete(keys.facebookUserToken(uuid));
  await store.delete(keys.facebookUserRecord(asid));
  log.info(
    `Deleted the Facebook data of user ${uuid}: ${pageIds.size} page${pageIds.size === 1 ? '' : 's'}, their tokens and the user token`,
  );
  return { found: true, pagesDeleted: pageIds.size };
}

/** What a deauthorization revoked. */
export interface RevocationOutcome {
  found: boolean;
  /** Pages now marked `disconnected` with their token deleted. */
  pagesDisconnected: string[];
  /** Pages left alone because the user connected them again after the request was issued. */
  pagesReconnected: string[];
  userTokenDeleted: boolean;
}

// issued_at has whole seconds: a token obtained within that second counts as older than the request.
const issuedAfter = (obtainedAt: string | undefined, at: number) =>
  obtainedAt !== undefined && Date.parse(obtainedAt) >= at + 1000;

/**
 * Revokes what an app-scoped user's login gave us after they removed the app: deletes the Page
 * tokens and the user token derived from it and marks those Pages `disconnected` (polling and
 * webhooks skip them). page_data.json and the id → UUID mapping stay, so a later data-deletion
 * request can still find and delete them. Tokens obtained after `issuedAt` (a new login) are kept.
 */
export async function revokeFacebookUser(
  deps: UserDataDeps,
  asid: string,
  issuedAt: number,
  now: number,
): Promise<RevocationOutcome> {
  const { store, vault, log } = deps;
  const outcome: RevocationOutcome = {
    found: false,
    pagesDisconnected: [],
    pagesReconnected: [],
    userTokenDeleted: false,
  };
  const user = await facebookUserOf(store, asid);
  if (!user) return outcome;
  outcome.found = true;
  const records = (await listPageRecords(store, { uuid: user.uuid })).filter((r) => r.asid === asid);
  await forEachLimit(records, CONCURRENCY, async ({ pageId }) => {
    const token = StoredPageTokenSchema.safeParse((await readSealed(vault, keys.pageToken(pageId)))?.value);
    if (token.success && (token.data.asid !== asid || issuedAfter(token.data.obtainedAt, issuedAt))) {
      outcome.pagesReconnected.push(pageId);
      return;
    }
    await vault.delete(keys.pageToken(pageId));
    await markPage(
      store,
      pageId,
      'disconnected',
      'The Facebook user removed the app (deauthorized); log in again at /facebook/login.',
      now,
    );
    outcome.pagesDisconnected.push(pageId);
  });
  const userToken = StoredUserTokenSchema.safeParse(
    (await readSealed(vault, keys.facebookUserToken(user.uuid)))?.value,
  );
  if (!userToken.success || (userToken.data.asid === asid && !issuedAfter(userToken.data.obtainedAt, issuedAt))) {
    await vault.delete(keys.facebookUserToken(user.uuid));
    outcome.userTokenDeleted = true;
  }
  outcome.pagesDisconnected.sort();
  outcome.pagesReconnected.sort();
  log.info(
    `Revoked Facebook access of user ${user.uuid} (deauthorized): ${outcome.pagesDisconnected.length} page(s) disconnected` +
      (outcome.pagesReconnected.length > 0 ? `, ${outcome.pagesReconnected.length} kept (connected again since)` : ''),
  );
  return outcome;
}

// A blob sealed under an older key cannot be opened; for revocation that counts as "delete it".
async function readSealed(vault: TokenVault, key: string): Promise<{ value: unknown } | null> {
  try {
    return await vault.get<unknown>(key);
  } catch {
    return { value: undefined };
  }
}
