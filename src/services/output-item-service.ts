import { notFound } from '../domain/api-error.ts';
import type { ListOutputItemsQuery } from '../domain/list-query.ts';
import type { ListObject, OutputItemObject } from '../domain/wire-objects.ts';
import type { OutputItemRepository } from '../storage/output-item-repository.ts';
import { presentList, presentOutputItem } from './present.ts';
import type { RunService } from './run-service.ts';

export class OutputItemService {
  readonly #runs: RunService;
  readonly #items: OutputItemRepository;
  constructor(runs: RunService, items: OutputItemRepository) {
    this.#runs = runs;
    this.#items = items;
  }

  async list(project: string, evalId: string, runId: string, q: ListOutputItemsQuery): Promise<ListObject<OutputItemObject>> {
    await this.#runs.record(project, evalId, runId);
    const page = await this.#items.list(runId, q);
    return presentList({ data: page.data.map(presentOutputItem), has_more: page.has_more });
  }

  async get(project: string, evalId: string, runId: string, itemId: string): Promise<OutputItemObject> {
    await this.#runs.record(project, evalId, runId);
    const item = await this.#items.get(runId, itemId);
    if (!item) throw notFound(`No output item found with id '${itemId}' in run '${runId}'.`, 'output_item_id');
    return presentOutputItem(item);
  }
}
