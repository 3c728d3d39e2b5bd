export { MEDIA_OBJECTS_TABLE, mediaObjectsTable, mediaObjectsTableSql } from "./media-objects-table.js";
export type { MediaKey, MediaMetadata, MediaStore, StoredMedia } from "./media-store.js";
export {
  createMediaStore,
  type MediaStoreConfig,
  mediaStoreConfigOf,
  mediaStoreConfigSpec,
} from "./media-store-config.js";
export { createPostgresMediaStore } from "./postgres-media-store.js";
export { createS3MediaStore, type S3MediaStoreOptions } from "./s3-media-store.js";
