-- The whole relationship (issue 16): deals with amounts, holdings with their dates,
-- compliance dates, households, contact channels, SWOT, and each RM's contact QR codes.

-- An opportunity: a catalog product for a customer, its amount, expected close and stage.
-- Amounts are hundredths of the currency unit (2 tỷ VND = 200000000000), so sums stay exact.
CREATE TABLE deals (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    owner_id        INTEGER NOT NULL REFERENCES staff(id),
    product_id      INTEGER REFERENCES products(id),
    amount_minor    INTEGER CHECK (amount_minor > 0),
    currency        TEXT CHECK (currency IN ('VND', 'CNY', 'TWD', 'HKD', 'USD')),
    expected_close  TEXT,                 -- YYYY-MM-DD
    stage           TEXT NOT NULL DEFAULT 'find'
                    CHECK (stage IN ('find', 'contact', 'consult', 'follow', 'won', 'lost')),
    lost_reason     TEXT CHECK (lost_reason IN ('rate', 'fees', 'competitor', 'timing',
                                                'not_eligible', 'not_needed')),
    closed_at       TEXT,                 -- won or lost at
    holding_id      INTEGER,              -- what winning it recorded
    request_key     TEXT UNIQUE,          -- the button that created it: pressed twice, one deal
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((amount_minor IS NULL) = (currency IS NULL))
);
CREATE INDEX deals_owner_stage ON deals(owner_id, stage);
CREATE INDEX deals_customer ON deals(customer_id, stage);
CREATE INDEX deals_owner_closed ON deals(owner_id, closed_at);

-- Every change of a deal (created, stage, amount, close date, won, lost), for its history.
CREATE TABLE deal_events (
    id           INTEGER PRIMARY KEY,
    deal_id      INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    staff_id     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '{}',
    happened_at  TEXT NOT NULL
);
CREATE INDEX deal_events_deal ON deal_events(deal_id, happened_at);

-- A team's own win probability per stage (a lead sets them; defaults in domain/deals.py).
CREATE TABLE stage_probabilities (
    team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    stage       TEXT NOT NULL CHECK (stage IN ('find', 'contact', 'consult', 'follow')),
    percent     INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    updated_by  INTEGER,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (team_id, stage)
);

-- Holdings: what kind of product, its amount, and the dates that recur: a loan's repayment
-- day or a recurring investment's debit day (monthly_day), an insurance policy's start
-- (its anniversaries). ended_at: no longer held.
ALTER TABLE holdings ADD COLUMN kind TEXT NOT NULL DEFAULT 'deposit'
    CHECK (kind IN ('deposit', 'loan', 'insurance', 'investment', 'card', 'other'));
ALTER TABLE holdings ADD COLUMN product_id INTEGER REFERENCES products(id);
ALTER TABLE holdings ADD COLUMN amount_minor INTEGER CHECK (amount_minor > 0);
ALTER TABLE holdings ADD COLUMN start_date TEXT;
ALTER TABLE holdings ADD COLUMN monthly_day INTEGER CHECK (monthly_day BETWEEN 1 AND 31);
ALTER TABLE holdings ADD COLUMN ended_at TEXT;
CREATE INDEX holdings_customer ON holdings(customer_id);

-- The customer file: compliance dates (YYYY-MM-DD), messaging apps, SWOT, and the QR code
-- a prospect came through (its source: street, event, branch, merchant group).
ALTER TABLE customers ADD COLUMN id_expiry TEXT;
ALTER TABLE customers ADD COLUMN risk_expiry TEXT;
ALTER TABLE customers ADD COLUMN kyc_due TEXT;
ALTER TABLE customers ADD COLUMN zalo TEXT;
ALTER TABLE customers ADD COLUMN wechat TEXT;
ALTER TABLE customers ADD COLUMN line TEXT;
ALTER TABLE customers ADD COLUMN whatsapp TEXT;
ALTER TABLE customers ADD COLUMN swot_strengths TEXT;
ALTER TABLE customers ADD COLUMN swot_weaknesses TEXT;
ALTER TABLE customers ADD COLUMN swot_opportunities TEXT;
ALTER TABLE customers ADD COLUMN swot_threats TEXT;
ALTER TABLE customers ADD COLUMN qr_source TEXT
    CHECK (qr_source IN ('street', 'event', 'branch', 'merchant_group'));

-- Households: one row per link, stored with customer_id < other_id; relation says what
-- other_id is to customer_id (spouse, parent, child, sibling, owner, business, employee,
-- employer); the other side reads it inverted.
CREATE TABLE household_links (
    id           INTEGER PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES staff(id),
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    other_id     INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    relation     TEXT NOT NULL CHECK (relation IN ('spouse', 'parent', 'child', 'sibling',
                                                   'owner', 'business', 'employee',
                                                   'employer')),
    created_at   TEXT NOT NULL,
    CHECK (customer_id < other_id),
    UNIQUE (customer_id, other_id)
);
CREATE INDEX household_links_other ON household_links(other_id);

-- Each RM's "contact me" QR codes, one per source; a person who opens one and shares their
-- phone (their consent) becomes the RM's prospect, once.
CREATE TABLE mycards (
    id          INTEGER PRIMARY KEY,
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    source      TEXT NOT NULL CHECK (source IN ('street', 'event', 'branch', 'merchant_group')),
    token       TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    UNIQUE (staff_id, source)
);
CREATE TABLE mycard_visits (
    id            INTEGER PRIMARY KEY,
    card_id       INTEGER NOT NULL REFERENCES mycards(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,      -- the visitor's Telegram id
    customer_id   INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    consented_at  TEXT,                  -- shared their phone to be contacted
    UNIQUE (card_id, user_id)
);
CREATE INDEX mycard_visits_user ON mycard_visits(user_id, consented_at);
