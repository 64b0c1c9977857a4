// Public API of src/agent: the `agora agent` entry point and the in-process starter used by tests
// and `agora dev`. Nothing else in src/ imports the agent (it meets the master over HTTP only).
export { agentMain, startAgent, COMMAND_EXECUTOR_PATH, type RunningAgent, type StartAgentOptions } from './main.ts';
export { AGENT_FLAGS, type AgentFlags } from './flags.ts';
