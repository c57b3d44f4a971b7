/**
 * Content negotiation for the pages people open in a browser (`shopify/callback`, `facebook/callback`,
 * `account/status`). HTML only when the `Accept` header names `text/html` (or XHTML) with a higher
 * quality than JSON gets, which is what browsers send; `application/json`, `*∕*` and no `Accept` keep
 * the seed's JSON, so API clients see no change. `?format=json` forces JSON.
 */
export function prefersHtml(request: Request): boolean {
  const format = new URL(request.url).searchParams.get('format');
  if (format === 'json') return false;
  const accept = request.headers.get('accept');
  if (!accept) return false;
  let html = 0;
  let jsonQ = -1;
  let anyQ = 0;
  let appAnyQ = -1;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType?.trim().toLowerCase() ?? '';
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim());
      if (k === 'q') {
        const n = Number(v);
        q = Number.isFinite(n) ? Math.max(0, Math.min(1, n)) : 0;
      }
    }
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type === 'application/json') jsonQ = Math.max(jsonQ, q);
    else if (type === 'application/*') appAnyQ = Math.max(appAnyQ, q);
    else if (type === '*/*') anyQ = Math.max(anyQ, q);
  }
  // The most specific range naming JSON decides its quality (RFC 9110 §12.5.1).
  const json = jsonQ >= 0 ? jsonQ : appAnyQ >= 0 ? appAnyQ : anyQ;
  return html > 0 && html > json;
}
