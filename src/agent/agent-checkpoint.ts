// What the running agent writes to its checkpoint (checkpoint/store.ts), at the moments Mesos does:
//
//   registered with the master       boot_id, slave.info (+ slaves/latest)
//   executor launched                framework.info, executor.info + runs/latest, task.info
//   task added to a running executor task.info
//   container started                runs/<cid>/pids/forked.pid
//   container ended                  runs/<cid>/executor.sentinel
//   status update / acknowledgement  appended to task.updates before it is forwarded / acted on
//
// Only frameworks with `checkpoint: true` are written (`frameworkCheckpoint()` answers undefined
// for the others). A write that fails is logged, never thrown: the task still runs, it just will
// not survive an agent restart (Mesos aborts the agent instead; losing every task for one full
// disk is worse).
import type { AgentInfo, TaskInfo } from '../protocol/index.ts';
import type { Logger } from '../common/log.ts';
import { CheckpointStore, type FrameworkCheckpoint } from './checkpoint/index.ts';
import type { AgentState, Executor, Framework } from './state.ts';
import type { StatusUpdate, StatusUpdateStore } from './status-updates.ts';

export class AgentCheckpoint {
  readonly store: CheckpointStore;
  readonly #state: AgentState;
  readonly #log: Logger;
  readonly #agentId: () => string | undefined;

  constructor(options: { workDir: string; state: AgentState; logger: Logger; agentId: () => string | undefined }) {
    this.store = new CheckpointStore(options.workDir);
    this.#state = options.state;
    this.#log = options.logger.child({ component: 'checkpoint' });
    this.#agentId = options.agentId;
  }

  registered(info: AgentInfo & { id: { value: string } }, bootId: string | undefined): void {
    this.#write('agent info', () => {
      if (bootId !== undefined) this.store.writeBootId(bootId);
      this.store.writeAgentInfo(info);
    });
  }

  /** A new executor run with its first task (framework info too: it may have changed). */
  executorLaunched(framework: Framework, executor: Executor, task: TaskInfo): void {
    const fw = this.#framework(framework);
    if (!fw) return;
    this.#write('executor launch', () => {
      fw.writeFrameworkInfo(framework.info);
      fw.writeExecutorRun(executor.info, executor.containerId);
      fw.writeTaskInfo(executor.id, executor.containerId, task);
    });
  }

  taskAdded(framework: Framework, executor: Executor, task: TaskInfo): void {
    const fw = this.#framework(framework);
    if (fw) this.#write('task info', () => fw.writeTaskInfo(executor.id, executor.containerId, task));
  }

  containerStarted(framework: Framework, executor: Executor, pid: number): void {
    const fw = this.#framework(framework);
    if (fw) this.#write('forked pid', () => fw.writeForkedPid(executor.id, executor.containerId, pid));
  }

  containerEnded(framework: Framework, executor: Executor): void {
    const fw = this.#framework(framework);
    if (fw) this.#write('executor sentinel', () => fw.writeExecutorSentinel(executor.id, executor.containerId));
  }

  /** The status update manager's store: durable for checkpointing frameworks' executor tasks. */
  statusUpdateStore(): StatusUpdateStore {
    return {
      record: (kind, update) => this.#recordUpdate(kind, update),
      // Recovery seeds the manager itself (Agent.start), from the recovery plan.
      recover: async () => [],
    };
  }

  #recordUpdate(kind: 'update' | 'ack', update: StatusUpdate): void {
    const framework = this.#state.frameworks.get(update.frameworkId);
    const executor = update.executorId !== undefined ? framework?.executors.get(update.executorId) : undefined;
    // Updates the agent makes before any executor exists (invalid tasks) have no run to live in;
    // Mesos does not checkpoint them either.
    if (!framework || !executor) return;
    const fw = this.#framework(framework);
    if (!fw) return;
    const taskId = update.status.task_id.value;
    this.#write(kind === 'update' ? 'status update' : 'acknowledgement', () => {
      if (kind === 'update') fw.appendUpdate(executor.id, executor.containerId, update);
      else fw.appendAck(executor.id, executor.containerId, taskId, update.status.uuid!);
    });
  }

  #framework(framework: Framework): FrameworkCheckpoint | undefined {
    const agentId = this.#agentId();
    return agentId === undefined ? undefined : this.store.frameworkCheckpoint(agentId, framework.info);
  }

  #write(what: string, write: () => void): void {
    try {
      write();
    } catch (err) {
      this.#log.error({ what, err: (err as Error).message }, 'checkpoint write failed');
    }
  }
}
