// The sign-in form (one field: "API key") and the page shown when a form is refused for its CSRF token.
import { html } from './html.ts';
import { plainPage } from './layout.ts';

export function signInPage(options: { csrfToken: string; error?: string; notice?: string }) {
  return plainPage(
    'Sign in',
    html`<h1>Coffer dashboard</h1>
<p>Sign in with one of your business's API keys. A read-only key (<code>ck_ro_…</code>) can look at everything but change nothing.</p>
${options.notice ? html`<p class="success" role="status">${options.notice}</p>` : ''}
<form method="post" action="/dashboard/sign-in">
<input type="hidden" name="_csrf" value="${options.csrfToken}">
<p><label for="api-key">API key</label>
<input id="api-key" name="api_key" type="password" autocomplete="off" spellcheck="false" required maxlength="200" aria-describedby="sign-in-message"></p>
<div id="sign-in-message" aria-live="polite">${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}</div>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

export function refusedPage(message: string) {
  return plainPage('Refused', html`<h1>Refused</h1><p class="error" role="alert">${message}</p><p><a href="/dashboard">Back to the dashboard</a></p>`);
}
