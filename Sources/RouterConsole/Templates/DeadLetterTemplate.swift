/// A tenant's dead letters: filter, select and replay, or replay everything the filter matches.
enum DeadLetterTemplate {
    static let page = """
        <h1>Dead letters of {{tenant}}</h1>
        <form method="get" action="/console/tenants/{{tenant}}/dead-letters" class="filters" aria-label="Filter dead letters">
          <label>Destination <select name="destination"><option value="">any</option>{{#destinations}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/destinations}}</select></label>
          <label>Reason <input name="reason" value="{{filter.reason}}" placeholder="http_400" size="16"></label>
          <label>From <input name="from" value="{{filter.from}}" placeholder="2026-11-30T00:00:00Z" size="22"></label>
          <label>To <input name="to" value="{{filter.to}}" placeholder="2026-11-30T23:59:59Z" size="22"></label>
          <button type="submit">Filter</button> <a href="/console/tenants/{{tenant}}/dead-letters">Clear</a>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <p data-test="count"><strong data-test="match-count">{{count}}</strong> dead letter{{^oneMatch}}s{{/oneMatch}} match{{#oneMatch}}es{{/oneMatch}} (as of {{asOfUTC}}).</p>
        {{#hasMatches}}
        {{#isAdmin}}
        <form method="post" action="/console/tenants/{{tenant}}/dead-letters/replay-matching" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="destination" value="{{matching.destination}}">
          <input type="hidden" name="reason" value="{{matching.reason}}">
          <input type="hidden" name="from" value="{{matching.from}}">
          <input type="hidden" name="to" value="{{matching.to}}">
          <input type="hidden" name="asOf" value="{{asOf}}">
          <input type="hidden" name="expected" value="{{count}}">
          <button type="submit" data-test="replay-all">Replay all {{count}} matching</button>
        </form>
        {{/isAdmin}}
        <form method="post" action="/console/tenants/{{tenant}}/dead-letters/replay-selected">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <div class="table-wrap">
          <table class="dead-letters">
            <thead><tr>{{#isAdmin}}<th scope="col"><input type="checkbox" id="select-all" aria-label="Select every row on this page"></th>{{/isAdmin}}<th scope="col">Parked</th><th scope="col">Event id</th><th scope="col">Destination</th><th scope="col">Attempts</th><th scope="col">Reason</th></tr></thead>
            <tbody>
            {{#records}}
            <tr data-event-id="{{eventID}}">
              {{#isAdmin}}<td><input type="checkbox" name="select" value="{{destination}} {{eventID}}" aria-label="Select {{eventID}} at {{destination}}"></td>{{/isAdmin}}
              <td>{{failedUTC}}<br><span class="muted small">{{failedAgo}}</span></td>
              <td><a href="/console/tenants/{{tenant}}/events/{{idPath}}">{{eventID}}</a></td>
              <td>{{destination}}</td>
              <td class="num">{{attempts}}</td>
              <td><code>{{code}}</code> {{message}}</td>
            </tr>
            {{/records}}
            </tbody>
          </table>
          </div>
          {{#isAdmin}}<button type="submit" data-test="replay-selected">Replay selected</button>{{/isAdmin}}
        </form>
        {{/hasMatches}}
        {{#nextLink}}<p><a href="{{nextLink}}" rel="next">Older dead letters →</a></p>{{/nextLink}}
        """
}
