import { Hono } from 'hono';
import { Readable } from 'node:stream';
import { listFilesQuerySchema } from '../../domain/list-query.ts';
import type { AppEnv } from '../app-env.ts';
import { receiveMultipart } from '../multipart-upload.ts';
import { pathId, readQuery } from '../request-parsing.ts';
import type { Services } from '../services.ts';

export function fileRoutes(s: Services): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/files', async (c) => {
    const project = c.var.project;
    const file = await receiveMultipart(c.req.raw, (part, fields) =>
      s.files.upload(project, part.filename, part.content, async () => {
        const f = await fields();
        return { purpose: f['purpose'], expiresAfterAnchor: f['expires_after[anchor]'], expiresAfterSeconds: f['expires_after[seconds]'] };
      }),
    );
    return c.json(file);
  });
  r.get('/files', async (c) => c.json(await s.files.list(c.var.project, readQuery(c, listFilesQuerySchema))));
  r.get('/files/:file_id', async (c) => c.json(await s.files.get(c.var.project, pathId(c, 'file_id'))));
  r.delete('/files/:file_id', async (c) => c.json(await s.files.delete(c.var.project, pathId(c, 'file_id'))));
  r.get('/files/:file_id/content', async (c) => {
    const { file, body } = await s.files.content(c.var.project, pathId(c, 'file_id'));
    const stream = Readable.toWeb(Readable.from(body)) as ReadableStream<Uint8Array>;
    return new Response(stream, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(file.bytes),
        'content-disposition': `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`,
      },
    });
  });
  return r;
}
