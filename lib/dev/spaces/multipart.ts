import { promises as fs } from 'node:fs';
import path from 'node:path';

/** One multipart upload that was started and neither completed nor aborted. */
export interface MultipartUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

/** One stored part of a multipart upload. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: Date;
}

// s3rver keeps an upload in <directory>/<bucket>/._S3rver_uploads/<uploadId>/ with a `key` file,
// a `metadata` file and one file per part (plus `<n>.md5`); completing it removes the folder.
const UPLOADS_FOLDER = '._S3rver_uploads';
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Multipart bookkeeping that s3rver lacks: listing, aborting and listing parts, read from s3rver's
 * own upload folders (so uploads survive a restart), plus a count of uploads started through the proxy.
 */
export class MultipartUploads {
  readonly #directory: string;
  readonly #initiated = new Map<string, Date>();

  constructor(directory: string) {
    this.#directory = directory;
  }

  #uploadDir(bucket: string, uploadId: string): string | undefined {
    return UPLOAD_ID.test(uploadId) ? path.join(this.#directory, bucket, UPLOADS_FOLDER, uploadId) : undefined;
  }

  /** Remembers an upload the proxy saw start, for `Initiated` times and {@link openCount}. */
  record(bucket: string, uploadId: string, when = new Date()): void {
    this.#initiated.set(`${bucket}/${uploadId}`, when);
  }

  /** Forgets an upload that completed. */
  forget(bucket: string, uploadId: string): void {
    this.#initiated.delete(`${bucket}/${uploadId}`);
  }

  /** Uploads started through the proxy (or found at startup) and not yet completed or aborted. */
  get openCount(): number {
    return this.#initiated.size;
  }

  /** Records every upload already on disk for `bucket`, so a restarted dev server still counts them. */
  async load(bucket: string): Promise<void> {
    for (const upload of await this.list(bucket)) this.record(bucket, upload.uploadId, upload.initiated);
  }

  /** Lists in-progress uploads of `bucket`, sorted by key then initiation time. */
  async list(bucket: string): Promise<MultipartUpload[]> {
    const root = path.join(this.#directory, bucket, UPLOADS_FOLDER);
    let ids: string[];
    try {
      ids = await fs.readdir(root);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const uploads = await Promise.all(
      ids
        .filter((id) => UPLOAD_ID.test(id))
        .map(async (uploadId): Promise<MultipartUpload | undefined> => {
          try {
            const keyFile = path.join(root, uploadId, 'key');
            const [key, stat] = await Promise.all([fs.readFile(keyFile, 'utf8'), fs.stat(keyFile)]);
            const initiated = this.#initiated.get(`${bucket}/${uploadId}`) ?? stat.mtime;
            return { key, uploadId, initiated };
          } catch (err) {
            if (isMissing(err)) return undefined; // completed or aborted while we listed
            throw err;
          }
        }),
    );
    return uploads
      .filter((u): u is MultipartUpload => u !== undefined)
      .sort((a, b) => compareKeys(a.key, b.key) || a.initiated.getTime() - b.initiated.getTime());
  }

  /** Returns the key of an in-progress upload, or `undefined` if there is no such upload. */
  async keyOf(bucket: string, uploadId: string): Promise<string | undefined> {
    const dir = this.#uploadDir(bucket, uploadId);
    if (!dir) return undefined;
    try {
      return await fs.readFile(path.join(dir, 'key'), 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** Deletes an upload and its parts; resolves `false` if there was no such upload. */
  async abort(bucket: string, uploadId: string): Promise<boolean> {
    const dir = this.#uploadDir(bucket, uploadId);
    if (!dir || (await this.keyOf(bucket, uploadId)) === undefined) return false;
    await fs.rm(dir, { recursive: true, force: true });
    this.forget(bucket, uploadId);
    return true;
  }

  /** Lists the parts stored so far for an upload, by part number; `undefined` if there is no such upload. */
  async parts(bucket: string, uploadId: string): Promise<UploadedPart[] | undefined> {
    const dir = this.#uploadDir(bucket, uploadId);
    if (!dir || (await this.keyOf(bucket, uploadId)) === undefined) return undefined;
    const names = (await fs.readdir(dir)).filter((name) => /^\d+$/.test(name));
    const parts = await Promise.all(
      names.map(async (name) => {
        const [stat, md5] = await Promise.all([
          fs.stat(path.join(dir, name)),
          fs.readFile(path.join(dir, `${name}.md5`), 'utf8').catch(() => ''),
        ]);
        return { partNumber: Number(name), etag: `"${md5.trim()}"`, size: stat.size, lastModified: stat.mtime };
      }),
    );
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }
}
