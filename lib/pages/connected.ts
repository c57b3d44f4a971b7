import { html, htmlResponse, jsonDetails, safeHref, stepBadge, type SafeHtml } from './html';

type Step = { status: string; message?: string };

/** What the Shopify callback answered, plus what the page needs besides it. */
export interface ShopifyConnectedView {
  appUrl: string;
  shop: string;
  shopName?: string;
  productCount?: number;
  previewCount: number;
  body: {
    user_uuid: string;
    webhook_test: Step;
    polling_test: Step;
    upload_status: Step;
    token_data: { scope: string };
  } & Record<string, unknown>;
  headers?: HeadersInit;
}

/** The page a merchant sees after approving the app in Shopify. */
export function shopifyConnectedPage(view: ShopifyConnectedView): Response {
  const { body } = view;
  const ok = [body.webhook_test, body.polling_test, body.upload_status].every(
    (s) => s.status === 'success' || s.status === 'queued',
  );
  const products =
    body.upload_status.status === 'queued'
      ? html`${view.productCount ?? 0} so far; a background sync is storing the rest`
      : html`${view.productCount ?? 0}`;
  const title = ok ? 'Your Shopify store is connected' : 'Your Shopify store is connected, with problems';
  const main = html`<h1>${title}</h1>
<p class="lead">The sales bot now keeps this store's catalog current.</p>
<dl>
<dt>Store</dt><dd>${view.shopName ? html`${view.shopName} (${view.shop})` : view.shop}</dd>
<dt>Products stored</dt><dd id="product-count">${products}</dd>
<dt>Account</dt><dd><code>${body.user_uuid}</code></dd>
<dt>Permissions</dt><dd>${body.token_data.scope.split(',').join(', ')}</dd>
</dl>
<h2>Self-tests</h2>
<ul class="checks">
<li>Webhook test: ${stepBadge(body.webhook_test)}</li>
<li>Polling test: ${stepBadge(body.polling_test)}</li>
<li>Upload to Spaces: ${stepBadge(body.upload_status)}</li>
</ul>
<h2>Next step</h2>
<p>Connect the Facebook Pages the bot answers on.</p>
<div class="actions">
<a class="button" id="connect-facebook" href="${safeHref(`${view.appUrl}/facebook/login`)}">Connect Facebook</a>
<a class="button secondary" id="view-status" href="${safeHref(`${view.appUrl}/account/status`)}">View account status</a>
</div>
<p class="note">The JSON below shows the first ${view.previewCount} products as a preview; all ${view.productCount ?? 0}
are stored.</p>
${jsonDetails(body)}`;
  return htmlResponse('Shopify connected', main, 200, view.headers);
}

/** One Page's row on the Facebook page. */
interface ListedPage {
  id?: unknown;
  name?: unknown;
  webhook_subscription?: unknown;
}

/** What the Facebook callback answered. */
export interface FacebookConnectedView {
  appUrl: string;
  body: {
    user_uuid: string;
    pages: { data: ListedPage[] };
    webhook_test: Step;
    polling_test: Array<{ page_id: string; result: Step }>;
    upload_status: Array<{ page_id: string; result: Step }>;
  };
  headers?: HeadersInit;
}

function subscription(value: unknown): SafeHtml {
  if (value && typeof value === 'object') {
    const v = value as { status?: unknown; fields?: unknown; subscribed_fields?: unknown; message?: unknown };
    const fields = Array.isArray(v.fields) ? v.fields : Array.isArray(v.subscribed_fields) ? v.subscribed_fields : null;
    if (typeof v.status === 'string') {
      return stepBadge({ status: v.status, ...(typeof v.message === 'string' ? { message: v.message } : {}) });
    }
    if (fields) {
      return html`<span class="ok">✓ Subscribed</span> <span class="note">${fields.map(String).join(', ')}</span>`;
    }
    return html`<span class="ok">✓ Subscribed</span>`;
  }
  return html`<span class="warn">Not confirmed</span>`;
}

/** The page a merchant sees after approving the app in Facebook. */
export function facebookConnectedPage(view: FacebookConnectedView): Response {
  const { body } = view;
  const rows = body.pages.data.map((page, i) => {
    const id = String(page.id ?? body.upload_status[i]?.page_id ?? '');
    const poll = body.polling_test.find((p) => p.page_id === id)?.result;
    const upload = body.upload_status.find((p) => p.page_id === id)?.result;
    return html`<tr><td><strong>${String(page.name ?? id)}</strong><br><span class="note">${id}</span></td>
<td>${subscription(page.webhook_subscription)}</td><td>${stepBadge(poll)}</td><td>${stepBadge(upload)}</td></tr>`;
  });
  const allOk =
    body.webhook_test.status === 'success' &&
    [...body.polling_test, ...body.upload_status].every((p) => p.result.status === 'success');
  const main = html`<h1>${allOk ? 'Your Facebook Pages are connected' : 'Facebook connected, with problems'}</h1>
<p class="lead">${body.pages.data.length === 1 ? '1 Page' : `${body.pages.data.length} Pages`} connected to account
<code>${body.user_uuid}</code>.</p>
${
  body.pages.data.length === 0
    ? html`<p class="banner">Facebook listed no Pages for this login. Make sure you manage a Page and granted
access to it, then <a href="${safeHref(`${view.appUrl}/facebook/login`)}">connect again</a>.</p>`
    : html`<table><caption class="visually-hidden">Connected Pages</caption>
<thead><tr><th scope="col">Page</th><th scope="col">Subscription</th><th scope="col">Polling</th>
<th scope="col">Upload</th></tr></thead>
<tbody>${rows}</tbody></table>`
}
<h2>Self-test</h2>
<ul class="checks"><li>Webhook test: ${stepBadge(body.webhook_test)}</li></ul>
<div class="actions">
<a class="button" id="view-status" href="${safeHref(`${view.appUrl}/account/status`)}">View account status</a>
<a class="button secondary" id="connect-more" href="${safeHref(`${view.appUrl}/facebook/login`)}">
Connect other Pages</a>
</div>
${jsonDetails(body)}`;
  return htmlResponse('Facebook connected', main, 200, view.headers);
}
