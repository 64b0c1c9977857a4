// mesos.v1 CommandInfo and Environment: what to run, with which URIs fetched first and which
// environment variables set.
import type { Static } from '@sinclair/typebox';
import { bool, enumOf, message, optional, repeated, string } from '../schema.ts';
import { Secret } from './values.ts';

export const ENVIRONMENT_VARIABLE_TYPES = ['UNKNOWN', 'VALUE', 'SECRET'] as const;
export type EnvironmentVariableType = (typeof ENVIRONMENT_VARIABLE_TYPES)[number];

/**
 * One environment variable: `value` for type VALUE (the default), `secret` for type SECRET.
 * Only one of them may be set.
 */
export const EnvironmentVariable = message('Environment.Variable', {
  name: string(),
  type: optional(enumOf(ENVIRONMENT_VARIABLE_TYPES, { default: 'VALUE' })),
  value: optional(string()),
  secret: optional(Secret),
});
export type EnvironmentVariable = Static<typeof EnvironmentVariable>;

export const Environment = message('Environment', { variables: repeated(EnvironmentVariable) });
export type Environment = Static<typeof Environment>;

/**
 * A URI the fetcher downloads into the sandbox before the command runs. Archives are extracted
 * unless `extract` is false (default true); `cache` routes the download through the fetcher
 * cache; `output_file` renames the local copy.
 */
export const CommandUri = message('CommandInfo.URI', {
  value: string(),
  executable: optional(bool()),
  extract: optional(bool({ default: true })),
  cache: optional(bool()),
  output_file: optional(string()),
});
export type CommandUri = Static<typeof CommandUri>;

/**
 * A command. With `shell` true (the default) `value` runs as `/bin/sh -c "<value>"` and
 * `arguments` is ignored; with `shell` false `value` is the executable and `arguments` is the
 * whole argv, argv[0] included. `user` overrides FrameworkInfo.user.
 */
export const CommandInfo = message('CommandInfo', {
  uris: repeated(CommandUri),
  environment: optional(Environment),
  shell: optional(bool({ default: true })),
  value: optional(string()),
  arguments: repeated(string()),
  user: optional(string()),
});
export type CommandInfo = Static<typeof CommandInfo>;
