import type { AppRegistration } from '../common/app-options';
/** A Page's postal location as Graph returns it (contract §5); unset keys are omitted. */
export interface PageLocation {
  street?: string;
  city?: string;
  state?: string;
  zip?: string;
  country?: string;
  latitude?: number;
  longitude?: number;
}

/** A Facebook Page as the emulator stores it; optional fields are "not set" and never appear in Graph replies. */
export interface FacebookPage {
  id: string;
  name: string;
  category: string;
  category_list?: Array<{ id: string; name: string }>;
  about?: string;
  description?: string;
  general_info?: string;
  company_overview?: string;
  mission?: string;
  products?: string;
  founded?: string;
  emails?: string[];
  phone?: string;
  website?: string;
  whatsapp_number?: string;
  single_line_address?: string;
  price_range?: string;
  location?: PageLocation;
  hours?: Record<string, string>;
  is_always_open?: boolean;
  is_permanently_closed?: boolean;
  temporary_status?: string;
  payment_options?: Record<string, number>;
  pickup_options?: string[];
  delivery_and_pickup_option_info?: string[];
  link?: string;
  username?: string;
  fan_count?: number;
  followers_count?: number;
  overall_star_rating?: number;
  rating_count?: number;
  picture?: { data: { url: string; width: number; height: number; is_silhouette: boolean } };
  cover?: { id: string; source: string; offset_x: number; offset_y: number };
  is_published?: boolean;
  verification_status?: string;
  has_transitioned_to_new_page_experience?: boolean;
  messaging_feature_status?: Record<string, boolean>;
  /** Tasks the owning user holds on the Page (shown by `/me/accounts`). */
  tasks?: string[];
}

/** A patch for {@link FacebookPage}: `null` (or `undefined`) removes a field, any other value replaces it. */
export type FacebookPagePatch = { [K in Exclude<keyof FacebookPage, 'id'>]?: FacebookPage[K] | null };

/** The health of a token family; anything but `valid` makes Graph answer 190 with the matching subcode. */
export type TokenState = 'valid' | 'expired' | 'password_changed' | 'role_lost' | 'app_removed' | 'invalid';

/** A Facebook user known to the emulator (its id is an app-scoped id, a numeric string). */
export interface FacebookUser {
  id: string;
  name: string;
  email?: string;
  pageIds: string[];
}

/** A one-shot fault consumed by the next matching Graph call (contract §8). */
export type FacebookFault =
  | { code: 4 | 17 | 32 | 613 | 80001; pageId?: string; regainAccessMinutes?: number }
  | { status: 500 | 503; pageId?: string }
  | { delayMs: number; pageId?: string }
  /** Drops the connection before answering (a connection reset). */
  | { reset: true; pageId?: string }
  /** Answers 200 with JSON cut off mid-object (`truncated`) or bytes that are not JSON (`garbage`). */
  | { malformed: 'truncated' | 'garbage'; pageId?: string };

/** Options accepted by `startFacebookEmulator` (the app's name defaults to "Sales Bot Sync (emulated)"). */
export interface FacebookEmulatorOptions extends AppRegistration {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  appId: string;
  appSecret: string;
  /** "Require App Secret" switch; default true. */
  requireAppsecretProof?: boolean;
  /** `expires_in` of code-exchange user tokens; default 5183944 (values ≤ 7200 count as short-lived). */
  userTokenExpiresIn?: number;
  /** Version echoed for unversioned calls; default `v25.0`. */
  defaultVersion?: string;
}

/** A stored access token (user or page); app tokens are `{app-id}|{app-secret}` and are not stored. */
export interface TokenRecord {
  token: string;
  kind: 'user' | 'page';
  userId: string;
  pageId?: string;
  scopes: string[];
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds; 0 = never expires. */
  expiresAt: number;
  longLived: boolean;
}

/** An authorization code handed out by the login dialog (or `createAuthCode`). */
export interface AuthCodeRecord {
  code: string;
  userId: string;
  scopes: string[];
  /** The dialog's `redirect_uri`; `null` for codes exchanged without one (FB.login / config codes). */
  redirectUri: string | null;
  issuedAtMs: number;
  used: boolean;
}

/** One app-level webhook subscription (`/{app-id}/subscriptions`). */
export interface AppSubscription {
  object: string;
  callbackUrl: string;
  verifyToken: string;
  fields: string[];
  includeValues: boolean;
  active: boolean;
  /** Graph version the subscription was created with (reported per field). */
  version: string;
}

/** Call and error counters returned by `emulator.stats()`. */
export interface FacebookEmulatorStats {
  /** Total Graph + dialog requests served. */
  total: number;
  /** Requests per `METHOD /path` (version prefix removed). */
  calls: Record<string, number>;
  /** Requests per route template, e.g. `GET /{page-id}`. */
  routes: Record<string, number>;
  /** Error replies per `code` or `code/subcode`. */
  errors: Record<string, number>;
  /** Outgoing webhook, verification and signed_request deliveries. */
  deliveries: number;
}
