import { nonexistingField, selectSub, type FieldSpec } from './fields';
import type { FacebookPage, FacebookPagePatch } from './types';

/** Id of the first default Page (the one in Meta's own docs samples is similar). */
export const DEFAULT_PAGE_ID = '101368371725791';

/** Tasks a full Page admin holds. */
export const ADMIN_TASKS = ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE'];

/** Every Page field the emulator knows (contract §5), including computed ones. */
export const PAGE_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'name',
  'category',
  'category_list',
  'about',
  'description',
  'general_info',
  'company_overview',
  'mission',
  'products',
  'founded',
  'emails',
  'phone',
  'website',
  'whatsapp_number',
  'single_line_address',
  'price_range',
  'location',
  'hours',
  'is_always_open',
  'is_permanently_closed',
  'temporary_status',
  'payment_options',
  'pickup_options',
  'delivery_and_pickup_option_info',
  'link',
  'username',
  'fan_count',
  'followers_count',
  'overall_star_rating',
  'rating_count',
  'picture',
  'cover',
  'is_published',
  'verification_status',
  'has_transitioned_to_new_page_experience',
  'messaging_feature_status',
  'is_webhooks_subscribed',
  'access_token',
  'tasks',
]);

/** The two Pages a default user manages: the first fully filled, the second with several fields not set. */
export function defaultPages(): FacebookPage[] {
  return [
    {
      id: DEFAULT_PAGE_ID,
      name: 'Fast Online Store PH',
      category: 'Footwear store',
      category_list: [
        { id: '109512302457693', name: 'Footwear store' },
        { id: '2256', name: 'Internet Company' },
      ],
      about: 'Sneakers & slides delivered nationwide 🚚 — order via Messenger!',
      description:
        'Authentic footwear for the whole family. Cash on delivery, GCash and Maya accepted. Stores in Makati & Cebu.',
      emails: ['hello@fastonlinestore.ph'],
      phone: '+63 917 555 0142',
      website: 'https://fastonlinestore.ph/',
      whatsapp_number: '+639175550142',
      single_line_address: '123 Ayala Ave, Makati, Metro Manila, Philippines 1226',
      price_range: '$$',
      location: {
        street: '123 Ayala Ave',
        city: 'Makati',
        state: 'Metro Manila',
        zip: '1226',
        country: 'Philippines',
        latitude: 14.5547,
        longitude: 121.0244,
      },
      hours: {
        mon_1_open: '09:00',
        mon_1_close: '18:00',
        tue_1_open: '09:00',
        tue_1_close: '18:00',
        wed_1_open: '09:00',
        wed_1_close: '18:00',
        thu_1_open: '09:00',
        thu_1_close: '18:00',
        fri_1_open: '09:00',
        fri_1_close: '12:00',
        fri_2_open: '13:00',
        fri_2_close: '20:00',
        sat_1_open: '10:00',
        sat_1_close: '16:00',
      },
      is_always_open: false,
      is_permanently_closed: false,
      link: 'https://www.facebook.com/fastonlinestoreph',
      username: 'fastonlinestoreph',
      fan_count: 1520,
      followers_count: 1587,
      overall_star_rating: 4.7,
      rating_count: 38,
      picture: {
        data: {
          url: 'https://scontent.xx.fbcdn.net/v/t39.30808-1/fast_online_store_ph.jpg',
          width: 50,
          height: 50,
          is_silhouette: false,
        },
      },
      cover: {
        id: '101368371725792',
        source: 'https://scontent.xx.fbcdn.net/v/t39.30808-6/fast_online_store_cover.jpg',
        offset_x: 0,
        offset_y: 50,
      },
      is_published: true,
      verification_status: 'not_verified',
      has_transitioned_to_new_page_experience: true,
      payment_options: { amex: 0, cash_only: 0, discover: 0, mastercard: 1, visa: 1 },
      tasks: [...ADMIN_TASKS],
    },
    {
      id: '104982736451029',
      name: 'Café Ñandú Bakeshop',
      category: 'Bakery',
      category_list: [{ id: '197048876974495', name: 'Bakery' }],
      phone: '+63 2 8555 0199',
      location: { city: 'Quezon City', country: 'Philippines', latitude: 14.676, longitude: 121.0437 },
      link: 'https://www.facebook.com/104982736451029',
      fan_count: 312,
      followers_count: 340,
      is_published: true,
      has_transitioned_to_new_page_experience: false,
      tasks: ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE'],
    },
  ];
}

/** A plausible generated Page numbered `n` (used when a user is seeded with a page count). */
export function generatedPage(id: string, n: number): FacebookPage {
  return {
    id,
    name: `Test Shop ${n}`,
    category: n % 2 === 0 ? 'Clothing store' : 'Shopping & retail',
    category_list: [
      {
        id: n % 2 === 0 ? '186230924744328' : '200600219953504',
        name: n % 2 === 0 ? 'Clothing store' : 'Shopping & retail',
      },
    ],
    about: `Test shop number ${n}.`,
    link: `https://www.facebook.com/${id}`,
    fan_count: 10 * n,
    followers_count: 11 * n,
    is_published: true,
    tasks: [...ADMIN_TASKS],
  };
}

/** Applies a patch in place: `null`/`undefined` values unset a field. */
export function applyPagePatch(page: FacebookPage, patch: FacebookPagePatch): void {
  const target = page as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'id') continue;
    if (value === null || value === undefined) delete target[key];
    else target[key] = structuredClone(value);
  }
}

/** Values that depend on more than the stored Page. */
export interface PageExtras {
  accessToken?: string | undefined;
  isWebhooksSubscribed: boolean;
}

/** Renders the requested fields (plus `id`) of a Page; unset fields are omitted and unknown ones throw Graph's (#100) error. */
export function renderPage(page: FacebookPage, specs: FieldSpec[], extras: PageExtras): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    if (!PAGE_FIELDS.has(spec.name)) throw nonexistingField(spec.name, 'Page');
    const value = pageValue(page, spec.name, extras);
    if (value !== undefined) out[spec.name] = selectSub(structuredClone(value), spec.sub);
  }
  out.id = page.id;
  return out;
}

function pageValue(page: FacebookPage, name: string, extras: PageExtras): unknown {
  switch (name) {
    case 'is_webhooks_subscribed':
      return extras.isWebhooksSubscribed;
    case 'access_token':
      return extras.accessToken;
    case 'fan_count':
      // New Page Experience Pages report followers under fan_count (contract §5).
      return page.has_transitioned_to_new_page_experience ? (page.followers_count ?? page.fan_count) : page.fan_count;
    default:
      return (page as unknown as Record<string, unknown>)[name];
  }
}
