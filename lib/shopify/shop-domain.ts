/** A valid shop is `<name>.myshopify.com`: lower-case letters, digits and hyphens, starting with a letter or digit. */
const SHOP_RE = /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/;
const NAME_RE = /^[a-z0-9][a-z0-9-]{0,60}$/;

/** What a caller is told when a shop is rejected. */
export const SHOP_HELP =
  "A shop is your store's myshopify name, like acme-7cu19ngr or acme-7cu19ngr.myshopify.com (letters, digits and hyphens only).";

/**
 * Normalises `acme` or `acme.myshopify.com` (any case, surrounding spaces) to `acme.myshopify.com`;
 * returns `null` for anything else, so `evil.com`, `acme.myshopify.com.evil.com` and paths never pass.
 */
export function normalizeShop(input: string | null | undefined): string | null {
  if (typeof input !== 'string') return null;
  const value = input.trim().toLowerCase();
  if (NAME_RE.test(value)) return `${value}.myshopify.com`;
  return SHOP_RE.test(value) ? value : null;
}

/** The admin origin for a shop from the `SHOPIFY_ADMIN_ORIGIN` template (`https://{shop}` in production). */
export function adminOrigin(template: string, shop: string): string {
  return template.replace('{shop}', shop).replace(/\/+$/, '');
}
