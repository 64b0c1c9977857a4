// The fetcher's public API (README.md): the agent builds one Fetcher and calls `fetch` for each
// container before launching its executor.
export { Fetcher, FetchError, PROGRESS_LOG_INTERVAL_MS, type FetcherOptions, type FetchRequest } from './fetcher.ts';
export { archiveTypeOf, gunzippedName, ARCHIVE_TYPES, type ArchiveType } from './archive.ts';
export { parseFetchSource, destinationName, cacheKey, UriError, type FetchSource } from './uri.ts';
