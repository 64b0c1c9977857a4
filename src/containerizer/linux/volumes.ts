// Pure: ContainerInfo.volumes of an image container as bind mounts (volume/host_path,
// volume/sandbox_path), with Mesos's checks: host paths absolute, sandbox paths inside the
// sandbox, container paths absolute (relative ones are under the sandbox in the container).
import { isAbsolute, join, normalize } from 'node:path';
import type { ContainerInfo } from '../../protocol/index.ts';

export type Bind = { host: string; container: string; readOnly: boolean };

export function volumeBinds(
  container: ContainerInfo | undefined,
  sandbox: { host: string; container: string },
  enabled: { hostPath: boolean; sandboxPath: boolean },
): Bind[] {
  const out: Bind[] = [];
  (container?.volumes ?? []).forEach((volume, i) => {
    const field = `container.volumes[${i}]`;
    const readOnly = volume.mode === 'RO';
    const target = isAbsolute(volume.container_path) ? normalize(volume.container_path) : join(sandbox.container, normalize(volume.container_path));
    if (target.split('/').includes('..')) throw new Error(`${field}.container_path '${volume.container_path}' leaves the sandbox`);
    const source = volume.source;
    if (source?.type === 'HOST_PATH' || (source === undefined && volume.host_path !== undefined)) {
      if (!enabled.hostPath) throw new Error(`${field}: HOST_PATH volumes need the 'volume/host_path' isolator`);
      const path = source?.host_path?.path ?? volume.host_path ?? '';
      if (!isAbsolute(path)) throw new Error(`${field}: host path '${path}' is not absolute`);
      out.push({ host: normalize(path), container: target, readOnly });
    } else if (source?.type === 'SANDBOX_PATH') {
      if (!enabled.sandboxPath) throw new Error(`${field}: SANDBOX_PATH volumes need the 'volume/sandbox_path' isolator`);
      const sp = source.sandbox_path;
      if (sp?.type === 'PARENT') throw new Error(`${field}: SANDBOX_PATH volumes of type PARENT need a nested container`);
      const rel = normalize(sp?.path ?? '');
      if (isAbsolute(rel) || rel.split('/').includes('..')) throw new Error(`${field}: sandbox path '${sp?.path ?? ''}' is not inside the sandbox`);
      out.push({ host: join(sandbox.host, rel), container: target, readOnly });
    } else {
      throw new Error(`${field}: volume source ${source?.type ?? 'UNKNOWN'} is not supported`);
    }
  });
  return out;
}
