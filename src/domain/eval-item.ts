import { z } from 'zod';

/**
 * Message items of templates (grader inputs, run input_messages). Both the short `{role, content}`
 * form and the EvalItem form are accepted; we store and echo only the long form (architecture §6) because
 * the short form matches two `oneOf` branches of the official schema.
 */
const roleSchema = z.enum(['user', 'assistant', 'system', 'developer']);

const inputTextPart = z.object({ type: z.literal('input_text'), text: z.string() });
const outputTextPart = z.object({ type: z.literal('output_text'), text: z.string() });
// EvalItem's image is a URL; the Responses-style image of EasyInputMessage (completions templates)
// may name an uploaded file instead, and its `image_url` may then be null.
const inputImagePart = z
  .object({
    type: z.literal('input_image'),
    image_url: z.string().nullable().optional(),
    file_id: z.string().nullable().optional(),
    detail: z.string().optional(),
  })
  .refine((p) => typeof p.image_url === 'string' || typeof p.file_id === 'string', { message: 'an input_image needs an image_url or a file_id', path: ['image_url'] });
const inputAudioPart = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.string() }),
});
// EasyInputMessage (completions templates) also takes a file: inline data, an uploaded file or a URL.
const inputFilePart = z
  .object({
    type: z.literal('input_file'),
    file_data: z.string().optional(),
    file_id: z.string().nullable().optional(),
    filename: z.string().optional(),
    file_url: z.string().optional(),
    detail: z.string().optional(),
  })
  .refine((p) => p.file_data !== undefined || typeof p.file_id === 'string' || p.file_url !== undefined, { message: 'an input_file needs file_data, a file_id or a file_url', path: ['file_data'] });
const contentPart = z.discriminatedUnion('type', [inputTextPart, outputTextPart, inputImagePart, inputAudioPart, inputFilePart]);
// Azure's examples send `{ text }` without a type: that is input text.
const untypedText = z.object({ text: z.string() }).transform((p) => ({ type: 'input_text' as const, text: p.text }));

const contentSchema = z.union([
  z.string().transform((text) => ({ type: 'input_text' as const, text })),
  contentPart,
  untypedText,
  z.array(z.union([contentPart, z.string().transform((text) => ({ type: 'input_text' as const, text }))])),
]);

export const evalItemSchema = z
  .object({
    type: z.literal('message').optional(),
    role: roleSchema,
    content: contentSchema,
  })
  .transform((m) => ({ type: 'message' as const, role: m.role, content: m.content }));

export type EvalItem = z.output<typeof evalItemSchema>;
export type EvalItemContent = EvalItem['content'];
