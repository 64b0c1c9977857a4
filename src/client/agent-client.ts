// A typed client for an agent's operator API (`POST /api/v1`, reference §5.3) and the legacy
// `/state` and `/files/read` endpoints the sandbox tools need.
import {
  decodeAgentResponse,
  encodeAgentCall,
  formatDecodeErrors,
  type AgentCall,
  type AgentGetStateResponse,
  type FileInfo,
  type GetContainersResponse,
  type ValidAgentResponse,
} from '../protocol/index.ts';
import { parseAgentAddress } from './address.ts';
import { ProtocolError } from './errors.ts';
import { Endpoint, type EndpointOptions } from './http.ts';
import type { FilesReadResult, LegacyAgentState } from './legacy-types.ts';

export type AgentClientOptions = Omit<EndpointOptions, 'kind'>;

type ResponseOf<T extends ValidAgentResponse['type']> = Extract<ValidAgentResponse, { type: T }>;

/** Agents cap one read at 16 pages (64 KiB with 4 KiB pages); asking for more is pointless. */
export const MAX_READ_BYTES = 64 * 1024;

export class AgentClient {
  readonly #endpoint: Endpoint;

  /** `address` is `host:port` or a base URL such as `http://10.0.0.6:5051`. */
  constructor(address: string, options: AgentClientOptions = {}) {
    this.#endpoint = new Endpoint(parseAgentAddress(address), { ...options, kind: 'agent' });
  }

  get baseUrl(): string {
    return this.#endpoint.baseUrl;
  }

  async getState(): Promise<AgentGetStateResponse> {
    return (await this.#call({ type: 'GET_STATE' }, 'GET_STATE')).get_state;
  }

  async getContainers(): Promise<GetContainersResponse> {
    return (await this.#call({ type: 'GET_CONTAINERS' }, 'GET_CONTAINERS')).get_containers;
  }

  async listFiles(path: string): Promise<FileInfo[]> {
    return (await this.#call({ type: 'LIST_FILES', list_files: { path } }, 'LIST_FILES')).list_files.file_infos ?? [];
  }

  /** READ_FILE: bytes of `path` from `offset` (at most `length`), and the file's total size. */
  async readFile(path: string, offset: number, length?: number): Promise<{ size: number; data: Buffer }> {
    const call: AgentCall = { type: 'READ_FILE', read_file: length === undefined ? { path, offset } : { path, offset, length } };
    const { read_file } = await this.#call(call, 'READ_FILE');
    return { size: read_file.size, data: Buffer.from(read_file.data, 'base64') };
  }

  /** The legacy `/state` JSON: frameworks, executors with their sandbox `directory`, tasks. */
  async legacyState(): Promise<LegacyAgentState> {
    return this.#endpoint.json<LegacyAgentState>({ path: '/state' });
  }

  /**
   * Legacy `/files/read`: text of `path` from `offset`, at most `length` bytes (the agent also
   * caps it). `offset = -1` asks only for the file's size, answered as `{offset: size, data: ""}`.
   * A file that does not exist (yet) is an ApiError with status 404.
   */
  async filesRead(path: string, offset: number, length: number = MAX_READ_BYTES): Promise<FilesReadResult> {
    const result = await this.#endpoint.json<Partial<FilesReadResult>>({ path: '/files/read', query: { path, offset, length } });
    if (typeof result.offset !== 'number' || typeof result.data !== 'string') {
      throw new ProtocolError(`the agent's /files/read answer lacks 'offset' or 'data'`, this.#endpoint.baseUrl + '/files/read');
    }
    return { offset: result.offset, data: result.data };
  }

  async #call<T extends ValidAgentResponse['type']>(call: AgentCall, expect: T): Promise<ResponseOf<T>> {
    const reply = await this.#endpoint.send({ path: '/api/v1', json: encodeAgentCall(call) });
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      throw new ProtocolError(`the agent answered ${call.type} with a body that is not JSON`, reply.url);
    }
    const decoded = decodeAgentResponse(body);
    if (!decoded.ok) throw new ProtocolError(`the agent's ${call.type} response does not decode: ${formatDecodeErrors(decoded.errors)}`, reply.url);
    if (decoded.value.type !== expect) throw new ProtocolError(`the agent answered ${call.type} with a ${decoded.value.type} response`, reply.url);
    return decoded.value as ResponseOf<T>;
  }
}
