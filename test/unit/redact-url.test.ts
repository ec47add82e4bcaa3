// redactUrl: credentials in a URL (user info password, credential-like query and fragment parameters)
// are masked where the URL is shown or stored; near misses stay as written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSecretParam, redact, redactUrl, secretsInUrl } from '../../src/shared/errors.js';
import { adHocSource, resolveSource } from '../../src/engine/sources/config.js';

describe('redactUrl', { timeout: 10_000 }, () => {
  const cases: [string, string][] = [
    ['http://h/x.csv?token=S3cr3t', 'http://h/x.csv?token=***'],
    ['https://h/x?access_token=a&page=2', 'https://h/x?access_token=***&page=2'],
    ['https://h/x?api_key=a&apiKey=b&X-API-Key=c&key=d', 'https://h/x?api_key=***&apiKey=***&X-API-Key=***&key=***'],
    ['https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff&X-Amz-Security-Token=t', 'https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***'],
    ['https://acct.blob.core.windows.net/c/x.csv?sv=2022&sig=abc%3D', 'https://acct.blob.core.windows.net/c/x.csv?sv=2022&sig=***'],
    ['https://h/x?password=p&client_secret=c&auth=a&credential=k&session=s', 'https://h/x?password=***&client_secret=***&auth=***&credential=***&session=***'],
    ['https://u:pa55@h/x', 'https://u:***@h/x'],
    ['https://h/cb#access_token=tok&state=1', 'https://h/cb#access_token=***&state=1'],
    ['https://h/x?api%5Fkey=enc', 'https://h/x?api%5Fkey=***'],
    // Near misses: not credentials, kept as written.
    ['https://h/x?monkey=1&keyboard=x&author=bob&signal=3&design=d', 'https://h/x?monkey=1&keyboard=x&author=bob&signal=3&design=d'],
    ['https://h/x?max_tokens=5&key_id=7&keys=a', 'https://h/x?max_tokens=5&key_id=7&keys=a'],
    ['https://h/x?pageToken=abc&next_page_token=d&continuation_token=e', 'https://h/x?pageToken=abc&next_page_token=d&continuation_token=e'],
    ['https://u@h/x?token=', 'https://u@h/x?token='],
    ['https://h/tokens/key.csv', 'https://h/tokens/key.csv'],
    // A name ending in `key` is masked even when it is not a secret: harmless, and says why.
    ['https://h/x?sort_key=name', 'https://h/x?sort_key=***'],
    ['kafka://a:9092,b:9092/t?sasl_password=p', 'kafka://a:9092,b:9092/t?sasl_password=***'],
  ];
  for (const [url, shown] of cases) {
    test(`${url} → ${shown}`, () => assert.equal(redactUrl(url), shown));
  }

  test('a source names its own key parameter', () => {
    assert.equal(redactUrl('https://h/x?ak=v1&b=2', ['ak']), 'https://h/x?ak=***&b=2');
  });

  test('isSecretParam splits names into words', () => {
    for (const name of ['token', 'oauth_token', 'authToken', 'APIKEY', 'subscription-key', 'x-amz-signature', 'passwd', 'jwt']) assert.equal(isSecretParam(name), true, name);
    for (const name of ['monkey', 'keyboard', 'author', 'authuser', 'signal', 'tokenizer', 'nextToken', 'cursor', 'keyId']) assert.equal(isSecretParam(name), false, name);
  });

  test('secretsInUrl gives the values as written and decoded, for redacting any text', () => {
    assert.deepEqual(secretsInUrl('https://u:p%40ss@h/x?token=a%2Bb&page=2').sort(), ['a%2Bb', 'a+b', 'p%40ss', 'p@ss'].sort());
    assert.equal(redact('GET https://h/x?token=abc%2Bdef failed: abc+def refused', secretsInUrl('https://h/x?token=abc%2Bdef')), 'GET https://h/x?token=*** failed: *** refused');
  });
});

describe('ad-hoc URL sources', { timeout: 10_000 }, () => {
  test('the name (catalog, sample ids, generated files) is redacted; the URL keeps the value for the request', async () => {
    const adHoc = adHocSource('http://h/x.csv?token=S3cr3tValue&x=1');
    assert.equal(adHoc?.name, 'http://h/x.csv?token=***&x=1');
    assert.equal(adHoc?.url, 'http://h/x.csv?token=S3cr3tValue&x=1');
    const resolved = await resolveSource(adHoc!, '/w', async () => ({}));
    assert.equal(resolved.url, 'http://h/x.csv?token=S3cr3tValue&x=1');
    assert.ok(resolved.secrets.includes('S3cr3tValue'), 'the value is known for redaction of errors and logs');
  });
});
