// The privacy detectors, table-driven with near misses: Luhn-failing numbers, UUIDs, hex hashes,
// ordinary ids and dates must not be taken for personal data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classByName, classesInText, classifyValue, entropy, isBirthDate, isIban, isPaymentCard, isPersonNameShape, isPhone, isSecret,
  isStreetAddressShape, isUsSsn, luhnValid, mayBeSensitive,
} from '../../src/engine/privacy/detectors.js';
import { classifyAny, isIsoDateTime } from '../../src/engine/privacy/scan.js';

const TIMEOUT = { timeout: 30_000 };

function table<I, O>(name: string, fn: (input: I) => O, rows: [I, O][]): void {
  describe(name, TIMEOUT, () => {
    for (const [input, expected] of rows) {
      test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.deepEqual(fn(input), expected));
    }
  });
}

table('luhnValid', luhnValid, [
  ['4111111111111111', true],
  ['4111111111111112', false],
  ['79927398713', true],
  ['79927398710', false],
]);

table('isPaymentCard', isPaymentCard, [
  ['4111111111111111', true],
  ['4111 1111 1111 1111', true],
  ['4111-1111-1111-1111', true],
  ['5500005555555559', true],
  ['378282246310005', true],
  ['6011111111111117', true],
  ['4111111111111112', false], // fails Luhn
  ['1234567812345670', false], // Luhn-valid, no network starts with 1
  ['0000000000000000', false],
  ['4111 1111 1111 111', false],
  ['41111111111111111111111', false],
  ['4111a11111111111', false],
]);

table('isIban', isIban, [
  ['DE89370400440532013000', true],
  ['GB82 WEST 1234 5698 7654 32', true],
  ['FR1420041010050500013M02606', true],
  ['DE89370400440532013001', false], // checksum fails
  ['de89370400440532013000', false],
  ['DE8937040044', false],
]);

table('isUsSsn', isUsSsn, [
  ['123-45-6789', true],
  ['000-45-6789', false],
  ['666-45-6789', false],
  ['900-45-6789', false],
  ['123-00-6789', false],
  ['123-45-0000', false],
  ['123456789', false],
  ['2024-01-15', false],
]);

table('isPhone', isPhone, [
  ['+14155552671', true],
  ['+44 20 7946 0958', true],
  ['(415) 555-2671', true],
  ['415-555-2671', true],
  ['4155552671', false], // bare digits: an id far more often
  ['+1234', false],
  ['2024-01-15', false],
  ['123-45-6789', false],
  ['1.5', false],
]);

table('isSecret', isSecret, [
  ['AKIAIOSFODNN7EXAMPLE', true],
  ['ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', true],
  ['xoxb-1234567890-abcdefghij', true],
  ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', true],
  ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', true],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIB', true],
  ['Zx9Qm2Lk7Rt4Vb8Np3Hs6Jd1Wf5Gc0Ya', true],
  ['123e4567-e89b-12d3-a456-426614174000', false], // UUID
  ['5d41402abc4b2a76b9719d911017c592', false], // md5
  ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', false], // sha256
  ['AKIAIOSFODNN7EXAMPL', false],
  ['hello world this is text', false],
  ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaAAAA1111', false], // long but low entropy
  ['ProductCatalogueVersion2', false],
]);

table('classifyValue (first detector wins)', classifyValue, [
  ['ada@example.com', 'email'],
  ['DE89370400440532013000', 'iban'],
  ['4111111111111111', 'payment-card'],
  ['123-45-6789', 'us-ssn'],
  ['192.168.1.20', 'ip-address'],
  ['2001:db8::1', 'ip-address'],
  ['+14155552671', 'phone'],
  ['AKIAIOSFODNN7EXAMPLE', 'secret'],
  ['123e4567-e89b-12d3-a456-426614174000', undefined],
  ['4111111111111112', undefined],
  ['2024-01-15', undefined],
  ['42', undefined],
  ['ada@localhost', undefined],
  ['1.2.3', undefined],
]);

table('classesInText', classesInText, [
  ['Please mail ada@example.com about it', ['email']],
  ['deploy used AKIAIOSFODNN7EXAMPLE by mistake', ['secret']],
  ['card 4111 1111 1111 1111 on file', ['payment-card']],
  ['card 4111 1111 1111 1112 on file', []], // fails Luhn
  ['order 123e4567-e89b-12d3-a456-426614174000 shipped', []],
  ['hash 5d41402abc4b2a76b9719d911017c592 matched', []],
  ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmN and ada@example.com', ['secret', 'email']],
  ['nothing to see', []],
]);

table('classByName', classByName, [
  ['date_of_birth', 'date-of-birth'],
  ['dob', 'date-of-birth'],
  ['birthDate', 'date-of-birth'],
  ['street_address', 'street-address'],
  ['address', 'street-address'],
  ['ip_address', undefined],
  ['email_address', undefined],
  ['first_name', 'person-name'],
  ['lastName', 'person-name'],
  ['name', 'person-name'],
  ['customer_name', 'person-name'],
  ['file_name', undefined],
  ['username', undefined],
  ['product_name', undefined],
  ['created_at', undefined],
]);

describe('shapes that must agree with the name', TIMEOUT, () => {
  const now = new Date('2026-12-07T00:00:00Z');
  test('birth dates lie between 1900 and ten years ago', () => {
    assert.equal(isBirthDate('1984-03-12', now), true);
    assert.equal(isBirthDate(new Date('1950-01-01T00:00:00Z'), now), true);
    assert.equal(isBirthDate('2024-03-12', now), false);
    assert.equal(isBirthDate('1850-03-12', now), false);
    assert.equal(isBirthDate('yesterday', now), false);
    assert.equal(isBirthDate(19840312, now), false);
  });
  test('street addresses', () => {
    assert.equal(isStreetAddressShape('221B Baker Street'), true);
    assert.equal(isStreetAddressShape('Hauptstraße 5'), true);
    assert.equal(isStreetAddressShape('n/a'), false);
    assert.equal(isStreetAddressShape('12345'), false);
  });
  test('person names', () => {
    assert.equal(isPersonNameShape('Ada Lovelace'), true);
    assert.equal(isPersonNameShape("Seán O'Brien"), true);
    assert.equal(isPersonNameShape('ada lovelace'), false);
    assert.equal(isPersonNameShape('ORDER-42'), false);
  });
  test('entropy of a repeated character is 0, of two equal halves 1 bit', () => {
    assert.equal(entropy('aaaa'), 0);
    assert.equal(entropy('abab'), 1);
  });
});

describe('mayBeSensitive, the prefilter every value passes before the detectors', TIMEOUT, () => {
  const positives = [
    'ada@example.com', 'DE89370400440532013000', 'GB82 WEST 1234 5698 7654 32', '4111111111111111', '4111 1111 1111 1111', '378282246310005',
    '123-45-6789', '192.168.1.20', '2001:db8::1', '::1', '+14155552671', '(415) 555-2671', '415-555-2671', '+44 20 7946 0958',
    'AKIAIOSFODNN7EXAMPLE', 'AKIAABCDEFGHIJKLMNOP', 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', 'xoxb-1234567890-abcdefghij', 'xoxp-abcdefghijkl',
    'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'eyJabcdefghij.eyJabcdefghij.abcdefghij', '-----BEGIN RSA PRIVATE KEY-----', 'Zx9Qm2Lk7Rt4Vb8Np3Hs6Jd1Wf5Gc0Ya',
    'Please mail ada@example.com about it', 'card 4111 1111 1111 1111 on file', 'ssn 123-45-6789 here',
  ];
  // Every value a detector or a text pattern matches passes: a miss here would land a value raw.
  for (const text of positives) {
    test(`${JSON.stringify(text)} passes`, () => {
      assert.equal(mayBeSensitive(text), true);
      assert.ok(classifyValue(text) !== undefined || classesInText(text).length > 0, 'the example is one a detector matches');
    });
  }
  for (const text of ['order 123 shipped on time', 'ada-123456', 'hello world', 'w42', 'red', '2024-01', '1.2.3', 'Ada Lovelace']) {
    test(`${JSON.stringify(text)} is skipped`, () => {
      assert.equal(mayBeSensitive(text), false);
      assert.equal(classifyValue(text), undefined);
      assert.deepEqual(classesInText(text), []);
    });
  }
});

// classifyAny skips ISO date-times without running the detectors (scan.ts isIsoDateTime): that is
// only sound while no detector or text pattern can match one, which this checks over years 0000-9999,
// every offset form and fraction length, and all the digit patterns a date-time can hold.
describe('ISO date-times, skipped by the scan, are never a detector match', TIMEOUT, () => {
  const offsets = ['', 'Z', '+00:00', '-05:30', '+0530', '+05', '-12'];
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  const samples: string[] = ['2023-11-14T22:13:20.000Z', '1999-12-31T23:59', '0000-01-01T00:00:00.123456789+14:00', '4111-11-11T11:11:11.1111-11:11', '1234-56-78T90:12:34.567890123Z'];
  for (let i = 0; i < 20_000; i++) {
    const time = `${pad(next(100), 2)}:${pad(next(100), 2)}`;
    const seconds = next(3) === 0 ? '' : `:${pad(next(100), 2)}${next(2) ? `.${String(next(1_000_000_000)).slice(0, 1 + next(9))}` : ''}`;
    samples.push(`${pad(next(10_000), 4)}-${pad(next(100), 2)}-${pad(next(100), 2)}T${time}${seconds}${offsets[next(offsets.length)]}`);
  }
  test(`${samples.length} date-times: recognised, and no class found in any`, () => {
    for (const text of samples) {
      assert.equal(isIsoDateTime(text), true, text);
      assert.equal(classifyValue(text), undefined, text);
      assert.deepEqual(classesInText(text), [], text);
      assert.equal(isPhone(text), false, text);
    }
  });
  test('not date-times: a date alone, text around one, a space for the T', () => {
    for (const text of ['2023-11-14', 'at 2023-11-14T22:13:20Z', '2023-11-14 22:13:20', '2023-11-14T22:13:20Z ', '2023-11-14T22:13:20.1234567890Z']) assert.equal(isIsoDateTime(text), false, text);
  });
  test('a birth-date column still finds its date-times (name evidence comes first)', () => {
    assert.deepEqual(classifyAny('1985-03-02T00:00:00Z', 'date-of-birth'), { whole: 'date-of-birth' });
    assert.deepEqual(classifyAny('1985-03-02T00:00:00Z', undefined), {});
  });
});
