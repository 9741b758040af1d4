import { z } from 'zod';
import { graderSchema } from './grader-config.ts';

/** `POST /fine_tuning/alpha/graders/run` and `/validate` bodies. */
export const runGraderRequestSchema = z.object({
  grader: graderSchema,
  item: z.record(z.string(), z.unknown()).optional(),
  model_sample: z.string().max(1_048_576, 'model_sample is at most 1 MiB'),
});

export const validateGraderRequestSchema = z.object({ grader: graderSchema });

export type RunGraderRequest = z.output<typeof runGraderRequestSchema>;

/** `RunGraderResponse.metadata.errors`: every flag of the spec, false unless something went wrong. */
export interface GraderErrorFlags {
  formula_parse_error: boolean;
  sample_parse_error: boolean;
  truncated_observation_error: boolean;
  unresponsive_reward_error: boolean;
  invalid_variable_error: boolean;
  other_error: boolean;
  python_grader_server_error: boolean;
  python_grader_server_error_type: string | null;
  python_grader_runtime_error: boolean;
  python_grader_runtime_error_details: string | null;
  model_grader_server_error: boolean;
  model_grader_refusal_error: boolean;
  model_grader_parse_error: boolean;
  model_grader_server_error_details: string | null;
}

export interface RunGraderResponse {
  reward: number;
  metadata: {
    name: string;
    type: string;
    errors: GraderErrorFlags;
    execution_time: number;
    scores: Record<string, number>;
    token_usage: number | null;
    sampled_model_name: string | null;
  };
  sub_rewards: Record<string, number>;
  model_grader_token_usage_per_model: Record<string, unknown>;
}
