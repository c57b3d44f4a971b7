import { createHash } from 'node:crypto';

/**
 * The small HTML kit behind the pages people see in a browser. Every interpolated value is escaped
 * unless it was built by {@link html} itself: shop names and Page names come from the platforms and
 * are attacker-controlled. Pages are self-contained (inline CSS and SVG, no scripts, no fonts, no
 * external requests) and sent with a Content-Security-Policy that allows exactly the one stylesheet.
 */

/** Markup that is already safe (built by {@link html}). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element or a quoted attribute. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(part);
}

/** Tagged template: literal markup stays, every value is escaped (arrays and nested `html` are joined). */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => (out += render(v) + (strings[i + 1] ?? '')));
  return new SafeHtml(out);
}

/** A link only to http(s) URLs; anything else renders as `#`. */
export function safeHref(url: string): string {
  return /^https?:\/\//i.test(url) || url.startsWith('/') ? url : '#';
}

const CSS = `
:root{color-scheme:light;--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#116329;--bad:#a40e26;--warn:#7d4e00;
--accent:#0550ae;--bg:#ffffff;--panel:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:52rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin:2rem 0 .6rem}
p.lead{color:var(--muted);margin-top:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dt{color:var(--muted)}dd{margin:0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.9rem}
ul.checks{list-style:none;padding:0;margin:0}ul.checks li{padding:.35rem 0;border-bottom:1px solid var(--line)}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}.warn{color:var(--warn);font-weight:600}
.note{color:var(--muted);font-size:.9rem}
.banner{border:1px solid var(--line);border-left:4px solid var(--warn);background:var(--panel);
padding:.7rem 1rem;margin:1rem 0}
.actions{margin:1.5rem 0;display:flex;flex-wrap:wrap;gap:.8rem;align-items:center}
a.button{display:inline-block;background:var(--accent);color:#fff;text-decoration:none;padding:.55rem 1rem;
border-radius:6px;font-weight:600}
a.button:focus-visible,a:focus-visible{outline:3px solid #0969da;outline-offset:2px}
a.button.secondary{background:var(--panel);color:var(--accent);border:1px solid var(--line)}
a{color:var(--accent)}
details{margin-top:2rem;border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;background:var(--panel)}
summary{cursor:pointer;font-weight:600}
pre{overflow:auto;font-size:.8rem;line-height:1.4;max-height:32rem;margin:.6rem 0 0}
svg.chart{width:100%;height:auto;max-width:40rem;display:block;margin-bottom:1.2rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`.trim();

const CSS_HASH = createHash('sha256').update(CSS).digest('base64');

/** The policy every page is sent with: nothing but the inline stylesheet and data: images. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${CSS_HASH}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A whole document around `body`. */
export function layout(title: string, body: SafeHtml): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>
<style>${CSS}</style></head>
<body><main>${body.value}</main></body></html>`;
}

/** An HTML response with the strict policy; `Vary: Accept` because the same URL also answers JSON. */
export function htmlResponse(title: string, body: SafeHtml, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set('content-type', 'text/html; charset=utf-8');
  h.set('cache-control', 'no-store');
  h.set('content-security-policy', PAGE_CSP);
  h.set('x-content-type-options', 'nosniff');
  h.set('referrer-policy', 'no-referrer');
  h.set('vary', 'Accept');
  return new Response(layout(title, body), { status, headers: h });
}

/** `✓ Passed` / `✗ Failed: …` / `… Queued`, in words as well as colour. */
export function stepBadge(step: { status: string; message?: string } | null | undefined): SafeHtml {
  if (!step) return html`<span class="warn">Not run</span>`;
  if (step.status === 'success') return html`<span class="ok">✓ Passed</span>`;
  if (step.status === 'queued') {
    const note = step.message ? html` <span class="note">${step.message}</span>` : '';
    return html`<span class="warn">⏳ Queued</span>${note}`;
  }
  return html`<span class="bad">✗ Failed</span>${step.message ? html`: ${step.message}` : ''}`;
}

/** `2026-12-04 15:40 UTC`, or the input when it is not a time. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The seed's JSON, pretty-printed, in a collapsed section. */
export function jsonDetails(body: unknown): SafeHtml {
  return html`<details><summary>Technical details: the JSON an API client gets</summary>
<pre>${JSON.stringify(body, null, 2)}</pre></details>`;
}
