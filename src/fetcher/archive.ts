// Pure: which archives the fetcher extracts, decided by the file name's ending exactly as Mesos
// does (case-sensitive): tar family and zip are unpacked into the sandbox root; a plain `.gz` is
// gunzipped to the name without `.gz`; anything else is left as fetched.
import { posix } from 'node:path';

export const ARCHIVE_TYPES = ['tar', 'tar.gz', 'tar.bz2', 'tar.xz', 'zip', 'gz'] as const;
export type ArchiveType = (typeof ARCHIVE_TYPES)[number];

const SUFFIXES: readonly (readonly [string, ArchiveType])[] = [
  ['.tar', 'tar'],
  ['.tgz', 'tar.gz'],
  ['.tar.gz', 'tar.gz'],
  ['.tbz2', 'tar.bz2'],
  ['.tar.bz2', 'tar.bz2'],
  ['.txz', 'tar.xz'],
  ['.tar.xz', 'tar.xz'],
  ['.zip', 'zip'],
  // Checked last: `.tar.gz` above wins over a bare `.gz`.
  ['.gz', 'gz'],
];

/** The archive type a file name announces, or undefined when it is not an archive. */
export function archiveTypeOf(name: string): ArchiveType | undefined {
  for (const [suffix, type] of SUFFIXES) if (name.endsWith(suffix)) return type;
  return undefined;
}

/** Where a plain `.gz` file is gunzipped to: its base name without `.gz`, in the sandbox root. */
export function gunzippedName(name: string): string {
  const base = posix.basename(name);
  return base.endsWith('.gz') ? base.slice(0, -3) : base;
}
