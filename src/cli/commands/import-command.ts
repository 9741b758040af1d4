import type { Command } from '../command.ts';
export const importCommand: Command = { name: 'import', summary: 'copy evals, runs and output items from another Evals-API endpoint', help: '', options: {}, run: async () => 3 };
