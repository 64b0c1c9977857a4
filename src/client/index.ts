// Public API of src/client: typed HTTP clients for the master's and agents' operator APIs, the
// legacy JSON endpoints the sandbox tools need, and the typed errors every call fails with.
// See README.md.
export { DEFAULT_MASTER, parseAgentAddress, parseMasterAddress, pidToBaseUrl, resolveLocation } from './address.ts';
export { AgentClient, MAX_READ_BYTES, type AgentClientOptions } from './agent-client.ts';
export {
  AgentUnreachableError,
  ApiError,
  MasterUnreachableError,
  ProtocolError,
  UnreachableError,
  type EndpointKind,
} from './errors.ts';
export { DEFAULT_TIMEOUT_MS, Endpoint, MAX_REDIRECTS, type EndpointOptions, type HttpReply, type RequestOptions } from './http.ts';
export type {
  FilesReadResult,
  LegacyAgentExecutor,
  LegacyAgentFramework,
  LegacyAgentState,
  LegacyMasterAgent,
  LegacyMasterFramework,
  LegacyMasterState,
  LegacyTask,
} from './legacy-types.ts';
export { MasterClient, MasterEventStream, type MasterClientOptions } from './master-client.ts';
export { agentBaseUrl, agentClientFor, findSandbox, SandboxFile, type SandboxLocation } from './sandbox.ts';
