/// The configuration as loaded, with Validate and Reload, and the result of either.
enum ConfigurationTemplate {
    static let page = """
        <h1>Configuration</h1>
        <p>Tenants folder <code>{{folder}}</code>: {{tenantCount}} tenant{{^oneTenant}}s{{/oneTenant}} running. Secrets are never shown, only where they come from.</p>
        {{#isAdmin}}
        <div class="actions">
          <form method="post" action="/console/config/validate" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" data-test="validate">Validate the folder as it is on disk</button>
          </form>
          <form method="post" action="/console/config/reload" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" data-test="reload">Reload: apply it if valid</button>
          </form>
        </div>
        {{/isAdmin}}
        {{#hasErrors}}
        <section class="result result-bad" data-test="config-errors" aria-labelledby="errors-title">
          <h2 id="errors-title">{{errorHeading}}</h2>
          <p>{{errorText}}</p>
          <div class="table-wrap">
          <table class="config-errors">
            <thead><tr><th scope="col">File</th><th scope="col">JSON path</th><th scope="col">Problem</th></tr></thead>
            <tbody>
            {{#errors}}<tr><td><code>{{file}}</code></td><td><code data-test="error-path">{{path}}</code></td><td>{{message}}</td></tr>{{/errors}}
            </tbody>
          </table>
          </div>
        </section>
        {{/hasErrors}}
        {{#valid}}<p class="notice" role="status" data-test="config-valid">The tenants folder is valid as it is on disk: {{valid}}. Nothing was applied.</p>{{/valid}}
        {{#summary}}
        <section class="result result-good" data-test="reload-summary" aria-labelledby="reload-title">
          <h2 id="reload-title">Reloaded</h2>
          {{#changedNothing}}<p>The folder holds the configuration that was running; nothing changed.</p>{{/changedNothing}}
          <ul class="changes">
            {{#tenantsAdded}}<li>Tenant added: <strong>{{.}}</strong></li>{{/tenantsAdded}}
            {{#tenantsRemoved}}<li>Tenant removed: <strong>{{.}}</strong> (its events stay in the store)</li>{{/tenantsRemoved}}
            {{#added}}<li>Destination added: <strong>{{.}}</strong></li>{{/added}}
            {{#changed}}<li>Destination changed: <strong>{{.}}</strong> (its worker restarted with the new settings)</li>{{/changed}}
            {{#removed}}<li>Destination removed: <strong>{{name}}</strong>, keeping a backlog of {{backlog}} event{{^oneEvent}}s{{/oneEvent}} in the store</li>{{/removed}}
          </ul>
          <p class="muted">{{unchangedCount}} destination{{^oneUnchanged}}s{{/oneUnchanged}} unchanged.</p>
        </section>
        {{/summary}}
        {{#tenants}}
        <section class="tenant-config" data-tenant="{{name}}" aria-labelledby="tenant-{{name}}">
          <h2 id="tenant-{{name}}">{{name}}</h2>
          {{#description}}<p>{{description}}</p>{{/description}}
          <dl class="facts">
            <dt>File</dt><dd><code>{{file}}</code></dd>
            <dt>Ingest</dt><dd>{{scheme}}, secrets {{#secrets}}<code data-test="secret">{{.}}</code> {{/secrets}}</dd>
            <dt>Rate limit</dt><dd>{{#rateLimit}}{{rateLimit}}{{/rateLimit}}{{^rateLimit}}none{{/rateLimit}}</dd>
            <dt>Masked in the console</dt><dd data-test="mask">{{#hasMask}}{{#maskProperties}}<code>{{.}}</code> {{/maskProperties}}{{/hasMask}}{{^hasMask}}nothing{{/hasMask}}</dd>
          </dl>
          {{#destinations}}
          <section class="destination" data-destination="{{id}}">
            <h3>{{id}} <span class="type">{{type}}</span></h3>
            <p>Events: {{events}}</p>
            {{#isAdmin}}
            <form method="post" action="/console/tenants/{{name}}/destinations/{{id}}/test-send" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <button type="submit" data-test="test-send">Send test event</button>
            </form>
            {{/isAdmin}}
            <details><summary>Settings</summary><pre class="json" data-test="settings">{{settings}}</pre></details>
            {{#transform}}<details><summary>Transform</summary><pre class="json">{{transform}}</pre></details>{{/transform}}
          </section>
          {{/destinations}}
        </section>
        {{/tenants}}
        """
}
