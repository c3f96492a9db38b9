/// The page frame and the pages shown before sign-in. Every `{{value}}` is HTML-escaped by
/// Mustache; `{{{content}}}` and `{{{chart}}}` take only HTML this module rendered itself.
enum LayoutTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · RetentionRouter console</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        <script src="/console/assets/console.js" defer></script>
        </head>
        <body{{#refresh}} data-refresh="{{refresh}}"{{/refresh}}>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/console/">RetentionRouter</a>
          {{#signedIn}}
          <nav aria-label="Main">
            <a href="/console/"{{#isOverview}} aria-current="page"{{/isOverview}}>Overview</a>
            <a href="/console/config"{{#isConfiguration}} aria-current="page"{{/isConfiguration}}>Configuration</a>
            <a href="/console/audit"{{#isAudit}} aria-current="page"{{/isAudit}}>Audit log</a>
            {{#tenant}}
            <a href="/console/tenants/{{tenant}}/tail"{{#isTail}} aria-current="page"{{/isTail}}>{{tenant}} live</a>
            <a href="/console/tenants/{{tenant}}/events"{{#isEvents}} aria-current="page"{{/isEvents}}>{{tenant}} events</a>
            <a href="/console/tenants/{{tenant}}/dead-letters"{{#isDeadLetters}} aria-current="page"{{/isDeadLetters}}>{{tenant}} dead letters</a>
            {{/tenant}}
          </nav>
          {{#isViewer}}<span class="role" data-test="role" title="Signed in with the viewer token: masked values, no changes">viewer</span>{{/isViewer}}
          <form method="post" action="/console/sign-out" class="sign-out">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit">Sign out</button>
          </form>
          {{/signedIn}}
        </header>
        <main id="main">
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{{content}}}
        </main>
        <footer><p>Times are UTC. Page made at {{now}}.</p></footer>
        </body>
        </html>
        """

    static let signIn = """
        <section class="sign-in" aria-labelledby="sign-in-title">
          <h1 id="sign-in-title">Sign in</h1>
          <p>Enter the router's admin token (<code>adminToken</code> in <code>router.json</code>, by default <code>$ROUTER_ADMIN_TOKEN</code>), or its viewer token (<code>viewerToken</code>, by default <code>$ROUTER_VIEWER_TOKEN</code>) to look without changing anything.</p>
          {{#error}}<p class="error" role="alert" id="sign-in-error">{{error}}</p>{{/error}}
          <form method="post" action="/console/sign-in">
            <input type="hidden" name="next" value="{{next}}">
            <label for="token">Admin or viewer token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
            <button type="submit">Sign in</button>
          </form>
        </section>
        """

    static let closed = """
        <section class="sign-in" aria-labelledby="closed-title">
          <h1 id="closed-title">The console is closed</h1>
          <p>No admin token is configured, so nobody can sign in. To open the console, start the router with one:</p>
          <pre><code>ROUTER_ADMIN_TOKEN=$(openssl rand -hex 24) swift run retention-router serve</code></pre>
          <p>(or set <code>adminToken</code> in <code>router.json</code>), then open <code>/console/</code> and sign in with that token.</p>
        </section>
        """

    static let message = """
        <section aria-labelledby="message-title">
          <h1 id="message-title">{{heading}}</h1>
          <p>{{text}}</p>
          <p><a href="/console/">Back to the overview</a></p>
        </section>
        """
}
