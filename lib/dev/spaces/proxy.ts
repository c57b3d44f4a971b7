import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkConditions, readConditions } from './conditional';
import { FAULT_KINDS, type FaultKind, type FaultPlan } from './faults';
import { KeyLocks } from './key-lock';
import type { MultipartUploads } from './multipart';
import { abortMultipartUpload, listMultipartUploads, listParts } from './multipart-routes';
import { describeRequest, type S3RequestInfo } from './request-info';
import { INTERNAL_ERROR, SLOW_DOWN, sendError } from './s3-xml';
import { Upstream } from './upstream';

/** Counters the proxy keeps; {@link SpacesProxy.stats} returns a copy. */
export interface ProxyCounters {
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
}

/** The running proxy. */
export interface SpacesProxy {
  port: number;
  counters(): ProxyCounters;
  /** Stops listening, drops every open connection (including held `timeout` faults) and resolves when closed. */
  close(): Promise<void>;
}

type ObjectRequest = S3RequestInfo & { bucket: string; key: string };

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('end', resolve).on('error', () => resolve()).on('close', resolve).resume();
  });
}

/** Starts the HTTP proxy on 127.0.0.1 in front of s3rver, adding conditional writes, multipart bookkeeping and faults. */
export async function startProxy(options: ProxyOptions): Promise<SpacesProxy> {
  const { faults, uploads, directory } = options;
  const upstream = new Upstream(options.upstreamPort);
  const locks = new KeyLocks();
  const heldFaults = new Set<NodeJS.Timeout>();
  const counters: ProxyCounters = {
    requests: 0,
    forwarded: 0,
    faultsInjected: 0,
    faultsByKind: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
    conditionalWrites: 0,
    preconditionFailed: 0,
    multipartCompleted: 0,
    multipartAborted: 0,
  };

  const forward = (req: IncomingMessage, res: ServerResponse, onHeaders?: () => void, captureBody = false) => {
    counters.forwarded += 1;
    return upstream.forward(req, res, { onHeaders, captureBody });
  };

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
  // s3rver has answered, so check-then-write is atomic with respect to every request through the proxy.
  async function write(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const release = await locks.exclusive(`${info.bucket}/${info.key}`);
    try {
      const conditions = readConditions(req.headers);
      if (conditions) {
        counters.conditionalWrites += 1;
        const failure = checkConditions(conditions, await upstream.currentEtag(info.rawPath), info.key);
        if (failure) {
          if (failure.status === 412) counters.preconditionFailed += 1;
          await drain(req);
          return sendError(res, failure, info.rawPath);
        }
      }
      const { status } = await forward(req, res);
      if (info.operation === 'complete-multipart' && status === 200) {
        uploads.forget(info.bucket, info.query.get('uploadId') ?? '');
        counters.multipartCompleted += 1;
      }
    } finally {
      release();
    }
  }

  // Reads share the key until s3rver has opened the file and sent headers, so they never see a write half-done.
  async function read(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const release = await locks.shared(`${info.bucket}/${info.key}`);
    try {
      await forward(req, res, release);
    } finally {
      release();
    }
  }

  async function createMultipart(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { status, body } = await forward(req, res, undefined, true);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(body?.toString('utf8') ?? '')?.[1];
    if (status === 200 && uploadId) uploads.record(info.bucket, uploadId);
  }

  async function abort(info: ObjectRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    await drain(req);
    const release = await locks.exclusive(`${info.bucket}/${info.key}`);
    try {
      await abortMultipartUpload(info, res, uploads);
      if (res.statusCode === 204) counters.multipartAborted += 1;
    } finally {
      release();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests += 1;
    const info = describeRequest(req);
    const fault = faults.pick({ method: info.method, key: info.key, isUploadPart: info.operation === 'upload-part' });
    if (fault) return injectFault(fault, req, res);
    if (info.bucket === undefined) return void (await forward(req, res));
    if (info.operation === 'list-multipart-uploads') {
      await drain(req);
      return listMultipartUploads({ ...info, bucket: info.bucket }, res, uploads, directory);
    }
    if (info.key === undefined) return void (await forward(req, res));
    const object: ObjectRequest = { ...info, bucket: info.bucket, key: info.key };
    switch (info.operation) {
      case 'put-object':
      case 'delete-object':
      case 'complete-multipart':
        return write(object, req, res);
      case 'read-object':
        return read(object, req, res);
      case 'create-multipart':
        return createMultipart(object, req, res);
      case 'abort-multipart':
        return abort(object, req, res);
      case 'list-parts':
        await drain(req);
        return listParts(object, res, uploads);
      default:
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
