// The dashboard in a real browser: Debian's Chromium, driven by Playwright. Run by
// tests/serve/dashboard_test.py, which starts the server and a slow fake model server:
//   node dashboard_test.mjs http://127.0.0.1:PORT CHROMIUM SCREENSHOT.png [API_KEY]
// Checks: the page loads with no console error, no failed request and nothing fetched from
// another origin; a run started through the API appears live (while it runs), its trace opens
// (the graph with the path taken, the timeline, the router's decision); per-node metrics show.
// With API_KEY (a server with server.api_keys): the page asks for the key, refuses a wrong one,
// then works with the right one. Keeps a screenshot.
import { chromium } from 'playwright-core';

const [base, executablePath, screenshot, apiKey] = process.argv.slice(2);
const problems = [];
const check = (ok, what) => {
    console.log(`${ok ? 'ok' : 'FAILED'} ${what}`);
    if (!ok) problems.push(what);
};

// --no-sandbox: the tests run as root in CI, where Chromium's own sandbox will not start.
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1300 } });
    // With a key, the page's first calls are refused (401) until it has the key: expected.
    const refused = (text) => apiKey !== undefined && text.includes('401');
    page.on('console', (message) => {
        if (message.type() === 'error' && !refused(message.text())) problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
        // An event stream the page closes on purpose (a run's, once it ended) is "aborted".
        if (!request.url().includes('/tinyllm/v1/events')) {
            problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
        }
    });
    page.on('response', (response) => {
        if (response.status() >= 400 && !refused(String(response.status()))) {
            problems.push(`HTTP ${response.status()}: ${response.url()}`);
        }
    });
    page.on('request', (request) => {
        const url = request.url();
        if (!url.startsWith(base) && !url.startsWith('data:')) problems.push(`fetched from another origin: ${url}`);
    });

    await page.goto(base + '/', { waitUntil: 'load' });
    check((await page.title()) === 'TinyLLM', 'the dashboard is the page at /');
    if (apiKey !== undefined) {
        await page.waitForSelector('#key-form', { timeout: 30000 });
        check(true, 'a server with API keys: the page asks for one');
        await page.fill('#api-key', 'not-the-key');
        await page.click('#key-form button');
        await page.waitForFunction(() => document.querySelector('#key-form p').textContent.includes('not one this server accepts'));
        check(true, 'a wrong key is refused, saying so');
        await page.fill('#api-key', apiKey);
        await page.click('#key-form button');
        await page.waitForSelector('#key-form', { state: 'detached', timeout: 30000 });
        check(true, 'the right key is taken');
    }
    const auth = apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` };
    await page.waitForSelector('#live.on', { timeout: 30000 });
    check(true, 'the live event stream is connected');
    const before = await page.$$eval('#runs tbody tr', (rows) => rows.map((r) => r.dataset.run));

    // A run through Ollama's API, not awaited: it takes a few seconds (the fake model is slow).
    const answer = fetch(base + '/api/chat', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...auth },
        body: JSON.stringify({ model: 'tinyllm/default', stream: false,
                               messages: [{ role: 'user', content: 'what is 17 * 23?' }] }),
    }).then((r) => r.json());

    const row = await page.waitForFunction((known) => {
        const fresh = [...document.querySelectorAll('#runs tbody tr')].find((r) => !known.includes(r.dataset.run));
        return fresh ? { id: fresh.dataset.run, status: fresh.querySelector('.status').textContent } : null;
    }, before, { timeout: 30000 }).then((handle) => handle.jsonValue());
    check(row.status === 'running', `the run appears live while it runs (${row.id}: ${row.status})`);

    await page.click(`#runs tbody tr[data-run="${row.id}"]`);
    await page.waitForFunction((id) => document.getElementById('run-title').textContent === id, row.id);
    check(true, 'its trace opens');

    const reply = await answer;
    check(reply.message !== undefined || reply.error !== undefined, `the API answered: ${JSON.stringify(reply).slice(0, 120)}`);
    await page.waitForFunction(
        (id) => !['running', ''].includes(document.querySelector(`#runs tbody tr[data-run="${id}"] .status`)?.textContent ?? ''),
        row.id, { timeout: 60000 });
    const status = await page.textContent(`#runs tbody tr[data-run="${row.id}"] .status`);
    check(['succeeded', 'failed'].includes(status), `its row shows the end: ${status}`);
    await page.waitForFunction(() => document.querySelectorAll('#run-timeline .timeline-row').length >= 3);

    const trace = await (await fetch(`${base}/tinyllm/v1/runs/${row.id}`, { headers: auth })).json();
    const bars = await page.$$eval('#run-timeline .timeline-row', (rows) => rows.map((r) => r.dataset.node));
    check(bars.length === trace.nodes.length && bars[0] === 'router',
        `the timeline has a bar per node execution (${bars.join(', ')})`);
    const visited = await page.$$eval('#run-graph g.node.visited', (nodes) => nodes.map((n) => n.dataset.node));
    check(visited.includes('router') && visited.includes('specialist.math'),
        `the graph highlights the nodes the run went through (${visited.join(', ')})`);
    check((await page.$$('#run-graph path.edge.taken')).length >= 2, 'and the edges it took');
    const decisions = await page.textContent('#run-decisions');
    check(decisions.includes('router (router) chose “math”'), `the router's decision is listed: ${decisions.slice(0, 100)}`);
    check(decisions.includes('math_check (gate) pass') && decisions.includes('numeric_answer'),
          `the gate's verdict is listed with its checks: ${decisions.slice(decisions.indexOf('math_check'), decisions.indexOf('math_check') + 160)}`);

    await page.waitForSelector('#metrics .metric-card[data-node="router"]', { timeout: 30000 });
    check(true, 'per-node metrics show the router');

    // The server's alerts.yaml (dashboard_test.py) has a rule every finished run sets off.
    await page.waitForSelector('#alerts-table tr[data-alert="RunsObserved"][data-state="firing"]', { timeout: 30000 });
    const alertRow = await page.textContent('#alerts-table tr[data-alert="RunsObserved"]');
    check(alertRow.includes('graph=default') && alertRow.includes('default ran: p50'),
        `the firing alert shows its labels and summary: ${alertRow}`);
    await page.waitForSelector('#alerts-firing', { timeout: 30000 });
    check((await page.textContent('#alerts-rules')).includes('1 rule of'), 'the rules are counted');

    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
} finally {
    await browser.close();
}
for (const p of problems) console.log(`FAILED ${p}`);
process.exit(problems.length ? 1 : 0);
