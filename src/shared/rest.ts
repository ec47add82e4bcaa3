// What sampling a REST endpoint learned about it: the paginator that worked, where the records are,
// the auth scheme. The connector-config generator reads it to emit an Airbyte declarative manifest or
// a dlt rest_api config that is right the first time. Pure data: no secrets, no imports.

/** How the endpoint pages, with the names its requests and responses use. Paths are body keys from the root. */
export type RestPaginator =
  /** `Link: <…>; rel="next"` response header (GitHub style). */
  | { type: 'link-header' }
  /** The next page's URL (absolute or relative) in the body, at `nextUrlPath`. */
  | { type: 'next-url'; nextUrlPath: string[] }
  /** An opaque cursor in the body at `cursorPath`, sent back as query parameter `cursorParam`. */
  | { type: 'cursor'; cursorPath: string[]; cursorParam: string; hasMorePath?: string[] }
  /** `has_more` in the body; the next page starts after the last record's `idField` (Stripe style). */
  | { type: 'starting-after'; hasMorePath: string[]; cursorParam: string; idField: string }
  /** `offset` + `limit` query parameters; the end is `totalPath` when the body has one, else a short or empty page. */
  | { type: 'offset'; offsetParam: string; limitParam: string; pageSize: number; totalPath?: string[] }
  /** Page numbers; the end is `totalPagesPath` when the body has one, else a short or empty page. */
  | { type: 'page-number'; pageParam: string; startPage: number; sizeParam?: string; pageSize?: number; totalPagesPath?: string[] }
  | { type: 'single-page' };

export type RestPaginatorType = RestPaginator['type'];

/** The auth scheme without its secret values. */
export interface RestAuthProfile {
  scheme: 'none' | 'bearer' | 'basic' | 'api-key' | 'oauth2-client-credentials';
  /** api-key: where the key goes and under which name. */
  in?: 'header' | 'query';
  name?: string;
  /** oauth2-client-credentials: the token endpoint and scopes. */
  tokenUrl?: string;
  scopes?: string[];
}

/** Learned by a sample of one endpoint; stored with the sample (SampleInfo.schema.rest). */
export interface RestEndpointProfile {
  kind: 'rest';
  /** Base URL with credentials removed. */
  baseUrl: string;
  /** Path below the base URL, as configured (may hold `{param}` templates). */
  path: string;
  method: 'GET';
  /** Query parameters of the first request (secret values removed), paging parameters excluded. */
  params: Record<string, string>;
  /** Keys from the body's root to the records array; [] when the body is the array. */
  recordPath: string[];
  /** True when the user gave the path; false when Headwater found the largest array of objects. */
  recordPathGiven: boolean;
  paginator: RestPaginator;
  /** True when the user set the paginator instead of letting Headwater detect it. */
  paginatorGiven: boolean;
  auth: RestAuthProfile;
  /** Pages read, and whether the read reached the last page. */
  pages: number;
  reachedEnd: boolean;
}

/** `data.items` style text for a body path, `$` for the root. */
export function restPathText(path: readonly string[]): string {
  return path.length ? path.join('.') : '$';
}

/** One line for the sample's query column and status. */
export function describeRestPaginator(paginator: RestPaginator): string {
  switch (paginator.type) {
    case 'link-header': return 'Link header rel="next"';
    case 'next-url': return `next URL in body at ${restPathText(paginator.nextUrlPath)}`;
    case 'cursor': return `cursor in body at ${restPathText(paginator.cursorPath)} sent as ?${paginator.cursorParam}=${paginator.hasMorePath ? `, until ${restPathText(paginator.hasMorePath)} is false` : ''}`;
    case 'starting-after': return `${restPathText(paginator.hasMorePath)} + ?${paginator.cursorParam}=<last ${paginator.idField}>`;
    case 'offset': return `?${paginator.offsetParam}= + ?${paginator.limitParam}=${paginator.pageSize}${paginator.totalPath ? `, total at ${restPathText(paginator.totalPath)}` : ', until a short page'}`;
    case 'page-number': return `?${paginator.pageParam}= from ${paginator.startPage}${paginator.totalPagesPath ? `, page count at ${restPathText(paginator.totalPagesPath)}` : ', until a short or empty page'}`;
    case 'single-page': return 'single page (no paging found)';
  }
}
