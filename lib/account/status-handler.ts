import type { Config } from '../config';
import { requireSession } from '../crypto/session';
import { MethodNotAllowedError } from '../errors';
import { prefersHtml } from '../http/negotiate';
import { json } from '../http/responses';
import { getShopRecord } from '../shopify/connection';
import type { ObjectStore } from '../storage/store';
import { emptyStatus, readStatus, type MerchantStatus } from './status';

/** What `account/status` needs. */
export interface AccountStatusDeps {
  config: Config<'core'>;
  store: ObjectStore;
  now: () => number;
}

const shopLogin = (shop: string) => `/shopify/${shop.replace(/\.myshopify\.com$/, '')}/login`;

/** Adds the fix for every connection that needs the merchant's action. */
function withFixes(status: MerchantStatus) {
  const shops = Object.values(status.shops).map((s) =>
    s.state === 'connected'
      ? s
      : { ...s, fix: `Reconnect the store: open ${shopLogin(s.shop)} and approve the app again.` },
  );
  const pages = Object.values(status.pages).map((p) =>
    p.state === 'connected'
      ? p
      : p.state === 'moved'
        ? {
            ...p,
            fix: 'Another account connected this Page. If that was not you, open /facebook/login and connect it again.',
          }
        : { ...p, fix: 'Reconnect the Page: open /facebook/login and grant access to it again.' },
  );
  return { shops, pages };
}

/**
 * `GET /account/status`: the signed-in merchant's connections, last sync time and result per shop
 * and page, errors and the re-auth flag. The UUID comes only from the verified `session_id`
 * cookie; without one the answer is a 401 saying how to sign in. No token is ever part of it.
 */
export async function handleAccountStatus(request: Request, deps: AccountStatusDeps): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new MethodNotAllowedError(request.method, ['GET']);
  const session = await requireSession(request, { secret: deps.config.SESSION_SECRET, now: deps.now() });
  const status = (await readStatus(deps.store, session.sub)) ?? emptyStatus(session.sub, deps.now());
  // The registry is the truth about the connection itself (a reconnect clears reauth before the next poll).
  for (const shop of new Set([session.shop, ...Object.keys(status.shops)])) {
    const record = await getShopRecord(deps.store, shop).catch(() => null);
    if (!record || record.uuid !== session.sub) continue;
    const entry = status.shops[shop];
    status.shops[shop] = entry
      ? { ...entry, state: record.state }
      : {
          shop,
          state: record.state,
          lastSyncAt: record.updatedAt,
          lastResult: 'skipped',
          message: 'Not synced yet: the daily poll runs at 06:00 UTC.',
        };
  }
  const { shops, pages } = withFixes(status);
  // Which storage mode this deployment runs in (README "Degraded mode"): the probe's finding, remembered per container.
  const conditional = await deps.store.supportsConditionalWrites().catch(() => null);
  const storage = {
    conditional_writes: conditional === null ? 'unknown' : conditional ? 'honoured' : 'ignored',
  } as const;
  const needsAction = (state: string) => state === 'reauth_required' || state === 'disconnected';
  const reauthRequired = shops.some((s) => needsAction(s.state)) || pages.some((p) => needsAction(p.state));
  const body = {
    user_uuid: session.sub,
    reauth_required: reauthRequired,
    updated_at: status.updatedAt,
    shops,
    pages,
    daily: status.daily ?? [],
    storage,
  };
  if (prefersHtml(request)) {
    const { statusPage } = await import('../pages/status-page');
    return statusPage({ appUrl: deps.config.APP_URL, body, now: deps.now() });
  }
  return json(body, 200, { vary: 'Accept' });
}
