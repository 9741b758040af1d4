/**
 * What the API needs of the queue: hand a new run to the workers. The HTTP layer depends on this
 * interface only, never on the runner.
 */
export interface RunQueue {
  enqueuePlan(runId: string): Promise<void>;
}
