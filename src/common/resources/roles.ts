// Role names, as Mesos validates them (src/common/roles.cpp, hierarchical roles since 1.4):
// `*` is the default role; otherwise a `/`-separated path of components, none of which is empty,
// `.`, `..` or `*`, starts with `-`, or contains whitespace or DEL. A role `a/b` is a strict
// subrole (descendant) of `a`; reservations for `a` may be allocated to `a/b`.
import { InvalidArgumentError } from '../errors.ts';

/** The default role: unreserved resources belong to it; nothing can be reserved to it. */
export const DEFAULT_ROLE = '*';

// Mesos's list: tab, line feed, vertical tab, form feed, carriage return, space, DEL. We also
// refuse the other C0 control characters, which no tool can display or type safely.
// eslint-disable-next-line no-control-regex
const INVALID_ROLE_CHARACTER = /[\x00-\x20\x7f]/;

/** Why `role` is not a valid role name, or undefined when it is valid. */
export function roleError(role: string): string | undefined {
  if (role === DEFAULT_ROLE) return undefined;
  if (role === '') return 'role name cannot be empty';
  if (role.startsWith('/')) return `role '${role}' cannot start with a slash`;
  if (role.endsWith('/')) return `role '${role}' cannot end with a slash`;
  if (role.includes('//')) return `role '${role}' cannot contain two adjacent slashes`;
  for (const component of role.split('/')) {
    if (component === '.' || component === '..' || component === '*') {
      return `role '${role}' cannot include '${component}' as a component`;
    }
    if (component.startsWith('-')) {
      return `role component '${component}' of '${role}' cannot start with a dash`;
    }
    if (INVALID_ROLE_CHARACTER.test(component)) {
      return `role '${role}' cannot contain whitespace or control characters`;
    }
  }
  return undefined;
}

/** Throws InvalidArgumentError naming the problem when `role` is not a valid role name. */
export function assertValidRole(role: string): void {
  const error = roleError(role);
  if (error !== undefined) throw new InvalidArgumentError(error, { role });
}

/** Whether `child` is a strict descendant of `parent` (`a/b/c` of `a/b` and of `a`). */
export function isStrictSubroleOf(child: string, parent: string): boolean {
  return child.length > parent.length && child.charCodeAt(parent.length) === 47 /* '/' */ && child.startsWith(parent);
}

/** Whether `role` is `ancestor` itself or one of its descendants. */
export function isRoleInSubtree(role: string, ancestor: string): boolean {
  return role === ancestor || isStrictSubroleOf(role, ancestor);
}

/** The strict ancestors of a role, nearest first: `a/b/c` gives [`a/b`, `a`]. */
export function roleAncestors(role: string): string[] {
  const out: string[] = [];
  for (let i = role.length - 1; i > 0; i--) if (role[i] === '/') out.push(role.slice(0, i));
  return out;
}
