// Paginator detection and record finding over envelopes as well-known APIs shape them (pure functions;
// the fixture server's integration test follows each style end to end).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detectPaginator, nextPageUrl, type PageView } from '../../src/engine/drivers/rest/paginate.js';
import { findRecordPath } from '../../src/engine/drivers/kit/rest/records.js';

function page(url: string, body: unknown, headers: Record<string, string> = {}): PageView {
  const path = findRecordPath(body) ?? [];
  let records: unknown = body;
  for (const key of path) records = (records as Record<string, unknown>)[key];
  return { url: new URL(url), headers: new Headers(headers), body, records: records as Record<string, unknown>[] };
}

const rows = (n: number) => Array.from({ length: n }, (_v, i) => ({ id: i + 1 }));

describe('REST paginator detection', () => {
  test('GitHub: Link header rel="next" among others', () => {
    const view = page('https://api.github.com/repos/o/r/issues?per_page=2', rows(2), { link: '<https://api.github.com/repositories/1/issues?per_page=2&page=2>; rel="next", <https://api.github.com/repositories/1/issues?per_page=2&page=9>; rel="last"' });
    assert.deepEqual(detectPaginator(view), { type: 'link-header' });
    assert.equal(nextPageUrl({ type: 'link-header' }, view)?.toString(), 'https://api.github.com/repositories/1/issues?per_page=2&page=2');
  });

  test('HAL _links.next.href and OData @odata.nextLink', () => {
    const hal = page('https://x/orders', { _embedded: { orders: rows(3) }, _links: { self: { href: '/orders' }, next: { href: '/orders?page=2' } } });
    assert.deepEqual(findRecordPath(hal.body), ['_embedded', 'orders']);
    assert.deepEqual(detectPaginator(hal), { type: 'next-url', nextUrlPath: ['_links', 'next', 'href'] });
    assert.equal(nextPageUrl(detectPaginator(hal), hal)?.toString(), 'https://x/orders?page=2');
    const odata = page('https://x/People', { '@odata.context': 'x', value: rows(2), '@odata.nextLink': 'https://x/People?$skiptoken=8' });
    assert.deepEqual(detectPaginator(odata), { type: 'next-url', nextUrlPath: ['@odata.nextLink'] });
  });

  test('Slack response_metadata.next_cursor and Google nextPageToken', () => {
    const slack = page('https://slack.com/api/conversations.list?limit=2', { ok: true, channels: rows(2), response_metadata: { next_cursor: 'dXNlcjpVMEc5V0ZYTlo=' } });
    assert.deepEqual(detectPaginator(slack), { type: 'cursor', cursorPath: ['response_metadata', 'next_cursor'], cursorParam: 'cursor' });
    assert.equal(nextPageUrl(detectPaginator(slack), slack)?.searchParams.get('cursor'), 'dXNlcjpVMEc5V0ZYTlo=');
    const done = page('https://slack.com/api/conversations.list?cursor=abc', { ok: true, channels: rows(1), response_metadata: { next_cursor: '' } });
    assert.equal(nextPageUrl(detectPaginator(slack), done), undefined);
    const google = page('https://www.googleapis.com/drive/v3/files', { files: rows(2), nextPageToken: 'tok2' });
    assert.deepEqual(detectPaginator(google), { type: 'cursor', cursorPath: ['nextPageToken'], cursorParam: 'pageToken' });
  });

  test('Stripe has_more + starting_after', () => {
    const stripe = page('https://api.stripe.com/v1/customers?limit=3', { object: 'list', url: '/v1/customers', has_more: true, data: [{ id: 'cus_1' }, { id: 'cus_2' }, { id: 'cus_3' }] });
    const paginator = detectPaginator(stripe);
    assert.deepEqual(paginator, { type: 'starting-after', hasMorePath: ['has_more'], cursorParam: 'starting_after', idField: 'id' });
    assert.equal(nextPageUrl(paginator, stripe)?.toString(), 'https://api.stripe.com/v1/customers?limit=3&starting_after=cus_3');
  });

  test('Laravel-style page numbers with last_page, and offset without total ending on a short page', () => {
    const laravel = page('https://x/users?page=1', { current_page: 1, data: rows(15), last_page: 3, per_page: 15, total: 40 });
    const paginator = detectPaginator(laravel);
    assert.equal(paginator.type, 'page-number');
    assert.deepEqual(paginator.type === 'page-number' ? [paginator.pageParam, paginator.totalPagesPath] : [], ['page', ['last_page']]);
    assert.equal(nextPageUrl(paginator, laravel)?.searchParams.get('page'), '2');
    const last = page('https://x/users?page=3', { current_page: 3, data: rows(10), last_page: 3 });
    assert.equal(nextPageUrl(paginator, last), undefined);
    const offset = page('https://x/items?offset=0&limit=50', { items: rows(50) });
    const byOffset = detectPaginator(offset);
    assert.deepEqual(byOffset, { type: 'offset', offsetParam: 'offset', limitParam: 'limit', pageSize: 50 });
    assert.equal(nextPageUrl(byOffset, offset)?.toString(), 'https://x/items?offset=50&limit=50');
    assert.equal(nextPageUrl(byOffset, page('https://x/items?offset=50&limit=50', { items: rows(7) })), undefined);
  });

  test('offset from the OpenAPI parameters when neither the request nor the body says so', () => {
    const view = page('https://x/things', { things: rows(20) });
    assert.deepEqual(detectPaginator(view, ['offset', 'limit']), { type: 'offset', offsetParam: 'offset', limitParam: 'limit', pageSize: 20 });
    assert.deepEqual(detectPaginator(view), { type: 'single-page' });
  });

  test('records: the largest array of objects wins over small ones, nested', () => {
    assert.deepEqual(findRecordPath({ meta: { warnings: [{ w: 1 }] }, result: { items: rows(5) } }), ['result', 'items']);
    assert.deepEqual(findRecordPath(rows(2)), []);
    assert.equal(findRecordPath({ id: 1, name: 'x' }), undefined);
    assert.deepEqual(findRecordPath({ tags: ['a', 'b'], data: [] }), ['data']);
  });
});
