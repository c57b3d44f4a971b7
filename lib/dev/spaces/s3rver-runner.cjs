'use strict';
// Runs s3rver in its own process for lib/dev/spaces/s3rver-process.ts.
// Usage: node --openssl-legacy-provider s3rver-runner.cjs '<json options>'
// Prints one line `{"s3rverReady":{"port":N}}` on stdout once listening (or `{"s3rverError":"…"}`),
// and exits when stdin closes, so the server dies with its parent even after a SIGKILL.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

const { port, directory, bucket, silent } = JSON.parse(process.argv[2] || '{}');

// s3rver 3.7.1 answers a PUT before its write stream has flushed and overwrites objects in place,
// so a GET right after (or during) a PUT can see a truncated file. Write to a temporary file, wait
// for it to close, then rename it over the object: readers see the old or the new bytes, never a mix.
FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const tmpPath = `${objectPath}.${process.pid}-${crypto.randomBytes(6).toString('hex')}.tmp`;
  const md5Context = crypto.createHash('md5');
  let size = 0;
  try {
    await new Promise((resolve, reject) => {
      const out = fs.createWriteStream(tmpPath).on('error', reject).on('close', resolve);
      const content = object.content;
      if (Buffer.isBuffer(content)) {
        md5Context.update(content);
        size = content.length;
        out.end(content);
        return;
      }
      content.on('error', (err) => out.destroy(err));
      content.on('data', (chunk) => {
        md5Context.update(chunk);
        size += chunk.length;
      });
      content.pipe(out);
    });
    const md5 = md5Context.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    await fs.promises.rename(tmpPath, objectPath);
    return { size, md5 };
  } catch (err) {
    await fs.promises.rm(tmpPath, { force: true });
    throw err;
  }
};

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));

const server = new S3rver({
  port,
  address: '127.0.0.1',
  directory,
  silent,
  configureBuckets: [{ name: bucket }],
});

server.run().then(
  (address) => process.stdout.write(`${JSON.stringify({ s3rverReady: { port: address.port } })}\n`),
  (err) => {
    process.stdout.write(`${JSON.stringify({ s3rverError: String((err && err.stack) || err) })}\n`);
    process.exit(1);
  },
);
