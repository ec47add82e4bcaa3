// Writes the demo clickstream as NDJSON: nested objects, arrays, mixed types and timestamp forms,
// late-appearing fields, redelivered duplicates and a handful of malformed lines at known positions.
import { open } from 'node:fs/promises';
import { REFERRERS, USER_AGENTS, type Product } from './reference.js';
import { Rng } from './random.js';
import { DEMO_BASE_MS, type DemoCustomer } from './shop.js';

const WINDOW_MS = 7 * 24 * 3_600_000;
const SHOP_URL = 'https://shop.example.com';
const FLUSH_BYTES = 1 << 20;

/** Where malformed lines go, as fractions of the file: the same few positions at every scale. */
const MALFORMED_AT = [0.013, 0.127, 0.284, 0.5, 0.631, 0.802, 0.957] as const;

/** 1-based line numbers of the malformed lines in a log of `totalLines` lines. */
export function malformedLineNumbers(totalLines: number): number[] {
  const lines = new Set<number>();
  for (const fraction of MALFORMED_AT) {
    let line = Math.max(2, Math.min(totalLines, Math.round(totalLines * fraction)));
    while (lines.has(line) && line < totalLines) line += 1;
    lines.add(line);
  }
  return [...lines].sort((a, b) => a - b);
}

export interface EventsResult {
  lines: number;
  /** Well-formed events (duplicates included). */
  events: number;
  malformedLines: number[];
  duplicates: number;
}

interface CartLine {
  sku: string;
  quantity: number;
  price: number;
}

interface Session {
  id: string;
  customer: DemoCustomer | undefined;
  ip: string;
  userAgent: string;
  eventsLeft: number;
  started: boolean;
  cart: CartLine[];
}

const PAGES = ['/', '/c/coffee', '/c/tea', '/c/equipment', '/c/cups', '/c/snacks', '/c/gift', '/cart', '/account', '/help/shipping'];
const SEARCHES = ['espresso', 'decaf', 'grinder', 'chai', 'gift card', 'mug', 'stroopwafel', 'cold brew', 'kettle'];
const CAMPAIGNS = ['winter_sale', 'newsletter_dec', 'retargeting', 'influencer_coffee'];

function uuid(rng: Rng): string {
  let hex = '';
  for (let i = 0; i < 32; i++) {
    let nibble = rng.int(0, 15);
    if (i === 12) nibble = 4;
    if (i === 16) nibble = 8 + (nibble & 3);
    hex += nibble.toString(16);
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** ISO 8601 in the forms real collectors mix: UTC `Z` or a `+02:00` local offset, with or without millis. */
function isoTimestamp(rng: Rng, ms: number): string {
  const withMillis = !rng.chance(0.1);
  const trim = (iso: string) => (withMillis ? iso : iso.replace(/\.\d{3}Z$/, 'Z'));
  if (rng.chance(0.18)) return trim(new Date(ms + 2 * 3_600_000).toISOString()).replace('Z', '+02:00');
  return trim(new Date(ms).toISOString());
}

function planOf(customer: DemoCustomer | undefined): string {
  if (!customer) return 'guest';
  if (customer.isVip) return 'pro';
  return (Math.imul(customer.id, 2654435761) >>> 0) % 10 < 3 ? 'plus' : 'free';
}

function money(cents: number): number {
  return Math.round(cents) / 100;
}

/** Lines that fail JSON.parse, each a different way logs really break. */
function malformed(kind: number, wellFormed: string, receivedMs: number): string {
  switch (kind % 7) {
    case 0: return wellFormed.slice(0, Math.floor(wellFormed.length / 2));
    case 1: return `${new Date(receivedMs).toISOString()} WARN collector: upstream timeout, buffering 312 events`;
    case 2: return wellFormed.replace(/}$/, ',}');
    case 3: return `{'type': 'page_view', 'user': {'id': None, 'plan': 'guest'}}`;
    case 4: return wellFormed.replace(/"session_id":/, 'session_id:');
    case 5: return `${wellFormed}${wellFormed}`;
    default: return '<html><body><h1>502 Bad Gateway</h1></body></html>';
  }
}

export async function writeEventLog(path: string, scale: number, seed: number, customers: readonly DemoCustomer[], products: readonly Product[]): Promise<EventsResult> {
  const rng = new Rng(seed);
  const totalLines = Math.max(50, Math.round(20000 * scale));
  const malformedLines = malformedLineNumbers(totalLines);
  const malformedSet = new Set(malformedLines);
  const startMs = DEMO_BASE_MS - WINDOW_MS;
  const loyal = customers.filter((c) => c.createdMs < startMs);
  const knownCustomers = loyal.length > 0 ? loyal : customers;

  const newSession = (): Session => ({
    id: `s_${uuid(rng).slice(0, 13).replace('-', '')}`,
    customer: rng.chance(0.7) && knownCustomers.length > 0 ? rng.pick(knownCustomers) : undefined,
    ip: rng.chance(0.85) ? `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}` : `2001:db8:${rng.int(0, 0xffff).toString(16)}::${rng.int(1, 0xffff).toString(16)}`,
    userAgent: rng.pick(USER_AGENTS),
    eventsLeft: rng.int(1, 25),
    started: false,
    cart: [],
  });
  const sessions = Array.from({ length: 40 }, newSession);

  const file = await open(path, 'w');
  let buffer = '';
  let duplicates = 0;
  const redeliveries: { atLine: number; event: Record<string, unknown> }[] = [];
  try {
    for (let line = 1; line <= totalLines; line++) {
      const receivedMs = startMs + Math.floor(((line - 1 + rng.next() * 0.9) / totalLines) * (WINDOW_MS - 60_000));
      let event: Record<string, unknown>;
      const due = redeliveries[0];
      if (due && due.atLine <= line) {
        // At-least-once delivery: the same event again, received later.
        redeliveries.shift();
        event = { ...due.event, received_at: new Date(receivedMs).toISOString() };
        duplicates += 1;
      } else {
        const slot = rng.int(0, sessions.length - 1);
        const session = sessions[slot]!;
        event = nextEvent(rng, session, line, totalLines, receivedMs, products);
        session.eventsLeft -= 1;
        if (session.eventsLeft <= 0 || event.type === 'checkout') sessions[slot] = newSession();
        if (rng.chance(0.004)) redeliveries.push({ atLine: line + rng.int(1, 40), event });
      }
      const text = JSON.stringify(event);
      buffer += (malformedSet.has(line) ? malformed(malformedLines.indexOf(line), text, receivedMs) : text) + '\n';
      if (buffer.length >= FLUSH_BYTES) {
        await file.write(buffer);
        buffer = '';
      }
    }
    await file.write(buffer);
  } finally {
    await file.close();
  }
  return { lines: totalLines, events: totalLines - malformedLines.length, malformedLines, duplicates };
}

function nextEvent(rng: Rng, session: Session, line: number, totalLines: number, receivedMs: number, products: readonly Product[]): Record<string, unknown> {
  // Mostly small collector lag; mobile clients sometimes flush minutes late (out-of-order event time).
  const lagMs = rng.chance(0.9) ? rng.int(20, 2000) : rng.chance(0.9) ? rng.int(2000, 60_000) : rng.int(60_000, 1_800_000);
  const eventMs = receivedMs - lagMs;
  const progress = line / totalLines;

  let type: string;
  if (!session.started) type = 'page_view';
  else {
    const weights: Record<string, number> = { page_view: 45, product_view: 24, search: 8, add_to_cart: 13 };
    if (session.cart.length > 0) Object.assign(weights, { remove_from_cart: 3, checkout: 7 });
    type = rng.weighted(weights);
  }
  const product = rng.pick(products);
  let url = `${SHOP_URL}${rng.pick(PAGES)}`;
  if (type === 'product_view' || type === 'add_to_cart') url = `${SHOP_URL}/p/${product.sku}`;
  if (type === 'checkout') url = `${SHOP_URL}/checkout`;
  if (type === 'remove_from_cart') url = `${SHOP_URL}/cart`;
  const query = rng.pick(SEARCHES);
  if (type === 'search') url = `${SHOP_URL}/search?q=${encodeURIComponent(query)}`;
  const referrer = !session.started ? (rng.chance(0.6) ? rng.pick(REFERRERS) : null) : `${SHOP_URL}/`;
  session.started = true;

  const sequence = 1_000_000 + line;
  const event: Record<string, unknown> = {
    event_id: uuid(rng),
    // Usually a number; one producer version sent it as a string.
    id: progress > 0.25 && rng.chance(0.02) ? String(sequence) : sequence,
    type,
    ts: isoTimestamp(rng, eventMs),
    received_at: new Date(receivedMs).toISOString(),
    session_id: session.id,
    user: { id: session.customer?.id ?? null, plan: planOf(session.customer) },
    context: { ip: session.ip, user_agent: session.userAgent, page: { url, referrer } },
  };

  if (type === 'search') event.query = query;
  if (type === 'add_to_cart') {
    const added = { sku: product.sku, quantity: rng.chance(0.85) ? 1 : rng.int(2, 4), price: money(product.priceCents) };
    session.cart.push(added);
    event.items = [added];
    event.value = money(added.quantity * product.priceCents);
  }
  if (type === 'remove_from_cart') {
    const removed = session.cart.splice(rng.int(0, session.cart.length - 1), 1);
    event.items = removed;
    event.value = money(removed.reduce((sum, item) => sum + item.quantity * item.price * 100, 0));
  }
  if (type === 'checkout') {
    event.items = [...session.cart];
    // Some clients send whole currency units, others cents-precise floats.
    const cents = session.cart.reduce((sum, item) => sum + item.quantity * item.price * 100, 0);
    event.value = rng.chance(0.15) ? Math.round(cents / 100) : money(cents);
    event.currency = session.customer?.country === 'GB' ? 'GBP' : session.customer?.country === 'US' ? 'USD' : 'EUR';
    // A map keyed by dates (views per day before checkout): a schema should say map<string, integer>,
    // not one field per day. Derived without the generator's random stream so nothing else shifts.
    const days = 4 + (Math.floor(eventMs) % 3);
    event.views_by_day = Object.fromEntries(Array.from({ length: days }, (_, d) => [
      new Date(eventMs - (d + 1) * 86_400_000).toISOString().slice(0, 10),
      (Math.floor(eventMs / 1000) + d * 7) % 13,
    ]));
  }
  // Attribution was switched on mid-week: null in the first records, then usually set.
  event.campaign = progress < 0.6 || rng.chance(0.6) ? null : rng.pick(CAMPAIGNS);
  // A/B testing started later still: the field does not exist before then.
  if (progress > 0.75) event.experiment = { name: 'checkout_button', variant: rng.chance(0.5) ? 'A' : 'B' };
  return event;
}
