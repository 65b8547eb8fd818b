import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3BlobStore } from '../src/platform/blobs/s3-blob-store.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { uploadAndAttach, waitForExtraction } from './support/knowledge.ts';
import { type S3Server, startS3Server } from './support/s3-server.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/** Agentry with its files on S3 (STORAGE_TYPE=s3) against a real S3-protocol server on loopback. */
let s3: S3Server;
let app: TestApp;
let admin: TestAccount;
beforeAll(async () => {
  s3 = await startS3Server('agentry-files');
  app = await startTestApp({
    STORAGE_TYPE: 's3',
    S3_BUCKET: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  });
  admin = await registerAccount(app.http);
});
afterAll(async () => {
  await app?.close();
  await s3?.close();
});

describe('files on S3', () => {
  it('uploads, extracts, downloads and deletes through the bucket', async () => {
    const bucket = s3BlobStore({
      type: 's3',
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: s3.credentials,
      forcePathStyle: true,
    });
    const agentId = (await app.http.post('/api/v1/agents', { name: 'S3 reader' }, { token: admin.token }))
      .body.id;
    const content = 'Parcels to the islands leave on Thursdays.\n';
    const fileId = await uploadAndAttach(app.http, admin.token, agentId, {
      filename: 'shipping.txt',
      content,
    });
    const file = (await app.http.get(`/api/v1/files/${fileId}`, { token: admin.token })).body;
    const key = `${admin.organizationId}/${file.sha256}`;
    expect(await bucket.exists(key)).toBe(true);

    expect((await waitForExtraction(app.http, admin.token, agentId, fileId)).processing_status).toBe(
      'processed',
    );
    const download = await app.http.get(`/api/v1/files/${fileId}/content`, { token: admin.token });
    expect(download.body).toBe(content);

    expect((await app.http.delete(`/api/v1/files/${fileId}?force=true`, { token: admin.token })).status).toBe(
      204,
    );
    expect(await bucket.exists(key)).toBe(false);
  });
});
