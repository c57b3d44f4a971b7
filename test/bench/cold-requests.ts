// The first request `bench:cold` sends each function: one the function really serves (a validly signed delivery, a
// valid session, a valid OAuth callback, a valid job payload), built with the project's own signing code, in the
// shape DigitalOcean passes to `main` (contract §6). Every service in the config points at a closed local port, so
// a function that gets past validation opens a socket (where the bench stops the clock) instead of doing real work.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { issueSessionCookie } from '../../lib/crypto/session';
import { beginFacebookOAuth } from '../../lib/facebook/oauth';
import { signFacebookBody } from '../../lib/facebook/webhook-signature';
import { confirmationCode } from '../../lib/facebook/deletion-callbacks';
import { beginOAuth } from '../../lib/shopify/oauth';
import { signQuery } from '../../lib/shopify/query-hmac';
import { signShopifyWebhook } from '../../lib/shopify/webhook-signature';

/** What `main` receives on the first call. */
export type DoArgs = Record<string, unknown>;

/** Functions that need no Spaces client; their first call must cost ≤ 0.5× the S3-client floor. */
export const NO_SPACES = new Set(['shopify/login', 'facebook/login']);

const SHOP = 'bench-cold.myshopify.com';
const PAGE_ID = '102030405060708';
const FB_USER = '990011223344';

/**
 * A complete, valid environment whose services (Spaces, Shopify, Facebook, the functions API) all sit on `closedPort`.
 */
export function benchEnv(closedPort: number): Record<string, string> {
  const local = `http://127.0.0.1:${closedPort}`;
  return {
    APP_URL: 'https://bench.invalid/api/v1/web/fn-bench',
    LOG_LEVEL: 'info',
    SESSION_SECRET: 'bench-session-secret-that-is-long-enough-0123',
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SPACES_ENDPOINT: local,
    SPACES_REGION: 'us-east-1',
    SPACES_BUCKET: 'bench-bucket',
    SPACES_KEY: 'BENCHKEY',
    SPACES_SECRET: 'bench-spaces-secret',
    FN_API_HOST: local,
    FN_API_KEY: 'bench-id:bench-secret',
    SHOPIFY_API_KEY: 'bench-shopify-key',
    SHOPIFY_API_SECRET: 'bench-shopify-secret-0123456789',
    SHOPIFY_ADMIN_ORIGIN: `${local}/{shop}`,
    FACEBOOK_APP_ID: '1234567890',
    FACEBOOK_APP_SECRET: 'bench-facebook-secret-0123456789',
    FACEBOOK_VERIFY_TOKEN: 'bench-verify-token',
    FACEBOOK_GRAPH_ORIGIN: local,
    FACEBOOK_WWW_ORIGIN: local,
  };
}

const STANDARD_HEADERS = {
  accept: '*/*',
  'accept-encoding': 'gzip',
  'user-agent': 'bench-cold',
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
  'x-request-id': 'bench-cold-request',
};

function raw(method: string, headers: Record<string, string>, body = '', queryString = ''): DoArgs {
  const all = { 'content-type': 'text/plain', ...STANDARD_HEADERS, ...headers };
  return {
    http: { method, headers: all, path: '', body, isBase64Encoded: false, queryString },
    __ow_body: body,
    __ow_query: queryString,
  };
}

function parsed(method: string, headers: Record<string, string>, params: Record<string, string> = {}): DoArgs {
  return {
    http: { method, headers: { 'content-type': 'text/plain', ...STANDARD_HEADERS, ...headers }, path: '' },
    ...params,
  };
}

const cookiePair = (setCookie: string) => setCookie.split(';')[0]!;

function signedRequest(appSecret: string, payload: Record<string, unknown>): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${createHmac('sha256', appSecret).update(encoded).digest('base64url')}.${encoded}`;
}

function productUpdate(now: number): Record<string, unknown> {
  const at = new Date(now).toISOString();
  return {
    admin_graphql_api_id: 'gid://shopify/Product/7001',
    body_html: '<p>Bench</p>',
    created_at: at,
    handle: 'bench-tee',
    id: 7001,
    product_type: 'Shirts',
    published_at: at,
    template_suffix: null,
    title: 'Bench tee',
    updated_at: at,
    vendor: 'Bench',
    status: 'active',
    published_scope: 'global',
    tags: 'bench',
    variants: [
      {
        admin_graphql_api_id: 'gid://shopify/ProductVariant/8001',
        barcode: null,
        compare_at_price: null,
        created_at: at,
        id: 8001,
        inventory_policy: 'deny',
        position: 1,
        price: '19.00',
        product_id: 7001,
        sku: 'BENCH-1',
        taxable: true,
        title: 'Default Title',
        updated_at: at,
        option1: 'Default Title',
        option2: null,
        option3: null,
        image_id: null,
        inventory_item_id: 9001,
        inventory_quantity: 5,
        old_inventory_quantity: 5,
      },
    ],
    options: [{ name: 'Title', id: 70011, product_id: 7001, position: 1, values: ['Default Title'] }],
    images: [],
    image: null,
    media: [],
    variant_gids: [{ admin_graphql_api_id: 'gid://shopify/ProductVariant/8001', updated_at: at }],
    has_variants_that_requires_components: false,
    category: null,
  };
}

/** The first call of every function, keyed `<pkg>/<fn>`. */
export async function firstRequests(env: Record<string, string>, now = Date.now()): Promise<Record<string, DoArgs>> {
  const uuid = randomUUID();
  const session = cookiePair(
    await issueSessionCookie({ sub: uuid, shop: SHOP }, { secret: env.SESSION_SECRET!, appUrl: env.APP_URL!, now }),
  );

  // Shopify OAuth: the state cookie and nonce `shopify/login` hands out, and the callback Shopify signs.
  const shopifyConfig = {
    APP_URL: env.APP_URL!,
    SESSION_SECRET: env.SESSION_SECRET!,
    SHOPIFY_API_KEY: env.SHOPIFY_API_KEY!,
    SHOPIFY_API_SECRET: env.SHOPIFY_API_SECRET!,
    SHOPIFY_SCOPES: 'read_products',
    SHOPIFY_ADMIN_ORIGIN: env.SHOPIFY_ADMIN_ORIGIN!,
  };
  const shopifyLogin = await beginOAuth(SHOP, shopifyConfig, now);
  const callbackQuery = new URLSearchParams({
    code: 'bench-code-0123456789',
    host: Buffer.from(`admin.shopify.com/store/${SHOP.replace('.myshopify.com', '')}`).toString('base64url'),
    shop: SHOP,
    state: new URL(shopifyLogin.location).searchParams.get('state')!,
    timestamp: String(Math.floor(now / 1000)),
  });
  callbackQuery.set('hmac', signQuery(callbackQuery, env.SHOPIFY_API_SECRET!));

  // Facebook OAuth: the state cookie and nonce `facebook/login` hands out to that session.
  const facebookConfig = {
    APP_URL: env.APP_URL!,
    SESSION_SECRET: env.SESSION_SECRET!,
    FACEBOOK_APP_ID: env.FACEBOOK_APP_ID!,
    FACEBOOK_APP_SECRET: env.FACEBOOK_APP_SECRET!,
    FACEBOOK_GRAPH_VERSION: 'v25.0',
    FACEBOOK_SCOPES: 'pages_show_list',
    FACEBOOK_WWW_ORIGIN: env.FACEBOOK_WWW_ORIGIN!,
  };
  const facebookLogin = await beginFacebookOAuth(uuid, facebookConfig, now);

  const webhookBody = JSON.stringify(productUpdate(now));
  const pageNotification = JSON.stringify({
    object: 'page',
    entry: [{ id: PAGE_ID, time: now, changes: [{ field: 'name', value: { page: PAGE_ID, name: 'Bench Page' } }] }],
  });
  const issuedAt = Math.floor(now / 1000);
  const deletionForm = new URLSearchParams({
    signed_request: signedRequest(env.FACEBOOK_APP_SECRET!, {
      algorithm: 'HMAC-SHA256',
      issued_at: issuedAt,
      user_id: FB_USER,
    }),
  }).toString();
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  return {
    'shopify/login': parsed('GET', {}, { shop: SHOP }),
    'shopify/callback': raw('GET', { cookie: cookiePair(shopifyLogin.cookie) }, '', callbackQuery.toString()),
    'shopify/webhook': raw(
      'POST',
      {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': signShopifyWebhook(webhookBody, env.SHOPIFY_API_SECRET!),
        'x-shopify-topic': 'products/update',
        'x-shopify-shop-domain': SHOP,
        'x-shopify-api-version': '2026-07',
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-triggered-at': new Date(now).toISOString(),
        'x-shopify-event-id': randomUUID(),
      },
      webhookBody,
    ),
    'shopify/sync': { shop: SHOP },
    'shopify/flush': { uuid, shop: SHOP },
    'facebook/login': parsed('GET', { cookie: session }),
    'facebook/callback': parsed(
      'GET',
      { cookie: `${session}; ${cookiePair(facebookLogin.cookie)}` },
      {
        code: 'bench-facebook-code',
        state: new URL(facebookLogin.location).searchParams.get('state')!,
      },
    ),
    'facebook/webhook': raw(
      'POST',
      {
        'content-type': 'application/json',
        'x-hub-signature-256': signFacebookBody(pageNotification, env.FACEBOOK_APP_SECRET!),
      },
      pageNotification,
    ),
    'facebook/sync': { pageId: PAGE_ID },
    'facebook/data-deletion': raw('POST', form, deletionForm),
    'facebook/deauthorize': raw('POST', form, deletionForm),
    'facebook/deletion-status': parsed(
      'GET',
      {},
      {
        id: confirmationCode(env.FACEBOOK_APP_SECRET!, { user_id: FB_USER, issued_at: issuedAt }),
      },
    ),
    'poll/dispatch': {},
    'poll/merchants': { shops: [SHOP], pages: [PAGE_ID] },
    'account/status': parsed('GET', { cookie: session, accept: 'application/json' }),
  };
}
