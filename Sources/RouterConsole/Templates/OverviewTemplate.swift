/// The overview: one row per tenant × destination, worst first.
enum OverviewTemplate {
    static let page = """
        <h1>Overview</h1>
        <p class="muted">{{rowCount}} destination{{^oneRow}}s{{/oneRow}} across {{tenantCount}} tenant{{^oneTenant}}s{{/oneTenant}}.
          {{#refreshing}}Refreshes every 5 seconds (<a href="/console/?refresh=0">hold still</a>).{{/refreshing}}{{^refreshing}}Not refreshing (<a href="/console/">refresh every 5 seconds</a>).{{/refreshing}}</p>
        {{^rows}}<p>No tenant is configured. Add a file to the tenants folder and reload.</p>{{/rows}}
        {{#hasRows}}
        <div class="table-wrap">
        <table class="overview">
          <caption class="visually-hidden">Destinations, worst first</caption>
          <thead><tr>
            <th scope="col">Tenant / destination</th><th scope="col">State</th>
            <th scope="col">Last 5 min</th><th scope="col">Last hour</th><th scope="col">Failure rate</th>
            <th scope="col">p95</th><th scope="col">Backlog</th><th scope="col">Dead</th>
            <th scope="col">Per minute</th>
          </tr></thead>
          <tbody>
          {{#rows}}
          <tr class="condition-{{condition}}" data-partition="{{tenant}}/{{destination}}">
            <th scope="row">
              <a href="/console/tenants/{{tenant}}/events">{{tenant}}</a> /
              <a href="/console/tenants/{{tenant}}/events?destination={{destination}}">{{destination}}</a>
              {{#type}}<span class="type">{{type}}</span>{{/type}}{{^type}}<span class="type removed">removed</span>{{/type}}
            </th>
            <td class="state">
              <span class="badge badge-{{condition}}">{{conditionText}}</span>
              {{#lastFailure}}<p class="hint" data-test="hint">{{hint}}</p><p class="muted small">Last failure {{lastFailureAgo}} ({{lastFailureAt}})</p>{{/lastFailure}}
              {{#isAdmin}}{{#canRetryNow}}
              <form method="post" action="/console/tenants/{{tenant}}/destinations/{{destination}}/retry-now" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit">Retry now</button>
              </form>
              {{/canRetryNow}}{{#canTestSend}}
              <form method="post" action="/console/tenants/{{tenant}}/destinations/{{destination}}/test-send" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit" class="secondary" data-test="test-send">Send test event</button>
              </form>
              {{/canTestSend}}{{/isAdmin}}
            </td>
            <td class="num" data-label="Last 5 min"><span class="ok" data-test="delivered-5m">{{delivered5m}}</span> delivered<br><span class="bad">{{failed5m}}</span> failed</td>
            <td class="num" data-label="Last hour"><span class="ok" data-test="delivered-1h">{{delivered1h}}</span> delivered<br><span class="bad">{{failed1h}}</span> failed</td>
            <td class="num" data-label="Failure rate">{{failureRate}}</td>
            <td class="num" data-label="p95 latency">{{p95}}</td>
            <td class="num" data-label="Backlog" data-test="backlog">{{backlog}}{{#oldestWaiting}}<br><span class="muted small">oldest {{oldestWaiting}}</span>{{/oldestWaiting}}{{#retrying}}<br><span class="muted small">{{retrying}} retrying</span>{{/retrying}}</td>
            <td class="num" data-label="Dead letters"><a href="/console/tenants/{{tenant}}/dead-letters?destination={{destination}}" data-test="dead">{{deadLetters}}</a></td>
            <td class="chart" data-label="Per minute, last hour">{{{chart}}}</td>
          </tr>
          {{/rows}}
          </tbody>
        </table>
        </div>
        {{/hasRows}}
        """
}
