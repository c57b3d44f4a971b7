import {
  type ShopifyEmulator,
  type ShopifyEmulatorOptions,
  startShopifyEmulator,
} from '../../../../lib/dev/emulators/shopify';

export const API_KEY = 'test-client-id';
export const API_SECRET = 'test-client-secret';
export const REDIRECT_URI = 'https://app.example.com/shopify/callback';
export const SHOP = 'acme-store.myshopify.com';

/** Starts an emulator with the test app's credentials. */
export function startEmulator(overrides: Partial<ShopifyEmulatorOptions> = {}): Promise<ShopifyEmulator> {
  return startShopifyEmulator({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    allowedRedirectUris: [REDIRECT_URI],
    ...overrides,
  });
}

/** Follows the authorize redirect and returns the callback's query parameters. */
export async function authorize(
  emulator: ShopifyEmulator,
  shop = SHOP,
  extra: Record<string, string> = {},
): Promise<URLSearchParams> {
  const url = new URL(`${emulator.origin}/${shop}/admin/oauth/authorize`);
  const params = {
    client_id: API_KEY,
    scope: 'read_products,read_inventory',
    redirect_uri: REDIRECT_URI,
    state: 'nonce-123',
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  url.searchParams.append('grant_options[]', '');
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location') ?? '').searchParams;
}

/** Exchanges a code for a token (JSON body). */
export async function exchange(
  emulator: ShopifyEmulator,
  code: string,
  shop = SHOP,
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${emulator.origin}/${shop}/admin/oauth/access_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ client_id: API_KEY, client_secret: API_SECRET, code, ...extra }),
  });
}

/** Installs the app on a shop and returns an offline access token. */
export async function install(emulator: ShopifyEmulator, shop = SHOP): Promise<string> {
  const callback = await authorize(emulator, shop);
  const res = await exchange(emulator, callback.get('code') ?? '', shop);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A GraphQL response body. */
export interface GqlBody {
  data?: any;
  errors?: any;
  extensions?: {
    cost: {
      requestedQueryCost: number;
      actualQueryCost: number | null;
      throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
    };
  };
}

/** Posts a GraphQL document; returns status, headers and parsed body. */
export async function gql(
  emulator: ShopifyEmulator,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { shop?: string; version?: string } = {},
): Promise<{ status: number; headers: Headers; body: GqlBody }> {
  const res = await fetch(
    `${emulator.origin}/${options.shop ?? SHOP}/admin/api/${options.version ?? '2026-07'}/graphql.json`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Shopify-Access-Token': token },
      body: JSON.stringify({ query, variables }),
    },
  );
  return { status: res.status, headers: res.headers, body: (await res.json()) as GqlBody };
}
