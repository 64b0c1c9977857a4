// Pure: resolving an image's User (`name`, `uid`, `name:group`, `uid:gid`) against the image's
// own /etc/passwd and /etc/group, as Docker does (Mesos ignores the image's User).
export type ResolvedUser = { uid: number; gid: number; additionalGids: number[] };

export type UserResult = { ok: true; user: ResolvedUser } | { ok: false; message: string };

type PasswdEntry = { name: string; uid: number; gid: number };
type GroupEntry = { name: string; gid: number; members: string[] };

function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) return [];
    return /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!) ? [{ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }] : [];
  });
}

function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#') || !/^\d+$/.test(f[2]!)) return [];
    return [{ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter((m) => m !== '') }];
  });
}

/** `passwd`/`group`: the image's files' text ('' when the image has none). */
export function resolveImageUser(spec: string, passwd: string, group: string): UserResult {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const users = parsePasswd(passwd);
  const groups = parseGroup(group);
  const byName = users.find((u) => u.name === userPart);
  let uid: number;
  let gid: number | undefined;
  let name: string | undefined;
  if (byName) {
    ({ uid, gid, name } = byName);
  } else if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const entry = users.find((u) => u.uid === uid);
    gid = entry?.gid;
    name = entry?.name;
  } else {
    return { ok: false, message: `the image's user '${userPart}' is not in its /etc/passwd` };
  }
  if (groupPart !== undefined && groupPart !== '') {
    const g = groups.find((x) => x.name === groupPart);
    if (g) gid = g.gid;
    else if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else return { ok: false, message: `the image's group '${groupPart}' is not in its /etc/group` };
  }
  const additionalGids = name === undefined ? [] : groups.filter((g) => g.members.includes(name)).map((g) => g.gid).filter((g) => g !== gid);
  return { ok: true, user: { uid, gid: gid ?? 0, additionalGids } };
}
