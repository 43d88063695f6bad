-- The support view (issue 12): a staff member sees a customer's portal
-- read-only, for a limited time, inside their own session. One row per view.
-- The staff session is a plain id: a session that ends takes its view with
-- it (no request can reach the view without the session), and the row stays
-- for the customer's history, which shows when the view ended.
CREATE TABLE support_views (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_session_id BIGINT NOT NULL,
    staff_user_id BIGINT NOT NULL CONSTRAINT support_views_staff_fk REFERENCES users (id) ON DELETE CASCADE,
    customer_id BIGINT NOT NULL CONSTRAINT support_views_customer_fk REFERENCES users (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT
);
-- Every request of a staff session asks for its running view.
CREATE INDEX support_views_session_idx ON support_views (staff_session_id) WHERE ended_at IS NULL;
CREATE INDEX support_views_customer_idx ON support_views (customer_id, started_at);
CREATE INDEX support_views_staff_idx ON support_views (staff_user_id);
