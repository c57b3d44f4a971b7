import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkConditions, readConditions } from './conditional';
import { DEFAULT_ETAG_INDEX_LIMIT, EtagIndex, type KnownEtag } from './etag-index';
import { FAULT_KINDS, type FaultKind, type FaultPlan } from './faults';
import { KeyLocks, type Release } from './key-lock';
import type { MultipartUploads } from './multipart';
import { abortMultipartUpload, listMultipartUploads, listParts } from './multipart-routes';
import { describeRequest, isPathStyleHost, objectId, READ_METHODS, type S3RequestInfo } from './request-info';
import { elementTexts, INTERNAL_ERROR, SLOW_DOWN, sendError, type S3ErrorSpec } from './s3-xml';
import {
  checkContentMd5,
  clientApp,
  emptyStrictCounters,
  SlidingSecond,
  WRITE_CLASS,
  type ConditionalWritesMode,
  type CountedOperation,
  type StrictCounters,
  type StrictProfile,
} from './strict';
import { Upstream, type ForwardHooks, type ForwardResult } from './upstream';

/** Counters the proxy keeps; {@link SpacesProxy.stats} returns a copy. */
export interface ProxyCounters extends StrictCounters {
  /** Requests received by the proxy. */
  requests: number;
  /** Requests passed on to s3rver. */
  forwarded: number;
  /** Faults injected, in total and per kind. */
  faultsInjected: number;
  faultsByKind: Record<FaultKind, number>;
  /** Writes that carried `If-Match` or `If-None-Match` and were checked. */
  conditionalWrites: number;
  /** 412 PreconditionFailed answers. */
  preconditionFailed: number;
  /** Conditional writes checked against the proxy's ETag index, without asking s3rver. */
  etagIndexHits: number;
  /** HEADs sent to s3rver to learn an ETag the index did not know (objects not yet seen by this proxy). */
  etagHeadRequests: number;
  multipartCompleted: number;
  multipartAborted: number;
}

/** What the proxy needs: where s3rver listens, its data directory, and the shared fault plan and upload registry. */
export interface ProxyOptions {
  port: number;
  upstreamPort: number;
  directory: string;
  faults: FaultPlan;
  uploads: MultipartUploads;
  /** Bound on the ETag index; default {@link DEFAULT_ETAG_INDEX_LIMIT}. */
  etagIndexLimit?: number;
  /** Spaces' limits to enforce; null = none (the lenient store of before). */
  strict: StrictProfile | null;
  /** `ignore` drops `If-Match` / `If-None-Match` on writes silently, like a store without conditional writes. */
  conditionalWrites: ConditionalWritesMode;
}

/** The running proxy. */
export interface SpacesProxy {
  port: number;
  counters(): ProxyCounters;
  /** Sets every counter back to zero (a benchmark measures one level at a time). */
  resetCounters(): void;
  /** Objects whose ETag (or absence) the proxy currently knows. */
  etagIndexSize(): number;
  /** Stops listening, drops every open connection (including held `timeout` faults) and resolves when closed. */
  close(): Promise<void>;
}

type ObjectRequest = S3RequestInfo & { bucket: string; key: string };

/** The proxy's answer to a conditional write on a virtual-hosted request, whose object it cannot name. */
/** Tries of a bucket listing that s3rver fails with 500 because a key went away mid-listing (see `listBucket`). */
const LIST_ATTEMPTS = 5;

const CONDITIONAL_NEEDS_PATH_STYLE: S3ErrorSpec = {
  status: 501,
  code: 'NotImplemented',
  message: 'The local Spaces proxy checks If-Match / If-None-Match only on path-style requests (forcePathStyle: true)',
};

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req
      .on('end', resolve)
      .on('error', () => resolve())
      .on('close', resolve)
      .resume();
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (chunk: Buffer) => chunks.push(chunk))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject)
      .on('close', () => reject(new Error('request closed before its body was read')));
  });
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((key, i) => key === y[i]);
}

// What a forwarded PUT, DELETE or CompleteMultipartUpload did to its object, as far as s3rver's answer shows.
// `undefined` when it does not show it.
function writeOutcome(info: ObjectRequest, answer: ForwardResult): KnownEtag | undefined {
  const { status, headers, body } = answer;
  switch (info.operation) {
    case 'put-object': {
      const etag = headers?.etag;
      return status === 200 && typeof etag === 'string' && etag !== '' ? etag : undefined;
    }
    case 'delete-object':
      return status === 204 || status === 200 ? null : undefined;
    case 'complete-multipart': {
      const etags = status === 200 && body ? elementTexts(body.toString('utf8'), 'ETag') : [];
      return etags.length === 1 && etags[0] ? etags[0] : undefined;
    }
    default:
      return undefined;
  }
}

// The S3 operation a request is, as the strict profile counts it.
function countedOperation(info: S3RequestInfo, req: IncomingMessage): CountedOperation {
  switch (info.operation) {
    case 'put-object':
      return req.headers['x-amz-copy-source'] !== undefined ? 'CopyObject' : 'PutObject';
    case 'read-object':
      return info.method === 'HEAD' ? 'HeadObject' : 'GetObject';
    case 'delete-object':
      return 'DeleteObject';
    case 'delete-objects':
      return 'DeleteObjects';
    case 'create-multipart':
    case 'upload-part':
    case 'complete-multipart':
    case 'abort-multipart':
    case 'list-parts':
    case 'list-multipart-uploads':
      return 'Multipart';
    default:
      return info.bucket !== undefined && info.key === undefined && info.method === 'GET' ? 'ListObjects' : 'Other';
  }
}

/** Starts the HTTP proxy on 127.0.0.1 in front of s3rver, adding conditional writes, multipart bookkeeping and faults. */
export async function startProxy(options: ProxyOptions): Promise<SpacesProxy> {
  const { faults, uploads, directory } = options;
  const upstream = new Upstream(options.upstreamPort);
  const locks = new KeyLocks();
  const index = new EtagIndex(options.etagIndexLimit ?? DEFAULT_ETAG_INDEX_LIMIT);
  const heldFaults = new Set<NodeJS.Timeout>();
  const fresh = (): ProxyCounters => ({
    ...emptyStrictCounters(),
    requests: 0,
    forwarded: 0,
    faultsInjected: 0,
    faultsByKind: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
    conditionalWrites: 0,
    preconditionFailed: 0,
    etagIndexHits: 0,
    etagHeadRequests: 0,
    multipartCompleted: 0,
    multipartAborted: 0,
  });
  let counters = fresh();
  const strict = options.strict;
  const bucketOps = strict ? new SlidingSecond(strict.bucketOpsPerSecond) : null;
  const bucketWrites = strict ? new SlidingSecond(strict.bucketWritesPerSecond) : null;
  const clients = new Map<string, SlidingSecond>();
  // PUT/COPY requests in flight per object, for the per-object concurrency limit.
  const putsInFlight = new Map<string, number>();
  const conditionsOf = (req: IncomingMessage) =>
    options.conditionalWrites === 'ignore' ? undefined : readConditions(req.headers);

  const forward = (req: IncomingMessage, res: ServerResponse, hooks: ForwardHooks = {}) => {
    counters.forwarded += 1;
    return upstream.forward(req, res, hooks);
  };

  const idOf = (info: { bucket: string; key: string }) => objectId(directory, info.bucket, info.key);

  // The object's current ETag (`undefined` = no object): from the index, else from a HEAD whose answer
  // is recorded. The caller holds the object's exclusive lock and read `generation` after taking it.
  async function currentEtag(id: string, info: ObjectRequest, generation: number): Promise<string | undefined> {
    const known = index.lookup(id);
    if (known !== undefined) {
      counters.etagIndexHits += 1;
      return known ?? undefined;
    }
    counters.etagHeadRequests += 1;
    const etag = await upstream.currentEtag(info.rawPath);
    index.record(id, etag ?? null, generation);
    return etag;
  }

  async function injectFault(kind: FaultKind, req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.faultsInjected += 1;
    counters.faultsByKind[kind] += 1;
    switch (kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'timeout': {
        const timer = setTimeout(() => {
          heldFaults.delete(timer);
          req.socket.destroy();
        }, faults.timeoutMs);
        heldFaults.add(timer);
        req.socket.once('close', () => {
          clearTimeout(timer);
          heldFaults.delete(timer);
        });
        req.resume();
        return;
      }
      case '503-slowdown':
        await drain(req);
        return sendError(res, SLOW_DOWN, req.url);
      case '500':
      case 'multipart-part-500':
        await drain(req);
        return sendError(res, INTERNAL_ERROR, req.url);
    }
  }

  // PUT, DELETE and CompleteMultipartUpload hold the key exclusively from the ETag check until
  // s3rver has answered, so check-then-write is atomic with respect to every request through the proxy,
  // and the ETag index entry is updated before any other request on the key can read it.
  async function writeObject(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = idOf(info);
    const release = await locks.exclusive(id);
    const generation = index.generation;
    let indexed = false;
    try {
      const conditions = conditionsOf(req);
      if (conditions) {
        counters.conditionalWrites += 1;
        const failure = checkConditions(conditions, await currentEtag(id, info, generation), info.key);
        if (failure) {
          indexed = true; // not forwarded: the object is unchanged
          if (failure.status === 412) counters.preconditionFailed += 1;
          await drain(req);
          return sendError(res, failure, info.rawPath);
        }
      }
      const completing = info.operation === 'complete-multipart';
      // s3rver completes an upload into the key it was created for, whatever the URL says.
      const target = completing ? await uploads.keyOf(info.bucket, info.query.get('uploadId') ?? '') : info.key;
      const answer = await forward(req, res, { captureBody: completing });
      if (completing && answer.status === 200) {
        uploads.forget(info.bucket, info.query.get('uploadId') ?? '');
        counters.multipartCompleted += 1;
      }
      if (target !== undefined && target !== info.key && idOf({ bucket: info.bucket, key: target }) !== id) {
        index.clear(); // another object, not locked here, may have changed
        return;
      }
      const copy = info.operation === 'put-object' && req.headers['x-amz-copy-source'] !== undefined;
      const outcome = copy ? undefined : writeOutcome(info, answer);
      if (outcome !== undefined) {
        index.record(id, outcome, generation);
        indexed = true;
      }
    } finally {
      if (!indexed) index.invalidate(id);
      release();
    }
  }

  // Object sub-resource writes (tagging, ACLs, …) and unknown object operations: locked like a write,
  // and the object's index entry dropped since their effect on its ETag is not modelled.
  async function otherWrite(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = idOf(info);
    const release = await locks.exclusive(id);
    try {
      await forward(req, res);
    } finally {
      index.invalidate(id);
      release();
    }
  }

  // Writes the proxy cannot attribute to locked objects (POST form uploads, bucket operations,
  // virtual-hosted requests): forwarded as before, then the whole index is dropped.
  async function unattributedWrite(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await forward(req, res);
    } finally {
      index.clear();
    }
  }

  // DeleteObjects names up to 1000 keys in its XML body: hold all of them (in one global order, so two
  // batches cannot deadlock) while s3rver deletes, then record them as missing if s3rver reports
  // exactly those keys deleted. Otherwise (an error, a key s3rver read differently: its XML parser
  // turns `<Key>0123</Key>` into the number 123 and then fails) the whole index is dropped.
  async function deleteObjects(
    info: S3RequestInfo & { bucket: string },
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const body = await readBody(req);
    if (strict?.requireDeleteObjectsMd5) {
      const refused = checkContentMd5(req.headers['content-md5'], body);
      if (refused) {
        counters.deleteObjectsMd5Refused += 1;
        return sendError(res, refused, info.rawPath);
      }
    }
    const keys = elementTexts(body.toString('utf8'), 'Key');
    const ids = [...new Set(keys.map((key) => idOf({ bucket: info.bucket, key })))].sort();
    const releases: Release[] = [];
    let indexed = false;
    try {
      for (const id of ids) releases.push(await locks.exclusive(id));
      const generation = index.generation;
      const answer = await forward(req, res, { body, captureBody: true });
      const xml = answer.status === 200 ? (answer.body?.toString('utf8') ?? '') : '';
      const deleted = /<Error>/.test(xml) ? [] : elementTexts(xml, 'Key');
      if (keys.length > 0 && sameKeys(deleted, keys)) {
        for (const id of ids) index.record(id, null, generation);
        indexed = true;
      }
    } finally {
      if (!indexed) index.clear();
      for (const release of releases.reverse()) release();
    }
  }

  // Reads share the key until s3rver has opened the file and sent headers, so they never see a write half-done.
  async function read(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const release = await locks.shared(idOf(info));
    try {
      await forward(req, res, { onHeaders: release });
    } finally {
      release();
    }
  }

  async function createMultipart(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { status, body } = await forward(req, res, { captureBody: true });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(body?.toString('utf8') ?? '')?.[1];
    if (status === 200 && uploadId) uploads.record(info.bucket, uploadId);
  }

  async function abort(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    await drain(req);
    const release = await locks.exclusive(idOf(info));
    try {
      await abortMultipartUpload(info, res, uploads);
      if (res.statusCode === 204) counters.multipartAborted += 1;
    } finally {
      release();
    }
  }

  // The strict profile's rate limits: per client IP, per bucket, per bucket for writes and lists. A refused request
  // takes nothing from the limits it passed. Returns the limit that refused it.
  function overRate(
    req: IncomingMessage,
    operation: CountedOperation,
  ): keyof StrictCounters['slowDownByReason'] | null {
    if (!strict || !bucketOps || !bucketWrites) return null;
    const ip = req.socket.remoteAddress ?? '-';
    let client = clients.get(ip);
    if (!client) clients.set(ip, (client = new SlidingSecond(strict.clientRequestsPerSecond)));
    if (!client.tryTake()) return 'client';
    if (!bucketOps.tryTake()) {
      client.untake();
      return 'bucketOps';
    }
    if (WRITE_CLASS.has(operation) && !bucketWrites.tryTake()) {
      bucketOps.untake();
      client.untake();
      return 'bucketWrites';
    }
    return null;
  }

  // Counts a PUT/COPY in flight on its object until its answer is over; false when the object already has the
  // profile's maximum in flight (the request must then be refused).
  function admitPut(info: ObjectRequest, res: ServerResponse): boolean {
    const id = idOf(info);
    const inFlight = (putsInFlight.get(id) ?? 0) + 1;
    if (inFlight > counters.maxConcurrentPutsPerKey) {
      counters.maxConcurrentPutsPerKey = inFlight;
      counters.maxConcurrentPutsKey = info.key;
    }
    if (strict && inFlight > strict.maxConcurrentPutsPerKey) return false;
    putsInFlight.set(id, inFlight);
    res.once('close', () => {
      const left = (putsInFlight.get(id) ?? 1) - 1;
      if (left <= 0) putsInFlight.delete(id);
      else putsInFlight.set(id, left);
    });
    return true;
  }

  async function slowDown(req: IncomingMessage, res: ServerResponse, reason: keyof StrictCounters['slowDownByReason']) {
    counters.slowDown += 1;
    counters.slowDownByReason[reason] += 1;
    await drain(req);
    sendError(res, SLOW_DOWN, req.url);
  }

  /**
   * A bucket-level read (ListObjectsV2 and the like). s3rver lists by walking its directory and then reading each key's
   * metadata, so a key deleted in between fails the whole listing with 500 InternalError; Spaces answers such a listing
   * with or without the key. Retried here a few times, so the twin does not fail where Spaces does not.
   */
  async function listBucket(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await drain(req);
    let answer = await upstream.read(req);
    for (let attempt = 1; answer.status === 500 && attempt < LIST_ATTEMPTS; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
      answer = await upstream.read(req);
    }
    if (answer.headers === undefined) return sendError(res, INTERNAL_ERROR, req.url);
    res.writeHead(answer.status, answer.statusMessage, answer.headers);
    res.end(answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests += 1;
    const info = describeRequest(req);
    const operation = countedOperation(info, req);
    counters.requestsByOperation[operation] += 1;
    const app = (counters.requestsByApp[clientApp(req.headers)] ??= {});
    app[operation] = (app[operation] ?? 0) + 1;
    const limited = overRate(req, operation);
    if (limited) return slowDown(req, res, limited);
    if (
      (operation === 'PutObject' || operation === 'CopyObject') &&
      info.bucket !== undefined &&
      info.key !== undefined &&
      !admitPut({ ...info, bucket: info.bucket, key: info.key }, res)
    ) {
      return slowDown(req, res, 'perKeyPuts');
    }
    const fault = faults.pick({ method: info.method, key: info.key, isUploadPart: info.operation === 'upload-part' });
    if (fault) return injectFault(fault, req, res);
    const write = !READ_METHODS.has(info.method);
    if (!isPathStyleHost(req.headers.host)) {
      // s3rver takes the bucket from the Host header: locks and the index would name the wrong object.
      if (!write) return void (await forward(req, res));
      if (conditionsOf(req)) {
        await drain(req);
        return sendError(res, CONDITIONAL_NEEDS_PATH_STYLE, req.url);
      }
      return unattributedWrite(req, res);
    }
    if (info.bucket === undefined) return write ? unattributedWrite(req, res) : void (await forward(req, res));
    if (info.operation === 'list-multipart-uploads') {
      await drain(req);
      return listMultipartUploads({ ...info, bucket: info.bucket }, res, uploads, directory);
    }
    if (info.operation === 'delete-objects') return deleteObjects({ ...info, bucket: info.bucket }, req, res);
    if (info.key === undefined) return write ? unattributedWrite(req, res) : listBucket(req, res);
    const object: ObjectRequest = { ...info, bucket: info.bucket, key: info.key };
    switch (info.operation) {
      case 'put-object':
      case 'delete-object':
      case 'complete-multipart':
        return writeObject(object, req, res);
      case 'read-object':
        return read(object, req, res);
      case 'create-multipart':
        return createMultipart(object, req, res);
      case 'abort-multipart':
        return abort(object, req, res);
      case 'list-parts':
        await drain(req);
        return listParts(object, res, uploads);
      case 'upload-part':
        return void (await forward(req, res)); // the object itself is unchanged
      default:
        if (write) return otherWrite(object, req, res);
        await forward(req, res);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, INTERNAL_ERROR, req.url);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    port,
    counters: () => structuredClone(counters),
    resetCounters: () => {
      counters = fresh();
    },
    etagIndexSize: () => index.size,
    close: async () => {
      for (const timer of heldFaults) clearTimeout(timer);
      heldFaults.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      upstream.close();
      await closed;
    },
  };
}
