// Writes the demo shop as a SQLite database: declared types, keys, indexes, an insert-only history
// table and a few realistic dirty bits. Everything derives from the seed and a fixed base date.
import type BetterSqlite3 from 'better-sqlite3';
import { betterSqlite3 } from '../drivers/kit/native.js';
import { COUNTRIES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, buildProducts, type Country, type Product } from './reference.js';
import { Rng } from './random.js';

/** The demo's "now": no wall clock anywhere, so two runs write identical bytes. */
export const DEMO_BASE_MS = Date.UTC(2026, 0, 1);
const HISTORY_START_MS = Date.UTC(2023, 0, 1);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const SHOP_TABLES = ['customers', 'products', 'customer_address_history', 'orders', 'order_items'] as const;
export type ShopTable = (typeof SHOP_TABLES)[number];

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'] as const;
type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What the event log needs to know about a customer to stay consistent with the shop. */
export interface DemoCustomer {
  id: number;
  country: string;
  isVip: boolean;
  createdMs: number;
}

export interface ShopResult {
  counts: Record<ShopTable, number>;
  customers: DemoCustomer[];
  products: Product[];
}

const SCHEMA_SQL = `
CREATE TABLE customers (
  id             INTEGER PRIMARY KEY,
  email          TEXT,
  full_name      TEXT NOT NULL,
  country        CHAR(2) NOT NULL,
  signup_channel TEXT NOT NULL CHECK (signup_channel IN ('web', 'ios', 'android', 'store')),
  created_at     TEXT NOT NULL,
  is_vip         BOOLEAN NOT NULL DEFAULT 0 CHECK (is_vip IN (0, 1)),
  lifetime_value REAL
);
CREATE TABLE products (
  sku        TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  category   TEXT NOT NULL,
  list_price NUMERIC(10, 2) NOT NULL,
  active     BOOLEAN NOT NULL DEFAULT 1
) WITHOUT ROWID;
-- Insert-only: a move adds a row, nothing is updated. The current address is the latest valid_from.
CREATE TABLE customer_address_history (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  valid_from  TEXT NOT NULL,
  street      TEXT NOT NULL,
  city        TEXT NOT NULL,
  postcode    TEXT NOT NULL,
  country     CHAR(2) NOT NULL
);
CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  status      TEXT NOT NULL CHECK (status IN (${ORDER_STATUSES.map((s) => `'${s}'`).join(', ')})),
  ordered_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  total_cents INTEGER NOT NULL,
  currency    CHAR(3) NOT NULL,
  shipping    TEXT CHECK (shipping IS NULL OR json_valid(shipping))
);
CREATE TABLE order_items (
  id         INTEGER PRIMARY KEY,
  order_id   INTEGER NOT NULL REFERENCES orders (id),
  sku        TEXT NOT NULL REFERENCES products (sku),
  quantity   INTEGER NOT NULL CHECK (quantity > 0),
  unit_price NUMERIC(10, 2) NOT NULL
);
`;

// Built after the bulk insert (faster than maintaining them row by row).
const INDEX_SQL = `
CREATE INDEX idx_customers_email ON customers (email);
CREATE INDEX idx_address_history_customer ON customer_address_history (customer_id, valid_from);
CREATE INDEX idx_orders_customer ON orders (customer_id);
-- Cursor column for incremental extraction: WHERE updated_at > ? ORDER BY updated_at, id.
CREATE INDEX idx_orders_updated_at ON orders (updated_at, id);
CREATE INDEX idx_order_items_order ON order_items (order_id);
`;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function asciiFold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[łŁ]/g, 'l').replace(/[øØ]/g, 'o').toLowerCase().replace(/[^a-z]/g, '');
}

function postcode(rng: Rng, pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '9') out += String(rng.int(0, 9));
    else if (ch === 'A') out += String.fromCharCode(65 + rng.int(0, 25));
    else out += ch;
  }
  return out;
}

function pickCountry(rng: Rng): Country {
  const weights = Object.fromEntries(COUNTRIES.map((c) => [c.code, c.weight]));
  const code = rng.weighted(weights);
  return COUNTRIES.find((c) => c.code === code)!;
}

interface Address {
  validFromMs: number;
  street: string;
  city: string;
  postcode: string;
  country: Country;
}

function newAddress(rng: Rng, country: Country, validFromMs: number): Address {
  return {
    validFromMs,
    street: `${rng.pick(country.streets)} ${rng.int(1, 180)}${rng.chance(0.08) ? rng.pick(['a', 'b', 'c']) : ''}`,
    city: rng.pick(country.cities),
    postcode: postcode(rng, country.postcode),
    country,
  };
}

/** 1 to 5 versions: moves (often in the same country) and the odd correction of a typo. */
function addressVersions(rng: Rng, createdMs: number): Address[] {
  const versions = Number(rng.weighted({ 1: 20, 2: 20, 3: 25, 4: 20, 5: 15 }));
  const first = newAddress(rng, pickCountry(rng), createdMs);
  const addresses = [first];
  const span = DEMO_BASE_MS - DAY_MS - createdMs;
  // Distinct days after the first, in order.
  const laterDays = new Set<number>();
  const maxDays = Math.floor(span / DAY_MS);
  while (laterDays.size < Math.min(versions - 1, maxDays)) laterDays.add(rng.int(1, maxDays));
  for (const day of [...laterDays].sort((a, b) => a - b)) {
    const previous = addresses[addresses.length - 1]!;
    const validFromMs = createdMs + day * DAY_MS;
    if (rng.chance(0.2)) {
      // A correction: same place, street spelled or numbered differently.
      addresses.push({ ...previous, validFromMs, street: previous.street.replace(/ (\d+)/, (_m, n: string) => ` ${Number(n) + 1}`) });
    } else {
      addresses.push(newAddress(rng, rng.chance(0.1) ? pickCountry(rng) : previous.country, validFromMs));
    }
  }
  return addresses;
}

function addressAt(addresses: readonly Address[], ms: number): Address {
  let current = addresses[0]!;
  for (const address of addresses) {
    if (address.validFromMs <= ms) current = address;
    else break;
  }
  return current;
}

/** Cumulative weights for a binary-search pick: a few customers place most of the orders. */
function cumulative(weights: readonly number[]): Float64Array {
  const sums = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => {
    total += w;
    sums[i] = total;
  });
  return sums;
}

function pickIndex(rng: Rng, sums: Float64Array): number {
  const roll = rng.next() * sums[sums.length - 1]!;
  let lo = 0;
  let hi = sums.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sums[mid]! > roll) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function statusFor(rng: Rng, ageDays: number): OrderStatus {
  if (ageDays < 1) return rng.weighted({ pending: 55, paid: 35, cancelled: 10 });
  if (ageDays < 4) return rng.weighted({ pending: 5, paid: 40, shipped: 50, cancelled: 5 });
  if (ageDays < 10) return rng.weighted({ paid: 5, shipped: 45, delivered: 44, cancelled: 4, refunded: 2 });
  return rng.weighted({ delivered: 82, cancelled: 9, refunded: 6, shipped: 3 });
}

/** When the order row last changed: status moves take hours to days; refunds can come much later. */
function updatedAtFor(rng: Rng, status: OrderStatus, orderedMs: number): number {
  const delayHours: Record<OrderStatus, [number, number]> = {
    pending: [0, 0],
    paid: [0, 2],
    shipped: [6, 72],
    delivered: [48, 240],
    cancelled: [0, 48],
    refunded: [240, 2000],
  };
  const [min, max] = delayHours[status];
  const updated = orderedMs + rng.int(min * 60, max * 60) * 60_000 + rng.int(0, 59) * 1000;
  return Math.min(updated, DEMO_BASE_MS - rng.int(1, 3600) * 1000);
}

interface CustomerRow extends DemoCustomer {
  email: string | null;
  fullName: string;
  signupChannel: string;
  addresses: Address[];
}

function buildCustomers(rng: Rng, count: number): CustomerRow[] {
  const customers: CustomerRow[] = [];
  const span = DEMO_BASE_MS - 14 * DAY_MS - HISTORY_START_MS;
  for (let i = 0; i < count; i++) {
    // Ids follow signup time, as an autoincrement key does.
    const createdMs = HISTORY_START_MS + Math.floor(((i + rng.next()) / count) * span / 1000) * 1000;
    const addresses = addressVersions(rng, createdMs);
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    let fullName = `${first} ${last}`;
    let email: string | null = `${asciiFold(first)}.${asciiFold(last)}${rng.chance(0.4) ? rng.int(1, 99) : ''}@${rng.pick(EMAIL_DOMAINS)}`;
    const earlier = customers.length > 10 && rng.chance(0.012) ? rng.pick(customers) : undefined;
    if (earlier) {
      // The same person signed up twice: a near-duplicate name and a differently cased email.
      fullName = rng.pick([earlier.fullName.toUpperCase(), `${earlier.fullName} `, earlier.fullName.replace(' ', '  '), earlier.fullName.normalize('NFD').replace(/\p{M}/gu, '')]);
      email = earlier.email === null ? null : rng.chance(0.5) ? earlier.email.toUpperCase() : earlier.email.replace('@', '+shop@');
    }
    if (rng.chance(0.03)) email = null;
    customers.push({
      id: i + 1,
      email,
      fullName,
      country: addresses[addresses.length - 1]!.country.code,
      signupChannel: rng.weighted({ web: 55, ios: 20, android: 18, store: 7 }),
      createdMs,
      isVip: rng.chance(0.06),
      addresses,
    });
  }
  return customers;
}

interface ItemRow {
  sku: string;
  quantity: number;
  unitCents: number;
}

function buildItems(rng: Rng, products: readonly Product[], productSums: Float64Array): ItemRow[] {
  const lines = Number(rng.weighted({ 1: 30, 2: 25, 3: 20, 4: 13, 5: 7, 6: 5 }));
  const items: ItemRow[] = [];
  for (let i = 0; i < lines; i++) {
    const product = products[pickIndex(rng, productSums)]!;
    const quantity = Number(rng.weighted({ 1: 70, 2: 18, 3: 8, 6: 3, 12: 1 }));
    // Some lines carry a promotion price.
    const unitCents = rng.chance(0.12) ? Math.round(product.priceCents * (1 - rng.int(10, 25) / 100)) : product.priceCents;
    items.push({ sku: product.sku, quantity, unitCents });
  }
  return items;
}

// The first checkout flow did not record shipping at all: NULL in the oldest orders only.
const SHIPPING_RECORDED_FROM_MS = Date.UTC(2023, 2, 1);

function shippingFor(rng: Rng, address: Address, orderId: number, orderedMs: number, status: OrderStatus): { json: string | null; costCents: number } {
  if (orderedMs < SHIPPING_RECORDED_FROM_MS) return { json: null, costCents: 0 };
  const method = rng.weighted({ standard: 70, express: 20, pickup: 10 });
  if (method === 'pickup') return { json: JSON.stringify({ method, store: `${address.city} Central` }), costCents: 0 };
  const shipped = status === 'shipped' || status === 'delivered' || status === 'refunded';
  const costCents = method === 'express' ? 995 : rng.chance(0.4) ? 0 : 495;
  const shipping: Record<string, unknown> = {
    method,
    carrier: rng.pick(['DHL', 'UPS', 'DPD', 'PostNL', 'La Poste', 'Royal Mail', 'USPS']),
    cost_cents: costCents,
    address: { street: address.street, city: address.city, postcode: address.postcode, country: address.country.code },
    tracking_number: shipped ? `TRK${String(orderId).padStart(8, '0')}${rng.int(10, 99)}` : null,
  };
  if (rng.chance(0.05)) shipping.gift_wrap = true;
  return { json: JSON.stringify(shipping), costCents };
}

type Database = BetterSqlite3.Database;

/** Writes a fresh database at `path` (which must not exist). */
export async function writeShopDatabase(path: string, scale: number, seed: number): Promise<ShopResult> {
  const DatabaseCtor = await betterSqlite3();
  const rng = new Rng(seed);
  const products = buildProducts((min, max) => rng.int(min, max));
  const customers = buildCustomers(rng, Math.max(1, Math.round(2000 * scale)));

  const db: Database = new DatabaseCtor(path);
  try {
    // A generated file needs no crash safety; without a journal no side files appear.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA_SQL);
    const counts = db.transaction(() => insertAll(db, rng, customers, products, Math.max(1, Math.round(12000 * scale))))();
    db.exec(INDEX_SQL);
    // Statistics let browsers estimate row counts from sqlite_stat1 instead of count(*).
    db.exec('ANALYZE');
    return {
      counts,
      customers: customers.map(({ id, country, isVip, createdMs }) => ({ id, country, isVip, createdMs })),
      products,
    };
  } finally {
    db.close();
  }
}

function insertAll(db: Database, rng: Rng, customers: CustomerRow[], products: Product[], orderCount: number): Record<ShopTable, number> {
  const insertProduct = db.prepare('INSERT INTO products (sku, name, category, list_price, active) VALUES (?, ?, ?, ?, ?)');
  for (const p of products) insertProduct.run(p.sku, p.name, p.category, p.priceCents / 100, rng.chance(0.93) ? 1 : 0);

  const insertCustomer = db.prepare('INSERT INTO customers (id, email, full_name, country, signup_channel, created_at, is_vip, lifetime_value) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)');
  for (const c of customers) insertCustomer.run(c.id, c.email, c.fullName, c.country, c.signupChannel, isoSeconds(c.createdMs), c.isVip ? 1 : 0);

  // History ids follow valid_from across all customers, as rows appended over time would.
  const history = customers
    .flatMap((c) => c.addresses.map((address) => ({ customerId: c.id, address })))
    .sort((a, b) => a.address.validFromMs - b.address.validFromMs || a.customerId - b.customerId);
  const insertAddress = db.prepare('INSERT INTO customer_address_history (id, customer_id, valid_from, street, city, postcode, country) VALUES (?, ?, ?, ?, ?, ?, ?)');
  history.forEach(({ customerId, address }, i) => {
    insertAddress.run(i + 1, customerId, isoDate(address.validFromMs), address.street, address.city, address.postcode, address.country.code);
  });

  // Popular products and loyal (or VIP) customers get most of the orders.
  const productSums = cumulative(products.map((_p, i) => 1 / (i % 37 + 1)));
  const customerSums = cumulative(customers.map((c) => (c.isVip ? 5 : 1) * (0.15 + rng.next() ** 3 * 4) * ((DEMO_BASE_MS - c.createdMs) / DAY_MS + 30)));
  const planned = Array.from({ length: orderCount }, () => {
    const customer = customers[pickIndex(rng, customerSums)]!;
    const window = DEMO_BASE_MS - HOUR_MS - customer.createdMs;
    return { customer, orderedMs: customer.createdMs + Math.floor((rng.next() * window) / 1000) * 1000 };
  }).sort((a, b) => a.orderedMs - b.orderedMs || a.customer.id - b.customer.id);

  const insertOrder = db.prepare('INSERT INTO orders (id, customer_id, status, ordered_at, updated_at, total_cents, currency, shipping) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertItem = db.prepare('INSERT INTO order_items (id, order_id, sku, quantity, unit_price) VALUES (?, ?, ?, ?, ?)');
  const lifetimeCents = new Map<number, number>();
  let itemId = 0;
  planned.forEach(({ customer, orderedMs }, i) => {
    const orderId = i + 1;
    const status = statusFor(rng, (DEMO_BASE_MS - orderedMs) / DAY_MS);
    const address = addressAt(customer.addresses, orderedMs);
    const items = buildItems(rng, products, productSums);
    const shipping = shippingFor(rng, address, orderId, orderedMs, status);
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitCents, 0) + shipping.costCents;
    const currency = rng.chance(0.04) ? 'EUR' : address.country.currency;
    insertOrder.run(orderId, customer.id, status, isoSeconds(orderedMs), isoSeconds(updatedAtFor(rng, status, orderedMs)), totalCents, currency, shipping.json);
    for (const item of items) insertItem.run(++itemId, orderId, item.sku, item.quantity, item.unitCents / 100);
    if (status !== 'cancelled' && status !== 'refunded') lifetimeCents.set(customer.id, (lifetimeCents.get(customer.id) ?? 0) + totalCents);
  });

  // Summed over currencies, as a naive reporting job would; NULL for customers who never ordered.
  const setLifetime = db.prepare('UPDATE customers SET lifetime_value = ? WHERE id = ?');
  for (const [customerId, cents] of lifetimeCents) setLifetime.run(cents / 100, customerId);

  return {
    customers: customers.length,
    products: products.length,
    customer_address_history: history.length,
    orders: planned.length,
    order_items: itemId,
  };
}
