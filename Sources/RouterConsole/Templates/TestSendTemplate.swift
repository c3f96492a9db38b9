/// The outcome of a test send.
enum TestSendTemplate {
    static let page = """
        <p><a href="/console/config">← Configuration</a> · <a href="/console/">Overview</a></p>
        <h1>Test send to {{tenant}} / {{destination}}</h1>
        <section class="result {{#delivered}}result-good{{/delivered}}{{^delivered}}result-bad{{/delivered}}" data-test="test-result" data-outcome="{{outcome}}">
          <p><span class="badge badge-{{badge}}" data-test="outcome">{{outcomeText}}</span></p>
          {{#hint}}<p class="hint" data-test="hint">{{hint}}</p>{{/hint}}
          <dl class="facts">
            <dt>Test event</dt><dd><code data-test="event-id">{{eventID}}</code> ({{type}}, <code>"rr_test": true</code>; not stored, not counted)</dd>
            <dt>HTTP status</dt><dd data-test="status">{{status}}</dd>
            <dt>Latency</dt><dd data-test="latency">{{latency}} ms</dd>
            {{#code}}<dt>Error</dt><dd><code>{{code}}</code></dd>{{/code}}
          </dl>
          {{#response}}<h2>Response (first 1 KB)</h2><pre class="excerpt" data-test="response">{{response}}</pre>{{/response}}
        </section>
        <form method="post" action="/console/tenants/{{tenant}}/destinations/{{destination}}/test-send" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit">Send another test event</button>
        </form>
        """
}
