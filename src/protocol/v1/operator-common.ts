// Messages shared by the master and agent operator APIs (POST /api/v1): the core mesos.v1
// messages they report (VersionInfo, Flag, Metric, FileInfo, WeightInfo, Role) and the
// Call/Response sub-messages that master.proto and agent.proto define identically.
import type { Static } from '@sinclair/typebox';
import {
  bool,
  bytes,
  double,
  int32,
  message,
  optional,
  repeated,
  string,
  uint32,
  uint64,
} from '../schema.ts';
import { Resource } from './resources.ts';
import { DurationInfo, FrameworkID, TimeInfo } from './values.ts';

/** Build information of a master or agent. `build_time` is seconds since the epoch. */
export const VersionInfo = message('VersionInfo', {
  version: string(),
  build_date: optional(string()),
  build_time: optional(double()),
  build_user: optional(string()),
  git_sha: optional(string()),
  git_branch: optional(string()),
  git_tag: optional(string()),
});
export type VersionInfo = Static<typeof VersionInfo>;

/** A command-line flag and its effective value. */
export const Flag = message('Flag', { name: string(), value: optional(string()) });
export type Flag = Static<typeof Flag>;

/** A metric, e.g. `{"name":"master/uptime_secs","value":12.5}`. */
export const Metric = message('Metric', { name: string(), value: optional(double()) });
export type Metric = Static<typeof Metric>;

/** A directory entry as `ls -l` would show it; `mode` holds the st_mode bits. */
export const FileInfo = message('FileInfo', {
  path: string(),
  nlink: optional(int32()),
  size: optional(uint64()),
  mtime: optional(TimeInfo),
  mode: optional(uint32()),
  uid: optional(string()),
  gid: optional(string()),
});
export type FileInfo = Static<typeof FileInfo>;

/** A role's weight for DRF. */
export const WeightInfo = message('WeightInfo', { weight: double(), role: optional(string()) });
export type WeightInfo = Static<typeof WeightInfo>;

/** A role as reported by GET_ROLES. */
export const Role = message('Role', {
  name: string(),
  weight: double(),
  frameworks: repeated(FrameworkID),
  resources: repeated(Resource),
});
export type Role = Static<typeof Role>;

// ---------------------------------------------------------------------------------------------
// Call sub-messages.

/** GET_METRICS: `timeout` bounds how long the answer may take (slow metrics are left out). */
export const GetMetricsCall = message('Call.GetMetrics', { timeout: optional(DurationInfo) });
export type GetMetricsCall = Static<typeof GetMetricsCall>;

/** SET_LOGGING_LEVEL: raise verbosity to `level` for `duration`, then revert. */
export const SetLoggingLevelCall = message('Call.SetLoggingLevel', {
  level: uint32(),
  duration: DurationInfo,
});
export type SetLoggingLevelCall = Static<typeof SetLoggingLevelCall>;

export const ListFilesCall = message('Call.ListFiles', { path: string() });
export type ListFilesCall = Static<typeof ListFilesCall>;

/** READ_FILE: `length` is capped at 16 memory pages per call. */
export const ReadFileCall = message('Call.ReadFile', {
  path: string(),
  offset: uint64(),
  length: optional(uint64()),
});
export type ReadFileCall = Static<typeof ReadFileCall>;

// ---------------------------------------------------------------------------------------------
// Response sub-messages.

export const GetHealthResponse = message('Response.GetHealth', { healthy: bool() });
export type GetHealthResponse = Static<typeof GetHealthResponse>;

export const GetFlagsResponse = message('Response.GetFlags', { flags: repeated(Flag) });
export type GetFlagsResponse = Static<typeof GetFlagsResponse>;

export const GetVersionResponse = message('Response.GetVersion', { version_info: VersionInfo });
export type GetVersionResponse = Static<typeof GetVersionResponse>;

export const GetMetricsResponse = message('Response.GetMetrics', { metrics: repeated(Metric) });
export type GetMetricsResponse = Static<typeof GetMetricsResponse>;

export const GetLoggingLevelResponse = message('Response.GetLoggingLevel', { level: uint32() });
export type GetLoggingLevelResponse = Static<typeof GetLoggingLevelResponse>;

export const ListFilesResponse = message('Response.ListFiles', { file_infos: repeated(FileInfo) });
export type ListFilesResponse = Static<typeof ListFilesResponse>;

/** READ_FILE: `size` is the whole file's size; `data` the bytes read (base64). */
export const ReadFileResponse = message('Response.ReadFile', { size: uint64(), data: bytes() });
export type ReadFileResponse = Static<typeof ReadFileResponse>;
