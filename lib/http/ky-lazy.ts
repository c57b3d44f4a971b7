import type * as Ky from 'ky';
import type { KyInstance } from 'ky';

/*
 * Stands in for `ky` inside the function bundles (build.mjs resolves `ky` here for every importer but this file).
 * ky feature-detects request streams when it loads, which makes Node load its whole fetch implementation (undici,
 * zlib, tls): tens of milliseconds that a job paid before its first Spaces request. Here ky loads on first use:
 * `ky.create()`/`ky.extend()` hand back instances that create the real one when first called or read.
 * Only runtime exports listed below exist; importing another one fails the build, so add it here.
 */

let loaded: typeof Ky | undefined;
// esbuild bundles this require() as a lazy initialiser of ky's ES module: nothing of ky runs before the first use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const real = (): typeof Ky => (loaded ??= require('ky') as typeof Ky);

// A function (so it can be called and constructed) whose every operation goes to the value `get()` returns.
function forward<T extends object>(get: () => T, override?: (prop: PropertyKey) => unknown): T {
  return new Proxy(function lazy() {} as unknown as T, {
    apply: (_target, self, args) => Reflect.apply(get() as (...a: unknown[]) => unknown, self, args),
    construct: (_target, args) => Reflect.construct(get() as new (...a: unknown[]) => object, args),
    get: (_target, prop) => {
      const special = override?.(prop);
      if (special !== undefined) return special;
      const value = get();
      const member = Reflect.get(value, prop, value) as unknown;
      return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(value) : member;
    },
    has: (_target, prop) => Reflect.has(get(), prop),
  });
}

function lazyInstance(make: () => KyInstance): KyInstance {
  let instance: KyInstance | undefined;
  const get = () => (instance ??= make());
  return forward(get, (prop) => {
    if (prop === 'create') return (options?: Ky.Options) => lazyInstance(() => get().create(options));
    if (prop === 'extend') return (options: Ky.Options) => lazyInstance(() => get().extend(options));
    return undefined;
  });
}

const ky: KyInstance = lazyInstance(() => real().default);
export default ky;

const lazyExport = <K extends keyof typeof Ky>(name: K) => forward(() => real()[name] as object) as (typeof Ky)[K];
export const KyError = lazyExport('KyError');
export const HTTPError = lazyExport('HTTPError');
export const NetworkError = lazyExport('NetworkError');
export const TimeoutError = lazyExport('TimeoutError');
export const SchemaValidationError = lazyExport('SchemaValidationError');
export const ForceRetryError = lazyExport('ForceRetryError');
export const isKyError = ((error: unknown) => real().isKyError(error)) as typeof Ky.isKyError;
export const isHTTPError = ((error: unknown) => real().isHTTPError(error)) as typeof Ky.isHTTPError;
export const isNetworkError = ((error: unknown) => real().isNetworkError(error)) as typeof Ky.isNetworkError;
export const isTimeoutError = ((error: unknown) => real().isTimeoutError(error)) as typeof Ky.isTimeoutError;
export const isForceRetryError = ((error: unknown) => real().isForceRetryError(error)) as typeof Ky.isForceRetryError;
