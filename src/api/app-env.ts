/** Per-request values the middleware chain sets for handlers. */
export type Dialect = 'openai' | 'azure';

export interface AppEnv {
  Variables: {
    project: string;
    dialect: Dialect;
    /** The `api-version` of an Azure request (`/openai/...`), null elsewhere. */
    apiVersion: string | null;
  };
}
