import type { DailyCount } from '../account/status';
import { formatTime, html, htmlResponse, jsonDetails, safeHref, type SafeHtml } from './html';

/** One connection as `account/status` answers it (JSON fields are snake_case at the top, camelCase inside). */
interface ConnectionView {
  state: string;
  lastSyncAt?: string;
  lastResult?: string;
  lastSuccessAt?: string;
  message?: string;
  fix?: string;
  source?: string;
  movedAt?: string;
}

/** What the status page shows: the JSON body plus the links the buttons need. */
export interface StatusView {
  appUrl: string;
  body: {
    user_uuid: string;
    reauth_required: boolean;
    updated_at: string;
    shops: Array<ConnectionView & { shop: string; productCount?: number; mode?: string }>;
    pages: Array<ConnectionView & { pageId: string; name?: string }>;
    daily: DailyCount[];
    storage: { conditional_writes: 'honoured' | 'ignored' | 'unknown' };
  };
  now: number;
}

// What the storage probe found (README "Degraded mode"), in the merchant's terms.
const STORAGE_MODES = {
  honoured: 'Storage: Spaces honours conditional writes (normal mode).',
  ignored: 'Storage: Spaces ignores conditional writes here (degraded mode); updates are still never lost.',
  unknown: 'Storage: the conditional-write check could not run just now; it is retried on the next request.',
} as const;

const SOURCES: Record<string, string> = {
  oauth: 'when you connected',
  poll: 'by the daily poll',
  manual: 'by a manual sync',
};

function stateBadge(state: string): SafeHtml {
  if (state === 'connected') return html`<span class="ok">✓ Connected</span>`;
  if (state === 'reauth_required') return html`<span class="bad">✗ Needs re-authorisation</span>`;
  if (state === 'moved') return html`<span class="warn">↪ Moved to another account</span>`;
  if (state === 'disconnected') return html`<span class="bad">✗ Disconnected</span>`;
  return html`<span class="warn">${state}</span>`;
}

function resultBadge(c: ConnectionView): SafeHtml {
  const r = c.lastResult;
  const badge =
    r === 'success'
      ? html`<span class="ok">✓ Success</span>`
      : r === 'queued'
        ? html`<span class="warn">⏳ Running in the background</span>`
        : r === 'skipped'
          ? html`<span class="warn">Not synced yet</span>`
          : html`<span class="bad">✗ ${r === 'reauth_required' ? 'Access refused' : 'Failed'}</span>`;
  return html`${badge}${c.message ? html`<br><span class="note">${c.message}</span>` : ''}`;
}

function lastSync(c: ConnectionView): SafeHtml {
  if (c.lastResult === 'skipped' && !c.lastSuccessAt) return html`—`;
  const by = c.source && SOURCES[c.source] ? html`<br><span class="note">${SOURCES[c.source]}</span>` : '';
  return html`${formatTime(c.lastSyncAt)}${by}`;
}

/** The last 30 UTC days ending today, with zeros on quiet days. */
export function last30Days(daily: readonly DailyCount[], now: number): DailyCount[] {
  const byDate = new Map(daily.map((d) => [d.date, d]));
  const out: DailyCount[] = [];
  for (let i = 29; i >= 0; i--) {
    const date = new Date(now - i * 86_400_000).toISOString().slice(0, 10);
    out.push(byDate.get(date) ?? { date, productsSynced: 0, webhookUpdates: 0 });
  }
  return out;
}

/** A bar chart as inline SVG; the numbers are also in the table beside it for screen readers. */
function barChart(
  id: string,
  title: string,
  days: readonly DailyCount[],
  pick: (d: DailyCount) => number,
  colour: string,
): SafeHtml {
  const W = 600;
  const H = 120;
  const top = 18;
  const bottom = 20;
  const max = Math.max(1, ...days.map(pick));
  const bw = W / days.length;
  const total = days.reduce((s, d) => s + pick(d), 0);
  const bars = days.map((d, i) => {
    const v = pick(d);
    const h = Math.round(((H - top - bottom) * v) / max);
    return html`<rect x="${(i * bw + 1).toFixed(1)}" y="${H - bottom - h}" width="${(bw - 2).toFixed(1)}"
height="${h}" fill="${colour}"><title>${d.date}: ${v}</title></rect>`;
  });
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-title">
<title id="${id}-title">${title}: ${total} in the last 30 days, at most ${total === 0 ? 0 : max} a day</title>
<text x="0" y="12" font-size="12" fill="#57606a">${title} (max ${total === 0 ? 0 : max}/day)</text>
<line x1="0" y1="${H - bottom}" x2="${W}" y2="${H - bottom}" stroke="#d0d7de"/>
${bars}
<text x="0" y="${H - 4}" font-size="11" fill="#57606a">${days[0]?.date ?? ''}</text>
<text x="${W}" y="${H - 4}" font-size="11" fill="#57606a" text-anchor="end">${days.at(-1)?.date ?? ''}</text>
</svg>`;
}

/** The `account/status` page: every connection, what needs fixing (with its button), and the last 30 days. */
export function statusPage(view: StatusView): Response {
  const { body, appUrl } = view;
  const shopLogin = (shop: string) => `${appUrl}/shopify/login?shop=${encodeURIComponent(shop)}`;
  const fbLogin = `${appUrl}/facebook/login`;
  const shopRows = body.shops.map(
    (s) => html`<tr><th scope="row">${s.shop}</th><td>${stateBadge(s.state)}</td><td>${lastSync(s)}</td>
<td>${resultBadge(s)}</td><td>${s.productCount ?? '—'}</td>
<td>${
      s.state === 'connected' ? '' : html`<a class="button" href="${safeHref(shopLogin(s.shop))}">Reconnect store</a>`
    }</td>
</tr>`,
  );
  const pageRows = body.pages.map(
    (p) => html`<tr><th scope="row">${p.name ?? p.pageId}<br><span class="note">${p.pageId}</span></th>
<td>${stateBadge(p.state)}${
      p.state === 'moved' && p.movedAt ? html`<br><span class="note">since ${formatTime(p.movedAt)}</span>` : ''
    }</td>
<td>${lastSync(p)}</td><td>${resultBadge(p)}</td>
<td>${p.state === 'connected' ? '' : html`<a class="button" href="${safeHref(fbLogin)}">Reconnect Page</a>`}</td></tr>`,
  );
  const days = last30Days(body.daily, view.now);
  const needs = [...body.shops, ...body.pages].filter(
    (c) => c.state === 'reauth_required' || c.state === 'disconnected',
  );
  const needCount = needs.length === 1 ? '1 connection needs' : `${needs.length} connections need`;
  const main = html`<h1>Account status</h1>
<p class="lead">Account <code>${body.user_uuid}</code> · updated ${formatTime(body.updated_at)}</p>
${
  needs.length > 0
    ? html`<div class="banner" role="alert"><strong>${needCount} your attention.</strong>
Use its <em>Reconnect</em> button below and approve the app again.</div>`
    : ''
}
<h2>Shopify</h2>
${
  shopRows.length === 0
    ? html`<p>No store connected.</p>`
    : html`<table id="shops"><thead><tr><th scope="col">Store</th><th scope="col">State</th>
<th scope="col">Last sync</th><th scope="col">Result</th><th scope="col">Products</th>
<th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${shopRows}</tbody></table>`
}
<h2>Facebook Pages</h2>
${
  pageRows.length === 0
    ? html`<p>No Page connected yet.</p><div class="actions">
<a class="button" id="connect-facebook" href="${safeHref(fbLogin)}">Connect Facebook</a></div>`
    : html`<table id="pages"><thead><tr><th scope="col">Page</th><th scope="col">State</th>
<th scope="col">Last sync</th>
<th scope="col">Result</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${pageRows}</tbody></table>`
}
<h2>Last 30 days</h2>
${barChart('chart-products', 'Products synced', days, (d) => d.productsSynced, '#0550ae')}
${barChart('chart-webhooks', 'Webhook updates applied', days, (d) => d.webhookUpdates, '#9a6700')}
<details><summary>Daily numbers</summary><table><thead><tr><th scope="col">Day (UTC)</th>
<th scope="col">Products synced</th>
<th scope="col">Webhook updates</th></tr></thead><tbody>${days
    .filter((d) => d.productsSynced + d.webhookUpdates > 0)
    .map((d) => html`<tr><td>${d.date}</td><td>${d.productsSynced}</td><td>${d.webhookUpdates}</td></tr>`)}</tbody>
</table></details>
<p class="note" id="storage-mode">${STORAGE_MODES[body.storage.conditional_writes]}</p>
${jsonDetails(body)}`;
  return htmlResponse('Account status', main);
}
