// Small, valid operator API responses for client and CLI unit tests (Mesos JSON, as a master
// would send them).

export const AGENT_ID = 'm1-S0';
export const FRAMEWORK_ID = 'm1-0000';

export function agentJson(port = 5051) {
  return {
    agent_info: { hostname: 'a1', port, id: { value: AGENT_ID } },
    active: true,
    version: '1.11.0',
    pid: `slave(1)@127.0.0.1:${port}`,
    total_resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 2048 } },
    ],
    allocated_resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, allocation_info: { role: '*' } }],
  };
}

export function taskJson(id: string, state: string, extra: Record<string, unknown> = {}) {
  return {
    name: id.split('.')[0],
    task_id: { value: id },
    framework_id: { value: FRAMEWORK_ID },
    agent_id: { value: AGENT_ID },
    state,
    ...extra,
  };
}

export function getStateResponse(options: { tasks?: unknown[]; completed?: unknown[]; agentPort?: number } = {}) {
  return {
    type: 'GET_STATE',
    get_state: {
      get_tasks: { tasks: options.tasks ?? [], completed_tasks: options.completed ?? [] },
      get_frameworks: {
        frameworks: [
          { framework_info: { user: 'u', name: 'demo', id: { value: FRAMEWORK_ID }, roles: ['*'] }, active: true, connected: true, recovered: false },
        ],
      },
      get_agents: { agents: [agentJson(options.agentPort)] },
    },
  };
}
