import type { WebExtension } from './web-result';

/** A request path resolved to what the host should do with it. */
export type Route =
  | { kind: 'web'; pkg: string; fn: string; ext: WebExtension; path: string }
  | { kind: 'runtimes' }
  | { kind: 'invoke'; namespace: string; pkg: string; fn: string }
  | { kind: 'activation'; namespace: string; id: string; part: 'record' | 'result' | 'logs' }
  | { kind: 'trigger'; name: string }
  | { kind: 'index' }
  | { kind: 'not-found' };

/** A path rewrite applied before routing, e.g. `/shopify/<shop>/login` → `/shopify/login/<shop>`. */
export interface PathAlias {
  pattern: RegExp;
  to: (match: RegExpExecArray) => string;
}

const EXTENSIONS: readonly WebExtension[] = ['http', 'json', 'html', 'svg', 'text'];

/** Applies the first matching alias to a path. */
export function applyAliases(pathname: string, aliases: readonly PathAlias[]): string {
  for (const alias of aliases) {
    const match = alias.pattern.exec(pathname);
    if (match) return alias.to(match);
  }
  return pathname;
}

function webRoute(segments: string[]): Route {
  const [pkg, fnWithExt, ...rest] = segments;
  if (!pkg || !fnWithExt) return { kind: 'not-found' };
  let fn = fnWithExt;
  let ext: WebExtension = 'http';
  const dot = fnWithExt.lastIndexOf('.');
  const candidate = fnWithExt.slice(dot + 1) as WebExtension;
  if (dot > 0 && EXTENSIONS.includes(candidate)) {
    fn = fnWithExt.slice(0, dot);
    ext = candidate;
  }
  return {
    kind: 'web',
    pkg: decodeURIComponent(pkg),
    fn: decodeURIComponent(fn),
    ext,
    path: rest.length > 0 ? `/${rest.join('/')}` : '',
  };
}

/**
 * Resolves a pathname (after aliases) to a route; `/api/v1/web/<ns>/…` and the short `/<pkg>/<fn>/…` are
 * both web routes. A malformed percent escape in a name (`/shopify/%`) routes nowhere instead of throwing.
 */
export function route(pathname: string, namespace: string): Route {
  try {
    return resolve(pathname, namespace);
  } catch (err) {
    if (err instanceof URIError) return { kind: 'not-found' };
    throw err;
  }
}

function resolve(pathname: string, namespace: string): Route {
  const segments = pathname.split('/').slice(1);
  if (segments.at(-1) === '' && segments.length > 1) segments.pop();
  const [first, second, third, fourth, fifth, ...more] = segments;
  if (pathname === '/' || pathname === '') return { kind: 'index' };
  if (first === '__host') {
    return second === 'triggers' && third && !fourth
      ? { kind: 'trigger', name: decodeURIComponent(third) }
      : { kind: 'not-found' };
  }
  if (first !== 'api') return webRoute(segments);
  if (second !== 'v1') return { kind: 'not-found' };
  if (third === undefined) return { kind: 'runtimes' };
  if (third === 'web') {
    const ns = fourth;
    if (ns !== namespace && ns !== '_') return { kind: 'not-found' };
    return webRoute(segments.slice(4));
  }
  if (third === 'namespaces' && fourth) {
    const ns = decodeURIComponent(fourth);
    if (fifth === 'actions' && more.length >= 1 && more.length <= 2) {
      const [a, b] = more.map(decodeURIComponent) as [string, string | undefined];
      return b === undefined
        ? { kind: 'invoke', namespace: ns, pkg: 'default', fn: a }
        : { kind: 'invoke', namespace: ns, pkg: a, fn: b };
    }
    if (fifth === 'activations' && more.length >= 1) {
      const [id, part] = more;
      if (more.length === 1) return { kind: 'activation', namespace: ns, id: id as string, part: 'record' };
      if (more.length === 2 && (part === 'result' || part === 'logs'))
        return { kind: 'activation', namespace: ns, id: id as string, part };
    }
  }
  return { kind: 'not-found' };
}
