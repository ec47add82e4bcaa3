// Fixed reference data for the demo: names, places and products. Accents and odd spellings on purpose.

export interface Country {
  code: string;
  currency: string;
  weight: number;
  cities: readonly string[];
  streets: readonly string[];
  /** Postcode pattern: 9 is a digit, A an upper-case letter; everything else is literal. */
  postcode: string;
}

export const COUNTRIES: readonly Country[] = [
  { code: 'DE', currency: 'EUR', weight: 24, cities: ['Berlin', 'München', 'Hamburg', 'Köln', 'Leipzig'], streets: ['Hauptstraße', 'Schillerstraße', 'Gartenweg', 'Bahnhofstraße', 'Lindenallee'], postcode: '99999' },
  { code: 'FR', currency: 'EUR', weight: 14, cities: ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes'], streets: ['rue de la Paix', 'avenue Victor Hugo', 'rue des Écoles', 'boulevard Voltaire'], postcode: '99999' },
  { code: 'NL', currency: 'EUR', weight: 9, cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Den Haag'], streets: ['Kerkstraat', 'Dorpsstraat', 'Molenweg', 'Prinsengracht'], postcode: '9999 AA' },
  { code: 'ES', currency: 'EUR', weight: 8, cities: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla'], streets: ['Calle Mayor', 'Avenida de la Constitución', 'Calle del Sol'], postcode: '99999' },
  { code: 'IT', currency: 'EUR', weight: 7, cities: ['Roma', 'Milano', 'Torino', 'Bologna'], streets: ['Via Roma', 'Via Garibaldi', 'Corso Italia'], postcode: '99999' },
  { code: 'GB', currency: 'GBP', weight: 14, cities: ['London', 'Manchester', 'Bristol', 'Edinburgh', 'Leeds'], streets: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road'], postcode: 'A9 9AA' },
  { code: 'US', currency: 'USD', weight: 16, cities: ['New York', 'Austin', 'Seattle', 'Chicago', 'Denver'], streets: ['Main St', 'Oak Ave', 'Maple Dr', '2nd St', 'Park Blvd'], postcode: '99999' },
  { code: 'SE', currency: 'SEK', weight: 4, cities: ['Stockholm', 'Göteborg', 'Malmö'], streets: ['Storgatan', 'Kungsgatan', 'Drottninggatan'], postcode: '999 99' },
  { code: 'PL', currency: 'PLN', weight: 4, cities: ['Warszawa', 'Kraków', 'Łódź', 'Wrocław'], streets: ['ul. Długa', 'ul. Marszałkowska', 'ul. Polna'], postcode: '99-999' },
];

export const FIRST_NAMES: readonly string[] = [
  'Anna', 'Lukas', 'Sophie', 'Jonas', 'Emma', 'Noah', 'Mia', 'Liam', 'Léa', 'Hugo', 'Chloé', 'Louis', 'Sofia', 'Mateo',
  'Lucía', 'Pablo', 'Giulia', 'Marco', 'Oliver', 'Amelia', 'Jack', 'Isla', 'Ethan', 'Olivia', 'Mason', 'Ava', 'Elijah',
  'Zoë', 'Sven', 'Astrid', 'Björn', 'Ingrid', 'Łukasz', 'Zofia', 'Jakub', 'Małgorzata', 'Daan', 'Sanne', 'Thijs', 'Fenna',
  'José', 'María', 'Aiko', 'Priya', 'Wei', 'Fatima', 'Omar', 'Chiara', 'Renée', 'François',
];

export const LAST_NAMES: readonly string[] = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'García',
  'Fernández', 'López', 'Rossi', 'Russo', 'Bianchi', 'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Johnson',
  'Miller', 'Davis', 'Andersson', 'Johansson', 'Nilsson', 'Kowalski', 'Nowak', 'Wiśniewski', 'de Jong', 'Jansen',
  'van Dijk', 'Bakker', "O'Brien", 'Nakamura', 'Patel', 'Chen', 'Haddad', 'Ferrari', 'Østergaard', 'Núñez',
];

export const EMAIL_DOMAINS: readonly string[] = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me', 'gmx.de', 'orange.fr', 'icloud.com', 'example.org'];

export interface Product {
  sku: string;
  name: string;
  category: string;
  priceCents: number;
}

const PRODUCT_LINES: readonly { category: string; prefix: string; names: readonly string[]; minCents: number; maxCents: number }[] = [
  { category: 'coffee', prefix: 'COF', names: ['Espresso Beans', 'Filter Roast', 'Decaf Blend', 'Single Origin Ethiopia', 'Cold Brew Pack'], minCents: 899, maxCents: 2499 },
  { category: 'tea', prefix: 'TEA', names: ['Sencha', 'Earl Grey', 'Rooibos', 'Chai Mix', 'Jasmine Pearls'], minCents: 499, maxCents: 1899 },
  { category: 'equipment', prefix: 'EQP', names: ['Pour-over Kettle', 'Burr Grinder', 'French Press', 'Scale', 'Aeropress'], minCents: 1999, maxCents: 24999 },
  { category: 'cups', prefix: 'CUP', names: ['Ceramic Mug', 'Travel Cup', 'Glass Tumbler', 'Espresso Cup Set'], minCents: 999, maxCents: 3999 },
  { category: 'snacks', prefix: 'SNK', names: ['Almond Biscotti', 'Dark Chocolate', 'Oat Cookies', 'Stroopwafels'], minCents: 299, maxCents: 999 },
  { category: 'gift', prefix: 'GFT', names: ['Gift Card', 'Tasting Box', 'Subscription Voucher'], minCents: 1500, maxCents: 10000 },
];

const PRODUCT_VARIANTS: readonly string[] = ['250g', '500g', '1kg', 'Small', 'Large', 'Black', 'White'];

/** About 150 products; the price of each comes from the caller's PRNG so the list stays seeded. */
export function buildProducts(randomInt: (min: number, max: number) => number): Product[] {
  const products: Product[] = [];
  for (const line of PRODUCT_LINES) {
    let serial = 1;
    for (const baseName of line.names) {
      const baseCents = randomInt(line.minCents, line.maxCents);
      PRODUCT_VARIANTS.slice(0, randomInt(3, 6)).forEach((variant, rank) => {
        // Bigger variants cost more; prices end in 9 or 0, as shop prices do.
        const cents = Math.round((baseCents * (1 + rank * 0.4)) / 10) * 10 - (randomInt(0, 3) === 0 ? 0 : 1);
        products.push({
          sku: `${line.prefix}-${String(serial).padStart(4, '0')}`,
          name: `${baseName} ${variant}`,
          category: line.category,
          priceCents: cents,
        });
        serial += 1;
      });
    }
  }
  return products;
}

export const USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'HeadwaterShopApp/4.2.1 (iOS 18.1; iPhone15,2)',
  'HeadwaterShopApp/4.1.9 (Android 14; SM-S918B)',
];

export const REFERRERS: readonly string[] = [
  'https://www.google.com/', 'https://duckduckgo.com/', 'https://www.instagram.com/', 'https://news.ycombinator.com/',
  'https://mail.example.org/', 'https://www.bing.com/search?q=coffee+beans',
];
