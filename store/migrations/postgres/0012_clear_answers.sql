-- Failed sign-ins for typed addresses without an account, counted and locked
-- by the same rule (and the same statements: the same columns, user_id always
-- 0) as sign_in_failures, so a lock reads the same whether or not the
-- address has an account. device_key is the keyed hash of the address.
CREATE TABLE address_sign_in_failures (
    user_id BIGINT NOT NULL,
    device_key TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    CONSTRAINT address_sign_in_failures_pk PRIMARY KEY (user_id, device_key)
);

-- A mailed link is marked when it is used ('used') or voided ('voided')
-- instead of deleted (NULL: neither), and kept a while after it expires, so
-- that the page it opens can say at once why it no longer works.
ALTER TABLE tokens ADD COLUMN spent_how TEXT;

-- Requests that mail a link, remembered for a few seconds: a repeat (a double
-- tap) neither mails again nor voids the first link.
CREATE TABLE recent_requests (
    request_key TEXT NOT NULL CONSTRAINT recent_requests_pk PRIMARY KEY,
    first_at BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
