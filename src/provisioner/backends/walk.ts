// Walking a layer directory for whiteout markers (the only per-file work the backends do in
// JavaScript; the bulk copy is `cp -a`).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyEntry } from './whiteout.ts';

/** Markers of one layer, as paths relative to the layer root, parents before children. */
export type LayerMarkers = {
  /** Directories (relative, '' = root) whose lower-layer content is hidden. */
  opaqueDirs: string[];
  /** Paths of lower layers that this layer hides. */
  whiteouts: string[];
  /** Every marker file (relative paths), to drop from the result. */
  markerFiles: string[];
  /** Every non-marker entry (relative paths), with whether the layer has a directory there. */
  entries: Array<{ path: string; isDir: boolean }>;
};

export async function scanLayer(layer: string): Promise<LayerMarkers> {
  const out: LayerMarkers = { opaqueDirs: [], whiteouts: [], markerFiles: [], entries: [] };
  const visit = async (rel: string): Promise<void> => {
    const dirents = await readdir(join(layer, rel), { withFileTypes: true });
    for (const d of dirents) {
      const path = rel === '' ? d.name : `${rel}/${d.name}`;
      const kind = classifyEntry(d.name);
      if (kind.kind === 'opaque') out.opaqueDirs.push(rel);
      else if (kind.kind === 'whiteout') out.whiteouts.push(rel === '' ? kind.target : `${rel}/${kind.target}`);
      if (kind.kind !== 'none') {
        out.markerFiles.push(path);
        continue;
      }
      const isDir = d.isDirectory();
      out.entries.push({ path, isDir });
      if (isDir) await visit(path);
    }
  };
  await visit('');
  return out;
}

/** True when the layer has any marker at all (then overlay needs a converted copy). */
export function hasMarkers(markers: LayerMarkers): boolean {
  return markers.markerFiles.length > 0;
}
