// Pagination: detected once from the first page (headers, body keys, request and declared query
// parameters), then followed page by page. Pure functions over a page, so each style is testable.
import type { RestPaginator } from '../../../shared/rest.js';
import { at, isObject } from '../kit/rest/records.js';

export interface PageView {
  /** The request URL (without auth parameters). */
  url: URL;
  headers: Headers;
  body: unknown;
  records: Record<string, unknown>[];
}

/** Where paging keys sit in common envelopes. */
const CONTAINERS: string[][] = [[], ['meta'], ['pagination'], ['paging'], ['page_info'], ['pageInfo'], ['response_metadata'], ['links'], ['_links']];
const NEXT_URL_KEYS = ['next', 'next_url', 'nextUrl', 'next_page_url', 'nextPageUrl', 'nextLink', '@odata.nextLink'];
const CURSOR_KEYS = ['next_cursor', 'nextCursor', 'next_page_token', 'nextPageToken', 'next_token', 'nextToken', 'end_cursor', 'endCursor'];
const HAS_MORE_KEYS = ['has_more', 'hasMore', 'has_next', 'hasNext', 'has_next_page', 'hasNextPage', 'more'];
const TOTAL_KEYS = ['total', 'total_count', 'totalCount', 'total_results', 'totalResults', 'count'];
const OFFSET_KEYS = ['offset', 'skip', 'start'];
const LIMIT_KEYS = ['limit', 'take', 'per_page', 'page_size', 'pageSize', 'size'];
const PAGE_KEYS = ['page', 'current_page', 'currentPage', 'page_number', 'pageNumber'];
const TOTAL_PAGES_KEYS = ['total_pages', 'totalPages', 'pages', 'last_page', 'lastPage', 'page_count', 'pageCount'];
const PAGE_SIZE_PARAMS = ['per_page', 'page_size', 'pageSize', 'limit', 'size'];

function find(body: unknown, keys: readonly string[], accept: (value: unknown) => boolean): string[] | undefined {
  for (const container of CONTAINERS) {
    const holder = at(body, container);
    if (!isObject(holder)) continue;
    for (const key of keys) {
      if (key in holder && accept(holder[key])) return [...container, key];
    }
  }
  return undefined;
}

const isUrlLike = (value: unknown): boolean => typeof value === 'string' && /^(https?:\/\/|\/|\?)/i.test(value);
const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
const isToken = (value: unknown): boolean => (typeof value === 'string' && value !== '') || value === null;

/** `Link: <url>; rel="next", <url>; rel="last"` → the next URL, if any. */
export function linkNext(headers: Headers, base: URL): URL | undefined {
  const link = headers.get('link');
  if (!link) return undefined;
  for (const match of link.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? '')?.[1];
    if (rel?.split(/\s+/).includes('next')) return new URL(match[1]!, base);
  }
  return undefined;
}

function cursorParamFor(key: string): string {
  if (key === 'nextPageToken') return 'pageToken';
  if (key === 'next_page_token') return 'page_token';
  if (key === 'nextToken' || key === 'next_token') return key.replace(/^next_?/, '').replace(/^T/, 't');
  if (key === 'endCursor' || key === 'end_cursor') return 'after';
  return 'cursor';
}

function firstParam(url: URL, names: readonly string[], declared: readonly string[]): string | undefined {
  return names.find((n) => url.searchParams.has(n)) ?? names.find((n) => declared.includes(n));
}

export function detectPaginator(first: PageView, declaredParams: readonly string[] = []): RestPaginator {
  const { body, url, records } = first;
  if (first.headers.get('link') && linkNext(first.headers, url)) return { type: 'link-header' };
  const nextUrlPath = find(body, NEXT_URL_KEYS, (v) => isUrlLike(v) || isObject(v) && isUrlLike(v.href));
  if (nextUrlPath) {
    const value = at(body, nextUrlPath);
    return { type: 'next-url', nextUrlPath: isObject(value) ? [...nextUrlPath, 'href'] : nextUrlPath };
  }
  const hasMorePath = find(body, HAS_MORE_KEYS, (v) => typeof v === 'boolean');
  const cursorPath = find(body, CURSOR_KEYS, isToken) ?? find(body, ['next', 'cursor'], (v) => typeof v === 'string' && v !== '' && !isUrlLike(v));
  if (cursorPath) {
    const key = cursorPath[cursorPath.length - 1]!;
    return { type: 'cursor', cursorPath, cursorParam: cursorParamFor(key), ...(hasMorePath ? { hasMorePath } : {}) };
  }
  if (hasMorePath && (records.length === 0 || records.every((r) => r.id !== undefined && r.id !== null))) {
    return { type: 'starting-after', hasMorePath, cursorParam: declaredParams.includes('after') ? 'after' : 'starting_after', idField: 'id' };
  }
  const offsetPath = find(body, OFFSET_KEYS, isNumber);
  const offsetParam = offsetPath ? offsetPath[offsetPath.length - 1]! : firstParam(url, OFFSET_KEYS, declaredParams);
  const totalPath = find(body, TOTAL_KEYS, isNumber);
  if (offsetParam) {
    const limitPath = find(body, LIMIT_KEYS, isNumber);
    const limitParam = limitPath ? limitPath[limitPath.length - 1]! : firstParam(url, LIMIT_KEYS, declaredParams) ?? 'limit';
    const pageSize = Number((limitPath ? at(body, limitPath) : undefined) ?? url.searchParams.get(limitParam) ?? records.length) || records.length;
    return { type: 'offset', offsetParam, limitParam, pageSize, ...(totalPath ? { totalPath } : {}) };
  }
  const pagePath = find(body, PAGE_KEYS, isNumber);
  const pageParam = pagePath ? requestName(url, pagePath) : firstParam(url, PAGE_KEYS, declaredParams);
  if (pageParam) {
    const startPage = Number((pagePath ? at(body, pagePath) : undefined) ?? url.searchParams.get(pageParam) ?? 1);
    const totalPagesPath = find(body, TOTAL_PAGES_KEYS, isNumber);
    const sizeParam = firstParam(url, PAGE_SIZE_PARAMS, declaredParams);
    const pageSize = sizeParam && url.searchParams.has(sizeParam) ? Number(url.searchParams.get(sizeParam)) : records.length;
    return { type: 'page-number', pageParam, startPage, ...(sizeParam ? { sizeParam } : {}), ...(pageSize ? { pageSize } : {}), ...(totalPagesPath ? { totalPagesPath } : {}) };
  }
  return { type: 'single-page' };
}

/** The query parameter a body's page key answers to: the request's own name when it sent one, else `page`. */
function requestName(url: URL, path: string[]): string {
  const key = path[path.length - 1]!;
  return url.searchParams.has(key) ? key : 'page';
}

function withParam(url: URL, name: string, value: string | number): URL {
  const next = new URL(url);
  next.searchParams.set(name, String(value));
  return next;
}

/** The next page's URL, or undefined when `page` was the last. */
export function nextPageUrl(paginator: RestPaginator, page: PageView): URL | undefined {
  const { body, url, records } = page;
  switch (paginator.type) {
    case 'single-page': return undefined;
    case 'link-header': return linkNext(page.headers, url);
    case 'next-url': {
      const next = at(body, paginator.nextUrlPath);
      return typeof next === 'string' && next !== '' ? new URL(next, url) : undefined;
    }
    case 'cursor': {
      const cursor = at(body, paginator.cursorPath);
      if (paginator.hasMorePath && at(body, paginator.hasMorePath) === false) return undefined;
      return (typeof cursor === 'string' && cursor !== '') || typeof cursor === 'number' ? withParam(url, paginator.cursorParam, cursor) : undefined;
    }
    case 'starting-after': {
      if (at(body, paginator.hasMorePath) !== true || records.length === 0) return undefined;
      const last = records[records.length - 1]![paginator.idField];
      return last === undefined || last === null ? undefined : withParam(url, paginator.cursorParam, String(last));
    }
    case 'offset': {
      if (records.length === 0) return undefined;
      const offset = Number(url.searchParams.get(paginator.offsetParam) ?? 0) + records.length;
      const total = paginator.totalPath ? at(body, paginator.totalPath) : undefined;
      if (typeof total === 'number' ? offset >= total : records.length < paginator.pageSize) return undefined;
      return withParam(withParam(url, paginator.offsetParam, offset), paginator.limitParam, paginator.pageSize);
    }
    case 'page-number': {
      if (records.length === 0) return undefined;
      const current = Number(url.searchParams.get(paginator.pageParam) ?? paginator.startPage);
      const totalPages = paginator.totalPagesPath ? at(body, paginator.totalPagesPath) : undefined;
      if (typeof totalPages === 'number' ? current >= totalPages : paginator.pageSize !== undefined && records.length < paginator.pageSize) return undefined;
      return withParam(url, paginator.pageParam, current + 1);
    }
  }
}

/** Paging parameters, left out of the profile's fixed `params`. */
export function pagingParams(paginator: RestPaginator): string[] {
  switch (paginator.type) {
    case 'cursor':
    case 'starting-after': return [paginator.cursorParam];
    case 'offset': return [paginator.offsetParam, paginator.limitParam];
    case 'page-number': return [paginator.pageParam, ...(paginator.sizeParam ? [paginator.sizeParam] : [])];
    default: return [];
  }
}
