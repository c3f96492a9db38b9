/// The events list of a tenant and one event's detail.
enum EventTemplates {
    static let list = """
        <h1>Events of {{tenant}}</h1>
        <form method="get" action="/console/tenants/{{tenant}}/events" class="filters" aria-label="Filter events">
          <label>Event id <input name="id" value="{{filter.id}}" size="24"></label>
          <label>Type <select name="type"><option value="">any</option>{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/types}}</select></label>
          <label>Destination <select name="destination"><option value="">any</option>{{#destinations}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/destinations}}</select></label>
          <label>State <select name="state"><option value="">any</option>{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/states}}</select></label>
          <label>From <input name="from" value="{{filter.from}}" placeholder="2026-11-30T00:00:00Z" size="22"></label>
          <label>To <input name="to" value="{{filter.to}}" placeholder="2026-11-30T23:59:59Z" size="22"></label>
          <label>Property value <input name="q" value="{{filter.q}}" placeholder="user id, email…" size="24"></label>
          <button type="submit">Search</button> <a href="/console/tenants/{{tenant}}/events">Clear</a>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <p class="muted" data-test="scan">{{scanText}}</p>
        {{^hasEntries}}<p data-test="no-events">No event matches.</p>{{/hasEntries}}
        {{#hasEntries}}
        <div class="table-wrap">
        <table class="events">
          <thead><tr><th scope="col">Received</th><th scope="col">Event id</th><th scope="col">Type</th><th scope="col">Destinations</th></tr></thead>
          <tbody>
          {{#entries}}
          <tr data-event-id="{{id}}">
            <td><time datetime="{{receivedISO}}" title="{{receivedUTC}}">{{receivedAgo}}</time><br><span class="muted small">{{receivedUTC}}</span></td>
            <td><a href="/console/tenants/{{tenant}}/events/{{idPath}}">{{id}}</a></td>
            <td>{{type}}</td>
            <td>{{#destinations}}<span class="badge badge-{{state}}" title="{{id}}: {{state}}">{{id}}: {{state}}</span> {{/destinations}}{{^destinations}}<span class="muted">routed nowhere</span>{{/destinations}}</td>
          </tr>
          {{/entries}}
          </tbody>
        </table>
        </div>
        {{/hasEntries}}
        {{#nextLink}}<p><a href="{{nextLink}}" rel="next" data-test="older">Older events →</a></p>{{/nextLink}}
        """

    static let detail = """
        <p><a href="/console/tenants/{{tenant}}/events">← Events of {{tenant}}</a></p>
        <h1>Event <code>{{id}}</code></h1>
        <dl class="facts">
          <dt>Type</dt><dd>{{type}}</dd>
          <dt>Happened</dt><dd>{{occurredUTC}} ({{occurredAgo}})</dd>
          <dt>Received</dt><dd>{{receivedUTC}} ({{receivedAgo}})</dd>
          <dt>Sequence</dt><dd>{{sequence}}</dd>
        </dl>
        {{#erased}}<p class="error" role="status" data-test="erased">The payload of this event was erased at {{erased}}: its properties are gone from the store. Its delivery record stays; it is never sent or replayed again.</p>{{/erased}}
        {{#masked}}
        <div class="masked-note" data-test="masked-note">
          <p>Values of the properties this tenant masks ({{maskList}}) are shown as ••••, here and in every excerpt below.</p>
          {{#isAdmin}}
          <form method="post" action="/console/tenants/{{tenant}}/events/{{idPath}}/reveal" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" data-test="reveal">Reveal masked values (logged)</button>
          </form>
          {{/isAdmin}}
        </div>
        {{/masked}}
        {{#revealed}}<p class="notice" role="status" data-test="revealed">Masked values are shown because you revealed them; the audit log records it. <a href="/console/tenants/{{tenant}}/events/{{idPath}}">Hide them again</a>.</p>{{/revealed}}
        {{#isAdmin}}{{#anyReplayable}}
        <form method="post" action="/console/tenants/{{tenant}}/events/{{idPath}}/replay" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit">Replay to every destination where it is dead</button>
        </form>
        {{/anyReplayable}}{{/isAdmin}}
        <h2>Destinations</h2>
        {{#destinations}}
        <section class="destination" data-destination="{{id}}" aria-labelledby="dest-{{id}}">
          <h3 id="dest-{{id}}">{{id}} {{#type}}<span class="type">{{type}}</span>{{/type}} <span class="badge badge-{{state}}" data-test="state">{{stateText}}</span></h3>
          <p data-test="why">{{why}}</p>
          {{#hint}}<p class="hint">{{hint}}</p>{{/hint}}
          {{#preview}}<details class="preview" data-test="preview"><summary>What it would send now (transform applied, nothing is sent)</summary><pre class="excerpt">{{preview}}</pre></details>{{/preview}}
          {{#isAdmin}}{{#replayable}}
          <form method="post" action="/console/tenants/{{tenant}}/events/{{idPath}}/replay" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="destination" value="{{id}}">
            <button type="submit">Replay to {{id}}</button>
          </form>
          {{/replayable}}{{/isAdmin}}
          {{#hasAttempts}}
          <table class="attempts">
            <caption>Attempts</caption>
            <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Outcome</th><th scope="col">HTTP status</th><th scope="col">Latency</th><th scope="col">Error</th><th scope="col">Response (first 1 KB)</th></tr></thead>
            <tbody>
            {{#attempts}}
            <tr><td>{{attempt}}</td><td>{{atUTC}}</td><td><span class="badge badge-{{outcome}}">{{outcome}}</span></td><td>{{status}}</td><td>{{latency}} ms</td><td>{{code}}</td><td><pre class="excerpt">{{message}}</pre></td></tr>
            {{/attempts}}
            </tbody>
          </table>
          {{/hasAttempts}}
        </section>
        {{/destinations}}
        {{#isAdmin}}{{^erased}}
        <details class="danger" data-test="erase-box"><summary>Erase this event's payload</summary>
          <p>Replaces the event's properties in the store with nothing (the id, type and times stay), so the data is gone from the store's files; deliveries still waiting become dead letters <code>erased</code>, and the erasure is recorded in the audit log. Files and systems it was already delivered to keep their copies.</p>
          <form method="post" action="/console/tenants/{{tenant}}/events/{{idPath}}/erase">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label><input type="checkbox" name="confirm" value="yes" required data-test="erase-confirm"> I understand this cannot be undone</label>
            <button type="submit" class="danger" data-test="erase">Erase the payload</button>
          </form>
        </details>
        {{/erased}}{{/isAdmin}}
        <h2>As stored</h2>
        <pre class="json" data-test="json">{{json}}</pre>
        """
}
