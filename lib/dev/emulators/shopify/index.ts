import { type AppRegistration, resolveRegistration } from '../common/app-options';
import type { AddressInfo } from 'node:net';
import { type Plan, STANDARD_PLAN } from './bucket';
import type { CatalogOptions } from './catalog';
import { bucketOf, createCore, type EmulatorCore, statsOf } from './core';
import type { GraphqlFault } from './faults';
import type { ShopStats } from './graphql';
import type { ProductRecord, VariantRecord, WebhookSubscriptionRecord } from './records';
import { createEmulatorServer } from './server';
import type { ProductPatch } from './store';
import { type FireOptions, fireWebhooks, type SubscriptionDelivery } from './webhook-dispatch';
import {
  compliancePayload,
  deletePayload,
  inventoryLevelPayload,
  type Payload,
  productPayload,
  shopPayload,
} from './webhook-payloads';
import { type SendWebhookOptions, sendWebhook, type WebhookDelivery } from './webhook-sender';
import { toTopicEnum } from './webhook-subscriptions';

export type { Plan } from './bucket';
export type { CatalogOptions } from './catalog';
export type { GraphqlFault } from './faults';
export type { ShopStats } from './graphql';
export { signQuery, signWebhookBody, verifyQueryHmac, verifyWebhookHmac } from './hmac';
export type * from './records';
export { loadAdminSchema, validateAdminDocument } from './schema';
export type { ProductPatch } from './store';
export { toShopifyJson } from './json';
export type { FireOptions, SubscriptionDelivery } from './webhook-dispatch';
export type { Payload } from './webhook-payloads';
export type { SendWebhookOptions, WebhookDelivery } from './webhook-sender';

/** Options of {@link startShopifyEmulator}. */
export interface ShopifyEmulatorOptions extends AppRegistration {
  /** Port on 127.0.0.1 (default 0: ephemeral). */
  port?: number;
  /** App client ID. */
  apiKey: string;
  /** App client secret (signs OAuth callbacks and webhooks). */
  apiSecret: string;
  /** GraphQL bucket (default 2000 points, 100 points/s). */
  plan?: Plan;
  /** Speed-up of emulator time: 20 restores the bucket 20× faster and shortens its own waits 20×. */
  clockScale?: number;
  /** Force expiring (true) or non-expiring (false) offline tokens; absent follows the request's `expiring` field. */
  expiringTokens?: boolean;
}

/** A running Shopify emulator with test controls. */
export interface ShopifyEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** `http://127.0.0.1:<port>/{shop}`, the app's `SHOPIFY_ADMIN_ORIGIN`. */
  readonly adminOriginTemplate: string;
  readonly port: number;
  /** (Re)generates a shop's catalog deterministically. */
  seedShop(shop: string, options?: CatalogOptions): void;
  /** Products of a shop, ordered by id (live records: mutate through the helpers). */
  getProducts(shop: string): ProductRecord[];
  /** Variants of a product in position order. */
  getVariants(shop: string, productGid: string): VariantRecord[];
  /** Patches a product and bumps its `updatedAt`. */
  updateProduct(shop: string, productGid: string, patch: ProductPatch): ProductRecord;
  /** Deletes a product; returns whether it existed. */
  deleteProduct(shop: string, productGid: string): boolean;
  /** Sets the available quantity behind an inventory item. */
  setInventory(shop: string, inventoryItemGid: string, quantity: number): VariantRecord;
  /** Queues one-shot faults for the next GraphQL and token-endpoint requests (each list repeated `count` times). */
  injectFaults(faults: { graphql?: GraphqlFault[]; token?: GraphqlFault[]; count?: number }): void;
  /** Faults queued and not yet consumed. */
  pendingFaults(): number;
  /** Drops every queued fault. */
  clearFaults(): void;
  /** Revokes every token of a shop: 401 from now on. */
  revokeToken(shop: string): void;
  /** Expires every access token of a shop now (refresh tokens stay valid). */
  expireAccessTokens(shop: string): void;
  /** Sets the shop's bucket level (e.g. 0 to provoke THROTTLED). */
  setBucketLevel(shop: string, points: number): void;
  /** GraphQL usage counters of a shop. */
  stats(shop: string): ShopStats;
  /** API-created webhook subscriptions of a shop. */
  webhooks(shop: string): WebhookSubscriptionRecord[];
  /** Deletes a shop's subscriptions of a topic (`products/update` or `PRODUCTS_UPDATE`); returns how many. */
  dropSubscription(shop: string, topic: string): number;
  /** Signs (app secret unless overridden) and POSTs one webhook with Shopify's headers and escaping. */
  sendWebhook(options: SendWebhookOptions): Promise<WebhookDelivery>;
  /** Delivers a topic's event for a resource to every API-created subscription; 8 consecutive failures delete one. */
  fireWebhooks(
    shop: string,
    topic: string,
    resourceGid?: string,
    options?: FireOptions,
  ): Promise<SubscriptionDelivery[]>;
  /** Fires `app/uninstalled`, then revokes the shop's tokens and deletes its subscriptions, as an uninstall does. */
  uninstall(shop: string): Promise<SubscriptionDelivery[]>;
  /** REST-style `products/update` body of a stored product (ids as bigint). */
  productPayload(shop: string, productGid: string): Payload;
  /** `inventory_levels/update` body of an inventory item. */
  inventoryLevelPayload(shop: string, inventoryItemGid: string): Payload;
  /** `products/delete` body. */
  deletePayload(shop: string, productGid: string): Payload;
  /** `app/uninstalled` body (the REST shop object). */
  appUninstalledPayload(shop: string): Payload;
  /** Compliance webhook bodies. */
  compliancePayload(shop: string, topic: 'customers/data_request' | 'customers/redact' | 'shop/redact'): Payload;
  /** Stops the server, cancels timers and closes open connections. */
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 and resolves once it listens. */
export async function startShopifyEmulator(options: ShopifyEmulatorOptions): Promise<ShopifyEmulator> {
  const core = createCore({
    ...resolveRegistration(options, 'Messenger Sales Bot'),
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    plan: options.plan ?? STANDARD_PLAN,
    clockScale: options.clockScale ?? 1,
    expiringTokens: options.expiringTokens,
  });
  const server = createEmulatorServer(core);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  core.origin = `http://127.0.0.1:${port}`;
  return buildFacade(core, port, async () => {
    for (const timer of core.timers) clearTimeout(timer);
    core.timers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

function buildFacade(core: EmulatorCore, port: number, close: () => Promise<void>): ShopifyEmulator {
  const shop = (domain: string) => core.shops.get(domain);
  return {
    origin: core.origin,
    adminOriginTemplate: `${core.origin}/{shop}`,
    port,
    seedShop: (domain, catalog = {}) => void core.shops.seed(domain, catalog),
    getProducts: (domain) => shop(domain).productList(),
    getVariants: (domain, productGid) => {
      const product = shop(domain).products.get(productGid);
      return product ? shop(domain).variantsOf(product) : [];
    },
    updateProduct: (domain, productGid, patch) => shop(domain).updateProduct(productGid, patch, core.now()),
    deleteProduct: (domain, productGid) => shop(domain).deleteProduct(productGid),
    setInventory: (domain, itemGid, quantity) => shop(domain).setInventory(itemGid, quantity, core.now()),
    injectFaults: ({ graphql = [], token = [], count = 1 }) => {
      core.faults.push(graphql, count);
      core.tokenFaults.push(token, count);
    },
    pendingFaults: () => core.faults.pending + core.tokenFaults.pending,
    clearFaults: () => {
      core.faults.clear();
      core.tokenFaults.clear();
    },
    revokeToken: (domain) => core.tokens.revokeShop(domain),
    expireAccessTokens: (domain) => core.tokens.expireAccessTokens(domain),
    setBucketLevel: (domain, points) => bucketOf(core, domain).set(points),
    stats: (domain) => ({ ...statsOf(core, domain) }),
    webhooks: (domain) => [...shop(domain).subscriptions.values()],
    dropSubscription: (domain, topic) => {
      const subs = shop(domain).subscriptions;
      const doomed = [...subs.values()].filter((s) => s.topic === toTopicEnum(topic));
      for (const s of doomed) subs.delete(s.id);
      return doomed.length;
    },
    sendWebhook: (options) => sendWebhook(options, core.apiSecret, core.now()),
    fireWebhooks: (domain, topic, resourceGid, options) => fireWebhooks(core, domain, topic, resourceGid, options),
    uninstall: async (domain) => {
      const deliveries = await fireWebhooks(core, domain, 'app/uninstalled', undefined);
      core.tokens.revokeShop(domain);
      shop(domain).subscriptions.clear();
      return deliveries;
    },
    productPayload: (domain, productGid) => {
      const product = shop(domain).products.get(productGid);
      if (!product) throw new Error(`No product ${productGid} in ${domain}`);
      return productPayload(shop(domain), product);
    },
    inventoryLevelPayload: (domain, itemGid) => {
      const item = shop(domain).items.get(itemGid);
      if (!item) throw new Error(`No inventory item ${itemGid} in ${domain}`);
      return inventoryLevelPayload(shop(domain), item);
    },
    deletePayload: (_domain, productGid) => deletePayload(productGid),
    appUninstalledPayload: (domain) => shopPayload(shop(domain)),
    compliancePayload: (domain, topic) => compliancePayload(shop(domain), topic),
    close,
  };
}
