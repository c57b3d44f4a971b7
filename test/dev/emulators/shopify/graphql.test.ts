import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShopifyEmulator, validateAdminDocument } from '../../../../lib/dev/emulators/shopify';
import { API_KEY, API_SECRET, authorize, exchange, gql, install, SHOP, startEmulator } from './helpers';

const PRODUCTS_PAGE = `query Products($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId title handle status descriptionHtml vendor productType tags createdAt updatedAt publishedAt onlineStoreUrl totalInventory
      tracksInventory hasOnlyDefaultVariant priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
      featuredMedia { preview { image { url altText } } } options(first: 3) { name values }
      variants(first: 5) { pageInfo { hasNextPage endCursor } nodes { id title sku barcode price compareAtPrice inventoryQuantity availableForSale
        inventoryPolicy position selectedOptions { name value } inventoryItem { id tracked } } } } } }`;

describe('Shopify emulator GraphQL', () => {
  let emulator: ShopifyEmulator;
  let token: string;
  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.seedShop(SHOP, { products: 12, variantsPerProduct: 3 });
    token = await install(emulator);
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('answers the shop query and echoes the API version', async () => {
    const { status, headers, body } = await gql(
      emulator,
      token,
      '{ shop { id name email myshopifyDomain url currencyCode ianaTimezone description primaryDomain { url host } contactEmail } }',
    );
    expect(status).toBe(200);
    expect(headers.get('x-shopify-api-version')).toBe('2026-07');
    expect(body.data.shop).toMatchObject({
      name: 'Acme Store',
      myshopifyDomain: SHOP,
      currencyCode: 'USD',
      primaryDomain: { host: SHOP },
    });
    expect(body.data.shop.id).toMatch(/^gid:\/\/shopify\/Shop\/\d+$/);
    expect(body.extensions?.cost).toMatchObject({
      requestedQueryCost: 2,
      actualQueryCost: 2,
      throttleStatus: { maximumAvailable: 2000, restoreRate: 100 },
    });
  });

  it('falls forward from an unsupported version to 2025-10', async () => {
    const { headers } = await gql(emulator, token, '{ shop { id } }', {}, { version: '2023-04' });
    expect(headers.get('x-shopify-api-version')).toBe('2025-10');
  });

  it('pages through every product with opaque cursors, ids above 2^53 intact', async () => {
    // Act
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const { body }: { body: any } = await gql(emulator, token, PRODUCTS_PAGE, { first: 5, after });
      seen.push(...body.data.products.nodes.map((n: { id: string }) => n.id));
      after = body.data.products.pageInfo.hasNextPage ? body.data.products.pageInfo.endCursor : null;
      pages++;
    } while (after);

    // Assess
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    expect(BigInt(seen[0]?.split('/').pop() ?? '0') > 2n ** 53n).toBe(true);
    const cursor = JSON.parse(
      Buffer.from(
        String((await gql(emulator, token, PRODUCTS_PAGE, { first: 1 })).body.data.products.pageInfo.endCursor),
        'base64',
      ).toString(),
    );
    expect(Object.keys(cursor)).toEqual(['last_id', 'last_value']);
  });

  it('serves product 1 as The Complete Snowboard with realistic fields', async () => {
    const { body } = await gql(emulator, token, PRODUCTS_PAGE, { first: 1, query: "title:'The Complete Snowboard'" });
    const product = body.data.products.nodes[0];
    expect(product).toMatchObject({
      title: 'The Complete Snowboard',
      descriptionHtml: 'This PREMIUM snowboard is so SUPERDUPER awesome!',
      status: 'ACTIVE',
    });
    expect(product.variants.nodes[0].price).toMatch(/^\d+\.\d{2}$/);
    expect(product.variants.nodes[0].inventoryItem.id).toMatch(/^gid:\/\/shopify\/InventoryItem\//);
  });

  it('filters by updated_at and resolves node(id:) and product(id:)', async () => {
    const all = emulator.getProducts(SHOP);
    const newest = [...all].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt)).at(-1);
    const since = await gql(emulator, token, PRODUCTS_PAGE, {
      first: 10,
      query: `updated_at:>='${newest?.updatedAt}'`,
    });
    expect(since.body.data.products.nodes.map((n: { id: string }) => n.id)).toEqual([newest?.id]);
    const node = await gql(
      emulator,
      token,
      'query($id: ID!) { node(id: $id) { __typename ... on Product { title } } product(id: $id) { handle } }',
      { id: newest?.id },
    );
    expect(node.body.data).toEqual({
      node: { __typename: 'Product', title: newest?.title },
      product: { handle: newest?.handle },
    });
  });

  it('computes requestedQueryCost from the document and charges the actual cost', async () => {
    // 2 + 5 × (1 product + featuredMedia 1 + preview 1 + image 1 + variants (2 + 3 × (1 + inventoryItem 1))) = 2 + 5 × 12 = 62
    const query =
      '{ products(first: 5) { nodes { id featuredMedia { preview { image { url } } } variants(first: 3) { nodes { id inventoryItem { id } } } } } }';
    const { body } = await gql(emulator, token, query);
    expect(body.extensions?.cost.requestedQueryCost).toBe(62);
    expect(body.extensions?.cost.actualQueryCost).toBe(62);
    const mutation = await gql(
      emulator,
      token,
      'mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") { deletedWebhookSubscriptionId } }',
    );
    expect(mutation.body.extensions?.cost.requestedQueryCost).toBe(10);
  });

  it('refuses a query over 1000 points with MAX_COST_EXCEEDED', async () => {
    const { body } = await gql(
      emulator,
      token,
      '{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }',
    );
    expect(body.errors[0].extensions).toEqual({
      code: 'MAX_COST_EXCEEDED',
      cost: 63252,
      maxCost: 1000,
      documentation: 'https://shopify.dev/api/usage/rate-limits',
    });
    expect(body.errors[0].message).toMatch(
      /^Query cost is 63252, which exceeds the single query max cost limit \(1000\)\./,
    );
    expect(body.data).toBeUndefined();
  });

  it('requires first or last on connections', async () => {
    const { body } = await gql(emulator, token, '{ products { nodes { id } } }');
    expect(body.errors).toEqual([
      { message: 'you must provide one of first or last', path: ['products'], extensions: { code: 'BAD_REQUEST' } },
    ]);
    expect(body.data).toBeNull();
  });

  it('answers 401 with the string error for a bad token', async () => {
    const { status, body } = await gql(emulator, 'shpat_wrong', '{ shop { id } }');
    expect(status).toBe(401);
    expect(body).toEqual({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
  });

  it('reports an unknown field in Shopify’s validation shape, and validateAdminDocument agrees', async () => {
    const query = 'query P { products(first: 1) { nodes { id titel } } }';
    const { status, body } = await gql(emulator, token, query);
    expect(status).toBe(200);
    expect(body.errors).toEqual([
      {
        message: "Field 'titel' doesn't exist on type 'Product'",
        locations: [{ line: 1, column: 43 }],
        path: ['query P', 'products', 'nodes', 'titel'],
        extensions: { code: 'undefinedField', typeName: 'Product', fieldName: 'titel' },
      },
    ]);
    expect(validateAdminDocument(query).map((e) => e.message)).toEqual([
      "Field 'titel' doesn't exist on type 'Product'",
    ]);
    expect(validateAdminDocument(PRODUCTS_PAGE)).toEqual([]);
  });

  it('answers ACCESS_DENIED when the token lacks the scope', async () => {
    const callback = await authorize(emulator, SHOP, { scope: 'read_inventory' });
    const narrow = ((await (await exchange(emulator, callback.get('code') ?? '')).json()) as { access_token: string })
      .access_token;
    const { body } = await gql(emulator, narrow, '{ products(first: 1) { nodes { id } } }');
    expect(body.errors[0]).toMatchObject({ path: ['products'], extensions: { code: 'ACCESS_DENIED' } });
    expect(body.data).toBeNull();
  });

  it('resolves unknown-but-valid fields to type-shaped defaults instead of crashing', async () => {
    const { body } = await gql(emulator, token, '{ shop { id weightUnit checkoutApiSupported shipsToCountries } }');
    expect(body.errors).toBeUndefined();
    expect(body.data.shop).toMatchObject({ checkoutApiSupported: false, shipsToCountries: [] });
  });
});

describe('Shopify emulator throttling and faults', () => {
  let emulator: ShopifyEmulator;
  let token: string;
  beforeAll(async () => {
    emulator = await startEmulator({ plan: { bucket: 100, restoreRate: 10 } });
    token = await install(emulator);
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('answers THROTTLED with HTTP 200 when the bucket cannot cover the requested cost', async () => {
    // Prepare
    const query = '{ products(first: 40) { nodes { id featuredMedia { id } } } }'; // 2 + 40 × 2 = 82
    const first = await gql(emulator, token, query);

    // Act
    const second = await gql(emulator, token, query);

    // Assess
    expect(first.body.extensions?.cost.requestedQueryCost).toBe(82);
    expect(second.status).toBe(200);
    expect(second.body.errors).toEqual([
      {
        message: 'Throttled',
        extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
      },
    ]);
    expect(second.body.extensions?.cost).toMatchObject({
      requestedQueryCost: 82,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 100, restoreRate: 10 },
    });
    expect(emulator.stats(SHOP)).toMatchObject({ throttled: 1, maxRequestedCost: 82 });
  });

  it('applies queued faults once each: 429 with Retry-After, 503 with a request id, THROTTLED', async () => {
    emulator.injectFaults({ graphql: [{ status: 429, retryAfter: '1.0' }, { status: 503 }, { throttled: true }] });
    const r429 = await gql(emulator, token, '{ shop { id } }');
    const r503 = await gql(emulator, token, '{ shop { id } }');
    const rThrottled = await gql(emulator, token, '{ shop { id } }');
    const ok = await gql(emulator, token, '{ shop { id } }');
    expect([r429.status, r503.status, rThrottled.status, ok.status]).toEqual([429, 503, 200, 200]);
    expect(r429.headers.get('retry-after')).toBe('1.0');
    expect(r503.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(rThrottled.body.errors[0].extensions.code).toBe('THROTTLED');
    expect(ok.body.data.shop.id).toBeTruthy();
  });

  it('answers 401 after the shop’s tokens are revoked', async () => {
    emulator.revokeToken(SHOP);
    expect((await gql(emulator, token, '{ shop { id } }')).status).toBe(401);
  });
});

describe('Shopify emulator clock', () => {
  it('restores the bucket clockScale times faster and reports the effective restore rate', async () => {
    // Prepare
    let now = Date.UTC(2026, 10, 20);
    const emulator = await startEmulator({ clockScale: 20, now: () => now });
    try {
      const token = await install(emulator);
      emulator.setBucketLevel(SHOP, 0);

      // Act
      now += 100; // 0.1 s × 100 points/s × 20 = 200 points
      const { body } = await gql(emulator, token, '{ shop { id } }');

      // Assess
      expect(body.extensions?.cost.throttleStatus).toEqual({
        maximumAvailable: 2000,
        currentlyAvailable: 199,
        restoreRate: 2000,
      });
    } finally {
      await emulator.close();
    }
  });

  it('expires offline access tokens after an hour and accepts the refreshed one', async () => {
    let now = Date.UTC(2026, 10, 20);
    const emulator = await startEmulator({ now: () => now, expiringTokens: true });
    try {
      const callback = await authorize(emulator);
      const pair = (await (await exchange(emulator, callback.get('code') ?? '')).json()) as {
        access_token: string;
        refresh_token: string;
      };
      now += 3_600_000;
      expect((await gql(emulator, pair.access_token, '{ shop { id } }')).status).toBe(401);
      const refreshed = await fetch(`${emulator.origin}/${SHOP}/admin/oauth/access_token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          client_id: API_KEY,
          client_secret: API_SECRET,
          grant_type: 'refresh_token',
          refresh_token: pair.refresh_token,
        }),
      });
      const next = (await refreshed.json()) as { access_token: string };
      expect((await gql(emulator, next.access_token, '{ shop { id } }')).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });
});
