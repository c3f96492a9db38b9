/// The audit log: who did what, when, from where, newest first.
enum AuditTemplate {
    static let page = """
        <h1>Audit log</h1>
        <p class="muted">Every sign-in (and failed one), replay, retry now, test send, validate, reload, reveal and erasure, from the console and the API, newest first. Kept as long as the other records ({{retention}}).</p>
        <form method="get" action="/console/audit" class="filters" aria-label="Filter the audit log">
          <label>Action <select name="action"><option value="">any</option>{{#actions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/actions}}</select></label>
          <label>Tenant <input name="tenant" value="{{filter.tenant}}" size="16"></label>
          <button type="submit">Filter</button> <a href="/console/audit">Clear</a>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{^hasEntries}}<p data-test="no-entries">No entry matches.</p>{{/hasEntries}}
        {{#hasEntries}}
        <div class="table-wrap">
        <table class="audit">
          <thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Role</th><th scope="col">Address</th><th scope="col">Tenant</th><th scope="col">Destination</th><th scope="col">Event</th><th scope="col">Detail</th></tr></thead>
          <tbody>
          {{#entries}}
          <tr data-action="{{action}}" data-test="audit-row">
            <td>{{atUTC}}</td><td><code>{{action}}</code></td><td>{{role}}</td><td>{{address}}</td><td>{{tenant}}</td><td>{{destination}}</td>
            <td>{{#eventPath}}<a href="{{eventPath}}">{{eventID}}</a>{{/eventPath}}</td><td class="detail">{{detail}}</td>
          </tr>
          {{/entries}}
          </tbody>
        </table>
        </div>
        {{/hasEntries}}
        {{#nextLink}}<p><a href="{{nextLink}}" rel="next">Older entries →</a></p>{{/nextLink}}
        """
}
