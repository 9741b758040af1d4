import { Layout, type PageContext } from '../layout.tsx';

export function SignInPage(props: { ctx: PageContext; next: string; error: string | null }) {
  return (
    <Layout title="Sign in" ctx={props.ctx}>
      <div class="signin panel">
        <h1>Sign in</h1>
        <p class="muted">Pages show the objects of your API key's project.</p>
        <form method="post" action="/signin">
          <input type="hidden" name="csrf" value={props.ctx.csrf} />
          <input type="hidden" name="next" value={props.next} />
          <label for="key">API key</label>
          <input id="key" name="key" type="password" autocomplete="current-password" required autofocus />
          {props.error ? (
            <p class="error-text" role="alert">
              {props.error}
            </p>
          ) : null}
          <button type="submit">Sign in</button>
        </form>
      </div>
    </Layout>
  );
}
