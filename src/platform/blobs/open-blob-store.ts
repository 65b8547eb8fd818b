import type { StorageSettings } from '../../config.ts';
import type { BlobStore } from './blob-store.ts';
import { localBlobStore } from './local-blob-store.ts';
import { s3BlobStore } from './s3-blob-store.ts';

/** The blob store the settings name: a directory (the default), or an S3-compatible bucket. */
export function openBlobStore(settings: StorageSettings): BlobStore {
  return settings.type === 'local' ? localBlobStore(settings.directory) : s3BlobStore(settings);
}
