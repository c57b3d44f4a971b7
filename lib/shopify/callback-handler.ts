import { BadRequestError, ForbiddenError, MethodNotAllowedError, UnauthorizedError } from '../errors';
import { issueSessionCookie } from '../crypto/session';
import { recordSyncOutcome, type SyncOutcome } from '../account/status';
import { prefersHtml } from '../http/negotiate';
import { json } from '../http/responses';
import { pyRepr } from '../log';
import { keys } from '../storage/keys';
import { connectShop } from './connection';
import type { ShopifyDeps } from './deps';
import { checkState, clearStateCookie, exchangeCode } from './oauth';
import { verifyQueryHmac } from './query-hmac';
import { normalizeShop, SHOP_HELP } from './shop-domain';
import { failureMessage, syncShop, type ShopSyncResult, type StepStatus } from './sync';
import { signShopifyWebhook } from './webhook-signature';
import { ensureWebhooks, webhookUrl } from './webhook-subscriptions';

const SELF_TEST_TIMEOUT_MS = 5_000;

/**
 * The `shopify/callback` handler (web: raw, so the query reaches the HMAC check byte for byte):
 * verify, exchange the code, assign the UUID, register webhooks, sync the catalog, run the seed's
 * self-tests, and answer with the seed's JSON.
 */
export async function handleShopifyCallback(request: Request, deps: ShopifyDeps): Promise<Response> {
  if (request.method !== 'GET') throw new MethodNotAllowedError(request.method, ['GET']);
  const { config, clock, log, store } = deps;
  const started = clock.now();
  const url = new URL(request.url);
  const query = url.search.slice(1);
  const params = new URLSearchParams(query);
  if (params.get('error')) {
    throw new BadRequestError(
      `Shopify returned an error: ${params.get('error_description') ?? params.get('error')}. Start the install again.`,
      {
        code: 'oauth_denied',
      },
    );
  }
  const wantsHtml = prefersHtml(request);
  const shop = normalizeShop(params.get('shop'));
  if (!shop || params.get('shop') !== shop)
    throw new BadRequestError(`The callback's shop parameter is invalid. ${SHOP_HELP}`, { code: 'invalid_shop' });
  // `format=json` (our own switch, never sent by Shopify) is not part of what Shopify signed.
  let hmac = verifyQueryHmac(query, { secret: config.SHOPIFY_API_SECRET, now: started });
  if (!hmac.ok && params.has('format')) {
    const unsigned = new URLSearchParams(query);
    unsigned.delete('format');
    hmac = verifyQueryHmac(unsigned.toString(), { secret: config.SHOPIFY_API_SECRET, now: started });
  }
  if (!hmac.ok) {
    const Err = hmac.reason.startsWith('HMAC does not match') ? UnauthorizedError : BadRequestError;
    throw new Err(`${hmac.reason}. Start the install again at /shopify/${shop.replace('.myshopify.com', '')}/login.`, {
      code: 'invalid_hmac',
    });
  }
  await checkState(request, shop, params.get('state'), config, started);
  const code = params.get('code');
  if (!code) throw new BadRequestError('The callback has no code parameter.', { code: 'missing_code' });

  const token = await exchangeCode(shop, code, config, clock.now(), deps.fetch);
  const granted = new Set(token.scope.split(',').map((s) => s.trim()));
  if (!granted.has('read_products') && !granted.has('write_products')) {
    throw new ForbiddenError(
      `The shop granted "${token.scope}" but read_products is required. Install again and approve every scope.`,
      {
        code: 'scope_missing',
      },
    );
  }
  const record = await connectShop(store, shop, token.scope, clock.now());
  await deps.vault.put(keys.shopifyToken(shop), token);
  const cookies = [
    await issueSessionCookie(
      { sub: record.uuid, shop },
      { secret: config.SESSION_SECRET, appUrl: config.APP_URL, now: clock.now() },
    ),
    clearStateCookie(config.APP_URL),
  ];

  let registration: StepStatus = { status: 'success' };
  try {
    await ensureWebhooks(deps.adminClient(shop, 8000), shop, config.APP_URL, log);
  } catch (err) {
    registration = { status: 'failed', message: `Webhook registration failed: ${failureMessage(err)}` };
  }

  const sync = await syncShop(shop, deps, {
    source: 'oauth',
    deadline: started + config.SHOPIFY_CALLBACK_SYNC_BUDGET_MS,
  });
  const upload = await uploadStatus(sync, shop, deps);
  const webhookTest = registration.status === 'success' ? await webhookSelfTest(shop, deps) : registration;
  log.info(`Webhook test result for ${shop}: ${pyRepr(webhookTest)}`);
  const pollingTest = await pollingSelfTest(shop, deps);
  log.info(`Polling test result for ${shop}: ${pyRepr(pollingTest)}`);

  const productCount = sync.productCount ?? 0;
  await recordConnectStatus(shop, record.uuid, sync, upload, deps);
  const body = {
    user_uuid: record.uuid,
    token_data: { scope: token.scope },
    shopify_data: sync.shopInfo
      ? { data: { shop: sync.shopInfo, products: { edges: (sync.firstPage ?? []).map((node) => ({ node })) } } }
      : null,
    // Added beside the seed's fields: shopify_data above is a preview (the first page); this many are stored.
    product_count: productCount,
    webhook_test: webhookTest,
    polling_test: pollingTest,
    upload_status: upload,
  };
  const headers: Array<[string, string]> = cookies.map((c) => ['set-cookie', c]);
  headers.push(['vary', 'Accept']);
  if (wantsHtml) {
    const { shopifyConnectedPage } = await import('../pages/connected');
    return shopifyConnectedPage({
      appUrl: config.APP_URL,
      shop,
      ...(sync.shopInfo?.name ? { shopName: sync.shopInfo.name } : {}),
      productCount,
      previewCount: sync.firstPage?.length ?? 0,
      body,
      headers,
    });
  }
  return json(body, 200, headers);
}

/** Records what connecting did, so `account/status` shows it right away instead of "not synced yet". */
async function recordConnectStatus(
  shop: string,
  uuid: string,
  sync: ShopSyncResult,
  upload: StepStatus,
  deps: ShopifyDeps,
): Promise<void> {
  const lastResult: SyncOutcome =
    upload.status === 'queued' ? 'queued' : sync.status === 'incomplete' ? 'failed' : sync.status;
  const message = upload.status === 'success' ? undefined : upload.message;
  try {
    await recordSyncOutcome(
      deps.store,
      uuid,
      {
        kind: 'shop',
        value: {
          shop,
          state: sync.status === 'reauth_required' ? 'reauth_required' : 'connected',
          lastSyncAt: new Date(deps.clock.now()).toISOString(),
          lastResult,
          source: 'oauth',
          ...(message ? { message } : {}),
          // A queued sync has stored nothing yet: its count is not the catalog's.
          ...(sync.productCount !== undefined && lastResult === 'success' ? { productCount: sync.productCount } : {}),
          ...(sync.mode ? { mode: sync.mode } : {}),
        },
      },
      deps.clock,
    );
  } catch (err) {
    deps.log.warn(`Could not record the status of ${shop}: ${failureMessage(err)}`);
  }
}

async function uploadStatus(sync: ShopSyncResult, shop: string, deps: ShopifyDeps): Promise<StepStatus> {
  if (sync.status === 'success') {
    deps.log.info(`Uploaded data to Spaces for ${shop}`);
    return { status: 'success' };
  }
  if (sync.status !== 'incomplete') return { status: 'failed', message: sync.message ?? 'sync failed' };
  if (!deps.invoker.available) {
    return {
      status: 'failed',
      message:
        'The catalog is too large to sync within 30 s and FN_API_KEY is not set, so no background sync could start. Set FN_API_KEY, or wait for the daily poll.',
    };
  }
  try {
    const activationId = await deps.invoker.invokeAsync('shopify/sync', { shop, source: 'oauth', resume: true });
    deps.log.info(`Queued a full sync of ${shop} (activation ${activationId})`);
    return {
      status: 'queued',
      message: `The catalog is large: ${sync.productCount ?? 0} products fetched so far; a background sync is writing the whole catalog to Spaces.`,
      activation_id: activationId,
    };
  } catch (err) {
    return { status: 'failed', message: `Could not start the background sync: ${failureMessage(err)}` };
  }
}

/** Sends the seed's test delivery twice to our own public webhook URL: signed (must pass) and forged (must get 401). */
async function webhookSelfTest(shop: string, deps: ShopifyDeps): Promise<StepStatus> {
  const url = webhookUrl(deps.config.APP_URL);
  const body = JSON.stringify({ product: { id: 12345, title: 'Test Product' } });
  const send = async (signature: string) => {
    const res = await (deps.fetch ?? fetch)(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'products/update',
        'x-shopify-hmac-sha256': signature,
        'x-shopify-shop-domain': shop,
        'x-shopify-api-version': deps.config.SHOPIFY_API_VERSION,
        'x-shopify-webhook-id': `selftest-${crypto.randomUUID()}`,
        'x-shopify-triggered-at': new Date(deps.clock.now()).toISOString(),
      },
      signal: AbortSignal.timeout(SELF_TEST_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status;
  };
  try {
    const good = await send(signShopifyWebhook(body, deps.config.SHOPIFY_API_SECRET));
    if (good < 200 || good > 299) {
      return {
        status: 'failed',
        message: `${url} answered ${good} to a correctly signed delivery: check SHOPIFY_API_SECRET and APP_URL.`,
      };
    }
    const forged = await send(signShopifyWebhook(body, 'wrong-secret-for-self-test'));
    if (forged !== 401)
      return { status: 'failed', message: `${url} answered ${forged} to a forged delivery instead of 401.` };
    // The webhook cannot tell this forgery from a real one (and must not trust the request to say so): it warned.
    deps.log.info(
      `The rejected Shopify webhook above was this self-test's forged delivery, as expected: ` +
        `the webhook self-test passed for ${shop}.`,
    );
    return { status: 'success' };
  } catch (err) {
    return { status: 'failed', message: `${url} is not reachable (${failureMessage(err)}): check APP_URL.` };
  }
}

/** One invocation of `shopify/sync` for this shop in dry-run mode (in-process when no invoker is configured). */
async function pollingSelfTest(shop: string, deps: ShopifyDeps): Promise<StepStatus> {
  try {
    const result = deps.invoker.available
      ? await deps.invoker.invokeBlocking<ShopSyncResult>('shopify/sync', { shop, dryRun: true }, 12_000)
      : await syncShop(shop, deps, { source: 'poll', dryRun: true, deadline: deps.clock.now() + 8000 });
    return result?.status === 'success'
      ? { status: 'success' }
      : { status: 'failed', message: result?.message ?? 'polling failed' };
  } catch (err) {
    return { status: 'failed', message: failureMessage(err) };
  }
}
