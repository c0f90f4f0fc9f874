// Browser test of the API explorer, as a newcomer uses it: open the Swagger UI of a running
// service, expand Observation, open its search, press "Try it out", search ALT results by LOINC
// code, press "Execute", and check that the page shows a 200 and a searchset Bundle.
// Debian's Chromium, driven by playwright-core; a screenshot of the result is saved.
// Usage: BASE_URL=http://localhost:8080 node swagger-ui-test.mjs [screenshot.png]
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const baseUrl = (process.env.BASE_URL || 'http://localhost:8080').replace(/\/$/, '');
const screenshot = process.argv[2] || path.join(here, '..', '..', 'docs', 'img', 'swagger-observation-search.png');
const altCode = 'http://loinc.org|1742-6';

const started = Date.now();
const profile = mkdtempSync(path.join(tmpdir(), 'hepatrial-chromium-'));
// The flags keep Chromium from reaching out to the network (refused on closed machines, and slow).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

function step(text) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);
}

let failure;
try {
  const page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(30000);
  step(`open ${baseUrl}/q/swagger-ui/`);
  await page.goto(`${baseUrl}/q/swagger-ui/`);

  step('expand the Observation tag');
  const tag = page.locator('#operations-tag-Observation');
  await tag.waitFor();
  await tag.click();

  step('open GET /fhir/Observation (search)');
  const search = page.locator('#operations-Observation-Observation_search');
  await search.locator('.opblock-summary').click();
  for (const parameter of ['code', 'date', 'patient']) {
    await search.locator(`tr[data-param-name="${parameter}"]`).waitFor();
  }

  step('Try it out');
  await search.locator('button.try-out__btn').click();
  const code = search.locator('tr[data-param-name="code"] input');
  await code.fill(altCode);

  step('Execute');
  await search.locator('button.execute').click();
  const status = search.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor();
  const statusText = (await status.innerText()).trim();
  const body = search.locator('.live-responses-table tbody .response-col_description pre').first();
  await body.waitFor();
  const bodyText = await body.innerText();
  const requestUrl = await search.locator('.request-url pre').first().innerText();
  step(`request ${requestUrl.trim()} answered ${statusText}`);

  if (!statusText.startsWith('200')) throw new Error(`expected 200, the page shows ${statusText}`);
  if (!bodyText.includes('"resourceType": "Bundle"')) throw new Error(`the response shown is not a Bundle: ${bodyText.slice(0, 300)}`);
  if (!bodyText.includes('"type": "searchset"')) throw new Error('the Bundle shown is not a searchset');
  if (!decodeURIComponent(requestUrl).includes(`code=${altCode}`)) throw new Error(`the request did not carry code=${altCode}`);
  const total = /"total": (\d+)/.exec(bodyText);
  step(`a searchset Bundle with total ${total ? total[1] : '(not given)'}`);

  mkdirSync(path.dirname(screenshot), { recursive: true });
  // the request (curl and URL) and the answer, below the execute button
  await search.locator('.responses-wrapper').evaluate((element) => element.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: screenshot });
  step(`screenshot ${path.relative(process.cwd(), screenshot)}`);
} catch (error) {
  failure = error;
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
if (failure) {
  console.error(`Swagger UI browser test FAILED: ${failure.message}`);
  process.exit(1);
}
console.log(`Swagger UI browser test passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
