import type { Harness } from './context';
import { jsonOf, setCookies, type Observed } from './http';

/** A merchant's browser: cookies by name, sent on every request to the host. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly h: Harness) {}

  /** The `Cookie` header this browser sends. */
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** GET a path on the host (no redirects followed), storing cookies it sets. */
  async get(path: string, extra: Record<string, string> = {}): Promise<Observed> {
    const res = await this.h.send(
      { method: 'GET', path, headers: { ...(this.cookies.size ? { cookie: this.header() } : {}), ...extra } },
      { timeoutMs: 60_000 },
    );
    for (const [name, value] of setCookies(res)) {
      if (value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

/** Follows one redirect to a platform emulator and returns where it sends the browser back to (path and query on the host). */
export async function platformHop(location: string): Promise<string> {
  const res = await fetch(location, { redirect: 'manual' });
  await res.body?.cancel();
  const back = res.headers.get('location');
  if (!back) throw new Error(`${location} answered ${res.status} without a redirect`);
  const url = new URL(back);
  return `${url.pathname}${url.search}`;
}

/** Runs login → authorize → callback through the host. */
export async function connectShopify(
  h: Harness,
  shop: string,
  browser = new Browser(h),
): Promise<{ res: Observed; body: any; browser: Browser; callbackPath: string }> {
  const login = await browser.get(`/shopify/${shop}/login`);
  if (login.status !== 302) throw new Error(`shopify login answered ${login.status}: ${login.body.toString('utf8')}`);
  const callbackPath = await platformHop(String(login.headers.location));
  const res = await browser.get(callbackPath);
  return { res, body: jsonOf(res), browser, callbackPath };
}

/** Runs Facebook login → dialog → callback through the host with a browser that already has a session. */
export async function connectFacebook(
  h: Harness,
  browser: Browser,
  userId?: string,
): Promise<{ res: Observed; body: any; callbackPath: string }> {
  if (userId) h.stack.facebook!.setNextLogin(userId);
  const login = await browser.get('/facebook/login');
  if (login.status !== 302) throw new Error(`facebook login answered ${login.status}: ${login.body.toString('utf8')}`);
  const callbackPath = await platformHop(String(login.headers.location));
  const res = await browser.get(callbackPath);
  return { res, body: jsonOf(res), callbackPath };
}
