// `<runtime_dir>/containers/<id>/state.json`: what a restarted agent needs to find and clean a
// container (written atomically at each step of a launch; read by recover()).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Image } from '../../protocol/index.ts';

/** What a restarted agent needs to find and clean a container: `<runtime>/containers/<id>/state.json`. */
export type ContainerState = {
  containerId: string;
  directory: string;
  rootfs?: string | undefined;
  scratch?: string | undefined;
  image: boolean;
  pid?: number | undefined;
  /** The task's image and its layer dirs: image GC keeps both while the container lives. */
  imageRef?: Image | undefined;
  layers?: string[] | undefined;
};

export async function writeState(dir: string, state: ContainerState): Promise<void> {
  await writeFile(join(dir, 'state.json.tmp'), JSON.stringify(state));
  await rename(join(dir, 'state.json.tmp'), join(dir, 'state.json'));
}

export async function readState(dir: string): Promise<ContainerState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as ContainerState;
  } catch {
    return undefined;
  }
}
