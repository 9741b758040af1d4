import type { Child } from 'hono/jsx';
import { ASSETS } from './assets.ts';

export interface PageContext {
  /** The signed-in project; null when pages are open (no API keys configured). */
  project: string | null;
  csrf: string;
}

/** The page shell: skip link, top bar (project, sign-out), main. */
export function Layout(props: { title: string; ctx: PageContext; crumbs?: Child; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · Proctor`}</title>
        <link rel="stylesheet" href={ASSETS.css.path} />
        <script src={ASSETS.js.path} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            Proctor
          </a>
          <nav aria-label="Breadcrumb">{props.crumbs}</nav>
          {props.ctx.project !== null ? (
            <form method="post" action="/signout">
              <span class="muted">{`project ${props.ctx.project}`} </span>
              <input type="hidden" name="csrf" value={props.ctx.csrf} />
              <button type="submit">Sign out</button>
            </form>
          ) : null}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

export function StatusBadge(props: { status: string }) {
  return (
    <span class={`badge status-${props.status}`} data-run-status>
      {props.status.replace('_', ' ')}
    </span>
  );
}

export function MessagePage(props: { ctx: PageContext; title: string; message: string }) {
  return (
    <Layout title={props.title} ctx={props.ctx}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p>
        <a href="/">All evals</a>
      </p>
    </Layout>
  );
}
