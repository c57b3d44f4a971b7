import fc from 'fast-check';
import type { WebTarget } from './context';
import type { RawRequest } from './http';

/** A body just over DO's 1 MB limit, shared by every case that uses it. */
const HUGE_BODY = Buffer.alloc(1024 * 1024 + 512, 0x61);
/** A JSON body just over the limit. */
const HUGE_JSON = Buffer.from(JSON.stringify({ product: { id: 1, title: 'x'.repeat(1024 * 1024) } }));

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));
const token = fc.stringMatching(/^[A-Za-z0-9._~-]{1,24}$/);

// Path segments a router or handler could mis-read: dot segments, encoded slashes, bad escapes, NULs.
const segment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2E%2E%2F',
    '%2F',
    '..%2F..%2Fetc%2Fpasswd',
    '%',
    '%zz',
    '%E0%A4%A',
    '%00',
    '%C0%AE',
    '',
    'login',
    'callback',
    'acme.myshopify.com',
  ),
  token,
  fc.string({ maxLength: 16 }).map((s) => encodeURIComponent(s)),
);

const queryKey = fc.oneof(
  fc.constantFrom(
    'shop',
    'code',
    'state',
    'hmac',
    'timestamp',
    'host',
    'hub.mode',
    'hub.verify_token',
    'hub.challenge',
    'error',
    'redirect_uri',
    'signed_request',
    'http',
    '__ow_method',
    'grant_options[]',
  ),
  token,
);
const queryValue = fc.oneof(
  printable(40).map((s) => encodeURIComponent(s)),
  fc.constantFrom(
    '%',
    '%%',
    '%zz',
    '&',
    '=',
    'acme',
    'acme.myshopify.com',
    'evil.com',
    '//evil.com',
    'subscribe',
    'a'.repeat(9000),
    '%E0%A4%A',
    '\u00e9',
  ),
  fc.string({ maxLength: 24 }).map((s) => encodeURIComponent(s)),
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.tuple(queryKey, queryValue), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&')),
  printable(60).map((s) => s.replace(/[ #]/g, '+')),
);

const jwtLike = fc
  .tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 44 }))
  .map((parts) => parts.map((p) => p.replace(/=/g, '').replace(/\+/g, '-').replace(/\//g, '_')).join('.'));

function cookieArb(validSession?: string) {
  const options = [
    printable(80).map((s) => s.replace(/[\r\n]/g, '')),
    jwtLike.map((j) => `session_id=${j}`),
    jwtLike.map((j) => `session_id=${j}; shopify_oauth_state=${j}; facebook_oauth_state=${j}`),
    fc.constantFrom(
      'session_id=',
      'session_id="unterminated',
      'session_id=%E0%A4%A',
      '=; ;=;',
      'session_id=a.b.c; session_id=d.e.f',
    ),
  ];
  if (validSession)
    options.push(
      fc.constant(validSession),
      jwtLike.map((j) => `${validSession}; facebook_oauth_state=${j}`),
    );
  return fc.oneof(...options);
}

const headerValue = fc.oneof(
  printable(100),
  fc.constantFrom(
    '',
    ' ',
    'a'.repeat(6000),
    'sha256=',
    'sha256=' + '0'.repeat(64),
    'products/update',
    'acme.myshopify.com',
  ),
);
const headerName = fc.constantFrom(
  'content-type',
  'x-shopify-hmac-sha256',
  'x-shopify-topic',
  'x-shopify-shop-domain',
  'x-shopify-api-version',
  'x-shopify-webhook-id',
  'x-hub-signature-256',
  'x-hub-signature',
  'authorization',
  'x-require-whisk-auth',
  'x-forwarded-for',
  'accept',
  'origin',
  'content-encoding',
  'x-http-method-override',
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  '',
);

const body = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '{"product":',
        '{"object":"page","entry":[{"id":',
        '[]',
        'null',
        '1e309',
        '{"__proto__":{"x":1}}',
        '\uFEFF{}',
      )
      .map((s) => Buffer.from(s)),
  },
  { weight: 1, arbitrary: fc.constantFrom(HUGE_BODY, HUGE_JSON) },
);

/**
 * Malformed requests for one web function: any method, long or short address, result extensions,
 * path tricks, odd queries, cookies and headers, and JSON, binary, empty or over-1-MB bodies.
 */
export function malformedRequest(target: WebTarget, options: { validSession?: string } = {}): fc.Arbitrary<RawRequest> {
  return fc
    .record({
      method: fc.constantFrom(
        'GET',
        'GET',
        'POST',
        'POST',
        'PUT',
        'PATCH',
        'DELETE',
        'HEAD',
        'OPTIONS',
        'TRACE',
        'PROPFIND',
      ),
      base: fc.constantFrom(target.longPath, target.shortPath),
      ext: fc.constantFrom('', '', '', '.json', '.http', '.html', '.text', '.svg', '.xml', '.JSON'),
      segments: fc.array(segment, { maxLength: 3 }),
      query,
      headers: fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
      cookie: fc.option(cookieArb(options.validSession), { nil: undefined }),
      contentType: fc.option(contentType, { nil: undefined }),
      body,
    })
    .map((c) => {
      const headers: Record<string, string> = { ...c.headers };
      if (c.cookie !== undefined) headers.cookie = c.cookie;
      if (c.contentType !== undefined) headers['content-type'] = c.contentType;
      const path = `${c.base}${c.ext}${c.segments.map((s) => `/${s}`).join('')}${c.query ? `?${c.query}` : ''}`;
      return {
        method: c.method,
        path,
        headers,
        ...(c.body && c.method !== 'GET' && c.method !== 'HEAD' ? { body: c.body } : {}),
      };
    });
}
