// The admin console in a real browser: headless Chromium or Firefox (Debian's, never a downloaded
// one) driven by puppeteer-core (Chromium over the DevTools protocol, Firefox over WebDriver BiDi).
// Run by tests/admin/test_browser.cpp against a node that has received phantoms (and a file with
// HTML in its tags) and whose deliveries failed while the PACS was down:
//   node console.mjs BASE_URL SCREENSHOT_DIR XSS_STUDY_UID [chromium|firefox [EXECUTABLE]]
// Prints "ok: ..." per check, "FAIL: ..." per failure; exits 1 when anything failed.
import puppeteer from 'puppeteer-core';

const [base, shots, xssStudy, which = 'chromium', executable] = process.argv.slice(2);
let failures = 0;
function check(condition, what) {
  console.log(`${condition ? 'ok' : 'FAIL'}: ${what} [${which}]`);
  if (!condition) failures++;
}

const browser = which === 'firefox'
  ? await puppeteer.launch({
      browser: 'firefox',
      executablePath: executable || '/usr/bin/firefox-esr',
      headless: true,
    })
  : await puppeteer.launch({
      executablePath: executable || '/usr/bin/chromium',
      headless: true,
      // No sandbox (tests run as root in CI); nothing from the network (the machine has none).
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 1000});
  const dialogs = [];
  const errors = [];
  page.on('dialog', async d => { dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', e => errors.push(e.message));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });

  // Opens a screen and waits until it says it is up to date (or failed). Going from one screen to
  // another only changes the URL's hash (no page load), so the status line of the screen before
  // is cleared first: only the new screen's "Updated" counts (this was a race: the studies list
  // was read once before it had loaded).
  async function open(hash) {
    const here = await page.evaluate(h => location.hash === h, hash).catch(() => false);
    if (here) {
      await page.reload({waitUntil: 'networkidle0'});  // the same screen again: load it afresh
    } else {
      await page.evaluate(() => { const s = document.getElementById('status'); if (s) { s.textContent = ''; s.className = ''; } })
        .catch(() => {});
      await page.goto(`${base}/${hash}`, {waitUntil: 'networkidle0'});
    }
    await page.waitForFunction(() => /^Updated|error/.test(document.getElementById('status').textContent + document.getElementById('status').className),
                               {timeout: 30000});
    await page.waitForFunction(() => [...document.images].every(i => i.complete), {timeout: 30000});
  }
  const text = () => page.$eval('main', m => m.innerText);

  // The node has users: without a session the console asks for a login; a wrong password is
  // refused with the reason; the right one opens the console (OSTEON_CONSOLE_USER/_PASSWORD).
  await page.goto(`${base}/#/overview`, {waitUntil: 'networkidle0'});
  await page.waitForSelector('input[name=user]', {timeout: 30000});
  check((await text()).includes('Log in'), 'without a session the console asks for a login');
  const login = async password => {
    await page.$eval('input[name=user]', i => { i.value = ''; });
    await page.$eval('input[name=password]', i => { i.value = ''; });
    await page.type('input[name=user]', process.env.OSTEON_CONSOLE_USER);
    await page.type('input[name=password]', password);
    await page.click('main form button[type=submit]');
  };
  await login('not the password');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('wrong user name or password'),
                             {timeout: 30000});
  check(true, 'a wrong password is refused');
  await login(process.env.OSTEON_CONSOLE_PASSWORD);
  await page.waitForFunction(() => document.getElementById('user').textContent.includes('(admin)'), {timeout: 30000});
  check(true, 'the right password logs in');
  // The browser logs the refused requests before the login (401) as errors; from here on, none.
  errors.length = 0;

  await open('#/overview');
  await page.waitForFunction(() => document.getElementById('health').textContent !== '…');
  check(await page.$eval('#health', e => e.textContent) === 'ready', 'the health badge says ready');
  check((await text()).includes('Recent failed deliveries'), 'the overview lists recent failed deliveries');
  check((await page.$eval('body', b => b.innerText)).includes('not for primary diagnosis'), 'every page says not for primary diagnosis');
  // The charts: drawn from the last hour's activity, which holds the phantoms' jobs.
  check(await page.$$eval('svg.chart', s => s.length) === 2, 'the overview draws the throughput and latency charts');
  // The throughput chart draws a line even at zero; the latency chart only where jobs settled.
  check(await page.$$eval('svg.chart', s => s[1].querySelectorAll('polyline, circle').length) >= 2,
        'the latency chart has the settled jobs in it (p50 and p95)');
  check((await text()).includes('Queues') && (await text()).includes('settled (last hour)'), 'the overview shows the queues');
  await page.screenshot({path: `${shots}/overview.png`, fullPage: true});

  await open('#/studies');
  const studies = await page.$$eval('main a[href^="#/study/"]', as => as.map(a => a.getAttribute('href')));
  check(studies.length >= 3, `the studies screen lists the studies (${studies.length}; status: ${await page.$eval('#status', s => s.textContent)})`);
  check((await text()).includes('MyStudy<script>alert("XSS inside DICOM file 2");</script>'),
        'a study description with HTML in it is shown as text');
  await page.screenshot({path: `${shots}/studies.png`, fullPage: true});

  // A study with results: its Secondary Capture is shown as the image the node rendered.
  let shown = false;
  for (const href of studies) {
    await open(href);
    const images = await page.$$eval('img.sc', imgs => imgs.map(i => i.naturalWidth));
    if (images.length && images.every(w => w > 0)) {
      shown = true;
      check(/\bdone\b/.test(await text()), 'the study shows its finding');
      await page.screenshot({path: `${shots}/study.png`, fullPage: true});
      break;
    }
  }
  check(shown, 'a study shows its Secondary Capture image');

  // The job timeline, from the jobs screen.
  await open('#/jobs');
  await page.screenshot({path: `${shots}/jobs.png`, fullPage: true});
  const timeline = await page.$eval('main a[href^="#/job/"]', a => a.getAttribute('href'));
  await open(timeline);
  const events = await text();
  for (const e of ['received', 'routed', 'queued', 'running', 'result stored', 'delivery queued'])
    check(events.includes(e), `the job timeline shows "${e}"`);
  await page.screenshot({path: `${shots}/job.png`, fullPage: true});

  // A failed delivery retried by clicking (the PACS is up again by now).
  await open('#/deliveries');
  const before = await page.$$eval('main button', bs => bs.filter(b => b.textContent === 'Retry').length);
  check(before > 0, `failed deliveries have a Retry button (${before})`);
  check(await page.$$eval('main button', bs => bs.some(b => b.textContent === 'Retry all failed (filtered)')), 'the failed deliveries can be retried all at once');
  await page.screenshot({path: `${shots}/deliveries.png`, fullPage: true});
  await page.evaluate(() => [...document.querySelectorAll('main button')].find(b => b.textContent === 'Retry').click());
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('retried'), {timeout: 30000});
  check((await page.$eval('#status', s => s.textContent)).includes('"retried":1'), 'clicking Retry queued the delivery again');

  await open('#/pipelines');
  check((await text()).includes('bone_age'), 'the pipelines screen lists the pipelines');
  await page.screenshot({path: `${shots}/pipelines.png`, fullPage: true});
  await open('#/models');
  check((await text()).includes('Model card'), 'the models screen lists the models with their cards');
  await page.screenshot({path: `${shots}/models.png`, fullPage: true});
  await open('#/audit');
  check((await text()).includes('DICOM Instances Transferred') && (await text()).includes('Application Start'),
        'the audit screen lists the trail');
  await page.screenshot({path: `${shots}/audit.png`, fullPage: true});
  await open('#/routing');
  check((await text()).includes('Routing profiles') && (await text()).includes('implant_id'), 'the routing screen lists the profiles');
  await page.screenshot({path: `${shots}/routing.png`, fullPage: true});

  // The study with HTML in its tags: shown as text, nothing run.
  await open(`#/study/${encodeURIComponent(xssStudy)}`);
  check(dialogs.length === 0, `no script from a DICOM file ran (dialogs: ${JSON.stringify(dialogs)})`);
  check(await page.$$eval('main script', s => s.length) === 0, 'no script element came from the data');
  check(errors.length === 0, `no errors in the page (${JSON.stringify(errors)})`);
} finally {
  await browser.close();
}
process.exit(failures === 0 ? 0 : 1);
