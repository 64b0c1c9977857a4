// Pure: OOM kills of a cgroup so far, from v1 `memory.oom_control` or v2 `memory.events` (field
// `oom_kill`). The Linux containerizer polls it; the command executor reads it when its task ends.

export function oomKills(text: string): number {
  const match = /^oom_kill\s+(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : 0;
}
